"""The server-side verifier: raw request bytes in, a verified message or a fault code out.

Framework-free by design: an adapter hands it the bytes exactly as they arrived and a few
transport facts, and turns a SecurityVerificationError into a SOAP fault.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from lxml import etree

from wsbind.errors import (
    FaultCode,
    InvalidSecurityDescription,
    MessagePropertyUnavailable,
    SecurityVerificationError,
)
from wsbind.model.bindings import (
    HttpHeaderAuthSecurityBinding,
    SamlMessageSecurityBinding,
    SslTransportSecurityBinding,
    UsernameMessageSecurityBinding,
)
from wsbind.model.description import SecurityDescription
from wsbind.model.enums import (
    MessageProperty,
    ProtectionLevel,
    SecurityBindingProperty,
    SecurityHeaderLayout,
    SecurityTimestampUsage,
    Side,
)
from wsbind.model.support import validate_for_http
from wsbind.saml.assertion import SamlAssertion
from wsbind.saml.authenticator import AuthenticationContext, is_saml_token
from wsbind.soap import namespaces as ns
from wsbind.soap.envelope import Envelope, addressing_to, check_processing_attributes, read_envelope
from wsbind.soap.timeutil import utcnow
from wsbind.soap.xmlparse import XmlRejected, parse_xml
from wsbind.soap.xmlread import element_children
from wsbind.wss.timestamp import CheckedTimestamp, check_timestamp
from wsbind.wss.username import (
    UsernameTokenClaims,
    check_password,
    parse_basic_authorization,
    read_username_token,
)

SERVER_BINDINGS = (
    SslTransportSecurityBinding,
    HttpHeaderAuthSecurityBinding,
    UsernameMessageSecurityBinding,
    SamlMessageSecurityBinding,
)


@dataclass(frozen=True, kw_only=True)
class TransportFacts:
    """What the transport knows that the bytes do not."""

    is_https: bool
    authorization: str | None = None
    """The HTTP Authorization header, for HttpHeaderAuthSecurityBinding (BASIC)."""
    charset: str | None = None
    """The charset the HTTP Content-Type declares: frameworks decode the body with it, so the
    document must really be in it, or they would read other text than we verified."""
    remote_addr: str | None = None
    """The peer's IP address (WSGI REMOTE_ADDR), for SubjectConfirmationData/@Address."""
    client_certificate: str | None = None
    """The TLS client certificate (PEM) the server verified in the handshake, or None; what
    REQUIRE_SSL_CLIENT_CERT demands."""


class HttpAuthenticationFailed(SecurityVerificationError):
    """HTTP header authentication failed: answer 401 with a challenge, not only a fault."""


@dataclass(frozen=True, kw_only=True)
class VerifiedMessage:
    """The security results of one accepted request (WsGetMessageProperty's source)."""

    soap_ns: str
    protection_level: ProtectionLevel
    saml_assertion: SamlAssertion | None
    timestamp_created: datetime | None
    envelope: etree._Element
    has_saml_binding: bool
    username: str | None = None
    """Who authenticated with a UsernameToken or HTTP Basic (MessageProperty.USERNAME)."""
    client_certificate: x509.Certificate | None = None
    """The TLS client certificate the WSGI server verified, when REQUIRE_SSL_CLIENT_CERT asked for one."""

    def get_property(self, prop: MessageProperty) -> Any:
        """WsGetMessageProperty for the security properties this server can produce."""
        prop = MessageProperty(prop)
        if prop == MessageProperty.PROTECTION_LEVEL:
            return self.protection_level
        if prop == MessageProperty.SAML_ASSERTION and self.has_saml_binding:
            return self.saml_assertion
        if prop == MessageProperty.USERNAME and self.username is not None:
            return self.username
        raise MessagePropertyUnavailable(
            f"R59: {prop.name} does not apply to this endpoint's security description "
            "(e.g. SAML_ASSERTION needs a SamlMessageSecurityBinding, USERNAME a username or Basic binding)."
        )


class MessageVerifier:
    """Checks requests against a server SecurityDescription (SSL, Basic, username and SAML bindings)."""

    def __init__(
        self,
        description: SecurityDescription,
        *,
        clock: Callable[[], datetime] = utcnow,
        adapter: str = "wsbind",
    ) -> None:
        validate_for_http(description, Side.SERVER, SERVER_BINDINGS, adapter)
        self.description = description
        self._clock = clock
        self.limits = description.limits
        self._ssl = description.find(SslTransportSecurityBinding)
        self._basic = description.find(HttpHeaderAuthSecurityBinding)
        self._username = description.find(UsernameMessageSecurityBinding)
        saml = description.find(SamlMessageSecurityBinding)
        self.saml_binding = saml
        self._authenticator = saml.authenticator if saml is not None else None
        if getattr(self._authenticator, "detect_replay", False) and (
            description.timestamp_usage == SecurityTimestampUsage.NEVER
        ):
            raise InvalidSecurityDescription(
                "R64",
                "the authenticator has detect_replay=True but TIMESTAMP_USAGE is NEVER: a message is told "
                "from its replay by its Timestamp, and only for as long as the Timestamp is fresh.",
                "leave TIMESTAMP_USAGE at its default (ALWAYS), or turn detect_replay off.",
            )
        self._protection = ProtectionLevel.NONE if self._ssl is None else ProtectionLevel.SIGN_AND_ENCRYPT
        self._require_client_cert = self._ssl is not None and bool(
            self._ssl.properties.get(SecurityBindingProperty.REQUIRE_SSL_CLIENT_CERT)
        )

    def verify(self, raw: bytes, transport: TransportFacts) -> VerifiedMessage:
        """Verify one request; raise SecurityVerificationError to refuse it."""
        if self._ssl is not None and not transport.is_https:
            raise SecurityVerificationError(
                FaultCode.INVALID_SECURITY, "tls-required", "request did not arrive over HTTPS"
            )
        if self._require_client_cert and not transport.client_certificate:
            raise SecurityVerificationError(
                FaultCode.FAILED_AUTHENTICATION,
                "client-certificate-missing",
                "REQUIRE_SSL_CLIENT_CERT is set but the WSGI server reported no verified TLS client certificate "
                "(it must demand one in the handshake and pass it as SSL_CLIENT_CERT with SSL_CLIENT_VERIFY=SUCCESS, "
                "as cheroot and mod_ssl do)",
            )
        username = self._check_basic(transport.authorization)
        try:
            root = parse_xml(raw, self.limits)
        except XmlRejected as exc:
            raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "unreadable-xml", str(exc)) from None
        _check_encoding(root, transport.charset)
        envelope = read_envelope(root)
        check_processing_attributes(envelope)
        self._check_header_size(envelope)
        assertion: SamlAssertion | None = None
        created: datetime | None = None
        if self._authenticator is not None or self._username is not None:
            assertion, created, username = self._check_message_security(envelope, root, transport, username)
        elif envelope.security is not None:  # no binding asks for one, but a Timestamp sent is checked
            _, checked = self._check_security_header(envelope, self._clock(), required=False)
            created = checked.created if checked is not None else None
        return VerifiedMessage(
            soap_ns=envelope.soap_ns,
            protection_level=self._protection,
            saml_assertion=assertion,
            timestamp_created=created,
            envelope=root,
            has_saml_binding=self._authenticator is not None,
            username=username,
            client_certificate=self._client_certificate(transport),
        )

    def _client_certificate(self, transport: TransportFacts) -> x509.Certificate | None:
        if not self._require_client_cert or not transport.client_certificate:
            return None
        try:
            return x509.load_pem_x509_certificate(transport.client_certificate.encode("ascii"))
        except ValueError:
            reason, detail = "client-certificate-unreadable", "SSL_CLIENT_CERT is not a PEM certificate"
            raise SecurityVerificationError(FaultCode.FAILED_AUTHENTICATION, reason, detail) from None

    def _check_message_security(
        self, envelope: Envelope, root: etree._Element, transport: TransportFacts, username: str | None
    ) -> tuple[SamlAssertion | None, datetime | None, str | None]:
        """The Security header: Timestamp, then the UsernameToken and the SAML token the bindings ask for.

        Returns (assertion, the Timestamp's Created, the authenticated user name).
        """
        now = self._clock()
        timestamp, checked = self._check_security_header(envelope, now)
        assert envelope.security is not None  # checked above
        if self._username is not None:
            username = self._check_username_token(envelope.security)
        assertion = None
        if self._authenticator is not None:
            assertion = self._authenticator.authenticate(
                self._single_saml_token(envelope),
                root,
                AuthenticationContext(
                    now=now,
                    clock_skew=self.description.max_allowed_clock_skew,
                    allow_sha1=self.description.allows_sha1,
                    limits=self.limits,
                    security=envelope.security,
                    timestamp=timestamp,
                    to_header=addressing_to(envelope),
                    token_cache=self.description.token_cache,
                    fresh_until=checked.fresh_until if checked is not None else None,
                    peer_address=transport.remote_addr,
                ),
            )
        return assertion, checked.created if checked is not None else None, username

    def _check_header_size(self, envelope: Envelope) -> None:
        """Refuse headers no client needs before any token is looked at (MessageLimits)."""
        count = len(element_children(envelope.header)) if envelope.header is not None else 0
        if envelope.security is not None:
            count += len(element_children(envelope.security))
        if count > self.limits.max_header_elements:
            raise SecurityVerificationError(
                FaultCode.INVALID_SECURITY, "too-many-header-elements", f"{count} > {self.limits.max_header_elements}"
            )

    def _check_basic(self, authorization: str | None) -> str | None:
        if self._basic is None:
            return None
        credentials = parse_basic_authorization(authorization)
        if credentials is None:
            detail = "the request has no 'Authorization: Basic' header (or one that does not parse)"
            raise HttpAuthenticationFailed(FaultCode.FAILED_AUTHENTICATION, "http-auth-missing", detail)
        validator = self._basic.password_validator
        assert validator is not None  # R22
        claims = UsernameTokenClaims(*credentials)
        try:
            check_password(validator, claims)
        except SecurityVerificationError as exc:
            error = HttpAuthenticationFailed(exc.fault_code, "http-auth-rejected", exc.detail)
            error.identify(None, claims.username, verified=False)
            raise error from None
        return claims.username

    def _check_username_token(self, security: etree._Element) -> str:
        claims = read_username_token(security)
        if claims is None:
            raise SecurityVerificationError(FaultCode.SECURITY_TOKEN_UNAVAILABLE, "no-username-token", "")
        assert self._username is not None and self._username.password_validator is not None  # R22
        check_password(self._username.password_validator, claims)
        return claims.username

    def _check_security_header(
        self, envelope: Envelope, now: datetime, *, required: bool = True
    ) -> tuple[etree._Element | None, CheckedTimestamp | None]:
        security = envelope.security
        if security is None:
            raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "no-security-header", "")
        elements = element_children(security)
        timestamps = [c for c in elements if c.tag == f"{{{ns.WSU}}}Timestamp"]
        if len(timestamps) > 1:
            raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "several-timestamps", "")
        if not timestamps:
            if required and self.description.timestamp_usage != SecurityTimestampUsage.NEVER:
                raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "no-timestamp", "R64")
            return None, None
        layout = self.description.header_layout
        if (layout == SecurityHeaderLayout.LAX_WITH_TIMESTAMP_FIRST and elements[0] is not timestamps[0]) or (
            layout == SecurityHeaderLayout.LAX_WITH_TIMESTAMP_LAST and elements[-1] is not timestamps[0]
        ):
            raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "timestamp-position", f"R66 {layout.name}")
        checked = check_timestamp(
            timestamps[0],
            now,
            self.description.max_allowed_latency,
            self.description.max_allowed_clock_skew,
        )
        return timestamps[0], checked

    @staticmethod
    def _single_saml_token(envelope: Envelope) -> etree._Element:
        assert envelope.security is not None
        tokens = [c for c in element_children(envelope.security) if is_saml_token(c)]
        if not tokens:
            responses = [c for c in element_children(envelope.security) if c.tag in ns.SAML_RESPONSES]
            detail = (
                "the Security header holds a SAML protocol Response, not an assertion: WS-Security carries the "
                "signed assertion itself, so send the Assertion out of the Response (its own signature must cover it)"
                if responses
                else ""
            )
            raise SecurityVerificationError(FaultCode.SECURITY_TOKEN_UNAVAILABLE, "no-saml-token", detail)
        if len(tokens) > 1:
            raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "several-saml-tokens", "")
        return tokens[0]


def _check_encoding(root: etree._Element, charset: str | None) -> None:
    """Refuse a body whose real encoding differs from the declared charset (a parser differential)."""
    if charset is None:
        return
    encoding = root.getroottree().docinfo.encoding or "utf-8"
    try:
        same = codecs.lookup(charset).name == codecs.lookup(encoding).name
    except LookupError:
        same = False
    if not same:
        raise SecurityVerificationError(
            FaultCode.INVALID_SECURITY, "encoding-mismatch", f"charset {charset!r}, document in {encoding!r}"
        )
