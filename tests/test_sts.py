"""The security token service (spyne_wsbind.sts) over real HTTPS on 127.0.0.1.

Requests are built with wsbind.trust and OutgoingSecurity and posted with requests; MSAL's own
WS-Trust client is a second, independent requestor. Every token issued here is checked by the
``xmlsec1`` program against the STS certificate and by a real spyne relying party (our
verifier); holder-of-key tokens are also used to sign a call to that relying party.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import msal.wstrust_request  # type: ignore[import-untyped]
import msal.wstrust_response  # type: ignore[import-untyped]
import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from sts_setup import (
    RP,
    Endpoints,
    Exchange,
    TokenRecorder,
    basic_sts_description,
    bearer,
    password_check,
    relying_party_description,
    rp_whoami,
    send,
    session,
    username_sts_description,
    xmlsec1_verifies,
)
from support import Issuer, make_app, make_issuer

from samples.server import serve
from spyne_wsbind import SecurityHandler
from spyne_wsbind.sts import SecurityTokenService
from wsbind import (
    RawSymmetricSecurityKeyHandle,
    SecurityDescription,
    SecurityKeyEntropyMode,
    SecurityKeyType,
    SslTransportSecurityBinding,
    StringUsernameCredential,
    TrustVersion,
    UsernameMessageSecurityBinding,
    XmlSecurityToken,
    create_xml_security_token,
)
from wsbind.errors import TrustFaultCode
from wsbind.outgoing import OutgoingSecurity
from wsbind.saml.issuer import SamlIssuer
from wsbind.soap import namespaces as ns
from wsbind.soap.envelope import SOAP_CONTENT_TYPES, build_envelope, read_envelope
from wsbind.soap.xmlparse import parse_xml
from wsbind.trust.client import prepare_request, read_fault
from wsbind.trust.params import RequestSecurityTokenParameters
from wsbind.trust.protocol import trust_protocol
from wsbind.wss.header import apply_security_header

RP_BEARER_ONLY = "urn:rp:bearer-only"
MSAL_AUDIENCE = "urn:federation:MicrosoftOnline"
PASSWORDS = {"alice": "wonderland", "bob": "builder"}
SECRET_DETAIL = "directory-down-7f3a"  # must reach the log, never the peer
STS_NAME = "https://sts.example.test"  # the conftest saml_issuer's name

SAML11_URN = "urn:oasis:names:tc:SAML:1.0:assertion"
SAML20_URN = "urn:oasis:names:tc:SAML:2.0:assertion"
TOKEN_TYPES = {  # requested TokenType -> SAML version of the assertion
    ns.SAML11_TOKEN_TYPE: "1.1",
    SAML11_URN: "1.1",
    ns.SAML20_TOKEN_TYPE: "2.0",
    SAML20_URN: "2.0",
}
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
VERSIONS = [TrustVersion.FEBRUARY_2005, TrustVersion.V1_3]
VERSION_IDS = ["trust2005", "trust13"]


check_password = password_check(PASSWORDS)


def claims(username: str, applies_to: str) -> dict[str, list[str]]:
    if username == "bob":
        raise RuntimeError(SECRET_DETAIL)
    return {"role": ["reader", "writer"], "audience-seen": [applies_to]}


@pytest.fixture(scope="module")
def endpoints(
    tls: dict[str, Path], saml_issuer: SamlIssuer, issuer: Issuer, relying_party: Issuer
) -> Iterator[Endpoints]:
    sts = SecurityTokenService(
        saml_issuer,
        relying_parties={RP: relying_party.certificate, RP_BEARER_ONLY: None, MSAL_AUDIENCE: None},
        claims=claims,
        lifetime=timedelta(minutes=30),
    )
    rp_description = relying_party_description(issuer, relying_party, [RP, MSAL_AUDIENCE])
    rp_app = SecurityHandler(rp_description).wsgi_app(make_app(soap12=True))
    server_tls = (tls["cert"], tls["key"])
    issued: list[bytes] = []
    with (
        serve(TokenRecorder(sts.wsgi_app(username_sts_description(check_password)), issued), server_tls) as sts_url,
        serve(TokenRecorder(sts.wsgi_app(basic_sts_description(check_password)), issued), server_tls) as basic_url,
        serve(rp_app, server_tls) as rp_url,
    ):
        yield Endpoints(sts_url, basic_url, rp_url, tls["ca"], issued)


# --- a requestor built from wsbind.trust ---------------------------------------------------------


# --- oracles -------------------------------------------------------------------------------------


def assert_valid_everywhere(
    endpoints: Endpoints, token: XmlSecurityToken, xmlsec1: str, issuer: Issuer, tmp_path: Path, saml: str
) -> None:
    assert xmlsec1_verifies(xmlsec1, issuer.cert_file, token.xml, tmp_path)
    assert rp_whoami(endpoints, token) == f"alice|{STS_NAME}|reader,writer|{saml}"


def proof_key_in_assertion(token_xml: bytes, relying_party: Issuer) -> tuple[bytes, str]:
    """Decrypt the assertion's confirmation EncryptedKey as the relying party would; also
    return the certificate thumbprint it names."""
    root = etree.fromstring(token_xml)
    encrypted = root.findall(f".//{{{ns.DS}}}KeyInfo/{{{ns.XENC}}}EncryptedKey")
    assert encrypted, "holder-of-key assertion without an EncryptedKey"
    first = encrypted[0]
    method = first.find(f"{{{ns.XENC}}}EncryptionMethod")
    assert method is not None and method.get("Algorithm") == ns.RSA_OAEP_MGF1P
    assert method.find(f"{{{ns.DS}}}DigestMethod").get("Algorithm") == ns.SHA1  # type: ignore[union-attr]
    identifier = first.find(f"{{{ns.DS}}}KeyInfo/{{{ns.WSSE}}}SecurityTokenReference/{{{ns.WSSE}}}KeyIdentifier")
    assert identifier is not None and identifier.get("ValueType") == ns.THUMBPRINT_SHA1
    cipher = base64.b64decode(first.findtext(f"{{{ns.XENC}}}CipherData/{{{ns.XENC}}}CipherValue") or "")
    key = relying_party.private_key.decrypt(
        cipher,
        padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None),  # noqa: S303
    )
    return key, identifier.text or ""


# --- issuing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("soap12", [False, True], ids=["soap11", "soap12"])
@pytest.mark.parametrize("version", VERSIONS, ids=VERSION_IDS)
@pytest.mark.parametrize("token_type", list(TOKEN_TYPES), ids=["saml11", "saml11-urn", "saml20", "saml20-urn"])
def test_bearer_token_for_each_version_and_token_type(
    endpoints: Endpoints,
    xmlsec1: str,
    issuer: Issuer,
    tmp_path: Path,
    version: TrustVersion,
    soap12: bool,
    token_type: str,
) -> None:
    exchange = send(endpoints.sts, endpoints.ca, bearer(version, token_type), soap12=soap12)
    token = exchange.token()
    assert token.key is None
    protocol = trust_protocol(version)
    root = parse_xml(exchange.response.content)
    assert root.tag == f"{{{ns.SOAP12 if soap12 else ns.SOAP11}}}Envelope"
    assert root.findtext(f".//{{{ns.WSA}}}Action") == protocol.issue_response_action
    message_id = etree.fromstring(exchange.request).findtext(f".//{{{ns.WSA}}}MessageID")
    assert message_id and root.findtext(f".//{{{ns.WSA}}}RelatesTo") == message_id
    assert exchange.body_child.findtext(f".//{{{protocol.namespace}}}TokenType") == token_type
    assert token.valid_till is not None and token.valid_from is not None
    assert token.valid_till - token.valid_from == timedelta(minutes=30)
    saml = TOKEN_TYPES[token_type]
    method = etree.fromstring(token.xml).findtext(".//{*}ConfirmationMethod") or (
        etree.fromstring(token.xml).find(".//{*}SubjectConfirmation").get("Method")  # type: ignore[union-attr]
    )
    assert method == f"urn:oasis:names:tc:SAML:{'1.0' if saml == '1.1' else '2.0'}:cm:bearer"
    assert_valid_everywhere(endpoints, token, xmlsec1, issuer, tmp_path, saml)


def test_default_token_type_is_saml20(endpoints: Endpoints) -> None:
    token = send(endpoints.sts, endpoints.ca, bearer(TrustVersion.V1_3, token_type=None)).token()
    assert etree.fromstring(token.xml).tag == f"{{{ns.SAML2}}}Assertion"


def test_claims_and_audience_come_from_the_callback_and_applies_to(endpoints: Endpoints) -> None:
    token = send(endpoints.sts, endpoints.ca, bearer(TrustVersion.V1_3)).token()
    root = etree.fromstring(token.xml)
    assert root.findtext(f".//{{{ns.SAML2}}}Audience") == RP
    assert root.findtext(f".//{{{ns.SAML2}}}NameID") == "alice"
    values = {a.get("Name"): [v.text for v in a] for a in root.iterfind(f".//{{{ns.SAML2}}}Attribute")}
    assert values == {"role": ["reader", "writer"], "audience-seen": [RP]}


ENTROPY = [SecurityKeyEntropyMode.SERVER_ONLY, SecurityKeyEntropyMode.CLIENT_ONLY, SecurityKeyEntropyMode.COMBINED]


@pytest.mark.parametrize("saml", ["1.1", "2.0"])
@pytest.mark.parametrize("version", VERSIONS, ids=VERSION_IDS)
@pytest.mark.parametrize("entropy", ENTROPY, ids=[e.name.lower() for e in ENTROPY])
def test_symmetric_proof_key_reaches_the_relying_party(
    endpoints: Endpoints,
    xmlsec1: str,
    issuer: Issuer,
    relying_party: Issuer,
    tmp_path: Path,
    version: TrustVersion,
    entropy: SecurityKeyEntropyMode,
    saml: str,
) -> None:
    params = RequestSecurityTokenParameters(
        applies_to=RP,
        trust_version=version,
        issued_token_type=ns.SAML11_TOKEN_TYPE if saml == "1.1" else ns.SAML20_TOKEN_TYPE,
        issued_token_key_type=SecurityKeyType.SYMMETRIC,
        issued_token_key_entropy=entropy,
    )
    exchange = send(endpoints.sts, endpoints.ca, params)
    token = exchange.token()
    assert isinstance(token.key, RawSymmetricSecurityKeyHandle)
    client_key = token.key.key_bytes
    assert len(client_key) == 32  # the STS default, 256 bits
    if entropy is SecurityKeyEntropyMode.CLIENT_ONLY:
        assert client_key == exchange.prepared.requestor_entropy
    if entropy is SecurityKeyEntropyMode.COMBINED:
        assert client_key != exchange.prepared.requestor_entropy
    rp_key, thumbprint = proof_key_in_assertion(token.xml, relying_party)
    assert rp_key == client_key
    der = relying_party.certificate.public_bytes(serialization.Encoding.DER)
    assert thumbprint == base64.b64encode(hashlib.sha1(der).digest()).decode()  # noqa: S324
    assert token.attached_reference is not None and b"KeyIdentifier" in token.attached_reference
    hok = (
        "urn:oasis:names:tc:SAML:1.0:cm:holder-of-key"
        if saml == "1.1"
        else "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"
    )
    assert hok.encode() in token.xml
    assert_valid_everywhere(endpoints, token, xmlsec1, issuer, tmp_path, saml)


@pytest.mark.parametrize("bits", [128, 512])
def test_requested_key_size_is_honoured(endpoints: Endpoints, relying_party: Issuer, bits: int) -> None:
    params = RequestSecurityTokenParameters(
        applies_to=RP,
        trust_version=TrustVersion.V1_3,
        issued_token_key_type=SecurityKeyType.SYMMETRIC,
        issued_token_key_size=bits,
        issued_token_key_entropy=SecurityKeyEntropyMode.COMBINED,
    )
    token = send(endpoints.sts, endpoints.ca, params).token()
    assert isinstance(token.key, RawSymmetricSecurityKeyHandle)
    assert len(token.key.key_bytes) * 8 == bits
    assert proof_key_in_assertion(token.xml, relying_party)[0] == token.key.key_bytes


def test_context_is_echoed(endpoints: Endpoints) -> None:
    params = bearer(TrustVersion.FEBRUARY_2005)
    prepared = prepare_request(params)
    prepared.body.set("Context", "ctx-42")
    envelope = build_envelope(ns.SOAP12, prepared.body, action=prepared.action, to=endpoints.sts)
    OutgoingSecurity(
        SecurityDescription(
            [
                SslTransportSecurityBinding(),
                UsernameMessageSecurityBinding(client_credential=StringUsernameCredential("alice", "wonderland")),
            ]
        )
    ).apply(envelope, endpoints.sts)
    response = session(endpoints.ca).post(
        endpoints.sts, data=etree.tostring(envelope), headers={"Content-Type": SOAP_CONTENT_TYPES[ns.SOAP12]}
    )
    assert response.status_code == 200
    rstr = read_envelope(parse_xml(response.content)).body[0]
    assert rstr.get("Context") == "ctx-42"


# --- HTTP Basic ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS, ids=VERSION_IDS)
def test_basic_authenticated_sts(
    endpoints: Endpoints, xmlsec1: str, issuer: Issuer, tmp_path: Path, version: TrustVersion
) -> None:
    exchange = send(endpoints.basic, endpoints.ca, bearer(version), user=None, basic=("alice", "wonderland"))
    assert_valid_everywhere(endpoints, exchange.token(), xmlsec1, issuer, tmp_path, "2.0")


@pytest.mark.parametrize("credentials", [("alice", "wrong"), None], ids=["wrong-password", "no-credentials"])
def test_basic_refusal_is_a_trust_fault_with_a_challenge(
    endpoints: Endpoints, credentials: tuple[str, str] | None
) -> None:
    exchange = send(endpoints.basic, endpoints.ca, bearer(TrustVersion.V1_3), user=None, basic=credentials)
    assert exchange.response.status_code == 401
    assert exchange.response.headers["WWW-Authenticate"].startswith("Basic ")
    assert exchange.fault_code() == "wst:FailedAuthentication"


# --- refusals ----------------------------------------------------------------------------------------


def fault_namespace(exchange: Exchange) -> str | None:
    """The namespace the fault code's prefix is bound to, where the code element is."""
    fault = exchange.body_child
    code = fault.find("faultcode")
    if code is None:
        code = fault.find(f"{{{ns.SOAP12}}}Code/{{{ns.SOAP12}}}Subcode/{{{ns.SOAP12}}}Value")
    assert code is not None and code.text is not None
    return code.nsmap.get(code.text.split(":")[0])


@pytest.mark.parametrize("soap12", [False, True], ids=["soap11", "soap12"])
@pytest.mark.parametrize("version", VERSIONS, ids=VERSION_IDS)
def test_wrong_password_is_failed_authentication(endpoints: Endpoints, version: TrustVersion, soap12: bool) -> None:
    exchange = send(endpoints.sts, endpoints.ca, bearer(version), soap12=soap12, user=("alice", "nope"))
    assert exchange.fault_code() == "wst:FailedAuthentication"
    assert fault_namespace(exchange) == trust_protocol(version).namespace


def test_missing_credentials(endpoints: Endpoints) -> None:
    """A Security header without a UsernameToken fails authentication; no Security header at all
    is a malformed request for this endpoint (the handler's InvalidSecurity)."""
    params = bearer(TrustVersion.V1_3)
    prepared = prepare_request(params)
    envelope = build_envelope(ns.SOAP12, prepared.body, action=prepared.action, to=endpoints.sts)
    apply_security_header(envelope, [], now=datetime.now(timezone.utc), timestamp_validity=timedelta(minutes=5))
    response = session(endpoints.ca).post(
        endpoints.sts, data=etree.tostring(envelope), headers={"Content-Type": SOAP_CONTENT_TYPES[ns.SOAP12]}
    )
    assert Exchange(params, prepared, b"", response).fault_code() == "wst:FailedAuthentication"
    exchange = send(endpoints.sts, endpoints.ca, params, user=None)
    assert exchange.fault_code() == "wst:InvalidRequest"


def invalid_request_cases() -> list[object]:
    v13, feb = trust_protocol(TrustVersion.V1_3), trust_protocol(TrustVersion.FEBRUARY_2005)

    def params(version: TrustVersion, **fields: object) -> RequestSecurityTokenParameters:
        base: dict[str, object] = {"applies_to": RP, "trust_version": version}
        base.update(fields)
        return RequestSecurityTokenParameters(**base)  # type: ignore[arg-type]

    symmetric = {"issued_token_key_type": SecurityKeyType.SYMMETRIC}
    none = {"issued_token_key_type": SecurityKeyType.NONE}
    return [
        pytest.param(
            params(TrustVersion.V1_3, applies_to="https://evil.example/", **none), None, id="unknown-applies-to"
        ),
        pytest.param(params(TrustVersion.V1_3, applies_to=None, **none), None, id="no-applies-to"),
        pytest.param(
            params(TrustVersion.V1_3, issued_token_type="urn:example:jwt", **none), None, id="unsupported-token-type"
        ),
        pytest.param(params(TrustVersion.V1_3, **symmetric), {"KeyType": v13.public_key_type}, id="asymmetric-13"),
        pytest.param(
            params(TrustVersion.FEBRUARY_2005, **symmetric), {"KeyType": feb.public_key_type}, id="asymmetric-2005"
        ),
        pytest.param(
            params(TrustVersion.V1_3, applies_to=RP_BEARER_ONLY, **symmetric), None, id="symmetric-for-bearer-only-rp"
        ),
        pytest.param(params(TrustVersion.V1_3, issued_token_key_size=64, **symmetric), None, id="key-too-small"),
        pytest.param(params(TrustVersion.V1_3, **none), {"RequestType": v13.namespace + "/Renew"}, id="renew"),
    ]


@pytest.mark.parametrize(("params", "edit"), invalid_request_cases())
def test_invalid_requests_are_refused(
    endpoints: Endpoints,
    params: RequestSecurityTokenParameters,
    edit: dict[str, str] | None,
) -> None:
    issued_before = len(endpoints.issued)
    exchange = send(endpoints.sts, endpoints.ca, params, edit=edit)
    assert exchange.response.status_code == 500
    assert exchange.fault_code() == "wst:InvalidRequest"
    assert fault_namespace(exchange) == trust_protocol(params.trust_version).namespace
    assert b"Traceback" not in exchange.response.content
    assert len(endpoints.issued) == issued_before


def test_claims_failure_is_request_failed_and_stays_in_the_log(
    endpoints: Endpoints, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="spyne_wsbind.sts"):
        exchange = send(endpoints.sts, endpoints.ca, bearer(TrustVersion.V1_3), user=("bob", "builder"))
    assert exchange.fault_code() == "wst:RequestFailed"
    assert SECRET_DETAIL.encode() not in exchange.response.content
    assert any(SECRET_DETAIL in (r.exc_text or "") or SECRET_DETAIL in str(r.exc_info) for r in caplog.records)


GARBAGE = [
    pytest.param(b"not xml at all", id="not-xml"),
    pytest.param(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", id="doctype"),
    pytest.param(b"\xff\xfe\x00<", id="binary"),
    pytest.param(b"", id="empty"),
]


@pytest.mark.parametrize("body", GARBAGE)
@pytest.mark.parametrize("soap12", [False, True], ids=["soap11", "soap12"])
def test_garbage_gets_a_fault_and_no_traceback(endpoints: Endpoints, body: bytes, soap12: bool) -> None:
    soap_ns = ns.SOAP12 if soap12 else ns.SOAP11
    response = session(endpoints.ca).post(
        endpoints.sts + "adfs/services/trust/13/usernamemixed",
        data=body,
        headers={"Content-Type": SOAP_CONTENT_TYPES[soap_ns]},
        timeout=30,
    )
    assert response.status_code == 500
    root = parse_xml(response.content)
    fault = read_fault(read_envelope(root).body[0])
    assert fault is not None and fault.code == "wst:InvalidRequest"
    assert root.tag == f"{{{soap_ns}}}Envelope"
    assert b"Traceback" not in response.content


def test_authenticated_envelope_without_an_rst_is_invalid_request(endpoints: Endpoints) -> None:
    body = etree.fromstring(f'<wst:Cancel xmlns:wst="{trust_protocol(TrustVersion.V1_3).namespace}"/>'.encode())
    envelope = build_envelope(ns.SOAP12, body, action="urn:x", to=endpoints.sts)
    OutgoingSecurity(
        SecurityDescription(
            [
                SslTransportSecurityBinding(),
                UsernameMessageSecurityBinding(client_credential=StringUsernameCredential("alice", "wonderland")),
            ]
        )
    ).apply(envelope, endpoints.sts)
    response = session(endpoints.ca).post(
        endpoints.sts, data=etree.tostring(envelope), headers={"Content-Type": SOAP_CONTENT_TYPES[ns.SOAP12]}
    )
    fault = read_fault(read_envelope(parse_xml(response.content)).body[0])
    assert fault is not None and fault.code == "wst:InvalidRequest"
    assert b"Cancel" not in response.content  # spyne's "resource not found" text is not passed on


def test_plain_http_is_refused(tls: dict[str, Path], saml_issuer: SamlIssuer, relying_party: Issuer) -> None:
    sts = SecurityTokenService(saml_issuer, relying_parties={RP: relying_party.certificate})
    with serve(sts.wsgi_app(username_sts_description(check_password))) as url:
        prepared = prepare_request(bearer(TrustVersion.V1_3))
        envelope = build_envelope(ns.SOAP12, prepared.body, action=prepared.action, to=url)
        response = requests.post(
            url, data=etree.tostring(envelope), headers={"Content-Type": SOAP_CONTENT_TYPES[ns.SOAP12]}, timeout=30
        )
    fault = read_fault(read_envelope(parse_xml(response.content)).body[0])
    assert fault is not None and fault.code == "wst:InvalidRequest"


# --- configuration errors --------------------------------------------------------------------------


def test_configuration_is_checked(saml_issuer: SamlIssuer, pki_dir: Path, relying_party: Issuer) -> None:
    with pytest.raises(ValueError, match="arbitrary audiences"):
        SecurityTokenService(saml_issuer, relying_parties={})
    ec_party = make_issuer(pki_dir, "ec-relying-party", ec_key=True)
    with pytest.raises(ValueError, match="RSA"):
        SecurityTokenService(saml_issuer, relying_parties={RP: ec_party.certificate})
    with pytest.raises(ValueError, match="default_token_type"):
        SecurityTokenService(saml_issuer, relying_parties={RP: None}, default_token_type="urn:example:jwt")
    with pytest.raises(ValueError, match="key_size"):
        SecurityTokenService(saml_issuer, relying_parties={RP: None}, key_size=100)
    sts = SecurityTokenService(saml_issuer, relying_parties={RP: relying_party.certificate})
    with pytest.raises(ValueError, match="authenticate"):
        sts.wsgi_app(SecurityDescription([SslTransportSecurityBinding()]))


# --- interop: MSAL's WS-Trust client -------------------------------------------------------------


@pytest.mark.parametrize("trust_path", ["13", "2005"])
def test_msal_gets_a_token_our_verifier_and_xmlsec1_accept(
    endpoints: Endpoints, xmlsec1: str, issuer: Issuer, tmp_path: Path, trust_path: str
) -> None:
    address = f"{endpoints.sts}adfs/services/trust/{trust_path}/usernamemixed"
    result = msal.wstrust_request.send_request(
        "alice", "wonderland", MSAL_AUDIENCE, address, None, session(endpoints.ca)
    )
    assert result["type"] == ns.SAML20_TOKEN_TYPE
    token_xml: bytes = result["token"]
    assert xmlsec1_verifies(xmlsec1, issuer.cert_file, token_xml, tmp_path)
    answer = rp_whoami(endpoints, create_xml_security_token(token_xml))
    assert answer == f"alice|{STS_NAME}|reader,writer|2.0"


@pytest.mark.parametrize("trust_path", ["13", "2005"])
def test_msal_reads_our_failed_authentication_fault(endpoints: Endpoints, trust_path: str) -> None:
    address = f"{endpoints.sts}adfs/services/trust/{trust_path}/usernamemixed"
    with pytest.raises(RuntimeError) as caught:
        msal.wstrust_request.send_request("alice", "wrong", MSAL_AUDIENCE, address, None, session(endpoints.ca))
    assert "'code': 'wst:FailedAuthentication'" in str(caught.value)
    assert f"'reason': '{TrustFaultCode.FAILED_AUTHENTICATION.generic_message}'" in str(caught.value)


def test_msal_parses_our_response_body_directly(endpoints: Endpoints) -> None:
    """parse_response slices text: the assertion must sit verbatim, with its own xmlns."""
    exchange = send(endpoints.sts, endpoints.ca, bearer(TrustVersion.V1_3))
    parsed = msal.wstrust_response.parse_response(exchange.response.text)
    assert parsed["token"] == exchange.token().xml


# --- the xmlsec1 oracle can fail -------------------------------------------------------------------


def test_xmlsec1_rejects_a_tampered_issued_token(
    endpoints: Endpoints, xmlsec1: str, issuer: Issuer, rogue: Issuer, tmp_path: Path
) -> None:
    token = send(endpoints.sts, endpoints.ca, bearer(TrustVersion.V1_3)).token().xml
    assert xmlsec1_verifies(xmlsec1, issuer.cert_file, token, tmp_path)
    assert not xmlsec1_verifies(xmlsec1, issuer.cert_file, token.replace(b">alice<", b">alicf<"), tmp_path)
    assert not xmlsec1_verifies(xmlsec1, rogue.cert_file, token, tmp_path)


def test_every_token_issued_in_this_module_verifies_with_xmlsec1(
    endpoints: Endpoints, xmlsec1: str, issuer: Issuer, tmp_path: Path
) -> None:
    """Run last in file order it covers every test's tokens; alone, at least its own."""
    send(endpoints.sts, endpoints.ca, bearer(TrustVersion.FEBRUARY_2005, ns.SAML11_TOKEN_TYPE)).token()
    assert endpoints.issued
    failed = [t for t in endpoints.issued if not xmlsec1_verifies(xmlsec1, issuer.cert_file, t, tmp_path)]
    assert not failed
