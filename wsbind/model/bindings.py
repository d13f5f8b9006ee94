"""The nine WWSAPI security bindings, one class each.

A binding says which one token secures the channel and how it is obtained and attached. The
classes only hold data; :class:`wsbind.SecurityDescription` checks the rules that tie them
together (``rules.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from wsbind.model.credentials import CertCredential, StringUsernameCredential, WindowsIntegratedAuthCredential
from wsbind.model.enums import MessageSecurityUsage, SecurityBindingType, SignedParts

if TYPE_CHECKING:
    from wsbind.model.description import SecurityDescription
    from wsbind.saml.authenticator import SamlAuthenticator
    from wsbind.wss.tokens import XmlSecurityToken, XmlTokenSource

BindingProperties = Mapping[Any, Any]
"""Keyed by SecurityBindingProperty (or its int value); checked by rules R2-R4."""
PasswordValidator = Callable[[str, str], bool]
"""WS_VALIDATE_PASSWORD_CALLBACK: ``(username, password) -> True`` to accept."""


class SecurityBinding:
    """Abstract base (WS_SECURITY_BINDING). ``binding_type`` must match the class (R1)."""

    binding_type: ClassVar[int]
    properties: BindingProperties

    @property
    def is_transport(self) -> bool:
        """A transport binding (SSL, or TCP / named-pipe SSPI): it secures the channel itself."""
        return self.binding_type in _TRANSPORT_TYPES

    @property
    def is_message(self) -> bool:
        """A message binding: it carries a token inside wsse:Security."""
        return self.binding_type in _MESSAGE_TYPES


@dataclass(frozen=True)
class SslTransportSecurityBinding(SecurityBinding):
    """TLS on HTTP. On a client, ``local_cert_credential`` is an optional client certificate;
    on a server it must stay None: the WSGI server owns the TLS certificate (R25)."""

    local_cert_credential: CertCredential | None = None
    properties: BindingProperties = field(default_factory=dict)
    binding_type: ClassVar[int] = SecurityBindingType.SSL_TRANSPORT


@dataclass(frozen=True)
class TcpSspiTransportSecurityBinding(SecurityBinding):
    """Windows integrated auth over net.tcp. Modelled and validated; no Python adapter carries it."""

    client_credential: WindowsIntegratedAuthCredential | None = None
    properties: BindingProperties = field(default_factory=dict)
    binding_type: ClassVar[int] = SecurityBindingType.TCP_SSPI_TRANSPORT


@dataclass(frozen=True)
class NamedPipeSspiTransportSecurityBinding(SecurityBinding):
    """Windows integrated auth over named pipes. Modelled and validated; no adapter carries it."""

    client_credential: WindowsIntegratedAuthCredential | None = None
    properties: BindingProperties = field(default_factory=dict)
    binding_type: ClassVar[int] = SecurityBindingType.NAMEDPIPE_SSPI_TRANSPORT


@dataclass(frozen=True)
class HttpHeaderAuthSecurityBinding(SecurityBinding):
    """HTTP Authorization header (Basic, Digest, NTLM, Negotiate, Passport); client auth only.

    ``password_validator`` is for servers using the BASIC scheme: WWSAPI checks Basic
    credentials against Windows accounts, which Linux does not have, so the application must.
    """

    client_credential: WindowsIntegratedAuthCredential | None = None
    password_validator: PasswordValidator | None = None
    properties: BindingProperties = field(default_factory=dict)
    binding_type: ClassVar[int] = SecurityBindingType.HTTP_HEADER_AUTH


@dataclass(frozen=True)
class UsernameMessageSecurityBinding(SecurityBinding):
    """WS-Security UsernameToken. Client: ``client_credential``; server: ``password_validator``."""

    client_credential: StringUsernameCredential | None = None
    password_validator: PasswordValidator | None = None
    binding_usage: int = MessageSecurityUsage.SUPPORTING
    properties: BindingProperties = field(default_factory=dict)
    binding_type: ClassVar[int] = SecurityBindingType.USERNAME_MESSAGE


@dataclass(frozen=True)
class KerberosApreqMessageSecurityBinding(SecurityBinding):
    """Kerberos AP-REQ in the WS-Security header. Modelled and validated; not carried yet."""

    client_credential: WindowsIntegratedAuthCredential | None = None
    binding_usage: int = MessageSecurityUsage.SUPPORTING
    properties: BindingProperties = field(default_factory=dict)
    binding_type: ClassVar[int] = SecurityBindingType.KERBEROS_APREQ_MESSAGE


@dataclass(frozen=True)
class XmlTokenMessageSecurityBinding(SecurityBinding):
    """Client only: presents an XML token the application already holds (e.g. issued SAML).

    ``xml_token`` is one token (copied when the channel is made, as in WWSAPI) or an
    XmlTokenSource such as ``zeep_wsbind.IssuedTokenProvider``, asked on every message.
    ``signed_parts``: what a holder-of-key token's proof signs besides the Timestamp (and To for
    an asymmetric key); the default is WWSAPI's, the Timestamp only.
    """

    xml_token: XmlSecurityToken | XmlTokenSource | None = None
    binding_usage: int = MessageSecurityUsage.SUPPORTING
    properties: BindingProperties = field(default_factory=dict)
    signed_parts: SignedParts = SignedParts.TIMESTAMP_ONLY
    binding_type: ClassVar[int] = SecurityBindingType.XML_TOKEN_MESSAGE


@dataclass(frozen=True)
class SamlMessageSecurityBinding(SecurityBinding):
    """Server only: accepts a SAML assertion in the WS-Security header, checked by ``authenticator``."""

    authenticator: SamlAuthenticator | None = None
    binding_usage: int = MessageSecurityUsage.SUPPORTING
    properties: BindingProperties = field(default_factory=dict)
    binding_type: ClassVar[int] = SecurityBindingType.SAML_MESSAGE


@dataclass(frozen=True)
class SecurityContextMessageSecurityBinding(SecurityBinding):
    """WS-SecureConversation context token bootstrapped by a nested description. Modelled only."""

    bootstrap_security_description: SecurityDescription | None = None
    binding_usage: int = MessageSecurityUsage.SUPPORTING
    properties: BindingProperties = field(default_factory=dict)
    binding_type: ClassVar[int] = SecurityBindingType.SECURITY_CONTEXT_MESSAGE


_TRANSPORT_TYPES = frozenset(
    {
        SecurityBindingType.SSL_TRANSPORT,
        SecurityBindingType.TCP_SSPI_TRANSPORT,
        SecurityBindingType.NAMEDPIPE_SSPI_TRANSPORT,
    }
)
_MESSAGE_TYPES = frozenset(
    {
        SecurityBindingType.USERNAME_MESSAGE,
        SecurityBindingType.KERBEROS_APREQ_MESSAGE,
        SecurityBindingType.XML_TOKEN_MESSAGE,
        SecurityBindingType.SAML_MESSAGE,
        SecurityBindingType.SECURITY_CONTEXT_MESSAGE,
    }
)

BINDING_CLASSES: Mapping[SecurityBindingType, type[SecurityBinding]] = {
    cls.binding_type: cls  # type: ignore[misc]
    for cls in (
        SslTransportSecurityBinding,
        TcpSspiTransportSecurityBinding,
        HttpHeaderAuthSecurityBinding,
        UsernameMessageSecurityBinding,
        KerberosApreqMessageSecurityBinding,
        XmlTokenMessageSecurityBinding,
        SamlMessageSecurityBinding,
        SecurityContextMessageSecurityBinding,
        NamedPipeSspiTransportSecurityBinding,
    )
}
