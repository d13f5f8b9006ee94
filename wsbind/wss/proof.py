"""Proof of possession for holder-of-key tokens: the endorsing signature (spec §5 step 6, R67).

A holder-of-key assertion names a key; only the party holding that key may present it. The
client proves it by signing the message's Timestamp with the key (and, for an asymmetric key,
the WS-Addressing ``To`` header, so the proof cannot be replayed to another address). The
signature's KeyInfo is the token's attached reference, which names the assertion.

The server checks the same shape strictly before any crypto: one endorsing signature naming the
assertion, covering the Timestamp it checked (and ``To`` for a public key) and otherwise only what
:func:`signable_parts` finds by position (the Body, the direct WS-Addressing headers, this header's
UsernameToken: how WSS4J/CXF and many WCF bindings sign), each ID unique in the message,
exclusive c14n only, no HMACOutputLength; then python-xmlsec verifies with the key the assertion
names. Nothing in the message chooses that key.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from lxml import etree

from wsbind.errors import FaultCode, SecurityVerificationError, WsBindValueError, not_authenticated
from wsbind.soap import namespaces as ns
from wsbind.soap.xmlread import decode_base64, element_children
from wsbind.wss.keys import NcryptAsymmetricSecurityKeyHandle, RawSymmetricSecurityKeyHandle
from wsbind.wss.tokens import XmlSecurityToken
from wsbind.xmlcrypto.algorithms import (
    XMLSEC_DIGEST_TRANSFORMS,
    XMLSEC_SIGNATURE_TRANSFORMS,
    algorithm_policy,
    sha1_hint,
)
from wsbind.xmlcrypto.certs import MIN_RSA_BITS, weak_rsa_bits
from wsbind.xmlcrypto.verify import count_id

if TYPE_CHECKING:
    from wsbind.xmlcrypto.decrypt import AssertionDecrypter

_DS = f"{{{ns.DS}}}"
_WSU_ID = f"{{{ns.WSU}}}Id"
_TIMESTAMP = f"{{{ns.WSU}}}Timestamp"
_TO = f"{{{ns.WSA}}}To"
_STR = f"{{{ns.WSSE}}}SecurityTokenReference"
_KEY_IDENTIFIER = f"{{{ns.WSSE}}}KeyIdentifier"

_C = xmlsec.constants
_MIN_SYMMETRIC_KEY_BYTES = 16
_DIGEST_PAIR = (f"{_DS}DigestMethod", f"{_DS}DigestValue")

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
PrivateKeyType = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class ProofAlgorithms:
    """Signature and digest URIs for an endorsing signature."""

    signature: str
    digest: str


def default_proof_algorithms(token: XmlSecurityToken, *, sha256: bool) -> ProofAlgorithms:
    """WWSAPI's default suite (Basic256) signs with HMAC-SHA1 / SHA-1; ``sha256`` picks the
    SHA-256 family. Asymmetric keys always use SHA-256: RSA-SHA1 is forgeable in practice."""
    key = token.key
    if isinstance(key, NcryptAsymmetricSecurityKeyHandle):
        method = ns.RSA_SHA256 if isinstance(key.private_key, rsa.RSAPrivateKey) else ns.ECDSA_SHA256
        return ProofAlgorithms(method, ns.SHA256)
    return ProofAlgorithms(ns.HMAC_SHA256, ns.SHA256) if sha256 else ProofAlgorithms(ns.HMAC_SHA1, ns.SHA1)


def _thumbprint(certificate: x509.Certificate) -> str:
    der = certificate.public_bytes(serialization.Encoding.DER)
    return base64.b64encode(hashlib.sha1(der).digest()).decode("ascii")  # noqa: S324 - WSS ThumbprintSHA1


def encrypted_key_info(key: bytes, recipient: x509.Certificate) -> etree._Element:
    """A ds:KeyInfo holding ``key`` encrypted to ``recipient`` with RSA-OAEP-MGF1P (SHA-1).

    The EncryptedKey names the recipient's certificate by its SHA-1 thumbprint, so a relying
    party with several keys knows which one decrypts it.
    """
    public_key = recipient.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise WsBindValueError("the relying party certificate must hold an RSA key (RSA-OAEP key transport)")
    cipher = public_key.encrypt(
        key,
        padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None),  # noqa: S303 - OAEP-SHA1 is sound
    )
    key_info = etree.Element(f"{{{ns.DS}}}KeyInfo", nsmap={"ds": ns.DS})
    encrypted = etree.SubElement(key_info, f"{{{ns.XENC}}}EncryptedKey", nsmap={"xenc": ns.XENC})
    method = etree.SubElement(encrypted, f"{{{ns.XENC}}}EncryptionMethod", Algorithm=ns.RSA_OAEP_MGF1P)
    etree.SubElement(method, f"{{{ns.DS}}}DigestMethod", Algorithm=ns.SHA1)
    recipient_info = etree.SubElement(encrypted, f"{{{ns.DS}}}KeyInfo")
    reference = etree.SubElement(recipient_info, f"{{{ns.WSSE}}}SecurityTokenReference", nsmap={"wsse": ns.WSSE})
    identifier = etree.SubElement(
        reference,
        f"{{{ns.WSSE}}}KeyIdentifier",
        ValueType=ns.THUMBPRINT_SHA1,
        EncodingType=ns.WSSE_KEY_IDENTIFIER_BASE64,
    )
    identifier.text = _thumbprint(recipient)
    cipher_data = etree.SubElement(encrypted, f"{{{ns.XENC}}}CipherData")
    etree.SubElement(cipher_data, f"{{{ns.XENC}}}CipherValue").text = base64.b64encode(cipher).decode("ascii")
    return key_info


def _ensure_id(element: etree._Element, prefix: str) -> str:
    identifier = element.get(_WSU_ID)
    if not identifier:
        identifier = f"{prefix}-{secrets.token_hex(8)}"
        element.set(_WSU_ID, identifier)
    return identifier


def _signing_key(token: XmlSecurityToken) -> xmlsec.Key:
    key = token.key
    if isinstance(key, RawSymmetricSecurityKeyHandle):
        return xmlsec.Key.from_binary_data(_C.KeyDataHmac, key.key_bytes)
    if isinstance(key, NcryptAsymmetricSecurityKeyHandle):
        pem = key.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return xmlsec.Key.from_memory(pem, _C.KeyDataFormatPem)
    raise WsBindValueError("a holder-of-key token needs a RawSymmetricSecurityKeyHandle or an asymmetric key handle")


def sign_endorsing(
    security: etree._Element,
    token: XmlSecurityToken,
    algorithms: ProofAlgorithms,
    *,
    to_header: etree._Element | None = None,
    also: Sequence[etree._Element] = (),
) -> etree._Element:
    """Append to ``security`` a ds:Signature made with the token's proof key.

    It covers the header's Timestamp, the WS-Addressing To header when ``to_header`` is given
    (asymmetric keys), and the elements in ``also`` (the Body, other addressing headers; see
    :class:`~wsbind.model.enums.SignedParts`). KeyInfo is the token's attached reference.
    """
    timestamp = security.find(_TIMESTAMP)
    if timestamp is None:
        raise WsBindValueError("a holder-of-key token signs the Timestamp, so the header needs one (R44)")
    if token.attached_reference is None:
        raise WsBindValueError("a holder-of-key token needs an attached reference (R49)")
    targets = [timestamp] if to_header is None else [timestamp, to_header]
    targets += [element for element in also if all(element is not t for t in targets)]
    signature = xmlsec.template.create(
        security, _C.TransformExclC14N, XMLSEC_SIGNATURE_TRANSFORMS[algorithms.signature], ns="ds"
    )
    security.append(signature)
    context = xmlsec.SignatureContext()
    for target in targets:
        prefix = "TS" if target is timestamp else etree.QName(target).localname
        reference = xmlsec.template.add_reference(
            signature, XMLSEC_DIGEST_TRANSFORMS[algorithms.digest], uri=f"#{_ensure_id(target, prefix)}"
        )
        xmlsec.template.add_transform(reference, _C.TransformExclC14N)
        context.register_id(target, "Id", ns.WSU)
    key_info = xmlsec.template.ensure_key_info(signature)
    key_info.append(etree.fromstring(token.attached_reference))
    context.key = _signing_key(token)
    context.sign(signature)
    return signature


def sign_possession(
    security: etree._Element, private_key: PrivateKeyType, certificate: x509.Certificate, signature_id: str
) -> etree._Element:
    """Append to ``security`` the proof that the requester holds ``private_key``: a signature over
    the Timestamp whose Id is the one an RST's ``wst:UseKey/@Sig`` names (WS-Trust 1.3 section 9.2)."""
    timestamp = security.find(_TIMESTAMP)
    if timestamp is None:
        raise WsBindValueError("a proof of possession signs the Timestamp, so the header needs one")
    method = ns.RSA_SHA256 if isinstance(private_key, rsa.RSAPrivateKey) else ns.ECDSA_SHA256
    signature = xmlsec.template.create(security, _C.TransformExclC14N, XMLSEC_SIGNATURE_TRANSFORMS[method], ns="ds")
    signature.set("Id", signature_id)
    security.append(signature)
    reference = xmlsec.template.add_reference(
        signature, XMLSEC_DIGEST_TRANSFORMS[ns.SHA256], uri=f"#{_ensure_id(timestamp, 'TS')}"
    )
    xmlsec.template.add_transform(reference, _C.TransformExclC14N)
    xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(signature))
    context = xmlsec.SignatureContext()
    context.register_id(timestamp, "Id", ns.WSU)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = xmlsec.Key.from_memory(pem, _C.KeyDataFormatPem)
    key.load_cert_from_memory(certificate.public_bytes(serialization.Encoding.PEM), _C.KeyDataFormatPem)
    context.key = key
    context.sign(signature)
    return signature


def verify_possession(
    security: etree._Element,
    document: etree._Element,
    signature_id: str,
    certificate: x509.Certificate,
    *,
    timestamp: etree._Element | None,
    allow_sha1: bool,
) -> None:
    """Check the signature ``signature_id`` in ``security`` proves possession of ``certificate``'s key:
    the proof shape, a cover that includes the checked Timestamp, and the crypto with that key only
    (whatever the signature's own KeyInfo says). Raises SecurityVerificationError."""
    found = [s for s in element_children(security) if s.tag == f"{_DS}Signature" and s.get("Id") == signature_id]
    if len(found) != 1:
        raise _refuse("possession-without-proof", "UseKey/@Sig names no one signature in the Security header",
                      FaultCode.FAILED_AUTHENTICATION)
    if timestamp is None:
        raise _refuse("possession-without-timestamp", "a proof of possession must sign the Timestamp")
    public = certificate.public_key()
    if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise _refuse("possession-key", "UseKey holds neither an RSA nor an EC key", FaultCode.FAILED_AUTHENTICATION)
    covered, method = _checked_coverage(
        found[0], document, security, timestamp, symmetric=False, allow_sha1=allow_sha1
    )
    _verify(found[0], covered, ProofKey(public=public), method)


_BST = f"{{{ns.WSSE}}}BinarySecurityToken"


def verify_x509_endorsing(
    security: etree._Element,
    document: etree._Element,
    *,
    timestamp: etree._Element | None,
    to_header: etree._Element | None,
    allow_sha1: bool,
) -> x509.Certificate | None:
    """The certificate of an X.509 endorsing supporting token, once its signature is checked: a
    signature in this header whose KeyInfo references the one X509v3 BinarySecurityToken, covering
    the checked Timestamp and the To header (as any public-key proof must), verified with that
    certificate's key. None when the header carries no X.509 token; trust in the certificate is the
    caller's decision (an allow-list). Raises SecurityVerificationError."""
    tokens = [t for t in element_children(security) if t.tag == _BST and t.get("ValueType") == ns.X509V3]
    if not tokens:
        return None
    if len(tokens) > 1:
        raise _refuse("several-x509-tokens", "more than one X.509 BinarySecurityToken")
    identifier = tokens[0].get(_WSU_ID)
    try:
        certificate = x509.load_der_x509_certificate(decode_base64(tokens[0].text))
    except ValueError:
        raise _refuse("x509-token-unreadable", "the BinarySecurityToken is not a base64 DER certificate") from None
    public = certificate.public_key()
    if not identifier or not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise _refuse("x509-token-unusable", "the X.509 token has no wsu:Id or an unusable key")
    path = f"{_DS}KeyInfo/{_STR}/{{{ns.WSSE}}}Reference"
    signing = [s for s in element_children(security) if s.tag == f"{_DS}Signature" and
               [r.get("URI") for r in s.findall(path)] == [f"#{identifier}"]]  # fmt: skip
    if len(signing) != 1:
        raise _refuse("x509-token-without-proof", "no one signature is made with the X.509 token",
                      FaultCode.FAILED_AUTHENTICATION)  # fmt: skip
    if timestamp is None:
        raise _refuse("x509-token-without-timestamp", "an endorsing X.509 token must sign the Timestamp")
    covered, method = _checked_coverage(
        signing[0], document, security, timestamp, symmetric=False, allow_sha1=allow_sha1
    )
    if to_header is not None and not any(e is to_header for e in covered):
        raise _refuse("proof-does-not-cover-to", "an endorsing X.509 token must sign the WS-Addressing To header")
    _verify(signing[0], covered, ProofKey(public=public), method)
    return certificate


@dataclass(frozen=True)
class ProofKey:
    """The key a holder-of-key assertion names: secret bytes or a public key."""

    symmetric: bytes | None = None
    public: PublicKey | None = None

    def __post_init__(self) -> None:
        if (self.symmetric is None) == (self.public is None):
            raise WsBindValueError("a proof key is either symmetric or public")
        if self.symmetric is not None and len(self.symmetric) < _MIN_SYMMETRIC_KEY_BYTES:
            raise WsBindValueError("a symmetric proof key needs at least 128 bits")

    def xmlsec_key(self) -> xmlsec.Key:
        if self.symmetric is not None:
            return xmlsec.Key.from_binary_data(_C.KeyDataHmac, self.symmetric)
        assert self.public is not None
        pem = self.public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return xmlsec.Key.from_memory(pem, _C.KeyDataFormatPem)


class ProofKeyUnavailable(SecurityVerificationError):
    """The assertion's confirmation key could not be read or unwrapped."""


def read_proof_key(
    element: etree._Element, decrypter: AssertionDecrypter | None, *, allow_weak_rsa: bool = False
) -> ProofKey:
    """The key one child of a confirmation KeyInfo names.

    ``xenc:EncryptedKey``: a symmetric key encrypted to us (needs ``decryption_cert``);
    ``ds:X509Data`` with one certificate, or ``ds:KeyValue`` with an RSA key: a public key
    (RSA under 2048 bits refused unless ``allow_weak_rsa``).
    """
    if element.tag == f"{{{ns.XENC}}}EncryptedKey":
        if decrypter is None:
            raise ProofKeyUnavailable(
                FaultCode.SECURITY_TOKEN_UNAVAILABLE, "no-decryption-cert", "encrypted proof key, no decryption_cert"
            )
        from wsbind.xmlcrypto.decrypt import DecryptionFailed

        try:
            return ProofKey(symmetric=decrypter.unwrap_key(element))
        except (DecryptionFailed, ValueError):
            raise ProofKeyUnavailable(FaultCode.FAILED_AUTHENTICATION, "decryption", "unwrap failed") from None
    try:
        if element.tag == f"{_DS}X509Data":
            certificates = element_children(element)
            if len(certificates) != 1 or certificates[0].tag != f"{_DS}X509Certificate":
                raise WsBindValueError("X509Data must hold one X509Certificate")
            der = decode_base64(certificates[0].text)
            public = x509.load_der_x509_certificate(der).public_key()
        elif element.tag == f"{_DS}KeyValue":
            values = element_children(element)
            if len(values) != 1 or values[0].tag != f"{_DS}RSAKeyValue":
                raise WsBindValueError("KeyValue must hold one RSAKeyValue")
            public = rsa.RSAPublicNumbers(_integer(values[0], "Exponent"), _integer(values[0], "Modulus")).public_key()
        else:
            raise WsBindValueError(f"unsupported confirmation key {element.tag}")
        if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise WsBindValueError("confirmation key is neither RSA nor EC")
        bits = weak_rsa_bits(public)
        if bits is not None and not allow_weak_rsa:
            detail = f"a {bits}-bit RSA confirmation key (minimum {MIN_RSA_BITS})"
            raise ProofKeyUnavailable(FaultCode.FAILED_AUTHENTICATION, "weak-key", detail)
        return ProofKey(public=public)
    except ValueError as exc:
        raise ProofKeyUnavailable(FaultCode.INVALID_SECURITY_TOKEN, "proof-key", str(exc)) from None


def _integer(parent: etree._Element, name: str) -> int:
    found = parent.findall(f"{_DS}{name}")
    if len(found) != 1:
        raise WsBindValueError(f"RSAKeyValue needs one {name}")
    return int.from_bytes(decode_base64(found[0].text), "big")


def _refuse(reason: str, detail: str, code: FaultCode = FaultCode.INVALID_SECURITY) -> SecurityVerificationError:
    return SecurityVerificationError(code, reason, detail)


def _names_assertion(signature: etree._Element, assertion_id: str) -> bool:
    key_info = signature.find(f"{_DS}KeyInfo")
    if key_info is None:
        return False
    identifiers = [k for ref in key_info.findall(_STR) for k in ref.findall(_KEY_IDENTIFIER)]
    return any((k.text or "").strip() == assertion_id for k in identifiers)


def _algorithm(parent: etree._Element, tag: str) -> str:
    found = parent.findall(f"{_DS}{tag}")
    if len(found) != 1 or len(found[0]) or not found[0].get("Algorithm"):
        raise _refuse("proof-signature-profile", f"{tag} must appear once, empty, with an Algorithm")
    return str(found[0].get("Algorithm"))


def _check_reference(reference: etree._Element, allowed_digests: frozenset[str]) -> str:
    """Return the referenced ID; only exclusive c14n and an allowed digest are accepted."""
    uri = reference.get("URI") or ""
    if not uri.startswith("#") or len(uri) < 2:
        raise _refuse("proof-signature-profile", f"reference URI {uri!r} is not a same-document ID")
    children = element_children(reference)
    names = [c.tag for c in children]
    if names not in ([*_DIGEST_PAIR], [f"{_DS}Transforms", *_DIGEST_PAIR]):
        raise _refuse("proof-signature-profile", f"unexpected Reference children {names}")
    if names[0] == f"{_DS}Transforms":
        transforms = element_children(children[0])
        if len(transforms) != 1 or transforms[0].tag != f"{_DS}Transform" or len(transforms[0]):
            raise _refuse("proof-signature-profile", "only one exclusive c14n transform is allowed")
        if transforms[0].get("Algorithm") != ns.C14N_EXCLUSIVE:
            raise _refuse("algorithm", f"transform {transforms[0].get('Algorithm')!r} is not allowed")
    digest = _algorithm(reference, "DigestMethod")
    if digest not in allowed_digests:
        raise _refuse("algorithm", f"digest method {digest!r} not allowed{sha1_hint(digest)}")
    return uri[1:]


def verify_endorsing(
    security: etree._Element,
    document: etree._Element,
    assertion_id: str,
    key: ProofKey,
    *,
    timestamp: etree._Element | None,
    to_header: etree._Element | None,
    allow_sha1: bool,
) -> None:
    """Check that the message carries a valid proof-of-possession signature (R67).

    Raises SecurityVerificationError; ``timestamp`` is the Timestamp the verifier checked.
    """
    endorsing = [
        s for s in security if s.tag == f"{_DS}Signature" and _names_assertion(s, assertion_id)
    ]
    if not endorsing:
        raise _refuse("holder-of-key-without-proof", "no signature made with the assertion's key",
                      FaultCode.FAILED_AUTHENTICATION)
    if len(endorsing) > 1:
        raise _refuse("proof-signature-profile", "more than one signature names the assertion")
    if timestamp is None:
        raise _refuse("holder-of-key-without-timestamp", "R67: the proof must sign a Timestamp")
    signature = endorsing[0]
    symmetric = key.symmetric is not None
    covered, method = _checked_coverage(
        signature, document, security, timestamp, symmetric=symmetric, allow_sha1=allow_sha1
    )
    covers_to = to_header is not None and any(e is to_header for e in covered)
    if not symmetric and not covers_to:
        raise _refuse("proof-does-not-cover-to", "R67: an asymmetric proof must sign the WS-Addressing To header")
    _verify(signature, covered, key, method)


def _checked_coverage(
    signature: etree._Element,
    document: etree._Element,
    security: etree._Element,
    timestamp: etree._Element,
    *,
    symmetric: bool,
    allow_sha1: bool,
) -> tuple[list[etree._Element], str]:
    """The strict shape of every proof signature (holder-of-key, possession, X.509 endorsing), before
    any crypto: it covers the checked Timestamp (R67) and otherwise only :func:`signable_parts`.
    Returns (the elements it covers, its method)."""
    names = [c.tag for c in element_children(signature)]
    if names != [f"{_DS}SignedInfo", f"{_DS}SignatureValue", f"{_DS}KeyInfo"]:
        raise _refuse("proof-signature-profile", f"unexpected ds:Signature children {names}")
    signed_info = signature.find(f"{_DS}SignedInfo")
    assert signed_info is not None  # the children were checked just above
    info_children = [c.tag for c in element_children(signed_info)]
    if info_children[:2] != [f"{_DS}CanonicalizationMethod", f"{_DS}SignatureMethod"]:
        raise _refuse("proof-signature-profile", "SignedInfo must start with its two methods")
    if _algorithm(signed_info, "CanonicalizationMethod") != ns.C14N_EXCLUSIVE:
        raise _refuse("algorithm", "only exclusive c14n may canonicalize SignedInfo")
    method = _algorithm(signed_info, "SignatureMethod")
    policy = algorithm_policy(allow_sha1=allow_sha1)
    if method not in policy.proof_signatures(symmetric=symmetric):
        kind = "symmetric" if symmetric else "public"
        raise _refuse("algorithm", f"signature method {method!r} does not fit a {kind} key{sha1_hint(method)}")
    allowed_digests = policy.proof_digests(symmetric=symmetric)
    references = element_children(signed_info)[2:]
    if not references or any(r.tag != f"{_DS}Reference" for r in references):
        raise _refuse("proof-signature-profile", "SignedInfo must hold only References after its methods")
    covered = [_resolve(document, _check_reference(r, allowed_digests)) for r in references]
    if len({id(e) for e in covered}) != len(covered):
        raise _refuse("proof-signature-profile", "an element is referenced twice")
    if not any(e is timestamp for e in covered):
        raise _refuse("proof-does-not-cover-timestamp", "R67: the proof signature must cover the Timestamp")
    signable = {id(e) for e in signable_parts(document, security)}
    if any(e is not timestamp and id(e) not in signable for e in covered):
        raise _refuse("proof-signature-profile", "the proof signature covers an element it may not sign")
    return covered, method


_ADDRESSING = frozenset(
    f"{{{namespace}}}{name}"
    for namespace in (ns.WSA, ns.WSA_2004)
    for name in ("To", "Action", "MessageID", "ReplyTo", "RelatesTo")
)
_USERNAME_TOKEN = f"{{{ns.WSSE}}}UsernameToken"


def signable_parts(document: etree._Element, security: etree._Element) -> list[etree._Element]:
    """What a proof may sign besides the Timestamp: the SOAP Body itself, the WS-Addressing headers
    that are direct children of the Header, and a UsernameToken directly in this Security header.

    Found by position, never by ID, so a same-named element anywhere else (inside the Body, in
    another header) is not among them.
    """
    parts = [child for child in element_children(security) if child.tag == _USERNAME_TOKEN]
    soap_ns = etree.QName(document).namespace
    for child in element_children(document):
        if child.tag == f"{{{soap_ns}}}Body":
            parts.append(child)
        elif child.tag == f"{{{soap_ns}}}Header":
            parts += [header for header in element_children(child) if header.tag in _ADDRESSING]
    return parts


def _resolve(document: etree._Element, identifier: str) -> etree._Element:
    """The element carrying ``wsu:Id=identifier``; the ID must be unique under every ID name."""
    if count_id(document, identifier) != 1:
        raise _refuse("duplicate-id", f"ID {identifier!r} is missing or not unique")
    found = [e for e in document.iter() if isinstance(e.tag, str) and e.get(_WSU_ID) == identifier]
    if len(found) != 1:
        raise _refuse("proof-signature-profile", f"reference {identifier!r} is not a wsu:Id")
    return found[0]


def _verify(signature: etree._Element, covered: Sequence[etree._Element], key: ProofKey, method: str) -> None:
    context = xmlsec.SignatureContext()
    for element in covered:
        context.register_id(element, "Id", ns.WSU)
    context.enable_signature_transform(_C.TransformExclC14N)
    context.enable_reference_transform(_C.TransformExclC14N)
    context.enable_signature_transform(XMLSEC_SIGNATURE_TRANSFORMS[method])
    for digest in XMLSEC_DIGEST_TRANSFORMS.values():
        context.enable_reference_transform(digest)
    context.key = key.xmlsec_key()
    try:
        context.verify(signature)
    except xmlsec.Error as exc:
        raise not_authenticated("proof-signature", f"proof signature did not verify: {exc}") from None
