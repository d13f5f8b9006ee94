"""Make signed SAML 1.1 and 2.0 assertions (for our STS, the demo and tests), and encrypt them.

An assertion is built as the root of its own document, so every namespace it uses is declared on
it and its serialized bytes can be embedded verbatim in a SOAP header without re-signing. The
signature is made by python-xmlsec (libxmlsec1), the same engine the verifier uses.
"""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree

from . import namespaces as ns
from .namespaces import (
    AES128_CBC,
    AES128_GCM,
    AES192_CBC,
    AES192_GCM,
    AES256_CBC,
    AES256_GCM,
    ELEMENT_TYPE,
    RSA_OAEP,
    RSA_OAEP_MGF1P,
)
from .xmlparse import parse_xml

__all__ = [
    "SamlVersion",
    "SamlIssuer",
    "BEARER_V1",
    "HOLDER_OF_KEY_V1",
    "BEARER_V2",
    "HOLDER_OF_KEY_V2",
    "encrypt_assertion",
]

BEARER_V1 = "urn:oasis:names:tc:SAML:1.0:cm:bearer"
HOLDER_OF_KEY_V1 = "urn:oasis:names:tc:SAML:1.0:cm:holder-of-key"
BEARER_V2 = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
HOLDER_OF_KEY_V2 = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"


class SamlVersion(str, Enum):
    V1_1 = "1.1"
    V2_0 = "2.0"


_AUTHN_CLASS_PPT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
_AUTHN_METHOD_V1 = "urn:oasis:names:tc:SAML:1.0:am:password"
# Shibboleth 1.x convention: the full attribute name goes in AttributeName, so nothing is lost.
_ATTRIBUTE_NAMESPACE_V1 = "urn:mace:shibboleth:1.0:attributeNamespace:uri"
_KEY_INFO_CONFIRMATION_TYPE = "saml2:KeyInfoConfirmationDataType"

# xsd:ID values must be NCNames; we accept the ASCII subset that every peer parses.
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*\Z")

_RSA_SIGNATURES = {
    ns.RSA_SHA1: xmlsec.constants.TransformRsaSha1,
    ns.RSA_SHA256: xmlsec.constants.TransformRsaSha256,
    ns.RSA_SHA384: xmlsec.constants.TransformRsaSha384,
    ns.RSA_SHA512: xmlsec.constants.TransformRsaSha512,
}
_EC_SIGNATURES = {
    ns.ECDSA_SHA1: xmlsec.constants.TransformEcdsaSha1,
    ns.ECDSA_SHA256: xmlsec.constants.TransformEcdsaSha256,
    ns.ECDSA_SHA384: xmlsec.constants.TransformEcdsaSha384,
    ns.ECDSA_SHA512: xmlsec.constants.TransformEcdsaSha512,
}
_DIGESTS = {
    ns.SHA1: xmlsec.constants.TransformSha1,
    ns.SHA256: xmlsec.constants.TransformSha256,
    ns.SHA384: xmlsec.constants.TransformSha384,
    ns.SHA512: xmlsec.constants.TransformSha512,
}
_EC_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)

# data algorithm -> (xmlsec transform, session key bits)
_DATA_ALGORITHMS = {
    AES128_CBC: (xmlsec.constants.TransformAes128Cbc, 128),
    AES192_CBC: (xmlsec.constants.TransformAes192Cbc, 192),
    AES256_CBC: (xmlsec.constants.TransformAes256Cbc, 256),
    AES128_GCM: (xmlsec.constants.TransformAes128Gcm, 128),
    AES192_GCM: (xmlsec.constants.TransformAes192Gcm, 192),
    AES256_GCM: (xmlsec.constants.TransformAes256Gcm, 256),
}
_KEY_TRANSPORTS = frozenset({RSA_OAEP_MGF1P, RSA_OAEP})


def _utc_seconds(value: datetime, name: str) -> datetime:
    """SAML times are UTC; we emit whole seconds so SAML 1.1 peers parse them too."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. datetime.now(timezone.utc))")
    return value.astimezone(timezone.utc).replace(microsecond=0)


def _xml_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _attribute_values(name: str, value: str | Sequence[str]) -> list[str]:
    # A str is itself a Sequence[str]; treat it as one value, not as characters.
    values = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(v, str) for v in values):
        raise TypeError(f"attribute {name!r}: values must be strings")
    return values


def _same_public_key(
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, certificate: x509.Certificate
) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return private_key.public_key().public_bytes(der, spki) == (
        certificate.public_key().public_bytes(der, spki)
    )


@dataclass(frozen=True)
class _Fields:
    """The checked inputs of one issue() call, shared by both version builders."""

    assertion_id: str
    subject: str
    subject_format: str | None
    audiences: list[str]
    attributes: dict[str, list[str]]
    issued: datetime
    not_before: datetime
    not_on_or_after: datetime
    confirmation_method: str | None
    extra_conditions: list[etree._Element]
    key_info: etree._Element | None


class SamlIssuer:
    """Signs assertions with one key and certificate; reuse it, the xmlsec key is parsed once."""

    def __init__(
        self,
        issuer: str,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        *,
        signature_algorithm: str | None = None,
        digest_algorithm: str = ns.SHA256,
        include_certificate: bool = True,
    ) -> None:
        """``signature_algorithm`` defaults to RSA-SHA256 or ECDSA-SHA256 by key type."""
        if not issuer:
            raise ValueError("issuer must be a non-empty string")
        if isinstance(private_key, rsa.RSAPrivateKey):
            table = _RSA_SIGNATURES
            default_signature = ns.RSA_SHA256
        elif isinstance(private_key, ec.EllipticCurvePrivateKey):
            if not isinstance(private_key.curve, _EC_CURVES):
                raise ValueError("EC keys must be on P-256, P-384 or P-521")
            table = _EC_SIGNATURES
            default_signature = ns.ECDSA_SHA256
        else:
            raise TypeError("private_key must be an RSA or EC private key from cryptography")
        if not isinstance(certificate, x509.Certificate):
            raise TypeError("certificate must be a cryptography x509.Certificate")
        if not _same_public_key(private_key, certificate):
            raise ValueError("the certificate does not hold the public half of private_key")
        signature_algorithm = signature_algorithm or default_signature
        if signature_algorithm not in table:
            raise ValueError(f"signature algorithm {signature_algorithm} does not fit this key")
        if digest_algorithm not in _DIGESTS:
            raise ValueError(f"unsupported digest algorithm {digest_algorithm}")

        self.issuer = issuer
        self.certificate = certificate
        self.signature_algorithm = signature_algorithm
        self.digest_algorithm = digest_algorithm
        self.include_certificate = include_certificate
        self._signature_transform = table[signature_algorithm]
        self._digest_transform = _DIGESTS[digest_algorithm]
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Loaded once; SignatureContext duplicates it on assignment, so sharing it is safe.
        self._key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
        self._key.load_cert_from_memory(
            certificate.public_bytes(serialization.Encoding.PEM),
            xmlsec.constants.KeyDataFormatCertPem,
        )

    def issue(
        self,
        *,
        subject: str,
        version: SamlVersion = SamlVersion.V2_0,
        subject_format: str | None = None,
        audiences: Sequence[str] = (),
        attributes: Mapping[str, str | Sequence[str]] | None = None,
        lifetime: timedelta = timedelta(hours=1),
        now: datetime | None = None,
        not_before: datetime | None = None,
        confirmation_method: str | None = None,
        assertion_id: str | None = None,
        extra_conditions: Sequence[etree._Element] = (),
        confirmation_key_info: etree._Element | None = None,
    ) -> bytes:
        """Return the bytes of one signed assertion, without an XML declaration.

        The validity window is ``not_before`` (default: now) to now + ``lifetime``.
        ``confirmation_key_info`` is an optional ds:KeyInfo for holder-of-key confirmation.
        """
        version = SamlVersion(version)
        if not isinstance(subject, str) or not subject:
            raise ValueError("subject must be a non-empty string")
        if isinstance(audiences, str):
            raise TypeError("audiences is a sequence of URIs, not one string")
        if lifetime <= timedelta(0):
            raise ValueError("lifetime must be positive")
        issued = _utc_seconds(now if now is not None else datetime.now(timezone.utc), "now")
        start = _utc_seconds(not_before, "not_before") if not_before is not None else issued
        end = issued + lifetime
        if start >= end:
            raise ValueError("not_before must be earlier than now + lifetime")
        if assertion_id is None:
            assertion_id = "_" + secrets.token_hex(16)
        elif not _NCNAME.match(assertion_id):
            raise ValueError("assertion_id must start with a letter or '_' (an xsd:ID)")
        key_info = confirmation_key_info
        if key_info is not None and key_info.tag != f"{{{ns.DS}}}KeyInfo":
            raise ValueError("confirmation_key_info must be a ds:KeyInfo element")
        values = {name: _attribute_values(name, v) for name, v in (attributes or {}).items()}
        fields = _Fields(
            assertion_id=assertion_id,
            subject=subject,
            subject_format=subject_format,
            audiences=list(audiences),
            attributes=values,
            issued=issued,
            not_before=start,
            not_on_or_after=end,
            confirmation_method=confirmation_method,
            extra_conditions=[copy.deepcopy(c) for c in extra_conditions],
            key_info=copy.deepcopy(key_info) if key_info is not None else None,
        )
        if version is SamlVersion.V2_0:
            assertion, issuer_element = self._build_v2(fields)
            self._sign(assertion, "ID", assertion_id, after=issuer_element)
        else:
            assertion = self._build_v1(fields)
            self._sign(assertion, "AssertionID", assertion_id, after=None)
        return etree.tostring(assertion)

    def _build_v2(self, f: _Fields) -> tuple[etree._Element, etree._Element]:
        s = f"{{{ns.SAML2}}}"
        a = etree.Element(f"{s}Assertion", nsmap={"saml2": ns.SAML2})
        a.set("ID", f.assertion_id)
        a.set("IssueInstant", _xml_time(f.issued))
        a.set("Version", "2.0")
        issuer = etree.SubElement(a, f"{s}Issuer")
        issuer.text = self.issuer

        subject = etree.SubElement(a, f"{s}Subject")
        name_id = etree.SubElement(subject, f"{s}NameID")
        if f.subject_format:
            name_id.set("Format", f.subject_format)
        name_id.text = f.subject
        method = f.confirmation_method or BEARER_V2
        confirmation = etree.SubElement(subject, f"{s}SubjectConfirmation", Method=method)
        if f.key_info is not None:
            data = etree.SubElement(
                confirmation, f"{s}SubjectConfirmationData", nsmap={"xsi": ns.XSI}
            )
            data.set(f"{{{ns.XSI}}}type", _KEY_INFO_CONFIRMATION_TYPE)
            data.append(f.key_info)
        elif method == BEARER_V2:
            etree.SubElement(
                confirmation, f"{s}SubjectConfirmationData",
                NotOnOrAfter=_xml_time(f.not_on_or_after),
            )

        conditions = etree.SubElement(
            a, f"{s}Conditions",
            NotBefore=_xml_time(f.not_before), NotOnOrAfter=_xml_time(f.not_on_or_after),
        )
        if f.audiences:
            restriction = etree.SubElement(conditions, f"{s}AudienceRestriction")
            for audience in f.audiences:
                etree.SubElement(restriction, f"{s}Audience").text = audience
        conditions.extend(f.extra_conditions)

        authn = etree.SubElement(a, f"{s}AuthnStatement", AuthnInstant=_xml_time(f.issued))
        context = etree.SubElement(authn, f"{s}AuthnContext")
        etree.SubElement(context, f"{s}AuthnContextClassRef").text = _AUTHN_CLASS_PPT

        if f.attributes:
            statement = etree.SubElement(a, f"{s}AttributeStatement")
            for name, values in f.attributes.items():
                attribute = etree.SubElement(statement, f"{s}Attribute", Name=name)
                for value in values:
                    etree.SubElement(attribute, f"{s}AttributeValue").text = value
        return a, issuer

    def _build_v1(self, f: _Fields) -> etree._Element:
        s = f"{{{ns.SAML1}}}"
        a = etree.Element(f"{s}Assertion", nsmap={"saml": ns.SAML1})
        a.set("AssertionID", f.assertion_id)
        a.set("IssueInstant", _xml_time(f.issued))
        a.set("Issuer", self.issuer)
        a.set("MajorVersion", "1")
        a.set("MinorVersion", "1")

        conditions = etree.SubElement(
            a, f"{s}Conditions",
            NotBefore=_xml_time(f.not_before), NotOnOrAfter=_xml_time(f.not_on_or_after),
        )
        if f.audiences:
            restriction = etree.SubElement(conditions, f"{s}AudienceRestrictionCondition")
            for audience in f.audiences:
                etree.SubElement(restriction, f"{s}Audience").text = audience
        conditions.extend(f.extra_conditions)

        method = f.confirmation_method or BEARER_V1

        def add_subject(parent: etree._Element, key_info: etree._Element | None) -> None:
            subject = etree.SubElement(parent, f"{s}Subject")
            name_id = etree.SubElement(subject, f"{s}NameIdentifier")
            if f.subject_format:
                name_id.set("Format", f.subject_format)
            name_id.text = f.subject
            confirmation = etree.SubElement(subject, f"{s}SubjectConfirmation")
            etree.SubElement(confirmation, f"{s}ConfirmationMethod").text = method
            if key_info is not None:
                confirmation.append(key_info)

        authn = etree.SubElement(
            a, f"{s}AuthenticationStatement",
            AuthenticationInstant=_xml_time(f.issued),
            AuthenticationMethod=_AUTHN_METHOD_V1,
        )
        add_subject(authn, f.key_info)
        if f.attributes:
            statement = etree.SubElement(a, f"{s}AttributeStatement")
            add_subject(statement, copy.deepcopy(f.key_info) if f.key_info is not None else None)
            for name, values in f.attributes.items():
                attribute = etree.SubElement(
                    statement, f"{s}Attribute",
                    AttributeName=name, AttributeNamespace=_ATTRIBUTE_NAMESPACE_V1,
                )
                for value in values:
                    etree.SubElement(attribute, f"{s}AttributeValue").text = value
        return a

    def _sign(
        self,
        assertion: etree._Element,
        id_attribute: str,
        assertion_id: str,
        after: etree._Element | None,
    ) -> None:
        """Enveloped signature, one reference to the assertion's own ID, exc-c14n throughout."""
        signature = xmlsec.template.create(
            assertion, xmlsec.constants.TransformExclC14N, self._signature_transform, ns="ds"
        )
        if after is None:
            assertion.append(signature)
        else:
            after.addnext(signature)
        reference = xmlsec.template.add_reference(
            signature, self._digest_transform, uri=f"#{assertion_id}"
        )
        xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
        xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
        if self.include_certificate:
            key_info = xmlsec.template.ensure_key_info(signature)
            x509_data = xmlsec.template.add_x509_data(key_info)
            xmlsec.template.x509_data_add_certificate(x509_data)
        xmlsec.tree.add_ids(assertion, [id_attribute])
        context = xmlsec.SignatureContext()
        context.key = self._key
        context.sign(signature)


_XML_DECLARATION = re.compile(rb"\A\s*<\?xml\s")


def encrypt_assertion(
    assertion_xml: bytes,
    recipient_cert: x509.Certificate,
    *,
    data_algorithm: str = AES256_GCM,
    key_transport: str = RSA_OAEP_MGF1P,
) -> bytes:
    """Encrypt a signed assertion for the holder of ``recipient_cert`` (an RSA certificate).

    The assertion's bytes are encrypted exactly as given (after dropping an XML declaration),
    so its signature still verifies after decryption. SAML 2.0 gives a saml2:EncryptedAssertion;
    SAML 1.1 has no such wrapper and gives the bare xenc:EncryptedData.
    """
    if data_algorithm not in _DATA_ALGORITHMS:
        raise ValueError(f"unsupported data encryption algorithm {data_algorithm}")
    if key_transport not in _KEY_TRANSPORTS:
        raise ValueError(f"unsupported key transport {key_transport} (RSA-OAEP only)")
    if not isinstance(recipient_cert.public_key(), rsa.RSAPublicKey):
        raise ValueError("the recipient certificate must hold an RSA key (for RSA-OAEP)")

    root = parse_xml(bytes(assertion_xml))
    if root.getprevious() is not None or root.getnext() is not None:
        raise ValueError("assertion_xml must hold exactly one element")
    if root.tag == f"{{{ns.SAML2}}}Assertion":
        wrap = True
    elif root.tag == f"{{{ns.SAML1}}}Assertion":
        wrap = False
    else:
        raise ValueError("assertion_xml is not a SAML 1.1 or 2.0 Assertion")
    plaintext = bytes(assertion_xml).strip()
    if _XML_DECLARATION.match(plaintext):
        # A declaration cannot appear inside EncryptedAssertion once decrypted in place.
        plaintext = etree.tostring(root)

    transform, key_bits = _DATA_ALGORITHMS[data_algorithm]
    holder = etree.Element("holder")  # the template helpers need a document to create nodes in
    template = xmlsec.template.encrypted_data_create(
        holder, transform, type=ELEMENT_TYPE, ns="xenc"
    )
    xmlsec.template.encrypted_data_ensure_cipher_value(template)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="ds")
    encrypted_key = xmlsec.template.add_encrypted_key(key_info, xmlsec.constants.TransformRsaOaep)
    if key_transport != RSA_OAEP_MGF1P:
        # python-xmlsec has no constant for xmlenc11 rsa-oaep; libxmlsec1 finds it by URI.
        for method in encrypted_key.iterfind(f"{{{ns.XENC}}}EncryptionMethod"):
            method.set("Algorithm", key_transport)
    xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)

    manager = xmlsec.KeysManager()
    manager.add_key(
        xmlsec.Key.from_memory(
            recipient_cert.public_bytes(serialization.Encoding.PEM),
            xmlsec.constants.KeyDataFormatCertPem,
        )
    )
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(
        xmlsec.constants.KeyDataAes, key_bits, xmlsec.constants.KeyDataTypeSession
    )
    encrypted = context.encrypt_binary(template, plaintext)
    if not wrap:
        return etree.tostring(encrypted)
    wrapper = etree.Element(f"{{{ns.SAML2}}}EncryptedAssertion", nsmap={"saml2": ns.SAML2})
    wrapper.append(encrypted)
    return etree.tostring(wrapper)
