"""Throwaway keys and certificates for the samples: a CA, a TLS server certificate, and
self-signed identities (an STS's signing certificate, a service's encryption certificate)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Identity:
    """A private key, its certificate, and both written as PEM files."""

    private_key: Any
    certificate: x509.Certificate
    cert_file: Path
    key_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(directory: Path, stem: str, key: Any, cert: x509.Certificate, chain: bytes = b"") -> Identity:
    cert_file, key_file = directory / f"{stem}.crt", directory / f"{stem}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + chain)
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_file.chmod(0o600)
    return Identity(key, cert, cert_file, key_file)


def _builder(subject: x509.Name, issuer: x509.Name, public_key: Any, days: int) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
    )


def self_signed_certificate(key: Any, name: str, days: int = 30) -> x509.Certificate:
    """A self-signed certificate for ``key`` (RSA or EC), named CN=``name``."""
    return _builder(_name(name), _name(name), key.public_key(), days).sign(key, hashes.SHA256())


def self_signed(directory: Path, name: str, *, ec_key: bool = False, days: int = 30) -> Identity:
    """A self-signed identity, e.g. an STS's token-signing certificate."""
    key: Any = ec.generate_private_key(ec.SECP256R1()) if ec_key else rsa.generate_private_key(65537, 2048)
    return _write(directory, name, key, self_signed_certificate(key, name, days))


def tls_server(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Identity]:
    """A one-off CA (returns its PEM path) and a server certificate for ``host`` it signed."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        _builder(_name("wsbind demo CA"), _name("wsbind demo CA"), ca_key.public_key(), 2)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "ca.crt"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(_name(host), ca_cert.subject, key.public_key(), 2)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return ca_file, _write(directory, "server", key, cert)
