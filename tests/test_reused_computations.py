"""What the client and handler reuse between messages gives the same bytes as computing it afresh.

The plugin now copies a token's parsed element instead of parsing its bytes for every message,
copies a Timestamp template instead of building one, and remembers the last https:// address;
the handler remembers the charsets of the Content-Types it has seen. Each is checked here
against the plain computation it replaces.
"""

from __future__ import annotations

import datetime as dt
import email.message
import re
import threading
import uuid
from typing import Any

import pytest
from lxml import etree

from spyne_wsbind import handler as spyne_handler
from wsbind import (
    InsecureTransport,
    RawSymmetricSecurityKeyHandle,
    SecurityDescription,
    SecurityProperty,
    SecurityTimestampUsage,
    SslTransportSecurityBinding,
    StringUsernameCredential,
    TokenFreed,
    UsernameMessageSecurityBinding,
    XmlTokenMessageSecurityBinding,
    create_xml_security_token,
)
from wsbind.outgoing import OutgoingSecurity
from wsbind.saml.issuer import SamlIssuer
from wsbind.soap import namespaces as ns
from wsbind.soap.timeutil import format_xs_datetime
from wsbind.soap.xmlparse import parse_xml
from wsbind.trust.client import saml_token_reference
from wsbind.wss import timestamp as timestamp_module
from wsbind.wss.header import SecurityHeaderTemplate
from wsbind.wss.tokens import XmlSecurityToken, XmlTokenSource

NOW = dt.datetime(2026, 11, 23, 12, 0, 0, 123456, tzinfo=dt.timezone.utc)
ADDRESS = "https://127.0.0.1:8443/svc"
FIVE = dt.timedelta(minutes=5)
FIXED_ID = "0f1e2d3c-4b5a-4697-8877-665544332211"


def _reference_secure(envelope: etree._Element, tokens: list[bytes], now: dt.datetime | None) -> None:
    """What OutgoingSecurity.apply did before issue 5, step by step (bearer tokens)."""
    soap_ns = etree.QName(envelope).namespace
    header = envelope.find(f"{{{soap_ns}}}Header")
    if header is None:
        header = etree.Element(f"{{{soap_ns}}}Header")
        envelope.insert(0, header)
    security = header.find(f"{{{ns.WSSE}}}Security")
    if security is None:
        security = etree.SubElement(header, f"{{{ns.WSSE}}}Security", nsmap={"wsse": ns.WSSE})
    security.set(f"{{{soap_ns}}}mustUnderstand", "1" if soap_ns == ns.SOAP11 else "true")
    if now is not None and security.find(f"{{{ns.WSU}}}Timestamp") is None:
        timestamp = etree.Element(f"{{{ns.WSU}}}Timestamp", nsmap={"wsu": ns.WSU})
        timestamp.set(f"{{{ns.WSU}}}Id", f"TS-{FIXED_ID}")
        etree.SubElement(timestamp, f"{{{ns.WSU}}}Created").text = format_xs_datetime(now)
        etree.SubElement(timestamp, f"{{{ns.WSU}}}Expires").text = format_xs_datetime(now + dt.timedelta(minutes=5))
        security.insert(0, timestamp)
    for token in tokens:
        security.append(parse_xml(token))


ENVELOPES = {
    "soap11-no-header": f'<e:Envelope xmlns:e="{ns.SOAP11}"><e:Body><x:op xmlns:x="urn:x"/></e:Body></e:Envelope>',
    "soap12-no-header": f'<e:Envelope xmlns:e="{ns.SOAP12}"><e:Body><x:op xmlns:x="urn:x"/></e:Body></e:Envelope>',
    "empty-header": f'<e:Envelope xmlns:e="{ns.SOAP11}"><e:Header/><e:Body/></e:Envelope>',
    "header-with-to": (
        f'<e:Envelope xmlns:e="{ns.SOAP11}"><e:Header><a:To xmlns:a="{ns.WSA}">urn:to</a:To></e:Header>'
        "<e:Body/></e:Envelope>"
    ),
    "root-declares-wsse-wsu-saml-ds": (
        f'<e:Envelope xmlns:e="{ns.SOAP11}" xmlns:wsse="{ns.WSSE}" xmlns:u="{ns.WSU}" '
        f'xmlns:saml="{ns.SAML2}" xmlns:ds="{ns.DS}" xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        "<e:Body/></e:Envelope>"
    ),
    "root-declares-ds-only": (f'<e:Envelope xmlns:e="{ns.SOAP11}" xmlns:ds="{ns.DS}"><e:Body/></e:Envelope>'),
    "wsse-prefix-bound-elsewhere": (
        f'<e:Envelope xmlns:e="{ns.SOAP11}" xmlns:wsse="urn:not-wss" xmlns:wsu="urn:not-wsu">'
        "<e:Header><wsse:Other/></e:Header><e:Body/></e:Envelope>"
    ),
    "default-namespace": (f'<Envelope xmlns="{ns.SOAP12}"><Header><x xmlns="urn:x"/></Header><Body/></Envelope>'),
    "header-declares-wsu": (
        f'<e:Envelope xmlns:e="{ns.SOAP11}"><e:Header xmlns:u="{ns.WSU}"><x u:Id="h" xmlns="urn:x"/></e:Header>'
        "<e:Body/></e:Envelope>"
    ),
    "token-namespace-as-default": (f'<e:Envelope xmlns:e="{ns.SOAP11}" xmlns="urn:t"><e:Body/></e:Envelope>'),
    "existing-security": (
        f'<e:Envelope xmlns:e="{ns.SOAP11}"><e:Header><s:Security xmlns:s="{ns.WSSE}"><x xmlns="urn:x"/>'
        "</s:Security></e:Header><e:Body/></e:Envelope>"
    ),
    "existing-timestamp": (
        f'<e:Envelope xmlns:e="{ns.SOAP12}"><e:Header><s:Security xmlns:s="{ns.WSSE}">'
        f'<u:Timestamp xmlns:u="{ns.WSU}"><u:Created>2026-01-01T00:00:00Z</u:Created></u:Timestamp>'
        "</s:Security></e:Header><e:Body/></e:Envelope>"
    ),
}


# Envelopes the prebuilt header applies to; the others take the long way (both must match the reference).
TEMPLATE_APPLIES = {
    "soap11-no-header",
    "soap12-no-header",
    "empty-header",
    "header-with-to",
    "root-declares-ds-only",
    "wsse-prefix-bound-elsewhere",
    "default-namespace",
}


@pytest.fixture
def fixed_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timestamp_module, "_uuid4", lambda: FIXED_ID)


def _outgoing(
    tokens: list[XmlSecurityToken | XmlTokenSource], properties: dict[Any, Any] | None = None
) -> OutgoingSecurity:
    bindings: list[Any] = [SslTransportSecurityBinding()]
    bindings += [XmlTokenMessageSecurityBinding(token) for token in tokens]
    return OutgoingSecurity(SecurityDescription(bindings, properties), clock=lambda: NOW)


@pytest.mark.parametrize("name", sorted(ENVELOPES))
@pytest.mark.parametrize("timestamps", [True, False], ids=["timestamp", "no-timestamp"])
def test_fast_path_sends_the_same_bytes(saml_issuer: SamlIssuer, fixed_id: None, name: str, timestamps: bool) -> None:
    # Tokens with comments, a declaration and odd prefixes stress the parsed-element cache.
    first = saml_issuer.issue(subject="alice", now=NOW, attributes={"role": ["a", "b"]})
    second = b'<?xml version="1.0" encoding="utf-8"?>\n <t:Other xmlns:t="urn:t"><!-- c --><t:v>1</t:v></t:Other> '
    # Declares the WSS namespace itself, as a UsernameToken does: dropped under wsse:Security either way.
    third = f'<wsse:Extra xmlns:wsse="{ns.WSSE}" xmlns:e="urn:not-soap"><e:x/></wsse:Extra>'.encode()
    usage = SecurityTimestampUsage.ALWAYS if timestamps else SecurityTimestampUsage.NEVER
    tokens = [create_xml_security_token(t) for t in (first, second, third)]
    outgoing = _outgoing(list(tokens), {SecurityProperty.TIMESTAMP_USAGE: usage})
    for _ in range(3):  # the first message fills the cache, later ones copy from it
        fast = etree.fromstring(ENVELOPES[name])
        outgoing.apply(fast, ADDRESS)
        slow = etree.fromstring(ENVELOPES[name])
        _reference_secure(slow, [t.xml for t in tokens], NOW if timestamps else None)
        assert etree.tostring(fast) == etree.tostring(slow)
    template = SecurityHeaderTemplate(tokens, timestamp=timestamps)
    applied = template.apply(
        etree.fromstring(ENVELOPES[name]), now=NOW if timestamps else None, timestamp_validity=FIVE
    )
    expected = name in TEMPLATE_APPLIES or (name == "header-declares-wsu" and not timestamps)  # wsu only with one
    assert (applied is not None) == expected


def test_template_declines_what_it_was_not_built_for(saml_issuer: SamlIssuer) -> None:
    tokens = [create_xml_security_token(saml_issuer.issue(subject="alice", now=NOW))]
    with_timestamp = SecurityHeaderTemplate(tokens, timestamp=True)
    envelope = etree.fromstring(ENVELOPES["soap11-no-header"])
    assert with_timestamp.apply(envelope, now=None, timestamp_validity=FIVE) is None
    assert SecurityHeaderTemplate(tokens, timestamp=False).apply(envelope, now=NOW, timestamp_validity=FIVE) is None
    assert etree.tostring(envelope) == ENVELOPES["soap11-no-header"].encode()  # declining changes nothing
    for name in ("root-declares-wsse-wsu-saml-ds", "header-declares-wsu", "existing-security"):
        envelope = etree.fromstring(ENVELOPES[name])
        assert with_timestamp.apply(envelope, now=NOW, timestamp_validity=FIVE) is None
        assert etree.tostring(envelope) == etree.tostring(etree.fromstring(ENVELOPES[name]))


def test_template_copies_are_independent(saml_issuer: SamlIssuer, fixed_id: None) -> None:
    token = saml_issuer.issue(subject="alice", now=NOW)
    template = SecurityHeaderTemplate([create_xml_security_token(token)], timestamp=True)
    first = etree.fromstring(ENVELOPES["soap11-no-header"])
    security = template.apply(first, now=NOW, timestamp_validity=FIVE)
    assert security is not None
    security.append(etree.Element("junk"))
    security[1].set("changed", "yes")
    second = etree.fromstring(ENVELOPES["soap11-no-header"])
    template.apply(second, now=NOW + FIVE, timestamp_validity=FIVE)
    assert token in etree.tostring(second) and b"junk" not in etree.tostring(second)
    created = second.findtext(f".//{{{ns.WSU}}}Created")
    assert created == format_xs_datetime(NOW + FIVE)


def test_username_token_and_holder_of_key_proof_through_the_template(saml_issuer: SamlIssuer, fixed_id: None) -> None:
    assertion = saml_issuer.issue(subject="alice", now=NOW)
    token = create_xml_security_token(
        assertion, RawSymmetricSecurityKeyHandle(b"k" * 32), attached_reference=saml_token_reference(assertion)
    )
    description = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            UsernameMessageSecurityBinding(client_credential=StringUsernameCredential("u", "p")),
            XmlTokenMessageSecurityBinding(token),
        ]
    )
    outgoing = OutgoingSecurity(description, clock=lambda: NOW)
    messages = []
    for _ in range(2):
        envelope = etree.fromstring(ENVELOPES["soap11-no-header"])
        outgoing.apply(envelope, ADDRESS)
        messages.append(etree.tostring(envelope))
    assert outgoing._templates[True] is not None
    security = etree.fromstring(messages[1]).find(f".//{{{ns.WSSE}}}Security")
    assert security is not None
    assert [etree.QName(c).localname for c in security] == ["Timestamp", "UsernameToken", "Assertion", "Signature"]
    assert assertion in messages[1]


def test_username_and_xml_tokens_match_the_reference_order(saml_issuer: SamlIssuer, fixed_id: None) -> None:
    token = saml_issuer.issue(subject="alice", now=NOW)
    description = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            UsernameMessageSecurityBinding(client_credential=StringUsernameCredential("u", "p")),
            XmlTokenMessageSecurityBinding(create_xml_security_token(token)),
        ]
    )
    envelope = etree.fromstring(ENVELOPES["soap11-no-header"])
    OutgoingSecurity(description, clock=lambda: NOW).apply(envelope, ADDRESS)
    security = envelope.find(f"{{{ns.SOAP11}}}Header/{{{ns.WSSE}}}Security")
    assert security is not None
    assert [etree.QName(c).localname for c in security] == ["Timestamp", "UsernameToken", "Assertion"]
    assert token in etree.tostring(envelope)


def test_each_message_gets_its_own_token_element(saml_issuer: SamlIssuer) -> None:
    token = create_xml_security_token(saml_issuer.issue(subject="alice", now=NOW))
    first, second = token.element(), token.element()
    assert first is not second and etree.tostring(first) == etree.tostring(second) == token.xml
    first.set("changed", "yes")
    first.append(etree.Element("junk"))
    assert etree.tostring(token.element()) == token.xml  # edits to a message's copy never reach the token


def test_copies_share_one_parse_and_free_forgets_it(saml_issuer: SamlIssuer) -> None:
    token = create_xml_security_token(saml_issuer.issue(subject="alice", now=NOW))
    copy = token.copy()
    assert copy._tree is token._tree  # an IssuedTokenProvider hands out copies: they parse nothing again
    copy.free()
    assert copy._tree is None and copy.is_freed
    with pytest.raises(TokenFreed):
        copy.element()
    assert etree.tostring(token.element()) == token.xml  # the original is untouched


@pytest.mark.parametrize(
    "given",
    [
        etree.fromstring(b'<a:t xmlns:a="urn:a"><a:v>1</a:v></a:t>'),
        '<?xml version="1.0" encoding="utf-16"?><a:t xmlns:a="urn:a">\u00e9</a:t>',
        '<?xml version="1.0" encoding="iso-8859-1"?><a:t xmlns:a="urn:a">\xe9</a:t>'.encode("iso-8859-1"),
        b"  <a:t xmlns:a='urn:a'>x</a:t>\n",
    ],
    ids=["element", "str-utf16-declaration", "latin1-bytes", "whitespace"],
)
def test_every_kind_of_input_gives_an_element_of_its_bytes(given: Any) -> None:
    token = create_xml_security_token(given)
    assert etree.tostring(token.element()) == etree.tostring(parse_xml(token.xml))
    assert etree.tostring(token.copy().element()) == etree.tostring(parse_xml(token.xml))


def test_element_is_safe_across_threads(saml_issuer: SamlIssuer) -> None:
    token = create_xml_security_token(saml_issuer.issue(subject="alice", now=NOW)).copy()
    results: list[bytes] = []

    def work() -> None:
        for _ in range(50):
            results.append(etree.tostring(token.element()))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 200 and set(results) == {token.xml}


def test_timestamp_fields() -> None:
    timestamp = timestamp_module.build_timestamp(NOW, dt.timedelta(minutes=5))
    identifier = timestamp.get(f"{{{ns.WSU}}}Id")
    assert identifier is not None and identifier.startswith("TS-")
    parsed = uuid.UUID(identifier[3:])
    assert str(parsed) == identifier[3:] and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert [c.text for c in timestamp] == ["2026-11-23T12:00:00.123Z", "2026-11-23T12:05:00.123Z"]
    other = timestamp_module.build_timestamp(NOW, dt.timedelta(minutes=5))
    assert other.get(f"{{{ns.WSU}}}Id") != identifier and other is not timestamp
    assert len(timestamp_module._TEMPLATE) == 2 and not timestamp_module._TEMPLATE[0].text  # template untouched


@pytest.mark.parametrize(
    "value",
    [
        NOW,
        dt.datetime(2026, 1, 1, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
        dt.datetime(999, 12, 31, 1, 2, 3, tzinfo=dt.timezone.utc),
        dt.datetime(1000, 1, 1, tzinfo=dt.timezone.utc),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=dt.timezone.utc),
    ],
)
def test_timestamp_times_are_formatted_as_before(value: dt.datetime) -> None:
    assert timestamp_module._xs_datetime(value) == format_xs_datetime(value)


def test_https_check_still_runs_for_every_other_address(saml_issuer: SamlIssuer) -> None:
    outgoing = _outgoing([create_xml_security_token(saml_issuer.issue(subject="alice", now=NOW))])
    outgoing.apply(etree.fromstring(ENVELOPES["soap11-no-header"]), ADDRESS)
    outgoing.apply(etree.fromstring(ENVELOPES["soap11-no-header"]), ADDRESS)  # remembered
    for address in ("http://127.0.0.1:8443/svc", "", "HTTPS-not-a-url", ADDRESS.replace("https", "http")):
        with pytest.raises(InsecureTransport, match="R30"):
            outgoing.apply(etree.fromstring(ENVELOPES["soap11-no-header"]), address)
    outgoing.apply(etree.fromstring(ENVELOPES["soap11-no-header"]), "HTTPS://other.test/svc")


def test_fetched_tokens_are_still_freed_and_fixed_ones_kept(saml_issuer: SamlIssuer) -> None:
    handed_out: list[XmlSecurityToken] = []
    issued = create_xml_security_token(
        saml_issuer.issue(subject="alice", now=NOW),
        RawSymmetricSecurityKeyHandle(b"k" * 32),
        attached_reference=saml_token_reference(saml_issuer.issue(subject="alice", now=NOW)),
    )
    bearer = create_xml_security_token(saml_issuer.issue(subject="bob", now=NOW))

    class Source:
        key_type = issued.key_type

        def current_token(self, *, block: bool) -> XmlSecurityToken:
            handed_out.append(issued.copy())
            return handed_out[-1]

        async def aprefetch(self) -> None:
            return None

    outgoing = _outgoing([bearer, Source()])
    for _ in range(2):
        outgoing.apply(etree.fromstring(ENVELOPES["soap11-no-header"]), ADDRESS)
    assert len(handed_out) == 2 and all(token.is_freed for token in handed_out)
    assert not issued.is_freed and not outgoing._tokens[0].is_freed


@pytest.mark.parametrize(
    "content_type",
    [
        "text/xml; charset=utf-8",
        'text/xml; charset="UTF-8"',
        "application/soap+xml;charset=utf-16;action=x",
        "text/xml",
        "text/xml; charset=",
        "text/xml; charset*=utf-8''latin-1",
        "text/xml; a=b; charset=iso-8859-1; charset=utf-8",
        "text/xml; charset=" + "x" * 300,
    ],
)
def test_charset_cache_answers_as_the_parser_does(content_type: str) -> None:
    message = email.message.Message()
    message["Content-Type"] = content_type
    expected = message.get_param("charset")
    expected = expected if isinstance(expected, str) else None
    for _ in range(2):
        assert spyne_handler._charset(content_type) == expected
    assert spyne_handler._charset(None) is None and spyne_handler._charset("") is None


def test_long_content_types_are_not_kept() -> None:
    spyne_handler._cached_charset.cache_clear()
    spyne_handler._charset("text/xml; charset=utf-8; x=" + "y" * 500)
    assert spyne_handler._cached_charset.cache_info().currsize == 0
    spyne_handler._charset("text/xml; charset=utf-8")
    assert spyne_handler._cached_charset.cache_info().currsize == 1


def test_timestamp_id_shape_on_the_wire(saml_issuer: SamlIssuer) -> None:
    envelope = etree.fromstring(ENVELOPES["soap11-no-header"])
    _outgoing([create_xml_security_token(saml_issuer.issue(subject="alice", now=NOW))]).apply(envelope, ADDRESS)
    identifier = envelope.find(f".//{{{ns.WSU}}}Timestamp").get(f"{{{ns.WSU}}}Id")  # type: ignore[union-attr]
    assert re.fullmatch(r"TS-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", identifier or "")
