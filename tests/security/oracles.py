"""Independent verifiers to compare our decisions with (differential testing).

Each oracle answers one question about a message: does the token it presents carry a valid
signature, by the trusted issuer's key, over that very token? They know nothing of our profile,
our limits or SAML semantics (times, audience, replay): they are deliberately plain uses of
python-xmlsec and signxml, the way an application would call them, with the same trusted key.

So the two sides may differ in one direction only. Where we refuse for a profile, parser or
semantic reason, an oracle may still say the signature is fine ("stricter by design"). Where we
accept, both oracles must agree the signature is good; and where we say the signature itself is
bad, python-xmlsec must agree.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import xmlsec
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import XMLVerifier

from security.harness import ISSUER_NAME, PARTNER_NAME, World
from wsbind.soap import namespaces as ns

_ASSERTIONS = (f"{{{ns.SAML2}}}Assertion", f"{{{ns.SAML1}}}Assertion")
_ENCRYPTED = (f"{{{ns.SAML2}}}EncryptedAssertion", f"{{{ns.XENC}}}EncryptedData")
_HOLDER_OF_KEY = ("urn:oasis:names:tc:SAML:2.0:cm:holder-of-key", "urn:oasis:names:tc:SAML:1.0:cm:holder-of-key")
_DS = f"{{{ns.DS}}}"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    why: str


def _parser() -> etree.XMLParser:
    """A plain lxml parser with the usual safety switches (the oracle must not be attackable either)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _pem(world: World, assertion: etree._Element) -> bytes | None:
    """The certificate trusted for the assertion's Issuer, as the server's mapping binds them
    (World.description); None for a name no key is trusted for."""
    if assertion.tag == f"{{{ns.SAML2}}}Assertion":
        issuer = assertion.findtext(f"{{{ns.SAML2}}}Issuer")
    else:
        issuer = assertion.get("Issuer")
    identity = {ISSUER_NAME: world.issuer, PARTNER_NAME: world.partner}.get(issuer or "")
    return identity.certificate.public_bytes(serialization.Encoding.PEM) if identity is not None else None


def presented_token(world: World, message: bytes) -> tuple[etree._Element, etree._Element] | Verdict:
    """(the message root, the assertion it presents), the way a plain WS-Security stack finds it:
    the first wsse:Security header, its first SAML token, decrypted with the service's key if needed."""
    try:
        root = etree.fromstring(message, _parser())
    except etree.XMLSyntaxError as exc:
        return Verdict(False, f"not XML: {exc}")
    securities = root.xpath(
        "/*/*[local-name()='Header']/wsse:Security[not(@*[local-name()='actor' or local-name()='role'])]",
        namespaces={"wsse": ns.WSSE},
    )
    if not isinstance(securities, list) or not securities:
        return Verdict(False, "no Security header for the ultimate receiver")
    security = securities[0]
    assert isinstance(security, etree._Element)
    tokens = [c for c in security if c.tag in _ASSERTIONS + _ENCRYPTED]
    if not tokens:
        return Verdict(False, "no SAML token")
    token = tokens[0]
    if token.tag in _ENCRYPTED:
        decrypted = _decrypt(world, token)
        if isinstance(decrypted, Verdict):
            return decrypted
        return decrypted, decrypted
    return root, token


def _decrypt(world: World, token: etree._Element) -> etree._Element | Verdict:
    """python-xmlsec's decryption with the relying party's key; the plaintext parsed safely."""
    data = token if token.tag == f"{{{ns.XENC}}}EncryptedData" else token.find(f"{{{ns.XENC}}}EncryptedData")
    if data is None:
        return Verdict(False, "no EncryptedData")
    work = copy.deepcopy(data)
    work.attrib.pop("Type", None)  # bytes back, parsed below by the safe parser, not by xmlsec's
    if work.find(f".//{{{ns.XENC}}}EncryptedKey") is None:
        beside = token.find(f"{{{ns.XENC}}}EncryptedKey")
        if beside is None:
            return Verdict(False, "no EncryptedKey")
        key_info = work.find(f"{_DS}KeyInfo")
        if key_info is None:
            key_info = etree.Element(f"{_DS}KeyInfo")
            work.insert(1, key_info)
        key_info.append(copy.deepcopy(beside))
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(_private_pem(world), xmlsec.constants.KeyDataFormatPem))
    try:
        plaintext = xmlsec.EncryptionContext(manager).decrypt(work)
    except xmlsec.Error as exc:
        return Verdict(False, f"xmlsec decryption failed: {exc}")
    if not isinstance(plaintext, bytes):
        return Verdict(False, "xmlsec returned no bytes")
    try:
        assertion = etree.fromstring(plaintext, _parser())
    except etree.XMLSyntaxError as exc:
        return Verdict(False, f"plaintext is not XML: {exc}")
    if assertion.tag not in _ASSERTIONS:
        return Verdict(False, "plaintext is not an assertion")
    return assertion


def _private_pem(world: World) -> bytes:
    return world.relying_party.private_key.private_bytes(  # type: ignore[no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _id_attribute(assertion: etree._Element) -> str:
    return "ID" if assertion.tag == f"{{{ns.SAML2}}}Assertion" else "AssertionID"


def python_xmlsec(world: World, message: bytes) -> Verdict:
    """python-xmlsec verifies the token's first signature with the trusted key, and that
    signature references the token itself (its ID, carried by no other element)."""
    found = presented_token(world, message)
    if isinstance(found, Verdict):
        return found
    root, assertion = found
    signature = xmlsec.tree.find_node(assertion, xmlsec.constants.NodeSignature)
    if signature is None:
        return Verdict(False, "unsigned")
    identifier = assertion.get(_id_attribute(assertion), "")
    uris = [r.get("URI") for r in signature.iterfind(f"{_DS}SignedInfo/{_DS}Reference")]
    if f"#{identifier}" not in uris:
        return Verdict(False, "no reference to the token")
    carriers = root.xpath("//*[@ID=$v or @AssertionID=$v]", v=identifier)
    if not isinstance(carriers, list) or carriers != [assertion]:
        return Verdict(False, "the token's ID is not unique")
    pem = _pem(world, assertion)
    if pem is None:
        return Verdict(False, "no key is trusted for the Issuer")
    xmlsec.tree.add_ids(root, ["ID", "AssertionID"])
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatCertPem)
    try:
        context.verify(signature)
    except xmlsec.Error as exc:
        return Verdict(False, f"xmlsec: {exc}")
    if assertion is not root and _confirms_a_key(assertion):
        return _proof(world, root, assertion)
    return Verdict(True, "signature verifies")


def _confirms_a_key(assertion: etree._Element) -> bool:
    methods = {e.get("Method") for e in assertion.iter(f"{{{ns.SAML2}}}SubjectConfirmation")}
    methods |= {(e.text or "").strip() for e in assertion.iter(f"{{{ns.SAML1}}}ConfirmationMethod")}
    return bool(methods & set(_HOLDER_OF_KEY))


def _proof(world: World, root: etree._Element, assertion: etree._Element) -> Verdict:
    """Holder-of-key: the Security header's first signature verifies with the key the assertion
    confirms and references the header's Timestamp."""
    security = root.find(f"*/{{{ns.WSSE}}}Security")
    assert security is not None
    signature = security.find(f"{_DS}Signature")
    timestamp = security.find(f"{{{ns.WSU}}}Timestamp")
    if signature is None or timestamp is None:
        return Verdict(False, "holder-of-key without proof signature or Timestamp")
    uris = [r.get("URI") for r in signature.iterfind(f"{_DS}SignedInfo/{_DS}Reference")]
    if f"#{timestamp.get(f'{{{ns.WSU}}}Id')}" not in uris:
        return Verdict(False, "the proof does not reference the Timestamp")
    key = _confirmed_key(world, assertion)
    if isinstance(key, Verdict):
        return key
    xmlsec.tree.add_ids(root, ["Id"])
    context = xmlsec.SignatureContext()
    context.key = key
    try:
        context.verify(signature)
    except xmlsec.Error as exc:
        return Verdict(False, f"xmlsec proof: {exc}")
    return Verdict(True, "signature and proof verify")


def _confirmed_key(world: World, assertion: etree._Element) -> xmlsec.Key | Verdict:
    """The key in the subject confirmation: a certificate, or a key encrypted to the relying party."""
    key_infos = assertion.xpath(
        ".//*[local-name()='SubjectConfirmation']//ds:KeyInfo", namespaces={"ds": ns.DS}
    )
    if not isinstance(key_infos, list) or not key_infos:
        return Verdict(False, "no confirmation KeyInfo")
    key_info = key_infos[0]
    assert isinstance(key_info, etree._Element)
    certificate = key_info.findtext(f"{_DS}X509Data/{_DS}X509Certificate")
    if certificate is not None:
        pem = f"-----BEGIN CERTIFICATE-----\n{certificate.strip()}\n-----END CERTIFICATE-----\n".encode()
        try:
            return xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatCertPem)
        except xmlsec.Error as exc:
            return Verdict(False, f"confirmation certificate unreadable: {exc}")
    encrypted_key = key_info.find(f"{{{ns.XENC}}}EncryptedKey")
    if encrypted_key is None:
        return Verdict(False, "no confirmation key the oracle can read")
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(_private_pem(world), xmlsec.constants.KeyDataFormatPem))
    try:
        secret = xmlsec.EncryptionContext(manager).decrypt(copy.deepcopy(encrypted_key))
    except xmlsec.Error as exc:
        return Verdict(False, f"confirmation key does not decrypt: {exc}")
    return xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataHmac, secret)


def signxml(world: World, message: bytes) -> Verdict:
    """signxml verifies the token with the trusted certificate, and what it says is signed is the
    token itself (signxml hands back the signed content, which is its defence against wrapping)."""
    found = presented_token(world, message)
    if isinstance(found, Verdict):
        return found
    _root, assertion = found
    assertion = copy.deepcopy(assertion)
    for key_info in assertion.findall(f"{_DS}Signature/{_DS}KeyInfo"):
        # Unsigned and never a source of trust here (the trusted certificate is given), but
        # signxml schema-checks it: an emptied X509Data would fail for a reason unrelated to
        # the signature.
        key_info.getparent().remove(key_info)  # type: ignore[union-attr]
    pem = _pem(world, assertion)
    if pem is None:
        return Verdict(False, "no key is trusted for the Issuer")
    data = etree.tostring(assertion)
    id_attribute = _id_attribute(assertion)
    try:
        result = XMLVerifier().verify(data, x509_cert=pem.decode(), expect_references=1, id_attribute=id_attribute)
    except Exception as exc:  # InvalidSignature, InvalidInput, lxml's schema errors: all are refusals
        return Verdict(False, f"signxml: {type(exc).__name__}: {exc}")
    signed = result.signed_xml  # type: ignore[union-attr]
    expected = etree.fromstring(data, _parser())
    for signature in expected.findall(f"{_DS}Signature"):
        expected.remove(signature)
    same = _c14n(signed) == _c14n(expected)
    return Verdict(same, "signed content is the token" if same else "signxml verified other content")


def _c14n(element: etree._Element | None) -> bytes:
    if element is None:
        return b""
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)

