"""UsernameToken build/read, the R62 password check, and HTTP Basic parsing.

Every token travels the way a real one does: put into the wsse:Security header of a SOAP envelope
(wsbind.header.security_header), serialised, and read back with the hardened parser.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

import pytest
from lxml import etree

from wsbind.errors import FaultCode, SecurityVerificationError
from wsbind.model.credentials import StringUsernameCredential
from wsbind.soap import namespaces as ns
from wsbind.soap.xmlparse import parse_xml
from wsbind.wss.header import security_header
from wsbind.wss.username import (
    PASSWORD_DIGEST,
    PASSWORD_TEXT,
    UsernameTokenClaims,
    build_username_token,
    check_password,
    parse_basic_authorization,
    read_username_token,
)

SOAP_NAMESPACES = [ns.SOAP11, ns.SOAP12]
WSSE = ns.WSSE
WSU = ns.WSU
PASSWORD = " s3cr\u00e9t pa55 "  # surrounding spaces and a non-ASCII letter: both must survive


def received_security(*tokens: etree._Element | bytes, soap_ns: str = ns.SOAP12) -> etree._Element:
    """Put tokens into a real envelope's wsse:Security, send it through bytes, return the read header."""
    envelope = etree.fromstring(
        f'<s:Envelope xmlns:s="{soap_ns}"><s:Header/><s:Body><t:op xmlns:t="urn:t"/></s:Body></s:Envelope>'.encode()
    )
    security = security_header(envelope)
    for token in tokens:
        security.append(parse_xml(token) if isinstance(token, bytes) else token)
    received = parse_xml(etree.tostring(envelope))
    found = received.find(f"{{{soap_ns}}}Header/{{{WSSE}}}Security")
    assert found is not None
    return found


def token_xml(inner: str, *, attrs: str = "") -> bytes:
    return (f'<wsse:UsernameToken xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" {attrs}>{inner}</wsse:UsernameToken>').encode()


def password_xml(text: str = "pw", type_uri: str | None = PASSWORD_TEXT) -> str:
    type_attr = "" if type_uri is None else f' Type="{type_uri}"'
    return f"<wsse:Password{type_attr}>{text}</wsse:Password>"


def rejection(security: etree._Element) -> SecurityVerificationError:
    with pytest.raises(SecurityVerificationError) as info:
        read_username_token(security)
    return info.value


# --- build / read round trip -------------------------------------------------------------------


@pytest.mark.parametrize("soap_ns", SOAP_NAMESPACES)
def test_round_trip_keeps_username_and_exact_password(soap_ns: str) -> None:
    token = build_username_token(StringUsernameCredential("alice@example.test", PASSWORD))
    claims = read_username_token(received_security(token, soap_ns=soap_ns))
    assert claims == UsernameTokenClaims("alice@example.test", PASSWORD)


def test_built_token_shape() -> None:
    token = build_username_token(StringUsernameCredential("bob", "pw"))
    assert token.tag == f"{{{WSSE}}}UsernameToken"
    assert token.get(f"{{{WSU}}}Id", "").startswith("UsernameToken-")
    assert [child.tag for child in token] == [f"{{{WSSE}}}Username", f"{{{WSSE}}}Password"]
    assert token[0].text == "bob"
    assert token[1].get("Type") == PASSWORD_TEXT
    assert PASSWORD_TEXT == (
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
    )
    other = build_username_token(StringUsernameCredential("bob", "pw"))
    assert other.get(f"{{{WSU}}}Id") != token.get(f"{{{WSU}}}Id")


def test_build_refuses_what_no_receiver_accepts() -> None:
    with pytest.raises(ValueError, match="username is empty"):
        build_username_token(StringUsernameCredential("  ", "pw"))
    with pytest.raises(ValueError, match="password contains a character") as info:
        build_username_token(StringUsernameCredential("bob", "bad\x00secret"))
    assert "secret" not in str(info.value)


def test_claims_repr_hides_password() -> None:
    claims = UsernameTokenClaims("alice", "hunter2")
    assert "hunter2" not in repr(claims)
    assert "alice" in repr(claims)


def test_no_username_token_gives_none() -> None:
    assert read_username_token(received_security()) is None


def test_nested_username_token_is_not_ours() -> None:
    wrapper = f'<x:Wrapper xmlns:x="urn:x">{token_xml("<wsse:Username>u</wsse:Username>" + password_xml()).decode()}'
    assert read_username_token(received_security((wrapper + "</x:Wrapper>").encode())) is None


def test_password_without_type_is_accepted_as_msal_sends_it() -> None:
    security = received_security(token_xml("<wsse:Username>msal-user</wsse:Username>" + password_xml("p", None)))
    assert read_username_token(security) == UsernameTokenClaims("msal-user", "p")


def test_username_whitespace_stripped_password_whitespace_kept() -> None:
    inner = "<wsse:Username>\n   carol \n</wsse:Username>" + password_xml("  two  spaces  ")
    assert read_username_token(received_security(token_xml(inner))) == UsernameTokenClaims("carol", "  two  spaces  ")


def test_nonce_created_and_comments_are_ignored() -> None:
    inner = (
        "<!-- hello --><wsse:Username>dave</wsse:Username>"
        + password_xml("p<!-- c -->w")
        + '<wsse:Nonce EncodingType="x">bm9uY2U=</wsse:Nonce><wsu:Created>2024-01-01T00:00:00Z</wsu:Created>'
    )
    assert read_username_token(received_security(token_xml(inner))) == UsernameTokenClaims("dave", "pw")


def test_empty_password_reaches_the_validator() -> None:
    security = received_security(token_xml("<wsse:Username>erin</wsse:Username>" + password_xml("")))
    assert read_username_token(security) == UsernameTokenClaims("erin", "")


def test_read_refuses_a_non_security_element() -> None:
    with pytest.raises(ValueError, match="wsse:Security"):
        read_username_token(etree.Element("Security"))


# --- rejections ---------------------------------------------------------------------------------


def test_two_username_tokens_rejected() -> None:
    one = build_username_token(StringUsernameCredential("a", "1"))
    two = build_username_token(StringUsernameCredential("b", "2"))
    error = rejection(received_security(one, two))
    assert (error.fault_code, error.reason) == (FaultCode.INVALID_SECURITY_TOKEN, "multiple-username-tokens")


@pytest.mark.parametrize(
    "inner",
    [
        password_xml(),  # no Username
        "<wsse:Username>a</wsse:Username><wsse:Username>b</wsse:Username>" + password_xml(),
        "<wsse:Username>a</wsse:Username>" + password_xml("1") + password_xml("2"),
    ],
    ids=["no-username", "two-usernames", "two-passwords"],
)
def test_malformed_token_rejected(inner: str) -> None:
    error = rejection(received_security(token_xml(inner)))
    assert (error.fault_code, error.reason) == (FaultCode.INVALID_SECURITY_TOKEN, "malformed-username-token")


def test_missing_password_fails_authentication() -> None:
    error = rejection(received_security(token_xml("<wsse:Username>frank</wsse:Username>")))
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "missing-password")


def test_password_digest_unsupported() -> None:
    inner = "<wsse:Username>gina</wsse:Username>" + password_xml("ZGlnZXN0", PASSWORD_DIGEST)
    error = rejection(received_security(token_xml(inner)))
    assert (error.fault_code, error.reason) == (FaultCode.UNSUPPORTED_SECURITY_TOKEN, "password-digest")
    assert "PasswordText" in error.detail


def test_unknown_password_type_unsupported() -> None:
    inner = "<wsse:Username>gina</wsse:Username>" + password_xml("x", "urn:example:otp")
    error = rejection(received_security(token_xml(inner)))
    assert (error.fault_code, error.reason) == (FaultCode.UNSUPPORTED_SECURITY_TOKEN, "unsupported-password-type")


@pytest.mark.parametrize(
    "inner",
    [
        '<wsse:Username>h<b xmlns="urn:x">i</b></wsse:Username>' + password_xml(),
        "<wsse:Username>hal</wsse:Username>" + password_xml('p<w xmlns="urn:x"/>'),
    ],
    ids=["element-in-username", "element-in-password"],
)
def test_markup_inside_text_rejected(inner: str) -> None:
    error = rejection(received_security(token_xml(inner)))
    assert (error.fault_code, error.reason) == (FaultCode.INVALID_SECURITY_TOKEN, "non-text-content")


def test_empty_username_rejected() -> None:
    error = rejection(received_security(token_xml("<wsse:Username>  </wsse:Username>" + password_xml())))
    assert (error.fault_code, error.reason) == (FaultCode.INVALID_SECURITY_TOKEN, "empty-username")


def test_unknown_child_rejected() -> None:
    inner = '<wsse:Username>ivy</wsse:Username><x:Extra xmlns:x="urn:x"/>' + password_xml()
    error = rejection(received_security(token_xml(inner)))
    assert (error.fault_code, error.reason) == (FaultCode.INVALID_SECURITY_TOKEN, "unexpected-element")


def test_rejection_details_never_hold_the_password() -> None:
    inner = "<wsse:Username>jo</wsse:Username>" + password_xml("TopSecret1", PASSWORD_DIGEST)
    assert "TopSecret1" not in str(rejection(received_security(token_xml(inner))))


# --- R62: the password validator --------------------------------------------------------------

SECRET = "correct horse \u00e9"


def raising(username: str, password: str) -> bool:
    raise RuntimeError(f"database down while checking {username}/{password}")


VERDICTS: list[tuple[str, Callable[[str, str], object]]] = [
    ("False", lambda u, p: False),
    ("None", lambda u, p: None),
    ("one", lambda u, p: 1),
    ("truthy-string", lambda u, p: p),
    ("raises", raising),
]


def test_validator_true_accepts_and_sees_exact_credentials() -> None:
    seen: list[tuple[str, str]] = []

    def validator(username: str, password: str) -> bool:
        seen.append((username, password))
        return True

    token = build_username_token(StringUsernameCredential("kim", SECRET))
    claims = read_username_token(received_security(token))
    assert claims is not None
    check_password(validator, claims)
    assert seen == [("kim", SECRET)]


@pytest.mark.parametrize(("name", "validator"), VERDICTS, ids=[name for name, _ in VERDICTS])
def test_validator_anything_but_true_rejects(
    name: str, validator: Callable[[str, str], object], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    claims = UsernameTokenClaims("lee", SECRET)
    with pytest.raises(SecurityVerificationError) as info:
        check_password(validator, claims)  # type: ignore[arg-type]  # the point is a badly typed callback
    error = info.value
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "password-rejected")
    assert "R62" in error.detail and "lee" in error.detail
    assert SECRET not in str(error)
    assert SECRET not in caplog.text
    for record in caplog.records:
        assert SECRET not in record.getMessage()


def test_raising_validator_is_logged_not_propagated(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="wsbind.wss.username")
    with pytest.raises(SecurityVerificationError) as info:
        check_password(raising, UsernameTokenClaims("max", SECRET))
    assert info.value.__cause__ is None and info.value.__suppress_context__
    records = [r for r in caplog.records if r.name == "wsbind.wss.username"]
    assert len(records) == 1
    assert "RuntimeError" in records[0].getMessage() and "max" in records[0].getMessage()
    assert SECRET not in caplog.text
    assert records[0].exc_info is None  # a traceback would carry the exception text, password included


def test_base_exceptions_are_not_swallowed() -> None:
    def interrupted(username: str, password: str) -> bool:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check_password(interrupted, UsernameTokenClaims("ned", "pw"))


# --- HTTP Basic (RFC 7617) ----------------------------------------------------------------------


def basic(raw: bytes, scheme: str = "Basic") -> str:
    return f"{scheme} {base64.b64encode(raw).decode('ascii')}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (basic(b"Aladdin:open sesame"), ("Aladdin", "open sesame")),
        (basic(b"Aladdin:open sesame", "bAsIc"), ("Aladdin", "open sesame")),
        ("  BASIC   " + basic(b"u:p").split()[1] + "  ", ("u", "p")),
        (basic(b"user:pa:ss:"), ("user", "pa:ss:")),
        (basic(b"user:"), ("user", "")),
        (basic("J\u00fcrgen:p\u00e4ss \u20ac".encode()), ("J\u00fcrgen", "p\u00e4ss \u20ac")),
        (basic("\u7530\u4e2d:\u79d8\u5bc6".encode()), ("\u7530\u4e2d", "\u79d8\u5bc6")),
    ],
    ids=["rfc-example", "scheme-case", "extra-spaces", "colons-in-password", "empty-password", "latin", "cjk"],
)
def test_basic_accepted(header: str, expected: tuple[str, str]) -> None:
    assert parse_basic_authorization(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic   ",
        "Bearer " + base64.b64encode(b"u:p").decode(),
        'Digest username="u"',
        "Basicx " + base64.b64encode(b"u:p").decode(),
        basic(b"no-colon"),
        basic(b":password-only"),
        basic(b"\xff\xfe:latin1-bytes"),
        basic("J\u00fcrgen:p".encode("latin-1")),
        basic(b"us\ter:p"),
        basic(b"user:p\x7fw"),
        "Basic dTpwdw",  # "u:pw" with its padding cut: not a multiple of four
        "Basic dTpwdw=",
        "Basic dTpwdw==dTpw",  # data after padding
        "Basic dTp!dw==",  # not in the alphabet
        "Basic dTpw dw==",  # a space inside the token
        "Basic dTp\u00e9dw==",  # non-ASCII in the header itself
        "Basic dTpwdw==, Basic dTpwdw==",
    ],
)
def test_basic_rejected(header: str | None) -> None:
    assert parse_basic_authorization(header) is None
