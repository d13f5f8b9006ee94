"""Every XML-DSig and XML-Enc algorithm wsbind knows, and the one policy object that says which a
message may use.

The tables say what a URI means (the ``cryptography`` primitive, the python-xmlsec transform, the
key size); :class:`AlgorithmPolicy` says what is allowed. The assertion verifier, the holder-of-key
proof check, the fast path, the decrypter, the signer and the issuer all read these, so they can
never disagree on a URI or an allow-list (in the spirit of signxml's ``SignatureConfiguration``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import xmlsec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from wsbind.soap import namespaces as ns

PublicKeyType = type[rsa.RSAPublicKey] | type[ec.EllipticCurvePublicKey]
_T = xmlsec.constants

# -- what a URI means ----------------------------------------------------------------------------

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
"""Asymmetric SignatureMethod URI -> (the public key type that verifies it, its hash)."""

HMACS: dict[str, type[hashes.HashAlgorithm]] = {ns.HMAC_SHA1: hashes.SHA1, ns.HMAC_SHA256: hashes.SHA256}
"""Symmetric (HMAC) SignatureMethod URI -> hash: holder-of-key proofs with a symmetric key only."""

CANONICALIZATIONS = frozenset({ns.C14N_EXCLUSIVE, ns.C14N_INCLUSIVE})
"""CanonicalizationMethod of an assertion's SignedInfo (a proof's is exclusive c14n only)."""

ASSERTION_TRANSFORMS = frozenset({ns.ENVELOPED, ns.C14N_EXCLUSIVE, ns.C14N_INCLUSIVE})
"""The transforms an assertion's Reference may list (enveloped, then at most one c14n)."""

DATA_ENCRYPTION: dict[str, tuple[xmlsec.constants.__Transform, int]] = {
    ns.AES128_CBC: (_T.TransformAes128Cbc, 128),
    ns.AES192_CBC: (_T.TransformAes192Cbc, 192),
    ns.AES256_CBC: (_T.TransformAes256Cbc, 256),
    ns.AES128_GCM: (_T.TransformAes128Gcm, 128),
    ns.AES192_GCM: (_T.TransformAes192Gcm, 192),
    ns.AES256_GCM: (_T.TransformAes256Gcm, 256),
}
"""EncryptionMethod of an EncryptedData -> (python-xmlsec transform, key bits)."""

AEAD_DATA_ENCRYPTION = frozenset({ns.AES128_GCM, ns.AES192_GCM, ns.AES256_GCM})
"""What ``allow_cbc=False`` leaves: CBC without a MAC is what makes padding oracles possible."""

KEY_TRANSPORT = frozenset({ns.RSA_OAEP_MGF1P, ns.RSA_OAEP})
"""EncryptedKey methods: RSA-OAEP only. RSA 1.5 is Bleichenbacher's oracle and never accepted."""

MGF1_SHA1 = ns.XENC11 + "mgf1sha1"
OAEP_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {ns.SHA1: hashes.SHA1, ns.SHA256: hashes.SHA256}
"""RSA-OAEP DigestMethod -> hash (SHA-1 when absent, as XML-Enc says)."""
OAEP_MGFS: dict[str, type[hashes.HashAlgorithm]] = {MGF1_SHA1: hashes.SHA1, ns.XENC11 + "mgf1sha256": hashes.SHA256}
"""RSA-OAEP (XML-Enc 1.1) MGF -> its hash (MGF1 with SHA-1 when absent)."""

XMLSEC_SIGNATURE_TRANSFORMS = {
    ns.HMAC_SHA1: _T.TransformHmacSha1,
    ns.HMAC_SHA256: _T.TransformHmacSha256,
    ns.RSA_SHA1: _T.TransformRsaSha1,
    ns.RSA_SHA256: _T.TransformRsaSha256,
    ns.ECDSA_SHA256: _T.TransformEcdsaSha256,
}
"""The proof signature methods -> python-xmlsec's transform for them (proofs are made and checked by it)."""
XMLSEC_DIGEST_TRANSFORMS = {ns.SHA1: _T.TransformSha1, ns.SHA256: _T.TransformSha256}
"""The proof digest methods -> python-xmlsec's transform."""

SHA1_ALGORITHMS = frozenset({ns.SHA1, ns.RSA_SHA1, ns.ECDSA_SHA1, ns.HMAC_SHA1})
"""Every method above that hashes with SHA-1: refused unless the description's suite names SHA-1."""

_STRONG_DIGESTS = frozenset({ns.SHA256, ns.SHA384, ns.SHA512})
_STRONG_SIGNATURES = frozenset(uri for uri, (_, digest) in SIGNATURES.items() if digest is not hashes.SHA1)


# -- what a message may use ----------------------------------------------------------------------


@dataclass(frozen=True)
class AlgorithmPolicy:
    """The allow-lists of one verification. Get one with :func:`algorithm_policy`."""

    assertion_signatures: frozenset[str]
    """SignatureMethods of an assertion signature (asymmetric only: an issuer signs with its key)."""
    assertion_digests: frozenset[str]
    proof_signatures_asymmetric: frozenset[str]
    """SignatureMethods of a holder-of-key proof made with the confirmation's public key."""
    proof_signatures_symmetric: frozenset[str]
    """... and with a symmetric proof key (HMAC, never a public-key method)."""
    proof_digests_asymmetric: frozenset[str]
    proof_digests_symmetric: frozenset[str]
    """HMAC proofs cover only what the client itself signs, so SHA-1 collisions give nothing:
    SHA-1 digests stay allowed there (WWSAPI's default suite, Basic256, uses them)."""
    data_encryption: frozenset[str]
    key_transport: frozenset[str]

    def proof_signatures(self, *, symmetric: bool) -> frozenset[str]:
        """The proof SignatureMethods for a symmetric or a public proof key."""
        return self.proof_signatures_symmetric if symmetric else self.proof_signatures_asymmetric

    def proof_digests(self, *, symmetric: bool) -> frozenset[str]:
        """The proof DigestMethods for a symmetric or a public proof key."""
        return self.proof_digests_symmetric if symmetric else self.proof_digests_asymmetric


@functools.cache
def algorithm_policy(*, allow_sha1: bool = False, allow_cbc: bool = True) -> AlgorithmPolicy:
    """The policy for a description: SHA-1 only when its algorithm suite names it (see
    ``suite_allows_sha1``), CBC data encryption unless the authenticator turned it off."""
    sha1 = frozenset({ns.SHA1}) if allow_sha1 else frozenset()
    sha1_signatures = frozenset({ns.RSA_SHA1, ns.ECDSA_SHA1}) if allow_sha1 else frozenset()
    return AlgorithmPolicy(
        assertion_signatures=_STRONG_SIGNATURES | sha1_signatures,
        assertion_digests=_STRONG_DIGESTS | sha1,
        proof_signatures_asymmetric=frozenset({ns.RSA_SHA256, ns.ECDSA_SHA256}) | (sha1_signatures - {ns.ECDSA_SHA1}),
        proof_signatures_symmetric=frozenset(HMACS),
        proof_digests_asymmetric=frozenset({ns.SHA256}) | sha1,
        proof_digests_symmetric=frozenset({ns.SHA256, ns.SHA1}),
        data_encryption=frozenset(DATA_ENCRYPTION) if allow_cbc else AEAD_DATA_ENCRYPTION,
        key_transport=KEY_TRANSPORT,
    )


def sha1_hint(uri: str) -> str:
    """For a refused SHA-1 algorithm, how a description accepts it (to add to the refusal); else ''."""
    if uri not in SHA1_ALGORITHMS:
        return ""
    return (
        " (SHA-1 is refused unless the description names a SHA-1 algorithm suite, e.g. "
        "properties={SecurityProperty.ALGORITHM_SUITE_NAME: SecurityAlgorithmSuiteName.BASIC256}; "
        "better, have the issuer sign with SHA-256)"
    )
