"""The STS under attack: the same parser, header and hygiene attacks, aimed at token requests.

A valid WS-Trust 1.3 request (UsernameToken over HTTPS) is changed one way per test. The STS
must answer each with exactly one of its generic WS-Trust faults, log no exception, and never
put the password, token material or a multi-line or unbounded line in its log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sts_setup import password_check, username_sts_description
from support import post

from samples.server import serve
from security.harness import (
    AUDIENCE,
    NOW,
    SUBJECT,
    LogCapture,
    World,
    assert_clean_log_text,
    capturing_logs,
    find,
    security_of,
)
from spyne_wsbind.sts import SecurityTokenService
from wsbind import (
    SecurityDescription,
    SecurityKeyType,
    SslTransportSecurityBinding,
    StringUsernameCredential,
    TrustVersion,
    UsernameMessageSecurityBinding,
)
from wsbind.errors import TrustFaultCode
from wsbind.outgoing import OutgoingSecurity
from wsbind.soap import namespaces as ns
from wsbind.soap.envelope import build_envelope
from wsbind.soap.xmlparse import parse_xml
from wsbind.trust.client import prepare_request
from wsbind.trust.params import RequestSecurityTokenParameters
from wsbind.trust.server import build_trust_fault

PASSWORD = "correct-horse-battery"
WST13 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
WST2005 = "http://schemas.xmlsoap.org/ws/2005/02/trust"


@dataclass
class Sts:
    url: str
    ca: Path
    log: LogCapture
    secret_file: Path


@pytest.fixture(scope="module")
def sts(world: World, tls: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sts]:
    service = SecurityTokenService(
        world.saml, relying_parties={AUDIENCE: world.relying_party.certificate}, clock=lambda: NOW
    )
    description = username_sts_description(password_check({SUBJECT: PASSWORD}))
    secret_file = tmp_path_factory.mktemp("sts-secret") / "secret.txt"
    secret_file.write_text("file-content-an-entity-must-never-read")
    with capturing_logs() as capture, serve(service.wsgi_app(description), (tls["cert"], tls["key"])) as url:
        yield Sts(url, tls["ca"], capture, secret_file)


def request(url: str, password: str = PASSWORD, username: str = SUBJECT) -> bytes:
    """A valid WS-Trust 1.3 bearer request over SOAP 1.2, signed in with a UsernameToken at NOW."""
    params = RequestSecurityTokenParameters(
        applies_to=AUDIENCE, trust_version=TrustVersion.V1_3, issued_token_key_type=SecurityKeyType.NONE
    )
    prepared = prepare_request(params)
    envelope = build_envelope(ns.SOAP12, prepared.body, action=prepared.action, to=url)
    binding = UsernameMessageSecurityBinding(client_credential=StringUsernameCredential(username, password))
    OutgoingSecurity(SecurityDescription([SslTransportSecurityBinding(), binding]), clock=lambda: NOW).apply(
        envelope, url
    )
    return etree.tostring(envelope)


def ask(sts: Sts, message: bytes) -> TrustFaultCode | str:
    """POST; the issued token's subject, or the fault code, after checking fault and log hygiene."""
    sts.log.records.clear()
    status, _code, body = post(sts.url, message, sts.ca, soap12=True)
    for record in sts.log.records:
        assert record.exc_info is None, sts.log.text()
        text = record.getMessage()
        assert_clean_log_text(text)
        assert PASSWORD not in text and "file-content" not in text, text
    assert PASSWORD.encode() not in body and b"file-content" not in body
    if status == 200:
        name_ids = [e.text for e in parse_xml(body).iter(f"{{{ns.SAML2}}}NameID")]
        assert len(name_ids) == 1, body
        return str(name_ids[0])
    assert status == 500, (status, body)
    generic = {
        _canonical(build_trust_fault(ns.SOAP12, trust_ns, code)): code
        for trust_ns in (WST13, WST2005)
        for code in TrustFaultCode
    }
    assert _canonical(body) in generic, f"not a generic WS-Trust fault: {body!r}"
    return generic[_canonical(body)]


def _canonical(document: bytes) -> bytes:
    """The STS writes faults through spyne or the handler: the same XML, different declarations."""
    return etree.tostring(parse_xml(document), method="c14n")


Change = Callable[[bytes, Sts], bytes]


def _doctype(subset: str) -> Change:
    def change(message: bytes, sts: Sts) -> bytes:
        return f"<!DOCTYPE Envelope [{subset.format(file=sts.secret_file)}]>".encode() + message

    return change


def _entity_in_username(message: bytes, sts: Sts) -> bytes:
    head = f'<!DOCTYPE e [<!ENTITY who SYSTEM "file://{sts.secret_file}">]>'.encode()
    return head + message.replace(f">{SUBJECT}<".encode(), b">&who;<", 1)


def _nested(depth: int) -> Change:
    def change(message: bytes, sts: Sts) -> bytes:
        return message.replace(b"</wst:RequestSecurityToken>", b"<a>" * depth + b"</a>" * depth + b"</wst:Request", 1)

    return change


def _tree(edit: Callable[[etree._Element], None]) -> Change:
    def change(message: bytes, sts: Sts) -> bytes:
        root = etree.fromstring(message)
        edit(root)
        return etree.tostring(root)

    return change


def _two_security_headers(root: etree._Element) -> None:
    security = security_of(root)
    security.addnext(etree.fromstring(etree.tostring(security)))


def _xinclude_in_rst(path: Path) -> Callable[[etree._Element], None]:
    def edit(root: etree._Element) -> None:
        rst = find(root, "//*[local-name()='RequestSecurityToken']")
        include = etree.SubElement(rst, "{http://www.w3.org/2001/XInclude}include")
        include.set("href", f"file://{path}")
        include.set("parse", "text")

    return edit


def _long_applies_to(root: etree._Element) -> None:
    address = find(root, "//*[local-name()='AppliesTo']//*[local-name()='Address']")
    address.text = "https://elsewhere.example/" + "long-" * 10_000 + "\nFORGED log line"


LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))

ATTACKS: dict[str, tuple[Change, set[TrustFaultCode]]] = {
    "sts-doctype-internal-entity": (_doctype('<!ENTITY x "alice">'), {TrustFaultCode.INVALID_REQUEST}),
    "sts-external-entity-file": (_doctype('<!ENTITY x SYSTEM "file://{file}">'), {TrustFaultCode.INVALID_REQUEST}),
    "sts-external-entity-in-username": (_entity_in_username, {TrustFaultCode.INVALID_REQUEST}),
    "sts-billion-laughs": (_doctype('<!ENTITY l0 "ha">' + LAUGHS), {TrustFaultCode.INVALID_REQUEST}),
    "sts-depth-bomb": (_nested(5_000), {TrustFaultCode.INVALID_REQUEST}),
    "sts-size-bomb": (lambda m, s: m.replace(b"<wst:Request", b"<big>" + b"x" * 1_100_000 + b"</big><wst:Request", 1),
                      {TrustFaultCode.INVALID_REQUEST}),
    "sts-two-security-headers": (_tree(_two_security_headers), {TrustFaultCode.INVALID_REQUEST}),
    "sts-unknown-relying-party-with-forged-log-line": (_tree(_long_applies_to), {TrustFaultCode.INVALID_REQUEST}),
    "sts-not-xml": (lambda m, s: b'{"RequestSecurityToken": "please"}', {TrustFaultCode.INVALID_REQUEST}),
}


def test_the_valid_request_gets_a_token(sts: Sts) -> None:
    assert ask(sts, request(sts.url)) == SUBJECT


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_sts_refuses(sts: Sts, name: str) -> None:
    change, codes = ATTACKS[name]
    answer = ask(sts, change(request(sts.url), sts))
    assert answer in codes, f"{name}: {answer!r}"


def test_wrong_password_is_refused_and_never_logged(sts: Sts) -> None:
    assert ask(sts, request(sts.url, password="wrong-" + PASSWORD)) is TrustFaultCode.FAILED_AUTHENTICATION
    assert "wrong-" not in sts.log.text()


def test_a_huge_user_name_is_refused_and_logged_bounded(sts: Sts) -> None:
    assert ask(sts, request(sts.url, username="mallory\n" * 20_000)) is TrustFaultCode.FAILED_AUTHENTICATION


def test_xinclude_is_never_processed(sts: Sts) -> None:
    """XInclude is a processing step, not parsing: nobody runs it, so the file stays unread
    (ask() checks its content appears nowhere) whatever the STS makes of the unknown element."""
    answer = ask(sts, _tree(_xinclude_in_rst(sts.secret_file))(request(sts.url), sts))
    assert answer in (SUBJECT, TrustFaultCode.INVALID_REQUEST)


def test_an_expired_request_is_refused(sts: Sts, world: World) -> None:
    root = etree.fromstring(request(sts.url))
    expires = find(root, "//wsu:Timestamp/wsu:Expires")
    created = find(root, "//wsu:Timestamp/wsu:Created")
    stale = (NOW - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    created.text = expires.text = stale
    assert ask(sts, etree.tostring(root)) in (TrustFaultCode.FAILED_AUTHENTICATION, TrustFaultCode.INVALID_REQUEST)
