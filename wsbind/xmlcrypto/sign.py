"""Make enveloped XML-DSig signatures with lxml's exclusive c14n and ``cryptography``.

Like python-xmlsec, the signer fills in a ds:Signature template placed in the document; unlike it,
the template is text made once per signer (only the referenced ID changes), so the caller writes
it into the document it is building and parses both in one go. Signing then removes the template
from its parent for the enveloped transform, digests the parent's exclusive canonical form, puts
the template back (``fastsig.canonical_without``, which the verifier uses too) and signs the
exclusive c14n of SignedInfo in its final place.
"""

from __future__ import annotations

import base64
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree

from wsbind.errors import WsBindTypeError, WsBindValueError
from wsbind.soap import namespaces as ns
from wsbind.xmlcrypto._fast import canonical_without, exclusive_c14n
from wsbind.xmlcrypto.algorithms import DIGESTS, SIGNATURES, PublicKeyType

__all__ = ["EnvelopedSigner"]

_EC_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)

# The ID goes into the template unescaped, so only this ASCII subset of xsd:ID (NCName) is taken.
NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*\Z")

_SIGNATURE = f"{{{ns.DS}}}Signature"
_DIGEST_VALUE = f"{{{ns.DS}}}DigestValue"
_SIGNATURE_VALUE = f"{{{ns.DS}}}SignatureValue"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _same_public_key(private_key: PrivateKey, certificate: x509.Certificate) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return private_key.public_key().public_bytes(der, spki) == certificate.public_key().public_bytes(der, spki)


class EnvelopedSigner:
    """Signs with one key: RSA PKCS#1 v1.5 or ECDSA (raw r||s), one Reference, exc-c14n.

    Keys, algorithms and the template are fixed at construction and never change, so one signer
    may sign from many threads at once (each on its own document).
    """

    def __init__(
        self,
        private_key: PrivateKey,
        certificate: x509.Certificate,
        *,
        signature_algorithm: str | None = None,
        digest_algorithm: str = ns.SHA256,
        include_certificate: bool = True,
    ) -> None:
        """``signature_algorithm`` defaults to RSA-SHA256 or ECDSA-SHA256 by key type."""
        key_type: PublicKeyType
        self._rsa: rsa.RSAPrivateKey | None = None
        self._ec: ec.EllipticCurvePrivateKey | None = None
        if isinstance(private_key, rsa.RSAPrivateKey):
            key_type, default_signature = rsa.RSAPublicKey, ns.RSA_SHA256
            self._rsa = private_key
        elif isinstance(private_key, ec.EllipticCurvePrivateKey):
            if not isinstance(private_key.curve, _EC_CURVES):
                raise WsBindValueError("EC keys must be on P-256, P-384 or P-521")
            key_type, default_signature = ec.EllipticCurvePublicKey, ns.ECDSA_SHA256
            self._ec = private_key
        else:
            raise WsBindTypeError("private_key must be an RSA or EC private key from cryptography")
        if not isinstance(certificate, x509.Certificate):
            raise WsBindTypeError("certificate must be a cryptography x509.Certificate")
        if not _same_public_key(private_key, certificate):
            raise WsBindValueError("the certificate does not hold the public half of private_key")
        signature_algorithm = signature_algorithm or default_signature
        if signature_algorithm not in SIGNATURES or SIGNATURES[signature_algorithm][0] is not key_type:
            raise WsBindValueError(f"signature algorithm {signature_algorithm} does not fit this key")
        if digest_algorithm not in DIGESTS:
            raise WsBindValueError(f"unsupported digest algorithm {digest_algorithm}")

        self.signature_algorithm = signature_algorithm
        self.digest_algorithm = digest_algorithm
        self.include_certificate = include_certificate
        self._hash = SIGNATURES[signature_algorithm][1]()
        self._digest = DIGESTS[digest_algorithm]
        self._padding = padding.PKCS1v15()
        self._ecdsa = ec.ECDSA(self._hash)
        # XML-DSig's ECDSA SignatureValue is r || s, each the curve's size in bytes (XML Signature 1.1,
        # 6.4.3), where cryptography gives DER.
        self._ec_size = (self._ec.curve.key_size + 7) // 8 if self._ec is not None else 0
        key_info = ""
        if include_certificate:
            der = base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")
            key_info = (
                f"<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
            )
        # The template as lxml writes it (values are algorithm URIs and base64: nothing to escape),
        # in pieces around the reference ID, the DigestValue and the SignatureValue.
        self._pieces = (
            f'<ds:Signature xmlns:ds="{ns.DS}"><ds:SignedInfo>'
            f'<ds:CanonicalizationMethod Algorithm="{ns.C14N_EXCLUSIVE}"/>'
            f'<ds:SignatureMethod Algorithm="{signature_algorithm}"/><ds:Reference URI="#',
            f'"><ds:Transforms><ds:Transform Algorithm="{ns.ENVELOPED}"/>'
            f'<ds:Transform Algorithm="{ns.C14N_EXCLUSIVE}"/></ds:Transforms>'
            f'<ds:DigestMethod Algorithm="{digest_algorithm}"/>',
            "</ds:Reference></ds:SignedInfo>",
            f"{key_info}</ds:Signature>",
        )

    def template(self, reference_id: str) -> str:
        """The unsigned ds:Signature for the element whose ID is ``reference_id``, as XML text."""
        if not NCNAME.match(reference_id):
            raise WsBindValueError("the reference ID must be an ASCII NCName")
        p = self._pieces
        return f"{p[0]}{reference_id}{p[1]}<ds:DigestValue/>{p[2]}<ds:SignatureValue/>{p[3]}"

    def sign(self, signature: etree._Element) -> str:
        """Fill in ``signature``, parsed from template() and placed in the element it signs, and
        return its text as lxml would write it (without the ancestors' namespace declarations).

        The element must hold no other signature and its ID must be the template's; the digest
        is over its exclusive c14n (without comments) with ``signature`` taken out.
        """
        parent = signature.getparent()
        if parent is None or signature.tag != _SIGNATURE:
            raise WsBindValueError("sign() takes a ds:Signature template placed in the element it signs")
        try:  # positions fixed by template()
            signed_info, value = signature[0], signature[1]
            digest = signed_info[2][2]
        except IndexError:
            digest = value = signature
        if digest.tag != _DIGEST_VALUE or value.tag != _SIGNATURE_VALUE:
            raise WsBindValueError("sign() takes a ds:Signature made by this signer's template()")
        canonical = canonical_without(parent, signature)  # the enveloped-signature transform
        digest_value = digest.text = base64.b64encode(_digest(self._digest(), canonical)).decode("ascii")
        signed = exclusive_c14n(signed_info, None)
        if self._rsa is not None:
            raw = self._rsa.sign(signed, self._padding, self._hash)
        elif self._ec is not None:
            r, s = decode_dss_signature(self._ec.sign(signed, self._ecdsa))
            raw = r.to_bytes(self._ec_size, "big") + s.to_bytes(self._ec_size, "big")
        else:  # unreachable: __init__ sets one of the two
            raise RuntimeError("no signing key")
        signature_value = value.text = base64.b64encode(raw).decode("ascii")
        p = self._pieces
        return (
            f"{p[0]}{signed_info[2].get('URI', '#')[1:]}{p[1]}<ds:DigestValue>{digest_value}</ds:DigestValue>"
            f"{p[2]}<ds:SignatureValue>{signature_value}</ds:SignatureValue>{p[3]}"
        )


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    digest = hashes.Hash(algorithm)
    digest.update(data)
    return digest.finalize()
