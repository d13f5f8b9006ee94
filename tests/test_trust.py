"""WS-Trust core: P_SHA1, RST/RSTR for February 2005 and 1.3, rules R53-R58, faults, MSAL as an oracle."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import msal.wstrust_request
import msal.wstrust_response
import pytest
from lxml import etree
from msal.mex import Mex

from wsbind.errors import SecurityTokenServiceFault, TokenRequestError, TrustFaultCode, TrustProtocolError
from wsbind.model.enums import (
    RequestSecurityTokenAction,
    SecurityBearerKeyTypeVersion,
    SecurityKeyEntropyMode,
    SecurityKeyType,
    TrustVersion,
)
from wsbind.saml.issuer import SamlIssuer, SamlVersion
from wsbind.soap import namespaces as ns
from wsbind.soap.envelope import build_envelope
from wsbind.soap.xmlparse import parse_xml
from wsbind.trust.client import (
    PreparedRequest,
    prepare_request,
    read_fault,
    read_response,
    saml_token_reference,
)
from wsbind.trust.params import RequestSecurityTokenParameters
from wsbind.trust.protocol import (
    BEARER_KEY_TYPES,
    NO_PROOF_KEY,
    WSP,
    TrustProtocol,
    protocol_for_namespace,
    trust_protocol,
)
from wsbind.trust.psha1 import computed_key, p_sha1
from wsbind.trust.server import IssuedTokenResponse, build_response, build_trust_fault, read_request
from wsbind.wss.keys import RawSymmetricSecurityKeyHandle
from wsbind.wss.tokens import create_xml_security_token

FEB = trust_protocol(TrustVersion.FEBRUARY_2005)
V13 = trust_protocol(TrustVersion.V1_3)
VERSIONS = [TrustVersion.FEBRUARY_2005, TrustVersion.V1_3]
RP = "https://rp.example.test/service"
STS = "https://sts.example.test/trust"
NOW = datetime(2031, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
SAML2_TYPE = ns.SAML20_TOKEN_TYPE
CLAIMS = b'<c:Claims xmlns:c="urn:example:claims" Dialect="urn:d"><c:Claim Uri="urn:role"/></c:Claims>'
TEMPLATE = b'<x:Template xmlns:x="urn:example:template"><x:Option>1</x:Option></x:Template>'


# ---------------------------------------------------------------------------------- helpers


def independent_p_sha1(secret: bytes, seed: bytes, length: int) -> bytes:
    """P_SHA1 written from RFC 2246 a second way: list the A(i) first, then the output blocks."""
    a_values = [seed]
    while len(a_values) * 20 < length + 20:
        a_values.append(hmac.digest(secret, a_values[-1], "sha1"))
    output = bytearray()
    for a in a_values[1:]:
        output += hmac.digest(secret, a + seed, "sha1")
    return bytes(output[:length])


def on_the_wire(element: etree._Element, soap_ns: str = ns.SOAP12, action: str = "urn:a") -> etree._Element:
    """Send ``element`` as the Body of a real envelope: serialize, parse back, return the Body child."""
    data = etree.tostring(build_envelope(soap_ns, element, action=action, to=STS))
    return parse_xml(data)[-1][0]


def own_bytes(element: etree._Element) -> bytes:
    """An element's bytes without the ancestors' namespace declarations lxml would add."""
    return etree.tostring(copy.deepcopy(element))


def assertion(issuer: SamlIssuer, version: SamlVersion = SamlVersion.V2_0) -> bytes:
    return issuer.issue(subject="alice@example.test", version=version, audiences=[RP], now=NOW)


def child(parent: etree._Element, protocol: TrustProtocol, name: str) -> etree._Element:
    found = parent.find(protocol.tag(name))
    assert found is not None, name
    return found


def issue_response(
    protocol: TrustProtocol, token: bytes, request: etree._Element | None = None, **overrides: Any
) -> etree._Element:
    """What an STS answers: read the RST (when given) and build the RSTR."""
    context = None
    if request is not None:
        context = read_request(on_the_wire(request)).context
    fields: dict[str, Any] = {
        "token": token,
        "token_type": SAML2_TYPE,
        "attached_reference": None,
        "unattached_reference": None,
        "created": NOW,
        "expires": NOW + timedelta(hours=1),
        "applies_to": RP,
        "context": context,
    }
    fields.update(overrides)
    return on_the_wire(build_response(protocol, IssuedTokenResponse(**fields)), action=protocol.issue_response_action)


def params_for(version: TrustVersion, **kwargs: Any) -> RequestSecurityTokenParameters:
    return RequestSecurityTokenParameters(applies_to=RP, trust_version=version, **kwargs)


# ------------------------------------------------------------------------------------ P_SHA1


@pytest.mark.parametrize("length", [0, 1, 19, 20, 21, 32, 40, 64, 100, 257])
def test_p_sha1_matches_an_independent_computation(length: int) -> None:
    secret, seed = os.urandom(length % 37 + 1), os.urandom(length % 53 + 7)
    assert p_sha1(secret, seed, length) == independent_p_sha1(secret, seed, length)


def test_p_sha1_published_vector() -> None:
    # Test vectors of the Raku module Digest::PSHA1 (github.com/FROGGS/p6-Digest-PSHA1,
    # t/01-basic.t): psha1(client entropy, server entropy) with the 256-bit default key size,
    # i.e. P_SHA1(secret=first, seed=second)[:32], both directions.
    first = base64.b64decode("grrlUUfhuNwlvQzQ4bV6TT3wA8ieZPltIf4+H7nIvCE=")
    second = base64.b64decode("YLABh3ZmZyiO5gvVLZe9J4JPd9w59KGeTFwE85XlzxE=")
    assert base64.b64encode(computed_key(first, second, 256)) == b"Wv3QzY84KfgwSkn1z3QV+LXEoo3nPraZPysJYtA3u4c="
    assert base64.b64encode(computed_key(second, first, 256)) == b"g/uYZmYX7rOm/X7UV4usrvjIPCiWMWwNZJL0ejvz6Y4="


def test_computed_key_is_a_prefix_of_p_sha1_keyed_by_the_requestor() -> None:
    requestor, issuer = b"r" * 32, b"i" * 32
    assert computed_key(requestor, issuer, 128) == p_sha1(requestor, issuer, 16)
    assert computed_key(requestor, issuer, 256)[:16] == computed_key(requestor, issuer, 128)
    assert computed_key(requestor, issuer, 256) != computed_key(issuer, requestor, 256)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((b"", b"x", 256), ValueError),
        ((b"x", b"", 256), ValueError),
        ((b"x", b"y", 12), ValueError),
        ((b"x", b"y", 0), ValueError),
        ((b"x", b"y", "256"), TypeError),
    ],
)
def test_computed_key_refuses_bad_inputs(args: tuple[Any, ...], error: type[Exception]) -> None:
    with pytest.raises(error):
        computed_key(*args)


def test_p_sha1_refuses_bad_inputs() -> None:
    with pytest.raises(TypeError):
        p_sha1("secret", b"seed", 4)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        p_sha1(b"secret", b"seed", -1)


# ------------------------------------------------------------------------ protocol constants


def test_protocol_constants_per_version() -> None:
    assert FEB.namespace == "http://schemas.xmlsoap.org/ws/2005/02/trust"
    assert FEB.issue_action == FEB.namespace + "/RST/Issue"
    assert FEB.issue_response_action == FEB.namespace + "/RSTR/Issue"
    assert FEB.bearer_key_types[0] == NO_PROOF_KEY == "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey"
    assert V13.namespace == "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
    assert V13.issue_response_action == V13.namespace + "/RSTRC/IssueFinal"
    assert V13.bearer_key_types[0] == "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer"
    assert set(V13.bearer_key_types) == set(BEARER_KEY_TYPES.values())
    assert BEARER_KEY_TYPES[SecurityBearerKeyTypeVersion.ORIGINAL_SCHEMA].endswith("/wssx/wstrust/200512/Bearer")
    for protocol in (FEB, V13):
        assert protocol.psha1_algorithm == protocol.namespace + "/CK/PSHA1"
        assert protocol.nonce_type == protocol.namespace + "/Nonce"
        assert protocol_for_namespace(protocol.namespace) is protocol
    assert protocol_for_namespace(ns.WSSE) is None


# --------------------------------------------------------------------- parameters: R53-R56


def test_r53_asymmetric_key_type_is_rejected() -> None:
    with pytest.raises(TokenRequestError, match=r"^R53: .*Fix: ") as info:
        RequestSecurityTokenParameters(issued_token_key_type=SecurityKeyType.ASYMMETRIC)
    assert info.value.rule == "R53"


@pytest.mark.parametrize(
    "extra",
    [{"issued_token_key_size": 256}, {"issued_token_key_entropy": SecurityKeyEntropyMode.COMBINED}],
    ids=["key-size", "key-entropy"],
)
def test_r54_key_material_with_a_bearer_key_type_is_rejected(extra: dict[str, Any]) -> None:
    with pytest.raises(TokenRequestError, match=r"^R54: ") as info:
        RequestSecurityTokenParameters(issued_token_key_type=SecurityKeyType.NONE, **extra)
    assert info.value.rule == "R54"


def test_r55_existing_token_needs_renew_context() -> None:
    existing = create_xml_security_token(b"<t:Token xmlns:t='urn:t'/>")
    for action in (RequestSecurityTokenAction.ISSUE, RequestSecurityTokenAction.NEW_CONTEXT):
        with pytest.raises(TokenRequestError, match=r"^R55: .*RENEW_CONTEXT") as info:
            RequestSecurityTokenParameters(existing_token=existing, request_action=action)
        assert info.value.rule == "R55"


def test_r56_renew_context_needs_existing_token() -> None:
    with pytest.raises(TokenRequestError, match=r"^R56: .*existing_token") as info:
        RequestSecurityTokenParameters(request_action=RequestSecurityTokenAction.RENEW_CONTEXT)
    assert info.value.rule == "R56"


def test_secure_conversation_actions_pass_their_rules_but_are_not_carried() -> None:
    existing = create_xml_security_token(b"<t:Token xmlns:t='urn:t'/>")
    renew = RequestSecurityTokenParameters(
        request_action=RequestSecurityTokenAction.RENEW_CONTEXT, existing_token=existing
    )
    new = RequestSecurityTokenParameters(request_action=RequestSecurityTokenAction.NEW_CONTEXT)
    for params in (renew, new):
        with pytest.raises(TokenRequestError, match="WS-SecureConversation"):
            prepare_request(params)


@pytest.mark.parametrize("size", [0, -8, 12, 255])
def test_key_size_must_be_a_positive_multiple_of_8(size: int) -> None:
    with pytest.raises(TokenRequestError, match=r"^ISSUED_TOKEN_KEY_SIZE: "):
        RequestSecurityTokenParameters(issued_token_key_type=SecurityKeyType.SYMMETRIC, issued_token_key_size=size)


def test_parameter_types_and_values_are_checked() -> None:
    with pytest.raises(TypeError):
        RequestSecurityTokenParameters(issued_token_key_size="256")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        RequestSecurityTokenParameters(applies_to=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        RequestSecurityTokenParameters(existing_token=b"<t/>")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        RequestSecurityTokenParameters(trust_version="1.3")  # type: ignore[arg-type]
    with pytest.raises(TokenRequestError, match=r"^TRUST_VERSION: "):
        RequestSecurityTokenParameters(trust_version=7)  # type: ignore[arg-type]
    with pytest.raises(TokenRequestError, match=r"^ISSUED_TOKEN_TYPE: "):
        RequestSecurityTokenParameters(issued_token_type="  ")
    with pytest.raises(TokenRequestError, match=r"^ISSUED_TOKEN_KEY_ENTROPY: .*SYMMETRIC"):
        RequestSecurityTokenParameters(issued_token_key_entropy=SecurityKeyEntropyMode.CLIENT_ONLY)
    coerced = RequestSecurityTokenParameters(trust_version=2, issued_token_key_type=2)  # type: ignore[arg-type]
    assert coerced.trust_version is TrustVersion.V1_3
    assert coerced.issued_token_key_type is SecurityKeyType.SYMMETRIC


@pytest.mark.parametrize(
    "bad", [b"<a/><b/>", b"not xml", b"<!-- c --><a/>", b"<a>"], ids=["two", "text", "comment", "unclosed"]
)
def test_request_parameters_must_each_be_one_element(bad: bytes) -> None:
    for name in ("local_request_parameters", "service_request_parameters"):
        with pytest.raises(TokenRequestError, match=f"^{name.upper()}: "):
            kwargs: dict[str, Any] = {name: (bad,)}
            RequestSecurityTokenParameters(**kwargs)
    with pytest.raises(TypeError):
        RequestSecurityTokenParameters(local_request_parameters=CLAIMS)  # type: ignore[arg-type]


def test_request_parameters_may_not_repeat_generated_elements() -> None:
    token_type = f'<wst:TokenType xmlns:wst="{FEB.namespace}">urn:x</wst:TokenType>'.encode()
    with pytest.raises(TokenRequestError, match=r"^REQUEST_PARAMETERS: "):
        RequestSecurityTokenParameters(issued_token_type="urn:y", local_request_parameters=(token_type,))
    with pytest.raises(TokenRequestError, match=r"^REQUEST_PARAMETERS: "):
        RequestSecurityTokenParameters(issued_token_type="urn:y", service_request_parameters=(token_type,))
    # In 1.3 service parameters live in SecondaryParameters, where they do not clash.
    v13_type = f'<wst:TokenType xmlns:wst="{V13.namespace}">urn:x</wst:TokenType>'.encode()
    params = params_for(TrustVersion.V1_3, issued_token_type="urn:y", service_request_parameters=(v13_type,))
    assert child(prepare_request(params).body, V13, "SecondaryParameters")[0].text == "urn:x"


def test_entropy_mode_defaults() -> None:
    assert RequestSecurityTokenParameters().entropy_mode is None
    assert RequestSecurityTokenParameters(issued_token_key_type=SecurityKeyType.NONE).entropy_mode is None
    symmetric = RequestSecurityTokenParameters(issued_token_key_type=SecurityKeyType.SYMMETRIC)
    assert symmetric.entropy_mode is SecurityKeyEntropyMode.SERVER_ONLY


# ------------------------------------------------------------------------- prepare_request


@pytest.mark.parametrize("version", VERSIONS)
def test_bearer_request_shape(version: TrustVersion) -> None:
    protocol = trust_protocol(version)
    prepared = prepare_request(
        params_for(version, issued_token_type=SAML2_TYPE, issued_token_key_type=SecurityKeyType.NONE)
    )
    rst = prepared.body
    assert rst.tag == protocol.tag("RequestSecurityToken")
    assert prepared.action == protocol.issue_action
    assert prepared.requestor_entropy is None
    assert child(rst, protocol, "RequestType").text == protocol.issue_request_type
    assert child(rst, protocol, "TokenType").text == SAML2_TYPE
    assert child(rst, protocol, "KeyType").text == protocol.bearer_key_types[0]
    address = rst.find(f"{{{WSP}}}AppliesTo/{{{ns.WSA}}}EndpointReference/{{{ns.WSA}}}Address")
    assert address is not None and address.text == RP
    for absent in ("KeySize", "Entropy", "ComputedKeyAlgorithm", "SecondaryParameters"):
        assert rst.find(protocol.tag(absent)) is None


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("bearer", list(SecurityBearerKeyTypeVersion))
def test_bearer_key_type_version_picks_the_uri(version: TrustVersion, bearer: SecurityBearerKeyTypeVersion) -> None:
    protocol = trust_protocol(version)
    params = params_for(version, issued_token_key_type=SecurityKeyType.NONE, bearer_key_type_version=bearer)
    rst = prepare_request(params).body
    assert child(rst, protocol, "KeyType").text == BEARER_KEY_TYPES[bearer]
    assert read_request(rst).key_type is SecurityKeyType.NONE


@pytest.mark.parametrize("version", VERSIONS)
def test_unset_properties_are_omitted(version: TrustVersion) -> None:
    protocol = trust_protocol(version)
    rst = prepare_request(RequestSecurityTokenParameters(trust_version=version)).body
    assert [etree.QName(c).localname for c in rst] == ["RequestType"]
    assert read_request(rst).key_type is SecurityKeyType.SYMMETRIC  # WS-Trust's default
    assert child(rst, protocol, "RequestType").text == protocol.issue_request_type


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("mode", "size", "entropy_bytes"),
    [
        (None, None, None),
        (SecurityKeyEntropyMode.SERVER_ONLY, 256, None),
        (SecurityKeyEntropyMode.CLIENT_ONLY, None, 32),
        (SecurityKeyEntropyMode.CLIENT_ONLY, 128, 16),
        (SecurityKeyEntropyMode.COMBINED, 192, 24),
    ],
)
def test_symmetric_request_shape_and_round_trip(
    version: TrustVersion, mode: SecurityKeyEntropyMode | None, size: int | None, entropy_bytes: int | None
) -> None:
    protocol = trust_protocol(version)
    params = params_for(
        version,
        issued_token_key_type=SecurityKeyType.SYMMETRIC,
        issued_token_key_size=size,
        issued_token_key_entropy=mode,
    )
    prepared = prepare_request(params)
    rst = prepared.body
    assert child(rst, protocol, "KeyType").text == protocol.symmetric_key_type
    if size is None:
        assert rst.find(protocol.tag("KeySize")) is None
    else:
        assert child(rst, protocol, "KeySize").text == str(size)
    if entropy_bytes is None:
        assert prepared.requestor_entropy is None
        assert rst.find(protocol.tag("Entropy")) is None
    else:
        assert prepared.requestor_entropy is not None and len(prepared.requestor_entropy) == entropy_bytes
        secret = child(child(rst, protocol, "Entropy"), protocol, "BinarySecret")
        assert secret.get("Type") == protocol.nonce_type
        assert base64.b64decode(secret.text or "") == prepared.requestor_entropy
    combined = mode is SecurityKeyEntropyMode.COMBINED
    algorithm = rst.find(protocol.tag("ComputedKeyAlgorithm"))
    assert (algorithm is not None and algorithm.text == protocol.psha1_algorithm) if combined else algorithm is None

    read = read_request(on_the_wire(rst))
    assert read.protocol is protocol
    assert read.applies_to == RP
    assert read.key_type is SecurityKeyType.SYMMETRIC
    assert read.key_size == size
    assert read.requestor_entropy == prepared.requestor_entropy
    assert read.computed_key_algorithm == (protocol.psha1_algorithm if combined else None)


def test_entropy_is_fresh_for_every_request() -> None:
    params = params_for(
        TrustVersion.V1_3,
        issued_token_key_type=SecurityKeyType.SYMMETRIC,
        issued_token_key_entropy=SecurityKeyEntropyMode.COMBINED,
    )
    assert prepare_request(params).requestor_entropy != prepare_request(params).requestor_entropy
    assert "requestor_entropy" not in repr(prepare_request(params))


def test_february_2005_puts_service_parameters_inline_after_local_ones() -> None:
    params = params_for(
        TrustVersion.FEBRUARY_2005, local_request_parameters=(CLAIMS,), service_request_parameters=(TEMPLATE,)
    )
    rst = prepare_request(params).body
    names = [etree.QName(c).localname for c in rst]
    assert names[-2:] == ["Claims", "Template"]
    assert rst.find(FEB.tag("SecondaryParameters")) is None
    assert own_bytes(rst[-2]) == CLAIMS  # verbatim
    assert own_bytes(rst[-1]) == TEMPLATE


def test_v13_puts_service_parameters_in_secondary_parameters() -> None:
    params = params_for(TrustVersion.V1_3, local_request_parameters=(CLAIMS,), service_request_parameters=(TEMPLATE,))
    rst = prepare_request(params).body
    assert own_bytes(rst[-2]) == CLAIMS
    secondary = rst[-1]
    assert secondary.tag == V13.tag("SecondaryParameters")
    assert [own_bytes(c) for c in secondary] == [TEMPLATE]


def test_v13_secondary_parameters_fill_in_what_the_rst_leaves_out() -> None:
    template = (
        f'<wst:TokenType xmlns:wst="{V13.namespace}">{SAML2_TYPE}</wst:TokenType>'.encode(),
        f'<wst:KeyType xmlns:wst="{V13.namespace}">{V13.bearer_key_types[0]}</wst:KeyType>'.encode(),
    )
    read = read_request(prepare_request(params_for(TrustVersion.V1_3, service_request_parameters=template)).body)
    assert read.token_type == SAML2_TYPE
    assert read.key_type is SecurityKeyType.NONE


# ----------------------------------------------------------------- MSAL's requests as oracle


@pytest.mark.parametrize(("action", "protocol"), [(Mex.ACTION_2005, FEB), (Mex.ACTION_13, V13)])
def test_read_request_reads_msal_requests(action: str, protocol: TrustProtocol) -> None:
    data = msal.wstrust_request._build_rst("alice", "pw", "urn:federation:MicrosoftOnline", STS, action)
    body_child = parse_xml(data.encode())[-1][0]
    read = read_request(body_child)
    assert read.protocol is protocol
    assert read.applies_to == "urn:federation:MicrosoftOnline"
    assert read.key_type is SecurityKeyType.NONE
    assert read.token_type is None and read.requestor_entropy is None and read.key_size is None


# ---------------------------------------------------------- build_response -> read_response


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("saml_version", list(SamlVersion))
def test_bearer_round_trip(version: TrustVersion, saml_version: SamlVersion, saml_issuer: SamlIssuer) -> None:
    protocol = trust_protocol(version)
    token_bytes = assertion(saml_issuer, saml_version)
    params = params_for(version, issued_token_key_type=SecurityKeyType.NONE)
    prepared = prepare_request(params)
    response = issue_response(protocol, token_bytes, prepared.body)
    assert token_bytes in etree.tostring(response)  # byte-for-byte inside RequestedSecurityToken
    token = read_response(response, prepared, params)
    assert token.xml == token_bytes
    assert token.key is None and token.key_type is SecurityKeyType.NONE
    assert token.attached_reference is None
    assert (token.valid_from, token.valid_till) == (NOW, NOW + timedelta(hours=1))


@pytest.mark.parametrize("version", VERSIONS)
def test_response_shape_per_version(version: TrustVersion, saml_issuer: SamlIssuer) -> None:
    protocol = trust_protocol(version)
    response = issue_response(protocol, assertion(saml_issuer))
    if version is TrustVersion.V1_3:
        assert response.tag == V13.tag("RequestSecurityTokenResponseCollection")
        assert len(response) == 1
        response = response[0]
    assert response.tag == protocol.tag("RequestSecurityTokenResponse")
    assert child(response, protocol, "TokenType").text == SAML2_TYPE
    assert response.find(protocol.tag("KeyType")) is None
    created = response.find(f"{protocol.tag('Lifetime')}/{{{ns.WSU}}}Created")
    assert created is not None and created.text == "2031-02-03T04:05:06.000Z"


@pytest.mark.parametrize("version", VERSIONS)
def test_server_only_symmetric_key_round_trip(version: TrustVersion, saml_issuer: SamlIssuer) -> None:
    protocol = trust_protocol(version)
    token_bytes = assertion(saml_issuer)
    params = params_for(version, issued_token_key_type=SecurityKeyType.SYMMETRIC, issued_token_key_size=256)
    prepared = prepare_request(params)
    proof = os.urandom(32)
    response = issue_response(protocol, token_bytes, prepared.body, proof_secret=proof, key_size=256)
    secret = response.find(f".//{protocol.tag('RequestedProofToken')}/{protocol.tag('BinarySecret')}")
    assert secret is not None and secret.get("Type") == protocol.symmetric_key_secret_type
    token = read_response(response, prepared, params)
    assert token.xml == token_bytes
    assert isinstance(token.key, RawSymmetricSecurityKeyHandle) and token.key.key_bytes == proof
    # No RequestedAttachedReference in the RSTR: the standard SAML reference is made up.
    assert token.attached_reference == saml_token_reference(token_bytes)


@pytest.mark.parametrize("version", VERSIONS)
def test_client_only_entropy_is_the_key(version: TrustVersion, saml_issuer: SamlIssuer) -> None:
    protocol = trust_protocol(version)
    params = params_for(
        version,
        issued_token_key_type=SecurityKeyType.SYMMETRIC,
        issued_token_key_entropy=SecurityKeyEntropyMode.CLIENT_ONLY,
        issued_token_key_size=128,
    )
    prepared = prepare_request(params)
    sts_view = read_request(on_the_wire(prepared.body))
    token = read_response(issue_response(protocol, assertion(saml_issuer), prepared.body), prepared, params)
    assert isinstance(token.key, RawSymmetricSecurityKeyHandle)
    assert token.key.key_bytes == prepared.requestor_entropy == sts_view.requestor_entropy
    assert len(token.key.key_bytes) == 16


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("size", [None, 128, 256])
def test_combined_entropy_client_and_sts_derive_the_same_key(
    version: TrustVersion, size: int | None, saml_issuer: SamlIssuer
) -> None:
    protocol = trust_protocol(version)
    params = params_for(
        version,
        issued_token_key_type=SecurityKeyType.SYMMETRIC,
        issued_token_key_entropy=SecurityKeyEntropyMode.COMBINED,
        issued_token_key_size=size,
    )
    prepared = prepare_request(params)
    # The STS's side, from the RST as received.
    sts_view = read_request(on_the_wire(prepared.body))
    assert sts_view.computed_key_algorithm == protocol.psha1_algorithm and sts_view.requestor_entropy is not None
    issuer_entropy = os.urandom(32)
    bits = sts_view.key_size or 256
    sts_key = computed_key(sts_view.requestor_entropy, issuer_entropy, bits)
    response = issue_response(
        protocol, assertion(saml_issuer), prepared.body, issuer_entropy=issuer_entropy, key_size=bits
    )
    computed = response.find(f".//{protocol.tag('RequestedProofToken')}/{protocol.tag('ComputedKey')}")
    assert computed is not None and computed.text == protocol.psha1_algorithm
    token = read_response(response, prepared, params)
    assert isinstance(token.key, RawSymmetricSecurityKeyHandle)
    assert token.key.key_bytes == sts_key
    assert len(sts_key) == bits // 8
    assert sts_key == independent_p_sha1(prepared.requestor_entropy or b"", issuer_entropy, bits // 8)


def test_references_from_the_rstr_are_kept(saml_issuer: SamlIssuer) -> None:
    token_bytes = assertion(saml_issuer, SamlVersion.V1_1)
    attached = saml_token_reference(token_bytes)
    unattached = (
        b'<wsse:SecurityTokenReference xmlns:wsse="%s"><wsse:Reference URI="urn:x"/></wsse:SecurityTokenReference>'
        % (ns.WSSE.encode())
    )
    params = params_for(TrustVersion.V1_3, issued_token_key_type=SecurityKeyType.SYMMETRIC)
    prepared = prepare_request(params)
    response = issue_response(
        V13, token_bytes, proof_secret=b"k" * 32, attached_reference=attached, unattached_reference=unattached
    )
    token = read_response(response, prepared, params)
    assert token.attached_reference == attached
    assert token.unattached_reference == unattached


def test_unspecified_key_type_accepts_what_the_sts_chose(saml_issuer: SamlIssuer) -> None:
    params = params_for(TrustVersion.FEBRUARY_2005)
    prepared = prepare_request(params)
    bearer = read_response(issue_response(FEB, assertion(saml_issuer)), prepared, params)
    assert bearer.key is None
    keyed = read_response(issue_response(FEB, assertion(saml_issuer), proof_secret=b"s" * 16), prepared, params)
    assert isinstance(keyed.key, RawSymmetricSecurityKeyHandle) and keyed.key.key_bytes == b"s" * 16


def test_context_is_echoed(saml_issuer: SamlIssuer) -> None:
    rst = prepare_request(params_for(TrustVersion.FEBRUARY_2005)).body
    rst.set("Context", "urn:ctx:1")
    assert read_request(rst).context == "urn:ctx:1"
    response = issue_response(FEB, assertion(saml_issuer), rst)
    assert response.get("Context") == "urn:ctx:1"


def test_saml_token_reference_per_saml_version(saml_issuer: SamlIssuer) -> None:
    for version, token_type, value_type, id_attribute in (
        (SamlVersion.V1_1, ns.SAML11_TOKEN_TYPE, ns.SAML11_ASSERTION_ID_VALUE_TYPE, "AssertionID"),
        (SamlVersion.V2_0, ns.SAML20_TOKEN_TYPE, ns.SAML20_ASSERTION_ID_VALUE_TYPE, "ID"),
    ):
        token_bytes = assertion(saml_issuer, version)
        reference = parse_xml(saml_token_reference(token_bytes))
        assert reference.tag == f"{{{ns.WSSE}}}SecurityTokenReference"
        assert reference.get(f"{{{ns.WSSE11}}}TokenType") == token_type
        identifier = reference[0]
        assert identifier.tag == f"{{{ns.WSSE}}}KeyIdentifier" and identifier.get("ValueType") == value_type
        assert identifier.text == parse_xml(token_bytes).get(id_attribute)
    with pytest.raises(ValueError, match="not a SAML"):
        saml_token_reference(b"<t:Token xmlns:t='urn:t' ID='_1'/>")


def test_build_response_checks_its_inputs(saml_issuer: SamlIssuer) -> None:
    good = IssuedTokenResponse(
        token=assertion(saml_issuer),
        token_type=SAML2_TYPE,
        attached_reference=None,
        unattached_reference=None,
        created=NOW,
        expires=NOW + timedelta(minutes=5),
    )
    build_response(V13, good)
    for bad in (
        {"proof_secret": b"k" * 16, "issuer_entropy": b"e" * 16},
        {"token": b"<a/><b/>"},
        {"token_type": ""},
        {"expires": NOW},
        {"created": datetime(2031, 1, 1)},  # naive on purpose
        {"key_size": 100},
    ):
        with pytest.raises(ValueError):
            build_response(V13, replace(good, **bad))


# ----------------------------------------------------------------------- MSAL's parser as oracle


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("saml_version", list(SamlVersion))
def test_msal_parses_our_response(version: TrustVersion, saml_version: SamlVersion, saml_issuer: SamlIssuer) -> None:
    protocol = trust_protocol(version)
    token_bytes = assertion(saml_issuer, saml_version)
    token_type = ns.SAML20_TOKEN_TYPE if saml_version is SamlVersion.V2_0 else ns.SAML11_TOKEN_TYPE
    rstr = build_response(
        protocol,
        IssuedTokenResponse(
            token=token_bytes,
            token_type=token_type,
            attached_reference=saml_token_reference(token_bytes),
            unattached_reference=None,
            created=NOW,
            expires=NOW + timedelta(hours=1),
            applies_to=RP,
        ),
    )
    text = etree.tostring(build_envelope(ns.SOAP12, rstr, action=protocol.issue_response_action, to=None)).decode()
    parsed = msal.wstrust_response.parse_response(text)
    assert parsed["type"] == token_type
    assert parsed["token"] == token_bytes


def test_msal_reads_our_fault() -> None:
    data = build_trust_fault(ns.SOAP12, V13.namespace, TrustFaultCode.FAILED_AUTHENTICATION)
    error = msal.wstrust_response.parse_error(data.decode())
    assert error == {"reason": "Authentication failed", "code": "wst:FailedAuthentication"}
    with pytest.raises(RuntimeError, match="FailedAuthentication"):
        msal.wstrust_response.parse_response(data.decode())


# -------------------------------------------------------------------------------------- faults


@pytest.mark.parametrize("soap_ns", [ns.SOAP11, ns.SOAP12])
@pytest.mark.parametrize("code", list(TrustFaultCode))
def test_trust_fault_round_trip(soap_ns: str, code: TrustFaultCode) -> None:
    envelope = parse_xml(build_trust_fault(soap_ns, FEB.namespace, code))
    assert envelope.tag == f"{{{soap_ns}}}Envelope"
    fault_element = envelope[-1][0]
    fault = read_fault(fault_element)
    assert isinstance(fault, SecurityTokenServiceFault)
    assert fault.code == f"wst:{code.value}"
    assert fault.reason == code.generic_message
    assert fault_element.nsmap["wst"] == FEB.namespace
    assert code.value in str(fault) and code.generic_message in str(fault)


def test_read_response_raises_the_sts_fault() -> None:
    fault_element = parse_xml(build_trust_fault(ns.SOAP11, FEB.namespace, TrustFaultCode.INVALID_SCOPE))[-1][0]
    params = params_for(TrustVersion.FEBRUARY_2005)
    with pytest.raises(SecurityTokenServiceFault) as info:
        read_response(fault_element, prepare_request(params), params)
    assert info.value.code == "wst:InvalidScope"


def test_read_fault_ignores_non_faults_and_survives_sparse_faults() -> None:
    assert read_fault(prepare_request(RequestSecurityTokenParameters()).body) is None
    sparse = parse_xml(
        f'<s:Fault xmlns:s="{ns.SOAP12}"><s:Code><s:Value>s:Receiver</s:Value></s:Code></s:Fault>'.encode()
    )
    fault = read_fault(sparse)
    assert fault is not None and (fault.code, fault.reason) == ("s:Receiver", "")
    bilingual = parse_xml(
        f'<s:Fault xmlns:s="{ns.SOAP12}"><s:Reason><s:Text xml:lang="de">Nein</s:Text>'
        f'<s:Text xml:lang="en-US">No</s:Text></s:Reason></s:Fault>'.encode()
    )
    fault = read_fault(bilingual)
    assert fault is not None and fault.reason == "No"


def test_build_trust_fault_refuses_unknown_namespaces() -> None:
    with pytest.raises(ValueError):
        build_trust_fault("urn:not-soap", FEB.namespace, TrustFaultCode.BAD_REQUEST)
    with pytest.raises(ValueError):
        build_trust_fault(ns.SOAP11, ns.WSSE, TrustFaultCode.BAD_REQUEST)


# -------------------------------------------------------------------------- malformed: R57 / R58


def bearer_exchange(version: TrustVersion) -> tuple[RequestSecurityTokenParameters, PreparedRequest]:
    params = params_for(version, issued_token_key_type=SecurityKeyType.NONE)
    return params, prepare_request(params)


def test_r57_response_of_the_other_version(saml_issuer: SamlIssuer) -> None:
    params, prepared = bearer_exchange(TrustVersion.V1_3)
    with pytest.raises(TrustProtocolError, match=r"^R57: ") as info:
        read_response(issue_response(FEB, assertion(saml_issuer)), prepared, params)
    assert info.value.rule == "R57"
    params, prepared = bearer_exchange(TrustVersion.FEBRUARY_2005)
    with pytest.raises(TrustProtocolError, match=r"^R57: "):
        read_response(issue_response(V13, assertion(saml_issuer)), prepared, params)


def test_r57_collection_with_two_responses(saml_issuer: SamlIssuer) -> None:
    params, prepared = bearer_exchange(TrustVersion.V1_3)
    collection = issue_response(V13, assertion(saml_issuer))
    collection.append(copy.deepcopy(collection[0]))
    with pytest.raises(TrustProtocolError, match=r"^R57: .*holds 2 elements") as info:
        read_response(collection, prepared, params)
    assert info.value.rule == "R57"


def test_r57_empty_collection_and_bare_v13_response(saml_issuer: SamlIssuer) -> None:
    params, prepared = bearer_exchange(TrustVersion.V1_3)
    collection = issue_response(V13, assertion(saml_issuer))
    bare = collection[0]
    collection.remove(bare)
    with pytest.raises(TrustProtocolError, match=r"^R57: "):
        read_response(collection, prepared, params)
    with pytest.raises(TrustProtocolError, match=r"^R57: "):
        read_response(bare, prepared, params)


@pytest.mark.parametrize("version", VERSIONS)
def test_r57_body_with_two_elements(version: TrustVersion, saml_issuer: SamlIssuer) -> None:
    protocol = trust_protocol(version)
    params, prepared = bearer_exchange(version)
    response = issue_response(protocol, assertion(saml_issuer))
    body = response.getparent()
    assert body is not None
    body.append(copy.deepcopy(response))
    with pytest.raises(TrustProtocolError, match=r"^R57: .*Body holds 2"):
        read_response(response, prepared, params)
    rst = on_the_wire(prepared.body)
    rst.getparent().append(etree.Element("extra"))  # type: ignore[union-attr]
    with pytest.raises(TrustProtocolError, match=r"^R57: "):
        read_request(rst)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "secret_type",
    ["urn:unknown", "{ns}/AsymmetricKey", "{other}/Nonce"],
    ids=["unknown", "asymmetric", "other-version"],
)
def test_r58_binary_secret_type(version: TrustVersion, secret_type: str, saml_issuer: SamlIssuer) -> None:
    protocol = trust_protocol(version)
    other = (V13 if protocol is FEB else FEB).namespace
    bad_type = secret_type.format(ns=protocol.namespace, other=other)
    # In a response's proof token ...
    params = params_for(version, issued_token_key_type=SecurityKeyType.SYMMETRIC)
    prepared = prepare_request(params)
    response = issue_response(protocol, assertion(saml_issuer), proof_secret=b"k" * 32)
    secret = response.find(f".//{protocol.tag('BinarySecret')}")
    assert secret is not None
    secret.set("Type", bad_type)
    with pytest.raises(TrustProtocolError, match=r"^R58: ") as info:
        read_response(response, prepared, params)
    assert info.value.rule == "R58"
    # ... and in a request's entropy.
    combined = params_for(
        version,
        issued_token_key_type=SecurityKeyType.SYMMETRIC,
        issued_token_key_entropy=SecurityKeyEntropyMode.COMBINED,
    )
    rst = prepare_request(combined).body
    entropy_secret = rst.find(f".//{protocol.tag('BinarySecret')}")
    assert entropy_secret is not None
    entropy_secret.set("Type", bad_type)
    with pytest.raises(TrustProtocolError, match=r"^R58: "):
        read_request(rst)


def test_binary_secret_without_type_takes_its_place_meaning(saml_issuer: SamlIssuer) -> None:
    params = params_for(TrustVersion.FEBRUARY_2005, issued_token_key_type=SecurityKeyType.SYMMETRIC)
    prepared = prepare_request(params)
    response = issue_response(FEB, assertion(saml_issuer), proof_secret=b"k" * 32)
    secret = response.find(f".//{FEB.tag('BinarySecret')}")
    assert secret is not None
    del secret.attrib["Type"]
    token = read_response(response, prepared, params)
    assert isinstance(token.key, RawSymmetricSecurityKeyHandle) and token.key.key_bytes == b"k" * 32
    secret.set("Type", FEB.nonce_type)  # a nonce is not a key
    with pytest.raises(TrustProtocolError, match="Nonce"):
        read_response(response, prepared, params)


# ----------------------------------------------------------------- malformed: other responses


def keyed_exchange(
    mode: SecurityKeyEntropyMode = SecurityKeyEntropyMode.SERVER_ONLY,
) -> tuple[RequestSecurityTokenParameters, PreparedRequest]:
    params = params_for(
        TrustVersion.V1_3, issued_token_key_type=SecurityKeyType.SYMMETRIC, issued_token_key_entropy=mode
    )
    return params, prepare_request(params)


def mutate(response: etree._Element, path: str, change: Callable[[etree._Element], None]) -> etree._Element:
    target = response.find(path.format(wst=f"{{{V13.namespace}}}"))
    assert target is not None, path
    change(target)
    return response


def set_text(text: str) -> Callable[[etree._Element], None]:
    def change(element: etree._Element) -> None:
        element.text = text

    return change


def drop(element: etree._Element) -> None:
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)


def duplicate(element: etree._Element) -> None:
    element.addnext(copy.deepcopy(element))


@pytest.mark.parametrize(
    ("path", "change", "message"),
    [
        (".//{wst}RequestedProofToken/{wst}BinarySecret", set_text("%%%not base64%%%"), "base64"),
        (".//{wst}RequestedProofToken/{wst}BinarySecret", set_text(""), "not valid base64|empty"),
        (".//{wst}RequestedSecurityToken", drop, "no RequestedSecurityToken"),
        (".//{wst}RequestedSecurityToken/*", drop, "exactly one element"),
        (".//{wst}RequestedSecurityToken/*", duplicate, "exactly one element"),
        (".//{wst}RequestedSecurityToken", duplicate, "2 RequestedSecurityToken"),
        (".//{wst}RequestedProofToken", drop, "no RequestedProofToken"),
        (".//{wst}TokenType", set_text(""), "TokenType is empty"),
        (".//{wst}Lifetime/*", set_text("yesterday"), "Lifetime Created"),
        (".//{wst}Lifetime/*", set_text("2040-01-01T00:00:00Z"), "not later than Created"),
        (".//{wst}RequestedProofToken/*", lambda e: setattr(e, "tag", V13.tag("EncryptedKey")), "only BinarySecret"),
    ],
    ids=[
        "bad-base64",
        "empty-secret",
        "no-token",
        "empty-token",
        "two-tokens",
        "two-holders",
        "no-proof",
        "empty-token-type",
        "bad-lifetime",
        "inverted-lifetime",
        "encrypted-key",
    ],
)
def test_malformed_responses(
    path: str, change: Callable[[etree._Element], None], message: str, saml_issuer: SamlIssuer
) -> None:
    params, prepared = keyed_exchange()
    response = mutate(issue_response(V13, assertion(saml_issuer), proof_secret=b"k" * 32), path, change)
    with pytest.raises(TrustProtocolError, match=message):
        read_response(response, prepared, params)


def test_bearer_response_must_not_carry_a_proof(saml_issuer: SamlIssuer) -> None:
    params, prepared = bearer_exchange(TrustVersion.V1_3)
    with pytest.raises(TrustProtocolError, match="bearer token must not"):
        read_response(issue_response(V13, assertion(saml_issuer), proof_secret=b"k" * 32), prepared, params)


def test_symmetric_request_answered_with_a_bearer_key_type(saml_issuer: SamlIssuer) -> None:
    params, prepared = keyed_exchange()
    response = issue_response(V13, assertion(saml_issuer))
    etree.SubElement(response[0], V13.tag("KeyType")).text = V13.bearer_key_types[0]
    with pytest.raises(TrustProtocolError, match="bearer token"):
        read_response(response, prepared, params)


def test_entropy_mode_mismatches_are_refused(saml_issuer: SamlIssuer) -> None:
    token = assertion(saml_issuer)
    params, prepared = keyed_exchange(SecurityKeyEntropyMode.COMBINED)
    with pytest.raises(TrustProtocolError, match="own key"):
        read_response(issue_response(V13, token, proof_secret=b"k" * 32), prepared, params)
    no_issuer_entropy = issue_response(V13, token, issuer_entropy=b"e" * 32)
    mutate(no_issuer_entropy, ".//{wst}Entropy", drop)
    with pytest.raises(TrustProtocolError, match="issuer's Entropy"):
        read_response(no_issuer_entropy, prepared, params)
    wrong_algorithm = mutate(
        issue_response(V13, token, issuer_entropy=b"e" * 32), ".//{wst}ComputedKey", set_text("urn:x")
    )
    with pytest.raises(TrustProtocolError, match="ComputedKey 'urn:x'"):
        read_response(wrong_algorithm, prepared, params)
    params, prepared = keyed_exchange(SecurityKeyEntropyMode.SERVER_ONLY)
    with pytest.raises(TrustProtocolError, match="combined entropy was not requested"):
        read_response(issue_response(V13, token, issuer_entropy=b"e" * 32), prepared, params)
    params, prepared = keyed_exchange(SecurityKeyEntropyMode.CLIENT_ONLY)
    with pytest.raises(TrustProtocolError, match="own key"):
        read_response(issue_response(V13, token, proof_secret=b"k" * 32), prepared, params)


def test_keyed_non_saml_token_needs_an_attached_reference() -> None:
    params, prepared = keyed_exchange()
    response = issue_response(V13, b'<t:Token xmlns:t="urn:t">x</t:Token>', proof_secret=b"k" * 32)
    with pytest.raises(TrustProtocolError, match="RequestedAttachedReference"):
        read_response(response, prepared, params)


# ------------------------------------------------------------------ malformed: requests (STS)


def sts_request(**kwargs: Any) -> etree._Element:
    return on_the_wire(prepare_request(params_for(TrustVersion.FEBRUARY_2005, **kwargs)).body)


@pytest.mark.parametrize(
    ("path", "change", "message"),
    [
        ("{wst}RequestType", set_text(FEB.namespace + "/Renew"), "RequestType .* is not supported"),
        ("{wst}RequestType", drop, "lacks its RequestType"),
        ("{wst}KeyType", set_text("urn:odd"), "KeyType 'urn:odd'"),
        ("{wst}KeyType", duplicate, "2 KeyType"),
        ("{wst}KeySize", set_text("twelve"), "KeySize"),
        ("{wst}KeySize", set_text("-256"), "KeySize"),
        ("{wst}Entropy/{wst}BinarySecret", duplicate, "exactly one BinarySecret"),
        ("{wst}Entropy/{wst}BinarySecret", set_text("@@"), "base64"),
        ("{wst}ComputedKeyAlgorithm", set_text(FEB.namespace + "/CK/HASH"), "not supported"),
        ("{wst}Entropy", drop, "needs requestor Entropy"),
        ("{wsp}AppliesTo/*", drop, "one WS-Addressing EndpointReference"),
        ("{wsp}AppliesTo/*/*", drop, "lacks its Address"),
        ("{wst}TokenType", lambda e: etree.SubElement(e, "x"), "must hold text"),
    ],
)
def test_malformed_requests(path: str, change: Callable[[etree._Element], None], message: str) -> None:
    rst = sts_request(
        issued_token_type=SAML2_TYPE,
        issued_token_key_type=SecurityKeyType.SYMMETRIC,
        issued_token_key_size=256,
        issued_token_key_entropy=SecurityKeyEntropyMode.COMBINED,
    )
    target = rst.find(path.format(wst=f"{{{FEB.namespace}}}", wsp=f"{{{WSP}}}"))
    assert target is not None, path
    change(target)
    with pytest.raises(TrustProtocolError, match=message):
        read_request(rst)


def test_request_of_unknown_namespace_or_element() -> None:
    rst = sts_request()
    rst.tag = "{urn:other}RequestSecurityToken"
    with pytest.raises(TrustProtocolError, match=r"^R57: "):
        read_request(rst)
    with pytest.raises(TrustProtocolError, match=r"^R57: "):
        read_request(etree.Element(FEB.tag("RequestSecurityTokenCollection")))


def test_bearer_request_with_key_material_is_refused() -> None:
    rst = sts_request(issued_token_key_type=SecurityKeyType.NONE)
    etree.SubElement(rst, FEB.tag("KeySize")).text = "256"
    with pytest.raises(TrustProtocolError, match=r"^R54: "):
        read_request(rst)


def walk(root: etree._Element) -> Iterator[etree._Element]:
    yield from (e for e in root.iter() if isinstance(e.tag, str) and e is not root)


def mutations(root: etree._Element) -> Iterator[etree._Element]:
    """Copies of ``root`` with one element dropped, duplicated, emptied or filled with junk."""
    count = sum(1 for _ in walk(root))
    for index in range(count):
        for change in (
            drop,
            duplicate,
            set_text(""),
            set_text("\u00e9\x01junk"),
            lambda e: e.append(etree.Comment("c")),
        ):
            mutated = copy.deepcopy(root)
            target = list(walk(mutated))[index]
            try:
                change(target)
            except ValueError:  # lxml refuses a control character: nothing to test
                continue
            yield mutated


@pytest.mark.parametrize("version", VERSIONS)
def test_mutated_requests_fail_only_with_protocol_errors(version: TrustVersion) -> None:
    params = params_for(
        version,
        issued_token_type=SAML2_TYPE,
        issued_token_key_type=SecurityKeyType.SYMMETRIC,
        issued_token_key_size=256,
        issued_token_key_entropy=SecurityKeyEntropyMode.COMBINED,
        service_request_parameters=(TEMPLATE,),
    )
    outcomes = set()
    for mutated in mutations(prepare_request(params).body):
        try:
            read_request(mutated)
            outcomes.add("read")
        except TrustProtocolError:
            outcomes.add("refused")
    assert outcomes == {"read", "refused"}


@pytest.mark.parametrize("mode", list(SecurityKeyEntropyMode))
def test_mutated_responses_fail_only_with_protocol_errors(
    mode: SecurityKeyEntropyMode, saml_issuer: SamlIssuer
) -> None:
    params, prepared = keyed_exchange(mode)
    extras: dict[SecurityKeyEntropyMode, dict[str, Any]] = {
        SecurityKeyEntropyMode.SERVER_ONLY: {"proof_secret": b"k" * 32},
        SecurityKeyEntropyMode.COMBINED: {"issuer_entropy": b"e" * 32, "key_size": 256},
        SecurityKeyEntropyMode.CLIENT_ONLY: {},
    }
    extra = extras[mode]
    token = b'<t:Token xmlns:t="urn:t" ID="_1">x</t:Token>'  # small, so every mutation reaches the RSTR parts
    reference = saml_token_reference(assertion(saml_issuer))
    response = issue_response(V13, token, attached_reference=reference, **extra)
    outcomes = set()
    for mutated in mutations(response):
        try:
            read_response(mutated, prepared, params)
            outcomes.add("read")
        except TrustProtocolError:
            outcomes.add("refused")
    assert outcomes == {"read", "refused"}


# ------------------------------------------------------------------------ soap.build_envelope


@pytest.mark.parametrize(("soap_ns", "must_understand"), [(ns.SOAP11, "1"), (ns.SOAP12, "true")])
def test_build_envelope_adds_addressing_headers(soap_ns: str, must_understand: str) -> None:
    rst = prepare_request(RequestSecurityTokenParameters()).body
    envelope = build_envelope(soap_ns, rst, action=FEB.issue_action, to=STS)
    header, body = envelope
    assert header.tag == f"{{{soap_ns}}}Header" and body.tag == f"{{{soap_ns}}}Body"
    action, message_id, to = header
    assert action.tag == f"{{{ns.WSA}}}Action" and action.text == FEB.issue_action
    assert to.tag == f"{{{ns.WSA}}}To" and to.text == STS
    assert action.get(f"{{{soap_ns}}}mustUnderstand") == to.get(f"{{{soap_ns}}}mustUnderstand") == must_understand
    assert message_id.tag == f"{{{ns.WSA}}}MessageID" and (message_id.text or "").startswith("urn:uuid:")
    assert body[0].tag == rst.tag and body[0] is not rst
    assert rst.getparent() is None  # the caller's element was copied, not moved
    other = build_envelope(soap_ns, rst, action=FEB.issue_action, to=STS)
    assert other[0][1].text != message_id.text


def test_build_envelope_without_headers_and_bad_arguments() -> None:
    envelope = build_envelope(ns.SOAP12, etree.Element("x"), action=None, to=None, message_id=False)
    assert len(envelope[0]) == 0 and envelope[1][0].tag == "x"
    with pytest.raises(ValueError):
        build_envelope("urn:x", etree.Element("x"), action=None, to=None)
    with pytest.raises(TypeError):
        build_envelope(ns.SOAP12, b"<x/>", action=None, to=None)  # type: ignore[arg-type]


def test_hash_of_sha1_is_what_p_sha1_chains() -> None:
    # One block by hand: HMAC-SHA1(secret, HMAC-SHA1(secret, seed) + seed).
    secret, seed = b"key", b"seed"
    a1 = hmac.new(secret, seed, hashlib.sha1).digest()
    assert p_sha1(secret, seed, 20) == hmac.new(secret, a1 + seed, hashlib.sha1).digest()
