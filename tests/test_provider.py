"""IssuedTokenProvider semantics (caching, renewal, failure, locking) with a real SAML issuer.

The provider's ``request``/``arequest`` seam is fed by functions that sign real assertions with
SamlIssuer, so these tests pin down timing and concurrency exactly without an STS in the loop;
tests/test_trust_client.py runs the provider against the real STS over HTTPS.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from wsbind import (
    SecurityDescription,
    SecurityKeyType,
    SslTransportSecurityBinding,
    StringUsernameCredential,
    UsernameMessageSecurityBinding,
    create_xml_security_token,
)
from wsbind.errors import TokenFreed, TokenUnavailable, WsBindError
from wsbind.saml.issuer import SamlIssuer
from wsbind.wss.keys import RawSymmetricSecurityKeyHandle
from wsbind.wss.tokens import XmlSecurityToken, XmlTokenSource
from zeep_wsbind.provider import IssuedTokenProvider
from zeep_wsbind.trust_client import TrustChannel

RP = "https://rp.example.test/service"
START = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RefusedByTest(WsBindError):
    """What the token function raises while the test wants the STS to be 'down'."""


class SamlSource:
    """Signs one real assertion per call, counts the calls, and can refuse or stall on demand."""

    def __init__(self, saml_issuer: SamlIssuer, clock: Callable[[], datetime], lifetime: timedelta | None = HOUR):
        self.saml_issuer = saml_issuer
        self.clock = clock
        self.lifetime = lifetime
        self.calls: list[str] = []
        self.refuse = False
        self.delay = 0.0
        self.key = False
        self._lock = threading.Lock()

    def _issue(self, applies_to: str) -> XmlSecurityToken:
        with self._lock:
            self.calls.append(applies_to)
        if self.refuse:
            raise RefusedByTest("the test switched the token source off")
        now = self.clock()
        xml = self.saml_issuer.issue(
            subject=f"alice-{len(self.calls)}", audiences=[applies_to], lifetime=self.lifetime or HOUR, now=now
        )
        till = now + self.lifetime if self.lifetime is not None else None
        if self.key:
            reference = b'<r xmlns="urn:test"/>'
            key = RawSymmetricSecurityKeyHandle(b"k" * 32)
            return create_xml_security_token(xml, key, attached_reference=reference, valid_from=now, valid_till=till)
        return create_xml_security_token(xml, valid_from=now if till else None, valid_till=till)

    def request(self, channel: TrustChannel, *, applies_to: str, **properties: Any) -> XmlSecurityToken:
        time.sleep(self.delay)
        return self._issue(applies_to)

    async def arequest(self, channel: TrustChannel, *, applies_to: str, **properties: Any) -> XmlSecurityToken:
        await asyncio.sleep(self.delay)
        return self._issue(applies_to)


@pytest.fixture
def channel() -> TrustChannel:
    """A real, never-opened channel: the token functions above stand in for the STS."""
    description = SecurityDescription(
        [SslTransportSecurityBinding(), UsernameMessageSecurityBinding(StringUsernameCredential("alice", "pw"))]
    )
    return TrustChannel("https://127.0.0.1:9/sts", description)


def make(
    channel: TrustChannel, source: SamlSource, clock: Clock | None = None, **options: Any
) -> IssuedTokenProvider:
    return IssuedTokenProvider(
        channel,
        applies_to=RP,
        clock=clock or source.clock,
        request=source.request,
        arequest=source.arequest,
        **options,
    )


def subject(token: XmlSecurityToken) -> str:
    return token.element().findtext(".//{urn:oasis:names:tc:SAML:2.0:assertion}NameID") or ""


def test_caches_and_hands_out_independent_copies(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    clock = Clock()
    source = SamlSource(saml_issuer, clock)
    provider = make(channel, source)
    first = provider.get()
    first.free()  # the caller's copy: freeing it must not touch the cache
    second = provider.get()
    assert source.calls == [RP]
    assert subject(second) == "alice-1"
    assert second.valid_till == START + HOUR


def test_one_cache_entry_per_relying_party(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    source = SamlSource(saml_issuer, Clock())
    provider = make(channel, source)
    other = "https://other.example.test/"
    assert b"rp.example.test" in provider.get().xml
    assert b"other.example.test" in provider.get(other).xml
    provider.get()
    provider.get(other)
    assert source.calls == [RP, other]


def test_renews_after_sixty_percent_of_the_lifetime(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    clock = Clock()
    source = SamlSource(saml_issuer, clock)
    provider = make(channel, source)
    provider.get()
    clock.now = START + HOUR * 0.6 - timedelta(seconds=1)
    assert subject(provider.get()) == "alice-1"
    clock.now = START + HOUR * 0.6
    assert subject(provider.get()) == "alice-2"
    assert len(source.calls) == 2


def test_renew_at_is_configurable(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    clock = Clock()
    source = SamlSource(saml_issuer, clock)
    provider = make(channel, source, renew_at=0.9)
    provider.get()
    clock.now = START + HOUR * 0.8
    provider.get()
    assert len(source.calls) == 1
    clock.now = START + HOUR * 0.9
    provider.get()
    assert len(source.calls) == 2


@pytest.mark.parametrize("renew_at", [0, -0.1, 1.5])
def test_renew_at_must_be_a_fraction(channel: TrustChannel, saml_issuer: SamlIssuer, renew_at: float) -> None:
    with pytest.raises(ValueError, match="renew_at"):
        make(channel, SamlSource(saml_issuer, Clock()), renew_at=renew_at)


def test_without_lifetime_the_default_lifetime_applies_and_is_logged(
    channel: TrustChannel, saml_issuer: SamlIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    source = SamlSource(saml_issuer, clock, lifetime=None)
    provider = make(channel, source, default_lifetime=timedelta(minutes=10))
    with caplog.at_level(logging.INFO, logger="zeep_wsbind.provider"):
        provider.get()
    assert "default_lifetime" in caplog.text
    clock.now = START + timedelta(minutes=5, seconds=59)
    provider.get()
    assert len(source.calls) == 1
    clock.now = START + timedelta(minutes=6)
    provider.get()
    assert len(source.calls) == 2
    clock.now = START + timedelta(minutes=16, seconds=1)
    assert provider.cached() is None


def test_failed_renewal_keeps_serving_the_valid_token(
    channel: TrustChannel, saml_issuer: SamlIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    source = SamlSource(saml_issuer, clock)
    provider = make(channel, source, retry_interval=timedelta(minutes=5))
    provider.get()
    source.refuse = True
    clock.now = START + timedelta(minutes=40)
    with caplog.at_level(logging.WARNING, logger="zeep_wsbind.provider"):
        assert subject(provider.get()) == "alice-1"
    assert "renewing the token" in caplog.text and "failed" in caplog.text
    # Backing off: no new request until retry_interval has passed.
    clock.now = START + timedelta(minutes=44)
    provider.get()
    assert len(source.calls) == 2
    clock.now = START + timedelta(minutes=45)
    provider.get()
    assert len(source.calls) == 3
    # Once the old token has expired there is nothing left to serve: the error reaches the caller.
    clock.now = START + HOUR
    with pytest.raises(RefusedByTest):
        provider.get()
    source.refuse = False
    assert subject(provider.get()) == "alice-5"


def test_first_failure_reaches_the_caller(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    source = SamlSource(saml_issuer, Clock())
    source.refuse = True
    provider = make(channel, source)
    with pytest.raises(RefusedByTest):
        provider.get()
    assert provider.cached() is None


def test_cached_never_touches_the_network(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    clock = Clock()
    source = SamlSource(saml_issuer, clock)
    provider = make(channel, source)
    assert provider.cached() is None
    provider.get()
    clock.now = START + HOUR * 0.9  # due for renewal, still valid: cached() serves it
    cached = provider.cached()
    assert cached is not None and subject(cached) == "alice-1"
    clock.now = START + HOUR
    assert provider.cached() is None
    assert len(source.calls) == 1


def test_ten_threads_cause_one_request(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    source = SamlSource(saml_issuer, Clock())
    source.delay = 0.2
    provider = make(channel, source)
    barrier = threading.Barrier(10)
    results: list[str] = []

    def worker() -> None:
        barrier.wait()
        results.append(subject(provider.get()))

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == ["alice-1"] * 10
    assert source.calls == [RP]


def test_concurrent_aget_cause_one_request(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    source = SamlSource(saml_issuer, Clock())
    source.delay = 0.2
    provider = make(channel, source)

    async def main() -> list[XmlSecurityToken]:
        return await asyncio.gather(*(provider.aget() for _ in range(10)))

    tokens = asyncio.run(main())
    assert {subject(t) for t in tokens} == {"alice-1"}
    assert source.calls == [RP]


def test_aget_works_across_event_loops(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    clock = Clock()
    source = SamlSource(saml_issuer, clock)
    provider = make(channel, source)
    assert subject(asyncio.run(provider.aget())) == "alice-1"
    clock.now = START + HOUR * 0.7
    assert subject(asyncio.run(provider.aget())) == "alice-2"


def test_is_an_xml_token_source(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    source = SamlSource(saml_issuer, Clock())
    provider = make(channel, source)
    assert isinstance(provider, XmlTokenSource)
    with pytest.raises(TokenUnavailable, match="aprefetch"):
        provider.current_token(block=False)
    asyncio.run(provider.aprefetch())
    assert subject(provider.current_token(block=False)) == "alice-1"
    assert subject(provider.current_token(block=True)) == "alice-1"
    assert source.calls == [RP]


def test_key_type_follows_the_requested_key_type(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    source = SamlSource(saml_issuer, Clock())
    assert make(channel, source, issued_token_key_type=SecurityKeyType.NONE).key_type == SecurityKeyType.NONE
    assert make(channel, source).key_type == SecurityKeyType.SYMMETRIC  # KeyType omitted: WS-Trust's default


def test_close_frees_cached_tokens_but_not_handed_out_copies(channel: TrustChannel, saml_issuer: SamlIssuer) -> None:
    source = SamlSource(saml_issuer, Clock())
    source.key = True
    provider = make(channel, source)
    mine = provider.get()
    held = provider.cached()
    assert held is not None
    provider.close()
    assert provider.cached() is None
    assert isinstance(mine.key, RawSymmetricSecurityKeyHandle) and mine.key.key_bytes == b"k" * 32
    assert held.key is not None
    mine.free()
    with pytest.raises(TokenFreed):
        mine.key  # noqa: B018
    assert held.key is not None  # copies are independent of each other too
    provider.get()
    assert len(source.calls) == 2
