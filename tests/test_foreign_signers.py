"""Oracles in other languages: tokens signed by OpenSAML C++ (``samlsign`` from Debian's
opensaml-tools) and by the npm ``saml`` package (auth0/node-saml, on xml-crypto) are accepted and
their tampered copies refused; an encrypted assertion from node-saml is decrypted; and samlsign
verifies the tokens our issuer signs. .ci/run installs both, so they run in CI; elsewhere the tests
skip with the line to install them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import Issuer, server_description
from cryptography.hazmat.primitives import serialization
from lxml import etree
from support import envelope

from wsbind import CertCredential, SamlIssuer, SamlVersion
from wsbind.errors import SecurityVerificationError
from wsbind.saml.assertion import SamlAssertion
from wsbind.soap import namespaces as ns
from wsbind.verifier import MessageVerifier, TransportFacts

NODE_DIR = Path(__file__).resolve().parent / "node"
AUDIENCE = "urn:orders"
RSA_SHA256 = ns.RSA_SHA256


def _required(program: str, install: str) -> str:
    path = shutil.which(program)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is missing in CI: .ci/run must install it ({install})")
        pytest.skip(f"{program} is not installed ({install}); CI runs these tests")
    return path


@pytest.fixture(scope="module")
def samlsign() -> str:
    return _required("samlsign", "apt-get install opensaml-tools")


@pytest.fixture(scope="module")
def node_saml() -> list[str]:
    node = _required("node", "install Node.js 20")
    if not (NODE_DIR / "node_modules" / "saml").is_dir():
        if os.environ.get("CI"):
            pytest.fail("the npm saml package is missing in CI: .ci/run must run npm install --prefix tests/node")
        pytest.skip("npm install --prefix tests/node (the npm saml package) has not been run; CI runs these tests")
    return [node, str(NODE_DIR / "sign.js")]


def verify(token: bytes, issuer: Issuer, relying_party: Issuer | None = None) -> SamlAssertion | None:
    decryption = CertCredential(relying_party.cert_file, relying_party.key_file) if relying_party else None
    description = server_description(issuer, audiences=[AUDIENCE], decryption_cert=decryption)
    return MessageVerifier(description).verify(envelope(token), TransportFacts(is_https=True)).saml_assertion


def tamper(token: bytes) -> bytes:
    """The same token with its subject changed after signing."""
    root = etree.fromstring(token)
    name = next(e for e in root.iter() if etree.QName(e).localname in ("NameID", "NameIdentifier"))
    name.text = "mallory"
    return etree.tostring(root)


# -- OpenSAML C++ -----------------------------------------------------------------------------------


def unsigned(saml_issuer: SamlIssuer, version: SamlVersion) -> bytes:
    """One of our assertions with its signature taken off, for samlsign to sign instead."""
    root = etree.fromstring(saml_issuer.issue(subject="otto", version=version, audiences=[AUDIENCE]))
    signature = root.find(f"{{{ns.DS}}}Signature")
    assert signature is not None
    root.remove(signature)
    return etree.tostring(root)


def opensaml_sign(samlsign: str, token: bytes, issuer: Issuer, tmp_path: Path) -> bytes:
    source = tmp_path / "unsigned.xml"
    source.write_bytes(token)
    done = subprocess.run(
        [samlsign, "-s", "-k", str(issuer.key_file.resolve()), "-c", str(issuer.cert_file.resolve()),
         "-f", str(source.resolve()), "-alg", RSA_SHA256],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    assert RSA_SHA256.encode() in done.stdout
    return done.stdout


@pytest.mark.parametrize("version", [SamlVersion.V2_0, SamlVersion.V1_1], ids=["saml20", "saml11"])
def test_tokens_signed_by_opensaml_are_accepted_and_tampered_ones_refused(
    samlsign: str, saml_issuer: SamlIssuer, issuer: Issuer, tmp_path: Path, version: SamlVersion
) -> None:
    signed = opensaml_sign(samlsign, unsigned(saml_issuer, version), issuer, tmp_path)
    assertion = verify(signed, issuer)
    assert assertion is not None and assertion.subject_name_id == "otto" and assertion.version == version.value
    with pytest.raises(SecurityVerificationError):
        verify(tamper(signed), issuer)


@pytest.mark.parametrize("version", [SamlVersion.V2_0, SamlVersion.V1_1], ids=["saml20", "saml11"])
def test_opensaml_verifies_what_our_issuer_signs(
    samlsign: str, saml_issuer: SamlIssuer, issuer: Issuer, tmp_path: Path, version: SamlVersion
) -> None:
    """And it can fail: the same check on a tampered copy, and with another certificate."""

    def opensaml_accepts(token: bytes, certificate: Path) -> bool:
        path = tmp_path / "token.xml"
        path.write_bytes(token)
        command = [samlsign, "-c", str(certificate.resolve()), "-f", str(path.resolve())]
        return subprocess.run(command, capture_output=True, timeout=60).returncode == 0

    token = saml_issuer.issue(subject="alice", version=version, audiences=[AUDIENCE])
    assert opensaml_accepts(token, issuer.cert_file)
    assert not opensaml_accepts(tamper(token), issuer.cert_file)


def test_opensaml_refuses_our_token_under_another_certificate(
    samlsign: str, saml_issuer: SamlIssuer, rogue: Issuer, tmp_path: Path
) -> None:
    path = tmp_path / "token.xml"
    path.write_bytes(saml_issuer.issue(subject="alice", audiences=[AUDIENCE]))
    command = [samlsign, "-c", str(rogue.cert_file.resolve()), "-f", str(path.resolve())]
    assert subprocess.run(command, capture_output=True, timeout=60).returncode != 0


# -- node-saml ---------------------------------------------------------------------------------------


def node_sign(node_saml: list[str], issuer: Issuer, **options: object) -> bytes:
    settings = {"key": str(issuer.key_file), "cert": str(issuer.cert_file), "issuer": "https://node-idp.example",
                "subject": "nora", "audience": AUDIENCE, "attributes": {"role": "reader"}, **options}  # fmt: skip
    done = subprocess.run([*node_saml, json.dumps(settings)], capture_output=True, check=True, timeout=60)
    return done.stdout


@pytest.mark.parametrize("version", ["2.0", "1.1"], ids=["saml20", "saml11"])
def test_tokens_signed_by_node_saml_are_accepted_and_tampered_ones_refused(
    node_saml: list[str], issuer: Issuer, version: str
) -> None:
    token = node_sign(node_saml, issuer, version=version)
    assertion = verify(token, issuer)
    assert assertion is not None and assertion.subject_name_id == "nora" and assertion.version == version
    assert assertion.attributes["role"] == ("reader",)
    with pytest.raises(SecurityVerificationError):
        verify(tamper(token), issuer)


def test_an_assertion_node_saml_encrypted_is_decrypted(
    node_saml: list[str], issuer: Issuer, relying_party: Issuer, tmp_path: Path
) -> None:
    """xml-encryption (AES-256-GCM, RSA-OAEP) on one side, our decrypter on the other."""
    public = tmp_path / "rp.pub"
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    public.write_bytes(relying_party.certificate.public_key().public_bytes(serialization.Encoding.PEM, spki))
    token = node_sign(node_saml, issuer, version="2.0", encryptTo=str(relying_party.cert_file),
                      encryptToPublicKey=str(public))  # fmt: skip
    assert token.startswith(b"<saml:EncryptedAssertion")
    assertion = verify(token, issuer, relying_party)
    assert assertion is not None and assertion.subject_name_id == "nora"
    with pytest.raises(SecurityVerificationError):
        verify(token, issuer, issuer)  # another private key


@pytest.mark.parametrize("token_type", [ns.SAML20_TOKEN_TYPE, ns.SAML11_TOKEN_TYPE], ids=["saml20", "saml11"])
def test_opensaml_verifies_what_our_sts_issues(
    samlsign: str, saml_issuer: SamlIssuer, issuer: Issuer, relying_party: Issuer, tmp_path: Path, token_type: str
) -> None:
    """The STS's own issuance path (IssuancePolicy, the code SecurityTokenService runs), holder-of-key
    included: its token is what samlsign checks, and a tampered copy fails."""
    from wsbind import SecurityKeyType, TrustVersion
    from wsbind.trust.issuance import IssuancePolicy
    from wsbind.trust.protocol import trust_protocol
    from wsbind.trust.server import IssueRequest

    protocol = trust_protocol(TrustVersion.V1_3)
    request = IssueRequest(
        protocol=protocol, applies_to=AUDIENCE, token_type=token_type, key_type=SecurityKeyType.SYMMETRIC,
        key_size=None, requestor_entropy=None, computed_key_algorithm=None, context=None,
    )  # fmt: skip
    policy = IssuancePolicy(saml_issuer, relying_parties={AUDIENCE: relying_party.certificate})
    token = policy.issue("alice", request).token
    path = tmp_path / "issued.xml"
    for data, accepted in ((token, True), (tamper(token), False)):
        path.write_bytes(data)
        done = subprocess.run([samlsign, "-c", str(issuer.cert_file.resolve()), "-f", str(path.resolve())],
                              capture_output=True, timeout=60)  # fmt: skip
        assert (done.returncode == 0) is accepted
