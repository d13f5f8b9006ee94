"""The server-side verifier: raw request bytes in, a verified message or a fault code out.

Framework-free by design: an adapter hands it the bytes exactly as they arrived and a few
transport facts, and turns a SecurityVerificationError into a SOAP fault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from . import namespaces as ns
from .authenticator import AuthenticationContext, is_saml_token
from .bindings import SamlMessageSecurityBinding, SslTransportSecurityBinding
from .description import SecurityDescription
from .enums import ChannelBinding, MessageProperty, ProtectionLevel, SecurityHeaderLayout, SecurityTimestampUsage, Side
from .errors import FaultCode, MessagePropertyUnavailable, SecurityVerificationError
from .saml import SamlAssertion
from .soap import Envelope, read_envelope
from .support import require_supported
from .timestamp import check_timestamp
from .timeutil import utcnow
from .xmlparse import DEFAULT_LIMITS, ParseLimits, XmlRejected, parse_xml

SERVER_BINDINGS = (SslTransportSecurityBinding, SamlMessageSecurityBinding)


@dataclass(frozen=True)
class TransportFacts:
    """What the transport knows that the bytes do not."""

    is_https: bool


@dataclass(frozen=True)
class VerifiedMessage:
    """The security results of one accepted request (WsGetMessageProperty's source)."""

    soap_ns: str
    protection_level: ProtectionLevel
    saml_assertion: SamlAssertion | None
    timestamp_created: datetime | None
    envelope: etree._Element
    has_saml_binding: bool

    def get_property(self, prop: MessageProperty) -> Any:
        """WsGetMessageProperty for the security properties this server can produce."""
        prop = MessageProperty(prop)
        if prop == MessageProperty.PROTECTION_LEVEL:
            return self.protection_level
        if prop == MessageProperty.SAML_ASSERTION and self.has_saml_binding:
            return self.saml_assertion
        raise MessagePropertyUnavailable(
            f"R59: {prop.name} does not apply to this endpoint's security description "
            "(e.g. SAML_ASSERTION needs a SamlMessageSecurityBinding)."
        )


class MessageVerifier:
    """Checks requests against a server SecurityDescription (SSL and/or SAML bindings)."""

    def __init__(
        self,
        description: SecurityDescription,
        *,
        limits: ParseLimits = DEFAULT_LIMITS,
        clock: Callable[[], datetime] = utcnow,
        adapter: str = "wsbind",
    ) -> None:
        require_supported(description, SERVER_BINDINGS, adapter)
        description.validate(Side.SERVER, ChannelBinding.HTTP)
        self.description = description
        self.limits = limits
        self._clock = clock
        self._ssl = description.find(SslTransportSecurityBinding)
        saml = description.find(SamlMessageSecurityBinding)
        self.saml_binding = saml
        self._authenticator = saml.authenticator if saml is not None else None
        self._protection = ProtectionLevel.NONE if self._ssl is None else ProtectionLevel.SIGN_AND_ENCRYPT

    def verify(self, raw: bytes, transport: TransportFacts) -> VerifiedMessage:
        """Verify one request; raise SecurityVerificationError to refuse it."""
        if self._ssl is not None and not transport.is_https:
            raise SecurityVerificationError(
                FaultCode.INVALID_SECURITY, "tls-required", "request did not arrive over HTTPS"
            )
        try:
            root = parse_xml(raw, self.limits)
        except XmlRejected as exc:
            raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "unreadable-xml", str(exc)) from None
        envelope = read_envelope(root)
        if self._authenticator is None:
            return VerifiedMessage(envelope.soap_ns, self._protection, None, None, root, False)
        now = self._clock()
        created = self._check_security_header(envelope, now)
        assertion = self._authenticator.authenticate(
            self._single_saml_token(envelope),
            root,
            AuthenticationContext(
                now, self.description.max_allowed_clock_skew, self.description.allows_sha1, self.limits
            ),
        )
        return VerifiedMessage(envelope.soap_ns, self._protection, assertion, created, root, True)

    def _check_security_header(self, envelope: Envelope, now: datetime) -> datetime | None:
        security = envelope.security
        if security is None:
            raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "no-security-header", "")
        elements = [c for c in security if isinstance(c.tag, str)]
        timestamps = [c for c in elements if c.tag == f"{{{ns.WSU}}}Timestamp"]
        if len(timestamps) > 1:
            raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "several-timestamps", "")
        if not timestamps:
            if self.description.timestamp_usage != SecurityTimestampUsage.NEVER:
                raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "no-timestamp", "R64")
            return None
        layout = self.description.header_layout
        if (layout == SecurityHeaderLayout.LAX_WITH_TIMESTAMP_FIRST and elements[0] is not timestamps[0]) or (
            layout == SecurityHeaderLayout.LAX_WITH_TIMESTAMP_LAST and elements[-1] is not timestamps[0]
        ):
            raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "timestamp-position", f"R66 {layout.name}")
        return check_timestamp(
            timestamps[0],
            now,
            self.description.max_allowed_latency,
            self.description.max_allowed_clock_skew,
        )

    @staticmethod
    def _single_saml_token(envelope: Envelope) -> etree._Element:
        assert envelope.security is not None
        tokens = [c for c in envelope.security if isinstance(c.tag, str) and is_saml_token(c)]
        if not tokens:
            raise SecurityVerificationError(FaultCode.SECURITY_TOKEN_UNAVAILABLE, "no-saml-token", "")
        if len(tokens) > 1:
            raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "several-saml-tokens", "")
        return tokens[0]
