"""The key and certificate loaders: every form a user has at hand, and errors that say what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.serialization import pkcs12

from samples.pki import Identity, self_signed
from wsbind import (
    CertCredential,
    CertSignedSamlAuthenticator,
    KeyLoadError,
    load_certificate,
    load_certificates,
    load_key_and_certificate,
    load_private_key,
)
from wsbind.saml.issuer import SamlIssuer


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Identity, dict[str, Path]]:
    d = tmp_path_factory.mktemp("keys")
    ident = self_signed(d, "sts")
    paths = {"der": d / "sts.der", "p12": d / "sts.p12", "p12-open": d / "open.p12", "enc-key": d / "enc.key"}
    paths["der"].write_bytes(ident.certificate.public_bytes(ser.Encoding.DER))
    paths["p12"].write_bytes(
        pkcs12.serialize_key_and_certificates(b"sts", ident.private_key, ident.certificate, None,
                                              ser.BestAvailableEncryption(b"pw"))
    )
    paths["p12-open"].write_bytes(
        pkcs12.serialize_key_and_certificates(b"sts", ident.private_key, ident.certificate, None, ser.NoEncryption())
    )
    paths["enc-key"].write_bytes(
        ident.private_key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.BestAvailableEncryption(b"pw"))
    )
    return ident, paths


def test_every_form_gives_the_same_certificate_and_key(files: tuple[Identity, dict[str, Path]]) -> None:
    ident, p = files
    for source in (ident.certificate, ident.cert_file, str(ident.cert_file), ident.cert_file.read_bytes(),
                   ident.cert_file.read_text(), p["der"], p["der"].read_bytes(), p["p12-open"]):
        assert load_certificate(source) == ident.certificate
    assert load_certificate(p["p12"], "pw") == ident.certificate
    spki = ident.private_key.public_key().public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
    for key_source, password in ((ident.key_file, None), (p["enc-key"], b"pw"), (p["p12"], "pw"),
                                 (p["p12-open"].read_bytes(), None)):
        key = load_private_key(key_source, password)
        assert key.public_key().public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo) == spki
    key, cert = load_key_and_certificate(p["p12"], b"pw")
    assert cert == ident.certificate
    assert SamlIssuer("https://sts.example", p["p12"], password="pw").certificate == ident.certificate
    assert load_certificates(str(ident.cert_file)) == (ident.certificate,)  # one path, not its characters


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p, i: load_certificate(p["p12"], "wrong"), "password is wrong"),
        (lambda p, i: load_private_key(p["p12"]), "no password was given"),
        (lambda p, i: load_private_key(p["enc-key"]), "is encrypted; pass its password"),
        (lambda p, i: load_certificate("/"), "is a directory"),
        (lambda p, i: load_certificate(p["der"].parent / "missing.pem"), "there is no file"),
        (lambda p, i: load_certificate(b"not a certificate"), "not a PEM, DER or PKCS#12"),
        (lambda p, i: load_private_key(i.cert_file), "holds no PEM private key"),
        (lambda p, i: load_certificates(42), "give one source or a list"),
        (lambda p, i: CertSignedSamlAuthenticator({"https://sts.example": "/"}), "is a directory"),
        (lambda p, i: CertSignedSamlAuthenticator([i.certificate], decryption_cert=CertCredential(i.cert_file)),
         "key_file"),
    ],
)
def test_errors_say_what_was_given(files: tuple[Identity, dict[str, Path]], call, message: str) -> None:  # type: ignore[no-untyped-def]
    ident, p = files
    with pytest.raises(KeyLoadError, match=message):
        call(p, ident)
