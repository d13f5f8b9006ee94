"""Refusal lines an operator can act on: who asked (peer, path, SOAP action, issuer, subject),
why, the server's clock and the window for time refusals, and the signer of an untrusted
signature - over a real spyne service on loopback HTTPS, and never a secret."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from security.harness import assert_clean_log_text
from support import Issuer, envelope, make_app, post

from samples.server import serve
from spyne_wsbind import SecurityHandler
from wsbind import (
    CertSignedSamlAuthenticator,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SslTransportSecurityBinding,
    StringUsernameCredential,
    UsernameMessageSecurityBinding,
)
from wsbind.outgoing import OutgoingSecurity
from wsbind.saml.issuer import SamlIssuer

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
HOUR = dt.timedelta(hours=1)
AUDIENCE = "urn:orders"
STS = "https://sts.example.test"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def service(issuer: Issuer, tls: dict[str, Path]) -> Iterator[str]:
    description = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            SamlMessageSecurityBinding(
                authenticator=CertSignedSamlAuthenticator({STS: issuer.certificate}, audiences=[AUDIENCE])
            ),
        ]
    )
    app = SecurityHandler(description, clock=lambda: NOW).wsgi_app(make_app())
    with serve(app, (tls["cert"], tls["key"])) as url:
        yield url + "orders"


def _refusal(caplog: pytest.LogCaptureFixture, url: str, body: bytes, ca: Path, **kwargs: bool) -> str:
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="spyne_wsbind"), caplog.at_level(logging.DEBUG, logger="wsbind"):
        status, _, _ = post(url, body, ca, **kwargs)
    assert status == 500
    for record in caplog.records:
        assert_clean_log_text(record.getMessage())
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("request refused")]
    assert len(lines) == 1, caplog.text
    return lines[0]


def test_untrusted_signer_shows_subject_and_sha256_thumbprint(
    service: str, tls: dict[str, Path], rogue: Issuer, rogue_issuer: SamlIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    """A key rollover at the STS looks like this: the line holds what to add to the trust list."""
    line = _refusal(caplog, service, envelope(rogue_issuer.issue(subject="alice", audiences=[AUDIENCE])), tls["ca"])
    thumbprint = ":".join(f"{b:02X}" for b in rogue.certificate.fingerprint(hashes.SHA256()))
    assert line.startswith("request refused: FailedAuthentication (untrusted-issuer) "), line
    assert "peer=127.0.0.1 path='/orders' action='whoami'" in line, line
    assert f"subject='alice' issuer='{STS}' (unverified)" in line, line
    assert f"signer subject 'CN=rogue-sts', SHA-256 thumbprint {thumbprint}" in line, line


def test_expired_assertion_shows_the_server_clock_and_the_window(
    service: str, tls: dict[str, Path], saml_issuer: SamlIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    token = saml_issuer.issue(subject="alice", audiences=[AUDIENCE], now=NOW - 3 * HOUR, lifetime=HOUR)
    line = _refusal(caplog, service, envelope(token, now=NOW), tls["ca"])
    clock = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    start, end = (NOW - 3 * HOUR).strftime("%Y-%m-%dT%H:%M:%SZ"), (NOW - 2 * HOUR).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "(expired)" in line and f"subject='alice' issuer='{STS}':" in line, line  # signed: not "(unverified)"
    assert f"server clock {clock}, clock skew 0:05:00" in line, line
    assert f"valid from {start} until {end}" in line, line


def test_stale_timestamp_shows_the_server_clock_and_the_window(
    service: str, tls: dict[str, Path], saml_issuer: SamlIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    token = saml_issuer.issue(subject="alice", audiences=[AUDIENCE], now=NOW)
    line = _refusal(caplog, service, envelope(token, now=NOW - HOUR, validity=2 * HOUR), tls["ca"])
    oldest = (NOW - dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "(timestamp-too-old)" in line, line
    assert f"server clock {NOW.strftime('%Y-%m-%dT%H:%M:%SZ')}, accepted from {oldest}" in line, line
    assert "max latency 0:05:00 + clock skew 0:05:00" in line, line


def test_wrong_audience_names_both_sides(
    service: str, tls: dict[str, Path], saml_issuer: SamlIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    line = _refusal(caplog, service, envelope(saml_issuer.issue(subject="alice", audiences=["urn:other"])), tls["ca"])
    assert "audiences ['urn:other'], none of the accepted ['urn:orders']" in line, line


def test_soap12_action_comes_from_the_content_type(
    issuer: Issuer, tls: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    description = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            SamlMessageSecurityBinding(authenticator=CertSignedSamlAuthenticator({STS: issuer.certificate})),
        ]
    )
    app = SecurityHandler(description).wsgi_app(make_app(soap12=True))
    session = requests.Session()
    session.trust_env = False
    headers = {"Content-Type": 'application/soap+xml; charset=utf-8; action="urn:wsbind:test/whoami"'}
    with serve(app, (tls["cert"], tls["key"])) as url, caplog.at_level(logging.WARNING, logger="spyne_wsbind"):
        response = session.post(url + "v12", data=envelope(soap12=True), headers=headers, verify=str(tls["ca"]))
    assert response.status_code == 500
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("request refused")]
    assert len(lines) == 1 and "path='/v12' action='urn:wsbind:test/whoami'" in lines[0], lines


def test_password_refusal_reads_as_english_and_keeps_the_password_out(
    tls: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    description = SecurityDescription(
        [SslTransportSecurityBinding(), UsernameMessageSecurityBinding(password_validator=lambda u, p: False)]
    )
    app = SecurityHandler(description).wsgi_app(make_app())
    from lxml import etree

    body = etree.fromstring(envelope(timestamp=False))
    client = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            UsernameMessageSecurityBinding(client_credential=StringUsernameCredential("alice", PASSWORD)),
        ]
    )
    OutgoingSecurity(client).apply(body, "https://127.0.0.1/")
    with serve(app, (tls["cert"], tls["key"])) as url:
        line = _refusal(caplog, url, etree.tostring(body), tls["ca"])
    assert "password_validator refused the password of user 'alice': it returned False" in line, line
    assert "subject='alice' (unverified)" in line, line
    assert PASSWORD not in caplog.text
