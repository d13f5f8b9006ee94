"""Encryption: downgrades, oracles, and ciphertexts of things that must not be believed.

The relying party's public key is public, so anyone can encrypt anything to it: decryption
proves nothing about who wrote the plaintext. These attacks build real ciphertexts (with
``cryptography``, laid out exactly as XML Encryption 1.1 and encrypt_assertion lay them out) of
plaintexts chosen by the attacker, or damage real ones, or relabel their algorithms. Every
decryption failure must look the same from outside (one fault code, one reason): a peer that can
tell bad padding from a bad key transport from bad XML holds an oracle.
"""

from __future__ import annotations

import base64
import copy
import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as asymmetric_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from security.harness import Attack, Build, World, assertion_of, find, inert, on_tree, refused
from wsbind.errors import FaultCode
from wsbind.saml.issuer import SamlVersion, encrypt_assertion
from wsbind.soap import namespaces as ns
from wsbind.soap.namespaces import AES128_CBC, AES128_GCM, AES256_CBC, AES256_GCM, RSA_1_5, RSA_OAEP_MGF1P

JAGER_CBC = 'Jager & Somorovsky, "How to Break XML Encryption", ACM CCS 2011'
BLEICHENBACHER = 'Jager, Schinzel & Somorovsky, "Bleichenbacher\'s Attack Strikes Again", ESORICS 2012'
BAD_APPLE = 'Jager, Paterson & Somorovsky, "One Bad Apple: Backwards Compatibility Attacks", NDSS 2013'
XMLENC = "W3C XML Encryption Syntax and Processing 1.1 (2013)"
XMLENC_SECURITY = f"{XMLENC}, 6 Security Considerations"
SAML_ENCRYPTED = "SAML 2.0 Core (OASIS, 2005) 2.3.4 EncryptedAssertion"
SOMOROVSKY_2012 = "Somorovsky et al., On Breaking SAML: Be Whoever You Want to Be, USENIX Security 2012"
COMMENT_TRUNCATION = "CVE-2017-11427 (python-saml comment truncation; Duo Security, 2018)"
XXE_PYSAML2 = "CVE-2016-10127 (pysaml2 XXE)"

DECRYPTION = (FaultCode.FAILED_AUTHENTICATION, "decryption")
"""The one refusal every failure to decrypt must give, whatever went wrong inside."""

TRIPLE_DES_CBC = ns.XENC + "tripledes-cbc"
X = f"{{{ns.XENC}}}"
DS = f"{{{ns.DS}}}"
S2 = f"{{{ns.SAML2}}}"


# -- building ciphertexts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Recipe:
    """How to encrypt: the data algorithm, the key transport, and a session key size override."""

    data: str = AES256_GCM
    transport: str = RSA_OAEP_MGF1P
    key_bytes: int | None = None


_KEY_BYTES = {AES128_CBC: 16, AES256_CBC: 32, AES128_GCM: 16, AES256_GCM: 32, TRIPLE_DES_CBC: 24}


def _encrypt_data(algorithm: str, key: bytes, plaintext: bytes) -> bytes:
    """The CipherValue octets: IV || ciphertext (|| tag for GCM), as XML Encryption lays them out."""
    if algorithm in (AES128_GCM, AES256_GCM):
        nonce = os.urandom(12)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, None)
    block = 8 if algorithm == TRIPLE_DES_CBC else 16
    padder = padding.PKCS7(block * 8).padder()  # one valid instance of XML Encryption's padding
    padded = padder.update(plaintext) + padder.finalize()
    iv = os.urandom(block)
    cipher = TripleDES(key) if algorithm == TRIPLE_DES_CBC else algorithms.AES(key)
    encryptor = Cipher(cipher, modes.CBC(iv)).encryptor()
    return iv + encryptor.update(padded) + encryptor.finalize()


def _wrap_key(transport: str, key: bytes, recipient: x509.Certificate) -> bytes:
    public = recipient.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    if transport == RSA_1_5:
        return public.encrypt(key, asymmetric_padding.PKCS1v15())
    # rsa-oaep-mgf1p fixes MGF1 with SHA-1; its digest defaults to SHA-1 (what encrypt_assertion sends).
    sha1 = hashes.SHA1()  # noqa: S303
    oaep = asymmetric_padding.OAEP(asymmetric_padding.MGF1(sha1), sha1, None)
    return public.encrypt(key, oaep)


def _cipher_data(parent: etree._Element, octets: bytes) -> None:
    cipher_data = etree.SubElement(parent, f"{X}CipherData")
    etree.SubElement(cipher_data, f"{X}CipherValue").text = base64.b64encode(octets).decode()


def encrypted_data(plaintext: bytes, recipient: x509.Certificate, recipe: Recipe = Recipe()) -> etree._Element:
    """xenc:EncryptedData of ``plaintext`` for ``recipient``, its EncryptedKey in its KeyInfo."""
    key = os.urandom(recipe.key_bytes or _KEY_BYTES[recipe.data])
    data = etree.Element(f"{X}EncryptedData", {"Type": ns.ELEMENT_TYPE}, nsmap={"xenc": ns.XENC})
    etree.SubElement(data, f"{X}EncryptionMethod", Algorithm=recipe.data)
    key_info = etree.SubElement(data, f"{DS}KeyInfo", nsmap={"ds": ns.DS})
    encrypted_key = etree.SubElement(key_info, f"{X}EncryptedKey")
    etree.SubElement(encrypted_key, f"{X}EncryptionMethod", Algorithm=recipe.transport)
    _cipher_data(encrypted_key, _wrap_key(recipe.transport, key, recipient))
    _cipher_data(data, _encrypt_data(recipe.data, key, plaintext))
    return data


def encrypted_assertion(plaintext: bytes, recipient: x509.Certificate, recipe: Recipe = Recipe()) -> etree._Element:
    wrapper = etree.Element(f"{S2}EncryptedAssertion", nsmap={"saml2": ns.SAML2})
    wrapper.append(encrypted_data(plaintext, recipient, recipe))
    return wrapper


def sent(world: World, token: etree._Element | bytes) -> list[bytes]:
    return [world.envelope(token if isinstance(token, bytes) else etree.tostring(token))]


def hand_made(plaintext: Callable[[World], bytes], recipe: Recipe = Recipe()) -> Build:
    """An EncryptedAssertion of ``plaintext(world)`` to the relying party, built by hand."""

    def build(world: World) -> list[bytes]:
        return sent(world, encrypted_assertion(plaintext(world), world.relying_party.certificate, recipe))

    return build


# -- plaintexts -------------------------------------------------------------------------------------


def _signed(world: World) -> bytes:
    return world.issue()


def _forged_unsigned(world: World) -> bytes:
    """The STS's assertion with its signature removed and the subject made admin."""
    assertion = etree.fromstring(world.issue())
    assertion.remove(find(assertion, "ds:Signature"))
    find(assertion, "saml2:Subject/saml2:NameID").text = "admin"
    return etree.tostring(assertion)


def _forged_edited(world: World) -> bytes:
    """The signed assertion with the subject changed after signing (the signature no longer fits)."""
    assertion = etree.fromstring(world.issue())
    find(assertion, "saml2:Subject/saml2:NameID").text = "admin"
    return etree.tostring(assertion)


def _rogue_signed(world: World) -> bytes:
    return world.issue(rogue=True, subject="admin")


def _wrapped(world: World) -> bytes:
    """XSW inside the ciphertext: the evil assertion keeps the signed original in its Advice."""
    original = etree.fromstring(world.issue())
    evil = copy.deepcopy(original)
    evil.remove(find(evil, "ds:Signature"))
    find(evil, "saml2:Subject/saml2:NameID").text = "admin"
    advice = etree.Element(f"{S2}Advice")
    find(evil, "saml2:Conditions").addnext(advice)
    advice.append(original)
    return etree.tostring(evil)


def _comment_truncated(world: World) -> bytes:
    """CVE-2017-11427 behind encryption: the comment splits a signed name the attacker owns."""
    data = world.issue(subject="admin.attacker.example")
    return data.replace(b">admin.attacker.example<", b">admin<!---->.attacker.example<", 1)


def _doctype(world: World) -> bytes:
    """A DOCTYPE whose entity would become the NameID, and an external one reading a local file."""
    data = world.issue()
    doctype = b"<!DOCTYPE saml2:Assertion [<!ENTITY who 'admin'><!ENTITY xxe SYSTEM 'file:///etc/hostname'>]>"
    return doctype + data.replace(b"<saml2:NameID>alice</saml2:NameID>", b"<saml2:NameID>&who;&xxe;</saml2:NameID>")


def _depth_bomb(world: World) -> bytes:
    """Small ciphertext, deep plaintext: the depth limit must hold after decryption too."""
    nested = "<x:d xmlns:x='urn:attacker'>" + "<x:d>" * 199 + "</x:d>" * 200
    return world.issue().replace(b"</saml2:Assertion>", nested.encode() + b"</saml2:Assertion>")


def _not_xml(world: World) -> bytes:
    return b'{"subject": "admin", "issuer": "https://sts.example.test", "role": ["admin"]}'


def _trailing_sibling(world: World) -> bytes:
    """The signed assertion followed by a forged one: two roots are not well-formed, but a
    lenient reader (or xmlsec decrypting in place) would splice both into the header."""
    signed = world.issue()
    return signed + _forged_unsigned(world)


def _trailing_comment(world: World) -> bytes:
    return world.issue() + b"<!-- trailing -->"


def _saml11_in_encrypted_assertion(world: World) -> bytes:
    return world.issue(SamlVersion.V1_1)


def _not_an_assertion(world: World) -> bytes:
    return b'<saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">https://sts.example.test</saml2:Issuer>'


# -- damaging or reshaping real ciphertexts ------------------------------------------------------


def _encrypted(root: etree._Element) -> etree._Element:
    return find(root, "//wsse:Security/saml2:EncryptedAssertion")


def _cipher_value(root: etree._Element, path: str) -> etree._Element:
    return find(_encrypted(root), path)


def _flip(element: etree._Element, index: int, mask: int = 0x01) -> None:
    octets = bytearray(base64.b64decode("".join((element.text or "").split())))
    octets[index] ^= mask
    element.text = base64.b64encode(bytes(octets)).decode()


DATA_VALUE = "xenc:EncryptedData/xenc:CipherData/xenc:CipherValue"
KEY_VALUE = "xenc:EncryptedData/ds:KeyInfo/xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue"


def cbc_baseline(world: World) -> bytes:
    """The signed baseline assertion encrypted with AES-256-CBC (allowed, so only damage fails it)."""
    return world.envelope(encrypt_assertion(world.issue(), world.relying_party.certificate, data_algorithm=AES256_CBC))


def on_cbc(change: Callable[[etree._Element, World], None]) -> Build:
    def build(world: World) -> list[bytes]:
        root = etree.fromstring(cbc_baseline(world))
        change(root, world)
        return [etree.tostring(root)]

    return build


def _cbc_padding_byte(root: etree._Element, world: World) -> None:
    """Flip the last byte of the next-to-last block: the padding length byte of the plaintext
    changes (the CCS 2011 oracle query)."""
    _flip(_cipher_value(root, DATA_VALUE), -17, 0x5A)


def _cbc_last_block(root: etree._Element, world: World) -> None:
    """Garble the final block: random padding and a broken end of the XML."""
    _flip(_cipher_value(root, DATA_VALUE), -1, 0xFF)


def _cbc_first_block(root: etree._Element, world: World) -> None:
    """Flip a bit in the IV: the first plaintext block changes predictably (CBC malleability),
    turning '<saml2:Assertion' into something else; the padding stays valid."""
    _flip(_cipher_value(root, DATA_VALUE), 1, 0x01)


def _gcm_tag(root: etree._Element, world: World) -> None:
    _flip(_cipher_value(root, DATA_VALUE), -1)


def _oaep_key(root: etree._Element, world: World) -> None:
    """A Bleichenbacher/Manger-style query: a modified key transport block."""
    _flip(_cipher_value(root, KEY_VALUE), 5)


def _relabel(
    algorithm: str, path: str = "xenc:EncryptedData/xenc:EncryptionMethod"
) -> Callable[[etree._Element, World], None]:
    def change(root: etree._Element, world: World) -> None:
        find(_encrypted(root), path).set("Algorithm", algorithm)

    return change


def _wrong_recipient(world: World) -> list[bytes]:
    """Encrypted properly, but to the client, not to us."""
    return sent(world, encrypt_assertion(world.issue(), world.client.certificate))


def _key_for_other_and_us(world: World) -> list[bytes]:
    """Two EncryptedKeys (one for someone else, one for us) beside the data, as SAML allows for
    several recipients: we take only one key, so we refuse rather than guess."""
    root = etree.fromstring(encrypt_assertion(world.issue(), world.relying_party.certificate))
    data = find(root, "xenc:EncryptedData")
    key = find(data, "ds:KeyInfo/xenc:EncryptedKey")
    data.remove(find(data, "ds:KeyInfo"))
    other = copy.deepcopy(key)
    _flip(find(other, "xenc:CipherData/xenc:CipherValue"), 3)
    root.append(other)
    root.append(key)
    return sent(world, root)


def _retrieval_method(
    uri: str = "#EK-1", *, decoy_id: bool = False, chain: bool = False
) -> Callable[[etree._Element, World], None]:
    """The EncryptedKey moves beside the data; the data's KeyInfo points at it with ``uri``.

    ``decoy_id``: another element inside the EncryptedAssertion carries the same Id; ``chain``:
    the EncryptedKey holds a RetrievalMethod of its own, pointing further on.
    """

    def change(root: etree._Element, world: World) -> None:
        encrypted = _encrypted(root)
        data = find(encrypted, "xenc:EncryptedData")
        key_info = find(data, "ds:KeyInfo")
        key = find(key_info, "xenc:EncryptedKey")
        key.set("Id", "EK-1")
        key_info.remove(key)
        encrypted.append(key)
        etree.SubElement(key_info, f"{DS}RetrievalMethod", URI=uri, Type=ns.XENC + "EncryptedKey")
        if decoy_id:
            data.set("Id", "EK-1")
        if chain:
            inner = etree.Element(f"{DS}KeyInfo")
            etree.SubElement(inner, f"{DS}RetrievalMethod", URI="#EK-2", Type=ns.XENC + "EncryptedKey")
            find(key, "xenc:EncryptionMethod").addnext(inner)

    return change


def _key_info_in_encrypted_key(child: str) -> Callable[[etree._Element, World], None]:
    """A KeyInfo inside the EncryptedKey naming which private key to use (or where to fetch one)."""

    def change(root: etree._Element, world: World) -> None:
        key = find(_encrypted(root), "xenc:EncryptedData/ds:KeyInfo/xenc:EncryptedKey")
        key_info = etree.Element(f"{DS}KeyInfo")
        if child == "retrieval":
            etree.SubElement(key_info, f"{DS}RetrievalMethod", URI="file:///etc/ssl/private/server.key")
        else:
            etree.SubElement(key_info, f"{DS}KeyName").text = "some-other-key"
        find(key, "xenc:EncryptionMethod").addnext(key_info)

    return change


def _cipher_reference(root: etree._Element, world: World) -> None:
    """The ciphertext fetched from a URI (a local file here) instead of carried inline."""
    cipher_data = find(_encrypted(root), "xenc:EncryptedData/xenc:CipherData")
    for child in list(cipher_data):
        cipher_data.remove(child)
    etree.SubElement(cipher_data, f"{X}CipherReference", URI="file:///etc/hostname")


def _type_content(root: etree._Element, world: World) -> None:
    find(_encrypted(root), "xenc:EncryptedData").set("Type", ns.XENC + "Content")


def _second_encrypted_data(world: World) -> list[bytes]:
    """Our real EncryptedData plus a second one holding a forged assertion: which one is read?"""
    root = etree.fromstring(encrypt_assertion(world.issue(), world.relying_party.certificate))
    root.append(encrypted_data(_forged_unsigned(world), world.relying_party.certificate))
    return sent(world, root)


def _plaintext_beside(first: bool) -> Build:
    """The EncryptedAssertion also holds a plaintext forged assertion (before or after the data)."""

    def build(world: World) -> list[bytes]:
        root = etree.fromstring(encrypt_assertion(world.issue(), world.relying_party.certificate))
        forged = etree.fromstring(_forged_unsigned(world))
        if first:
            root.insert(0, forged)
        else:
            root.append(forged)
        return sent(world, root)

    return build


def _encrypted_signed_copy_of_plaintext(world: World) -> list[bytes]:
    """A plaintext forged assertion in the header, and beside it the encrypted signed original:
    two SAML tokens, so neither is chosen."""
    assertion = world.issue()
    envelope = etree.fromstring(world.envelope(_forged_unsigned(world)))
    encrypted = etree.fromstring(encrypt_assertion(assertion, world.relying_party.certificate))
    assertion_of(envelope).addnext(encrypted)
    return [etree.tostring(envelope)]


ATTACKS: list[Attack] = [
    # Algorithm downgrades.
    refused(
        "enc-rsa15-key-transport",
        "encryption",
        hand_made(_signed, Recipe(transport=RSA_1_5)),
        *DECRYPTION,
        source=BLEICHENBACHER,
    ),
    refused(
        "enc-rsa15-relabelled-oaep-key",
        "encryption",
        on_tree(
            "encrypted", _relabel(RSA_1_5, "xenc:EncryptedData/ds:KeyInfo/xenc:EncryptedKey/xenc:EncryptionMethod")
        ),
        *DECRYPTION,
        source=BAD_APPLE,
    ),
    refused(
        "enc-triple-des-data",
        "encryption",
        hand_made(_signed, Recipe(data=TRIPLE_DES_CBC)),
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    refused(
        "enc-gcm-relabelled-cbc",
        "encryption",
        on_tree("encrypted", _relabel(AES256_CBC)),
        *DECRYPTION,
        source=BAD_APPLE,
    ),
    refused(
        "enc-session-key-shorter-than-algorithm",
        "encryption",
        hand_made(_signed, Recipe(data=AES256_GCM, key_bytes=16)),
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    # Oracles: every one of these must fail the same way.
    refused(
        "enc-cbc-padding-byte-flipped",
        "encryption",
        on_cbc(_cbc_padding_byte),
        *DECRYPTION,
        source=JAGER_CBC,
    ),
    refused(
        "enc-cbc-last-block-garbled",
        "encryption",
        on_cbc(_cbc_last_block),
        *DECRYPTION,
        source=JAGER_CBC,
    ),
    refused(
        "enc-cbc-iv-bit-flipped",
        "encryption",
        on_cbc(_cbc_first_block),
        *DECRYPTION,
        source=JAGER_CBC,
    ),
    refused(
        "enc-gcm-tag-flipped",
        "encryption",
        on_tree("encrypted", _gcm_tag),
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    refused(
        "enc-oaep-key-flipped",
        "encryption",
        on_tree("encrypted", _oaep_key),
        *DECRYPTION,
        source=BLEICHENBACHER,
    ),
    refused(
        "enc-wrong-recipient",
        "encryption",
        _wrong_recipient,
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    # What the ciphertext holds: encryption authenticates nothing.
    refused(
        "enc-forged-unsigned-assertion",
        "encryption",
        hand_made(_forged_unsigned),
        *DECRYPTION,
        source=SOMOROVSKY_2012,
    ),
    refused(
        "enc-signed-assertion-edited",
        "encryption",
        hand_made(_forged_edited),
        *DECRYPTION,
        source=SOMOROVSKY_2012,
    ),
    refused(
        "enc-rogue-signed-assertion",
        "encryption",
        hand_made(_rogue_signed),
        *DECRYPTION,
        source=SOMOROVSKY_2012,
    ),
    refused(
        "enc-wrapped-assertion",
        "encryption",
        hand_made(_wrapped),
        *DECRYPTION,
        source=SOMOROVSKY_2012,
    ),
    refused(
        "enc-comment-truncates-name-id",
        "encryption",
        hand_made(_comment_truncated),
        *DECRYPTION,
        source=COMMENT_TRUNCATION,
    ),
    refused(
        "enc-plaintext-doctype-entities",
        "encryption",
        hand_made(_doctype),
        *DECRYPTION,
        source=XXE_PYSAML2,
    ),
    refused(
        "enc-plaintext-depth-bomb",
        "encryption",
        hand_made(_depth_bomb),
        *DECRYPTION,
        source="OWASP XML Security Cheat Sheet (deeply nested elements)",
    ),
    refused(
        "enc-plaintext-not-xml",
        "encryption",
        hand_made(_not_xml),
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    refused(
        "enc-plaintext-two-assertions",
        "encryption",
        hand_made(_trailing_sibling),
        *DECRYPTION,
        source=SOMOROVSKY_2012,
    ),
    refused(
        "enc-plaintext-trailing-comment",
        "encryption",
        hand_made(_trailing_comment),
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    refused(
        "enc-plaintext-not-an-assertion",
        "encryption",
        hand_made(_not_an_assertion),
        *DECRYPTION,
        source=SAML_ENCRYPTED,
    ),
    refused(
        "enc-saml11-in-encrypted-assertion",
        "encryption",
        hand_made(_saml11_in_encrypted_assertion),
        *DECRYPTION,
        source=SAML_ENCRYPTED,
    ),
    # Structure: references, extra parts, and keys chosen by the message.
    # The IdP layout (Okta, Shibboleth, ADFS): followed by our own lookup, so not an attack; the
    # variants around it are.
    inert(
        "enc-retrieval-method-to-sibling-key",
        "encryption",
        on_tree("encrypted", _retrieval_method()),
        source=XMLENC_SECURITY,
    ),
    refused(
        "enc-retrieval-method-external",
        "encryption",
        on_tree("encrypted", _retrieval_method("http://127.0.0.1:9/key.xml")),
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    refused(
        "enc-retrieval-method-xpointer",
        "encryption",
        on_tree("encrypted", _retrieval_method("#xpointer(id('EK-1'))")),
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    refused(
        "enc-retrieval-method-ambiguous-id",
        "encryption",
        on_tree("encrypted", _retrieval_method(decoy_id=True)),
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    refused(
        "enc-retrieval-method-chain",
        "encryption",
        on_tree("encrypted", _retrieval_method(chain=True)),
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    refused(
        "enc-encrypted-key-keyinfo-retrieval-method",
        "encryption",
        on_tree("encrypted", _key_info_in_encrypted_key("retrieval")),
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    inert(
        "enc-encrypted-key-keyinfo-names-other-key",
        "encryption",
        on_tree("encrypted", _key_info_in_encrypted_key("name")),
        source=XMLENC_SECURITY,
    ),
    refused(
        "enc-cipher-reference-local-file",
        "encryption",
        on_tree("encrypted", _cipher_reference),
        *DECRYPTION,
        source=XMLENC_SECURITY,
    ),
    refused(
        "enc-type-content",
        "encryption",
        on_tree("encrypted", _type_content),
        *DECRYPTION,
        source=SAML_ENCRYPTED,
    ),
    refused(
        "enc-two-encrypted-data",
        "encryption",
        _second_encrypted_data,
        *DECRYPTION,
        source=SOMOROVSKY_2012,
    ),
    refused(
        "enc-two-encrypted-keys",
        "encryption",
        _key_for_other_and_us,
        *DECRYPTION,
        source=SAML_ENCRYPTED,
    ),
    refused(
        "enc-plaintext-assertion-before-encrypted-data",
        "encryption",
        _plaintext_beside(first=True),
        *DECRYPTION,
        source=SOMOROVSKY_2012,
    ),
    refused(
        "enc-forged-plaintext-beside-encrypted-original",
        "encryption",
        _encrypted_signed_copy_of_plaintext,
        FaultCode.INVALID_SECURITY,
        "several-saml-tokens",
        source=SOMOROVSKY_2012,
    ),
]
