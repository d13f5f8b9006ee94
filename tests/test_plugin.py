"""The zeep plugin's output, checked on the envelope it produces (no network)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from lxml import etree

from wsbind import (
    NamedPipeSspiTransportSecurityBinding,
    SecurityDescription,
    SecurityProperty,
    SecurityTimestampUsage,
    SslTransportSecurityBinding,
    TcpSspiTransportSecurityBinding,
    UnsupportedBinding,
    XmlTokenMessageSecurityBinding,
    create_xml_security_token,
)
from wsbind.saml.issuer import SamlIssuer
from wsbind.soap import namespaces as ns
from zeep_wsbind import SecurityPlugin

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)
OPTIONS = {"address": "https://127.0.0.1:8443/svc"}


def _envelope(soap_ns: str = ns.SOAP11) -> etree._Element:
    return etree.fromstring(f'<soap-env:Envelope xmlns:soap-env="{soap_ns}"><soap-env:Body/></soap-env:Envelope>')


def _plugin(token: bytes, properties: dict[Any, Any] | None = None) -> SecurityPlugin:
    description = SecurityDescription(
        [SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(create_xml_security_token(token))], properties
    )
    return SecurityPlugin(description, clock=lambda: NOW)


@pytest.mark.parametrize(("soap_ns", "must"), [(ns.SOAP11, "1"), (ns.SOAP12, "true")])
def test_security_header_shape(saml_issuer: SamlIssuer, soap_ns: str, must: str) -> None:
    token = saml_issuer.issue(subject="alice", now=NOW)
    envelope, _ = _plugin(token).egress(_envelope(soap_ns), {}, None, OPTIONS)
    security = envelope.find(f"{{{soap_ns}}}Header/{{{ns.WSSE}}}Security")
    assert security is not None and security.get(f"{{{soap_ns}}}mustUnderstand") == must
    children = [etree.QName(c).localname for c in security]
    assert children == ["Timestamp", "Assertion"]
    created = security.findtext(f"{{{ns.WSU}}}Timestamp/{{{ns.WSU}}}Created")
    expires = security.findtext(f"{{{ns.WSU}}}Timestamp/{{{ns.WSU}}}Expires")
    assert (created, expires) == ("2026-11-23T12:00:00.000Z", "2026-11-23T12:05:00.000Z")


def test_token_bytes_reach_the_wire_exactly(saml_issuer: SamlIssuer) -> None:
    token = saml_issuer.issue(subject="alice", now=NOW, attributes={"role": ["a", "b"]})
    envelope, _ = _plugin(token).egress(_envelope(), {}, None, OPTIONS)
    assert token in etree.tostring(envelope)  # zeep serializes the envelope with etree.tostring


def test_token_with_clashing_prefixes_keeps_its_own_declarations() -> None:
    token = b'<soap-env:T xmlns:soap-env="urn:not-soap"><soap-env:x>1</soap-env:x></soap-env:T>'
    envelope, _ = _plugin(token).egress(_envelope(), {}, None, OPTIONS)
    assert token in etree.tostring(envelope)


def test_timestamp_usage_never_omits_the_timestamp(saml_issuer: SamlIssuer) -> None:
    plugin = _plugin(saml_issuer.issue(subject="a"), {SecurityProperty.TIMESTAMP_USAGE: SecurityTimestampUsage.NEVER})
    envelope, _ = plugin.egress(_envelope(), {}, None, OPTIONS)
    assert [etree.QName(c).localname for c in envelope.find(f".//{{{ns.WSSE}}}Security")] == ["Assertion"]


def test_the_plugin_keeps_its_own_copy_of_the_token(saml_issuer: SamlIssuer) -> None:
    token = create_xml_security_token(saml_issuer.issue(subject="alice"))
    plugin = SecurityPlugin(SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)]))
    token.free()  # WWSAPI: the app may free its token once the channel is created
    envelope, _ = plugin.egress(_envelope(), {}, None, OPTIONS)
    assert envelope.find(f".//{{{ns.SAML2}}}Assertion") is not None


@pytest.mark.parametrize("binding", [TcpSspiTransportSecurityBinding(), NamedPipeSspiTransportSecurityBinding()])
def test_sspi_transports_are_refused_by_the_client_adapter(binding: Any) -> None:
    with pytest.raises(UnsupportedBinding, match="not available over HTTP"):
        SecurityPlugin(SecurityDescription([binding]))
