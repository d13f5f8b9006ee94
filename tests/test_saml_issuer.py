"""SamlIssuer and encrypt_assertion: the output must verify with two independent engines."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import signxml.exceptions
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml.verifier import VerifyResult, XMLVerifier

from samples.pki import self_signed_certificate
from wsbind.saml.issuer import (
    BEARER_V1,
    BEARER_V2,
    HOLDER_OF_KEY_V1,
    HOLDER_OF_KEY_V2,
    SamlIssuer,
    SamlVersion,
    encrypt_assertion,
)
from wsbind.soap import namespaces as ns
from wsbind.soap.namespaces import AES128_CBC, AES256_GCM, ELEMENT_TYPE, RSA_1_5, RSA_OAEP_MGF1P
from wsbind.soap.xmlparse import parse_xml

S1 = f"{{{ns.SAML1}}}"
S2 = f"{{{ns.SAML2}}}"
DS = f"{{{ns.DS}}}"
XENC = f"{{{ns.XENC}}}"
NOW = datetime(2030, 5, 6, 7, 8, 9, 654321, tzinfo=timezone.utc)
PPT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


def make_cert(key: Any, cn: str) -> x509.Certificate:
    return self_signed_certificate(key, cn)


PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
RsaPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
EcPair = tuple[ec.EllipticCurvePrivateKey, x509.Certificate]
KeyPair = tuple[PrivateKey, x509.Certificate]


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def rsa_pair() -> RsaPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, make_cert(key, "rsa issuer")


@pytest.fixture(scope="module")
def ec_pair() -> EcPair:
    key = ec.generate_private_key(ec.SECP256R1())
    return key, make_cert(key, "ec issuer")


@pytest.fixture(scope="module", params=["rsa", "ec"])
def pair(request: pytest.FixtureRequest, rsa_pair: RsaPair, ec_pair: EcPair) -> KeyPair:
    return rsa_pair if request.param == "rsa" else ec_pair


def id_attribute(version: SamlVersion) -> str:
    return "ID" if version is SamlVersion.V2_0 else "AssertionID"


def verify_signxml(data: bytes, cert: x509.Certificate, version: SamlVersion) -> etree._Element:
    result = XMLVerifier().verify(data, x509_cert=pem(cert), id_attribute=id_attribute(version))
    assert isinstance(result, VerifyResult) and result.signed_xml is not None
    return result.signed_xml


def verify_xmlsec(data: bytes, cert: x509.Certificate, version: SamlVersion) -> None:
    """Verify with libxmlsec1, the key taken from the expected certificate, not from KeyInfo."""
    root = etree.fromstring(data)
    assertion = root if root.tag.endswith("}Assertion") else root.find(f".//{S2}Assertion")
    assert assertion is not None
    xmlsec.tree.add_ids(assertion, [id_attribute(version)])
    signature = assertion.find(f"{DS}Signature")
    assert signature is not None
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(
        cert.public_bytes(serialization.Encoding.PEM), xmlsec.constants.KeyDataFormatCertPem
    )
    context.verify(signature)


def algorithm(root: etree._Element, path: str) -> str | None:
    found = root.find(path)
    assert found is not None, path
    return found.get("Algorithm")


def children(element: etree._Element) -> list[str]:
    return [etree.QName(c).localname for c in element if isinstance(c.tag, str)]


# --- signatures -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", list(SamlVersion))
def test_assertion_verifies_with_signxml_and_xmlsec(pair: KeyPair, version: SamlVersion) -> None:
    key, cert = pair
    issuer = SamlIssuer("https://sts.example/", key, cert)
    data = issuer.issue(
        subject="alice", version=version, audiences=["urn:rp"], attributes={"role": ["a", "b"]}
    )
    signed = verify_signxml(data, cert, version)
    assert signed.tag == (S2 if version is SamlVersion.V2_0 else S1) + "Assertion"
    verify_xmlsec(data, cert, version)
    expected = ns.RSA_SHA256 if isinstance(key, rsa.RSAPrivateKey) else ns.ECDSA_SHA256
    assert algorithm(etree.fromstring(data), f".//{DS}SignatureMethod") == expected


@pytest.mark.parametrize(
    ("signature", "digest"),
    [
        (ns.RSA_SHA1, ns.SHA1),
        (ns.RSA_SHA256, ns.SHA512),
        (ns.RSA_SHA384, ns.SHA384),
        (ns.RSA_SHA512, ns.SHA256),
    ],
)
def test_rsa_algorithms_are_selectable(rsa_pair: RsaPair, signature: str, digest: str) -> None:
    key, cert = rsa_pair
    issuer = SamlIssuer("sts", key, cert, signature_algorithm=signature, digest_algorithm=digest)
    for version in SamlVersion:
        data = issuer.issue(subject="bob", version=version)
        root = etree.fromstring(data)
        assert algorithm(root, f".//{DS}SignatureMethod") == signature
        assert algorithm(root, f".//{DS}DigestMethod") == digest
        verify_xmlsec(data, cert, version)
        if signature != ns.RSA_SHA1:  # signxml refuses SHA-1 by default, rightly
            verify_signxml(data, cert, version)


TAMPER_TARGETS = [b"alice", b"https://sts.example/", b"urn:rp", b"admin", b"2030"]


@pytest.mark.parametrize("version", list(SamlVersion))
@pytest.mark.parametrize("target", TAMPER_TARGETS)
def test_one_changed_byte_breaks_both_verifiers(
    rsa_pair: RsaPair, version: SamlVersion, target: bytes
) -> None:
    key, cert = rsa_pair
    issuer = SamlIssuer("https://sts.example/", key, cert)
    data = issuer.issue(
        subject="alice", version=version, audiences=["urn:rp"], attributes={"role": "admin"},
        now=NOW,
    )
    verify_xmlsec(data, cert, version)
    position = data.index(target) + len(target) - 1
    replacement = b"X" if data[position : position + 1] != b"X" else b"Y"
    tampered = data[:position] + replacement + data[position + 1 :]
    assert len(tampered) == len(data) and tampered != data
    with pytest.raises(signxml.exceptions.InvalidSignature):
        verify_signxml(tampered, cert, version)
    with pytest.raises(xmlsec.Error):
        verify_xmlsec(tampered, cert, version)


def test_verbatim_embedding_in_a_soap_header_still_verifies(rsa_pair: RsaPair) -> None:
    """The bytes carry their own namespaces, so another document's prefixes cannot change them."""
    key, cert = rsa_pair
    for version in SamlVersion:
        data = SamlIssuer("sts", key, cert).issue(subject="carol", version=version)
        envelope = (
            b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns="urn:other"'
            b' xmlns:saml2="urn:wrong" xmlns:ds="urn:also-wrong"><s:Header>'
            b'<wsse:Security xmlns:wsse="' + ns.WSSE.encode() + b'">' + data
            + b"</wsse:Security></s:Header><s:Body><x/></s:Body></s:Envelope>"
        )
        root = parse_xml(envelope)
        assertion = root.find(f".//{S2 if version is SamlVersion.V2_0 else S1}Assertion")
        assert assertion is not None
        xmlsec.tree.add_ids(assertion, [id_attribute(version)])
        context = xmlsec.SignatureContext()
        context.key = xmlsec.Key.from_memory(
            cert.public_bytes(serialization.Encoding.PEM), xmlsec.constants.KeyDataFormatCertPem
        )
        signature = assertion.find(f"{DS}Signature")
        assert signature is not None
        context.verify(signature)


def test_without_certificate_there_is_no_key_info(rsa_pair: RsaPair) -> None:
    key, cert = rsa_pair
    issuer = SamlIssuer("sts", key, cert, include_certificate=False)
    for version in SamlVersion:
        data = issuer.issue(subject="dave", version=version)
        assert etree.fromstring(data).find(f"{DS}Signature/{DS}KeyInfo") is None
        verify_xmlsec(data, cert, version)


def test_repeated_issue_gives_fresh_ids_and_valid_signatures(ec_pair: EcPair) -> None:
    key, cert = ec_pair
    issuer = SamlIssuer("sts", key, cert)
    ids = set()
    for i in range(10):
        data = issuer.issue(subject=f"user{i}")
        verify_xmlsec(data, cert, SamlVersion.V2_0)
        ids.add(etree.fromstring(data).get("ID"))
    assert len(ids) == 10


# --- structure --------------------------------------------------------------------------------


def test_saml2_structure(rsa_pair: RsaPair) -> None:
    key, cert = rsa_pair
    one_time_use = etree.Element(f"{S2}OneTimeUse")
    data = SamlIssuer("https://sts.example/", key, cert).issue(
        subject="alice@example.org",
        subject_format=EMAIL,
        audiences=["urn:rp:one", "urn:rp:two"],
        attributes={"role": ["reader", "writer"], "mail": "alice@example.org"},
        lifetime=timedelta(minutes=30),
        now=NOW,
        extra_conditions=[one_time_use],
    )
    assert not data.startswith(b"<?xml")
    assert data.startswith(b"<saml2:Assertion ")
    a = parse_xml(data)
    assert a.tag == f"{S2}Assertion"
    assert a.nsmap == {"saml2": ns.SAML2}
    assert re.fullmatch(r"_[0-9a-f]{32}", a.get("ID", ""))
    assert a.get("Version") == "2.0"
    assert a.get("IssueInstant") == "2030-05-06T07:08:09Z"
    assert children(a) == [
        "Issuer", "Signature", "Subject", "Conditions", "AuthnStatement", "AttributeStatement"
    ]
    assert a.findtext(f"{S2}Issuer") == "https://sts.example/"

    name_id = a.find(f"{S2}Subject/{S2}NameID")
    assert name_id is not None and name_id.text == "alice@example.org"
    assert name_id.get("Format") == EMAIL
    confirmation = a.find(f"{S2}Subject/{S2}SubjectConfirmation")
    assert confirmation is not None and confirmation.get("Method") == BEARER_V2
    data_element = confirmation.find(f"{S2}SubjectConfirmationData")
    assert data_element is not None
    assert data_element.get("NotOnOrAfter") == "2030-05-06T07:38:09Z"

    conditions = a.find(f"{S2}Conditions")
    assert conditions is not None
    assert conditions.get("NotBefore") == "2030-05-06T07:08:09Z"
    assert conditions.get("NotOnOrAfter") == "2030-05-06T07:38:09Z"
    assert children(conditions) == ["AudienceRestriction", "OneTimeUse"]
    assert [e.text for e in conditions.iterfind(f"{S2}AudienceRestriction/{S2}Audience")] == [
        "urn:rp:one", "urn:rp:two"
    ]
    assert one_time_use.getparent() is None  # the caller's element was copied, not moved

    authn = a.find(f"{S2}AuthnStatement")
    assert authn is not None and authn.get("AuthnInstant") == "2030-05-06T07:08:09Z"
    assert authn.findtext(f"{S2}AuthnContext/{S2}AuthnContextClassRef") == PPT

    attributes = {
        attr.get("Name"): [v.text for v in attr.iterfind(f"{S2}AttributeValue")]
        for attr in a.iterfind(f"{S2}AttributeStatement/{S2}Attribute")
    }
    assert attributes == {"role": ["reader", "writer"], "mail": ["alice@example.org"]}

    signature = a.find(f"{DS}Signature")
    assert signature is not None
    references = signature.findall(f"{DS}SignedInfo/{DS}Reference")
    assert len(references) == 1 and references[0].get("URI") == "#" + a.get("ID", "")
    transforms = [
        t.get("Algorithm") for t in references[0].iterfind(f"{DS}Transforms/{DS}Transform")
    ]
    assert transforms == [ns.ENVELOPED, ns.C14N_EXCLUSIVE]
    c14n = signature.find(f"{DS}SignedInfo/{DS}CanonicalizationMethod")
    assert c14n is not None and c14n.get("Algorithm") == ns.C14N_EXCLUSIVE
    assert algorithm(references[0], f"{DS}DigestMethod") == ns.SHA256
    embedded = signature.findtext(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    assert embedded is not None
    assert base64.b64decode(embedded) == cert.public_bytes(serialization.Encoding.DER)


def test_saml11_structure(rsa_pair: RsaPair) -> None:
    key, cert = rsa_pair
    data = SamlIssuer("https://sts.example/", key, cert).issue(
        subject="alice@example.org",
        version=SamlVersion.V1_1,
        subject_format=EMAIL,
        audiences=["urn:rp"],
        attributes={"http://schemas.example/claims/role": ("reader", "writer")},
        now=NOW,
        assertion_id="_fixed-id.1",
    )
    assert data.startswith(b"<saml:Assertion ")
    a = parse_xml(data)
    assert a.tag == f"{S1}Assertion"
    assert a.nsmap == {"saml": ns.SAML1}
    assert a.get("MajorVersion") == "1" and a.get("MinorVersion") == "1"
    assert a.get("AssertionID") == "_fixed-id.1"
    assert a.get("Issuer") == "https://sts.example/"
    assert a.get("IssueInstant") == "2030-05-06T07:08:09Z"
    assert children(a) == [
        "Conditions", "AuthenticationStatement", "AttributeStatement", "Signature"
    ]

    conditions = a.find(f"{S1}Conditions")
    assert conditions is not None
    assert conditions.get("NotBefore") == "2030-05-06T07:08:09Z"
    assert conditions.get("NotOnOrAfter") == "2030-05-06T08:08:09Z"
    assert conditions.findtext(f"{S1}AudienceRestrictionCondition/{S1}Audience") == "urn:rp"

    authn = a.find(f"{S1}AuthenticationStatement")
    assert authn is not None
    assert authn.get("AuthenticationMethod") == "urn:oasis:names:tc:SAML:1.0:am:password"
    assert authn.get("AuthenticationInstant") == "2030-05-06T07:08:09Z"
    for statement in ("AuthenticationStatement", "AttributeStatement"):
        subject = a.find(f"{S1}{statement}/{S1}Subject")
        assert subject is not None
        name_id = subject.find(f"{S1}NameIdentifier")
        assert name_id is not None and name_id.text == "alice@example.org"
        assert name_id.get("Format") == EMAIL
        assert subject.findtext(f"{S1}SubjectConfirmation/{S1}ConfirmationMethod") == BEARER_V1

    attribute = a.find(f"{S1}AttributeStatement/{S1}Attribute")
    assert attribute is not None
    assert attribute.get("AttributeName") == "http://schemas.example/claims/role"
    assert attribute.get("AttributeNamespace")
    assert [v.text for v in attribute.iterfind(f"{S1}AttributeValue")] == ["reader", "writer"]
    reference = a.find(f"{DS}Signature/{DS}SignedInfo/{DS}Reference")
    assert reference is not None and reference.get("URI") == "#_fixed-id.1"
    verify_signxml(data, cert, SamlVersion.V1_1)


@pytest.mark.parametrize("version", list(SamlVersion))
def test_no_attributes_means_no_statement(rsa_pair: RsaPair, version: SamlVersion) -> None:
    key, cert = rsa_pair
    a = etree.fromstring(SamlIssuer("sts", key, cert).issue(subject="x", version=version))
    assert a.find(f"{S1}AttributeStatement") is None and a.find(f"{S2}AttributeStatement") is None
    assert a.find(f"{S1}Conditions/{S1}AudienceRestrictionCondition") is None
    assert a.find(f"{S2}Conditions/{S2}AudienceRestriction") is None


def test_times_window_and_not_before(rsa_pair: RsaPair) -> None:
    key, cert = rsa_pair
    data = SamlIssuer("sts", key, cert).issue(
        subject="x",
        now=NOW.astimezone(timezone(timedelta(hours=2))),  # any zone in, UTC out
        not_before=NOW - timedelta(minutes=5),
        lifetime=timedelta(minutes=10),
    )
    a = etree.fromstring(data)
    assert a.get("IssueInstant") == "2030-05-06T07:08:09Z"
    conditions = a.find(f"{S2}Conditions")
    assert conditions is not None
    assert conditions.get("NotBefore") == "2030-05-06T07:03:09Z"
    assert conditions.get("NotOnOrAfter") == "2030-05-06T07:18:09Z"


def test_default_now_is_current_utc(rsa_pair: RsaPair) -> None:
    key, cert = rsa_pair
    before = datetime.now(timezone.utc).replace(microsecond=0)
    a = etree.fromstring(SamlIssuer("sts", key, cert).issue(subject="x"))
    after = datetime.now(timezone.utc)
    issued = datetime.strptime(a.get("IssueInstant", ""), "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc
    )
    assert before <= issued <= after


def test_holder_of_key_confirmation(rsa_pair: RsaPair) -> None:
    key, cert = rsa_pair
    issuer = SamlIssuer("sts", key, cert)
    key_info = etree.Element(f"{DS}KeyInfo", nsmap={"ds": ns.DS})
    etree.SubElement(key_info, f"{DS}KeyName").text = "proof-key"

    v2 = issuer.issue(
        subject="x", confirmation_method=HOLDER_OF_KEY_V2, confirmation_key_info=key_info
    )
    confirmation = etree.fromstring(v2).find(f"{S2}Subject/{S2}SubjectConfirmation")
    assert confirmation is not None and confirmation.get("Method") == HOLDER_OF_KEY_V2
    key_name = confirmation.findtext(f"{S2}SubjectConfirmationData/{DS}KeyInfo/{DS}KeyName")
    assert key_name == "proof-key"
    verify_signxml(v2, cert, SamlVersion.V2_0)

    v1 = issuer.issue(
        subject="x", version=SamlVersion.V1_1, confirmation_method=HOLDER_OF_KEY_V1,
        confirmation_key_info=key_info,
    )
    confirmation = etree.fromstring(v1).find(f".//{S1}SubjectConfirmation")
    assert confirmation is not None
    assert confirmation.findtext(f"{S1}ConfirmationMethod") == HOLDER_OF_KEY_V1
    assert confirmation.findtext(f"{DS}KeyInfo/{DS}KeyName") == "proof-key"
    verify_signxml(v1, cert, SamlVersion.V1_1)

    plain = issuer.issue(subject="x", confirmation_method=HOLDER_OF_KEY_V2)
    assert etree.fromstring(plain).find(f".//{S2}SubjectConfirmationData") is None


def test_bad_arguments_are_refused(rsa_pair: RsaPair, ec_pair: EcPair) -> None:
    key, cert = rsa_pair
    ec_key, ec_cert = ec_pair
    with pytest.raises(ValueError, match="does not hold"):
        SamlIssuer("sts", key, ec_cert)
    with pytest.raises(ValueError, match="does not fit"):
        SamlIssuer("sts", key, cert, signature_algorithm=ns.ECDSA_SHA256)
    with pytest.raises(ValueError, match="does not fit"):
        SamlIssuer("sts", ec_key, ec_cert, signature_algorithm=ns.RSA_SHA256)
    with pytest.raises(ValueError, match="digest"):
        SamlIssuer("sts", key, cert, digest_algorithm="urn:md5")
    with pytest.raises(ValueError, match="P-256"):
        other = ec.generate_private_key(ec.SECP256K1())
        SamlIssuer("sts", other, make_cert(other, "k1"))
    issuer = SamlIssuer("sts", key, cert)
    with pytest.raises(ValueError, match="timezone"):
        issuer.issue(subject="x", now=datetime(2030, 1, 1))
    with pytest.raises(ValueError, match="assertion_id"):
        issuer.issue(subject="x", assertion_id="1-starts-with-a-digit")
    with pytest.raises(TypeError):
        issuer.issue(subject="x", audiences="urn:rp")
    with pytest.raises(ValueError):
        issuer.issue(subject="")
    with pytest.raises(ValueError):
        issuer.issue(subject="x", lifetime=timedelta(0))
    with pytest.raises(ValueError):
        issuer.issue(subject="x", now=NOW, not_before=NOW + timedelta(hours=2))


# --- encrypt_assertion ------------------------------------------------------------------------


def test_encrypt_saml2_gives_encrypted_assertion(rsa_pair: RsaPair) -> None:
    key, cert = rsa_pair
    data = SamlIssuer("sts", key, cert).issue(subject="secret-subject")
    out = encrypt_assertion(data, cert)
    assert b"secret-subject" not in out and not out.startswith(b"<?xml")
    root = parse_xml(out)
    assert root.tag == f"{S2}EncryptedAssertion"
    assert children(root) == ["EncryptedData"]
    encrypted = root[0]
    assert encrypted.get("Type") == ELEMENT_TYPE
    assert algorithm(encrypted, f"{XENC}EncryptionMethod") == AES256_GCM
    method = encrypted.find(f"{DS}KeyInfo/{XENC}EncryptedKey/{XENC}EncryptionMethod")
    assert method is not None and method.get("Algorithm") == RSA_OAEP_MGF1P


def test_encrypt_saml11_gives_bare_encrypted_data(rsa_pair: RsaPair) -> None:
    key, cert = rsa_pair
    data = SamlIssuer("sts", key, cert).issue(subject="x", version=SamlVersion.V1_1)
    root = parse_xml(encrypt_assertion(data, cert, data_algorithm=AES128_CBC))
    assert root.tag == f"{XENC}EncryptedData"
    assert root.get("Type") == ELEMENT_TYPE
    assert algorithm(root, f"{XENC}EncryptionMethod") == AES128_CBC


def test_encrypt_refuses_what_it_should(rsa_pair: RsaPair, ec_pair: EcPair) -> None:
    key, cert = rsa_pair
    data = SamlIssuer("sts", key, cert).issue(subject="x")
    with pytest.raises(ValueError):
        encrypt_assertion(data, cert, key_transport=RSA_1_5)
    with pytest.raises(ValueError):
        encrypt_assertion(data, cert, data_algorithm=ns.XENC + "tripledes-cbc")
    with pytest.raises(ValueError):
        encrypt_assertion(data, ec_pair[1])
    with pytest.raises(ValueError):
        encrypt_assertion(b"<notAnAssertion/>", cert)
