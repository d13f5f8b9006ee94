"""Holder-of-key: the client proves possession of the assertion's key; the server checks it (R67)."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import xmlsec
import zeep
from conftest import Starter, server_description
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from support import Issuer

from wsbind import (
    CertCredential,
    NcryptAsymmetricSecurityKeyHandle,
    RawSymmetricSecurityKeyHandle,
    SecurityAlgorithmSuiteName,
    SecurityDescription,
    SecurityProperty,
    SignedParts,
    SslTransportSecurityBinding,
    XmlTokenMessageSecurityBinding,
    create_xml_security_token,
)
from wsbind.errors import FaultCode, SecurityVerificationError
from wsbind.outgoing import OutgoingSecurity
from wsbind.saml.issuer import HOLDER_OF_KEY_V1, HOLDER_OF_KEY_V2, SamlIssuer, SamlVersion
from wsbind.soap import namespaces as ns
from wsbind.trust.client import saml_token_reference
from wsbind.verifier import MessageVerifier, TransportFacts
from wsbind.wss.proof import encrypted_key_info
from wsbind.wss.tokens import XmlSecurityToken
from zeep_wsbind import secure_client

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
WSU_ID = f"{{{ns.WSU}}}Id"


def _encrypted_key_info(key: bytes, relying_party: Issuer) -> etree._Element:
    return encrypted_key_info(key, relying_party.certificate)


def _x509_key_info(certificate_der: bytes) -> etree._Element:
    import base64

    key_info = etree.Element(f"{{{ns.DS}}}KeyInfo", nsmap={"ds": ns.DS})
    data = etree.SubElement(key_info, f"{{{ns.DS}}}X509Data")
    etree.SubElement(data, f"{{{ns.DS}}}X509Certificate").text = base64.b64encode(certificate_der).decode()
    return key_info


def symmetric_token(
    saml_issuer: SamlIssuer,
    relying_party: Issuer,
    key: bytes,
    *,
    version: SamlVersion = SamlVersion.V2_0,
    now: datetime | None = NOW,
    proof: bytes | None = None,
) -> XmlSecurityToken:
    """A holder-of-key token whose assertion names ``key`` (encrypted to the relying party);
    the client's handle holds ``proof`` (defaults to the same key)."""
    method = HOLDER_OF_KEY_V2 if version is SamlVersion.V2_0 else HOLDER_OF_KEY_V1
    assertion = saml_issuer.issue(
        subject="alice",
        version=version,
        now=now,
        confirmation_method=method,
        confirmation_key_info=_encrypted_key_info(key, relying_party),
    )
    return create_xml_security_token(
        assertion,
        RawSymmetricSecurityKeyHandle(proof if proof is not None else key),
        attached_reference=saml_token_reference(assertion),
    )


def client_description(
    token: XmlSecurityToken, properties: dict[SecurityProperty, object] | None = None
) -> SecurityDescription:
    return SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)], properties)


def rp_description(issuer: Issuer, relying_party: Issuer) -> SecurityDescription:
    credential = CertCredential(str(relying_party.cert_file), str(relying_party.key_file))
    return server_description(issuer, decryption_cert=credential)


def message(
    token: XmlSecurityToken, properties: dict[SecurityProperty, object] | None = None, *, now: datetime = NOW
) -> bytes:
    """A SOAP 1.1 request secured by the client side, as bytes."""
    envelope = etree.fromstring(
        f'<s:Envelope xmlns:s="{ns.SOAP11}"><s:Header/><s:Body wsu:Id="body" xmlns:wsu="{ns.WSU}">'
        '<whoami xmlns="urn:test"/></s:Body></s:Envelope>'.encode()
    )
    OutgoingSecurity(client_description(token, properties), clock=lambda: now).apply(envelope, "https://rp.test/svc")
    return etree.tostring(envelope)


def verify(issuer: Issuer, relying_party: Issuer, data: bytes, *, now: datetime = NOW) -> object:
    verifier = MessageVerifier(rp_description(issuer, relying_party), clock=lambda: now)
    return verifier.verify(data, TransportFacts(is_https=True)).saml_assertion


def refused(issuer: Issuer, relying_party: Issuer, data: bytes) -> SecurityVerificationError:
    with pytest.raises(SecurityVerificationError) as caught:
        verify(issuer, relying_party, data)
    return caught.value


@pytest.mark.parametrize("version", [SamlVersion.V2_0, SamlVersion.V1_1], ids=["saml20", "saml11"])
def test_symmetric_proof_is_accepted(
    issuer: Issuer, relying_party: Issuer, saml_issuer: SamlIssuer, version: SamlVersion
) -> None:
    token = symmetric_token(saml_issuer, relying_party, os.urandom(32), version=version)
    data = message(token)
    assert b"hmac-sha1" in data  # WWSAPI's default suite
    assertion = verify(issuer, relying_party, data)
    assert getattr(assertion, "subject_name_id", None) == "alice"


def test_sha256_suite_signs_with_hmac_sha256(issuer: Issuer, relying_party: Issuer, saml_issuer: SamlIssuer) -> None:
    token = symmetric_token(saml_issuer, relying_party, os.urandom(32))
    data = message(token, {SecurityProperty.ALGORITHM_SUITE_NAME: SecurityAlgorithmSuiteName.BASIC256_SHA256})
    assert ns.HMAC_SHA256.encode() in data and ns.HMAC_SHA1.encode() not in data
    assert verify(issuer, relying_party, data) is not None


def asymmetric_token(saml_issuer: SamlIssuer, client: Issuer, *, now: datetime | None = NOW) -> XmlSecurityToken:
    """A holder-of-key token whose assertion names ``client``'s certificate; its handle holds the key."""
    der = client.certificate.public_bytes(serialization.Encoding.DER)
    assertion = saml_issuer.issue(
        subject="alice", now=now, confirmation_method=HOLDER_OF_KEY_V2, confirmation_key_info=_x509_key_info(der)
    )
    assert isinstance(client.private_key, rsa.RSAPrivateKey)
    return create_xml_security_token(
        assertion,
        NcryptAsymmetricSecurityKeyHandle(client.private_key),
        attached_reference=saml_token_reference(assertion),
    )


def test_asymmetric_proof_signs_timestamp_and_to(
    issuer: Issuer, relying_party: Issuer, saml_issuer: SamlIssuer
) -> None:
    client = relying_party  # any key pair with a certificate will do as the client's
    token = asymmetric_token(saml_issuer, client)
    data = message(token)
    root = etree.fromstring(data)
    to = root.find(f".//{{{ns.WSA}}}To")
    assert to is not None and to.text == "https://rp.test/svc"
    assert verify(issuer, relying_party, data) is not None
    # A valid signature by the same key over the Timestamp only is refused (R67).
    pem = client.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    _resign(root, key, [_timestamp(root)], method=xmlsec.constants.TransformRsaSha256)
    assert refused(issuer, relying_party, etree.tostring(root)).reason == "proof-does-not-cover-to"
    _resign(root, key, [_timestamp(root), to], method=xmlsec.constants.TransformRsaSha256)
    assert verify(issuer, relying_party, etree.tostring(root)) is not None


# -- refusals, each built by changing one valid message ------------------------------------


@pytest.fixture
def valid(saml_issuer: SamlIssuer, relying_party: Issuer) -> Callable[..., etree._Element]:
    def make(**options: object) -> etree._Element:
        token = symmetric_token(saml_issuer, relying_party, b"k" * 32, **options)  # type: ignore[arg-type]
        return etree.fromstring(message(token))

    return make


def _security(root: etree._Element) -> etree._Element:
    found = root.find(f".//{{{ns.WSSE}}}Security")
    assert found is not None
    return found


def _proof_signature(root: etree._Element) -> etree._Element:
    found = _security(root).find(f"{{{ns.DS}}}Signature")
    assert found is not None
    return found


def _resign(
    root: etree._Element,
    key: bytes | xmlsec.Key,
    targets: list[etree._Element],
    *,
    output_length: bool = False,
    method: object = xmlsec.constants.TransformHmacSha1,
) -> None:
    """Replace the proof signature with one over ``targets`` made independently with xmlsec."""
    old = _proof_signature(root)
    key_info = copy.deepcopy(old.find(f"{{{ns.DS}}}KeyInfo"))
    security = old.getparent()
    assert security is not None and key_info is not None
    security.remove(old)
    signature = xmlsec.template.create(root, xmlsec.constants.TransformExclC14N, method)
    security.append(signature)
    context = xmlsec.SignatureContext()
    for target in targets:
        uri = "#" + str(target.get(WSU_ID))
        reference = xmlsec.template.add_reference(signature, xmlsec.constants.TransformSha256, uri=uri)
        xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
        context.register_id(target, "Id", ns.WSU)
    if output_length:
        method = signature.find(f".//{{{ns.DS}}}SignatureMethod")
        assert method is not None
        etree.SubElement(method, f"{{{ns.DS}}}HMACOutputLength").text = "160"
    signature.append(key_info)
    context.key = key if isinstance(key, xmlsec.Key) else xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataHmac, key)
    context.sign(signature)


def _body(root: etree._Element) -> etree._Element:
    body = root.find(f"{{{ns.SOAP11}}}Body")
    assert body is not None
    return body


def _timestamp(root: etree._Element) -> etree._Element:
    found = _security(root).find(f"{{{ns.WSU}}}Timestamp")
    assert found is not None
    return found


def test_proof_removed_is_refused(issuer: Issuer, relying_party: Issuer, valid: Callable[..., etree._Element]) -> None:
    root = valid()
    signature = _proof_signature(root)
    signature.getparent().remove(signature)  # type: ignore[union-attr]
    error = refused(issuer, relying_party, etree.tostring(root))
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "holder-of-key-without-proof")


def test_wrong_proof_key_fails_the_check(issuer: Issuer, relying_party: Issuer, saml_issuer: SamlIssuer) -> None:
    token = symmetric_token(saml_issuer, relying_party, os.urandom(32), proof=os.urandom(32))
    error = refused(issuer, relying_party, message(token))
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "proof-signature")


def test_timestamp_changed_after_signing_fails(
    issuer: Issuer, relying_party: Issuer, valid: Callable[..., etree._Element]
) -> None:
    root = valid()
    expires = _timestamp(root).find(f"{{{ns.WSU}}}Expires")
    assert expires is not None
    expires.text = (NOW + timedelta(minutes=4)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert refused(issuer, relying_party, etree.tostring(root)).fault_code == FaultCode.FAILED_AUTHENTICATION


def test_r67_proof_must_cover_the_timestamp(
    issuer: Issuer, relying_party: Issuer, valid: Callable[..., etree._Element]
) -> None:
    root = valid()
    _resign(root, b"k" * 32, [_body(root)])
    assert refused(issuer, relying_party, etree.tostring(root)).reason == "proof-does-not-cover-timestamp"


def _addressing(root: etree._Element, name: str, text: str, namespace: str = ns.WSA) -> etree._Element:
    header = root.find(f"{{{ns.SOAP11}}}Header")
    assert header is not None
    element = etree.SubElement(header, f"{{{namespace}}}{name}", nsmap={"wsa": namespace})
    element.text = text
    element.set(WSU_ID, name.lower())
    return element


@pytest.mark.parametrize(
    "extra",
    [
        ["To"],
        ["Body"],
        ["Body", "To", "Action", "MessageID", "ReplyTo", "RelatesTo"],
        ["Action-2004"],
    ],
    ids=["to", "body", "body-and-every-addressing-header", "addressing-2004"],
)
def test_a_proof_may_also_sign_the_body_and_addressing_headers(
    issuer: Issuer, relying_party: Issuer, valid: Callable[..., etree._Element], extra: list[str]
) -> None:
    """How WSS4J/CXF, vCenter SSO and many WCF bindings sign: Timestamp plus Body and WS-Addressing.
    R67's "a symmetric proof does not sign To" binds senders (our client keeps it), not receivers."""
    root = valid()
    targets = [_timestamp(root)]
    for name in extra:
        if name == "Body":
            targets.append(_body(root))
        elif name == "Action-2004":
            targets.append(_addressing(root, "Action", "urn:test:whoami", ns.WSA_2004))
        else:
            targets.append(_addressing(root, name, f"urn:test:{name}"))
    _resign(root, b"k" * 32, targets)
    assert getattr(verify(issuer, relying_party, etree.tostring(root)), "subject_name_id", None) == "alice"


def test_a_proof_may_sign_a_username_token_in_the_same_header(
    issuer: Issuer, relying_party: Issuer, valid: Callable[..., etree._Element]
) -> None:
    root = valid()
    username = etree.SubElement(_security(root), f"{{{ns.WSSE}}}UsernameToken")
    username.set(WSU_ID, "user")
    etree.SubElement(username, f"{{{ns.WSSE}}}Username").text = "alice"
    _resign(root, b"k" * 32, [_timestamp(root), username])
    assert getattr(verify(issuer, relying_party, etree.tostring(root)), "subject_name_id", None) == "alice"


@pytest.mark.parametrize(
    "where",
    ["element-inside-body", "to-inside-body", "other-header", "username-token-elsewhere", "security-header"],
)
def test_a_proof_over_anything_else_is_refused(
    issuer: Issuer, relying_party: Issuer, valid: Callable[..., etree._Element], where: str
) -> None:
    """Only the Body itself, direct addressing headers and this header's UsernameToken: found by
    position, so a look-alike elsewhere (an addressing element inside the Body) does not qualify."""
    root = valid()
    body, header = _body(root), root.find(f"{{{ns.SOAP11}}}Header")
    assert header is not None
    if where == "element-inside-body":
        target = body[0]
    elif where == "to-inside-body":
        target = etree.SubElement(body, f"{{{ns.WSA}}}To")
    elif where == "other-header":
        target = etree.SubElement(header, "{urn:test}Custom")
    elif where == "username-token-elsewhere":
        target = etree.SubElement(header, f"{{{ns.WSSE}}}UsernameToken")
    else:
        target = _security(root)
    target.set(WSU_ID, "target")
    _resign(root, b"k" * 32, [_timestamp(root), target])
    assert refused(issuer, relying_party, etree.tostring(root)).reason == "proof-signature-profile"


@pytest.mark.parametrize("asymmetric", [False, True], ids=["symmetric", "asymmetric"])
def test_client_signs_body_and_addressing_headers_when_asked(
    issuer: Issuer, relying_party: Issuer, saml_issuer: SamlIssuer, asymmetric: bool
) -> None:
    if asymmetric:
        token = asymmetric_token(saml_issuer, relying_party)
    else:
        token = symmetric_token(saml_issuer, relying_party, b"k" * 32)
    envelope = etree.fromstring(
        f'<s:Envelope xmlns:s="{ns.SOAP11}" xmlns:wsa="{ns.WSA}"><s:Header><wsa:Action>urn:test:whoami</wsa:Action>'
        f'<wsa:MessageID>urn:uuid:1</wsa:MessageID></s:Header><s:Body><whoami xmlns="urn:test"/></s:Body></s:Envelope>'
    )
    parts = SignedParts.BODY | SignedParts.ADDRESSING_HEADERS
    description = SecurityDescription(
        [SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token, signed_parts=parts)]
    )
    OutgoingSecurity(description, clock=lambda: NOW).apply(envelope, "https://rp.test/svc")
    signature = _proof_signature(envelope)
    uris = [r.get("URI") for r in signature.iterfind(f".//{{{ns.DS}}}Reference")]
    ids = {e.get(WSU_ID): etree.QName(e).localname for e in envelope.iter() if e.get(WSU_ID)}
    covered = sorted(ids[str(uri)[1:]] for uri in uris)
    expected = ["Action", "Body", "MessageID", "Timestamp"] + (["To"] if asymmetric else [])
    assert covered == sorted(expected)
    assert getattr(verify(issuer, relying_party, etree.tostring(envelope)), "subject_name_id", None) == "alice"


def test_default_proof_signs_the_timestamp_only(
    issuer: Issuer, relying_party: Issuer, valid: Callable[..., etree._Element]
) -> None:
    """WWSAPI's shape stays the default: one Reference, to the Timestamp."""
    signature = _proof_signature(valid())
    assert len(list(signature.iterfind(f".//{{{ns.DS}}}Reference"))) == 1


def test_signed_parts_must_be_flags(saml_issuer: SamlIssuer, relying_party: Issuer) -> None:
    token = symmetric_token(saml_issuer, relying_party, b"k" * 32)
    binding = XmlTokenMessageSecurityBinding(token, signed_parts="body")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="SignedParts"):
        OutgoingSecurity(SecurityDescription([SslTransportSecurityBinding(), binding]))


def test_hmac_output_length_is_refused(
    issuer: Issuer, relying_party: Issuer, valid: Callable[..., etree._Element]
) -> None:
    root = valid()
    _resign(root, b"k" * 32, [_timestamp(root)], output_length=True)
    assert refused(issuer, relying_party, etree.tostring(root)).reason == "proof-signature-profile"


def test_duplicate_timestamp_id_is_refused(
    issuer: Issuer, relying_party: Issuer, valid: Callable[..., etree._Element]
) -> None:
    root = valid()
    decoy = copy.deepcopy(_timestamp(root))
    _body(root).append(decoy)
    assert refused(issuer, relying_party, etree.tostring(root)).reason == "duplicate-id"


def test_two_proof_signatures_are_refused(
    issuer: Issuer, relying_party: Issuer, valid: Callable[..., etree._Element]
) -> None:
    root = valid()
    _security(root).append(copy.deepcopy(_proof_signature(root)))
    assert refused(issuer, relying_party, etree.tostring(root)).reason == "proof-signature-profile"


def test_encrypted_proof_key_needs_decryption_cert(
    issuer: Issuer, relying_party: Issuer, valid: Callable[..., etree._Element]
) -> None:
    verifier = MessageVerifier(server_description(issuer), clock=lambda: NOW)
    with pytest.raises(SecurityVerificationError) as caught:
        verifier.verify(etree.tostring(valid()), TransportFacts(is_https=True))
    assert caught.value.fault_code == FaultCode.SECURITY_TOKEN_UNAVAILABLE


def test_proof_key_for_another_party_fails_uniformly(
    issuer: Issuer, rogue: Issuer, saml_issuer: SamlIssuer, relying_party: Issuer
) -> None:
    token = symmetric_token(saml_issuer, rogue, os.urandom(32))  # encrypted to someone else
    error = refused(issuer, relying_party, message(token))
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "decryption")


def test_bearer_confirmation_naming_a_key_is_refused(
    issuer: Issuer, relying_party: Issuer, saml_issuer: SamlIssuer
) -> None:
    assertion = saml_issuer.issue(
        subject="alice", now=NOW, confirmation_key_info=_encrypted_key_info(os.urandom(32), relying_party)
    )
    token = create_xml_security_token(assertion)
    assert refused(issuer, relying_party, message(token)).reason == "confirmation-method"


# -- over the wire ----------------------------------------------------------------------------


@pytest.mark.parametrize("soap12", [False, True], ids=["soap11", "soap12"])
def test_holder_of_key_end_to_end(
    start_service: Starter,
    issuer: Issuer,
    relying_party: Issuer,
    saml_issuer: SamlIssuer,
    tls: dict[str, Path],
    soap12: bool,
) -> None:
    token = symmetric_token(saml_issuer, relying_party, os.urandom(32), now=None)
    with start_service(rp_description(issuer, relying_party), soap12=soap12) as url:
        client = secure_client(url + "?wsdl", client_description(token), verify=str(tls["ca"]))
        assert client.service.whoami().startswith("alice|")
        wrong = symmetric_token(saml_issuer, relying_party, os.urandom(32), now=None, proof=os.urandom(32))
        refusing = secure_client(url + "?wsdl", client_description(wrong), verify=str(tls["ca"]))
        with pytest.raises(Exception, match="could not be authenticated or authorized"):
            refusing.service.whoami()


@pytest.mark.parametrize("asymmetric", [False, True], ids=["symmetric", "asymmetric"])
def test_proof_over_body_and_addressing_end_to_end(
    start_service: Starter,
    issuer: Issuer,
    relying_party: Issuer,
    saml_issuer: SamlIssuer,
    tls: dict[str, Path],
    asymmetric: bool,
) -> None:
    """zeep's WsAddressingPlugin writes Action, MessageID and To; our plugin runs after it and signs
    them with the Body, as CXF-style services expect; the spyne service checks every digest."""
    from zeep.wsa import WsAddressingPlugin

    if asymmetric:
        token = asymmetric_token(saml_issuer, relying_party, now=None)
    else:
        token = symmetric_token(saml_issuer, relying_party, os.urandom(32), now=None)
    parts = SignedParts.BODY | SignedParts.ADDRESSING_HEADERS
    description = SecurityDescription(
        [SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token, signed_parts=parts)]
    )
    sent: list[bytes] = []

    class Record(zeep.Plugin):  # type: ignore[misc]
        def egress(
            self, envelope: etree._Element, http_headers: dict[str, str], operation: object, options: object
        ) -> tuple[etree._Element, dict[str, str]]:
            sent.append(etree.tostring(envelope))
            return envelope, http_headers

    with start_service(rp_description(issuer, relying_party)) as url:
        client = secure_client(url + "?wsdl", description, verify=str(tls["ca"]), plugins=[WsAddressingPlugin()])
        client.plugins.append(Record())
        assert client.service.whoami().startswith("alice|")
    root = etree.fromstring(sent[-1])
    covered = {r.get("URI") for r in _proof_signature(root).iterfind(f".//{{{ns.DS}}}Reference")}
    named = {f"#{e.get(WSU_ID)}": etree.QName(e).localname for e in root.iter() if e.get(WSU_ID)}
    assert {"Timestamp", "Body", "Action", "MessageID", "To"} <= {named[str(uri)] for uri in covered}
