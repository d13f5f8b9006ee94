"""IssuedTokenProvider: one issued token per relying party, fetched once and renewed before it expires.

A client that calls a service many times must not ask the STS every time, nor present a token
that is about to expire. The provider keeps the token the STS issued for each ``applies_to``,
hands out copies, and asks again once ``renew_at`` of the token's lifetime has passed. It is an
:class:`wsbind.XmlTokenSource`, so an XmlTokenMessageSecurityBinding can hold it instead
of a fixed token.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Unpack

from wsbind.errors import TokenUnavailable, WsBindError, WsBindValueError
from wsbind.model.enums import SecurityKeyType
from wsbind.soap.timeutil import utcnow
from wsbind.wss.tokens import XmlSecurityToken
from zeep_wsbind.trust_client import TrustChannel, _OtherProperties, arequest_security_token, request_security_token

__all__ = ["IssuedTokenProvider", "TokenRequester", "AsyncTokenRequester"]

log = logging.getLogger(__name__)

TokenRequester = Callable[..., XmlSecurityToken]
"""``(channel, *, applies_to=..., **properties) -> token``: request_security_token's shape."""
AsyncTokenRequester = Callable[..., Awaitable[XmlSecurityToken]]
"""The async counterpart: arequest_security_token's shape."""


@dataclass
class _Entry:
    token: XmlSecurityToken  # owned by the provider; callers get copies
    renew_after: datetime
    expires: datetime
    retry_after: datetime | None = None  # set when a renewal failed and the old token is still served


class IssuedTokenProvider:
    """Caches the token issued for each ``applies_to`` and renews it after ``renew_at`` of its lifetime.

    The lifetime is the RSTR's wst:Lifetime (the token's valid_from..valid_till). When the STS sends
    none, the token is assumed valid for ``default_lifetime`` from receipt (logged). If a renewal
    fails while the cached token is still valid, the provider keeps serving it (with a warning) and
    tries again after ``retry_interval``. Concurrent callers for one ``applies_to`` cause one STS
    request: a thread lock per relying party for :meth:`get`, an asyncio lock per relying party
    and event loop for :meth:`aget`. The other keyword arguments are request properties (the
    fields of RequestSecurityTokenParameters) sent with every request. ``request``/``arequest``
    replace request_security_token/arequest_security_token (e.g. for a chain of STSs).
    """

    def __init__(
        self,
        channel: TrustChannel,
        *,
        applies_to: str,
        renew_at: float = 0.6,
        clock: Callable[[], datetime] = utcnow,
        default_lifetime: timedelta = timedelta(minutes=10),
        retry_interval: timedelta = timedelta(seconds=30),
        request: TokenRequester = request_security_token,
        arequest: AsyncTokenRequester = arequest_security_token,
        **properties: Unpack[_OtherProperties],
    ) -> None:
        if not 0 < renew_at <= 1:
            raise WsBindValueError(f"renew_at is a fraction of the token's lifetime in (0, 1], not {renew_at!r}")
        if default_lifetime <= timedelta(0) or retry_interval < timedelta(0):
            raise WsBindValueError("default_lifetime must be positive and retry_interval not negative")
        if not applies_to:
            raise WsBindValueError("applies_to names the relying party the token is for (e.g. its https:// address)")
        self.channel = channel
        self.applies_to = applies_to
        self.renew_at = renew_at
        self.default_lifetime = default_lifetime
        self.retry_interval = retry_interval
        self._clock = clock
        self._request = request
        self._arequest = arequest
        self._properties = properties
        self._guard = threading.Lock()  # protects the dicts below; never held during a request
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._async_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
            weakref.WeakKeyDictionary()
        )

    # -- public ----------------------------------------------------------------------------

    @property
    def key_type(self) -> SecurityKeyType:
        """XmlTokenSource: what the tokens will hold, from the requested key type.

        No ISSUED_TOKEN_KEY_TYPE means the RST omits KeyType, which WS-Trust reads as symmetric.
        """
        requested = self._properties.get("issued_token_key_type")
        return SecurityKeyType.SYMMETRIC if requested is None else SecurityKeyType(requested)

    def get(self, applies_to: str | None = None) -> XmlSecurityToken:
        """A copy of a fresh token for ``applies_to`` (default: the provider's), asking the STS if needed.

        Blocks while the STS answers; use :meth:`aget` in async code.
        """
        key = applies_to or self.applies_to
        token = self._fresh(key)
        if token is not None:
            return token
        with self._thread_lock(key):
            token = self._fresh(key)  # another thread may have renewed it while we waited
            if token is not None:
                return token
            try:
                issued = self._request(self.channel, applies_to=key, **self._properties)
            except WsBindError as exc:
                return self._after_failure(key, exc)
            return self._store(key, issued)

    async def aget(self, applies_to: str | None = None) -> XmlSecurityToken:
        """:meth:`get` for async code: the event loop keeps running while the STS answers."""
        key = applies_to or self.applies_to
        token = self._fresh(key)
        if token is not None:
            return token
        async with self._async_lock(key):
            token = self._fresh(key)
            if token is not None:
                return token
            try:
                issued = await self._arequest(self.channel, applies_to=key, **self._properties)
            except WsBindError as exc:
                return self._after_failure(key, exc)
            return self._store(key, issued)

    def cached(self, applies_to: str | None = None) -> XmlSecurityToken | None:
        """A copy of the cached token if it has not expired (even when due for renewal); no network."""
        key = applies_to or self.applies_to
        now = self._clock()
        with self._guard:
            entry = self._entries.get(key)
            if entry is None or now >= entry.expires:
                return None
            return entry.token.copy()

    def current_token(self, *, block: bool) -> XmlSecurityToken:
        """XmlTokenSource: a fresh token (``block``), or the cached one without touching the network."""
        if block:
            return self.get()
        token = self.cached()
        if token is None:
            raise TokenUnavailable(
                f"no valid token for {self.applies_to} is cached; await provider.aprefetch() "
                "(or OutgoingSecurity.aprepare()) before sending, or call provider.get() outside the event loop."
            )
        return token

    async def aprefetch(self) -> None:
        """XmlTokenSource: make sure a fresh token is cached, so current_token(block=False) succeeds."""
        (await self.aget()).free()

    def close(self) -> None:
        """Free every cached token (wiping proof keys); later calls fetch new ones."""
        with self._guard:
            entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            entry.token.free()

    def __enter__(self) -> IssuedTokenProvider:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"IssuedTokenProvider(applies_to={self.applies_to!r}, cached={sorted(self._entries)!r})"

    # -- internals ------------------------------------------------------------------------

    def _thread_lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _async_lock(self, key: str) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        with self._guard:
            locks = self._async_locks.setdefault(loop, {})
            return locks.setdefault(key, asyncio.Lock())

    def _fresh(self, key: str) -> XmlSecurityToken | None:
        """A copy of the cached token if it needs no renewal now (or a failed renewal is backing off)."""
        now = self._clock()
        with self._guard:
            entry = self._entries.get(key)
            if entry is None or now >= entry.expires:
                return None
            backing_off = entry.retry_after is not None and now < entry.retry_after
            if now < entry.renew_after or backing_off:
                return entry.token.copy()
            return None

    def _store(self, key: str, issued: XmlSecurityToken) -> XmlSecurityToken:
        received = self._clock()
        start = issued.valid_from or received
        expires = issued.valid_till
        if expires is None:
            expires = received + self.default_lifetime
            log.info(
                "the STS gave no lifetime for the token for %s; assuming %s from receipt (default_lifetime)",
                key,
                self.default_lifetime,
            )
        lifetime = expires - start
        renew_after = start + lifetime * self.renew_at if lifetime > timedelta(0) else received
        entry = _Entry(issued, renew_after, expires)
        with self._guard:
            old = self._entries.get(key)
            self._entries[key] = entry
            copy = issued.copy()
        if old is not None:
            old.token.free()
        return copy

    def _after_failure(self, key: str, error: WsBindError) -> XmlSecurityToken:
        now = self._clock()
        with self._guard:
            entry = self._entries.get(key)
            if entry is None or now >= entry.expires:
                raise error
            entry.retry_after = now + self.retry_interval
            copy = entry.token.copy()
        log.warning(
            "renewing the token for %s failed (%s); serving the cached one, valid until %s; next try after %s",
            key,
            error,
            entry.expires.isoformat(),
            entry.retry_after.isoformat(),
        )
        return copy
