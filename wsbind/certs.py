"""Load certificates and keys from what users have at hand: objects, PEM/DER bytes or files."""

from __future__ import annotations

import os
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

CertificateSource = x509.Certificate | bytes | str | os.PathLike[str]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _read(source: bytes | str | os.PathLike[str]) -> bytes:
    if isinstance(source, bytes):
        return source
    with open(source, "rb") as handle:
        return handle.read()


def load_certificate(source: CertificateSource) -> x509.Certificate:
    """A certificate object, PEM or DER bytes, or the path of a PEM/DER file."""
    if isinstance(source, x509.Certificate):
        return source
    data = _read(source)
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def load_private_key(source: Any, password: bytes | None = None) -> PrivateKey:
    """An RSA/EC private key object, PEM or DER bytes, or the path of a PEM/DER file."""
    if isinstance(source, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return source
    data = _read(source)
    if b"-----BEGIN" in data:
        key = serialization.load_pem_private_key(data, password)
    else:
        key = serialization.load_der_private_key(data, password)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError("only RSA and EC private keys are supported")
    return key


MIN_RSA_BITS = 2048
"""RSA keys shorter than this are refused unless ``allow_weak_rsa=True`` (NIST SP 800-131A
disallows RSA-1024 signatures since 2013; factoring 829-bit RSA was public in 2020)."""


def weak_rsa_bits(key: object) -> int | None:
    """The size of an RSA key under MIN_RSA_BITS, or None for a strong RSA key or another kind."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey) and key.key_size < MIN_RSA_BITS:
        return key.key_size
    return None
