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
