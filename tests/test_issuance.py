"""IssuancePolicy, the STS's decisions without spyne: who gets which token, with which proof key."""

from __future__ import annotations

import pytest
from conftest import Issuer
from lxml import etree

from wsbind import SamlIssuer, SecurityKeyType, TrustVersion
from wsbind.errors import IssuanceRefused, TrustFaultCode
from wsbind.saml.issuer import BEARER_V2, HOLDER_OF_KEY_V1
from wsbind.soap import namespaces as ns
from wsbind.trust.issuance import IssuancePolicy
from wsbind.trust.protocol import trust_protocol
from wsbind.trust.psha1 import computed_key
from wsbind.trust.server import IssueRequest

RP, BEARER_ONLY = "urn:orders", "urn:reports"


@pytest.fixture()
def policy(saml_issuer: SamlIssuer, relying_party: Issuer) -> IssuancePolicy:
    def claims(user: str, applies_to: str) -> dict[str, list[str]]:
        if user == "broken":
            raise RuntimeError("the directory is down")
        return {"role": ["buyer"]}

    return IssuancePolicy(
        saml_issuer, relying_parties={RP: relying_party.certificate, BEARER_ONLY: None}, claims=claims
    )


def request(
    applies_to: str | None = RP,
    key_type: SecurityKeyType = SecurityKeyType.NONE,
    *,
    token_type: str | None = None,
    key_size: int | None = None,
    entropy: bytes | None = None,
    psha1: bool = False,
) -> IssueRequest:
    protocol = trust_protocol(TrustVersion.V1_3)
    return IssueRequest(
        protocol=protocol,
        applies_to=applies_to,
        token_type=token_type,
        key_type=key_type,
        key_size=key_size,
        requestor_entropy=entropy,
        computed_key_algorithm=protocol.psha1_algorithm if psha1 else None,
        context=None,
    )


def method_of(token: bytes) -> str | None:
    confirmation = etree.fromstring(token).find(f".//{{{ns.SAML2}}}SubjectConfirmation")
    return None if confirmation is None else confirmation.get("Method")


def test_bearer_token_for_a_known_relying_party(policy: IssuancePolicy) -> None:
    response = policy.issue("alice", request())
    assert response.applies_to == RP and response.proof_secret is None and response.key_size is None
    assert method_of(response.token) == BEARER_V2
    assert b"buyer" in response.token


@pytest.mark.parametrize(
    ("rst", "says"),
    [
        (request(None), "no AppliesTo"),
        (request("urn:elsewhere"), "not a known relying party"),
        (request(token_type="urn:jwt"), "unsupported TokenType"),
        (request(key_type=SecurityKeyType.ASYMMETRIC), "PublicKey"),
        (request(entropy=b"x" * 32), "bearer request carries Entropy"),
        (request(BEARER_ONLY, SecurityKeyType.SYMMETRIC), "no certificate"),
        (request(key_type=SecurityKeyType.SYMMETRIC, key_size=64), "KeySize 64"),
        (request(key_type=SecurityKeyType.SYMMETRIC, entropy=b"x" * 8), "64 bits used as a key"),
    ],
    ids=["no-applies-to", "unknown-rp", "token-type", "public-key", "bearer-entropy", "no-rp-cert", "small-key",
         "small-entropy"],
)
def test_refusals_say_why_and_give_invalid_request(policy: IssuancePolicy, rst: IssueRequest, says: str) -> None:
    with pytest.raises(IssuanceRefused, match=says) as caught:
        policy.issue("alice", rst)
    assert caught.value.code is TrustFaultCode.INVALID_REQUEST


def test_server_entropy_sends_the_key_itself(policy: IssuancePolicy) -> None:
    response = policy.issue("alice", request(key_type=SecurityKeyType.SYMMETRIC, key_size=128))
    assert response.proof_secret is not None and len(response.proof_secret) == 16
    assert response.issuer_entropy is None and response.attached_reference is not None


def test_combined_entropy_sends_the_issuer_half_of_a_psha1_key(policy: IssuancePolicy) -> None:
    client = bytes(range(32))
    response = policy.issue("alice", request(key_type=SecurityKeyType.SYMMETRIC, entropy=client, psha1=True))
    assert response.proof_secret is None and response.issuer_entropy is not None and response.key_size == 256
    assert len(computed_key(client, response.issuer_entropy, 256)) == 32


def test_saml11_holder_of_key(policy: IssuancePolicy) -> None:
    response = policy.issue("alice", request(key_type=SecurityKeyType.SYMMETRIC, token_type=ns.SAML11_TOKEN_TYPE))
    assert HOLDER_OF_KEY_V1.encode() in response.token


def test_a_claims_callback_that_raises_is_request_failed_with_its_cause(policy: IssuancePolicy) -> None:
    with pytest.raises(IssuanceRefused) as caught:
        policy.issue("broken", request())
    assert caught.value.code is TrustFaultCode.REQUEST_FAILED
    assert isinstance(caught.value.__cause__, RuntimeError)


def test_configuration_errors_raise_at_construction(saml_issuer: SamlIssuer) -> None:
    with pytest.raises(ValueError, match="relying_parties is empty"):
        IssuancePolicy(saml_issuer, relying_parties={})
    with pytest.raises(ValueError, match="key_size"):
        IssuancePolicy(saml_issuer, relying_parties={RP: None}, key_size=100)
    with pytest.raises(TypeError, match=r"wsbind\.SamlIssuer"):
        IssuancePolicy("issuer", relying_parties={RP: None})  # type: ignore[arg-type]
