"""WsRequestSecurityToken: ask a WS-Trust STS for a token over a channel secured by a description.

A :class:`TrustChannel` is WWSAPI's channel to the STS: it has a state (CREATED, OPEN, FAULTED,
CLOSED), and a token can be requested only while it is OPEN (R52). The request and the answer are
built and read by :mod:`wsbind.trust.client`; the message security (UsernameToken, Timestamp) comes from
:class:`wsbind.outgoing.OutgoingSecurity`; this module only moves bytes, once with requests and once
with httpx, and both paths share every step that is not I/O.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from enum import IntEnum
from types import TracebackType
from typing import Any, Literal, TypedDict, Unpack

import requests
from cryptography import x509
from lxml import etree

from wsbind.errors import (
    SecurityVerificationError,
    TokenRequestError,
    TrustProtocolError,
    WsBindError,
    WsBindValueError,
)
from wsbind.model.bindings import SslTransportSecurityBinding
from wsbind.model.description import SecurityDescription
from wsbind.model.enums import (
    RequestSecurityTokenAction,
    SecureConversationVersion,
    SecurityBearerKeyTypeVersion,
    SecurityKeyEntropyMode,
    SecurityKeyType,
    TrustVersion,
)
from wsbind.outgoing import OutgoingSecurity
from wsbind.soap import namespaces as ns
from wsbind.soap.envelope import SOAP_CONTENT_TYPES, build_envelope, read_envelope
from wsbind.soap.xmlparse import ParseLimits, XmlRejected, parse_xml
from wsbind.soap.xmlread import element_children
from wsbind.trust.client import PreparedRequest, prepare_request, read_fault, read_response
from wsbind.trust.params import RequestSecurityTokenParameters
from wsbind.wss.proof import sign_possession
from wsbind.wss.tokens import XmlSecurityToken
from wsbind.xmlcrypto.certs import PrivateKey
from zeep_wsbind._transport import Verify, basic_auth, tls_context, tls_session

__all__ = [
    "ChannelState",
    "ChannelStateError",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "RequestSecurityTokenProperties",
    "TrustChannel",
    "TrustChannelError",
    "arequest_security_token",
    "request_security_token",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024
"""An RSTR holds one assertion and a few references; anything bigger is refused unread."""

_CHUNK = 64 * 1024


class ChannelState(IntEnum):
    """WS_CHANNEL_STATE, the states a TrustChannel uses (numeric values of webservices.h)."""

    CREATED = 0
    OPEN = 3
    FAULTED = 4
    CLOSED = 6


class ChannelStateError(WsBindError, RuntimeError):
    """The channel is not in a state that allows the call (R52 for token requests)."""

    def __init__(self, rule: str | None, message: str) -> None:
        self.rule = rule
        super().__init__(f"{rule}: {message}" if rule else message)


class TrustChannelError(WsBindError):
    """The exchange with the STS broke (network, HTTP status, unreadable answer).

    The channel is FAULTED afterwards: close() it and open() it again to retry.
    """


class _OtherProperties(TypedDict, total=False):
    trust_version: TrustVersion
    secure_conversation_version: SecureConversationVersion
    issued_token_type: str | None
    request_action: RequestSecurityTokenAction
    existing_token: XmlSecurityToken | None
    issued_token_key_type: SecurityKeyType | None
    issued_token_key_size: int | None
    issued_token_key_entropy: SecurityKeyEntropyMode | None
    local_request_parameters: tuple[bytes, ...]
    service_request_parameters: tuple[bytes, ...]
    bearer_key_type_version: SecurityBearerKeyTypeVersion | None
    proof_key: PrivateKey | None
    proof_certificate: x509.Certificate | None


class RequestSecurityTokenProperties(_OtherProperties, total=False):
    """The keyword arguments of request_security_token: the fields of RequestSecurityTokenParameters."""

    applies_to: str | None


class TrustChannel:
    """A channel to one STS address, secured by ``description`` (SSL, Basic auth, UsernameToken).

    ``verify`` is what :func:`zeep_wsbind.secure_client` takes (a CA file, ``True``, an SSLContext).
    Use it as ``with TrustChannel(...) as channel:`` (or ``async with``), or call
    :meth:`open` and :meth:`close`. Safe to share between threads.
    """

    def __init__(
        self,
        address: str,
        description: SecurityDescription,
        *,
        verify: Verify = True,
        soap_version: Literal["1.1", "1.2"] = "1.2",
        timeout: float = 30,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if soap_version not in ("1.1", "1.2"):
            raise WsBindValueError(f"soap_version must be '1.1' or '1.2', not {soap_version!r}")
        if max_response_bytes <= 0:
            raise WsBindValueError("max_response_bytes must be positive")
        self.address = address
        self.description = description
        self.soap_ns = ns.SOAP12 if soap_version == "1.2" else ns.SOAP11
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        # Validates the description for a client on HTTP and refuses bindings it cannot carry.
        self._security = OutgoingSecurity(description)
        self._tls = tls_context(verify, description.find(SslTransportSecurityBinding))
        self._auth = basic_auth(description)
        self._state = ChannelState.CREATED
        self._lock = threading.Lock()
        self._session: requests.Session | None = None
        self._async_client: Any = None  # httpx.AsyncClient, made in the loop that first needs it
        self._async_loop: asyncio.AbstractEventLoop | None = None
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def state(self) -> ChannelState:
        """CREATED, OPEN, FAULTED or CLOSED; only an OPEN channel sends requests."""
        return self._state

    # -- life cycle ------------------------------------------------------------------------

    def open(self) -> None:
        """Make the channel usable (WsOpenChannel). Sends nothing: HTTP connects on demand."""
        with self._lock:
            if self._state is ChannelState.OPEN:
                raise ChannelStateError(None, f"the channel to {self.address} is already OPEN.")
            if self._state is ChannelState.FAULTED:
                raise ChannelStateError(
                    None, f"the channel to {self.address} is FAULTED; close() it before opening it again."
                )
            session = tls_session(self._tls)
            session.auth = self._auth
            self._session = session
            self._state = ChannelState.OPEN

    def close(self) -> None:
        """Release connections (WsCloseChannel); allowed in every state, open() may follow.

        In async code prefer ``await channel.aclose()``, which also closes the httpx client.
        """
        with self._lock:
            self._state = ChannelState.CLOSED
            session, self._session = self._session, None
            client, loop = self._async_client, self._async_loop
            self._async_client, self._async_loop = None, None
        if session is not None:
            session.close()
        if client is not None and loop is not None:
            self._close_async_client(client, loop)

    async def aclose(self) -> None:
        """close(), awaiting the httpx client's shutdown when it belongs to the running loop."""
        with self._lock:
            client, loop = self._async_client, self._async_loop
            if loop is asyncio.get_running_loop():
                self._async_client, self._async_loop = None, None
        if client is not None and loop is asyncio.get_running_loop():
            await client.aclose()
        self.close()

    def _close_async_client(self, client: Any, loop: asyncio.AbstractEventLoop) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            task = loop.create_task(client.aclose())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        elif running is None and not loop.is_closed() and not loop.is_running():
            loop.run_until_complete(client.aclose())
        # else: its loop is gone (asyncio.run returned); its sockets went with it.

    def __enter__(self) -> TrustChannel:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> TrustChannel:
        self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"TrustChannel({self.address!r}, state={self._state.name})"

    # -- shared by the sync and async paths --------------------------------------------------

    def _require_open(self) -> None:
        state = self._state
        if state is ChannelState.OPEN:
            return
        advice = {
            ChannelState.CREATED: "call channel.open() first, or use `with TrustChannel(...) as channel:`.",
            ChannelState.CLOSED: "it was closed; call channel.open() again, or use `with TrustChannel(...)`.",
            ChannelState.FAULTED: "an earlier exchange failed; call channel.close() then channel.open() to retry.",
        }[state]
        raise ChannelStateError(
            "R52", f"a security token can be requested only on an OPEN channel; the channel to "
            f"{self.address} is {state.name}: {advice}"
        )

    def _mark_faulted(self) -> None:
        with self._lock:
            if self._state is ChannelState.OPEN:
                self._state = ChannelState.FAULTED

    def _faulted(self, message: str) -> TrustChannelError:
        self._mark_faulted()
        return TrustChannelError(f"{message} The channel is now FAULTED: close() it and open() it again to retry.")

    def _session_for_request(self) -> requests.Session:
        session = self._session
        if session is None:
            raise ChannelStateError("R52", f"the channel to {self.address} was closed while in use.")
        return session

    def _httpx_client(self) -> Any:
        """One httpx.AsyncClient per event loop: httpx connections belong to the loop that made them."""
        import httpx

        loop = asyncio.get_running_loop()
        with self._lock:
            if self._async_client is not None and self._async_loop is loop:
                return self._async_client
            options: dict[str, Any] = {
                "verify": self._tls,
                "timeout": self.timeout,
                "follow_redirects": False,
            }
            if self._auth is not None:
                options["auth"] = httpx.BasicAuth(*self._auth)
            stale, stale_loop = self._async_client, self._async_loop
            self._async_client, self._async_loop = httpx.AsyncClient(**options), loop
            client = self._async_client
        if stale is not None and stale_loop is not None:
            self._close_async_client(stale, stale_loop)  # made in an earlier loop (e.g. an earlier asyncio.run)
        return client


@dataclass(frozen=True)
class _Exchange:
    """One RST ready to send, and what reading its answer needs."""

    params: RequestSecurityTokenParameters
    prepared: PreparedRequest
    body: bytes
    headers: dict[str, str]


def _build_exchange(channel: TrustChannel, properties: RequestSecurityTokenProperties) -> _Exchange:
    channel._require_open()
    params = RequestSecurityTokenParameters(**properties)
    prepared = prepare_request(params)
    envelope = build_envelope(channel.soap_ns, prepared.body, action=prepared.action, to=channel.address)
    channel._security.apply(envelope, channel.address)
    if prepared.possession_signature_id is not None:
        assert params.proof_key is not None and params.proof_certificate is not None  # the parameters' R53 check
        security = envelope.find(f"{{{channel.soap_ns}}}Header/{{{ns.WSSE}}}Security")
        if security is None:
            raise TokenRequestError(
                "PROOF_KEY",
                "a public-key request proves possession by signing the Timestamp, but this channel's description "
                "puts no Security header on its requests.",
                "give the channel a UsernameMessageSecurityBinding (ADFS usernamemixed) so each request has one.",
            )
        sign_possession(security, params.proof_key, params.proof_certificate, prepared.possession_signature_id)
    content_type = SOAP_CONTENT_TYPES[channel.soap_ns]
    headers = {"Accept": f"{content_type.split(';')[0]}, */*;q=0.1"}
    if channel.soap_ns == ns.SOAP12:
        headers["Content-Type"] = f'{content_type}; action="{prepared.action}"'
    else:
        headers["Content-Type"] = content_type
        headers["SOAPAction"] = f'"{prepared.action}"'
    body = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
    return _Exchange(params, prepared, body, headers)


def _too_big(channel: TrustChannel, size: int | None) -> TrustChannelError:
    shown = f" ({size} bytes)" if size is not None else ""
    return channel._faulted(
        f"the STS at {channel.address} sent an answer larger than max_response_bytes="
        f"{channel.max_response_bytes}{shown}; an RSTR is a few kilobytes. Raise the limit only for an STS you trust."
    )


def _declared_length(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _collect(channel: TrustChannel, chunks: Iterable[bytes], declared: int | None) -> bytes:
    if declared is not None and declared > channel.max_response_bytes:
        raise _too_big(channel, declared)
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > channel.max_response_bytes:
            raise _too_big(channel, None)
    return bytes(data)


async def _acollect(channel: TrustChannel, chunks: AsyncIterator[bytes], declared: int | None) -> bytes:
    if declared is not None and declared > channel.max_response_bytes:
        raise _too_big(channel, declared)
    data = bytearray()
    async for chunk in chunks:
        data += chunk
        if len(data) > channel.max_response_bytes:
            raise _too_big(channel, None)
    return bytes(data)


def _read_answer(channel: TrustChannel, exchange: _Exchange, status: int, body: bytes) -> XmlSecurityToken:
    """Turn the STS's HTTP answer into a token, a SecurityTokenServiceFault, or a faulted channel."""
    where = f"the STS at {channel.address}"
    if 300 <= status < 400:
        raise channel._faulted(f"{where} answered HTTP {status} (a redirect); give TrustChannel the final address.")
    try:
        envelope = read_envelope(parse_xml(body, ParseLimits(max_bytes=channel.max_response_bytes)))
    except (XmlRejected, SecurityVerificationError) as exc:
        raise channel._faulted(f"{where} answered HTTP {status} without a readable SOAP envelope ({exc}).") from None
    children = element_children(envelope.body)
    if children:
        fault = read_fault(children[0])
        if fault is not None:
            raise fault  # a well-formed refusal: the channel stays OPEN, as in WWSAPI
    if status != 200:
        raise channel._faulted(f"{where} answered HTTP {status} with a SOAP body that is not a Fault.")
    if not children:
        channel._mark_faulted()
        raise TrustProtocolError("the STS answered with an empty SOAP Body; it must hold exactly one RSTR.", rule="R57")
    try:
        return read_response(children[0], exchange.prepared, exchange.params)
    except TrustProtocolError:
        channel._mark_faulted()
        raise


def request_security_token(
    channel: TrustChannel, **properties: Unpack[RequestSecurityTokenProperties]
) -> XmlSecurityToken:
    """Send one RST on an OPEN channel and return the issued token (WsRequestSecurityToken).

    The keyword arguments are the fields of :class:`wsbind.RequestSecurityTokenParameters`.
    Raises ChannelStateError (R52), TokenRequestError (R53-R56), SecurityTokenServiceFault (the STS
    said no; the channel stays OPEN), TrustProtocolError or TrustChannelError (channel FAULTED).
    The caller owns the token: free it with free_security_token when done.
    """
    exchange = _build_exchange(channel, properties)
    session = channel._session_for_request()
    try:
        with session.post(
            channel.address,
            data=exchange.body,
            headers=exchange.headers,
            timeout=channel.timeout,
            stream=True,
            allow_redirects=False,
        ) as response:
            declared = _declared_length(response.headers.get("Content-Length"))
            body = _collect(channel, response.iter_content(_CHUNK), declared)
            status = response.status_code
    except requests.RequestException as exc:
        raise channel._faulted(f"could not exchange messages with the STS at {channel.address}: {exc}.") from exc
    return _read_answer(channel, exchange, status, body)


async def arequest_security_token(
    channel: TrustChannel, **properties: Unpack[RequestSecurityTokenProperties]
) -> XmlSecurityToken:
    """request_security_token over httpx: waits without blocking the event loop."""
    import httpx

    channel._require_open()
    await channel._security.aprepare()  # an STS channel secured by an issued token fetches it here
    exchange = _build_exchange(channel, properties)
    client = channel._httpx_client()
    try:
        async with client.stream(
            "POST", channel.address, content=exchange.body, headers=exchange.headers
        ) as response:
            declared = _declared_length(response.headers.get("Content-Length"))
            body = await _acollect(channel, response.aiter_bytes(_CHUNK), declared)
            status = response.status_code
    except httpx.HTTPError as exc:
        raise channel._faulted(f"could not exchange messages with the STS at {channel.address}: {exc}.") from exc
    return _read_answer(channel, exchange, status, body)
