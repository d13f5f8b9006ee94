"""XML-DSig algorithm URIs and the ``cryptography`` primitives they name, for signing and verifying.

One table, so the signer (``xmldsig_sign``) and the fast verifier (``fastsig``) can never disagree
on what a URI means. Which of them a message may use is policy, decided in ``signature``.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from wsbind.soap import namespaces as ns

PublicKeyType = type[rsa.RSAPublicKey] | type[ec.EllipticCurvePublicKey]

DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    ns.SHA1: hashes.SHA1,
    ns.SHA256: hashes.SHA256,
    ns.SHA384: hashes.SHA384,
    ns.SHA512: hashes.SHA512,
}
"""DigestMethod URI -> hash."""

SIGNATURES: dict[str, tuple[PublicKeyType, type[hashes.HashAlgorithm]]] = {
    ns.RSA_SHA1: (rsa.RSAPublicKey, hashes.SHA1),
    ns.RSA_SHA256: (rsa.RSAPublicKey, hashes.SHA256),
    ns.RSA_SHA384: (rsa.RSAPublicKey, hashes.SHA384),
    ns.RSA_SHA512: (rsa.RSAPublicKey, hashes.SHA512),
    ns.ECDSA_SHA1: (ec.EllipticCurvePublicKey, hashes.SHA1),
    ns.ECDSA_SHA256: (ec.EllipticCurvePublicKey, hashes.SHA256),
    ns.ECDSA_SHA384: (ec.EllipticCurvePublicKey, hashes.SHA384),
    ns.ECDSA_SHA512: (ec.EllipticCurvePublicKey, hashes.SHA512),
}
"""SignatureMethod URI -> (the public key type that verifies it, its hash)."""
