"""Assertions signed by independent implementations (signxml, pysaml2) against our verifier.

Each oracle builds and signs an assertion the way its own users do; the assertion then travels
end to end (real zeep client -> real spyne service over loopback HTTPS) and through the
framework-free MessageVerifier. Accepting their signatures, and rejecting them after one byte
of signed content changes or when the signer is not trusted, is what these tests pin down.
(Our own issuer verified by the oracles: tests/test_saml_issuer.py.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import zeep.exceptions
from conftest import Starter, server_description
from lxml import etree
from saml2 import saml, sigver, xmldsig
from signxml.algorithms import SignatureConstructionMethod
from signxml.exceptions import InvalidSignature
from signxml.signer import XMLSigner
from signxml.verifier import XMLVerifier
from support import Issuer, client_description, envelope

from wsbind import (
    CertSignedSamlAuthenticator,
    FaultCode,
    MessageVerifier,
    SamlMessageSecurityBinding,
    SecurityAlgorithmSuiteName,
    SecurityDescription,
    SecurityProperty,
    SecurityVerificationError,
    SslTransportSecurityBinding,
    TransportFacts,
    VerifiedMessage,
)
from wsbind.saml.issuer import BEARER_V1, BEARER_V2, SamlVersion
from wsbind.soap import namespaces as ns
from zeep_wsbind import secure_client

S1 = f"{{{ns.SAML1}}}"
S2 = f"{{{ns.SAML2}}}"
DS = f"{{{ns.DS}}}"

ISSUER_NAME = "https://oracle-sts.example.test"
AUDIENCE = "https://service.example.test"
SUBJECT = "alice"
ROLES = ("reader", "writer")


def expected_answer(version: SamlVersion) -> str:
    """What WhoAmIService answers for an oracle assertion: subject|issuer|roles|version."""
    return f"{SUBJECT}|{ISSUER_NAME}|{','.join(ROLES)}|{version.value}"


def xs_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Window:
    """The assertion's validity: issued now, valid from a minute ago for an hour."""

    issued: datetime
    not_before: datetime
    not_on_or_after: datetime

    @classmethod
    def around_now(cls) -> Window:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        return cls(now, now - timedelta(minutes=1), now + timedelta(hours=1))


# --- oracle 1: an assertion built with lxml, signed by signxml -----------------------------------

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
INCLUSIVE_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


def unsigned_saml2(assertion_id: str, window: Window) -> etree._Element:
    """A SAML 2.0 bearer assertion with a ds:Signature placeholder right after Issuer."""
    a = etree.Element(f"{S2}Assertion", nsmap={"saml2": ns.SAML2})
    a.set("ID", assertion_id)
    a.set("IssueInstant", xs_time(window.issued))
    a.set("Version", "2.0")
    etree.SubElement(a, f"{S2}Issuer").text = ISSUER_NAME
    # signxml replaces this element with the signature (schema order: Issuer, Signature, Subject).
    etree.SubElement(a, f"{DS}Signature", nsmap={"ds": ns.DS}, Id="placeholder")
    subject = etree.SubElement(a, f"{S2}Subject")
    etree.SubElement(subject, f"{S2}NameID").text = SUBJECT
    confirmation = etree.SubElement(subject, f"{S2}SubjectConfirmation", Method=BEARER_V2)
    etree.SubElement(confirmation, f"{S2}SubjectConfirmationData", NotOnOrAfter=xs_time(window.not_on_or_after))
    conditions = etree.SubElement(
        a,
        f"{S2}Conditions",
        NotBefore=xs_time(window.not_before),
        NotOnOrAfter=xs_time(window.not_on_or_after),
    )
    audience = etree.SubElement(conditions, f"{S2}AudienceRestriction")
    etree.SubElement(audience, f"{S2}Audience").text = AUDIENCE
    authn = etree.SubElement(a, f"{S2}AuthnStatement", AuthnInstant=xs_time(window.issued))
    context = etree.SubElement(authn, f"{S2}AuthnContext")
    etree.SubElement(
        context, f"{S2}AuthnContextClassRef"
    ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    attribute = etree.SubElement(etree.SubElement(a, f"{S2}AttributeStatement"), f"{S2}Attribute", Name="role")
    for role in ROLES:
        etree.SubElement(attribute, f"{S2}AttributeValue").text = role
    return a


def _unsigned_saml11(assertion_id: str, window: Window) -> etree._Element:
    """A SAML 1.1 bearer assertion; its schema puts ds:Signature last, where signxml appends."""
    a = etree.Element(f"{S1}Assertion", nsmap={"saml": ns.SAML1})
    a.set("AssertionID", assertion_id)
    a.set("IssueInstant", xs_time(window.issued))
    a.set("Issuer", ISSUER_NAME)
    a.set("MajorVersion", "1")
    a.set("MinorVersion", "1")
    conditions = etree.SubElement(
        a,
        f"{S1}Conditions",
        NotBefore=xs_time(window.not_before),
        NotOnOrAfter=xs_time(window.not_on_or_after),
    )
    audience = etree.SubElement(conditions, f"{S1}AudienceRestrictionCondition")
    etree.SubElement(audience, f"{S1}Audience").text = AUDIENCE

    def add_subject(statement: etree._Element) -> None:
        subject = etree.SubElement(statement, f"{S1}Subject")
        etree.SubElement(subject, f"{S1}NameIdentifier").text = SUBJECT
        confirmation = etree.SubElement(subject, f"{S1}SubjectConfirmation")
        etree.SubElement(confirmation, f"{S1}ConfirmationMethod").text = BEARER_V1

    authn = etree.SubElement(
        a,
        f"{S1}AuthenticationStatement",
        AuthenticationInstant=xs_time(window.issued),
        AuthenticationMethod="urn:oasis:names:tc:SAML:1.0:am:password",
    )
    add_subject(authn)
    statement = etree.SubElement(a, f"{S1}AttributeStatement")
    add_subject(statement)
    attribute = etree.SubElement(
        statement,
        f"{S1}Attribute",
        AttributeName="role",
        AttributeNamespace="urn:mace:shibboleth:1.0:attributeNamespace:uri",
    )
    for role in ROLES:
        etree.SubElement(attribute, f"{S1}AttributeValue").text = role
    return a


def signxml_assertion(
    issuer: Issuer, version: SamlVersion, *, with_certificate: bool = True, c14n: str = EXC_C14N
) -> bytes:
    """An assertion signed by signxml: RSA-SHA256, SHA-256 digest, exclusive c14n by default.

    signxml finds the ID through "Id"/"ID" only, so SAML 1.1 names AssertionID explicitly.
    Without ``with_certificate`` signxml describes the key by ds:KeyValue instead of X509Data.
    """
    window = Window.around_now()
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm=c14n,
    )
    certificate = issuer.cert_file.read_text() if with_certificate else None
    key = issuer.key_file.read_bytes()
    if version is SamlVersion.V2_0:
        assertion_id = "_signxml2-0001"
        signed = signer.sign(unsigned_saml2(assertion_id, window), key=key, cert=certificate)
    else:
        assertion_id = "_signxml11-0001"
        signed = signer.sign(
            _unsigned_saml11(assertion_id, window),
            key=key,
            cert=certificate,
            reference_uri=f"#{assertion_id}",
            id_attribute="AssertionID",
        )
    return etree.tostring(signed)


# --- oracle 2: an assertion built and signed by pysaml2 (xmlsec1 underneath) ---------------------


def pysaml2_assertion(
    issuer: Issuer,
    xmlsec1: str,
    *,
    sign_alg: str | None = xmldsig.SIG_RSA_SHA256,
    digest_alg: str | None = xmldsig.DIGEST_SHA256,
    with_certificate: bool = True,
) -> bytes:
    """A SAML 2.0 assertion built with saml2.saml and signed by pysaml2's SecurityContext.

    pysaml2 has no SAML 1.1 model, and its defaults are RSA-SHA1/SHA-1: pass None for
    ``sign_alg``/``digest_alg`` to get them. ``with_certificate`` embeds the signer's
    certificate in KeyInfo, as a pysaml2 IdP does.
    """
    window = Window.around_now()
    assertion_id = "_pysaml2-0001"
    certificate = (
        "".join(line for line in issuer.cert_file.read_text().splitlines() if "-----" not in line)
        if with_certificate
        else None
    )
    assertion = saml.Assertion(
        id=assertion_id,
        version="2.0",
        issue_instant=xs_time(window.issued),
        issuer=saml.Issuer(text=ISSUER_NAME),
        signature=sigver.pre_signature_part(
            assertion_id, public_key=certificate, sign_alg=sign_alg, digest_alg=digest_alg
        ),
        subject=saml.Subject(
            name_id=saml.NameID(text=SUBJECT),
            subject_confirmation=[
                saml.SubjectConfirmation(
                    method=saml.SCM_BEARER,
                    subject_confirmation_data=saml.SubjectConfirmationData(
                        not_on_or_after=xs_time(window.not_on_or_after)
                    ),
                )
            ],
        ),
        conditions=saml.Conditions(
            not_before=xs_time(window.not_before),
            not_on_or_after=xs_time(window.not_on_or_after),
            audience_restriction=[saml.AudienceRestriction(audience=[saml.Audience(text=AUDIENCE)])],
        ),
        attribute_statement=[
            saml.AttributeStatement(
                attribute=[
                    saml.Attribute(
                        name="role",
                        attribute_value=[saml.AttributeValue(text=role) for role in ROLES],
                    )
                ]
            )
        ],
    )
    context = sigver.SecurityContext(
        sigver.CryptoBackendXmlSec1(xmlsec1),
        key_file=str(issuer.key_file),
        cert_file=str(issuer.cert_file),
    )
    signed: str = context.sign_statement(str(assertion), node_name=sigver.class_name(assertion), node_id=assertion_id)
    return signed.encode("utf-8")  # starts with '<?xml version="1.0"?>'; tokens accept that


# --- presenting a token ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    """One oracle's signed assertion and the SAML version it holds."""

    oracle: str
    version: SamlVersion
    xml: bytes


ORACLES = [
    pytest.param(("signxml", SamlVersion.V2_0), id="signxml-saml20"),
    pytest.param(("signxml", SamlVersion.V1_1), id="signxml-saml11"),
    pytest.param(("pysaml2", SamlVersion.V2_0), id="pysaml2-saml20"),
]


@pytest.fixture(params=ORACLES)
def signed(request: pytest.FixtureRequest, issuer: Issuer) -> Signed:
    """A fresh assertion from each oracle, signed with the trusted issuer's key."""
    oracle, version = request.param
    if oracle == "pysaml2":
        return Signed(oracle, version, pysaml2_assertion(issuer, request.getfixturevalue("xmlsec1")))
    return Signed(oracle, version, signxml_assertion(issuer, version))


def audience_checking(issuer: Issuer) -> SecurityDescription:
    """The service side: trusts ``issuer`` and demands our audience in the assertion."""
    return server_description(issuer, audiences=[AUDIENCE])


def call_whoami(start_service: Starter, tls: dict[str, Path], server: SecurityDescription, token: bytes) -> str:
    with start_service(server) as url:
        client = secure_client(url + "?wsdl", client_description(token), verify=str(tls["ca"]))
        answer: str = client.service.whoami()
    return answer


def fault_code_of(start_service: Starter, tls: dict[str, Path], server: SecurityDescription, token: bytes) -> str:
    """Call the service expecting a SOAP fault; return its fault code text."""
    with start_service(server) as url:
        client = secure_client(url + "?wsdl", client_description(token), verify=str(tls["ca"]))
        with pytest.raises(zeep.exceptions.Fault) as caught:
            client.service.whoami()
    return str(caught.value.code)


def verify(server: SecurityDescription, token: bytes) -> VerifiedMessage:
    return MessageVerifier(server).verify(envelope(token), TransportFacts(is_https=True))


def verification_error(server: SecurityDescription, token: bytes) -> SecurityVerificationError:
    with pytest.raises(SecurityVerificationError) as caught:
        verify(server, token)
    return caught.value


# --- 1 and 2: oracle signatures are accepted ------------------------------------------------------


def test_oracle_signature_sits_where_the_saml_schema_puts_it(signed: Signed) -> None:
    """SAML 2.0: Issuer, Signature, Subject...; SAML 1.1: the statements, then Signature."""
    assertion = etree.fromstring(signed.xml)
    names = [etree.QName(c).localname for c in assertion if isinstance(c.tag, str)]
    if signed.version is SamlVersion.V2_0:
        assert names[:3] == ["Issuer", "Signature", "Subject"]
    else:
        assert names[-1] == "Signature"
    reference = assertion.find(f"{DS}Signature/{DS}SignedInfo/{DS}Reference")
    assert reference is not None
    own_id = assertion.get("ID" if signed.version is SamlVersion.V2_0 else "AssertionID")
    assert reference.get("URI") == f"#{own_id}"
    signed_info = assertion.find(f"{DS}Signature/{DS}SignedInfo")
    assert signed_info is not None
    algorithms = [e.get("Algorithm") for e in signed_info.iter()]
    assert ns.RSA_SHA256 in algorithms and ns.SHA256 in algorithms and ns.SHA1 not in algorithms


def test_oracle_assertion_reaches_the_service_method(
    start_service: Starter, tls: dict[str, Path], issuer: Issuer, signed: Signed
) -> None:
    answer = call_whoami(start_service, tls, audience_checking(issuer), signed.xml)
    assert answer == expected_answer(signed.version)


def test_oracle_assertion_passes_the_verifier(issuer: Issuer, signed: Signed) -> None:
    verified = verify(audience_checking(issuer), signed.xml)
    assertion = verified.saml_assertion
    assert assertion is not None
    assert (assertion.subject_name_id, assertion.issuer, assertion.version) == (
        SUBJECT,
        ISSUER_NAME,
        signed.version.value,
    )
    assert assertion.attributes["role"] == ROLES
    assert assertion.audiences == (AUDIENCE,)
    assert assertion.signing_certificate == issuer.certificate


def test_pysaml2_default_sha1_needs_a_sha1_suite(
    start_service: Starter, tls: dict[str, Path], issuer: Issuer, xmlsec1: str
) -> None:
    """pysaml2's defaults are RSA-SHA1 and SHA-1: refused by default, accepted under Basic256."""
    token = pysaml2_assertion(issuer, xmlsec1, sign_alg=None, digest_alg=None)
    assert ns.RSA_SHA1.encode() in token and ns.SHA1.encode() in token

    refused = verification_error(audience_checking(issuer), token)
    assert (refused.fault_code, refused.reason) == (FaultCode.INVALID_SECURITY_TOKEN, "algorithm")

    sha1_allowed = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            SamlMessageSecurityBinding(
                authenticator=CertSignedSamlAuthenticator([issuer.certificate], audiences=[AUDIENCE])
            ),
        ],
        {SecurityProperty.ALGORITHM_SUITE_NAME: SecurityAlgorithmSuiteName.BASIC256},
    )
    assert call_whoami(start_service, tls, sha1_allowed, token) == expected_answer(SamlVersion.V2_0)


# --- 3: one changed byte, or an untrusted signer, is rejected -------------------------------------


@dataclass(frozen=True)
class Tamper:
    """Change the one byte that ``pattern``'s group 1 matches (first match) into ``replacement``,
    or, without one, swap that letter's case."""

    pattern: bytes
    replacement: bytes | None = None

    def apply(self, xml: bytes) -> bytes:
        match = re.search(self.pattern, xml)
        assert match is not None, f"{self.pattern!r} not found in the oracle's output"
        start, end = match.span(1)
        assert end - start == 1
        changed = xml[:start] + (self.replacement or xml[start:end].swapcase()) + xml[end:]
        assert len(changed) == len(xml) and sum(a != b for a, b in zip(changed, xml, strict=True)) == 1
        etree.fromstring(changed)  # still well-formed: only the signature can object
        return changed


TAMPERS = [
    # alice -> alicE: the subject the service would act for.
    pytest.param(Tamper(rb"<[\w:]*Name(?:ID|Identifier)\b[^>]*>alic(e)<", b"E"), id="subject"),
    # reader -> leader: a role value.
    pytest.param(Tamper(rb"<[\w:]*AttributeValue\b[^>]*>(r)eader<", b"l"), id="attribute"),
    # 2xxx -> 3xxx: a thousand more years of validity, still a well-formed, future time.
    pytest.param(Tamper(rb"<[\w:]*Conditions\b[^>]*\bNotOnOrAfter=\"(2)", b"3"), id="not-on-or-after"),
    # The digest inside SignedInfo: the content still matches it, the SignatureValue does not.
    pytest.param(Tamper(rb"<[\w:]*DigestValue>[^<]*?([A-Za-z])"), id="digest-value"),
]


@pytest.mark.parametrize("tamper", TAMPERS)
def test_one_changed_byte_is_refused_by_the_service(
    start_service: Starter, tls: dict[str, Path], issuer: Issuer, signed: Signed, tamper: Tamper
) -> None:
    code = fault_code_of(start_service, tls, audience_checking(issuer), tamper.apply(signed.xml))
    assert "FailedAuthentication" in code


@pytest.mark.parametrize("tamper", TAMPERS)
def test_one_changed_byte_is_refused_by_the_verifier(issuer: Issuer, signed: Signed, tamper: Tamper) -> None:
    error = verification_error(audience_checking(issuer), tamper.apply(signed.xml))
    assert error.fault_code == FaultCode.FAILED_AUTHENTICATION
    assert error.reason == "signature"


# The oracles embed the signer's certificate in KeyInfo. No trusted key verifies the signature,
# and the certificate it names is not in the allow-list, so the log says "untrusted-issuer"
# rather than "signature" (tampering); the peer sees FailedAuthentication either way.
def test_trusted_oracle_signature_refused_by_a_service_trusting_another_issuer(
    start_service: Starter, tls: dict[str, Path], rogue: Issuer, signed: Signed
) -> None:
    code = fault_code_of(start_service, tls, audience_checking(rogue), signed.xml)
    assert "FailedAuthentication" in code


def test_trusted_oracle_signature_refused_by_a_verifier_trusting_another_issuer(rogue: Issuer, signed: Signed) -> None:
    error = verification_error(audience_checking(rogue), signed.xml)
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "untrusted-issuer")


@pytest.mark.parametrize("oracle", ["signxml", "pysaml2"])
def test_signature_naming_no_certificate_refused_by_another_issuer(
    request: pytest.FixtureRequest, issuer: Issuer, rogue: Issuer, oracle: str
) -> None:
    """Without an X509Certificate (signxml writes a KeyValue, pysaml2 no KeyInfo at all) the
    verifier cannot tell an untrusted signer from a broken signature: no trusted key verifies
    it, so the log says "signature". It is still accepted by a service trusting the real issuer."""
    if oracle == "signxml":
        token = signxml_assertion(issuer, SamlVersion.V2_0, with_certificate=False)
        assert b"KeyValue" in token and b"X509Certificate" not in token
    else:
        token = pysaml2_assertion(issuer, request.getfixturevalue("xmlsec1"), with_certificate=False)
        assert b"KeyInfo" not in token
    assert verify(audience_checking(issuer), token).saml_assertion is not None
    error = verification_error(audience_checking(rogue), token)
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "signature")


@pytest.mark.parametrize("version", [SamlVersion.V2_0, SamlVersion.V1_1], ids=["saml20", "saml11"])
def test_inclusive_c14n_signed_alone_does_not_survive_the_soap_header(issuer: Issuer, version: SamlVersion) -> None:
    """Inclusive c14n renders every namespace in scope at the assertion, and in a SOAP header
    the envelope's and wsse's are in scope: the digest an issuer computed over the assertion
    alone can never match there. The profile admits inclusive c14n, but only a signer that
    signed in place could use it; issuers must use exclusive c14n (saml-core 5.4.3 says SHOULD).
    signxml's own verifier agrees on both sides, so this is the algorithm, not our verifier."""
    token = signxml_assertion(issuer, version, c14n=INCLUSIVE_C14N)
    id_attribute = "ID" if version is SamlVersion.V2_0 else "AssertionID"
    certificate = issuer.cert_file.read_text()
    XMLVerifier().verify(token, x509_cert=certificate, id_attribute=id_attribute)

    error = verification_error(audience_checking(issuer), token)
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "signature")
    with pytest.raises(InvalidSignature):
        XMLVerifier().verify(envelope(token), x509_cert=certificate, id_attribute=id_attribute)
