"""The framework-free verifier: raw bytes in, SamlAssertion or a WS-Security fault code out."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from conftest import server_description
from lxml import etree
from support import Issuer, envelope

from wsbind import (
    CertSignedSamlAuthenticator,
    FaultCode,
    KerberosApreqMessageSecurityBinding,
    MessageProperty,
    MessagePropertyUnavailable,
    MessageVerifier,
    NamedPipeSspiTransportSecurityBinding,
    SamlMessageSecurityBinding,
    SecurityAlgorithmSuiteName,
    SecurityDescription,
    SecurityHeaderLayout,
    SecurityProperty,
    SecurityTimestampUsage,
    SecurityVerificationError,
    SslTransportSecurityBinding,
    TcpSspiTransportSecurityBinding,
    TransportFacts,
    UnsupportedBinding,
)
from wsbind.errors import AnonymousServerWarning
from wsbind.saml.issuer import HOLDER_OF_KEY_V2, SamlIssuer, SamlVersion, encrypt_assertion
from wsbind.soap import namespaces as ns

NOW = dt.datetime(2026, 11, 23, 12, 0, 0, tzinfo=dt.timezone.utc)
MIN = dt.timedelta(minutes=1)
HTTPS = TransportFacts(is_https=True)
DS = f"{{{ns.DS}}}"


def _verifier(description: SecurityDescription, now: dt.datetime = NOW) -> MessageVerifier:
    return MessageVerifier(description, clock=lambda: now)


def _with_properties(issuer: Issuer, properties: dict[Any, Any], **options: Any) -> SecurityDescription:
    base = server_description(issuer, **options)
    return SecurityDescription(base.bindings, properties)


def _refused(verifier: MessageVerifier, body: bytes) -> SecurityVerificationError:
    with pytest.raises(SecurityVerificationError) as info:
        verifier.verify(body, HTTPS)
    return info.value


def _mutate(token: bytes, change: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(token)
    change(root)
    return etree.tostring(root)


@pytest.fixture
def verifier(issuer: Issuer) -> MessageVerifier:
    return _verifier(server_description(issuer))


@pytest.fixture
def token(saml_issuer: SamlIssuer) -> bytes:
    return saml_issuer.issue(
        subject="alice",
        now=NOW,
        audiences=["urn:service"],
        attributes={"role": ["reader"]},
        subject_format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    )


def test_a_valid_assertion_is_read_in_full(verifier: MessageVerifier, token: bytes, issuer: Issuer) -> None:
    result = verifier.verify(envelope(token, now=NOW), HTTPS)
    assertion = result.saml_assertion
    assert assertion is not None
    assert (assertion.version, assertion.subject_name_id, assertion.issuer) == (
        "2.0",
        "alice",
        "https://sts.example.test",
    )
    assert assertion.subject_name_format == "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    assert assertion.confirmation_method == "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    assert assertion.audiences == ("urn:service",)
    assert assertion.attributes == {"role": ("reader",)}
    assert assertion.signing_certificate == issuer.certificate
    assert assertion.not_before is not None and assertion.not_before <= NOW
    assert result.get_property(MessageProperty.SAML_ASSERTION) is assertion


def test_saml11_assertion_is_read(verifier: MessageVerifier, saml_issuer: SamlIssuer) -> None:
    token = saml_issuer.issue(subject="bob", version=SamlVersion.V1_1, now=NOW, attributes={"role": "admin"})
    assertion = verifier.verify(envelope(token, now=NOW), HTTPS).saml_assertion
    assert assertion is not None
    assert (assertion.version, assertion.subject_name_id, assertion.attributes["role"]) == ("1.1", "bob", ("admin",))


def test_ecdsa_issuer_is_accepted(tmp_path: Any) -> None:
    from support import make_issuer

    ec_issuer = make_issuer(tmp_path, "ec-sts", ec_key=True)
    token = SamlIssuer("urn:ec", ec_issuer.private_key, ec_issuer.certificate).issue(subject="ec", now=NOW)
    result = _verifier(server_description(ec_issuer)).verify(envelope(token, now=NOW), HTTPS)
    assert result.saml_assertion is not None and result.saml_assertion.issuer == "urn:ec"


# -- R63: trust comes only from the allow-list --------------------------------------------


def test_r63_signature_by_untrusted_key_is_refused(verifier: MessageVerifier, rogue_issuer: SamlIssuer) -> None:
    error = _refused(verifier, envelope(rogue_issuer.issue(subject="alice", now=NOW), now=NOW))
    assert error.fault_code == FaultCode.FAILED_AUTHENTICATION


def test_r63_trusted_certificate_in_keyinfo_does_not_lend_trust(
    verifier: MessageVerifier, rogue_issuer: SamlIssuer, issuer: Issuer
) -> None:
    """A rogue signature whose (unsigned) KeyInfo names the trusted certificate still fails."""
    import base64

    from cryptography.hazmat.primitives.serialization import Encoding

    trusted_b64 = base64.b64encode(issuer.certificate.public_bytes(Encoding.DER)).decode()

    def name_trusted_cert(a: etree._Element) -> None:
        a.find(f"{DS}Signature/{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate").text = trusted_b64

    forged = _mutate(rogue_issuer.issue(subject="alice", now=NOW), name_trusted_cert)
    error = _refused(verifier, envelope(forged, now=NOW))
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "signature")


def test_unsigned_assertion_is_refused(verifier: MessageVerifier, token: bytes) -> None:
    unsigned = _mutate(token, lambda a: a.remove(a.find(f"{DS}Signature")))
    error = _refused(verifier, envelope(unsigned, now=NOW))
    assert (error.reason, error.detail) == ("unsigned", "assertion has no signature")


def _in_signed_response(token: bytes) -> tuple[etree._Element, etree._Element]:
    """(Response, its assertion): the assertion's signature moved up to the Response, as an IdP
    that signs only the SSO Response makes it."""
    assertion = etree.fromstring(token)
    signature = assertion.find(f"{DS}Signature")
    assert signature is not None
    assertion.remove(signature)
    response = etree.Element(f"{{{ns.SAMLP2}}}Response", nsmap={"samlp": ns.SAMLP2}, ID="_r", Version="2.0")
    response.append(signature)
    response.append(assertion)
    return response, assertion


def test_unsigned_assertion_in_a_signed_response_says_the_assertion_must_be_signed(token: bytes) -> None:
    from wsbind.xmlcrypto.verify import check_profile

    response, assertion = _in_signed_response(token)
    with pytest.raises(SecurityVerificationError) as caught:
        check_profile(assertion, str(assertion.get("ID")), response, False)
    assert caught.value.reason == "unsigned"
    assert "the assertion itself must be signed" in caught.value.detail


def test_a_response_in_the_security_header_is_named(verifier: MessageVerifier, token: bytes) -> None:
    response, _ = _in_signed_response(token)
    error = _refused(verifier, envelope(etree.tostring(response), now=NOW))
    assert error.reason == "no-saml-token"
    assert "SAML protocol Response, not an assertion" in error.detail


# -- the strict signature profile --------------------------------------------------------


def test_sha1_is_refused_unless_the_suite_allows_it(issuer: Issuer) -> None:
    sha1 = SamlIssuer(
        "urn:sha1",
        issuer.private_key,
        issuer.certificate,
        signature_algorithm=ns.RSA_SHA1,
        digest_algorithm=ns.SHA1,
    ).issue(subject="old", now=NOW)
    error = _refused(_verifier(server_description(issuer)), envelope(sha1, now=NOW))
    assert (error.fault_code, error.reason) == (FaultCode.INVALID_SECURITY_TOKEN, "algorithm")
    # the refusal line says how to accept it (issue: legacy tokens get a clear answer)
    assert "ALGORITHM_SUITE_NAME" in error.detail and "BASIC256" in error.detail, error.detail
    allowing = _with_properties(issuer, {SecurityProperty.ALGORITHM_SUITE_NAME: SecurityAlgorithmSuiteName.BASIC256})
    assert _verifier(allowing).verify(envelope(sha1, now=NOW), HTTPS).saml_assertion is not None


def _second_signature(a: etree._Element) -> None:
    a.append(copy.deepcopy(a.find(f"{DS}Signature")))


def _reference_elsewhere(a: etree._Element) -> None:
    a.find(f"{DS}Signature/{DS}SignedInfo/{DS}Reference").set("URI", "#somewhere-else")


def _xpath_transform(a: etree._Element) -> None:
    transforms = a.find(f"{DS}Signature/{DS}SignedInfo/{DS}Reference/{DS}Transforms")
    etree.SubElement(transforms, f"{DS}Transform", Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116")


def _hmac_output_length(a: etree._Element) -> None:
    method = a.find(f"{DS}Signature/{DS}SignedInfo/{DS}SignatureMethod")
    etree.SubElement(method, f"{DS}HMACOutputLength").text = "8"


def _object_in_signature(a: etree._Element) -> None:
    etree.SubElement(a.find(f"{DS}Signature"), f"{DS}Object").text = "x"


def _comment_in_name_id(a: etree._Element) -> None:
    name_id = a.find(f".//{{{ns.SAML2}}}NameID")
    name_id.text = "alice"
    name_id.append(etree.Comment("x"))
    name_id[-1].tail = ".evil.example"


@pytest.mark.parametrize(
    "change",
    [
        _second_signature,
        _reference_elsewhere,
        _xpath_transform,
        _hmac_output_length,
        _object_in_signature,
        _comment_in_name_id,
    ],
)
def test_profile_violations_are_refused_before_crypto(
    verifier: MessageVerifier, token: bytes, change: Callable[[etree._Element], None]
) -> None:
    error = _refused(verifier, envelope(_mutate(token, change), now=NOW))
    assert error.fault_code == FaultCode.INVALID_SECURITY_TOKEN


def test_wrapping_with_a_duplicate_id_is_refused(verifier: MessageVerifier, token: bytes) -> None:
    """XSW: a forged copy carrying the signed assertion's ID is placed beside the original."""
    forged = _mutate(
        token,
        lambda a: (a.remove(a.find(f"{DS}Signature")), setattr(a.find(f".//{{{ns.SAML2}}}NameID"), "text", "admin")),
    )
    body = envelope(token, now=NOW).replace(b"<t:whoami", forged + b"<t:whoami")
    assert _refused(verifier, body).reason == "duplicate-id"


def test_wrapping_signed_assertion_inside_a_forged_one_is_refused(verifier: MessageVerifier, token: bytes) -> None:
    original = etree.fromstring(token)
    forged = copy.deepcopy(original)
    forged.remove(forged.find(f"{DS}Signature"))
    forged.set("ID", "_forged")
    forged.find(f".//{{{ns.SAML2}}}NameID").text = "admin"
    advice = etree.SubElement(forged, f"{{{ns.SAML2}}}Advice")
    advice.append(original)
    error = _refused(verifier, envelope(etree.tostring(forged), now=NOW))
    assert error.fault_code == FaultCode.INVALID_SECURITY_TOKEN


# -- conditions, confirmation, replay, callback ------------------------------------------


def test_unknown_condition_is_refused(verifier: MessageVerifier, saml_issuer: SamlIssuer) -> None:
    condition = etree.Element(f"{{{ns.SAML2}}}Condition", nsmap={"saml2": ns.SAML2, "xsi": ns.XSI})
    condition.set(f"{{{ns.XSI}}}type", "ex:DelegationRestrictionType")
    token = saml_issuer.issue(subject="alice", now=NOW, extra_conditions=[condition])
    assert _refused(verifier, envelope(token, now=NOW)).reason == "unknown-condition"


@pytest.mark.parametrize(("configured", "accepted"), [(["urn:service"], True), (["urn:other"], False)])
def test_audience_restriction(issuer: Issuer, token: bytes, configured: list[str], accepted: bool) -> None:
    verifier = _verifier(server_description(issuer, audiences=configured))
    if accepted:
        assert verifier.verify(envelope(token, now=NOW), HTTPS).saml_assertion is not None
    else:
        assert _refused(verifier, envelope(token, now=NOW)).reason == "wrong-audience"


def test_missing_audience_is_refused_when_audiences_are_configured(issuer: Issuer, saml_issuer: SamlIssuer) -> None:
    verifier = _verifier(server_description(issuer, audiences=["urn:service"]))
    assert _refused(verifier, envelope(saml_issuer.issue(subject="a", now=NOW), now=NOW)).reason == "no-audience"


def test_one_time_use_assertion_is_refused_the_second_time(verifier: MessageVerifier, saml_issuer: SamlIssuer) -> None:
    one_time = etree.Element(f"{{{ns.SAML2}}}OneTimeUse", nsmap={"saml2": ns.SAML2})
    token = saml_issuer.issue(subject="alice", now=NOW, extra_conditions=[one_time])
    assert verifier.verify(envelope(token, now=NOW), HTTPS).saml_assertion is not None
    assert _refused(verifier, envelope(token, now=NOW)).reason == "replay"


def test_holder_of_key_without_a_key_is_refused(verifier: MessageVerifier, saml_issuer: SamlIssuer) -> None:
    token = saml_issuer.issue(subject="alice", now=NOW, confirmation_method=HOLDER_OF_KEY_V2)
    assert _refused(verifier, envelope(token, now=NOW)).reason == "holder-of-key-without-key"


def test_sender_vouches_is_refused(verifier: MessageVerifier, saml_issuer: SamlIssuer) -> None:
    token = saml_issuer.issue(
        subject="alice", now=NOW, confirmation_method="urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"
    )
    assert _refused(verifier, envelope(token, now=NOW)).reason == "confirmation-method"


def test_r61_validator_sees_the_assertion_and_can_refuse(issuer: Issuer, token: bytes) -> None:
    seen: list[Any] = []

    def validator(assertion: Any) -> bool:
        seen.append(assertion.subject_name_id)
        return assertion.subject_name_id == "bob"

    verifier = _verifier(server_description(issuer, saml_validator=validator))
    error = _refused(verifier, envelope(token, now=NOW))
    assert (error.fault_code, error.reason, seen) == (FaultCode.FAILED_AUTHENTICATION, "validator-rejected", ["alice"])


def test_r61_validator_that_raises_refuses(issuer: Issuer, token: bytes) -> None:
    def validator(assertion: Any) -> None:
        raise PermissionError("not today")

    error = _refused(_verifier(server_description(issuer, saml_validator=validator)), envelope(token, now=NOW))
    assert error.reason == "validator-rejected"


# -- times: R64, R65, R66 and clock skew --------------------------------------------------


@pytest.mark.parametrize(("shift", "accepted"), [(4 * MIN, True), (6 * MIN, False)])
def test_assertion_not_before_within_skew(
    issuer: Issuer, saml_issuer: SamlIssuer, shift: dt.timedelta, accepted: bool
) -> None:
    token = saml_issuer.issue(subject="alice", now=NOW + shift)
    verifier = _verifier(server_description(issuer))
    if accepted:
        assert verifier.verify(envelope(token, now=NOW), HTTPS).saml_assertion is not None
    else:
        assert _refused(verifier, envelope(token, now=NOW)).reason == "not-yet-valid"


@pytest.mark.parametrize(("age", "accepted"), [(9 * MIN, True), (11 * MIN, False)])
def test_r65_timestamp_latency_plus_skew(
    verifier: MessageVerifier, token: bytes, age: dt.timedelta, accepted: bool
) -> None:
    body = envelope(token, now=NOW - age, validity=dt.timedelta(hours=1))
    if accepted:
        assert verifier.verify(body, HTTPS).timestamp_created == NOW - age
    else:
        assert _refused(verifier, body).fault_code == FaultCode.MESSAGE_EXPIRED


def test_r65_expired_timestamp(verifier: MessageVerifier, token: bytes) -> None:
    body = envelope(token, now=NOW - 7 * MIN, validity=MIN)
    assert _refused(verifier, body).fault_code == FaultCode.MESSAGE_EXPIRED


def test_r64_missing_timestamp(issuer: Issuer, token: bytes) -> None:
    assert _refused(_verifier(server_description(issuer)), envelope(token, timestamp=False)).reason == "no-timestamp"
    never = _with_properties(issuer, {SecurityProperty.TIMESTAMP_USAGE: SecurityTimestampUsage.NEVER})
    assert _verifier(never).verify(envelope(token, timestamp=False), HTTPS).saml_assertion is not None


def test_r66_timestamp_position_under_lax_layouts(issuer: Issuer, token: bytes) -> None:
    body = envelope(token, now=NOW)  # Timestamp first, as our client writes it
    last = _with_properties(
        issuer, {SecurityProperty.SECURITY_HEADER_LAYOUT: SecurityHeaderLayout.LAX_WITH_TIMESTAMP_LAST}
    )
    first = _with_properties(
        issuer, {SecurityProperty.SECURITY_HEADER_LAYOUT: SecurityHeaderLayout.LAX_WITH_TIMESTAMP_FIRST}
    )
    assert _refused(_verifier(last), body).reason == "timestamp-position"
    assert _verifier(first).verify(body, HTTPS).saml_assertion is not None


# -- decryption --------------------------------------------------------------------------


@pytest.mark.parametrize("version", [SamlVersion.V2_0, SamlVersion.V1_1])
def test_encrypted_assertion_is_decrypted_then_validated(
    issuer: Issuer, saml_issuer: SamlIssuer, relying_party: Issuer, version: SamlVersion
) -> None:
    encrypted = encrypt_assertion(
        saml_issuer.issue(subject="alice", version=version, now=NOW), relying_party.certificate
    )
    verifier = _verifier(
        server_description(issuer, decryption_cert=(relying_party.certificate, relying_party.private_key))
    )
    assertion = verifier.verify(envelope(encrypted, now=NOW), HTTPS).saml_assertion
    assert assertion is not None and (assertion.subject_name_id, assertion.version) == ("alice", version.value)


def test_encrypted_for_someone_else_fails_check(
    issuer: Issuer, saml_issuer: SamlIssuer, rogue: Issuer, relying_party: Issuer
) -> None:
    encrypted = encrypt_assertion(saml_issuer.issue(subject="alice", now=NOW), rogue.certificate)
    verifier = _verifier(
        server_description(issuer, decryption_cert=(relying_party.certificate, relying_party.private_key))
    )
    assert _refused(verifier, envelope(encrypted, now=NOW)).fault_code == FaultCode.FAILED_AUTHENTICATION


# -- transport, message properties, adapters ----------------------------------------------


def test_tls_required_when_the_description_has_ssl(verifier: MessageVerifier, token: bytes) -> None:
    with pytest.raises(SecurityVerificationError) as info:
        verifier.verify(envelope(token, now=NOW), TransportFacts(is_https=False))
    assert info.value.reason == "tls-required"


def test_r59_property_not_applicable(verifier: MessageVerifier, token: bytes) -> None:
    result = verifier.verify(envelope(token, now=NOW), HTTPS)
    with pytest.raises(MessagePropertyUnavailable, match="R59"):
        result.get_property(MessageProperty.USERNAME)
    with pytest.warns(AnonymousServerWarning, match="authenticates nobody"):
        anonymous = _verifier(SecurityDescription([SslTransportSecurityBinding()]))
    ssl_only = anonymous.verify(envelope(now=NOW), HTTPS)
    with pytest.raises(MessagePropertyUnavailable, match="R59"):
        ssl_only.get_property(MessageProperty.SAML_ASSERTION)
    assert ssl_only.get_property(MessageProperty.PROTECTION_LEVEL).name == "SIGN_AND_ENCRYPT"


@pytest.mark.parametrize("binding", [TcpSspiTransportSecurityBinding(), NamedPipeSspiTransportSecurityBinding()])
def test_sspi_transports_are_not_available_over_http(binding: Any) -> None:
    with pytest.raises(UnsupportedBinding, match="not available over HTTP"):
        MessageVerifier(SecurityDescription([binding]))


def test_bindings_not_carried_yet_say_so(issuer: Issuer) -> None:
    description = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            KerberosApreqMessageSecurityBinding(),
        ]
    )
    with pytest.raises(UnsupportedBinding, match="does not carry it yet"):
        MessageVerifier(description)


def test_saml_binding_uses_the_authenticator_it_was_given(issuer: Issuer, rogue: Issuer, token: bytes) -> None:
    description = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            SamlMessageSecurityBinding(
                authenticator=CertSignedSamlAuthenticator([rogue.certificate, issuer.certificate])
            ),
        ]
    )
    assert _verifier(description).verify(envelope(token, now=NOW), HTTPS).saml_assertion is not None


def test_decryption_cert_from_pem_files(issuer: Issuer, saml_issuer: SamlIssuer, relying_party: Issuer) -> None:
    from wsbind import CertCredential

    credential = CertCredential(str(relying_party.cert_file), str(relying_party.key_file))
    encrypted = encrypt_assertion(saml_issuer.issue(subject="alice", now=NOW), relying_party.certificate)
    verifier = _verifier(server_description(issuer, decryption_cert=credential))
    assertion = verifier.verify(envelope(encrypted, now=NOW), HTTPS).saml_assertion
    assert assertion is not None and assertion.subject_name_id == "alice"
    with pytest.raises(ValueError, match="key_file"):
        CertSignedSamlAuthenticator([issuer.certificate], decryption_cert=CertCredential(str(relying_party.cert_file)))


def test_a_timestamp_sent_is_checked_even_when_no_binding_asks_for_one(issuer: Issuer) -> None:
    """An SSL-only endpoint (an STS that reads X.509 tokens itself) relies on the Timestamp the
    handler checked: a stale one is refused there too, and a message with none still passes."""
    import warnings

    from wsbind import AnonymousServerWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AnonymousServerWarning)
        plain = _verifier(SecurityDescription([SslTransportSecurityBinding()]))
    stale = envelope(now=NOW - dt.timedelta(hours=1))
    assert _refused(plain, stale).reason == "timestamp-too-old"
    assert plain.verify(envelope(now=NOW), HTTPS).timestamp_created is not None
    assert plain.verify(envelope(timestamp=False), HTTPS).saml_assertion is None
