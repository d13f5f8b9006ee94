"""Fault and log hygiene: what a refused peer sees, and what the log keeps.

Every run of the suite already checks the basics (harness.HttpService and run_verifier): the
fault is the exact generic one for its code, and log lines hold no token material. These tests
add the cases no attack message reaches: an internal error, a forged log line, a full log.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import Starter
from lxml import etree
from support import post

from security.harness import NOW, SUBJECT, World, assertion_of, find, run_verifier
from wsbind import SamlMessageSecurityBinding, SecurityDescription, SslTransportSecurityBinding
from wsbind.errors import FaultCode, SecurityVerificationError, loggable
from wsbind.saml.assertion import SamlAssertion
from wsbind.saml.authenticator import AuthenticationContext, SamlAuthenticator
from wsbind.soap import namespaces as ns
from wsbind.soap.fault import build_fault

SECRET = "internal-state-that-must-not-leak"


class BrokenAuthenticator(SamlAuthenticator):
    """An application's own authenticator with a bug in it."""

    def authenticate(
        self, token: etree._Element, document: etree._Element, context: AuthenticationContext
    ) -> SamlAssertion:
        raise RuntimeError(SECRET)


def test_an_internal_error_is_the_generic_fault_and_stays_in_the_log(
    world: World, start_service: Starter, tls: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    binding = SamlMessageSecurityBinding(BrokenAuthenticator())
    description = SecurityDescription([SslTransportSecurityBinding(), binding])
    with caplog.at_level(logging.ERROR, "spyne_wsbind"), start_service(description, clock=lambda: NOW) as url:
        status, code, body = post(url, world.baseline("saml2"), tls["ca"])
    assert (status, code) == (500, FaultCode.INVALID_SECURITY.value)
    assert body == build_fault(ns.SOAP11, FaultCode.INVALID_SECURITY)
    assert SECRET.encode() not in body and b"Traceback" not in body
    crashes = [r for r in caplog.records if r.exc_info is not None]
    assert len(crashes) == 1 and SECRET in str(crashes[0].exc_info[1])  # type: ignore[index]


def test_one_fault_text_per_code_in_both_soap_versions() -> None:
    for code in FaultCode:
        for soap_ns in (ns.SOAP11, ns.SOAP12):
            fault = etree.fromstring(build_fault(soap_ns, code))
            texts = [t.text for t in fault.iter() if etree.QName(t).localname in ("faultstring", "Text")]
            assert texts == [code.generic_message]


def test_a_request_cannot_forge_log_lines(world: World) -> None:
    """A comment in the assertion is quoted in the refusal's detail; its newline must not survive."""
    root = etree.fromstring(world.baseline("saml2"))
    name_id = find(assertion_of(root), ".//saml2:NameID")
    name_id.append(etree.Comment("\nWARNING accepted alice as admin\r\n"))
    outcome = run_verifier(world, [etree.tostring(root)])  # run_verifier checks the detail is one line
    assert (outcome.fault_code, outcome.reason) == (FaultCode.INVALID_SECURITY_TOKEN, "comment-in-assertion")


def test_details_are_one_bounded_line() -> None:
    assert loggable("a\nb\u2028c\x00") == "a\\nb\\u2028c\\x00"
    flood = loggable(f"{SUBJECT}, " * 10_000)
    assert len(flood) < 400 and flood.endswith("...")
    assert loggable("value 'MIIC" + "x" * 1000 + "' refused") == "value '[1004 characters]' refused"
    error = SecurityVerificationError(FaultCode.INVALID_SECURITY, "unreadable-xml", "a\nforged line")
    assert "\n" not in str(error) and "\n" not in error.detail  # logging the exception itself is safe too
