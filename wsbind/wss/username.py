"""WS-Security UsernameToken (PasswordText) and HTTP Basic credentials, both sides.

The client writes a UsernameToken from a ``StringUsernameCredential``; the server reads it back into
``UsernameTokenClaims`` and hands them to the application's password validator (R62). Only the
plain-text password form is carried: WWSAPI's validator callback takes ``(username, password)`` and
so can never check a PasswordDigest, which needs the stored clear password on our side.
"""

from __future__ import annotations

import binascii
import logging
import uuid
from dataclasses import dataclass, field

from lxml import etree

from wsbind.errors import FaultCode, SecurityVerificationError, WsBindValueError, loggable
from wsbind.model.bindings import PasswordValidator
from wsbind.model.credentials import StringUsernameCredential
from wsbind.soap import namespaces as ns
from wsbind.soap.xmlread import element_children

__all__ = [
    "USERNAME_TOKEN_PROFILE",
    "PASSWORD_TEXT",
    "PASSWORD_DIGEST",
    "UsernameTokenClaims",
    "build_username_token",
    "read_username_token",
    "check_password",
    "parse_basic_authorization",
]

# WSS UsernameToken Profile 1.0 identifiers ("TOKEN"/"PASSWORD" here are URI names, not secrets).
USERNAME_TOKEN_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"  # noqa: S105
PASSWORD_TEXT = USERNAME_TOKEN_PROFILE + "#PasswordText"
PASSWORD_DIGEST = USERNAME_TOKEN_PROFILE + "#PasswordDigest"

log = logging.getLogger(__name__)

_USERNAME_TOKEN = f"{{{ns.WSSE}}}UsernameToken"
_USERNAME = f"{{{ns.WSSE}}}Username"
_PASSWORD = f"{{{ns.WSSE}}}Password"
_SECURITY = f"{{{ns.WSSE}}}Security"
# Senders such as WSS4J add these for PasswordDigest or replay detection. With PasswordText over TLS
# they prove nothing the password does not, and we keep no nonce store, so they are read past.
_IGNORED_CHILDREN = frozenset({f"{{{ns.WSSE}}}Nonce", f"{{{ns.WSU}}}Created"})


@dataclass(frozen=True)
class UsernameTokenClaims:
    """What a received UsernameToken asserts; nothing here is verified until check_password."""

    username: str
    password: str = field(repr=False)


def build_username_token(credential: StringUsernameCredential) -> etree._Element:
    """A wsse:UsernameToken carrying the password as PasswordText (only safe inside TLS)."""
    if not credential.username.strip():
        raise WsBindValueError(
            "UsernameToken: the username is empty, and read_username_token on the server rejects an empty username. "
            "Fix: give StringUsernameCredential a non-empty username."
        )
    token = etree.Element(_USERNAME_TOKEN, nsmap={"wsse": ns.WSSE, "wsu": ns.WSU})
    token.set(f"{{{ns.WSU}}}Id", f"UsernameToken-{uuid.uuid4()}")
    username = etree.SubElement(token, _USERNAME)
    password = etree.SubElement(token, _PASSWORD, Type=PASSWORD_TEXT)
    # lxml refuses NUL and control characters; its message never contains the value, nor does ours.
    for element, what, value in (
        (username, "username", credential.username),
        (password, "password", credential.password),
    ):
        try:
            element.text = value
        except ValueError:
            raise WsBindValueError(
                f"UsernameToken: the {what} contains a character XML 1.0 cannot carry (NUL or a control "
                f"character). Fix: remove it from the {what} of the StringUsernameCredential."
            ) from None
    return token


def _reject(code: FaultCode, reason: str, detail: str) -> SecurityVerificationError:
    return SecurityVerificationError(code, reason, detail)


def _text_of(element: etree._Element, what: str) -> str:
    """Character content of a simple-text element; markup inside it is refused, not flattened."""
    if element_children(element):
        raise _reject(
            FaultCode.INVALID_SECURITY_TOKEN,
            "non-text-content",
            f"wsse:{what} must hold text only, found element {element_children(element)[0].tag}",
        )
    return str(element.xpath("string()"))  # XPath string value: text and CDATA, never comment text


def read_username_token(security: etree._Element) -> UsernameTokenClaims | None:
    """The one UsernameToken directly inside ``security`` (a wsse:Security header), or None.

    Raises SecurityVerificationError for anything but a single well-formed PasswordText token.
    The username loses surrounding whitespace (pretty-printed XML adds it); the password is kept
    exactly, since whitespace in it is significant.
    """
    if security.tag != _SECURITY:
        raise WsBindValueError(f"read_username_token takes the wsse:Security header element, got {security.tag}")
    tokens = [child for child in element_children(security) if child.tag == _USERNAME_TOKEN]
    if not tokens:
        return None
    if len(tokens) > 1:
        raise _reject(
            FaultCode.INVALID_SECURITY_TOKEN,
            "multiple-username-tokens",
            f"{len(tokens)} wsse:UsernameToken elements in one wsse:Security header; exactly one is allowed",
        )
    token = tokens[0]
    usernames: list[etree._Element] = []
    passwords: list[etree._Element] = []
    for child in element_children(token):
        if child.tag == _USERNAME:
            usernames.append(child)
        elif child.tag == _PASSWORD:
            passwords.append(child)
        elif child.tag not in _IGNORED_CHILDREN:
            raise _reject(
                FaultCode.INVALID_SECURITY_TOKEN,
                "unexpected-element",
                f"wsse:UsernameToken holds {child.tag}; only Username, Password, Nonce and Created are understood",
            )
    if len(usernames) != 1:
        raise _reject(
            FaultCode.INVALID_SECURITY_TOKEN,
            "malformed-username-token",
            f"wsse:UsernameToken has {len(usernames)} wsse:Username elements; exactly one is required",
        )
    if len(passwords) > 1:
        raise _reject(
            FaultCode.INVALID_SECURITY_TOKEN,
            "malformed-username-token",
            f"wsse:UsernameToken has {len(passwords)} wsse:Password elements; at most one is allowed",
        )
    username = _text_of(usernames[0], "Username").strip()
    if not username:
        raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "empty-username", "wsse:Username is empty")
    if not passwords:
        raise _reject(
            FaultCode.FAILED_AUTHENTICATION,
            "missing-password",
            f"wsse:UsernameToken for {username!r} has no wsse:Password, so nothing authenticates it",
        )
    password_type = passwords[0].get("Type")
    if password_type == PASSWORD_DIGEST:
        raise _reject(
            FaultCode.UNSUPPORTED_SECURITY_TOKEN,
            "password-digest",
            f"user {username!r} sent a PasswordDigest; the password validator takes (username, password) and "
            "cannot check a digest. The client must send PasswordText (over TLS).",
        )
    if password_type not in (None, PASSWORD_TEXT):
        raise _reject(
            FaultCode.UNSUPPORTED_SECURITY_TOKEN,
            "unsupported-password-type",
            f"wsse:Password Type {password_type!r} is neither absent nor {PASSWORD_TEXT}",
        )
    return UsernameTokenClaims(username, _text_of(passwords[0], "Password"))


def check_password(validator: PasswordValidator, claims: UsernameTokenClaims) -> None:
    """R62: only a validator that returns exactly True accepts; anything else rejects.

    A raising validator is the application's bug or outage, not the peer's business: it is logged
    (type only, since its message may echo the password) and turned into a failed authentication.
    """
    try:
        verdict: object = validator(claims.username, claims.password)
    except Exception as exc:  # the application's callback: any failure rejects (R62)
        log.warning(
            "R62: password_validator raised %s for user %s; the message is rejected. Its text is not logged "
            "because it may contain the password. Fix the validator to return True or False.",
            type(exc).__name__,
            loggable(repr(claims.username)),
        )
        raise _password_rejected(
            claims.username,
            f"the password of user {claims.username!r} was not checked: password_validator raised "
            f"{type(exc).__name__} (R62: a failing validator refuses)",
        ) from None
    if verdict is not True:
        raise _password_rejected(
            claims.username,
            f"password_validator refused the password of user {claims.username!r}: it returned "
            f"{_verdict_text(verdict)}{_type_note(verdict)} (R62: only True accepts)",
        )


def _password_rejected(username: str, detail: str) -> SecurityVerificationError:
    """FailedAuthentication naming the user as claimed (no signature vouches for a password's user)."""
    error = _reject(FaultCode.FAILED_AUTHENTICATION, "password-rejected", detail)
    error.identify(None, username, verified=False)
    return error


def _verdict_text(verdict: object) -> str:
    """Show booleans and None; a validator that returns a string might return the password itself."""
    return repr(verdict) if verdict is None or isinstance(verdict, bool | int) else "(value not shown)"


def _type_note(verdict: object) -> str:
    """Say the type where the value alone misleads (1 is not True; a string is not shown)."""
    return "" if verdict is None or isinstance(verdict, bool) else f", a {type(verdict).__name__}"


def _has_control_character(text: str) -> bool:
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text)


def parse_basic_authorization(header_value: str | None) -> tuple[str, str] | None:
    """(user-id, password) from an RFC 7617 ``Authorization: Basic`` value, else None.

    None covers both "no Basic credentials" and "malformed Basic credentials"; a server that
    requires Basic treats either as a failed authentication.
    """
    if header_value is None:
        return None
    scheme, _, rest = header_value.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    token = rest.strip(" ")
    if not token:
        return None
    try:
        decoded = binascii.a2b_base64(token.encode("ascii"), strict_mode=True).decode("utf-8")
    except (UnicodeError, binascii.Error):
        return None
    user, colon, password = decoded.partition(":")
    # RFC 7617: the user-id cannot contain a colon, and neither part may hold control characters.
    if not colon or not user or _has_control_character(decoded):
        return None
    return user, password
