"""TrustChannel and request_security_token over real HTTPS (cheroot on 127.0.0.1).

The first part talks to a small scripted WSGI peer that records what arrived and answers with
given bytes, to pin down the wire shape and every way an answer can be broken. The second part
talks to the real STS (spyne_wsbind.sts.SecurityTokenService).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import Starter, server_description
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from sts_setup import basic_sts_description, password_check, username_sts_description
from support import Issuer

from samples.server import serve
from spyne_wsbind.sts import SecurityTokenService
from wsbind import (
    HttpHeaderAuthScheme,
    HttpHeaderAuthSecurityBinding,
    SecurityBindingProperty,
    SecurityDescription,
    SecurityKeyEntropyMode,
    SecurityKeyType,
    SslTransportSecurityBinding,
    StringUsernameCredential,
    StringWindowsIntegratedAuthCredential,
    TrustVersion,
    UsernameMessageSecurityBinding,
    XmlTokenMessageSecurityBinding,
)
from wsbind.errors import (
    InsecureTransport,
    SecurityTokenServiceFault,
    TokenRequestError,
    TrustFaultCode,
    TrustProtocolError,
    UnsupportedBinding,
)
from wsbind.saml.assertion import read_assertion
from wsbind.saml.issuer import SamlIssuer
from wsbind.soap import namespaces as ns
from wsbind.trust.protocol import trust_protocol
from wsbind.trust.server import build_trust_fault
from wsbind.wss.keys import RawSymmetricSecurityKeyHandle
from wsbind.wss.tokens import XmlSecurityToken
from zeep_wsbind.client import secure_client
from zeep_wsbind.provider import IssuedTokenProvider
from zeep_wsbind.trust_client import (
    ChannelState,
    ChannelStateError,
    TrustChannel,
    TrustChannelError,
    arequest_security_token,
    request_security_token,
)

RP = "https://rp.example.test/service"
WST13 = trust_protocol(TrustVersion.V1_3).namespace
WSTFEB = trust_protocol(TrustVersion.FEBRUARY_2005).namespace

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


@dataclass
class Answer:
    status: str = "200 OK"
    content_type: str = "application/soap+xml; charset=utf-8"
    chunks: Iterable[bytes] = ()
    length: bool = True  # send Content-Length (else chunked)


@dataclass
class Peer:
    """A WSGI peer that records each request and answers with ``answer``."""

    answer: Answer = field(default_factory=Answer)
    requests: list[tuple[Environ, bytes]] = field(default_factory=list)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        self.requests.append((dict(environ), environ["wsgi.input"].read(size)))
        chunks = list(self.answer.chunks)
        headers = [("Content-Type", self.answer.content_type)]
        if self.answer.length:
            headers.append(("Content-Length", str(sum(len(c) for c in chunks))))
        start_response(self.answer.status, headers)
        return chunks

    def fault(self, soap_ns: str, code: TrustFaultCode, status: str = "500 Internal Server Error") -> None:
        content_type = "text/xml; charset=utf-8" if soap_ns == ns.SOAP11 else "application/soap+xml; charset=utf-8"
        self.answer = Answer(status, content_type, [build_trust_fault(soap_ns, WSTFEB, code)])

    def reply(self, body: bytes, status: str = "200 OK", **options: Any) -> None:
        self.answer = Answer(status, chunks=[body], **options)


@pytest.fixture
def peer(tls: dict[str, Path]) -> Iterator[tuple[Peer, str]]:
    app = Peer()
    with serve(app, (tls["cert"], tls["key"])) as url:
        yield app, url + "sts"


def username_description(pw: str = "secret") -> SecurityDescription:
    return SecurityDescription(
        [SslTransportSecurityBinding(), UsernameMessageSecurityBinding(StringUsernameCredential("alice", pw))]
    )


def basic_description(pw: str = "secret") -> SecurityDescription:
    return SecurityDescription(
        [
            SslTransportSecurityBinding(),
            HttpHeaderAuthSecurityBinding(
                StringWindowsIntegratedAuthCredential("alice", pw),
                properties={SecurityBindingProperty.HTTP_HEADER_AUTH_SCHEME: HttpHeaderAuthScheme.BASIC},
            ),
        ]
    )


def channel_to(
    url: str, tls: dict[str, Path], description: SecurityDescription | None = None, **options: Any
) -> TrustChannel:
    return TrustChannel(url, description or username_description(), verify=str(tls["ca"]), **options)


def soap_envelope(body: bytes, soap_ns: str = ns.SOAP12) -> bytes:
    return f'<s:Envelope xmlns:s="{soap_ns}"><s:Body>'.encode() + body + b"</s:Body></s:Envelope>"


# ------------------------------------------------------------------------ the request on the wire


@pytest.mark.parametrize("soap_version", ["1.1", "1.2"])
def test_request_carries_username_timestamp_addressing_and_rst(
    peer: tuple[Peer, str], tls: dict[str, Path], soap_version: str
) -> None:
    app, url = peer
    soap_ns = ns.SOAP12 if soap_version == "1.2" else ns.SOAP11
    app.fault(soap_ns, TrustFaultCode.FAILED_AUTHENTICATION)
    with channel_to(url, tls, soap_version=soap_version) as channel:
        with pytest.raises(SecurityTokenServiceFault) as caught:
            request_security_token(channel, applies_to=RP, trust_version=TrustVersion.V1_3)
        # A SOAP fault is a well-formed refusal: the channel stays usable.
        assert channel.state is ChannelState.OPEN
    assert caught.value.code == "wst:FailedAuthentication"
    assert "could not be authenticated" in caught.value.reason or caught.value.reason
    [(environ, body)] = app.requests
    root = etree.fromstring(body)
    assert root.tag == f"{{{soap_ns}}}Envelope"
    action = trust_protocol(TrustVersion.V1_3).issue_action
    if soap_version == "1.2":
        assert environ["CONTENT_TYPE"].startswith("application/soap+xml")
        assert f'action="{action}"' in environ["CONTENT_TYPE"]
    else:
        assert environ["CONTENT_TYPE"].startswith("text/xml")
        assert environ["HTTP_SOAPACTION"] == f'"{action}"'
    header = root.find(f"{{{soap_ns}}}Header")
    assert header is not None
    assert header.findtext(f"{{{ns.WSA}}}Action") == action
    assert header.findtext(f"{{{ns.WSA}}}To") == url
    security = header.find(f"{{{ns.WSSE}}}Security")
    assert security is not None
    assert security[0].tag == f"{{{ns.WSU}}}Timestamp"
    assert security.findtext(f"{{{ns.WSSE}}}UsernameToken/{{{ns.WSSE}}}Username") == "alice"
    assert security.findtext(f"{{{ns.WSSE}}}UsernameToken/{{{ns.WSSE}}}Password") == "secret"
    rst = root.find(f"{{{soap_ns}}}Body/{{{WST13}}}RequestSecurityToken")
    assert rst is not None
    assert rst.findtext(f".//{{{ns.WSA}}}Address") == RP


def test_basic_auth_goes_in_the_authorization_header(peer: tuple[Peer, str], tls: dict[str, Path]) -> None:
    app, url = peer
    app.fault(ns.SOAP12, TrustFaultCode.REQUEST_FAILED)
    expected = "Basic " + base64.b64encode(b"alice:secret").decode()
    with channel_to(url, tls, basic_description()) as channel:
        with pytest.raises(SecurityTokenServiceFault):
            request_security_token(channel, applies_to=RP)

    async def main() -> None:
        async with channel_to(url, tls, basic_description()) as channel:
            with pytest.raises(SecurityTokenServiceFault):
                await arequest_security_token(channel, applies_to=RP)

    asyncio.run(main())
    assert [environ.get("HTTP_AUTHORIZATION") for environ, _ in app.requests] == [expected, expected]
    # No UsernameToken: the description has none, so nothing but the Basic header authenticates.
    assert all(b"UsernameToken" not in body for _, body in app.requests)


def test_bad_request_properties_fail_before_anything_is_sent(peer: tuple[Peer, str], tls: dict[str, Path]) -> None:
    app, url = peer
    with channel_to(url, tls) as channel:
        with pytest.raises(TokenRequestError, match=r"^R53"):
            request_security_token(channel, applies_to=RP, issued_token_key_type=SecurityKeyType.ASYMMETRIC)
        assert channel.state is ChannelState.OPEN
    assert app.requests == []


def test_r30_plain_http_is_refused_before_sending(tls: dict[str, Path]) -> None:
    with channel_to("http://127.0.0.1:9/sts", tls) as channel:
        with pytest.raises(InsecureTransport, match=r"^R30"):
            request_security_token(channel, applies_to=RP)
        assert channel.state is ChannelState.OPEN


def test_construction_checks_the_description_and_options(tls: dict[str, Path]) -> None:
    negotiate = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            HttpHeaderAuthSecurityBinding(
                StringWindowsIntegratedAuthCredential("alice", "pw"),
                properties={SecurityBindingProperty.HTTP_HEADER_AUTH_SCHEME: HttpHeaderAuthScheme.NEGOTIATE},
            ),
        ]
    )
    with pytest.raises(UnsupportedBinding, match="BASIC"):
        TrustChannel("https://127.0.0.1:9/", negotiate)
    with pytest.raises(ValueError, match="soap_version"):
        TrustChannel("https://127.0.0.1:9/", username_description(), soap_version="1.0")  # type: ignore[arg-type]


# ------------------------------------------------------------------------- channel states (R52)


def test_r52_created_channel(tls: dict[str, Path]) -> None:
    channel = channel_to("https://127.0.0.1:9/sts", tls)
    assert channel.state is ChannelState.CREATED
    with pytest.raises(ChannelStateError, match=r"^R52:.*CREATED.*open\(\)") as caught:
        request_security_token(channel, applies_to=RP)
    assert caught.value.rule == "R52"
    with pytest.raises(ChannelStateError, match=r"^R52:.*with TrustChannel"):
        asyncio.run(arequest_security_token(channel, applies_to=RP))


def test_r52_closed_channel_and_reopening(peer: tuple[Peer, str], tls: dict[str, Path]) -> None:
    app, url = peer
    app.fault(ns.SOAP12, TrustFaultCode.REQUEST_FAILED)
    channel = channel_to(url, tls)
    with channel:
        pass
    assert channel.state is ChannelState.CLOSED
    with pytest.raises(ChannelStateError, match=r"^R52:.*CLOSED.*open\(\)"):
        request_security_token(channel, applies_to=RP)
    assert app.requests == []
    channel.open()
    with pytest.raises(SecurityTokenServiceFault):
        request_security_token(channel, applies_to=RP)
    assert len(app.requests) == 1
    channel.close()


def test_open_twice_is_refused(tls: dict[str, Path]) -> None:
    with channel_to("https://127.0.0.1:9/sts", tls) as channel:
        with pytest.raises(ChannelStateError, match="already OPEN"):
            channel.open()


def test_network_error_faults_the_channel_then_r52_until_reopened(
    peer: tuple[Peer, str], tls: dict[str, Path]
) -> None:
    with serve(Peer(), (tls["cert"], tls["key"])) as gone:
        pass  # the server is stopped: its port now refuses connections
    channel = channel_to(gone + "sts", tls, timeout=5)
    channel.open()
    with pytest.raises(TrustChannelError, match="FAULTED"):
        request_security_token(channel, applies_to=RP)
    assert channel.state is ChannelState.FAULTED
    with pytest.raises(ChannelStateError, match=r"^R52:.*FAULTED.*close\(\)"):
        request_security_token(channel, applies_to=RP)
    with pytest.raises(ChannelStateError, match="FAULTED"):
        channel.open()
    channel.close()
    channel.open()
    assert ChannelState(channel.state) is ChannelState.OPEN  # (a call: mypy keeps no stale narrowing)
    channel.close()


def test_untrusted_tls_certificate_faults_the_channel(tls: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    app = Peer()
    with caplog.at_level(logging.INFO, logger="samples.server"), serve(app, (tls["cert"], tls["key"])) as url:
        channel = TrustChannel(url + "sts", username_description())  # system trust store: the test CA is unknown
        with channel:
            with pytest.raises(TrustChannelError):
                request_security_token(channel, applies_to=RP)
            assert channel.state is ChannelState.FAULTED
    assert app.requests == []
    # The server saw the client end the handshake; it says so in its log, not on stderr.
    assert any("UNKNOWN_CA" in record.getMessage() for record in caplog.records if record.name == "samples.server")


# ----------------------------------------------------------------------- broken answers fault it


BROKEN_ANSWERS = {
    "not-xml-200": ("200 OK", b"hello"),
    "html-500": ("500 Internal Server Error", b"<html><body>oops</body></html>"),
    "doctype": ("200 OK", b'<!DOCTYPE x [<!ENTITY a "b">]>' + soap_envelope(b"<x>&a;</x>")),
    "soap-not-fault-500": ("500 Internal Server Error", soap_envelope(b'<x xmlns="urn:x"/>')),
    "redirect": ("302 Found", b""),
}


@pytest.mark.parametrize("case", sorted(BROKEN_ANSWERS))
def test_unreadable_answer_faults_the_channel(peer: tuple[Peer, str], tls: dict[str, Path], case: str) -> None:
    app, url = peer
    status, body = BROKEN_ANSWERS[case]
    app.reply(body, status)
    with channel_to(url, tls) as channel:
        with pytest.raises(TrustChannelError, match="FAULTED"):
            request_security_token(channel, applies_to=RP)
        assert channel.state is ChannelState.FAULTED


@pytest.mark.parametrize(
    "body",
    [
        soap_envelope(b""),
        soap_envelope(f'<wst:RequestSecurityTokenResponse xmlns:wst="{WSTFEB}"/><x xmlns="urn:x"/>'.encode()),
        soap_envelope(f'<wst:RequestSecurityTokenResponse xmlns:wst="{WST13}"/>'.encode()),
    ],
    ids=["empty-body", "two-body-elements", "wrong-trust-version"],
)
def test_r57_answers_fault_the_channel(peer: tuple[Peer, str], tls: dict[str, Path], body: bytes) -> None:
    app, url = peer
    app.reply(body)
    with channel_to(url, tls) as channel:
        with pytest.raises(TrustProtocolError) as caught:
            request_security_token(channel, applies_to=RP)
        assert caught.value.rule == "R57"
        assert channel.state is ChannelState.FAULTED


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
def test_oversized_answer_is_refused_unread(
    tls: dict[str, Path], length: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app = Peer(Answer(chunks=[b"<" + b"x" * 65535] * 16 + [b"x"], length=length))  # 1 MiB + 1 byte

    async def main(url: str) -> None:
        async with channel_to(url, tls) as channel:
            with pytest.raises(TrustChannelError, match="max_response_bytes"):
                await arequest_security_token(channel, applies_to=RP)
            assert channel.state is ChannelState.FAULTED

    with caplog.at_level(logging.INFO, logger="samples.server"), serve(app, (tls["cert"], tls["key"])) as base:
        with channel_to(base + "sts", tls, max_response_bytes=1024 * 1024) as channel:
            with pytest.raises(TrustChannelError, match="max_response_bytes"):
                request_security_token(channel, applies_to=RP)
            assert channel.state is ChannelState.FAULTED
        asyncio.run(main(base + "sts"))
    # The client hangs up mid-answer on purpose: the server logs that as expected (INFO), with no traceback.
    server_lines = [record for record in caplog.records if record.name == "samples.server"]
    assert all(record.levelno < logging.WARNING and not record.exc_info for record in server_lines), server_lines


def test_async_network_error_faults_the_channel(tls: dict[str, Path]) -> None:
    with serve(Peer(), (tls["cert"], tls["key"])) as gone:
        pass

    async def main() -> ChannelState:
        async with channel_to(gone + "sts", tls, timeout=5) as channel:
            with pytest.raises(TrustChannelError, match="FAULTED"):
                await arequest_security_token(channel, applies_to=RP)
            return channel.state

    assert asyncio.run(main()) is ChannelState.FAULTED


# ============================================================================ the real STS

PASSWORDS = {"alice": "secret"}
ROLES = {"role": ["reader"]}


check_password = password_check(PASSWORDS)


class Gate:
    """WSGI middleware around the STS: counts requests and can make the STS slow."""

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.count = 0
        self.delay = 0.0
        self._lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            self.count += 1
        if self.delay:
            time.sleep(self.delay)
        return self.app(environ, start_response)


@dataclass
class Sts:
    url: str  # UsernameToken endpoint
    basic_url: str  # HTTP Basic endpoint
    gate: Gate


@pytest.fixture(scope="module")
def sts_server(tls: dict[str, Path], saml_issuer: SamlIssuer, relying_party: Issuer) -> Iterator[Sts]:
    sts = SecurityTokenService(
        saml_issuer, relying_parties={RP: relying_party.certificate}, claims=lambda user, rp: ROLES
    )
    by_username = sts.wsgi_app(username_sts_description(check_password))
    by_basic = sts.wsgi_app(basic_sts_description(check_password))

    def route(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        app = by_basic if environ["PATH_INFO"].startswith("/basic/") else by_username
        return app(environ, start_response)

    gate = Gate(route)
    with serve(gate, (tls["cert"], tls["key"])) as url:
        yield Sts(url + "adfs/services/trust/usernamemixed", url + "basic/trust", gate)


@pytest.fixture
def sts(sts_server: Sts) -> Sts:
    sts_server.gate.count = 0
    sts_server.gate.delay = 0.0
    return sts_server


SAML_TYPES = {"saml11": (ns.SAML11_TOKEN_TYPE, ns.SAML1, "1.1"), "saml20": (ns.SAML20_TOKEN_TYPE, ns.SAML2, "2.0")}
VERSIONS = {"feb2005": TrustVersion.FEBRUARY_2005, "trust13": TrustVersion.V1_3}


def proof_key_in(token: XmlSecurityToken, relying_party: Issuer) -> bytes:
    """The proof key as the STS put it in the assertion, decrypted with the relying party's key.

    SAML 1.1 repeats the subject (and its confirmation key) in each statement: all must agree.
    """
    path = f".//{{{ns.XENC}}}EncryptedKey/{{{ns.XENC}}}CipherData/{{{ns.XENC}}}CipherValue"
    values = token.element().findall(path)
    assert values
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303
    keys = {bytes(relying_party.private_key.decrypt(base64.b64decode(v.text or ""), oaep)) for v in values}
    assert len(keys) == 1
    return keys.pop()


def call_service(
    start_service: Starter, issuer: Issuer, relying_party: Issuer, tls: dict[str, Path], token: Any
) -> str:
    """Present ``token`` (a token or a token source) to a real SAML-secured service; return whoami."""
    server = server_description(issuer, decryption_cert=(relying_party.certificate, relying_party.private_key))
    client_side = SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)])
    with start_service(server) as url:
        return str(secure_client(url + "?wsdl", client_side, verify=str(tls["ca"])).service.whoami())


@pytest.mark.parametrize("saml", sorted(SAML_TYPES))
@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_bearer_token_from_the_sts_is_read_fully(sts: Sts, tls: dict[str, Path], version: str, saml: str) -> None:
    """What the RSTR says lands in the token; test_federation presents every kind to a service."""
    token_type, assertion_ns, saml_version = SAML_TYPES[saml]
    with channel_to(sts.url, tls) as channel:
        token = request_security_token(
            channel,
            applies_to=RP,
            trust_version=VERSIONS[version],
            issued_token_type=token_type,
            issued_token_key_type=SecurityKeyType.NONE,
        )
        assert channel.state is ChannelState.OPEN
    assert token.key is None and token.attached_reference is None
    assert token.element().tag == f"{{{assertion_ns}}}Assertion"
    assert token.valid_from is not None and token.valid_till is not None
    assert token.valid_till - token.valid_from == timedelta(hours=1)
    assert read_assertion(token.element()).version == saml_version


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_symmetric_key_with_server_entropy(
    sts: Sts, tls: dict[str, Path], relying_party: Issuer, version: str
) -> None:
    with channel_to(sts.url, tls) as channel:
        token = request_security_token(
            channel,
            applies_to=RP,
            trust_version=VERSIONS[version],
            issued_token_type=ns.SAML20_TOKEN_TYPE,
            issued_token_key_type=SecurityKeyType.SYMMETRIC,
            issued_token_key_entropy=SecurityKeyEntropyMode.SERVER_ONLY,
        )
    assert isinstance(token.key, RawSymmetricSecurityKeyHandle)
    assert len(token.key.key_bytes) == 32  # the STS's default 256 bits
    assert token.key.key_bytes == proof_key_in(token, relying_party)
    assert token.attached_reference is not None and b"KeyIdentifier" in token.attached_reference


@pytest.mark.parametrize("bits", [128, 256])
@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_combined_entropy_client_computes_the_stss_key(
    sts: Sts, tls: dict[str, Path], relying_party: Issuer, version: str, bits: int
) -> None:
    keys = []
    with channel_to(sts.url, tls) as channel:
        for _ in range(2):
            token = request_security_token(
                channel,
                applies_to=RP,
                trust_version=VERSIONS[version],
                issued_token_type=ns.SAML11_TOKEN_TYPE,
                issued_token_key_type=SecurityKeyType.SYMMETRIC,
                issued_token_key_size=bits,
                issued_token_key_entropy=SecurityKeyEntropyMode.COMBINED,
            )
            assert isinstance(token.key, RawSymmetricSecurityKeyHandle)
            assert token.key.key_bytes == proof_key_in(token, relying_party)  # P_SHA1 on both sides agrees
            keys.append(token.key.key_bytes)
    assert [len(k) for k in keys] == [bits // 8] * 2
    assert keys[0] != keys[1]


def test_client_entropy_is_the_key(sts: Sts, tls: dict[str, Path], relying_party: Issuer) -> None:
    with channel_to(sts.url, tls) as channel:
        token = request_security_token(
            channel,
            applies_to=RP,
            issued_token_key_type=SecurityKeyType.SYMMETRIC,
            issued_token_key_entropy=SecurityKeyEntropyMode.CLIENT_ONLY,
        )
    assert isinstance(token.key, RawSymmetricSecurityKeyHandle)
    assert token.key.key_bytes == proof_key_in(token, relying_party)


@pytest.mark.parametrize("soap_version", ["1.1", "1.2"])
def test_soap_versions(sts: Sts, tls: dict[str, Path], soap_version: str) -> None:
    with channel_to(sts.url, tls, soap_version=soap_version) as channel:
        token = request_security_token(channel, applies_to=RP, issued_token_key_type=SecurityKeyType.NONE)
    assert b"alice" in token.xml


def test_basic_auth_on_the_sts_channel(sts: Sts, tls: dict[str, Path]) -> None:
    with channel_to(sts.basic_url, tls, basic_description()) as channel:
        token = request_security_token(channel, applies_to=RP, issued_token_key_type=SecurityKeyType.NONE)
    assert token.element().findtext(f".//{{{ns.SAML2}}}NameID") == "alice"


@pytest.mark.parametrize("basic", [False, True], ids=["username-token", "basic"])
def test_wrong_password_is_a_failed_authentication_fault(sts: Sts, tls: dict[str, Path], basic: bool) -> None:
    description = basic_description("wrong") if basic else username_description("wrong")
    url = sts.basic_url if basic else sts.url
    with channel_to(url, tls, description) as channel:
        with pytest.raises(SecurityTokenServiceFault) as caught:
            request_security_token(channel, applies_to=RP, issued_token_key_type=SecurityKeyType.NONE)
        assert channel.state is ChannelState.OPEN  # a refusal, not a broken channel
    assert caught.value.code.endswith(":" + TrustFaultCode.FAILED_AUTHENTICATION.value)
    assert "wrong" not in str(caught.value)


def test_unknown_relying_party_is_an_invalid_request(sts: Sts, tls: dict[str, Path]) -> None:
    with channel_to(sts.url, tls) as channel:
        with pytest.raises(SecurityTokenServiceFault) as caught:
            request_security_token(
                channel, applies_to="https://elsewhere.test/", issued_token_key_type=SecurityKeyType.NONE
            )
    assert caught.value.code.endswith(":InvalidRequest")


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_async_request(sts: Sts, tls: dict[str, Path], relying_party: Issuer, version: str) -> None:
    async def main() -> XmlSecurityToken:
        async with channel_to(sts.url, tls) as channel:
            return await arequest_security_token(
                channel,
                applies_to=RP,
                trust_version=VERSIONS[version],
                issued_token_key_type=SecurityKeyType.SYMMETRIC,
                issued_token_key_entropy=SecurityKeyEntropyMode.COMBINED,
            )

    token = asyncio.run(main())
    assert isinstance(token.key, RawSymmetricSecurityKeyHandle)
    assert token.key.key_bytes == proof_key_in(token, relying_party)


def test_async_wrong_password(sts: Sts, tls: dict[str, Path]) -> None:
    async def main() -> None:
        async with channel_to(sts.url, tls, username_description("wrong")) as channel:
            with pytest.raises(SecurityTokenServiceFault, match="FailedAuthentication"):
                await arequest_security_token(channel, applies_to=RP)
            assert channel.state is ChannelState.OPEN

    asyncio.run(main())


# ------------------------------------------------------------------------ the provider on the STS


def test_provider_asks_the_sts_once(sts: Sts, tls: dict[str, Path]) -> None:
    with channel_to(sts.url, tls) as channel, IssuedTokenProvider(
        channel, applies_to=RP, issued_token_key_type=SecurityKeyType.NONE
    ) as provider:
        tokens = [provider.get() for _ in range(3)]
    assert sts.gate.count == 1
    assert len({t.xml for t in tokens}) == 1


def test_provider_renews_at_sixty_percent(sts: Sts, tls: dict[str, Path]) -> None:
    offset = timedelta(0)

    def clock() -> datetime:
        return datetime.now(timezone.utc) + offset

    with channel_to(sts.url, tls) as channel:
        provider = IssuedTokenProvider(channel, applies_to=RP, clock=clock, issued_token_key_type=SecurityKeyType.NONE)
        first = provider.get()
        offset = timedelta(minutes=35)  # 58 % of the STS's one-hour lifetime
        assert provider.get().xml == first.xml
        offset = timedelta(minutes=37)  # 62 %
        second = provider.get()
    assert second.xml != first.xml
    assert sts.gate.count == 2


def test_provider_ten_threads_one_request(sts: Sts, tls: dict[str, Path]) -> None:
    sts.gate.delay = 0.3
    barrier = threading.Barrier(10)
    found: list[bytes] = []
    with channel_to(sts.url, tls) as channel:
        provider = IssuedTokenProvider(channel, applies_to=RP, issued_token_key_type=SecurityKeyType.NONE)

        def worker() -> None:
            barrier.wait()
            found.append(provider.get().xml)

        threads = [threading.Thread(target=worker) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert len(found) == 10 and len(set(found)) == 1
    assert sts.gate.count == 1


def test_provider_aget_keeps_the_event_loop_running(sts: Sts, tls: dict[str, Path]) -> None:
    sts.gate.delay = 0.5

    async def main() -> tuple[int, int, XmlSecurityToken]:
        ticks = 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.02)

        async with channel_to(sts.url, tls) as channel:
            provider = IssuedTokenProvider(channel, applies_to=RP, issued_token_key_type=SecurityKeyType.NONE)
            task = asyncio.create_task(ticker())
            await asyncio.sleep(0)
            before = ticks
            token = await provider.aget()
            during = ticks - before
            stop.set()
            await task
        return during, sts.gate.count, token

    during, requests_made, token = asyncio.run(main())
    # The STS takes 0.5 s; a blocked loop would let the ticker run at most once meanwhile.
    assert during >= 5
    assert requests_made == 1
    assert b"alice" in token.xml


def test_provider_concurrent_aget_one_request(sts: Sts, tls: dict[str, Path]) -> None:
    sts.gate.delay = 0.3

    async def main() -> list[XmlSecurityToken]:
        async with channel_to(sts.url, tls) as channel:
            provider = IssuedTokenProvider(channel, applies_to=RP, issued_token_key_type=SecurityKeyType.NONE)
            return await asyncio.gather(*(provider.aget() for _ in range(10)))

    tokens = asyncio.run(main())
    assert len({t.xml for t in tokens}) == 1
    assert sts.gate.count == 1


def test_provider_keeps_serving_when_the_sts_is_down(sts: Sts, tls: dict[str, Path]) -> None:
    offset = timedelta(0)

    def clock() -> datetime:
        return datetime.now(timezone.utc) + offset

    channel = channel_to(sts.url, tls)
    with channel:
        provider = IssuedTokenProvider(channel, applies_to=RP, clock=clock, issued_token_key_type=SecurityKeyType.NONE)
        first = provider.get()
    offset = timedelta(minutes=40)  # due for renewal, but the channel is closed now: R52
    assert provider.get().xml == first.xml
    offset = timedelta(minutes=61)
    with pytest.raises(ChannelStateError, match=r"^R52"):
        provider.get()


def test_provider_as_token_source_for_a_zeep_client(
    sts: Sts, tls: dict[str, Path], start_service: Starter, issuer: Issuer, relying_party: Issuer
) -> None:
    with channel_to(sts.url, tls) as channel:
        provider = IssuedTokenProvider(
            channel,
            applies_to=RP,
            trust_version=TrustVersion.V1_3,
            issued_token_type=ns.SAML11_TOKEN_TYPE,
            issued_token_key_type=SecurityKeyType.SYMMETRIC,
            issued_token_key_entropy=SecurityKeyEntropyMode.COMBINED,
        )
        answer = call_service(start_service, issuer, relying_party, tls, provider)
    assert answer == "alice|https://sts.example.test|reader|1.1"
    assert sts.gate.count == 1


def test_one_channel_serves_several_event_loops(sts: Sts, tls: dict[str, Path]) -> None:
    """httpx connections belong to the loop that made them: a later asyncio.run gets a fresh client."""
    with channel_to(sts.url, tls) as channel:
        for _ in range(2):
            token = asyncio.run(
                arequest_security_token(channel, applies_to=RP, issued_token_key_type=SecurityKeyType.NONE)
            )
            assert b"alice" in token.xml
        assert channel.state is ChannelState.OPEN
    assert sts.gate.count == 2
