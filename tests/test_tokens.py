"""XML security tokens and key handles (WsCreateXmlSecurityToken, R47-R51)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from wsbind import (
    CapiAsymmetricSecurityKeyHandle,
    InvalidToken,
    NcryptAsymmetricSecurityKeyHandle,
    RawSymmetricSecurityKeyHandle,
    SecurityKeyHandleType,
    SecurityKeyType,
    TokenFreed,
    create_xml_security_token,
    free_security_token,
)

REF = (
    b'<wsse:SecurityTokenReference xmlns:wsse="urn:wsse">'
    b"<wsse:KeyIdentifier>_a</wsse:KeyIdentifier></wsse:SecurityTokenReference>"
)


@pytest.mark.parametrize(
    "bad",
    [b"", b"just text", b"<a/><b/>", b"<a>", b"<a/>trailing", b"<!-- c --><a/>", b"<!DOCTYPE a><a/>"],
    ids=["empty", "text", "two-elements", "unclosed", "trailing-text", "comment-beside", "doctype"],
)
def test_r47_token_must_be_exactly_one_element(bad: bytes) -> None:
    with pytest.raises(InvalidToken) as info:
        create_xml_security_token(bad)
    assert info.value.rule == "R47"


def test_r47_one_element_with_declaration_and_whitespace_is_fine() -> None:
    token = create_xml_security_token(b'<?xml version="1.0" encoding="UTF-8"?>\n  <a x="1"><b/></a>\n')
    assert token.xml == b'<a x="1"><b/></a>'
    assert token.key_type == SecurityKeyType.NONE


def test_token_bytes_are_kept_exactly_as_given() -> None:
    issued = b"<saml:Assertion xmlns:saml='urn:x'   ID='_1'>\n  <saml:Issuer>i</saml:Issuer></saml:Assertion>"
    assert create_xml_security_token(issued).xml == issued


def test_r49_key_requires_attached_reference() -> None:
    with pytest.raises(InvalidToken) as info:
        create_xml_security_token(b"<t/>", RawSymmetricSecurityKeyHandle(b"k" * 32))
    assert info.value.rule == "R49"


def test_r49_attached_reference_requires_key() -> None:
    with pytest.raises(InvalidToken) as info:
        create_xml_security_token(b"<t/>", attached_reference=REF)
    assert info.value.rule == "R49"


def test_r49_key_with_attached_reference_is_a_proof_token() -> None:
    token = create_xml_security_token(b"<t/>", RawSymmetricSecurityKeyHandle(b"k" * 32), attached_reference=REF)
    assert token.key_type == SecurityKeyType.SYMMETRIC
    assert token.attached_reference == REF


def test_r50_unattached_reference_on_bearer_token_is_rejected() -> None:
    with pytest.raises(InvalidToken) as info:
        create_xml_security_token(b"<t/>", unattached_reference=REF)
    assert info.value.rule == "R50"


@pytest.mark.parametrize("reference", [b"<a/><b/>", b"", b"text"])
def test_r51_references_must_be_one_element(reference: bytes) -> None:
    with pytest.raises(InvalidToken) as info:
        create_xml_security_token(
            b"<t/>", RawSymmetricSecurityKeyHandle(b"k"), attached_reference=REF, unattached_reference=reference
        )
    assert info.value.rule == "R51"


def test_validity_window_must_be_aware_and_ordered() -> None:
    now = dt.datetime.now(dt.timezone.utc)
    with pytest.raises(ValueError, match="timezone-aware"):
        create_xml_security_token(b"<t/>", valid_from=dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="later"):
        create_xml_security_token(b"<t/>", valid_from=now, valid_till=now)
    token = create_xml_security_token(b"<t/>", valid_from=now, valid_till=now + dt.timedelta(hours=1))
    assert token.valid_till - token.valid_from == dt.timedelta(hours=1)  # type: ignore[operator]


def test_free_wipes_the_key_and_forbids_use() -> None:
    handle = RawSymmetricSecurityKeyHandle(bytearray(b"secret-key-bytes"))
    token = create_xml_security_token(b"<t/>", handle, attached_reference=REF)
    internal = token.key
    assert isinstance(internal, RawSymmetricSecurityKeyHandle)
    raw = internal._key
    free_security_token(token)
    assert raw == bytearray(len(b"secret-key-bytes"))  # zeroed in place
    with pytest.raises(TokenFreed):
        _ = token.xml
    with pytest.raises(TokenFreed):
        _ = internal.key_bytes
    assert handle.key_bytes == b"secret-key-bytes"  # the caller's handle was copied, not taken


def test_token_as_context_manager_and_copy_independence() -> None:
    with create_xml_security_token(b"<t/>", RawSymmetricSecurityKeyHandle(b"k1"), attached_reference=REF) as token:
        copy = token.copy()
    assert token.is_freed and not copy.is_freed
    assert isinstance(copy.key, RawSymmetricSecurityKeyHandle) and copy.key.key_bytes == b"k1"


def test_asymmetric_key_handles_keep_wwsapi_types() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    ncrypt, capi = NcryptAsymmetricSecurityKeyHandle(key), CapiAsymmetricSecurityKeyHandle(key)
    assert (ncrypt.key_handle_type, capi.key_handle_type) == (
        SecurityKeyHandleType.NCRYPT_ASYMMETRIC,
        SecurityKeyHandleType.CAPI_ASYMMETRIC,
    )
    token = create_xml_security_token(b"<t/>", ncrypt, attached_reference=REF)
    assert token.key_type == SecurityKeyType.ASYMMETRIC
    with pytest.raises(TypeError):
        NcryptAsymmetricSecurityKeyHandle(b"not a key")  # type: ignore[arg-type]
