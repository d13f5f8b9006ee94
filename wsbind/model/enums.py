"""WWSAPI enumerations, with the numeric values of webservices.h."""

from __future__ import annotations

from enum import IntEnum, IntFlag


class SecurityBindingType(IntEnum):
    """WS_SECURITY_BINDING_TYPE: which binding a SecurityBinding is (its ``binding_type``)."""

    SSL_TRANSPORT = 1
    TCP_SSPI_TRANSPORT = 2
    HTTP_HEADER_AUTH = 3
    USERNAME_MESSAGE = 4
    KERBEROS_APREQ_MESSAGE = 5
    XML_TOKEN_MESSAGE = 6
    SAML_MESSAGE = 7
    SECURITY_CONTEXT_MESSAGE = 8
    NAMEDPIPE_SSPI_TRANSPORT = 9


class ChannelBinding(IntEnum):
    """WS_CHANNEL_BINDING: the transport a description is used with; rules R11-R14 tie bindings to it."""

    HTTP = 0
    TCP = 1
    UDP = 2
    CUSTOM = 3
    NAMEDPIPE = 4


class Side(IntEnum):
    """Which end a description secures: a channel (client) or a listener (server)."""

    CLIENT = 1
    SERVER = 2


class MessageSecurityUsage(IntEnum):
    """WS_MESSAGE_SECURITY_USAGE: message bindings carry supporting tokens only (R19)."""

    SUPPORTING = 1


class SamlAuthenticatorType(IntEnum):
    """WS_SAML_AUTHENTICATOR_TYPE: CERT_SIGNED is the one kind (CertSignedSamlAuthenticator)."""

    CERT_SIGNED = 1


class SecurityKeyHandleType(IntEnum):
    """WS_SECURITY_KEY_HANDLE_TYPE: raw symmetric bytes, or an asymmetric key.

    CAPI and NCRYPT have no Linux meaning; both wrap a ``cryptography`` private key here.
    """

    RAW_SYMMETRIC = 1
    NCRYPT_ASYMMETRIC = 2
    CAPI_ASYMMETRIC = 3


class ProtectionLevel(IntEnum):
    """WS_PROTECTION_LEVEL: what the transport must give; NONE on TRANSPORT_PROTECTION_LEVEL allows plain HTTP (R32)."""

    NONE = 1
    SIGN = 2
    SIGN_AND_ENCRYPT = 3


class SecurityProperty(IntEnum):
    """WS_SECURITY_PROPERTY_ID: the channel-wide properties of a description."""

    TRANSPORT_PROTECTION_LEVEL = 1
    ALGORITHM_SUITE = 2
    ALGORITHM_SUITE_NAME = 3
    MAX_ALLOWED_LATENCY = 4
    TIMESTAMP_VALIDITY_DURATION = 5
    MAX_ALLOWED_CLOCK_SKEW = 6
    TIMESTAMP_USAGE = 7
    SECURITY_HEADER_LAYOUT = 8
    SECURITY_HEADER_VERSION = 9
    EXTENDED_PROTECTION_POLICY = 10
    EXTENDED_PROTECTION_SCENARIO = 11
    SERVICE_IDENTITIES = 12


class SecurityBindingProperty(IntEnum):
    """WS_SECURITY_BINDING_PROPERTY_ID: the per-binding properties."""

    REQUIRE_SSL_CLIENT_CERT = 1
    WINDOWS_INTEGRATED_AUTH_PACKAGE = 2
    REQUIRE_SERVER_AUTH = 3
    ALLOW_ANONYMOUS_CLIENTS = 4
    ALLOWED_IMPERSONATION_LEVEL = 5
    HTTP_HEADER_AUTH_SCHEME = 6
    HTTP_HEADER_AUTH_TARGET = 7
    HTTP_HEADER_AUTH_BASIC_REALM = 8
    HTTP_HEADER_AUTH_DIGEST_REALM = 9
    HTTP_HEADER_AUTH_DIGEST_DOMAIN = 10
    SECURITY_CONTEXT_KEY_SIZE = 11
    SECURITY_CONTEXT_KEY_ENTROPY_MODE = 12
    MESSAGE_PROPERTIES = 13
    SECURITY_CONTEXT_MAX_PENDING_CONTEXTS = 14
    SECURITY_CONTEXT_MAX_ACTIVE_CONTEXTS = 15
    SECURE_CONVERSATION_VERSION = 16
    SECURITY_CONTEXT_SUPPORT_RENEW = 17
    SECURITY_CONTEXT_RENEWAL_INTERVAL = 18
    SECURITY_CONTEXT_ROLLOVER_INTERVAL = 19
    CERT_FAILURES_TO_IGNORE = 20
    DISABLE_CERT_REVOCATION_CHECK = 21
    DISALLOWED_SECURE_PROTOCOLS = 22
    CERTIFICATE_VALIDATION_CALLBACK_CONTEXT = 23


class MessageProperty(IntEnum):
    """The security-related WS_MESSAGE_PROPERTY_ID values."""

    USERNAME = 14
    ENCODED_CERT = 15
    TRANSPORT_SECURITY_WINDOWS_TOKEN = 16
    HTTP_HEADER_AUTH_WINDOWS_TOKEN = 17
    MESSAGE_SECURITY_WINDOWS_TOKEN = 18
    SAML_ASSERTION = 19
    SECURITY_CONTEXT = 20
    PROTECTION_LEVEL = 21


class SecurityTimestampUsage(IntEnum):
    """WS_SECURITY_TIMESTAMP_USAGE: when a wsu:Timestamp is sent and required (default ALWAYS)."""

    ALWAYS = 1
    NEVER = 2
    REQUESTS_ONLY = 3


class SecurityHeaderLayout(IntEnum):
    """WS_SECURITY_HEADER_LAYOUT: the element order wsse:Security must follow (default STRICT)."""

    STRICT = 1
    LAX = 2
    LAX_WITH_TIMESTAMP_FIRST = 3
    LAX_WITH_TIMESTAMP_LAST = 4


class SecurityHeaderVersion(IntEnum):
    """WS_SECURITY_HEADER_VERSION: WS-Security 1.0 or 1.1 (default V1_1)."""

    V1_0 = 1
    V1_1 = 2


class ExtendedProtectionPolicy(IntEnum):
    """WS_EXTENDED_PROTECTION_POLICY: channel-binding checks for HTTP header auth (server only, R41)."""

    NEVER = 1
    WHEN_SUPPORTED = 2
    ALWAYS = 3


class ExtendedProtectionScenario(IntEnum):
    """WS_EXTENDED_PROTECTION_SCENARIO: whether TLS ends at this server or at a proxy in front of it."""

    BOUND_SERVER = 1
    TERMINATED_SSL = 2


class SecurityAlgorithmSuiteName(IntEnum):
    """WS_SECURITY_ALGORITHM_SUITE_NAME: the WS-SecurityPolicy suites; ``*_SHA256`` ones use SHA-256, not SHA-1."""

    BASIC256 = 1
    BASIC192 = 2
    BASIC128 = 3
    BASIC256_RSA15 = 4
    BASIC192_RSA15 = 5
    BASIC128_RSA15 = 6
    BASIC256_SHA256 = 7
    BASIC192_SHA256 = 8
    BASIC128_SHA256 = 9
    BASIC256_SHA256_RSA15 = 10
    BASIC192_SHA256_RSA15 = 11
    BASIC128_SHA256_RSA15 = 12

    @property
    def uses_sha1_digest(self) -> bool:
        """True for the suites without ``SHA256`` in their name: they digest with SHA-1."""
        return "SHA256" not in self.name


class SecurityAlgorithmId(IntEnum):
    """WS_SECURITY_ALGORITHM_ID: one algorithm in a SecurityAlgorithmSuite; DEFAULT (0) lets the suite name decide."""

    DEFAULT = 0
    C14N_EXCLUSIVE = 1
    C14N_EXCLUSIVE_WITH_COMMENTS = 2
    DIGEST_SHA1 = 3
    DIGEST_SHA_256 = 4
    DIGEST_SHA_384 = 5
    DIGEST_SHA_512 = 6
    HMAC_SHA1 = 7
    HMAC_SHA_256 = 8
    HMAC_SHA_384 = 9
    HMAC_SHA_512 = 10
    ASYMMETRIC_RSA_SHA1 = 11
    ASYMMETRIC_DSA_SHA1 = 12
    ASYMMETRIC_RSA_SHA_256 = 13
    ASYMMETRIC_RSA_SHA_384 = 14
    ASYMMETRIC_RSA_SHA_512 = 15
    ASYMMETRIC_RSA_1_5 = 16
    ASYMMETRIC_RSA_OAEP = 17
    KEY_DERIVATION_P_SHA1 = 18


class WindowsIntegratedAuthPackage(IntEnum):
    """WS_WINDOWS_INTEGRATED_AUTH_PACKAGE: the SSPI package of a Windows credential (kept for the model)."""

    KERBEROS = 1
    NTLM = 2
    SPNEGO = 3


class ImpersonationLevel(IntEnum):
    """SECURITY_IMPERSONATION_LEVEL (winnt.h)."""

    ANONYMOUS = 0
    IDENTIFICATION = 1
    IMPERSONATION = 2
    DELEGATION = 3


class HttpHeaderAuthScheme(IntFlag):
    """WS_HTTP_HEADER_AUTH_SCHEME flags for HTTP_HEADER_AUTH_SCHEME; wsbind sends and checks BASIC."""

    NONE = 0x1
    BASIC = 0x2
    DIGEST = 0x4
    NTLM = 0x8
    NEGOTIATE = 0x10
    PASSPORT = 0x20


class HttpHeaderAuthTarget(IntEnum):
    """WS_HTTP_HEADER_AUTH_TARGET: authenticate to the service or to an HTTP proxy."""

    SERVICE = 1
    PROXY = 2


class SignedParts(IntFlag):
    """What a holder-of-key proof signs besides the Timestamp (not a WWSAPI enum: WWSAPI signs the
    Timestamp only, and the To header with an asymmetric key). Apache WSS4J/CXF, vCenter SSO and
    many WCF configurations also sign the Body and the WS-Addressing headers."""

    TIMESTAMP_ONLY = 0
    BODY = 0x1
    ADDRESSING_HEADERS = 0x2
    """To, Action, MessageID, ReplyTo and RelatesTo, those the message has."""


class CertFailure(IntFlag):
    """WS_CERT_FAILURE flags: server-certificate failures a client may ignore (CERT_FAILURES_TO_IGNORE)."""

    CN_MISMATCH = 0x1
    INVALID_DATE = 0x2
    UNTRUSTED_ROOT = 0x4
    WRONG_USAGE = 0x8
    REVOCATION_OFFLINE = 0x10


class SecureProtocol(IntFlag):
    """WS_SECURE_PROTOCOL flags: SSL/TLS versions, for DISALLOWED_SECURE_PROTOCOLS."""

    SSL2 = 0x1
    SSL3 = 0x2
    TLS1_0 = 0x4
    TLS1_1 = 0x8
    TLS1_2 = 0x10


class TrustVersion(IntEnum):
    """WS_TRUST_VERSION: FEBRUARY_2005 (WWSAPI's default, ``.../ws/2005/02/trust``) or V1_3 (``.../200512``)."""

    FEBRUARY_2005 = 1
    V1_3 = 2


class SecureConversationVersion(IntEnum):
    """WS_SECURE_CONVERSATION_VERSION: WS-SecureConversation February 2005 or 1.3."""

    FEBRUARY_2005 = 1
    V1_3 = 2


class RequestSecurityTokenAction(IntEnum):
    """WS_REQUEST_SECURITY_TOKEN_ACTION: what an RST asks for; wsbind carries ISSUE."""

    ISSUE = 1
    NEW_CONTEXT = 2
    RENEW_CONTEXT = 3


class SecurityKeyType(IntEnum):
    """WS_SECURITY_KEY_TYPE: the proof key an issued token carries, and the KeyType asked of an STS.

    NONE is a bearer token (no proof key: whoever holds it may present it); SYMMETRIC is
    holder-of-key with a shared secret the STS encrypts to the relying party; ASYMMETRIC a
    holder-of-key public key."""

    NONE = 1
    SYMMETRIC = 2
    ASYMMETRIC = 3


class SecurityKeyEntropyMode(IntEnum):
    """WS_SECURITY_KEY_ENTROPY_MODE: who supplies a symmetric proof key's entropy; COMBINED derives it with P_SHA1."""

    CLIENT_ONLY = 1
    SERVER_ONLY = 2
    COMBINED = 3


class SecurityTokenReferenceMode(IntEnum):
    """WS_SECURITY_TOKEN_REFERENCE_MODE: how a signature's KeyInfo points at its token."""

    LOCAL_ID = 1
    XML_BUFFER = 2
    CERT_THUMBPRINT = 3
    SECURITY_CONTEXT_ID = 4
    SAML_ASSERTION_ID = 5


class XmlSecurityTokenProperty(IntEnum):
    """WS_XML_SECURITY_TOKEN_PROPERTY_ID: the optional properties of create_xml_security_token."""

    ATTACHED_REFERENCE = 1
    UNATTACHED_REFERENCE = 2
    VALID_FROM_TIME = 3
    VALID_TILL_TIME = 4


class CertCredentialType(IntEnum):
    SUBJECT_NAME = 1
    THUMBPRINT = 2
    CUSTOM = 3


class WindowsIntegratedAuthCredentialType(IntEnum):
    STRING = 1
    DEFAULT = 2
    OPAQUE = 3


class UsernameCredentialType(IntEnum):
    STRING = 1


class SecurityBearerKeyTypeVersion(IntEnum):
    """Which WS-Trust 1.3 bearer KeyType URI to send (the spec, schema and errata disagree)."""

    ORIGINAL_SPECIFICATION = 1
    ORIGINAL_SCHEMA = 2
    ERRATA_01 = 3
