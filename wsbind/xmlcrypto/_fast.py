"""The fast verification path: an enveloped SAML signature checked with lxml and ``cryptography``.

It handles only the common shape inside the strict profile (exclusive c14n for SignedInfo and
the reference, the transforms enveloped then exc-c14n, an RSA or ECDSA key, canonical base64) and
says :class:`OutsideFastPath` for anything else, which python-xmlsec then decides. It never
resolves an ID: the digest is taken over the assertion element itself, the one the profile
already tied to the Reference. A differential test holds it to python-xmlsec's verdict on every
message of the test suite.

Why it is faster: libxmlsec1 spends most of its time outside the cryptography (ID lookups,
node-set transforms, key duplication); the floor is two exclusive canonicalizations, one hash
and one public-key verification, which is what this module does.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from wsbind.soap import namespaces as ns
from wsbind.soap.xmlread import decode_base64, element_children
from wsbind.xmlcrypto.algorithms import DIGESTS, SIGNATURES

_DS = f"{{{ns.DS}}}"
_INCLUSIVE_NAMESPACES = f"{{{ns.C14N_EXCLUSIVE}}}InclusiveNamespaces"

class OutsideFastPath(Exception):
    """The signature is of a shape this path does not handle; python-xmlsec must decide."""


class PreparedSignature:
    """What a profile-checked ds:Signature asks to be verified, read once for every trusted key."""

    def __init__(self, signature: etree._Element, assertion: etree._Element) -> None:
        signed_info, signature_value = element_children(signature)[:2]
        c14n, method, reference = element_children(signed_info)
        if not (
            c14n.tag == f"{_DS}CanonicalizationMethod"
            and method.tag == f"{_DS}SignatureMethod"
            and c14n.get("Algorithm") == ns.C14N_EXCLUSIVE
            and method.get("Algorithm") in SIGNATURES
        ):
            raise OutsideFastPath("SignedInfo is not exc-c14n with a known signature method")
        entity = next(assertion.iter(etree.Entity), None)
        if entity is not None or assertion.getroottree().docinfo.internalDTD is not None:
            # libxml2's c14n leaves entity references out, and python-xmlsec treats documents with
            # a DTD its own way; wsbind's parser refuses both before a signature is looked at.
            raise OutsideFastPath("a DOCTYPE or an entity reference")
        self.key_type, self.hash = SIGNATURES[method.get("Algorithm", "")]
        self._signed_info_prefixes = _prefix_list(c14n)
        self._signed_info = signed_info
        self.signature_value = _base64(signature_value)
        self._assertion = assertion
        self._signature = signature
        self._reference_prefixes, digest_method, self.digest_value = _reference(reference)
        self._digest_hash = DIGESTS[digest_method]

    def digest_matches(self) -> bool:
        """The enveloped-signature transform, exc-c14n, then the digest, compared in constant time."""
        digest = hashes.Hash(self._digest_hash())
        digest.update(canonical_without(self._assertion, self._signature, self._reference_prefixes))
        return hmac.compare_digest(digest.finalize(), self.digest_value)

    def signed_info_bytes(self) -> bytes:
        return exclusive_c14n(self._signed_info, self._signed_info_prefixes)

    def verifies_with(self, key: PublicKeyTypes, signed_info: bytes) -> bool:
        """Whether ``key`` made SignatureValue over the canonical SignedInfo."""
        if not isinstance(key, self.key_type):
            return False
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(self.signature_value, signed_info, padding.PKCS1v15(), self.hash())
            else:
                assert isinstance(key, ec.EllipticCurvePublicKey)
                key.verify(_der_ecdsa(self.signature_value, key), signed_info, ec.ECDSA(self.hash()))
        except InvalidSignature:
            return False
        return True


def _reference(reference: etree._Element) -> tuple[Sequence[str] | None, str, bytes]:
    """(exc-c14n prefix list, digest method, digest value) of the one Reference, or OutsideFastPath."""
    children = element_children(reference)
    if len(children) != len(reference) or [c.tag for c in children] != [
        f"{_DS}Transforms",
        f"{_DS}DigestMethod",
        f"{_DS}DigestValue",
    ]:
        raise OutsideFastPath("Reference is not Transforms, DigestMethod, DigestValue")
    transforms, digest_method, digest_value = children
    algorithms = [t.get("Algorithm") for t in transforms]
    if algorithms != [ns.ENVELOPED, ns.C14N_EXCLUSIVE] or len(transforms[0]):
        raise OutsideFastPath(f"transforms {algorithms}")
    method = digest_method.get("Algorithm", "")
    if method not in DIGESTS or len(digest_method) or len(digest_value):
        raise OutsideFastPath("digest method")
    return _prefix_list(transforms[1]), method, _base64(digest_value)


def _prefix_list(element: etree._Element) -> Sequence[str] | None:
    """The InclusiveNamespaces PrefixList of an exc-c14n element (the profile allows only that child)."""
    if not len(element):
        return None
    if len(element) != 1 or element[0].tag != _INCLUSIVE_NAMESPACES or element[0].text or len(element[0]):
        raise OutsideFastPath("unusual InclusiveNamespaces")
    prefixes = (element[0].get("PrefixList") or "").split()
    if "#default" in prefixes:
        raise OutsideFastPath("#default in a PrefixList")
    return prefixes


def _base64(element: etree._Element) -> bytes:
    """Canonical base64 text (line breaks allowed); anything else is left to python-xmlsec."""
    if len(element) or element.attrib:
        raise OutsideFastPath("base64 element with content other than text")
    try:
        return decode_base64(element.text)
    except ValueError:
        raise OutsideFastPath("unusual base64") from None


def exclusive_c14n(element: etree._Element, prefixes: Sequence[str] | None) -> bytes:
    try:
        return etree.tostring(
            element, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=prefixes
        )
    except etree.C14NError:  # e.g. a relative namespace URI, which c14n refuses
        raise OutsideFastPath("libxml2 cannot canonicalize this tree") from None


def canonical_without(
    assertion: etree._Element, signature: etree._Element, prefixes: Sequence[str] | None = None
) -> bytes:
    """exc-c14n of the assertion with the Signature element taken out (its tail text stays): the
    enveloped-signature transform, for verifying and for signing (``xmldsig_sign``).

    The element is detached for the moment of canonicalization and put back exactly; lxml
    carries an element's tail with it, so the tail is handed to the preceding node meanwhile.
    """
    index = assertion.index(signature)
    tail = signature.tail
    previous = signature.getprevious()
    before = assertion.text if previous is None else previous.tail
    assertion.remove(signature)
    if tail:
        if previous is None:
            assertion.text = (before or "") + tail
        else:
            previous.tail = (before or "") + tail
    try:
        return exclusive_c14n(assertion, prefixes)
    finally:
        if previous is None:
            assertion.text = before
        else:
            previous.tail = before
        assertion.insert(index, signature)
        signature.tail = tail


def _der_ecdsa(raw: bytes, key: ec.EllipticCurvePublicKey) -> bytes:
    """XML-DSig writes ECDSA as r || s of the curve's size; cryptography wants DER."""
    size = (key.curve.key_size + 7) // 8
    if len(raw) != 2 * size:
        raise OutsideFastPath("ECDSA signature value of the wrong length")
    return encode_dss_signature(int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big"))
