"""What a failure tells the peer (threat ``uniform-failure``), weak keys and unauthenticated
encryption (``weak-crypto``), and a message presented twice (``replay``).

``uniform-failure``: every way a forgery can fail its cryptography or its trust (an untrusted
key under our STS's name, a bad SignatureValue, signed content changed, a ciphertext that does
not decrypt, a holder-of-key proof by another key, a proof key that does not unwrap) must give
the same FailedAuthentication, so that the answer tells the attacker nothing about which part
failed. Only the log's reason differs. ``test_trust_failures.py`` also checks the HTTP bodies
are byte-identical across all of them, in both SOAP versions.

``weak-crypto``: holder-of-key assertions that confirm an RSA-1024 key (properly proved with
it), and AES-CBC ciphertexts sent to a server that wants AES-GCM only (``server="gcm-only"``).

``replay``: the same message presented twice to a server with ``detect_replay=True``
(``server="replay"``). The services of the HTTPS path live for the whole session, so every
build makes fresh assertions and envelopes: a message accepted first is new on every run.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from samples.pki import self_signed_certificate
from security.attacks_encryption import Recipe, encrypted_data
from security.attacks_semantics import resign
from security.harness import (
    AUDIENCE,
    ISSUER_NAME,
    NOW,
    PARTNER_NAME,
    ROLES,
    SUBJECT,
    Attack,
    Build,
    World,
    find,
    inert,
    proved,
    refused,
    security_of,
)
from wsbind import (
    NcryptAsymmetricSecurityKeyHandle,
    RawSymmetricSecurityKeyHandle,
)
from wsbind.errors import FaultCode
from wsbind.saml.issuer import HOLDER_OF_KEY_V1, HOLDER_OF_KEY_V2, SamlIssuer, SamlVersion, encrypt_assertion
from wsbind.soap import namespaces as ns
from wsbind.wss.proof import encrypted_key_info
from wsbind.xmlcrypto.decrypt import AssertionDecrypter

# -- sources ----------------------------------------------------------------------------------

WSS_ERRORS = "WS-Security SOAP Message Security 1.1 (OASIS, 2006) 12 Error Handling"
WSS_TIMESTAMP = "WS-Security SOAP Message Security 1.1 (OASIS, 2006) 10 Security Timestamps"
CWE_204 = "CWE-204 Observable Response Discrepancy (MITRE)"
JAGER_CBC = 'Jager & Somorovsky, "How to Break XML Encryption", ACM CCS 2011'
BLEICHENBACHER = 'Jager, Schinzel & Somorovsky, "Bleichenbacher\'s Attack Strikes Again", ESORICS 2012'
SAML_METADATA_KEYS = "SAML V2.0 Metadata (OASIS, 2005) 2.4.1.1 KeyDescriptor (a key belongs to one entity)"
HOK_PROFILE = "WS-Security SAML Token Profile 1.1 (OASIS, 2006) 3.5 confirmation methods"
NIST_RSA = "NIST SP 800-131A Rev. 2 (2019), RSA under 2048 bits disallowed for signature generation"
RSA_250 = "Boudot et al., RSA-250 (829 bits) factored, February 2020"
XMLENC_GCM = "W3C XML Encryption Syntax and Processing 1.1 (2013), 6 Security Considerations (AES-GCM over CBC)"
SAML_PROFILES_REPLAY = "SAML V2.0 Profiles (OASIS, 2005) 4.1.4.5 (bearer assertions must not be replayed)"
XMLDSIG_COMMENTS = "W3C XML Signature 1.1 (2013) 4.4.3.3 same-document references drop comments"
RFC4648_CANONICAL = "RFC 4648 (2006) 3.5 Canonical Encoding (non-zero pad bits)"
SOMOROVSKY_2012 = "Somorovsky et al., On Breaking SAML: Be Whoever You Want to Be, USENIX Security 2012"

NOT_AUTHENTICATED = FaultCode.FAILED_AUTHENTICATION
"""The one code of every crypto or trust failure (wsbind.errors.not_authenticated)."""

DS = f"{{{ns.DS}}}"
X = f"{{{ns.XENC}}}"
S2 = f"{{{ns.SAML2}}}"
S1 = f"{{{ns.SAML1}}}"
WSU = f"{{{ns.WSU}}}"

Maker = Callable[[World, str], bytes]
"""Builds one message for a SOAP namespace (the unit tests send each in SOAP 1.1 and 1.2)."""


# -- building blocks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPair:
    private_key: Any
    certificate: x509.Certificate


@functools.cache
def weak_rsa(name: str) -> KeyPair:
    """A 1024-bit RSA key (under wsbind.certs.MIN_RSA_BITS) and its self-signed certificate,
    made once per name: ``weak-client`` for holder-of-key proofs, ``weak-sts`` for an issuer."""
    key = rsa.generate_private_key(65537, 1024)  # noqa: S505 - deliberately weak: what must be refused
    return KeyPair(key, self_signed_certificate(key, name))


def weak_client() -> KeyPair:
    return weak_rsa("weak-client")


def x509_key_info(certificate: x509.Certificate) -> etree._Element:
    """A confirmation ds:KeyInfo naming ``certificate`` (as World.client_key_info does)."""
    key_info = etree.Element(f"{DS}KeyInfo", nsmap={"ds": ns.DS})
    data = etree.SubElement(key_info, f"{DS}X509Data")
    der = certificate.public_bytes(serialization.Encoding.DER)
    etree.SubElement(data, f"{DS}X509Certificate").text = base64.b64encode(der).decode()
    return key_info


def key_value_key_info(public_key: rsa.RSAPublicKey) -> etree._Element:
    """A confirmation ds:KeyInfo holding the bare RSA key (ds:KeyValue/ds:RSAKeyValue)."""
    numbers = public_key.public_numbers()

    def b64(value: int) -> str:
        return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()

    key_info = etree.Element(f"{DS}KeyInfo", nsmap={"ds": ns.DS})
    value = etree.SubElement(etree.SubElement(key_info, f"{DS}KeyValue"), f"{DS}RSAKeyValue")
    etree.SubElement(value, f"{DS}Modulus").text = b64(numbers.n)
    etree.SubElement(value, f"{DS}Exponent").text = b64(numbers.e)
    return key_info


def hok_assertion(
    world: World, key_info: etree._Element, version: SamlVersion = SamlVersion.V2_0, **options: Any
) -> bytes:
    method = HOLDER_OF_KEY_V2 if version is SamlVersion.V2_0 else HOLDER_OF_KEY_V1
    return world.issue(version, confirmation_method=method, confirmation_key_info=key_info, **options)


def _flip_base64(element: etree._Element, index: int = -1) -> None:
    """Flip one bit of the octets ``element``'s base64 text holds (a one-bit change)."""
    octets = bytearray(base64.b64decode("".join((element.text or "").split())))
    octets[index] ^= 0x01
    element.text = base64.b64encode(bytes(octets)).decode()


def _edited_token(world: World, token: bytes, change: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(token)
    change(root)
    return etree.tostring(root)


def _signature_value(assertion: etree._Element) -> etree._Element:
    return find(assertion, "ds:Signature/ds:SignatureValue")


def _name_ids(assertion: etree._Element) -> list[etree._Element]:
    found = assertion.xpath(
        ".//saml2:NameID | .//saml1:NameIdentifier", namespaces={"saml2": ns.SAML2, "saml1": ns.SAML1}
    )
    assert isinstance(found, list) and found
    return [e for e in found if isinstance(e, etree._Element)]


def _to_admin(assertion: etree._Element) -> None:
    """Signed content changed: the subject becomes admin, so the digest no longer matches."""
    for name_id in _name_ids(assertion):
        name_id.text = "admin"


# -- uniform failure: one maker per failure kind -------------------------------------------------


def rogue_under_our_name(version: SamlVersion) -> Maker:
    """Signed with a key nobody trusts, under our STS's name (certificate in KeyInfo)."""
    return lambda world, soap_ns: world.envelope(world.issue(version, rogue=True), soap_ns=soap_ns)


def partner_key_under_our_name(version: SamlVersion) -> Maker:
    """The partner STS (trusted, but for its own name only) signs as our STS."""

    def make(world: World, soap_ns: str) -> bytes:
        impostor = SamlIssuer(ISSUER_NAME, world.partner.private_key, world.partner.certificate)
        return world.envelope(impostor.issue(**_alice(version)), soap_ns=soap_ns)

    return make


def our_key_under_partner_name(world: World, soap_ns: str) -> bytes:
    """Our STS signs under the partner's name, for which only the partner's key is trusted."""
    impostor = SamlIssuer(PARTNER_NAME, world.issuer.private_key, world.issuer.certificate)
    return world.envelope(impostor.issue(**_alice(SamlVersion.V2_0)), soap_ns=soap_ns)


def unknown_issuer_name(world: World, soap_ns: str) -> bytes:
    """A trusted key signs under a name no key is trusted for."""
    impostor = SamlIssuer("https://unknown-sts.example.test", world.issuer.private_key, world.issuer.certificate)
    return world.envelope(impostor.issue(**_alice(SamlVersion.V2_0)), soap_ns=soap_ns)


def _alice(version: SamlVersion) -> dict[str, Any]:
    """What World.issue asks for, for another SamlIssuer."""
    return {
        "subject": SUBJECT,
        "version": version,
        "audiences": [AUDIENCE],
        "attributes": {"role": list(ROLES)},
        "now": NOW,
    }


def bad_signature_value(version: SamlVersion) -> Maker:
    """One bit of the trusted STS's SignatureValue flipped; nothing else changed."""

    def make(world: World, soap_ns: str) -> bytes:
        token = _edited_token(world, world.issue(version), lambda a: _flip_base64(_signature_value(a)))
        return world.envelope(token, soap_ns=soap_ns)

    return make


def signed_content_changed(version: SamlVersion) -> Maker:
    """The subject changed after signing: the DigestValue no longer matches."""

    def make(world: World, soap_ns: str) -> bytes:
        return world.envelope(_edited_token(world, world.issue(version), _to_admin), soap_ns=soap_ns)

    return make


def bad_digest_value(world: World, soap_ns: str) -> bytes:
    """The subject changed and the DigestValue "fixed" to match it: SignedInfo no longer matches
    the SignatureValue."""

    def change(assertion: etree._Element) -> None:
        _to_admin(assertion)
        signature = find(assertion, "ds:Signature")
        parent = signature.getparent()
        assert parent is not None
        index = parent.index(signature)
        parent.remove(signature)
        digest = hashlib.sha256(etree.tostring(assertion, method="c14n", exclusive=True, with_comments=False))
        parent.insert(index, signature)
        find(signature, "ds:SignedInfo/ds:Reference/ds:DigestValue").text = base64.b64encode(digest.digest()).decode()

    return world.envelope(_edited_token(world, world.issue(), change), soap_ns=soap_ns)


def encrypted_to_another_certificate(world: World, soap_ns: str) -> bytes:
    """A genuine assertion encrypted to the client's certificate, not to the relying party's."""
    return world.envelope(encrypt_assertion(world.issue(), world.client.certificate), soap_ns=soap_ns)


def encrypted_cipher_value(which: str) -> Maker:
    """A genuine EncryptedAssertion with one bit flipped in the data's or the key's CipherValue."""
    path = {
        "data": "xenc:EncryptedData/xenc:CipherData/xenc:CipherValue",
        "key": "xenc:EncryptedData/ds:KeyInfo/xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue",
    }[which]

    def make(world: World, soap_ns: str) -> bytes:
        token = encrypt_assertion(world.issue(), world.relying_party.certificate)
        return world.envelope(_edited_token(world, token, lambda e: _flip_base64(find(e, path), 20)), soap_ns=soap_ns)

    return make


def encrypted_rogue_signed(world: World, soap_ns: str) -> bytes:
    """The rogue's assertion under our name, properly encrypted to us (its failure is hidden as
    a decryption failure: until a trusted signature verifies, everything looks alike)."""
    return world.envelope(encrypt_assertion(world.issue(rogue=True), world.relying_party.certificate), soap_ns=soap_ns)


def hok_proved_by(signer: Callable[[World], Any]) -> Maker:
    """The assertion confirms the client's key; the proof is made with ``signer``'s key."""

    def make(world: World, soap_ns: str) -> bytes:
        assertion = hok_assertion(world, world.client_key_info())
        return proved(assertion, NcryptAsymmetricSecurityKeyHandle(signer(world)), soap_ns)

    return make


def hok_proof_value_flipped(world: World, soap_ns: str) -> bytes:
    """A genuine proof by the client's key, one bit of its SignatureValue flipped."""
    message = hok_proved_by(lambda w: w.client.private_key)(world, soap_ns)
    root = etree.fromstring(message)
    _flip_base64(find(root, "//wsse:Security/ds:Signature/ds:SignatureValue"))
    return etree.tostring(root)


def hok_proof_key_for(recipient: Callable[[World], x509.Certificate], *, corrupt: bool = False) -> Maker:
    """A symmetric holder-of-key assertion whose EncryptedKey is for ``recipient`` (or for us,
    its CipherValue damaged); the client proves possession with the key it meant."""

    def make(world: World, soap_ns: str) -> bytes:
        secret = os.urandom(32)
        key_info = encrypted_key_info(secret, recipient(world))
        if corrupt:
            _flip_base64(find(key_info, "xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue"), 20)
        assertion = hok_assertion(world, key_info)
        return proved(assertion, RawSymmetricSecurityKeyHandle(secret), soap_ns)

    return make


def hok_rogue_vouches(world: World, soap_ns: str) -> bytes:
    """The rogue STS (our name) confirms the client's key; the proof itself is genuine."""
    assertion = world.issue(
        rogue=True, confirmation_method=HOLDER_OF_KEY_V2, confirmation_key_info=world.client_key_info()
    )
    return proved(assertion, NcryptAsymmetricSecurityKeyHandle(world.client.private_key), soap_ns)


@dataclass(frozen=True)
class Failure:
    """One kind of crypto or trust failure: how to build it, and the reason the log must give."""

    id: str
    make: Maker
    reason: str
    source: str


FAILURES: list[Failure] = [
    Failure("uni-rogue-key-under-our-name-saml2", rogue_under_our_name(SamlVersion.V2_0), "untrusted-issuer", CWE_204),
    Failure("uni-rogue-key-under-our-name-saml11", rogue_under_our_name(SamlVersion.V1_1), "untrusted-issuer", CWE_204),
    Failure(
        "uni-partner-key-under-our-name-saml2",
        partner_key_under_our_name(SamlVersion.V2_0),
        "untrusted-issuer",
        SAML_METADATA_KEYS,
    ),
    Failure(
        "uni-partner-key-under-our-name-saml11",
        partner_key_under_our_name(SamlVersion.V1_1),
        "untrusted-issuer",
        SAML_METADATA_KEYS,
    ),
    Failure("uni-our-key-under-partner-name", our_key_under_partner_name, "untrusted-issuer", SAML_METADATA_KEYS),
    Failure("uni-unknown-issuer-name", unknown_issuer_name, "untrusted-issuer", CWE_204),
    Failure("uni-signature-value-flipped-saml2", bad_signature_value(SamlVersion.V2_0), "signature", WSS_ERRORS),
    Failure("uni-signature-value-flipped-saml11", bad_signature_value(SamlVersion.V1_1), "signature", WSS_ERRORS),
    Failure("uni-signed-content-changed-saml2", signed_content_changed(SamlVersion.V2_0), "signature", WSS_ERRORS),
    Failure("uni-signed-content-changed-saml11", signed_content_changed(SamlVersion.V1_1), "signature", WSS_ERRORS),
    Failure("uni-digest-value-matches-changed-content", bad_digest_value, "signature", WSS_ERRORS),
    Failure("uni-encrypted-to-another-certificate", encrypted_to_another_certificate, "decryption", BLEICHENBACHER),
    Failure("uni-encrypted-data-cipher-value-flipped", encrypted_cipher_value("data"), "decryption", JAGER_CBC),
    Failure("uni-encrypted-key-cipher-value-flipped", encrypted_cipher_value("key"), "decryption", BLEICHENBACHER),
    Failure("uni-encrypted-rogue-signed", encrypted_rogue_signed, "decryption", JAGER_CBC),
    Failure("uni-hok-proof-by-rogue-key", hok_proved_by(lambda w: w.rogue.private_key), "proof-signature", HOK_PROFILE),
    Failure("uni-hok-proof-signature-value-flipped", hok_proof_value_flipped, "proof-signature", HOK_PROFILE),
    Failure(
        "uni-hok-proof-key-for-another-certificate",
        hok_proof_key_for(lambda w: w.client.certificate),
        "decryption",
        BLEICHENBACHER,
    ),
    Failure(
        "uni-hok-proof-key-cipher-value-flipped",
        hok_proof_key_for(lambda w: w.relying_party.certificate, corrupt=True),
        "decryption",
        BLEICHENBACHER,
    ),
    Failure("uni-hok-rogue-vouches-for-client-key", hok_rogue_vouches, "untrusted-issuer", CWE_204),
]
"""Every crypto or trust failure kind; test_trust_failures.py sends each over HTTPS in both SOAP
versions and compares the answers byte for byte."""


def _once(make: Maker, soap_ns: str = ns.SOAP11) -> Build:
    return lambda world: [make(world, soap_ns)]


# -- weak crypto ------------------------------------------------------------------------------


def weak_hok(form: str, version: SamlVersion = SamlVersion.V2_0) -> Build:
    """A holder-of-key assertion the trusted STS issued, confirming a 1024-bit RSA key (as a
    certificate or a bare KeyValue), properly proved with that key: only its size is wrong."""

    def build(world: World) -> list[bytes]:
        client = weak_client()
        if form == "certificate":
            key_info = x509_key_info(client.certificate)
        else:
            key_info = key_value_key_info(client.private_key.public_key())
        assertion = hok_assertion(world, key_info, version)
        return [proved(assertion, NcryptAsymmetricSecurityKeyHandle(client.private_key))]

    return build


def encrypted_with(data_algorithm: str, version: SamlVersion = SamlVersion.V2_0) -> Build:
    """A genuine assertion encrypted to us with ``data_algorithm`` (RSA-OAEP key transport)."""

    def build(world: World) -> list[bytes]:
        token = encrypt_assertion(world.issue(version), world.relying_party.certificate, data_algorithm=data_algorithm)
        return [world.envelope(token)]

    return build


def encrypted_id_with(data_algorithm: str) -> Build:
    """The Subject's NameID encrypted to us with ``data_algorithm`` (a saml2:EncryptedID), the
    assertion signed by the trusted STS: gcm-only must refuse CBC here too."""

    def build(world: World) -> list[bytes]:
        assertion = etree.fromstring(world.issue())
        name_id = find(assertion, "saml2:Subject/saml2:NameID")
        plaintext = etree.tostring(name_id)
        wrapper = etree.Element(f"{S2}EncryptedID", nsmap={"saml2": ns.SAML2})
        wrapper.append(encrypted_data(plaintext, world.relying_party.certificate, Recipe(data=data_algorithm)))
        name_id.addnext(wrapper)
        name_id.getparent().remove(name_id)  # type: ignore[union-attr]
        return [world.envelope(resign(world, assertion))]

    return build


# -- replay -----------------------------------------------------------------------------------


def bearer(version: SamlVersion = SamlVersion.V2_0, soap_ns: str = ns.SOAP11) -> Callable[[World], bytes]:
    return lambda world: world.envelope(world.issue(version), soap_ns=soap_ns)


def encrypted_bearer(world: World) -> bytes:
    return world.envelope(encrypt_assertion(world.issue(), world.relying_party.certificate))


def hok_message(world: World) -> bytes:
    """A fresh holder-of-key request (new assertion, new Timestamp; World.holder_of_key)."""
    return world.holder_of_key()


def twice(make: Callable[[World], bytes], then: Callable[[bytes, World], bytes] = lambda m, w: m) -> Build:
    """A fresh message, then the same message again (changed by ``then``, if given)."""

    def build(world: World) -> list[bytes]:
        message = make(world)
        return [message, then(message, world)]

    return build


def _reserialized(message: bytes, world: World) -> bytes:
    """The same message with an XML declaration and other whitespace in the Body."""
    root = etree.fromstring(message)
    body = root[-1]
    body.text = "\n    "
    body[0].tail = "\n"
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + etree.tostring(root)


def _re_encrypted(message: bytes, world: World) -> bytes:
    """The same message with its EncryptedAssertion replaced by a new encryption of the same
    assertion (new session key, new ciphertext), the Timestamp unchanged."""
    root = etree.fromstring(message)
    old = find(root, "//wsse:Security/saml2:EncryptedAssertion")
    assertion = AssertionDecrypter(world.relying_party.private_key).decrypt(old)
    new = etree.fromstring(encrypt_assertion(etree.tostring(assertion), world.relying_party.certificate))
    old.addnext(new)
    security_of(root).remove(old)
    return etree.tostring(root)


def _decoy_signature_added(message: bytes, world: World) -> bytes:
    """The same holder-of-key message with an unrelated ds:Signature appended to the Security
    header (it names no token, so the verifier ignores it as a decoy)."""
    root = etree.fromstring(message)
    proof = find(root, "//wsse:Security/ds:Signature")
    decoy = copy.deepcopy(proof)
    decoy.remove(find(decoy, "ds:KeyInfo"))
    security_of(root).append(decoy)
    return etree.tostring(root)


def _signature_value_reencoded(message: bytes, world: World) -> bytes:
    """The same message, the proof's SignatureValue written with non-zero pad bits: the same
    octets for a base64 decoder, other text (RFC 4648 3.5)."""
    root = etree.fromstring(message)
    value = find(root, "//wsse:Security/ds:Signature/ds:SignatureValue")
    text = "".join((value.text or "").split())
    assert text.endswith("==")  # 256 octets: the last character before the padding holds 4 pad bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    value.text = text[:-3] + alphabet[alphabet.index(text[-3]) | 0x0F] + "=="
    assert base64.b64decode(value.text) == base64.b64decode(text)
    return etree.tostring(root)


def _comment_in_timestamp(message: bytes, world: World) -> bytes:
    """The same message with a comment inside the signed Timestamp: the proof's digest drops
    comments (same-document reference), so the proof still verifies."""
    root = etree.fromstring(message)
    find(root, "//wsse:Security/wsu:Timestamp").insert(0, etree.Comment(" again "))
    return etree.tostring(root)


def same_token_fresh_timestamps(make_token: Callable[[World], bytes]) -> Build:
    """One token in two messages, each with its own new Timestamp: two requests, no replay."""

    def build(world: World) -> list[bytes]:
        token = make_token(world)
        return [world.envelope(token), world.envelope(token)]

    return build


def same_hok_token_fresh_proofs(world: World) -> list[bytes]:
    assertion = hok_assertion(world, world.client_key_info())
    return [world.holder_of_key(assertion), world.holder_of_key(assertion)]


REPLAYED = (NOT_AUTHENTICATED, "message-replay")


def _replay(id: str, build: Build, source: str = WSS_TIMESTAMP) -> Attack:
    return refused(id, "replay", build, *REPLAYED, source=source, server="replay")


# -- the catalogue ------------------------------------------------------------------------------

ATTACKS: list[Attack] = [
    # One answer for every crypto or trust failure.
    *(refused(f.id, "uniform-failure", _once(f.make), NOT_AUTHENTICATED, f.reason, source=f.source) for f in FAILURES),
    refused(
        "uni-soap12-signature-value-flipped",
        "uniform-failure",
        _once(bad_signature_value(SamlVersion.V2_0), ns.SOAP12),
        NOT_AUTHENTICATED,
        "signature",
        source=WSS_ERRORS,
    ),
    refused(
        "uni-soap12-hok-proof-by-rogue-key",
        "uniform-failure",
        _once(hok_proved_by(lambda w: w.rogue.private_key), ns.SOAP12),
        NOT_AUTHENTICATED,
        "proof-signature",
        source=HOK_PROFILE,
    ),
    # Weak keys: a 1024-bit confirmation key, properly proved.
    refused(
        "weak-hok-rsa1024-certificate",
        "weak-crypto",
        weak_hok("certificate"),
        NOT_AUTHENTICATED,
        "weak-key",
        source=NIST_RSA,
    ),
    refused(
        "weak-hok-rsa1024-key-value",
        "weak-crypto",
        weak_hok("key-value"),
        NOT_AUTHENTICATED,
        "weak-key",
        source=RSA_250,
    ),
    refused(
        "weak-hok-rsa1024-certificate-saml11",
        "weak-crypto",
        weak_hok("certificate", SamlVersion.V1_1),
        NOT_AUTHENTICATED,
        "weak-key",
        source=NIST_RSA,
    ),
    # Unauthenticated encryption: AES-CBC to a server that accepts AES-GCM only.
    *(
        refused(
            f"weak-{label}-to-gcm-only",
            "weak-crypto",
            build,
            NOT_AUTHENTICATED,
            "decryption",
            source=JAGER_CBC,
            server="gcm-only",
        )
        for label, build in (
            ("aes128-cbc", encrypted_with(ns.AES128_CBC)),
            ("aes256-cbc", encrypted_with(ns.AES256_CBC)),
            ("aes256-cbc-saml11", encrypted_with(ns.AES256_CBC, SamlVersion.V1_1)),
            ("aes256-cbc-encrypted-id", encrypted_id_with(ns.AES256_CBC)),
        )
    ),
    inert(
        "weak-aes256-gcm-to-gcm-only",
        "weak-crypto",
        encrypted_with(ns.AES256_GCM),
        source=XMLENC_GCM,
        server="gcm-only",
    ),
    inert(
        "weak-aes128-gcm-to-gcm-only",
        "weak-crypto",
        encrypted_with(ns.AES128_GCM),
        source=XMLENC_GCM,
        server="gcm-only",
    ),
    inert(
        "weak-aes256-gcm-encrypted-id-to-gcm-only",
        "weak-crypto",
        encrypted_id_with(ns.AES256_GCM),
        source=XMLENC_GCM,
        server="gcm-only",
    ),
    inert("weak-aes256-cbc-to-default", "weak-crypto", encrypted_with(ns.AES256_CBC), source=XMLENC_GCM),
    inert(
        "weak-aes128-cbc-saml11-to-default",
        "weak-crypto",
        encrypted_with(ns.AES128_CBC, SamlVersion.V1_1),
        source=XMLENC_GCM,
    ),
    # Message replay (server="replay": detect_replay=True).
    _replay("replay-saml2-same-message", twice(bearer())),
    _replay("replay-saml11-same-message", twice(bearer(SamlVersion.V1_1))),
    _replay("replay-saml2-soap12-same-message", twice(bearer(soap_ns=ns.SOAP12))),
    _replay("replay-encrypted-same-message", twice(encrypted_bearer)),
    _replay("replay-hok-same-message", twice(hok_message)),
    _replay("replay-saml2-reserialized", twice(bearer(), _reserialized), SAML_PROFILES_REPLAY),
    _replay("replay-encrypted-re-encrypted", twice(encrypted_bearer, _re_encrypted), SAML_PROFILES_REPLAY),
    _replay("replay-hok-reserialized", twice(hok_message, _reserialized)),
    _replay("replay-hok-decoy-signature-added", twice(hok_message, _decoy_signature_added)),
    _replay("replay-hok-signature-value-reencoded", twice(hok_message, _signature_value_reencoded), RFC4648_CANONICAL),
    _replay("replay-hok-comment-in-timestamp", twice(hok_message, _comment_in_timestamp), XMLDSIG_COMMENTS),
    inert(
        "replay-saml2-same-token-fresh-timestamps",
        "replay",
        same_token_fresh_timestamps(lambda world: world.issue()),
        source=WSS_TIMESTAMP,
        server="replay",
    ),
    inert(
        "replay-encrypted-same-token-fresh-timestamps",
        "replay",
        same_token_fresh_timestamps(lambda world: encrypt_assertion(world.issue(), world.relying_party.certificate)),
        source=WSS_TIMESTAMP,
        server="replay",
    ),
    inert(
        "replay-hok-same-token-fresh-proofs",
        "replay",
        same_hok_token_fresh_proofs,
        source=WSS_TIMESTAMP,
        server="replay",
    ),
]
