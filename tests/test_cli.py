"""The wsbind command: inspect, verify (the server's own verifier) and request-token, on real files
and a real STS on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import Issuer
from sts_setup import password_check, username_sts_description
from support import envelope

from samples.server import serve
from spyne_wsbind import SecurityTokenService
from wsbind import SamlIssuer
from wsbind.cli import main
from wsbind.saml.issuer import encrypt_assertion

ROOT = Path(__file__).resolve().parent.parent
AUDIENCE = "urn:orders"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture()
def files(tmp_path: Path, saml_issuer: SamlIssuer, issuer: Issuer, relying_party: Issuer) -> dict[str, Path]:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    token = saml_issuer.issue(subject="alice", audiences=[AUDIENCE], attributes={"role": ["buyer"]})
    written = {
        "token": token,
        "expired": saml_issuer.issue(subject="alice", audiences=[AUDIENCE], now=now - timedelta(hours=3)),
        "encrypted": encrypt_assertion(token, relying_party.certificate),
        "request": envelope(token),
        "not-saml": b"<nothing/>",
    }
    paths = {name: tmp_path / f"{name}.xml" for name in written}
    for name, data in written.items():
        paths[name].write_bytes(data)
    paths["sts.crt"], paths["rp.pem"] = issuer.cert_file, tmp_path / "rp.pem"
    paths["rp.pem"].write_bytes(relying_party.key_file.read_bytes() + relying_party.cert_file.read_bytes())
    return paths


def test_inspect_says_what_the_token_holds(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    status, out, _ = run(capsys, "inspect", str(files["token"]))
    assert status == 0
    assert "SAML 2.0 assertion" in out and "https://sts.example.test" in out and "alice" in out
    assert "valid now" in out and "role=buyer" in out and "rsa-sha256" in out
    status, out, _ = run(capsys, "inspect", str(files["expired"]))
    assert "expired" in out and "h ago" in out


def test_inspect_json_and_other_shapes(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    status, out, _ = run(capsys, "inspect", str(files["request"]), "--json")
    assert status == 0 and json.loads(out)[0]["audiences"] == AUDIENCE
    status, out, _ = run(capsys, "inspect", str(files["encrypted"]))
    assert "encrypted assertion" in out and "aes256-gcm" in out
    status, _, err = run(capsys, "inspect", str(files["not-saml"]))
    assert status == 2 and "holds no SAML assertion" in err


def test_verify_accepts_as_the_server_would(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    trust = ("--trust", str(files["sts.crt"]), "--audience", AUDIENCE)
    status, out, _ = run(capsys, "verify", str(files["token"]), *trust)
    assert status == 0 and "accepted" in out and "alice" in out
    status, out, _ = run(capsys, "verify", str(files["request"]), *trust)  # a whole SOAP request
    assert status == 0 and "accepted" in out
    caplog.clear()
    status, out, _ = run(capsys, "verify", str(files["encrypted"]), *trust, "--decrypt", str(files["rp.pem"]))
    assert status == 0 and "accepted" in out
    assert "is a list" not in caplog.text  # the certificate is bound to the issuer named inside


@pytest.mark.parametrize(
    ("which", "extra", "reason"),
    [
        ("expired", (), "expired"),
        ("token", ("--audience", "urn:elsewhere"), "audience"),
        ("encrypted", (), "decryption"),
    ],
    ids=["expired", "wrong-audience", "no-decryption-key"],
)
def test_verify_says_why_it_refuses(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], which: str, extra: tuple[str, ...], reason: str
) -> None:
    audience = () if extra else ("--audience", AUDIENCE)
    status, out, _ = run(capsys, "verify", str(files[which]), "--trust", str(files["sts.crt"]), *audience, *extra)
    assert status == 1 and "refused" in out and reason in out, out


def test_verify_with_the_wrong_certificate_names_the_signer(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], rogue: Issuer
) -> None:
    status, out, _ = run(capsys, "verify", str(files["token"]), "--trust", str(rogue.cert_file), "--json")
    result = json.loads(out)
    assert status == 1 and result["reason"] == "untrusted-issuer" and "SHA-256 thumbprint" in result["detail"]


def test_verify_at_another_time(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    then = (datetime.now(timezone.utc) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    trust = ("--trust", str(files["sts.crt"]), "--audience", AUDIENCE)
    assert run(capsys, "verify", str(files["expired"]), *trust, "--at", then)[0] == 0
    status, _, err = run(capsys, "verify", str(files["token"]), *trust, "--at", "yesterday")
    assert status == 2 and "xs:dateTime" in err


def test_request_token_from_a_real_sts(
    capsys: pytest.CaptureFixture[str],
    saml_issuer: SamlIssuer,
    tls: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sts = SecurityTokenService(saml_issuer, relying_parties={AUDIENCE: None})
    app = sts.wsgi_app(username_sts_description(password_check({"alice": "pw"})))
    with serve(app, (tls["cert"], tls["key"])) as url:
        common = (url + "trust", "--username", "alice", "--applies-to", AUDIENCE, "--ca", str(tls["ca"]))
        monkeypatch.setenv("WSBIND_PASSWORD", "pw")
        status, out, err = run(capsys, "request-token", *common)
        assert status == 0 and out.startswith("<saml2:Assertion") and "asking" in err
        monkeypatch.setenv("WSBIND_PASSWORD", "wrong")
        status, out, _ = run(capsys, "request-token", *common, "--json")
        assert status == 1 and json.loads(out)["fault"].endswith("FailedAuthentication")


def test_python_dash_m_wsbind_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wsbind", "--version"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("wsbind ")
