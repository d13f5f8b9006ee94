"""MessageLimits on the description: size, depth, header elements and assertion lifetime."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import Starter
from lxml import etree
from signxml import SignatureConstructionMethod, XMLSigner
from support import Issuer, envelope, post
from test_interop import S2, Window, unsigned_saml2

from wsbind import (
    CertSignedSamlAuthenticator,
    FaultCode,
    MessageLimits,
    MessageVerifier,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SecurityVerificationError,
    SslTransportSecurityBinding,
    TransportFacts,
)
from wsbind.saml.issuer import SamlIssuer
from wsbind.soap import namespaces as ns

HTTPS = TransportFacts(is_https=True)


def description(issuer: Issuer, **limits: Any) -> SecurityDescription:
    return SecurityDescription(
        [SslTransportSecurityBinding(), SamlMessageSecurityBinding(CertSignedSamlAuthenticator([issuer.certificate]))],
        limits=MessageLimits(**limits),
    )


def refusal(issuer: Issuer, data: bytes, **limits: Any) -> SecurityVerificationError:
    with pytest.raises(SecurityVerificationError) as caught:
        MessageVerifier(description(issuer, **limits)).verify(data, HTTPS)
    return caught.value


@pytest.mark.parametrize(
    "bad",
    [
        {"max_bytes": 0},
        {"max_depth": -1},
        {"max_header_elements": True},
        {"max_header_elements": 1.5},
        {"max_assertion_lifetime": timedelta(0)},
        {"max_assertion_lifetime": 3600},
    ],
)
def test_limits_must_make_sense(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="MessageLimits"):
        MessageLimits(**bad)


def test_description_takes_only_message_limits() -> None:
    with pytest.raises(TypeError, match="MessageLimits"):
        SecurityDescription([SslTransportSecurityBinding()], limits={"max_bytes": 10})  # type: ignore[arg-type]


def test_defaults_are_internet_safe() -> None:
    limits = SecurityDescription([SslTransportSecurityBinding()]).limits
    assert (limits.max_bytes, limits.max_depth, limits.max_header_elements) == (1024 * 1024, 64, 32)
    assert limits.max_assertion_lifetime == timedelta(hours=24)


def test_message_size(issuer: Issuer, saml_issuer: SamlIssuer) -> None:
    data = envelope(saml_issuer.issue(subject="alice"))
    assert refusal(issuer, data, max_bytes=len(data) - 1).reason == "unreadable-xml"
    assert MessageVerifier(description(issuer, max_bytes=len(data))).verify(data, HTTPS).saml_assertion is not None


def test_depth(issuer: Issuer, saml_issuer: SamlIssuer) -> None:
    data = envelope(saml_issuer.issue(subject="alice"))
    assert refusal(issuer, data, max_depth=5).reason == "unreadable-xml"


def _with_header_elements(data: bytes, extra: int) -> bytes:
    root = etree.fromstring(data)
    header = root.find(f"{{{ns.SOAP11}}}Header")
    assert header is not None
    for i in range(extra):
        etree.SubElement(header, f"{{urn:noise}}h{i}")
    return etree.tostring(root)


def test_header_elements(issuer: Issuer, saml_issuer: SamlIssuer) -> None:
    # wsse:Security + its Timestamp + the assertion = 3 elements, plus the noise.
    data = _with_header_elements(envelope(saml_issuer.issue(subject="alice")), 30)
    assert refusal(issuer, data).reason == "too-many-header-elements"
    accepted = MessageVerifier(description(issuer, max_header_elements=33)).verify(data, HTTPS)
    assert accepted.saml_assertion is not None


def test_assertion_lifetime(issuer: Issuer, saml_issuer: SamlIssuer) -> None:
    long_lived = envelope(saml_issuer.issue(subject="alice", lifetime=timedelta(hours=25)))
    error = refusal(issuer, long_lived)
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "lifetime-too-long")
    allowed = MessageVerifier(description(issuer, max_assertion_lifetime=timedelta(hours=25)))
    assert allowed.verify(long_lived, HTTPS).saml_assertion is not None


def test_assertion_without_expiry_is_refused(issuer: Issuer) -> None:
    """An assertion with no NotOnOrAfter would be valid forever."""
    unsigned = unsigned_saml2("_forever", Window.around_now())
    conditions = unsigned.find(f"{S2}Conditions")
    assert conditions is not None
    del conditions.attrib["NotOnOrAfter"]
    signer = XMLSigner(SignatureConstructionMethod.enveloped, "rsa-sha256", "sha256", ns.C14N_EXCLUSIVE)
    token = etree.tostring(signer.sign(unsigned, key=issuer.key_file.read_bytes(), cert=issuer.cert_file.read_text()))
    assert refusal(issuer, envelope(token)).reason == "lifetime-too-long"


def test_limits_hold_over_http(start_service: Starter, issuer: Issuer, tls: dict[str, Path]) -> None:
    """The handler reads no more than max_bytes of a body and answers with a fault."""
    small = description(issuer, max_bytes=2048)
    with start_service(small) as url:
        status, _, body = post(url, b"<x>" + b" " * 4096 + b"</x>", tls["ca"])
    assert status == 500 and b"wsse:InvalidSecurity" in body


def test_now_is_not_a_limit(issuer: Issuer, saml_issuer: SamlIssuer) -> None:
    """A short-lived token issued now passes with the defaults (guards against inverted checks)."""
    token = saml_issuer.issue(subject="alice", now=datetime.now(timezone.utc), lifetime=timedelta(minutes=5))
    assert MessageVerifier(description(issuer)).verify(envelope(token), HTTPS).saml_assertion is not None
