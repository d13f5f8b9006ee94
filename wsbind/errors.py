"""Exceptions. Everything wsbind raises derives from :class:`WsBindError`."""

from __future__ import annotations

import re
from enum import Enum


class WsBindError(Exception):
    """Root of every error wsbind raises."""


class WsBindValueError(WsBindError, ValueError):
    """A value given to wsbind is wrong; the message says which and how to fix it.

    Also a ``ValueError``, so code that catches that keeps working.
    """


class WsBindTypeError(WsBindError, TypeError):
    """A value given to wsbind has the wrong type; also a ``TypeError``."""


class InvalidSecurityDescription(WsBindError, ValueError):
    """A description breaks a creation-time rule; the message names it ("R18: ...")."""

    def __init__(self, rule: str, problem: str, fix: str) -> None:
        self.rule = rule
        self.problem = problem
        self.fix = fix
        super().__init__(f"{rule}: {problem} Fix: {fix}")


class AnonymousServerWarning(UserWarning):
    """A server description authenticates nobody: every caller over its transport is accepted.

    Filter it (``warnings.filterwarnings("ignore", category=AnonymousServerWarning)``) when an
    anonymous service is what you mean to run."""


class UnsupportedPolicy(WsBindError):
    """A WSDL's WS-Policy wsbind cannot satisfy or will not read; the message names what and why."""


class UnsupportedBinding(WsBindError):
    """The binding is valid in the model but this adapter cannot carry it."""


class InvalidToken(WsBindError, ValueError):
    """create_xml_security_token was given something that is not a usable token (R47-R51)."""

    def __init__(self, rule: str, problem: str) -> None:
        self.rule = rule
        super().__init__(f"{rule}: {problem}")


class TokenFreed(WsBindError):
    """The token was freed with free_security_token and its key material is gone."""


class TokenUnavailable(WsBindError):
    """No valid token is at hand and fetching one now would block (e.g. inside an event loop)."""


class InsecureTransport(WsBindError):
    """A token would have been sent over a channel that does not protect it (R30)."""


class KeyLoadError(WsBindError, ValueError):
    """A key or certificate could not be loaded; the message says what was given and what is accepted."""


class MessagePropertyUnavailable(WsBindError, LookupError):
    """The message property does not apply to this channel's security (R59)."""


class FaultCode(str, Enum):
    """The WS-Security 1.x fault codes (local names in the wsse namespace)."""

    UNSUPPORTED_SECURITY_TOKEN = "UnsupportedSecurityToken"
    UNSUPPORTED_ALGORITHM = "UnsupportedAlgorithm"
    INVALID_SECURITY = "InvalidSecurity"
    INVALID_SECURITY_TOKEN = "InvalidSecurityToken"
    FAILED_AUTHENTICATION = "FailedAuthentication"
    FAILED_CHECK = "FailedCheck"
    SECURITY_TOKEN_UNAVAILABLE = "SecurityTokenUnavailable"
    MESSAGE_EXPIRED = "MessageExpired"

    @property
    def generic_message(self) -> str:
        """The fault string sent to the peer: the spec's wording, never a detail."""
        return _GENERIC_MESSAGES[self]


_GENERIC_MESSAGES = {
    FaultCode.UNSUPPORTED_SECURITY_TOKEN: "An unsupported token was provided",
    FaultCode.UNSUPPORTED_ALGORITHM: "An unsupported signature or encryption algorithm was used",
    FaultCode.INVALID_SECURITY: "An error was discovered processing the <wsse:Security> header",
    FaultCode.INVALID_SECURITY_TOKEN: "An invalid security token was provided",
    FaultCode.FAILED_AUTHENTICATION: "The security token could not be authenticated or authorized",
    FaultCode.FAILED_CHECK: "The signature or decryption was invalid",
    FaultCode.SECURITY_TOKEN_UNAVAILABLE: "Referenced security token could not be retrieved",
    FaultCode.MESSAGE_EXPIRED: "The message has expired",
}


class SecurityVerificationError(WsBindError):
    """An incoming message failed verification.

    ``fault_code`` is what the peer sees (with its generic message); ``reason`` is a short
    machine-readable word for logs and tests; ``detail`` is for the log only.
    """

    issuer: str | None = None
    """The token's Issuer when one was read (for the log; see ``identity_verified``)."""
    subject: str | None = None
    """Who the request speaks for when known: the SAML NameID or the user name (for the log)."""
    identity_verified: bool = False
    """True when ``issuer`` and ``subject`` come from a signature that verified; False when they
    are only what the request claims (the refusal came before, or instead of, that check)."""

    def __init__(self, fault_code: FaultCode, reason: str, detail: str = "") -> None:
        self.fault_code = fault_code
        self.reason = reason
        self.detail = loggable(detail)
        super().__init__(f"{fault_code.value} ({reason}){': ' + self.detail if self.detail else ''}")

    def identify(self, issuer: str | None, subject: str | None, *, verified: bool) -> None:
        """Say whom the refused request was about, so the log line can name them (first call wins)."""
        if self.issuer is None and self.subject is None:
            self.issuer, self.subject, self.identity_verified = issuer, subject, verified


_DETAIL_LIMIT = 300
_LONG_RUN = re.compile(r"[A-Za-z0-9+/=_-]{48,}")


def loggable(text: str) -> str:
    """Details quote the request (a comment, an audience, a parser message): made one line and
    bounded here, so a request can neither forge log lines (CWE-117) nor flood the log, and
    long base64-like runs (a quoted signature, key or certificate) are elided, not logged."""
    escaped = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    escaped = _LONG_RUN.sub(lambda m: f"[{len(m.group())} characters]", escaped)
    return escaped if len(escaped) <= _DETAIL_LIMIT else escaped[:_DETAIL_LIMIT] + "..."


def not_authenticated(reason: str, detail: str = "") -> SecurityVerificationError:
    """Every cryptographic or trust failure (untrusted issuer, bad signature or digest,
    undecryptable, wrong proof key): one fault code and text on the wire, so a peer learns
    nothing about which part of a forgery failed; ``reason`` and ``detail`` go to the log."""
    return SecurityVerificationError(FaultCode.FAILED_AUTHENTICATION, reason, detail)


# ------------------------------------------------------------------ WS-Trust


class TokenRequestError(WsBindError, ValueError):
    """The token request's properties break a rule (R53-R56) or are unusable; says how to fix it."""

    def __init__(self, rule: str, problem: str, fix: str) -> None:
        self.rule = rule
        self.problem = problem
        self.fix = fix
        super().__init__(f"{rule}: {problem} Fix: {fix}")


class TrustProtocolError(WsBindError):
    """An RST or RSTR is malformed or not what was asked for; ``rule`` is R57/R58 when one applies."""

    def __init__(self, problem: str, rule: str | None = None) -> None:
        self.rule = rule
        self.problem = problem
        super().__init__(f"{rule}: {problem}" if rule else problem)


class SecurityTokenServiceFault(WsBindError):
    """The STS answered with a SOAP fault: ``code`` as received (QName text), ``reason`` its text."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"the security token service answered with a fault: {code}: {reason}")


class IssuanceRefused(WsBindError):
    """An STS refuses one token request: ``code`` goes to the requestor, ``detail`` only to the log."""

    def __init__(self, code: TrustFaultCode, detail: str) -> None:
        super().__init__(f"{code.value}: {detail}")
        self.code = code
        self.detail = detail


class TrustFaultCode(str, Enum):
    """WS-Trust's fault codes (local names in the wst namespace)."""

    INVALID_REQUEST = "InvalidRequest"
    FAILED_AUTHENTICATION = "FailedAuthentication"
    REQUEST_FAILED = "RequestFailed"
    INVALID_SECURITY_TOKEN = "InvalidSecurityToken"
    AUTHENTICATION_BAD_ELEMENTS = "AuthenticationBadElements"
    BAD_REQUEST = "BadRequest"
    EXPIRED_DATA = "ExpiredData"
    INVALID_TIME_RANGE = "InvalidTimeRange"
    INVALID_SCOPE = "InvalidScope"
    RENEW_NEEDED = "RenewNeeded"
    UNABLE_TO_RENEW = "UnableToRenew"

    @property
    def generic_message(self) -> str:
        """The fault string from WS-Trust's table: what a peer may see, never a detail."""
        return _TRUST_FAULT_MESSAGES[self]


_TRUST_FAULT_MESSAGES = {
    TrustFaultCode.INVALID_REQUEST: "The request was invalid or malformed",
    TrustFaultCode.FAILED_AUTHENTICATION: "Authentication failed",
    TrustFaultCode.REQUEST_FAILED: "The specified request failed",
    TrustFaultCode.INVALID_SECURITY_TOKEN: "Security token has been revoked",
    TrustFaultCode.AUTHENTICATION_BAD_ELEMENTS: "Insufficient Digest Elements",
    TrustFaultCode.BAD_REQUEST: "The specified RequestSecurityToken is not understood",
    TrustFaultCode.EXPIRED_DATA: "The request data is out-of-date",
    TrustFaultCode.INVALID_TIME_RANGE: "The requested time range is invalid or unsupported",
    TrustFaultCode.INVALID_SCOPE: "The request scope is invalid or unsupported",
    TrustFaultCode.RENEW_NEEDED: "A renewable security token has expired",
    TrustFaultCode.UNABLE_TO_RENEW: "The requested renewal failed",
}
