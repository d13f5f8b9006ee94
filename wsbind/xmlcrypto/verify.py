"""Verify the enveloped signature of a SAML assertion under a strict profile.

The profile is checked on the tree before any cryptography runs: one ds:Signature, a direct
child of the assertion; one Reference whose URI is "#" + the assertion's own ID, and that ID
unique in the whole message; only enveloped and c14n transforms; algorithms from an allow-list.
Only then does the cryptography run, with a key taken from the trusted-issuer allow-list and
never from KeyInfo. Anything outside the profile is rejected, not "tried". Within the profile,
the common shape takes the fast path (``fastsig``: lxml c14n + ``cryptography``); any other
shape is verified by python-xmlsec.

Issuers must sign with exclusive c14n (as SAML core recommends). The signature is checked where
the assertion sits, inside the SOAP envelope, and inclusive c14n would pull the envelope's
namespace declarations into the digest: an assertion signed on its own that way never verifies
there, with any verifier. Inclusive c14n is allowed only for assertions signed in place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from lxml import etree

from wsbind.errors import FaultCode, SecurityVerificationError, not_authenticated
from wsbind.soap import namespaces as ns
from wsbind.soap.xmlread import decode_base64, element_children
from wsbind.xmlcrypto._fast import OutsideFastPath, PreparedSignature
from wsbind.xmlcrypto.algorithms import ASSERTION_TRANSFORMS, CANONICALIZATIONS, algorithm_policy, sha1_hint

log = logging.getLogger(__name__)

_DS = f"{{{ns.DS}}}"
_EXC_INCLUSIVE_NAMESPACES = f"{{{ns.C14N_EXCLUSIVE}}}InclusiveNamespaces"


def _invalid_token(reason: str, detail: str) -> SecurityVerificationError:
    return SecurityVerificationError(FaultCode.INVALID_SECURITY_TOKEN, reason, detail)


@dataclass(frozen=True)
class TrustedIssuer:
    certificate: x509.Certificate
    der: bytes
    key: xmlsec.Key
    public_key: PublicKeyTypes


class TrustedIssuers:
    """The allow-list of issuer certificates, with their xmlsec keys loaded once."""

    def __init__(self, certificates: Iterable[x509.Certificate]) -> None:
        self.issuers: tuple[TrustedIssuer, ...] = tuple(
            TrustedIssuer(
                cert,
                cert.public_bytes(serialization.Encoding.DER),
                xmlsec.Key.from_memory(
                    cert.public_bytes(serialization.Encoding.PEM), xmlsec.constants.KeyDataFormatCertPem
                ),
                cert.public_key(),
            )
            for cert in certificates
        )

    def __len__(self) -> int:
        return len(self.issuers)

    def ordered_for(self, signature: etree._Element) -> Sequence[TrustedIssuer]:
        """Trusted issuers, those whose certificate the signature's KeyInfo names first.

        KeyInfo only orders the attempts; it never adds a key to try (nor is read for one issuer).
        """
        if len(self.issuers) == 1:
            return self.issuers
        hinted = _hinted_certificates(signature)
        return sorted(self.issuers, key=lambda issuer: issuer.der not in hinted)

    def names_any(self, hinted: set[bytes]) -> bool:
        return any(issuer.der in hinted for issuer in self.issuers)


def _hinted_certificates(signature: etree._Element) -> set[bytes]:
    path = f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate"
    return {_b64decode(c.text) for c in signature.iterfind(path)}


def _b64decode(text: str | None) -> bytes:
    """A certificate hint's bytes, or nothing when they are not base64 (a hint only, never trust)."""
    try:
        return decode_base64(text)
    except ValueError:
        return b""


_COUNT_ID = etree.XPath(
    "count(//@*[.=$v][name()='ID' or name()='AssertionID' or name()='Id' or name()='xml:id'"
    " or (local-name()='Id' and namespace-uri()=$wsu)])"
)


def count_id(document: etree._Element, value: str) -> int:
    """How many ID-like attributes in the document carry ``value`` (two on one element count twice)."""
    return int(_COUNT_ID(document, v=value, wsu=ns.WSU))  # type: ignore[arg-type]


def _algorithm(element: etree._Element | None, what: str) -> str:
    if element is None:
        raise _invalid_token("signature-profile", f"missing {what}")
    algorithm = element.get("Algorithm")
    if not algorithm:
        raise _invalid_token("signature-profile", f"{what} without Algorithm")
    return algorithm


def _only_child(parent: etree._Element, tag: str, what: str) -> etree._Element:
    found = list(parent.iterchildren(tag))
    if len(found) != 1:
        raise _invalid_token("signature-profile", f"expected exactly one {what}, found {len(found)}")
    return found[0]


def check_profile(
    assertion: etree._Element, assertion_id: str, document: etree._Element, allow_sha1: bool
) -> etree._Element:
    """Check the strict SAML signature profile; return the ds:Signature element."""
    signatures = [e for e in assertion.iter(f"{_DS}Signature")]
    if not signatures:
        raise SecurityVerificationError(FaultCode.FAILED_AUTHENTICATION, "unsigned", _unsigned_detail(assertion))
    if len(signatures) != 1 or signatures[0].getparent() is not assertion:
        raise _invalid_token("signature-profile", "the assertion must hold exactly one enveloped ds:Signature")
    signature = signatures[0]
    policy = algorithm_policy(allow_sha1=allow_sha1)
    allowed_signatures, allowed_digests = policy.assertion_signatures, policy.assertion_digests

    children = element_children(signature)
    names = [c.tag[len(_DS) :] for c in children if c.tag.startswith(_DS)]
    if (
        len(names) != len(children)
        or names[:2] != ["SignedInfo", "SignatureValue"]
        or any(n != "KeyInfo" for n in names[2:])
        or len(names) > 3
    ):
        raise _invalid_token("signature-profile", f"unexpected ds:Signature children {names}")
    signed_info = children[0]

    c14n = _only_child(signed_info, f"{_DS}CanonicalizationMethod", "CanonicalizationMethod")
    if _algorithm(c14n, "CanonicalizationMethod") not in CANONICALIZATIONS:
        raise _invalid_token("algorithm", f"canonicalization {c14n.get('Algorithm')!r} is not allowed")
    _only_inclusive_namespaces(c14n)
    method = _only_child(signed_info, f"{_DS}SignatureMethod", "SignatureMethod")
    if _algorithm(method, "SignatureMethod") not in allowed_signatures:
        raise _invalid_token(
            "algorithm", f"signature method {method.get('Algorithm')!r} is not allowed{_sha1_hint(method)}"
        )
    if len(method):
        raise _invalid_token("signature-profile", "SignatureMethod must be empty (no HMACOutputLength)")
    reference = _only_child(signed_info, f"{_DS}Reference", "Reference")
    if len(element_children(signed_info)) != 3:
        raise _invalid_token("signature-profile", "SignedInfo holds unexpected elements")

    if reference.get("URI") != f"#{assertion_id}":
        raise _invalid_token("reference", "the Reference does not point at the assertion's own ID")
    if count_id(document, assertion_id) != 1:
        raise _invalid_token("duplicate-id", "the assertion's ID is not unique in the message")
    transforms_parent = list(reference.iterchildren(f"{_DS}Transforms"))
    transforms = list(transforms_parent[0].iterchildren(f"{_DS}Transform")) if transforms_parent else []
    if len(transforms_parent) > 1 or (transforms_parent and len(transforms_parent[0]) != len(transforms)):
        raise _invalid_token("signature-profile", "malformed Transforms")
    algorithms = [_algorithm(t, "Transform") for t in transforms]
    if ns.ENVELOPED not in algorithms or len(algorithms) > 2 or not set(algorithms) <= ASSERTION_TRANSFORMS:
        raise _invalid_token("algorithm", f"transforms {algorithms} are outside the SAML profile")
    for transform in transforms:
        _only_inclusive_namespaces(transform)
    digest = _only_child(reference, f"{_DS}DigestMethod", "DigestMethod")
    if _algorithm(digest, "DigestMethod") not in allowed_digests:
        raise _invalid_token("algorithm", f"digest {digest.get('Algorithm')!r} is not allowed{_sha1_hint(digest)}")
    return signature


def _unsigned_detail(assertion: etree._Element) -> str:
    """Why an unsigned assertion is refused, naming the usual cause when it is the one."""
    parent = assertion.getparent()
    if parent is not None and parent.tag in ns.SAML_RESPONSES and parent.find(f"{_DS}Signature") is not None:
        return (
            "assertion has no signature; the Response around it is signed, but that signs the Response, "
            "not this assertion for this service: the assertion itself must be signed (ask the IdP to sign "
            "assertions, e.g. Okta 'Assertion Signature', ADFS 'SamlResponseSignature MessageAndAssertion')"
        )
    return "assertion has no signature"


def _sha1_hint(element: etree._Element) -> str:
    return sha1_hint(element.get("Algorithm", ""))


def _only_inclusive_namespaces(element: etree._Element) -> None:
    for child in element:
        if child.tag != _EXC_INCLUSIVE_NAMESPACES or element.get("Algorithm") != ns.C14N_EXCLUSIVE:
            raise _invalid_token("signature-profile", f"unexpected content in {etree.QName(element).localname}")


Engine = Literal["auto", "fast", "xmlsec"]
"""Which code verifies: "auto" takes the fast path when the signature fits it, else python-xmlsec."""


@dataclass(frozen=True)
class SignatureVerdict:
    certificate: x509.Certificate
    """The trusted certificate whose key verified."""
    context_free: bool
    """Verified on the fast path (exclusive c14n only), so the verdict depends on the token's bytes
    alone and may be remembered for them (``ValidatedTokenCache``)."""


def verify_signature(
    assertion: etree._Element,
    assertion_id: str,
    document: etree._Element,
    trusted: TrustedIssuers,
    allow_sha1: bool,
    *,
    engine: Engine = "auto",
) -> SignatureVerdict:
    """Verify under the strict profile, and say which path did.

    ``engine="fast"`` raises OutsideFastPath for a signature the fast path does not handle
    (the differential tests use it and "xmlsec" to compare the two).
    """
    signature = check_profile(assertion, assertion_id, document, allow_sha1)
    ordered = trusted.ordered_for(signature)
    fast = engine != "xmlsec"
    verified: TrustedIssuer | None = None
    if fast:
        try:
            verified = _verify_fast(signature, assertion, ordered)
        except OutsideFastPath as exc:
            if engine == "fast":
                raise
            log.debug("signature outside the fast path (%s): python-xmlsec decides", exc)
            fast = False
    if not fast:
        verified = _verify_xmlsec(signature, assertion, ordered)
    if verified is not None:
        return SignatureVerdict(verified.certificate, context_free=fast)
    # One answer on the wire for every way this can fail (the log tells them apart): a peer
    # must not learn whether its key is trusted, or which part of its forgery failed.
    hinted = _hinted_certificates(signature)
    if hinted and not trusted.names_any(hinted):
        detail = f"signed by a certificate not trusted for its issuer: {describe_signer(signature)}"
        raise not_authenticated("untrusted-issuer", detail)
    named = "" if hinted else " (its KeyInfo names no X509Certificate)"
    raise not_authenticated("signature", f"no certificate trusted for the issuer verifies the assertion{named}")


_SIGNER_SUBJECT_LIMIT = 100


def describe_signer(signature: etree._Element | None) -> str:
    """The certificate a signature's KeyInfo names, for a refusal line: its subject and SHA-256
    thumbprint (colon-separated, as ``openssl x509 -fingerprint -sha256`` prints it), so an
    operator can tell an issuer's new key from a stranger's and add it to the trusted issuers.

    Only the message names this certificate: it is never trusted for being here.
    """
    import hashlib

    found = signature.find(f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate") if signature is not None else None
    der = _b64decode(found.text) if found is not None else b""
    if not der:
        return "its KeyInfo names no X509Certificate"
    thumbprint = ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())
    try:
        subject = x509.load_der_x509_certificate(der).subject.rfc4514_string()
    except Exception:  # the message's own bytes: anything may be there
        subject = "(unreadable certificate)"
    if len(subject) > _SIGNER_SUBJECT_LIMIT:
        subject = subject[:_SIGNER_SUBJECT_LIMIT] + "..."
    return f"signer subject {subject!r}, SHA-256 thumbprint {thumbprint}"


def _verify_fast(
    signature: etree._Element, assertion: etree._Element, ordered: Sequence[TrustedIssuer]
) -> TrustedIssuer | None:
    prepared = PreparedSignature(signature, assertion)
    if not prepared.digest_matches():
        log.debug("the assertion does not match the signature's DigestValue")
        return None
    signed_info = prepared.signed_info_bytes()
    for issuer in ordered:
        if prepared.verifies_with(issuer.public_key, signed_info):
            return issuer
        log.debug("signature did not verify with %s", issuer.certificate.subject)
    return None


def _verify_xmlsec(
    signature: etree._Element, assertion: etree._Element, ordered: Sequence[TrustedIssuer]
) -> TrustedIssuer | None:
    id_attribute = "ID" if assertion.tag == f"{{{ns.SAML2}}}Assertion" else "AssertionID"
    xmlsec.tree.add_ids(assertion, [id_attribute])
    for issuer in ordered:
        context = xmlsec.SignatureContext()
        context.key = issuer.key
        _restrict(context)
        try:
            context.verify(signature)
        except xmlsec.Error as exc:
            log.debug("signature did not verify with %s: %s", issuer.certificate.subject, exc)
            continue
        return issuer
    return None


def _restrict(context: xmlsec.SignatureContext) -> None:
    """Tell libxmlsec itself to refuse anything outside the profile (defence in depth)."""
    c = xmlsec.constants
    for transform in (c.TransformExclC14N, c.TransformInclC14N):
        context.enable_signature_transform(transform)
        context.enable_reference_transform(transform)
    context.enable_reference_transform(c.TransformEnveloped)
    for transform in (
        c.TransformSha1,
        c.TransformSha256,
        c.TransformSha384,
        c.TransformSha512,
        c.TransformRsaSha1,
        c.TransformRsaSha256,
        c.TransformRsaSha384,
        c.TransformRsaSha512,
        c.TransformEcdsaSha1,
        c.TransformEcdsaSha256,
        c.TransformEcdsaSha384,
        c.TransformEcdsaSha512,
    ):
        context.enable_signature_transform(transform)
        context.enable_reference_transform(transform)
