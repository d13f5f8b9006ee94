"""wsbind: WS-Security bindings for Python SOAP, after the WWSAPI security-binding model.

The core is framework-free: the model (descriptions, bindings, properties, rules), XML
security tokens and key handles, SAML assertions, the WS-Security header and the server-side
verifier. ``zeep_wsbind`` and ``spyne_wsbind`` adapt it to zeep clients and spyne services.
"""

from wsbind.errors import (
    AnonymousServerWarning,
    FaultCode,
    InsecureTransport,
    InvalidSecurityDescription,
    InvalidToken,
    KeyLoadError,
    MessagePropertyUnavailable,
    SecurityTokenServiceFault,
    SecurityVerificationError,
    TokenFreed,
    TokenRequestError,
    TokenUnavailable,
    TrustProtocolError,
    UnsupportedBinding,
    UnsupportedPolicy,
    WsBindError,
    WsBindTypeError,
    WsBindValueError,
)
from wsbind.model.algorithms import SecurityAlgorithmSuite
from wsbind.model.bindings import (
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
from wsbind.model.credentials import (
    CertCredential,
    DefaultWindowsIntegratedAuthCredential,
    OpaqueWindowsIntegratedAuthCredential,
    StringUsernameCredential,
    StringWindowsIntegratedAuthCredential,
    WindowsIntegratedAuthCredential,
)
from wsbind.model.description import SecurityDescription
from wsbind.model.enums import (
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
    SignedParts,
    TrustVersion,
    WindowsIntegratedAuthPackage,
    XmlSecurityTokenProperty,
)
from wsbind.model.limits import MessageLimits
from wsbind.outgoing import OutgoingSecurity
from wsbind.saml.assertion import SamlAssertion
from wsbind.saml.authenticator import CertSignedSamlAuthenticator, SamlAuthenticator, SamlValidator
from wsbind.saml.issuer import SamlIssuer, SamlVersion
from wsbind.saml.replay import ReplayCache, ReplayStore
from wsbind.saml.token_cache import ValidatedTokenCache
from wsbind.soap.namespaces import SAML11_TOKEN_TYPE, SAML20_TOKEN_TYPE
from wsbind.trust.params import RequestSecurityTokenParameters
from wsbind.verifier import MessageVerifier, TransportFacts, VerifiedMessage
from wsbind.wss.keys import (
    CapiAsymmetricSecurityKeyHandle,
    NcryptAsymmetricSecurityKeyHandle,
    RawSymmetricSecurityKeyHandle,
    SecurityKeyHandle,
)
from wsbind.wss.tokens import (
    XmlSecurityToken,
    XmlTokenSource,
    create_x509_security_token,
    create_xml_security_token,
    free_security_token,
)
from wsbind.xmlcrypto.certs import (
    CertificateSource,
    KeySource,
    load_certificate,
    load_certificates,
    load_key_and_certificate,
    load_private_key,
)

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
    "SignedParts",
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
    "create_x509_security_token",
    "free_security_token",
    "SamlAssertion",
    "SamlIssuer",
    "SamlVersion",
    "SAML11_TOKEN_TYPE",
    "SAML20_TOKEN_TYPE",
    # WS-Trust
    "RequestSecurityTokenParameters",
    "SecurityTokenServiceFault",
    "TokenRequestError",
    "TrustProtocolError",
    # the client's and the server's pipelines
    "OutgoingSecurity",
    "MessageVerifier",
    "TransportFacts",
    "VerifiedMessage",
    # errors
    "WsBindError",
    "WsBindValueError",
    "WsBindTypeError",
    "InvalidSecurityDescription",
    "UnsupportedBinding",
    "UnsupportedPolicy",
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
