"""wsbind: WS-Security bindings for Python SOAP, after the WWSAPI security-binding model.

The core is framework-free: the model (descriptions, bindings, properties, rules), XML
security tokens and key handles, SAML assertions, the WS-Security header and the server-side
verifier. ``zeep_wsbind`` and ``spyne_wsbind`` adapt it to zeep clients and spyne services.
"""

from .algorithms import SecurityAlgorithmSuite
from .authenticator import CertSignedSamlAuthenticator, SamlAuthenticator, SamlValidator
from .bindings import (
    HttpHeaderAuthSecurityBinding,
    KerberosApreqMessageSecurityBinding,
    NamedPipeSspiTransportSecurityBinding,
    SamlMessageSecurityBinding,
    SecurityBinding,
    SecurityContextMessageSecurityBinding,
    SslTransportSecurityBinding,
    TcpSspiTransportSecurityBinding,
    UsernameMessageSecurityBinding,
    XmlTokenMessageSecurityBinding,
)
from .certs import (
    CertificateSource,
    KeySource,
    load_certificate,
    load_certificates,
    load_key_and_certificate,
    load_private_key,
)
from .credentials import (
    CertCredential,
    DefaultWindowsIntegratedAuthCredential,
    OpaqueWindowsIntegratedAuthCredential,
    StringUsernameCredential,
    StringWindowsIntegratedAuthCredential,
    WindowsIntegratedAuthCredential,
)
from .description import SecurityDescription
from .enums import (
    CertFailure,
    ChannelBinding,
    ExtendedProtectionPolicy,
    ExtendedProtectionScenario,
    HttpHeaderAuthScheme,
    HttpHeaderAuthTarget,
    ImpersonationLevel,
    MessageProperty,
    MessageSecurityUsage,
    ProtectionLevel,
    RequestSecurityTokenAction,
    SamlAuthenticatorType,
    SecureConversationVersion,
    SecureProtocol,
    SecurityAlgorithmId,
    SecurityAlgorithmSuiteName,
    SecurityBindingProperty,
    SecurityBindingType,
    SecurityHeaderLayout,
    SecurityHeaderVersion,
    SecurityKeyEntropyMode,
    SecurityKeyHandleType,
    SecurityKeyType,
    SecurityProperty,
    SecurityTimestampUsage,
    SecurityTokenReferenceMode,
    Side,
    TrustVersion,
    WindowsIntegratedAuthPackage,
    XmlSecurityTokenProperty,
)
from .errors import (
    AnonymousServerWarning,
    FaultCode,
    InsecureTransport,
    InvalidSecurityDescription,
    InvalidToken,
    KeyLoadError,
    MessagePropertyUnavailable,
    SecurityVerificationError,
    TokenFreed,
    TokenUnavailable,
    UnsupportedBinding,
    WsBindError,
)
from .keys import (
    CapiAsymmetricSecurityKeyHandle,
    NcryptAsymmetricSecurityKeyHandle,
    RawSymmetricSecurityKeyHandle,
    SecurityKeyHandle,
)
from .limits import MessageLimits
from .replay import ReplayCache, ReplayStore
from .saml import SamlAssertion
from .token_cache import ValidatedTokenCache
from .tokens import XmlSecurityToken, XmlTokenSource, create_xml_security_token, free_security_token
from .trust import (
    RequestSecurityTokenParameters,
    SecurityTokenServiceFault,
    TokenRequestError,
    TrustProtocolError,
)
from .verifier import MessageVerifier, TransportFacts, VerifiedMessage

__all__ = [
    # model
    "SecurityDescription",
    "MessageLimits",
    "ValidatedTokenCache",
    "SecurityBinding",
    "SecurityAlgorithmSuite",
    "SslTransportSecurityBinding",
    "TcpSspiTransportSecurityBinding",
    "NamedPipeSspiTransportSecurityBinding",
    "HttpHeaderAuthSecurityBinding",
    "UsernameMessageSecurityBinding",
    "KerberosApreqMessageSecurityBinding",
    "XmlTokenMessageSecurityBinding",
    "SamlMessageSecurityBinding",
    "SecurityContextMessageSecurityBinding",
    # keys and certificates from files or bytes
    "CertificateSource",
    "KeySource",
    "load_certificate",
    "load_certificates",
    "load_private_key",
    "load_key_and_certificate",
    "KeyLoadError",
    # credentials and authenticators
    "CertCredential",
    "WindowsIntegratedAuthCredential",
    "StringWindowsIntegratedAuthCredential",
    "DefaultWindowsIntegratedAuthCredential",
    "OpaqueWindowsIntegratedAuthCredential",
    "StringUsernameCredential",
    "SamlAuthenticator",
    "CertSignedSamlAuthenticator",
    "SamlValidator",
    "ReplayStore",
    "ReplayCache",
    # enums
    "SecurityBindingType",
    "ChannelBinding",
    "Side",
    "MessageSecurityUsage",
    "SamlAuthenticatorType",
    "SecurityKeyHandleType",
    "ProtectionLevel",
    "SecurityProperty",
    "SecurityBindingProperty",
    "MessageProperty",
    "SecurityTimestampUsage",
    "SecurityHeaderLayout",
    "SecurityHeaderVersion",
    "ExtendedProtectionPolicy",
    "ExtendedProtectionScenario",
    "SecurityAlgorithmSuiteName",
    "SecurityAlgorithmId",
    "WindowsIntegratedAuthPackage",
    "ImpersonationLevel",
    "HttpHeaderAuthScheme",
    "HttpHeaderAuthTarget",
    "CertFailure",
    "SecureProtocol",
    "TrustVersion",
    "SecureConversationVersion",
    "RequestSecurityTokenAction",
    "SecurityKeyType",
    "SecurityKeyEntropyMode",
    "SecurityTokenReferenceMode",
    "XmlSecurityTokenProperty",
    # keys and tokens
    "SecurityKeyHandle",
    "RawSymmetricSecurityKeyHandle",
    "NcryptAsymmetricSecurityKeyHandle",
    "CapiAsymmetricSecurityKeyHandle",
    "XmlSecurityToken",
    "XmlTokenSource",
    "create_xml_security_token",
    "free_security_token",
    "SamlAssertion",
    # WS-Trust
    "RequestSecurityTokenParameters",
    "SecurityTokenServiceFault",
    "TokenRequestError",
    "TrustProtocolError",
    # verification
    "MessageVerifier",
    "TransportFacts",
    "VerifiedMessage",
    # errors
    "WsBindError",
    "InvalidSecurityDescription",
    "UnsupportedBinding",
    "InvalidToken",
    "TokenFreed",
    "TokenUnavailable",
    "InsecureTransport",
    "MessagePropertyUnavailable",
    "SecurityVerificationError",
    "AnonymousServerWarning",
    "FaultCode",
]

# The one place the version is written: setup.cfg reads it from here (version = attr:) without importing.
__version__ = "0.1.0"
