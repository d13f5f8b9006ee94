"""Load certificates and keys from what users have at hand: objects, PEM/DER/PKCS#12 bytes or files.

Every place in wsbind that takes a key or a certificate (``SamlIssuer``, ``SecurityTokenService``,
``CertSignedSamlAuthenticator``, ``CertCredential``) goes through these functions, so one form works
everywhere: a ``cryptography`` object, the bytes or text of a PEM, DER or PKCS#12 file, or its path.
A failure raises :class:`~wsbind.errors.KeyLoadError` naming what was given and what is accepted.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from wsbind.errors import KeyLoadError

__all__ = [
    "CertificateSource",
    "CertificatesSource",
    "KeySource",
    "Password",
    "PrivateKey",
    "load_certificate",
    "load_certificates",
    "load_private_key",
    "load_key_and_certificate",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
CertificateSource = x509.Certificate | bytes | str | os.PathLike[str]
"""A certificate object, the bytes (or PEM text) of a PEM, DER or PKCS#12 file, or its path."""
CertificatesSource = CertificateSource | Iterable[CertificateSource]
"""One source (a PEM file may hold a whole chain) or several."""
KeySource = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | bytes | str | os.PathLike[str]
"""A private key object, the bytes (or PEM text) of a PEM, DER or PKCS#12 file, or its path."""
Password = bytes | str | None
"""The password of an encrypted key or a PKCS#12 file (text is encoded as UTF-8)."""

_ACCEPTED = "a cryptography object, PEM/DER/PKCS#12 bytes or PEM text, or the path of such a file"
# The OID of PKCS#7 data (1.2.840.113549.1.7.1), which every PKCS#12 file opens with.
_PKCS7_DATA_OID = bytes.fromhex("06092a864886f70d010701")


def _describe(source: object) -> str:
    if isinstance(source, bytes | bytearray | memoryview):
        return f"{len(source)} bytes"
    if isinstance(source, str | os.PathLike):
        return repr(os.fspath(source))
    return f"a {type(source).__name__}"


def _read(source: object, what: str) -> bytes:
    """The bytes of ``source``; a PEM text is taken as it is, anything else str-like is a path."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str) and source.lstrip().startswith("-----BEGIN"):
        return source.encode("ascii", "replace")
    if not isinstance(source, str | os.PathLike):
        raise KeyLoadError(f"{what}: got {_describe(source)}; give {_ACCEPTED}.")
    path = os.fspath(source)
    if not isinstance(path, str) or not path:
        raise KeyLoadError(f"{what}: got an empty path; give {_ACCEPTED}.")
    if os.path.isdir(path):
        raise KeyLoadError(f"{what}: {path!r} is a directory; give the path of one PEM, DER or PKCS#12 file.")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise KeyLoadError(f"{what}: there is no file {path!r} (relative to {os.getcwd()!r}).") from None
    except OSError as exc:
        raise KeyLoadError(f"{what}: cannot read {path!r}: {exc.strerror or exc}.") from None


def _password(password: Password) -> bytes | None:
    if password is None or isinstance(password, bytes):
        return password or None
    if isinstance(password, str):
        return password.encode("utf-8") or None
    raise KeyLoadError(f"password: give bytes or text, not {_describe(password)}.")


def _looks_like_pkcs12(data: bytes) -> bool:
    return data[:1] == b"\x30" and _PKCS7_DATA_OID in data[:64]


def _pkcs12(data: bytes, password: Password, what: str, source: object) -> pkcs12.PKCS12KeyAndCertificates:
    try:
        return pkcs12.load_pkcs12(data, _password(password))
    except ValueError:
        if _looks_like_pkcs12(data):
            missing = "no password was given" if _password(password) is None else "the password is wrong"
            raise KeyLoadError(f"{what}: {_describe(source)} is a PKCS#12 file and {missing}.") from None
        raise KeyLoadError(
            f"{what}: {_describe(source)} is not a PEM, DER or PKCS#12 {what.split()[-1]}; accepted: {_ACCEPTED}."
        ) from None


def _checked_key(key: object, what: str, source: object) -> PrivateKey:
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyLoadError(f"{what}: {_describe(source)} holds a {type(key).__name__}; only RSA and EC keys work.")
    return key


def _pem_key(data: bytes, password: Password, what: str, source: object) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, _password(password))
    except TypeError:  # cryptography: encrypted without a password, or a password for a plain key
        if _password(password) is None:
            raise KeyLoadError(f"{what}: {_describe(source)} is encrypted; pass its password.") from None
        raise KeyLoadError(f"{what}: {_describe(source)} is not encrypted; pass no password.") from None
    except ValueError:
        if _password(password) is not None and b"ENCRYPTED" in data:
            raise KeyLoadError(f"{what}: {_describe(source)} is encrypted and the password is wrong.") from None
        raise KeyLoadError(f"{what}: {_describe(source)} holds no PEM private key; accepted: {_ACCEPTED}.") from None
    return _checked_key(key, what, source)


def _pem_certificates(data: bytes, what: str, source: object) -> list[x509.Certificate]:
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise KeyLoadError(f"{what}: {_describe(source)} holds no PEM certificate; accepted: {_ACCEPTED}.")
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise KeyLoadError(f"{what}: {_describe(source)} holds a malformed PEM certificate ({exc}).") from None


def _certificates(source: object, password: Password, what: str) -> list[x509.Certificate]:
    if isinstance(source, x509.Certificate):
        return [source]
    data = _read(source, what)
    if b"-----BEGIN" in data:
        return _pem_certificates(data, what, source)
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        pass
    bundle = _pkcs12(data, password, what, source)
    found = [c.certificate for c in ([bundle.cert] if bundle.cert else []) + list(bundle.additional_certs)]
    if not found:
        raise KeyLoadError(f"{what}: the PKCS#12 file {_describe(source)} holds no certificate.")
    return found


def load_certificate(
    source: CertificateSource, password: Password = None, *, what: str = "certificate"
) -> x509.Certificate:
    """The one certificate ``source`` names: the first of a PEM chain, a PKCS#12 file's own certificate.

    ``source`` is a certificate object, PEM/DER/PKCS#12 bytes, PEM text or a file path;
    ``password`` opens a protected PKCS#12 file. ``what`` names the argument in error messages.
    """
    return _certificates(source, password, what)[0]


def load_certificates(
    source: CertificatesSource, password: Password = None, *, what: str = "certificates"
) -> tuple[x509.Certificate, ...]:
    """Every certificate ``source`` holds: a PEM bundle or chain file, a PKCS#12 file, or a list of sources.

    A single path or bytes value is one source, never a sequence of characters.
    """
    if isinstance(source, x509.Certificate | bytes | bytearray | memoryview | str | os.PathLike):
        return tuple(_certificates(source, password, what))
    if not isinstance(source, Iterable):
        raise KeyLoadError(f"{what}: got {_describe(source)}; give one source or a list of them ({_ACCEPTED}).")
    found = [cert for item in source for cert in _certificates(item, password, what)]
    if not found:
        raise KeyLoadError(f"{what}: the list is empty; give at least one certificate.")
    return tuple(found)


def load_private_key(source: KeySource, password: Password = None, *, what: str = "private key") -> PrivateKey:
    """An RSA or EC private key from a key object, PEM/DER/PKCS#12 bytes, PEM text or a file path.

    ``password`` decrypts an encrypted PEM/DER key or opens a protected PKCS#12 file.
    """
    if isinstance(source, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return source
    data = _read(source, what)
    if b"-----BEGIN" in data:
        return _pem_key(data, password, what, source)
    try:
        return _checked_key(serialization.load_der_private_key(data, _password(password)), what, source)
    except (ValueError, TypeError):
        pass
    bundle = _pkcs12(data, password, what, source)
    if bundle.key is None:
        raise KeyLoadError(f"{what}: the PKCS#12 file {_describe(source)} holds no private key.")
    return _checked_key(bundle.key, what, source)


def _spki(public_key: object) -> bytes:
    der = serialization.Encoding.DER
    return public_key.public_bytes(der, serialization.PublicFormat.SubjectPublicKeyInfo)  # type: ignore[attr-defined, no-any-return]


def load_key_and_certificate(
    source: KeySource, password: Password = None, *, certificate: CertificateSource | None = None
) -> tuple[PrivateKey, x509.Certificate]:
    """A private key and its certificate: from one PKCS#12 file or PEM file holding both, or from
    ``source`` (the key) and ``certificate``. The certificate must be the key's own."""
    key = load_private_key(source, password)
    if certificate is not None:
        cert = load_certificate(certificate, password)
    elif isinstance(source, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyLoadError("certificate: a key object carries no certificate; pass certificate= as well.")
    else:
        try:
            cert = load_certificate(source, password)
        except KeyLoadError:
            raise KeyLoadError(
                f"certificate: {_describe(source)} holds a key but no certificate; pass certificate= "
                "(a PEM/DER file) or use a PKCS#12 file that holds both."
            ) from None
    if _spki(cert.public_key()) != _spki(key.public_key()):
        raise KeyLoadError(
            f"certificate {cert.subject.rfc4514_string()!r} does not hold the public key of the private key "
            f"({_describe(source)}): give the key and certificate that belong together."
        )
    return key, cert


MIN_RSA_BITS = 2048
"""RSA keys shorter than this are refused unless ``allow_weak_rsa=True`` (NIST SP 800-131A
disallows RSA-1024 signatures since 2013; factoring 829-bit RSA was public in 2020)."""


def weak_rsa_bits(key: object) -> int | None:
    """The size of an RSA key under MIN_RSA_BITS, or None for a strong RSA key or another kind."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey) and key.key_size < MIN_RSA_BITS:
        return key.key_size
    return None
