"""SecurityDescription: the bindings and channel-wide properties that secure one endpoint."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from wsbind.errors import AnonymousServerWarning, WsBindTypeError
from wsbind.model import rules
from wsbind.model.algorithms import SecurityAlgorithmSuite, suite_allows_sha1
from wsbind.model.bindings import SecurityBinding, SslTransportSecurityBinding
from wsbind.model.enums import (
    ChannelBinding,
    ProtectionLevel,
    SecurityAlgorithmSuiteName,
    SecurityBindingProperty,
    SecurityHeaderLayout,
    SecurityHeaderVersion,
    SecurityProperty,
    SecurityTimestampUsage,
    Side,
)
from wsbind.model.limits import DEFAULT_MESSAGE_LIMITS, MessageLimits
from wsbind.saml.token_cache import ValidatedTokenCache

B = TypeVar("B", bound=SecurityBinding)

_FIVE_MINUTES = timedelta(minutes=5)
DEFAULTS: Mapping[SecurityProperty, Any] = {
    SecurityProperty.MAX_ALLOWED_LATENCY: _FIVE_MINUTES,
    SecurityProperty.TIMESTAMP_VALIDITY_DURATION: _FIVE_MINUTES,
    SecurityProperty.MAX_ALLOWED_CLOCK_SKEW: _FIVE_MINUTES,
    SecurityProperty.TIMESTAMP_USAGE: SecurityTimestampUsage.ALWAYS,
    SecurityProperty.SECURITY_HEADER_LAYOUT: SecurityHeaderLayout.STRICT,
    SecurityProperty.SECURITY_HEADER_VERSION: SecurityHeaderVersion.V1_1,
}


class SecurityDescription:
    """WS_SECURITY_DESCRIPTION.

    Rules that hold whatever the side or channel are checked here at construction; the rest
    when an adapter calls :meth:`validate` with its side and channel. Both raise
    :class:`wsbind.InvalidSecurityDescription` naming the rule and the fix.
    """

    def __init__(
        self,
        bindings: Iterable[SecurityBinding],
        properties: Mapping[Any, Any] | None = None,
        *,
        limits: MessageLimits = DEFAULT_MESSAGE_LIMITS,
        token_cache: ValidatedTokenCache | bool | None = True,
    ) -> None:
        """``limits`` bound what a server reads and believes (size, depth, header elements,
        assertion lifetime); WWSAPI has no security property for them, so they stand apart.

        ``token_cache`` remembers SAML tokens already validated, so a token presented again skips
        the signature work (every time, audience, replay, proof and callback check still runs):
        True (the default) gives this description a ValidatedTokenCache of its own; pass one to size
        or share it; None (or False) validates every token in full.
        """
        if not isinstance(limits, MessageLimits):
            raise WsBindTypeError("limits must be a wsbind.MessageLimits")
        if token_cache is True:
            token_cache = ValidatedTokenCache()
        elif token_cache is False:
            token_cache = None
        elif token_cache is not None and not isinstance(token_cache, ValidatedTokenCache):
            raise WsBindTypeError("token_cache must be a wsbind.ValidatedTokenCache, True, or None to opt out")
        self.token_cache: ValidatedTokenCache | None = token_cache
        self.bindings: tuple[SecurityBinding, ...] = tuple(bindings)
        self.properties: dict[SecurityProperty | int, Any] = dict(properties or {})
        self.limits = limits
        rules.check_description(self)

    def validate(self, side: Side, channel: ChannelBinding) -> None:
        """Check every creation-time rule for a channel (client) or listener (server).

        A server description that authenticates nobody is allowed (an anonymous service over TLS)
        but warned about with :class:`wsbind.AnonymousServerWarning`: it is more often a
        binding left out by mistake.
        """
        rules.check_description(self, Side(side), ChannelBinding(channel))
        if Side(side) == Side.SERVER and not self._authenticates_someone():
            names = ", ".join(type(b).__name__ for b in self.bindings) or "no binding"
            warnings.warn(
                f"this server SecurityDescription ({names}) authenticates nobody: every caller is accepted "
                "without a token or password. Add a SamlMessageSecurityBinding, UsernameMessageSecurityBinding "
                "or HttpHeaderAuthSecurityBinding to authenticate callers; if an anonymous service is meant, "
                "filter wsbind.AnonymousServerWarning.",
                AnonymousServerWarning,
                stacklevel=2,
            )

    def _authenticates_someone(self) -> bool:
        """A binding that establishes who the caller is (or a TLS client certificate required)."""
        for binding in self.bindings:
            if not isinstance(binding, SslTransportSecurityBinding):
                return True
            if binding.properties.get(SecurityBindingProperty.REQUIRE_SSL_CLIENT_CERT):
                return True
        return False

    # -- lookups -------------------------------------------------------------------------

    def find(self, binding_class: type[B]) -> B | None:
        """The first binding of this class, or None."""
        for binding in self.bindings:
            if isinstance(binding, binding_class):
                return binding
        return None

    def find_all(self, binding_class: type[B]) -> Sequence[B]:
        """Every binding of this class, in description order."""
        return [b for b in self.bindings if isinstance(b, binding_class)]

    def get(self, prop: SecurityProperty) -> Any:
        """A property's value, or its default (None where WWSAPI has no fixed default)."""
        if prop in self.properties:
            return self.properties[prop]
        return DEFAULTS.get(prop)

    @property
    def protection_level_is_explicitly_none(self) -> bool:
        """True only when TRANSPORT_PROTECTION_LEVEL is set to NONE: plain HTTP is then allowed (R32)."""
        return self.properties.get(SecurityProperty.TRANSPORT_PROTECTION_LEVEL) == ProtectionLevel.NONE

    @property
    def max_allowed_latency(self) -> timedelta:
        """MAX_ALLOWED_LATENCY: how old a request's Timestamp may be when it arrives."""
        return self.get(SecurityProperty.MAX_ALLOWED_LATENCY)  # type: ignore[no-any-return]

    @property
    def timestamp_validity_duration(self) -> timedelta:
        """TIMESTAMP_VALIDITY_DURATION: the lifetime this side writes into its own Timestamps."""
        return self.get(SecurityProperty.TIMESTAMP_VALIDITY_DURATION)  # type: ignore[no-any-return]

    @property
    def max_allowed_clock_skew(self) -> timedelta:
        """MAX_ALLOWED_CLOCK_SKEW: how far the peer's clock may differ from ours."""
        return self.get(SecurityProperty.MAX_ALLOWED_CLOCK_SKEW)  # type: ignore[no-any-return]

    @property
    def timestamp_usage(self) -> SecurityTimestampUsage:
        """TIMESTAMP_USAGE: when a wsu:Timestamp is sent and required."""
        return SecurityTimestampUsage(self.get(SecurityProperty.TIMESTAMP_USAGE))

    @property
    def header_layout(self) -> SecurityHeaderLayout:
        """SECURITY_HEADER_LAYOUT: the order the wsse:Security children must follow."""
        return SecurityHeaderLayout(self.get(SecurityProperty.SECURITY_HEADER_LAYOUT))

    @property
    def allows_sha1(self) -> bool:
        """Whether the algorithm suite (or suite name) lets SHA-1 digests and signatures through."""
        suite: SecurityAlgorithmSuite | None = self.properties.get(SecurityProperty.ALGORITHM_SUITE)
        name: SecurityAlgorithmSuiteName | None = self.properties.get(SecurityProperty.ALGORITHM_SUITE_NAME)
        return suite_allows_sha1(suite, name)

    def __repr__(self) -> str:
        names = ", ".join(type(b).__name__ for b in self.bindings)
        return f"SecurityDescription([{names}], properties={self.properties!r})"
