"""Every refusal is a SOAP fault with a WS-Security code and a generic text, over real HTTP(S)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import zeep
from conftest import Starter, server_description
from support import Issuer, client_description, envelope, post

from wsbind import (
    CertSignedSamlAuthenticator,
    InvalidSecurityDescription,
    ProtectionLevel,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SecurityProperty,
)
from wsbind.saml.issuer import SamlIssuer, SamlVersion, encrypt_assertion
from zeep_wsbind import secure_client

NOW = dt.datetime.now(dt.timezone.utc)
HOUR = dt.timedelta(hours=1)


def _tampered(token: bytes) -> bytes:
    assert b">alice<" in token
    return token.replace(b">alice<", b">admin<")


def _without_id(token: bytes) -> bytes:
    import re

    return re.sub(rb' ID="[^"]+"', b"", token, count=1)


CASES = {
    # name: (how to build the request from (saml_issuer, rogue_issuer, relying_party cert), fault code)
    "tampered-subject": (lambda s, r, rp: envelope(_tampered(s.issue(subject="alice"))), "FailedAuthentication"),
    "untrusted-issuer": (lambda s, r, rp: envelope(r.issue(subject="alice")), "FailedAuthentication"),
    "expired-assertion": (
        lambda s, r, rp: envelope(s.issue(subject="alice", now=NOW - 3 * HOUR, lifetime=HOUR)),
        "FailedAuthentication",
    ),
    "not-yet-valid-assertion": (
        lambda s, r, rp: envelope(s.issue(subject="alice", now=NOW + 3 * HOUR)),
        "FailedAuthentication",
    ),
    "no-token": (lambda s, r, rp: envelope(), "SecurityTokenUnavailable"),
    "no-timestamp": (lambda s, r, rp: envelope(s.issue(subject="alice"), timestamp=False), "InvalidSecurity"),
    "expired-timestamp": (
        lambda s, r, rp: envelope(s.issue(subject="alice"), now=NOW - HOUR, validity=dt.timedelta(minutes=1)),
        "MessageExpired",
    ),
    "signed-content-changed": (
        lambda s, r, rp: envelope(s.issue(subject="alice").replace(b' Version="2.0"', b' Version="9.9"')),
        "FailedAuthentication",
    ),
    "assertion-without-id": (
        lambda s, r, rp: envelope(_without_id(s.issue(subject="alice"))),
        "InvalidSecurityToken",
    ),
    "not-xml": (lambda s, r, rp: b"this is not XML <<<", "InvalidSecurity"),
    "doctype": (
        lambda s, r, rp: b'<!DOCTYPE x [<!ENTITY e "boom">]>' + envelope(s.issue(subject="alice")),
        "InvalidSecurity",
    ),
    "two-security-headers": (
        lambda s, r, rp: envelope(s.issue(subject="alice")).replace(
            b"</s:Header>",
            b'<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/'
            b'oasis-200401-wss-wssecurity-secext-1.0.xsd"/></s:Header>',
        ),
        "InvalidSecurity",
    ),
    "encrypted-without-decryption-cert": (
        lambda s, r, rp: envelope(encrypt_assertion(s.issue(subject="alice"), rp.certificate)),
        "SecurityTokenUnavailable",
    ),
    "saml11-tampered": (
        lambda s, r, rp: envelope(_tampered(s.issue(subject="alice", version=SamlVersion.V1_1))),
        "FailedAuthentication",
    ),
}


@pytest.fixture(scope="module")
def service(tls: dict[str, Path], issuer: Issuer):  # type: ignore[no-untyped-def]
    from support import make_app

    from samples.server import serve
    from spyne_wsbind import SecurityHandler

    app = SecurityHandler(server_description(issuer)).wsgi_app(make_app())
    with serve(app, (tls["cert"], tls["key"])) as url:
        yield url


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_fault_class(
    case: str,
    service: str,
    tls: dict[str, Path],
    saml_issuer: SamlIssuer,
    rogue_issuer: SamlIssuer,
    relying_party: Issuer,
) -> None:
    build, expected = CASES[case]
    status, code, body = post(service, build(saml_issuer, rogue_issuer, relying_party), tls["ca"])
    assert (status, code) == (500, expected)
    assert b"Traceback" not in body and b"alice" not in body


def test_a_valid_request_passes_the_same_service(service: str, tls: dict[str, Path], saml_issuer: SamlIssuer) -> None:
    status, code, body = post(service, envelope(saml_issuer.issue(subject="alice")), tls["ca"])
    assert (status, code) == (200, None)
    assert b"alice|https://sts.example.test" in body


def test_soap12_faults_carry_the_code_as_subcode(
    start_service: Starter, issuer: Issuer, saml_issuer: SamlIssuer, tls: dict[str, Path]
) -> None:
    token = _tampered(saml_issuer.issue(subject="alice"))
    with start_service(server_description(issuer), soap12=True) as url:
        status, code, body = post(url, envelope(token, soap12=True), tls["ca"], soap12=True)
    assert (status, code) == (500, "FailedAuthentication")
    assert b"Sender" in body


@pytest.mark.parametrize("soap12", [False, True], ids=["soap11", "soap12"])
def test_zeep_client_sees_the_fault_code(
    start_service: Starter, issuer: Issuer, saml_issuer: SamlIssuer, tls: dict[str, Path], soap12: bool
) -> None:
    token = saml_issuer.issue(subject="alice", now=NOW - 3 * HOUR, lifetime=HOUR)
    with start_service(server_description(issuer), soap12=soap12) as url:
        client = secure_client(url + "?wsdl", client_description(token), verify=str(tls["ca"]))
        with pytest.raises(zeep.exceptions.Fault) as fault:
            client.service.whoami()
    assert fault.value.message == "The security token could not be authenticated or authorized"
    codes = [str(fault.value.code), *(str(c) for c in (fault.value.subcodes or []))]
    assert any("FailedAuthentication" in c for c in codes), codes


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00\xff" * 50, b"<", b"<a/>", b"<?xml version='1.0' encoding='bogus'?><x/>", b"<s:Envelope/>"],
)
def test_garbage_gets_a_fault_never_a_traceback(service: str, tls: dict[str, Path], garbage: bytes) -> None:
    status, code, body = post(service, garbage, tls["ca"])
    assert (status, code) == (500, "InvalidSecurity")
    assert b"Traceback" not in body


def test_oversized_body_is_refused(service: str, tls: dict[str, Path]) -> None:
    status, code, _ = post(service, b"<a>" + b"x" * (2 * 1024 * 1024) + b"</a>", tls["ca"])
    assert (status, code) == (500, "InvalidSecurity")


# -- HTTP without TLS ---------------------------------------------------------------------


def test_ssl_description_refuses_a_request_over_plain_http(
    start_service: Starter, issuer: Issuer, saml_issuer: SamlIssuer
) -> None:
    with start_service(server_description(issuer), https=False) as url:
        status, code, _ = post(url, envelope(saml_issuer.issue(subject="alice")), None)
    assert (status, code) == (500, "InvalidSecurity")


def _saml_only(issuer: Issuer, protection: ProtectionLevel | None) -> SecurityDescription:
    binding = SamlMessageSecurityBinding(authenticator=CertSignedSamlAuthenticator([issuer.certificate]))
    properties = {} if protection is None else {SecurityProperty.TRANSPORT_PROTECTION_LEVEL: protection}
    return SecurityDescription([binding], properties)


def test_r32_no_tls_needs_protection_level_none(start_service: Starter, issuer: Issuer) -> None:
    with pytest.raises(InvalidSecurityDescription, match="R32"):
        start_service(_saml_only(issuer, None), https=False).__enter__()


def test_r32_explicit_none_accepts_plain_http(start_service: Starter, issuer: Issuer, saml_issuer: SamlIssuer) -> None:
    with start_service(_saml_only(issuer, ProtectionLevel.NONE), https=False) as url:
        status, code, body = post(url, envelope(saml_issuer.issue(subject="alice")), None)
    assert (status, code) == (200, None)
    assert b"alice|" in body


@pytest.mark.parametrize("trusted", [True, False])
def test_forwarded_proto_counts_only_when_trusted(
    start_service: Starter, issuer: Issuer, saml_issuer: SamlIssuer, trusted: bool
) -> None:
    import requests

    body = envelope(saml_issuer.issue(subject="alice"))
    with start_service(server_description(issuer), https=False, trust_forwarded_proto=trusted) as url:
        response = requests.post(
            url, data=body, headers={"Content-Type": "text/xml", "X-Forwarded-Proto": "https"}, timeout=10
        )
    assert response.status_code == (200 if trusted else 500)
