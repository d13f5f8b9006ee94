"""The edges of the server adapter a new user meets: the app to serve, a TLS-terminating proxy,
a description that authenticates nobody, and an STS asked for a token it cannot make."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest
import requests
from conftest import server_description
from lxml import etree
from spyne.server.wsgi import WsgiApplication
from sts_setup import password_check, username_client_description, username_sts_description
from support import Issuer, make_app, post

from samples.server import serve
from spyne_wsbind import SecurityHandler
from spyne_wsbind.handler import SecuredWsgiApplication
from spyne_wsbind.sts import SecurityTokenService
from wsbind import (
    SecurityBindingProperty,
    SecurityDescription,
    SecurityKeyType,
    SslTransportSecurityBinding,
    TrustVersion,
    UsernameMessageSecurityBinding,
)
from wsbind.errors import AnonymousServerWarning
from wsbind.saml.issuer import SamlIssuer
from zeep_wsbind import TrustChannel, request_security_token

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/soap/"


# -- the app to serve ---------------------------------------------------------------------------


def test_wsgi_app_is_the_name_and_register_its_alias(issuer: Issuer) -> None:
    handler = SecurityHandler(server_description(issuer))
    assert isinstance(handler.wsgi_app(make_app()), SecuredWsgiApplication)
    assert SecurityHandler.register is SecurityHandler.wsgi_app
    assert isinstance(handler.register(WsgiApplication(make_app())), SecuredWsgiApplication)


def test_serving_the_unwrapped_app_says_what_to_serve_once(
    issuer: Issuer, saml_issuer: SamlIssuer, tls: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """The mistake two README readers made: wrap the app, then serve the original."""
    from support import envelope

    app = make_app()
    SecurityHandler(server_description(issuer)).wsgi_app(app)  # the returned app is dropped
    token = saml_issuer.issue(subject="alice")
    with (
        caplog.at_level(logging.ERROR, logger="spyne_wsbind"),
        serve(WsgiApplication(app), (tls["cert"], tls["key"])) as url,
    ):
        for _ in range(3):
            status, _code, body = post(url, envelope(token), tls["ca"])
            assert status == 500 and b"The service is not configured correctly" in body
    lines = [r.getMessage() for r in caplog.records if r.name == "spyne_wsbind" and r.levelno == logging.ERROR]
    assert len(lines) == 1, lines  # once per app, not once per call
    assert "served without the wsbind handler" in lines[0]
    assert "serve what SecurityHandler(...).wsgi_app(app)" in lines[0]


# -- behind a TLS-terminating proxy ---------------------------------------------------------------


def _advertised_address(url: str, headers: dict[str, str]) -> str:
    session = requests.Session()
    session.trust_env = False
    response = session.get(url + "orders?wsdl", headers=headers, timeout=10)
    assert response.status_code == 200, response.content
    address = etree.fromstring(response.content).find(f".//{{{WSDL_NS}}}address")
    assert address is not None
    return str(address.get("location"))


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted-proxy", "untrusted-header"])
def test_wsdl_behind_a_tls_proxy_advertises_https(issuer: Issuer, trusted: bool) -> None:
    """The proxy speaks plain HTTP to the app and says X-Forwarded-Proto: https; the WSDL must
    then name the https:// address clients reach (a client refuses http:// under R30)."""
    app = SecurityHandler(server_description(issuer), trust_forwarded_proto=trusted).wsgi_app(make_app())
    headers = {"X-Forwarded-Proto": "https", "Host": "orders.example.test"}
    with serve(app) as url:  # plain HTTP: the proxy terminated TLS
        location = _advertised_address(url, headers)
    expected = "https" if trusted else "http"
    assert location == f"{expected}://orders.example.test/orders", location


# -- a description that authenticates nobody --------------------------------------------------------


def test_a_server_that_authenticates_nobody_warns_at_construction() -> None:
    with pytest.warns(AnonymousServerWarning, match="authenticates nobody") as caught:
        SecurityHandler(SecurityDescription([SslTransportSecurityBinding()]))
    text = str(caught[0].message)
    assert "SslTransportSecurityBinding" in text and "SamlMessageSecurityBinding" in text


@pytest.mark.parametrize("what", ["saml", "username", "client-certificate"])
def test_a_server_that_authenticates_someone_does_not_warn(issuer: Issuer, what: str) -> None:
    descriptions = {
        "saml": lambda: server_description(issuer),
        "username": lambda: SecurityDescription(
            [SslTransportSecurityBinding(), UsernameMessageSecurityBinding(password_validator=lambda u, p: False)]
        ),
        "client-certificate": lambda: SecurityDescription(
            [SslTransportSecurityBinding(properties={SecurityBindingProperty.REQUIRE_SSL_CLIENT_CERT: True})]
        ),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error", AnonymousServerWarning)
        SecurityHandler(descriptions[what]())


# -- the STS asked for holder-of-key for a relying party without a certificate ------------------------


def test_sts_log_names_the_relying_party_that_lacks_a_certificate(
    saml_issuer: SamlIssuer, tls: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    rp = "urn:orders:no-certificate"
    sts = SecurityTokenService(saml_issuer, relying_parties={rp: None})
    description = username_sts_description(password_check({"alice": "pw"}))
    client = username_client_description("alice", "pw")
    with (
        caplog.at_level(logging.WARNING, logger="spyne_wsbind.sts"),
        serve(sts.wsgi_app(description), (tls["cert"], tls["key"])) as url,
    ):
        with TrustChannel(url + "trust", client, verify=str(tls["ca"])) as channel:
            with pytest.raises(Exception):  # noqa: B017 - the client's fault type is not the point here
                request_security_token(
                    channel,
                    applies_to=rp,
                    trust_version=TrustVersion.V1_3,
                    issued_token_key_type=SecurityKeyType.SYMMETRIC,
                )
            bearer = request_security_token(
                channel, applies_to=rp, trust_version=TrustVersion.V1_3, issued_token_key_type=SecurityKeyType.NONE
            )
            assert bearer is not None  # the fix the line suggests works
    lines = [r.getMessage() for r in caplog.records if r.name == "spyne_wsbind.sts"]
    refusals = [line for line in lines if line.startswith("STS refused")]
    assert len(refusals) == 1, lines
    line = refusals[0]
    assert repr(rp) in line and "no certificate" in line, line
    assert "relying_parties" in line and "SecurityKeyType.NONE" in line, line
    assert "user 'alice'" in line and "peer=127.0.0.1" in line and "path='/trust'" in line, line
