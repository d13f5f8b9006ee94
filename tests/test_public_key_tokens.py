"""KeyType PublicKey (WS-Trust 1.3 sections 4.4.3 and 9.2): the requester names its certificate in
wst:UseKey and proves it holds the key by signing the request's Timestamp; the STS issues an
assertion bound to that certificate; the relying party checks the asymmetric proof. WWSAPI's R53
keeps its client from asking; wsbind's client asks when given proof_key and proof_certificate."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Issuer
from lxml import etree
from sts_setup import (
    password_check,
    relying_party_description,
    send,
    session,
    username_client_description,
    username_sts_description,
)
from support import make_app

from samples.server import serve
from spyne_wsbind import SecurityHandler, SecurityTokenService
from wsbind import (
    SamlIssuer,
    SecurityDescription,
    SecurityKeyType,
    SslTransportSecurityBinding,
    TokenRequestError,
    TrustVersion,
    XmlTokenMessageSecurityBinding,
)
from wsbind.outgoing import OutgoingSecurity
from wsbind.soap import namespaces as ns
from wsbind.soap.envelope import SOAP_CONTENT_TYPES, build_envelope
from wsbind.trust.client import prepare_request
from wsbind.trust.params import RequestSecurityTokenParameters
from wsbind.wss.proof import sign_possession
from zeep_wsbind import TrustChannel, request_security_token, secure_client

RP = "https://rp.example.test/orders"


@dataclass(frozen=True)
class Endpoints:
    sts: str
    rp: str
    ca: Path


@pytest.fixture(scope="module")
def endpoints(
    tls: dict[str, Path], saml_issuer: SamlIssuer, issuer: Issuer, relying_party: Issuer
) -> Iterator[Endpoints]:
    sts = SecurityTokenService(saml_issuer, relying_parties={RP: relying_party.certificate})
    rp_app = SecurityHandler(relying_party_description(issuer, relying_party, [RP])).wsgi_app(make_app())
    server_tls = (tls["cert"], tls["key"])
    sts_app = sts.wsgi_app(username_sts_description(password_check({"alice": "wonderland"})))
    with serve(sts_app, server_tls) as sts_url, serve(rp_app, server_tls) as rp_url:
        yield Endpoints(sts_url + "adfs/services/trust/13/issuedtokenmixedasymmetricbasic256", rp_url, tls["ca"])


def public_key_request(client: Issuer) -> RequestSecurityTokenParameters:
    return RequestSecurityTokenParameters(
        applies_to=RP,
        trust_version=TrustVersion.V1_3,
        issued_token_key_type=SecurityKeyType.ASYMMETRIC,
        proof_key=client.private_key,
        proof_certificate=client.certificate,
    )


def test_a_public_key_token_from_the_sts_reaches_the_service(endpoints: Endpoints, rogue: Issuer) -> None:
    client = rogue  # any key pair with a certificate will do as the requester's
    login = username_client_description("alice", "wonderland")
    with TrustChannel(endpoints.sts, login, verify=endpoints.ca) as channel:
        token = request_security_token(
            channel,
            applies_to=RP,
            trust_version=TrustVersion.V1_3,
            issued_token_key_type=SecurityKeyType.ASYMMETRIC,
            proof_key=client.private_key,
            proof_certificate=client.certificate,
        )
    assertion = etree.fromstring(token.xml)
    confirmation = assertion.find(f".//{{{ns.SAML2}}}SubjectConfirmation")
    assert confirmation is not None and confirmation.get("Method") == "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"
    assert confirmation.find(f".//{{{ns.DS}}}X509Certificate") is not None
    description = SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)])
    client_app = secure_client(endpoints.rp + "?wsdl", description, verify=str(endpoints.ca))
    assert client_app.service.whoami().startswith("alice|")


def test_without_a_proof_key_the_request_is_r53(rogue: Issuer) -> None:
    with pytest.raises(TokenRequestError, match="R53") as caught:
        RequestSecurityTokenParameters(applies_to=RP, issued_token_key_type=SecurityKeyType.ASYMMETRIC)
    assert "proof_key" in caught.value.fix
    with pytest.raises(TokenRequestError, match="PROOF_KEY"):
        RequestSecurityTokenParameters(applies_to=RP, proof_key=rogue.private_key, proof_certificate=rogue.certificate)


def test_a_use_key_without_its_proof_is_refused(endpoints: Endpoints, rogue: Issuer) -> None:
    """sts_setup.send adds the UsernameToken and Timestamp but no possession signature."""
    exchange = send(endpoints.sts, endpoints.ca, public_key_request(rogue))
    assert exchange.fault_code() == "wst:FailedAuthentication"


def test_a_proof_made_with_another_key_is_refused(endpoints: Endpoints, rogue: Issuer, relying_party: Issuer) -> None:
    """UseKey names one certificate; the Sig signature is made with another key."""
    prepared = prepare_request(public_key_request(rogue))
    envelope = build_envelope(ns.SOAP12, prepared.body, action=prepared.action, to=endpoints.sts)
    OutgoingSecurity(username_client_description("alice", "wonderland")).apply(envelope, endpoints.sts)
    security = envelope.find(f"{{{ns.SOAP12}}}Header/{{{ns.WSSE}}}Security")
    assert security is not None and prepared.possession_signature_id is not None
    sign_possession(security, relying_party.private_key, relying_party.certificate, prepared.possession_signature_id)
    headers = {"Content-Type": SOAP_CONTENT_TYPES[ns.SOAP12]}
    response = session(endpoints.ca).post(endpoints.sts, data=etree.tostring(envelope), headers=headers, timeout=30)
    assert response.status_code == 500 and b"FailedAuthentication" in response.content


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("drop-use-key", "go together"),
        ("drop-sig", "Sig='#id'"),
        ("not-a-certificate", "not a base64 DER certificate"),
    ],
)
def test_malformed_use_key_is_an_invalid_request(rogue: Issuer, change: str, says: str) -> None:
    from wsbind import TrustProtocolError
    from wsbind.trust.server import read_request

    rst = prepare_request(public_key_request(rogue)).body
    use_key = rst.find(f"{{{rst.nsmap['wst']}}}UseKey")
    assert use_key is not None
    if change == "drop-use-key":
        rst.remove(use_key)
    elif change == "drop-sig":
        del use_key.attrib["Sig"]
    else:
        use_key[0].text = "AAAA"
    with pytest.raises(TrustProtocolError, match=says):
        read_request(rst)
