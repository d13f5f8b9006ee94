"""Validity windows, subject confirmation data and SOAP processing attributes: the options, their
defaults and what an accepted assertion reports (the message attacks are in
tests/security/attacks_conditions.py), and why SOAP-encoding references must not reach spyne.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Starter
from lxml import etree
from security.attacks_semantics import edited_assertion
from security.harness import AUDIENCE, IDENTITY, ISSUER_NAME, NOW, PEER_ADDRESS, TO_ADDRESS, World, make_world
from spyne import Application
from spyne.protocol.soap import Soap11
from spyne.protocol.soap.soap11 import resolve_hrefs
from spyne.server.wsgi import WsgiApplication
from support import WhoAmIService, post

from wsbind import (
    CertSignedSamlAuthenticator,
    FaultCode,
    MessageVerifier,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SecurityProperty,
    SecurityVerificationError,
    SslTransportSecurityBinding,
    TransportFacts,
)
from wsbind.saml.assertion import SamlAssertion
from wsbind.soap import namespaces as ns
from wsbind.soap.envelope import check_processing_attributes, read_envelope
from wsbind.soap.xmlparse import parse_xml

S2 = f"{{{ns.SAML2}}}"
CONFIRMATION_DATA = f"{S2}Subject/{S2}SubjectConfirmation/{S2}SubjectConfirmationData"
OTHER_RECIPIENT = "https://other-rp.example.test/service"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("conditions-pki"))


def _authenticator(world: World, **options: Any) -> CertSignedSamlAuthenticator:
    return CertSignedSamlAuthenticator({ISSUER_NAME: world.issuer.certificate}, audiences=[AUDIENCE], **options)


def _description(world: World, properties: dict[Any, Any] | None = None, **options: Any) -> SecurityDescription:
    authenticator = _authenticator(world, **options)
    return SecurityDescription([SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator)], properties)


def _confirmation(**values: str) -> Callable[[etree._Element, World], None]:
    def change(assertion: etree._Element, world: World) -> None:
        data = assertion.find(CONFIRMATION_DATA)
        assert data is not None
        for name, value in values.items():
            data.set(name, value)

    return change


def _message(world: World, **confirmation: str) -> bytes:
    """A bearer request whose SubjectConfirmationData carries ``confirmation`` (re-signed by the STS)."""
    return world.envelope(edited_assertion(world, _confirmation(**confirmation)))


def _verify(description: SecurityDescription, message: bytes, peer: str | None = PEER_ADDRESS) -> SamlAssertion:
    verified = MessageVerifier(description, clock=lambda: NOW).verify(
        message, TransportFacts(is_https=True, charset="utf-8", remote_addr=peer)
    )
    assert verified.saml_assertion is not None
    return verified.saml_assertion


def _refusal(description: SecurityDescription, message: bytes, peer: str | None = PEER_ADDRESS) -> tuple[str, str]:
    with pytest.raises(SecurityVerificationError) as info:
        _verify(description, message, peer)
    return info.value.fault_code.value, info.value.reason


# -- recipients and check_address: options and defaults ---------------------------------------


def test_without_recipients_any_recipient_is_accepted(world: World) -> None:
    message = _message(world, Recipient=OTHER_RECIPIENT)
    assert _verify(_description(world), message).confirmation_recipient == OTHER_RECIPIENT
    refused = _refusal(_description(world, recipients=[TO_ADDRESS]), message)
    assert refused == (FaultCode.FAILED_AUTHENTICATION.value, "wrong-recipient")


def test_recipients_is_a_list_not_one_string(world: World) -> None:
    with pytest.raises(TypeError) as info:
        _authenticator(world, recipients=TO_ADDRESS)
    assert f"recipients=[{TO_ADDRESS!r}]" in str(info.value), "the message shows the fix"
    assert _authenticator(world, recipients=[TO_ADDRESS]).recipients == (TO_ADDRESS,)


def test_check_address_is_off_by_default(world: World) -> None:
    assert _authenticator(world).check_address is False
    message = _message(world, Address="10.9.8.7")
    assert _verify(_description(world), message).confirmation_address == "10.9.8.7"
    refused = _refusal(_description(world, check_address=True), message)
    assert refused == (FaultCode.FAILED_AUTHENTICATION.value, "wrong-address")


def test_check_address_without_a_peer_address_refuses(world: World) -> None:
    """An adapter that cannot tell where the request came from cannot confirm an Address."""
    message = _message(world, Address=PEER_ADDRESS)
    description = _description(world, check_address=True)
    assert _verify(description, message).confirmation_address == PEER_ADDRESS
    assert _refusal(description, message, peer=None) == (FaultCode.FAILED_AUTHENTICATION.value, "wrong-address")


def test_an_address_matches_its_ipv4_mapped_form(world: World) -> None:
    """A dual-stack server reports an IPv4 peer as ::ffff:a.b.c.d; it is the same address."""
    description = _description(world, check_address=True)
    message = _message(world, Address=PEER_ADDRESS)
    assert _verify(description, message, peer=f"::ffff:{PEER_ADDRESS}").confirmation_address == PEER_ADDRESS
    mapped = _message(world, Address=f"::ffff:{PEER_ADDRESS}")
    assert _verify(description, mapped).confirmation_address == f"::ffff:{PEER_ADDRESS}"
    assert _refusal(description, message, peer="::ffff:10.9.8.7")[1] == "wrong-address"


def test_an_assertion_without_address_is_accepted_from_anywhere(world: World) -> None:
    description = _description(world, check_address=True)
    assert _verify(description, world.envelope(world.issue()), peer="10.9.8.7").confirmation_address is None


def test_the_address_is_checked_on_every_presentation(world: World) -> None:
    """The validated-token cache remembers the signature, not the peer: a second presentation of
    the same assertion from another address is refused."""
    assertion = edited_assertion(world, _confirmation(Address=PEER_ADDRESS))
    description = _description(world, check_address=True)
    assert description.token_cache is not None
    verifier = MessageVerifier(description, clock=lambda: NOW)
    facts = TransportFacts(is_https=True, charset="utf-8", remote_addr=PEER_ADDRESS)
    assert verifier.verify(world.envelope(assertion), facts).saml_assertion is not None
    with pytest.raises(SecurityVerificationError) as info:
        verifier.verify(world.envelope(assertion), TransportFacts(is_https=True, remote_addr="10.9.8.7"))
    assert info.value.reason == "wrong-address"


def test_the_address_through_spyne_over_https(world: World, start_service: Starter, tls: dict[str, Path]) -> None:
    """A real service: the handler passes the peer's address (REMOTE_ADDR) to the check."""
    description = _description(world, recipients=[TO_ADDRESS], check_address=True)
    with start_service(description, clock=lambda: NOW) as url:
        status, code, body = post(url, _message(world, Address="127.0.0.1", Recipient=TO_ADDRESS), tls["ca"])
        assert status == 200, body
        assert b"alice|https://sts.example.test|reader|2.0" in body
        status, code, body = post(url, _message(world, Address="10.9.8.7"), tls["ca"])
        assert (status, code) == (500, FaultCode.FAILED_AUTHENTICATION.value)


# -- what an accepted assertion reports ---------------------------------------------------------


def test_accepted_confirmation_data_is_reported(world: World) -> None:
    message = _message(world, NotBefore="2026-05-01T11:59:00Z", Recipient=TO_ADDRESS, Address=PEER_ADDRESS)
    assertion = _verify(_description(world, recipients=[TO_ADDRESS], check_address=True), message)
    assert assertion.confirmation_not_before == NOW - timedelta(minutes=1)
    assert assertion.confirmation_not_on_or_after == NOW + timedelta(hours=1)
    assert assertion.confirmation_recipient == TO_ADDRESS
    assert assertion.confirmation_address == PEER_ADDRESS
    assert assertion.confirmation_in_response_to is None
    assert f"{assertion.subject_name_id}|{assertion.issuer}|reader" == IDENTITY


def test_assertion_times_with_offsets_are_reported_in_utc(world: World) -> None:
    def change(assertion: etree._Element, world: World) -> None:
        assertion.set("IssueInstant", "2026-05-01T08:00:00-04:00")
        conditions = assertion.find(f"{S2}Conditions")
        assert conditions is not None
        conditions.set("NotOnOrAfter", "2026-05-01T14:00:00+01:00")

    assertion = _verify(_description(world), world.envelope(edited_assertion(world, change)))
    assert assertion.issue_instant == NOW
    assert assertion.not_on_or_after == NOW + timedelta(hours=1)
    assert assertion.issue_instant.utcoffset() == timedelta(0)


def test_issued_in_future_follows_the_configured_skew(world: World) -> None:
    """IssueInstant may lead our clock by the skew, no more (three minutes: fine with the default
    five, refused with one)."""

    def change(assertion: etree._Element, world: World) -> None:
        assertion.set("IssueInstant", "2026-05-01T12:03:00Z")

    message = world.envelope(edited_assertion(world, change))
    assert _verify(_description(world), message).issue_instant == NOW + timedelta(minutes=3)
    tight = _description(world, {SecurityProperty.MAX_ALLOWED_CLOCK_SKEW: timedelta(minutes=1)})
    assert _refusal(tight, message) == (FaultCode.FAILED_AUTHENTICATION.value, "issued-in-future")


# -- why SOAP-encoding references are refused: what spyne does with them -------------------------

_ENVELOPE = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="urn:example" '
    'xmlns:t="urn:wsbind:test"><s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>'
)


def _spyne_tree(header: str, body: str) -> tuple[etree._Element, dict[str, etree._Element]]:
    """Parsed as spyne parses (etree.XMLID: every unqualified id is an ID)."""
    return etree.XMLID(_ENVELOPE.format(header=header, body=body).encode())


def _echo_through_spyne_alone(header: str, text: str) -> bytes:
    """Call echo on a spyne application with no security handler in front (in process, no HTTP);
    the lxml schema validator is off, as in many deployments."""
    app = WsgiApplication(
        Application([WhoAmIService], tns="urn:wsbind:test", in_protocol=Soap11(), out_protocol=Soap11())
    )
    body = _ENVELOPE.format(header=header, body=f"<t:echo>{text}</t:echo>").encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "text/xml; charset=utf-8",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
    }
    return b"".join(app(environ, lambda status, headers, exc_info=None: None))


def _refused_by_our_check(header: str, body: str) -> str:
    envelope = read_envelope(parse_xml(_ENVELOPE.format(header=header, body=body).encode()))
    with pytest.raises(SecurityVerificationError) as info:
        check_processing_attributes(envelope)
    return info.value.reason


def test_spyne_copies_a_referenced_element_over_the_referring_one() -> None:
    """The Body's argument is empty; spyne hands the service the header block's text instead."""
    header, text = '<x:Data id="d1">admin</x:Data>', '<t:text href="#d1"/>'
    answer = etree.fromstring(_echo_through_spyne_alone(header, text))
    assert answer.findtext(".//{urn:wsbind:test}echoResult") == "admin"
    root, ids = _spyne_tree(header, text)
    resolve_hrefs(root, ids)
    argument = root.find(".//{urn:wsbind:test}text")
    assert argument is not None and (argument.text, argument.get("id")) == ("admin", "d1")
    assert _refused_by_our_check(header, text) == "soap-encoding-reference"


def test_spyne_resolves_an_href_without_hash_once_an_id_exists() -> None:
    header, text = '<x:Data id="d1">admin</x:Data>', '<t:text href="d1"/>'
    answer = etree.fromstring(_echo_through_spyne_alone(header, text))
    assert answer.findtext(".//{urn:wsbind:test}echoResult") == "admin"
    assert _refused_by_our_check(header, text) == "soap-encoding-reference"


def test_spyne_recurses_without_end_on_a_reference_cycle() -> None:
    for header, body in (
        ('<x:Loop id="x"><x:again href="#x"/></x:Loop>', '<x:user href="#x"/>'),
        ('<x:A id="a"><x:n href="#b"/></x:A><x:B id="b"><x:n href="#a"/></x:B>', '<x:user href="#a"/>'),
    ):
        root, ids = _spyne_tree(header, body)
        with pytest.raises(RecursionError):
            resolve_hrefs(root, ids)
        assert _refused_by_our_check(header, body) == "soap-encoding-reference"


def test_spyne_fails_on_a_dangling_reference_once_an_id_exists() -> None:
    header, body = '<x:Data id="d1"/>', '<x:user href="#nowhere"/>'
    root, ids = _spyne_tree(header, body)
    with pytest.raises(KeyError):
        resolve_hrefs(root, ids)
    assert _refused_by_our_check(header, body) == "soap-encoding-reference"


def test_spyne_ignores_an_href_when_no_element_has_an_id() -> None:
    """Why an href without '#' is let through when no unqualified id exists: spyne resolves nothing."""
    header, text = '<x:Link href="https://example.test/doc"/>', "<t:text>hello</t:text>"
    answer = etree.fromstring(_echo_through_spyne_alone(header, text))
    assert answer.findtext(".//{urn:wsbind:test}echoResult") == "hello"
    assert _spyne_tree(header, text)[1] == {}
    check_processing_attributes(read_envelope(parse_xml(_ENVELOPE.format(header=header, body=text).encode())))
