"""SamlIssuer's signatures (lxml exc-c14n and ``cryptography``), checked by four independent verifiers.

Every token is checked by four verifiers that share no code with the signer: python-xmlsec,
signxml, the ``xmlsec1`` program, and ours (both signature engines, and the whole request path for
bearer tokens), over RSA-2048 with SHA-256/384/512 and ECDSA P-256/P-384, SAML 1.1 and 2.0, with
and without the certificate, bearer and holder-of-key, with values full of non-ASCII and markup
characters. The bytes are also checked to be what lxml itself would write for them, and one
issuer is shown to share nothing between calls or threads. Last, an STS signing with ECDSA P-256
issues tokens the relying party accepts end to end.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import pytest
import xmlsec
from conftest import server_description
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from signxml.verifier import VerifyResult, XMLVerifier
from sts_setup import (
    RP,
    Endpoints,
    bearer,
    password_check,
    relying_party_description,
    rp_whoami,
    send,
    username_sts_description,
    xmlsec1_verifies,
)
from support import Issuer, make_app, make_issuer

from samples.pki import self_signed_certificate
from samples.server import serve
from spyne_wsbind import SecurityHandler
from spyne_wsbind.sts import SecurityTokenService
from wsbind import (
    CertSignedSamlAuthenticator,
    MessageVerifier,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SecurityKeyType,
    SslTransportSecurityBinding,
    TransportFacts,
    TrustVersion,
    create_xml_security_token,
)
from wsbind.saml.issuer import HOLDER_OF_KEY_V1, HOLDER_OF_KEY_V2, SamlIssuer, SamlVersion
from wsbind.soap import namespaces as ns
from wsbind.soap.timeutil import utcnow
from wsbind.trust.params import RequestSecurityTokenParameters
from wsbind.wss.header import apply_security_header
from wsbind.xmlcrypto.sign import EnvelopedSigner
from wsbind.xmlcrypto.verify import TrustedIssuers, verify_signature

DS = f"{{{ns.DS}}}"
S1 = f"{{{ns.SAML1}}}"
S2 = f"{{{ns.SAML2}}}"
ISSUER = 'https://sts.example.test/ä?a=1&b="2"'
AUDIENCE = "urn:rp:one&<two>"
SUBJECT = "Zoë <O'Brien> & \"co\""
ATTRIBUTES: dict[str, list[str]] = {
    "plain": ["reader", "writer"],
    "urn:claims/ä&<>\"'": ["x"],
    "special": ["a & b", "<tag/>", "]]>", 'quote " and \'apostrophe\'', "tab\tnewline\ncr\r end"],
    "unicode": ["Zoë", "日本語", "emoji 😀", "\u00a0nbsp", "\u0085next-line", "\u2028line-sep"],
    "empty value": [""],
    "no values": [],
}
SOAP11 = b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>'
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Signing:
    """One key and the algorithms to sign with."""

    name: str
    key: PrivateKey
    certificate: x509.Certificate
    signature_algorithm: str
    digest_algorithm: str

    def issuer(self, include_certificate: bool = True) -> SamlIssuer:
        return SamlIssuer(
            ISSUER,
            self.key,
            self.certificate,
            signature_algorithm=self.signature_algorithm,
            digest_algorithm=self.digest_algorithm,
            include_certificate=include_certificate,
        )

    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture(scope="module")
def signings(rsa_key: rsa.RSAPrivateKey) -> dict[str, Signing]:
    rsa_cert = self_signed_certificate(rsa_key, "rsa-2048 sts")
    p256 = ec.generate_private_key(ec.SECP256R1())
    p384 = ec.generate_private_key(ec.SECP384R1())
    return {
        s.name: s
        for s in (
            Signing("rsa-sha256", rsa_key, rsa_cert, ns.RSA_SHA256, ns.SHA256),
            Signing("rsa-sha384", rsa_key, rsa_cert, ns.RSA_SHA384, ns.SHA384),
            Signing("rsa-sha512", rsa_key, rsa_cert, ns.RSA_SHA512, ns.SHA512),
            Signing("ecdsa-p256", p256, self_signed_certificate(p256, "p-256 sts"), ns.ECDSA_SHA256, ns.SHA256),
            Signing("ecdsa-p384", p384, self_signed_certificate(p384, "p-384 sts"), ns.ECDSA_SHA384, ns.SHA384),
        )
    }


def id_attribute(version: SamlVersion) -> str:
    return "ID" if version is SamlVersion.V2_0 else "AssertionID"


def proof_key_info() -> etree._Element:
    """A holder-of-key confirmation KeyInfo, made in another document with its own prefixes."""
    holder = etree.fromstring(
        f'<x:holder xmlns:x="urn:elsewhere" xmlns:dsig="{ns.DS}"><dsig:KeyInfo><dsig:KeyName>proof &amp; key'
        "</dsig:KeyName></dsig:KeyInfo></x:holder>".encode()
    )
    return holder[0]


def issue(signing: Signing, version: SamlVersion, include_certificate: bool, holder_of_key: bool) -> bytes:
    options: dict[str, Any] = {}
    if holder_of_key:
        options["confirmation_key_info"] = proof_key_info()
        options["confirmation_method"] = HOLDER_OF_KEY_V2 if version is SamlVersion.V2_0 else HOLDER_OF_KEY_V1
    return signing.issuer(include_certificate).issue(
        subject=SUBJECT, version=version, audiences=[AUDIENCE], attributes=ATTRIBUTES, **options
    )


# --- the oracles ---------------------------------------------------------------------------------


def verify_python_xmlsec(token: bytes, signing: Signing, version: SamlVersion) -> None:
    root = etree.fromstring(token)
    xmlsec.tree.add_ids(root, [id_attribute(version)])
    signature = root.find(f"{DS}Signature")
    assert signature is not None
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(signing.cert_pem(), xmlsec.constants.KeyDataFormatCertPem)
    context.verify(signature)


def verify_signxml(token: bytes, signing: Signing, version: SamlVersion) -> etree._Element:
    cert = signing.cert_pem().decode("ascii")
    result = XMLVerifier().verify(token, x509_cert=cert, id_attribute=id_attribute(version))
    assert isinstance(result, VerifyResult) and result.signed_xml is not None
    return result.signed_xml


def verify_ours(token: bytes, signing: Signing, version: SamlVersion) -> None:
    """Both of our signature engines: the fast path (lxml + cryptography) and python-xmlsec."""
    root = etree.fromstring(token)
    identifier = root.get(id_attribute(version), "")
    trusted = TrustedIssuers([signing.certificate])
    engines: tuple[Literal["fast"], Literal["xmlsec"]] = ("fast", "xmlsec")
    for engine in engines:
        verdict = verify_signature(root, identifier, root, trusted, False, engine=engine)
        assert verdict.certificate == signing.certificate


def verify_request(token: bytes, signing: Signing) -> Any:
    """Our whole request path: the token in a SOAP message, through MessageVerifier."""
    authenticator = CertSignedSamlAuthenticator([signing.certificate], audiences=[AUDIENCE])
    description = SecurityDescription(
        [SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator=authenticator)]
    )
    envelope = etree.fromstring(SOAP11)
    apply_security_header(
        envelope,
        [create_xml_security_token(token)],
        now=utcnow(),
        timestamp_validity=description.timestamp_validity_duration,
    )
    verified = MessageVerifier(description).verify(etree.tostring(envelope), TransportFacts(is_https=True))
    return verified.saml_assertion


def verify_xmlsec1(xmlsec1: str, token: bytes, signing: Signing, version: SamlVersion, folder: Path) -> bool:
    cert_file = folder / f"{signing.name}.pem"
    cert_file.write_bytes(signing.cert_pem())
    return xmlsec1_verifies(xmlsec1, cert_file, token, folder)


def read_attributes(root: etree._Element, version: SamlVersion) -> dict[str, list[str]]:
    if version is SamlVersion.V2_0:
        return {
            a.get("Name", ""): [v.text or "" for v in a] for a in root.iterfind(f"{S2}AttributeStatement/{S2}Attribute")
        }
    return {
        a.get("AttributeName", ""): [v.text or "" for v in a]
        for a in root.iterfind(f"{S1}AttributeStatement/{S1}Attribute")
    }


# --- every signing x version x certificate x confirmation ----------------------------------------

SIGNINGS = ["rsa-sha256", "rsa-sha384", "rsa-sha512", "ecdsa-p256", "ecdsa-p384"]


@pytest.mark.parametrize("holder_of_key", [False, True], ids=["bearer", "holder-of-key"])
@pytest.mark.parametrize("include_certificate", [True, False], ids=["with-cert", "no-cert"])
@pytest.mark.parametrize("version", list(SamlVersion), ids=["saml11", "saml20"])
@pytest.mark.parametrize("name", SIGNINGS)
def test_every_verifier_accepts_the_token(
    signings: dict[str, Signing],
    xmlsec1: str,
    tmp_path: Path,
    name: str,
    version: SamlVersion,
    include_certificate: bool,
    holder_of_key: bool,
) -> None:
    signing = signings[name]
    token = issue(signing, version, include_certificate, holder_of_key)
    verify_python_xmlsec(token, signing, version)
    signed = verify_signxml(token, signing, version)
    verify_ours(token, signing, version)
    assert verify_xmlsec1(xmlsec1, token, signing, version, tmp_path)

    root = etree.fromstring(token)
    assert read_attributes(signed, version) == ATTRIBUTES  # what signxml says was signed: every value intact
    signature = root.find(f"{DS}Signature")
    assert signature is not None
    assert signature.find(f"{DS}SignedInfo/{DS}SignatureMethod").get("Algorithm") == signing.signature_algorithm  # type: ignore[union-attr]
    assert signature.find(f"{DS}SignedInfo/{DS}Reference/{DS}DigestMethod").get("Algorithm") == (  # type: ignore[union-attr]
        signing.digest_algorithm
    )
    assert (signature.find(f"{DS}KeyInfo") is not None) is include_certificate
    key_names = [e.text for e in root.iter(f"{DS}KeyName")]
    assert key_names == ([] if not holder_of_key else ["proof & key"] * (1 if version is SamlVersion.V2_0 else 2))
    if not holder_of_key:
        assertion = verify_request(token, signing)
        assert assertion.subject_name_id == SUBJECT and assertion.issuer == ISSUER
        # Our reader trims values (str.strip), so compare trimmed; signxml above saw them exact.
        trimmed = {k: [v.strip() for v in vs] for k, vs in ATTRIBUTES.items()}
        assert {k: [v.strip() for v in vs] for k, vs in assertion.attributes.items()} == trimmed


@pytest.mark.parametrize("version", list(SamlVersion))
def test_the_bytes_are_what_lxml_would_write(signings: dict[str, Signing], version: SamlVersion) -> None:
    """Parsing and re-serializing gives the same bytes (so an RSTR embeds them verbatim), ASCII
    only, every namespace declared once; with or without elements attached after parsing."""
    for holder_of_key in (False, True):
        for name in ("rsa-sha256", "ecdsa-p256"):
            token = issue(signings[name], version, True, holder_of_key)
            assert etree.tostring(etree.fromstring(token)) == token
            assert token.isascii()
            prefix = b"saml2" if version is SamlVersion.V2_0 else b"saml"
            assert token.count(b"xmlns:" + prefix + b"=") == 1
            assert token.count(b'xmlns:ds="') == 1
            # The proof KeyInfo keeps its own prefix, declared where it is (SAML 1.1 has it twice).
            assert token.count(b'xmlns:dsig="') == holder_of_key * (1 if version is SamlVersion.V2_0 else 2)


def test_ecdsa_signature_value_is_raw_r_and_s(signings: dict[str, Signing]) -> None:
    """XML-DSig wants r || s, each as long as the curve's order, not DER (RFC 4050 / xmldsig-core1)."""
    for name, size in (("ecdsa-p256", 32), ("ecdsa-p384", 48)):
        for _ in range(20):  # short r or s (leading zero bytes) come up about 1 in 128
            token = signings[name].issuer().issue(subject="x")
            value = etree.fromstring(token).findtext(f"{DS}Signature/{DS}SignatureValue")
            assert value is not None and len(base64.b64decode(value)) == 2 * size


# --- random values -------------------------------------------------------------------------------

XML_CHAR = st.characters(codec="utf-8", exclude_categories=["Cs"])  # Python strs, not lone surrogates


def is_xml_text(value: str) -> bool:
    """XML 1.0's Char production, written independently of the issuer's own check."""
    return all(
        c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD or ord(c) >= 0x10000 for c in value
    )


@settings(max_examples=150, deadline=2000)
@given(
    subject=st.text(XML_CHAR, min_size=1, max_size=20),
    name=st.text(XML_CHAR, max_size=12),
    values=st.lists(st.text(XML_CHAR, max_size=12), max_size=3),
    audience=st.text(XML_CHAR, max_size=12),
    version=st.sampled_from(list(SamlVersion)),
)
def test_any_text_round_trips_or_is_refused(
    signings: dict[str, Signing], subject: str, name: str, values: list[str], audience: str, version: SamlVersion
) -> None:
    signing = signings["ecdsa-p256"]
    issuer = signing.issuer()
    arguments: dict[str, Any] = {
        "subject": subject,
        "version": version,
        "audiences": [audience],
        "attributes": {name: values},
    }
    if not all(is_xml_text(v) for v in (subject, name, audience, *values)):
        with pytest.raises(ValueError, match="XML cannot carry"):
            issuer.issue(**arguments)
        return
    token = issuer.issue(**arguments)
    verify_ours(token, signing, version)
    assert etree.tostring(etree.fromstring(token)) == token
    root = etree.fromstring(token)
    assert read_attributes(root, version) == {name: values}
    assert [e.text or "" for e in root.iter(f"{S1}Audience", f"{S2}Audience")] == [audience]
    assert [e.text for e in root.iter(f"{S1}NameIdentifier", f"{S2}NameID")] == [subject] * (
        1 if version is SamlVersion.V2_0 else 2
    )


def test_values_xml_cannot_carry_are_refused(signings: dict[str, Signing]) -> None:
    issuer = signings["ecdsa-p256"].issuer()
    for bad in ("nul\x00", "bell\x07", "lone surrogate \ud800", "\ufffe"):
        with pytest.raises(ValueError, match="XML cannot carry"):
            issuer.issue(subject=bad)
        with pytest.raises(ValueError, match="XML cannot carry"):
            issuer.issue(subject="x", attributes={"a": [bad]})
    with pytest.raises(ValueError, match="XML cannot carry"):
        SamlIssuer("sts\x01", signings["ecdsa-p256"].key, signings["ecdsa-p256"].certificate)
    with pytest.raises(TypeError):
        issuer.issue(subject="x", attributes={"a": ["ok", 3]})  # type: ignore[list-item]
    with pytest.raises(TypeError):
        issuer.issue(subject="x", attributes={7: "x"})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        issuer.issue(subject="x", audiences=[b"urn:bytes"])  # type: ignore[list-item]


# --- no shared state -----------------------------------------------------------------------------

NOW = datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


def test_issues_share_no_state(signings: dict[str, Signing]) -> None:
    """RSA PKCS#1 v1.5 is deterministic, so one issuer gives the same bytes for the same inputs
    whatever it issued in between; different IDs give different digests; a signature moved to
    the other token verifies nowhere."""
    signing = signings["rsa-sha256"]
    issuer = signing.issuer()
    fixed: dict[str, Any] = {"subject": "alice", "now": NOW, "attributes": {"role": ["a", "b"]}}
    first = issuer.issue(assertion_id="_one", **fixed)
    key_info = proof_key_info()
    condition = etree.Element(f"{S2}OneTimeUse")
    for version in SamlVersion:
        issuer.issue(
            subject="bob",
            version=version,
            confirmation_method=HOLDER_OF_KEY_V2,
            confirmation_key_info=key_info,
            extra_conditions=[condition],
            attributes={"other": "x"},
        )
    assert key_info.getparent() is not None and key_info.getparent().tag == "{urn:elsewhere}holder"  # type: ignore[union-attr]
    assert condition.getparent() is None  # the caller's elements were copied, not moved
    assert issuer.issue(assertion_id="_one", **fixed) == first
    second = issuer.issue(assertion_id="_two", **fixed)
    one, two = etree.fromstring(first), etree.fromstring(second)
    path = f"{DS}Signature/{DS}SignedInfo/{DS}Reference/{DS}DigestValue"
    assert one.findtext(path) != two.findtext(path)
    one.replace(one[1], two[1])  # the second token's signature in the first
    with pytest.raises(xmlsec.Error):
        verify_python_xmlsec(etree.tostring(one), signing, SamlVersion.V2_0)
    default_ids = {etree.fromstring(issuer.issue(subject="x")).get("ID") for _ in range(20)}
    assert len(default_ids) == 20


@pytest.mark.parametrize("name", ["rsa-sha256", "ecdsa-p256"])
def test_one_issuer_serves_threads(signings: dict[str, Signing], name: str) -> None:
    """4 threads x 50 issues from one SamlIssuer, bearer and holder-of-key mixed: all verify."""
    signing = signings[name]
    issuer = signing.issuer()

    def work(thread: int) -> list[tuple[str, SamlVersion, bytes]]:
        made = []
        for i in range(50):
            version = SamlVersion.V2_0 if i % 2 else SamlVersion.V1_1
            subject = f"user-{thread}-{i}"
            options: dict[str, Any] = {}
            if i % 5 == 0:
                options = {"confirmation_key_info": proof_key_info(), "confirmation_method": HOLDER_OF_KEY_V2}
            token = issuer.issue(
                subject=subject, version=version, attributes={"n": [str(i)] * (i % 4)}, **options
            )
            made.append((subject, version, token))
        return made

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [token for batch in pool.map(work, range(4)) for token in batch]
    assert len(results) == 200
    ids = set()
    for subject, version, token in results:
        verify_ours(token, signing, version)
        root = etree.fromstring(token)
        assert root.findtext(f".//{S2}NameID" if version is SamlVersion.V2_0 else f".//{S1}NameIdentifier") == subject
        ids.add(root.get(id_attribute(version)))
    assert len(ids) == 200
    for _subject, version, token in results[::40]:  # and a sample through libxmlsec1
        verify_python_xmlsec(token, signing, version)


# --- the signing primitive -----------------------------------------------------------------------


def test_signer_refuses_what_it_did_not_make(signings: dict[str, Signing]) -> None:
    signing = signings["ecdsa-p256"]
    signer = EnvelopedSigner(signing.key, signing.certificate)
    with pytest.raises(ValueError, match="NCName"):
        signer.template('x" injected="1')
    with pytest.raises(ValueError):
        signer.sign(etree.Element(f"{DS}Signature"))  # not placed in an element
    parent = etree.Element("p")
    with pytest.raises(ValueError):
        signer.sign(etree.SubElement(parent, f"{DS}Signature"))  # not a template
    with pytest.raises(ValueError):
        signer.sign(etree.SubElement(parent, "other"))


def test_signer_output_is_the_tree_it_signed(signings: dict[str, Signing]) -> None:
    """sign() returns the Signature's text as lxml writes it in place (no ancestors' prefixes)."""
    for name in ("rsa-sha256", "ecdsa-p384"):
        signing = signings[name]
        signer = EnvelopedSigner(
            signing.key,
            signing.certificate,
            signature_algorithm=signing.signature_algorithm,
            digest_algorithm=signing.digest_algorithm,
        )
        document = f'<p:doc xmlns:p="urn:p" ID="_d"><p:a>text</p:a>{signer.template("_d")}</p:doc>'
        root = etree.fromstring(document.encode())
        text = signer.sign(root[1])
        assert text.encode() == etree.tostring(root[1], with_tail=False).replace(b' xmlns:p="urn:p"', b"")
        xmlsec.tree.add_ids(root, ["ID"])
        context = xmlsec.SignatureContext()
        context.key = xmlsec.Key.from_memory(signing.cert_pem(), xmlsec.constants.KeyDataFormatCertPem)
        context.verify(root[1])


# --- an STS signing with ECDSA P-256, end to end -------------------------------------------------

EC_STS_NAME = "https://ec-sts.example.test"


def ec_claims(username: str, applies_to: str) -> dict[str, list[str]]:
    return {"role": ["reader", "writer"]}


@pytest.fixture(scope="module")
def ec_sts(pki_dir: Path) -> Issuer:
    """The STS's signing identity on P-256, as samples.pki makes it for the demo."""
    return make_issuer(pki_dir, "ec-sts", ec_key=True)


@pytest.fixture(scope="module")
def ec_endpoints(tls: dict[str, Path], ec_sts: Issuer, relying_party: Issuer) -> Iterator[Endpoints]:
    issuer = SamlIssuer(EC_STS_NAME, ec_sts.private_key, ec_sts.certificate)
    assert issuer.signature_algorithm == ns.ECDSA_SHA256
    sts = SecurityTokenService(issuer, relying_parties={RP: relying_party.certificate}, claims=ec_claims)
    rp_description = relying_party_description(ec_sts, relying_party, [RP])
    rp_app = SecurityHandler(rp_description).wsgi_app(make_app(soap12=True))
    server_tls = (tls["cert"], tls["key"])
    with (
        serve(sts.wsgi_app(username_sts_description(password_check({"alice": "wonderland"}))), server_tls) as sts_url,
        serve(rp_app, server_tls) as rp_url,
    ):
        yield Endpoints(sts_url, sts_url, rp_url, tls["ca"], [])


@pytest.mark.parametrize("saml", ["1.1", "2.0"])
@pytest.mark.parametrize("key_type", [SecurityKeyType.NONE, SecurityKeyType.SYMMETRIC], ids=["bearer", "symmetric"])
def test_ecdsa_sts_tokens_are_accepted_end_to_end(
    ec_endpoints: Endpoints, ec_sts: Issuer, xmlsec1: str, tmp_path: Path, saml: str, key_type: SecurityKeyType
) -> None:
    params = RequestSecurityTokenParameters(
        applies_to=RP,
        trust_version=TrustVersion.V1_3,
        issued_token_type=ns.SAML11_TOKEN_TYPE if saml == "1.1" else ns.SAML20_TOKEN_TYPE,
        issued_token_key_type=key_type,
    )
    token = send(ec_endpoints.sts, ec_endpoints.ca, params).token()
    assert (token.key is None) is (key_type is SecurityKeyType.NONE)
    method = etree.fromstring(token.xml).find(f"{DS}Signature/{DS}SignedInfo/{DS}SignatureMethod")
    assert method is not None and method.get("Algorithm") == ns.ECDSA_SHA256
    assert xmlsec1_verifies(xmlsec1, ec_sts.cert_file, token.xml, tmp_path)
    assert rp_whoami(ec_endpoints, token) == f"alice|{EC_STS_NAME}|reader,writer|{saml}"


def test_ecdsa_sts_token_is_refused_by_a_party_trusting_another_issuer(
    ec_endpoints: Endpoints, issuer: Issuer, start_service: Any
) -> None:
    """The oracle can fail: the RSA STS's relying party does not take the ECDSA STS's token."""
    token = send(ec_endpoints.sts, ec_endpoints.ca, bearer(TrustVersion.V1_3)).token()
    with start_service(server_description(issuer, audiences=[RP]), soap12=True) as url:
        other = Endpoints(url, url, url, ec_endpoints.ca, [])
        with pytest.raises(AssertionError):
            rp_whoami(other, token)


def test_xmlsec1_oracle_fails_on_a_tampered_ecdsa_token(
    signings: dict[str, Signing], xmlsec1: str, tmp_path: Path
) -> None:
    signing = signings["ecdsa-p256"]
    token = issue(signing, SamlVersion.V2_0, True, False)
    assert verify_xmlsec1(xmlsec1, token, signing, SamlVersion.V2_0, tmp_path)
    tampered = token.replace(b">reader<", b">readeR<")
    assert tampered != token
    assert not verify_xmlsec1(xmlsec1, tampered, signing, SamlVersion.V2_0, tmp_path)
