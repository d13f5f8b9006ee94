"""Make signed SAML 1.1 and 2.0 assertions (for our STS, the demo and tests), and encrypt them.

An assertion is built as the root of its own document, so every namespace it uses is declared on
it and its serialized bytes can be embedded verbatim in a SOAP header without re-signing.

Issuing is on the STS's hot path. The assertion is written as text from escaped values, with the
signer's ds:Signature template in place, and parsed once; caller-supplied elements (extra
conditions, a confirmation KeyInfo) are then attached to that tree, and ``xmldsig_sign`` signs it
with lxml's exclusive c14n and ``cryptography``. The text is written the way lxml serializes (ASCII,
character references, empty elements closed with ``/>``), so when nothing was attached the bytes
are the text with the signed ds:Signature spliced in, byte for byte what ``etree.tostring`` of the
tree would give. Encryption stays with python-xmlsec.
"""

from __future__ import annotations

import copy
import re
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

import xmlsec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from wsbind.errors import WsBindTypeError, WsBindValueError
from wsbind.soap import namespaces as ns
from wsbind.soap.namespaces import (
    AES256_GCM,
    ELEMENT_TYPE,
    RSA_OAEP_MGF1P,
)
from wsbind.soap.xmlparse import parse_xml
from wsbind.xmlcrypto.algorithms import DATA_ENCRYPTION, KEY_TRANSPORT
from wsbind.xmlcrypto.certs import (
    CertificateSource,
    KeySource,
    Password,
    load_certificate,
    load_key_and_certificate,
)
from wsbind.xmlcrypto.sign import NCNAME, EnvelopedSigner

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
    """Which SAML an issuer writes: 1.1 (``saml:Assertion``, WS-Trust February 2005 clients) or 2.0."""

    V1_1 = "1.1"
    V2_0 = "2.0"


_AUTHN_CLASS_PPT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
_AUTHN_METHOD_V1 = "urn:oasis:names:tc:SAML:1.0:am:password"
# Shibboleth 1.x convention: the full attribute name goes in AttributeName, so nothing is lost.
_ATTRIBUTE_NAMESPACE_V1 = "urn:mace:shibboleth:1.0:attributeNamespace:uri"
_KEY_INFO_CONFIRMATION_TYPE = "saml2:KeyInfoConfirmationDataType"

# Characters outside XML's Char production: no escape can carry them.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_NO_TIME = timedelta(0)
_S1 = f"{{{ns.SAML1}}}"
_S2 = f"{{{ns.SAML2}}}"


def _utc_seconds(value: datetime, name: str) -> datetime:
    """SAML times are UTC; we emit whole seconds so SAML 1.1 peers parse them too."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise WsBindValueError(f"{name} must be timezone-aware (e.g. datetime.now(timezone.utc))")
    return value.astimezone(timezone.utc).replace(microsecond=0)


def _xml_time(v: datetime) -> str:
    """xsd:dateTime in UTC, whole seconds (faster than strftime, and the year always has 4 digits)."""
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"


# --- text as lxml writes it ---------------------------------------------------------------------
# The escapes of libxml2's ASCII serializer: the text parses back to the value, and serializing
# the parsed tree gives the text again.


def _text(value: str) -> str:
    """Character data: markup characters, CR (a parser would make it LF), non-ASCII as references."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:  # also keeps "]]>" out of content
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    if not value.isascii():
        value = value.encode("ascii", "xmlcharrefreplace").decode("ascii")
    return value


def _attr(value: str) -> str:
    """A double-quoted attribute value: also quotes, TAB and LF (a parser would make them spaces)."""
    value = _text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\t" in value:
        value = value.replace("\t", "&#9;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    return value


def _element(tag: str, text: str, attributes: str = "") -> str:
    """An element holding escaped ``text``; an empty one is closed with "/>", as lxml writes it."""
    return f"<{tag}{attributes}>{text}</{tag}>" if text else f"<{tag}{attributes}/>"


class _Siblings:
    """Writes elements of one tag, one per escaped text."""

    def __init__(self, tag: str) -> None:
        self.tag, self.start, self.end = tag, f"<{tag}>", f"</{tag}>"
        self.between = self.end + self.start

    def __call__(self, texts: Sequence[str]) -> str:
        if texts and all(texts):  # the usual case, in one join
            return self.start + self.between.join(texts) + self.end
        return "".join([f"{self.start}{t}{self.end}" if t else f"<{self.tag}/>" for t in texts])


_VALUES_V2 = _Siblings("saml2:AttributeValue")
_VALUES_V1 = _Siblings("saml:AttributeValue")
_AUDIENCES_V2 = _Siblings("saml2:Audience")
_AUDIENCES_V1 = _Siblings("saml:Audience")


def _string(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise WsBindTypeError(f"{name} must be a string")
    return value


def _attribute(name: str, value: str | Sequence[str]) -> tuple[str, list[str]]:
    """One attribute's name and values, escaped."""
    if not isinstance(name, str):
        raise WsBindTypeError(f"attribute name {name!r}: must be a string")
    # A str is itself a Sequence[str]: one value, not characters.
    values = [value] if isinstance(value, str) else list(value)
    try:
        joined = "".join(values)
    except TypeError:
        raise WsBindTypeError(f"attribute {name!r}: values must be strings") from None
    if _text(joined) is not joined:  # one check for all values: escape them only if one needs it
        values = [_text(v) for v in values]
    return _attr(name), values


_parsers = threading.local()


def _parse(text: str) -> etree._Element:
    """Parse the text we wrote (a parser per thread: lxml serializes the users of a shared one)."""
    parser: etree.XMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, collect_ids=False
        )
        _parsers.parser = parser
    try:
        return etree.fromstring(text.encode("ascii"), parser)
    except (etree.XMLSyntaxError, UnicodeEncodeError):
        # Our escaped text fails to parse only when a value holds a character XML cannot carry
        # (or one text is beyond libxml2's 10 MB limit).
        raise WsBindValueError(
            "the subject, an audience, an attribute or another value holds a character XML cannot carry"
            " (or is larger than libxml2 takes)"
        ) from None


@dataclass(slots=True)
class _Fields:
    """The checked inputs of one issue() call, shared by both version builders; strings escaped."""

    assertion_id: str
    subject: str
    subject_format: str | None
    audiences: list[str]
    attributes: list[tuple[str, list[str]]]
    issued: str
    not_before: str
    not_on_or_after: str
    confirmation_method: str | None
    extra_conditions: list[etree._Element]
    key_info: etree._Element | None


class SamlIssuer:
    """Signs assertions with one key and certificate; reuse it: the key and the signature template
    are prepared once and never change, so threads may share one issuer."""

    def __init__(
        self,
        issuer: str,
        private_key: KeySource,
        certificate: CertificateSource | None = None,
        *,
        password: Password = None,
        signature_algorithm: str | None = None,
        digest_algorithm: str = ns.SHA256,
        include_certificate: bool = True,
    ) -> None:
        """``private_key`` and ``certificate`` take objects, PEM/DER/PKCS#12 bytes or file paths
        (``password`` opens an encrypted key or PKCS#12 file); leave ``certificate`` out when
        ``private_key`` names a PKCS#12 or PEM file that holds both.
        ``signature_algorithm`` defaults to RSA-SHA256 or ECDSA-SHA256 by key type."""
        if not isinstance(issuer, str) or not issuer:
            raise WsBindValueError("issuer must be a non-empty string")
        if _NOT_XML_CHAR.search(issuer):
            raise WsBindValueError("issuer holds a character XML cannot carry")
        private_key, certificate = load_key_and_certificate(private_key, password, certificate=certificate)
        self._signer = EnvelopedSigner(
            private_key,
            certificate,
            signature_algorithm=signature_algorithm,
            digest_algorithm=digest_algorithm,
            include_certificate=include_certificate,
        )
        self.issuer = issuer
        self.certificate = certificate
        self.signature_algorithm = self._signer.signature_algorithm
        self.digest_algorithm = digest_algorithm
        self.include_certificate = include_certificate
        self._issuer_v2 = _element("saml2:Issuer", _text(issuer))
        self._issuer_v1 = _attr(issuer)

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
            raise WsBindValueError("subject must be a non-empty string")
        if isinstance(audiences, str):
            raise WsBindTypeError("audiences is a sequence of URIs, not one string")
        if lifetime <= _NO_TIME:
            raise WsBindValueError("lifetime must be positive")
        if now is None:
            issued = datetime.now(timezone.utc).replace(microsecond=0)
        else:
            issued = _utc_seconds(now, "now")
        start = _utc_seconds(not_before, "not_before") if not_before is not None else issued
        end = issued + lifetime
        if start >= end:
            raise WsBindValueError("not_before must be earlier than now + lifetime")
        if assertion_id is None:
            assertion_id = "_" + secrets.token_hex(16)
        elif not isinstance(assertion_id, str) or not NCNAME.match(assertion_id):
            raise WsBindValueError("assertion_id must start with a letter or '_' (an xsd:ID)")
        key_info = confirmation_key_info
        if key_info is not None and key_info.tag != f"{{{ns.DS}}}KeyInfo":
            raise WsBindValueError("confirmation_key_info must be a ds:KeyInfo element")
        issued_text = _xml_time(issued)
        fields = _Fields(
            assertion_id=assertion_id,
            subject=_text(subject),
            subject_format=_attr(_string(subject_format, "subject_format")) if subject_format else None,
            audiences=[_text(_string(a, "each audience")) for a in audiences],
            attributes=[_attribute(name, v) for name, v in (attributes or {}).items()],
            issued=issued_text,
            not_before=_xml_time(start) if start != issued else issued_text,
            not_on_or_after=_xml_time(end),
            confirmation_method=_string(confirmation_method, "confirmation_method") if confirmation_method else None,
            extra_conditions=[copy.deepcopy(c) for c in extra_conditions],
            key_info=copy.deepcopy(key_info) if key_info is not None else None,
        )
        if version is SamlVersion.V2_0:
            return self._issue_v2(fields)
        return self._issue_v1(fields)

    def _issue_v2(self, f: _Fields) -> bytes:
        method = f.confirmation_method or BEARER_V2
        name_format = f' Format="{f.subject_format}"' if f.subject_format else ""
        head = (
            f'<saml2:Assertion xmlns:saml2="{ns.SAML2}" ID="{f.assertion_id}" IssueInstant="{f.issued}"'
            f' Version="2.0">{self._issuer_v2}'
        )
        parts = [
            f"<saml2:Subject>{_element('saml2:NameID', f.subject, name_format)}"
            f'<saml2:SubjectConfirmation Method="{_attr(method)}"'
        ]
        if f.key_info is not None:
            parts.append(
                f'><saml2:SubjectConfirmationData xmlns:xsi="{ns.XSI}" xsi:type="{_KEY_INFO_CONFIRMATION_TYPE}"/>'
                "</saml2:SubjectConfirmation>"
            )
        elif method == BEARER_V2:
            parts.append(
                f'><saml2:SubjectConfirmationData NotOnOrAfter="{f.not_on_or_after}"/></saml2:SubjectConfirmation>'
            )
        else:
            parts.append("/>")
        parts.append(f'</saml2:Subject><saml2:Conditions NotBefore="{f.not_before}" NotOnOrAfter="{f.not_on_or_after}"')
        if f.audiences:
            parts.append(
                f"><saml2:AudienceRestriction>{_AUDIENCES_V2(f.audiences)}"
                "</saml2:AudienceRestriction></saml2:Conditions>"
            )
        else:
            parts.append("/>")
        parts.append(
            f'<saml2:AuthnStatement AuthnInstant="{f.issued}"><saml2:AuthnContext>'
            f"<saml2:AuthnContextClassRef>{_AUTHN_CLASS_PPT}</saml2:AuthnContextClassRef>"
            "</saml2:AuthnContext></saml2:AuthnStatement>"
        )
        if f.attributes:
            parts.append("<saml2:AttributeStatement>")
            parts.extend([_element("saml2:Attribute", _VALUES_V2(v), f' Name="{n}"') for n, v in f.attributes])
            parts.append("</saml2:AttributeStatement>")
        parts.append("</saml2:Assertion>")
        tail = "".join(parts)
        assertion = _parse(head + self._signer.template(f.assertion_id) + tail)
        signature = assertion[1]  # after Issuer, where the template was written
        if f.key_info is None and not f.extra_conditions:
            # The text was parsed as written (lxml's form) and only the signature changed since.
            return (head + self._signer.sign(signature) + tail).encode("ascii")
        if f.key_info is not None:
            _child(assertion, f"{_S2}Subject/{_S2}SubjectConfirmation/{_S2}SubjectConfirmationData").append(f.key_info)
        if f.extra_conditions:
            _child(assertion, f"{_S2}Conditions").extend(f.extra_conditions)
        self._signer.sign(signature)
        return etree.tostring(assertion)

    def _issue_v1(self, f: _Fields) -> bytes:
        method = f.confirmation_method or BEARER_V1
        name_format = f' Format="{f.subject_format}"' if f.subject_format else ""
        subject = (
            f"<saml:Subject>{_element('saml:NameIdentifier', f.subject, name_format)}"
            f"<saml:SubjectConfirmation>{_element('saml:ConfirmationMethod', _text(method))}"
            "</saml:SubjectConfirmation></saml:Subject>"
        )
        parts = [
            f'<saml:Assertion xmlns:saml="{ns.SAML1}" AssertionID="{f.assertion_id}" IssueInstant="{f.issued}"'
            f' Issuer="{self._issuer_v1}" MajorVersion="1" MinorVersion="1">'
            f'<saml:Conditions NotBefore="{f.not_before}" NotOnOrAfter="{f.not_on_or_after}"'
        ]
        if f.audiences:
            parts.append(
                f"><saml:AudienceRestrictionCondition>{_AUDIENCES_V1(f.audiences)}"
                "</saml:AudienceRestrictionCondition></saml:Conditions>"
            )
        else:
            parts.append("/>")
        parts.append(
            f'<saml:AuthenticationStatement AuthenticationInstant="{f.issued}"'
            f' AuthenticationMethod="{_AUTHN_METHOD_V1}">{subject}</saml:AuthenticationStatement>'
        )
        if f.attributes:
            parts.append(f"<saml:AttributeStatement>{subject}")
            names = ' AttributeName="{}" AttributeNamespace="' + _ATTRIBUTE_NAMESPACE_V1 + '"'
            parts.extend([_element("saml:Attribute", _VALUES_V1(v), names.format(n)) for n, v in f.attributes])
            parts.append("</saml:AttributeStatement>")
        head = "".join(parts)
        tail = "</saml:Assertion>"
        assertion = _parse(head + self._signer.template(f.assertion_id) + tail)
        signature = assertion[-1]  # the last child, where the template was written
        if f.key_info is None and not f.extra_conditions:
            # The text was parsed as written (lxml's form) and only the signature changed since.
            return (head + self._signer.sign(signature) + tail).encode("ascii")
        if f.key_info is not None:
            confirmation = f"{_S1}Subject/{_S1}SubjectConfirmation"
            _child(assertion, f"{_S1}AuthenticationStatement/{confirmation}").append(f.key_info)
            if f.attributes:
                _child(assertion, f"{_S1}AttributeStatement/{confirmation}").append(copy.deepcopy(f.key_info))
        if f.extra_conditions:
            _child(assertion, f"{_S1}Conditions").extend(f.extra_conditions)
        self._signer.sign(signature)
        return etree.tostring(assertion)


def _child(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path)
    if found is None:  # unreachable: the path is one we just wrote
        raise RuntimeError(f"the assertion template lost {path}")
    return found


_XML_DECLARATION = re.compile(rb"\A\s*<\?xml\s")


def encrypt_assertion(
    assertion_xml: bytes,
    recipient_cert: CertificateSource,
    *,
    data_algorithm: str = AES256_GCM,
    key_transport: str = RSA_OAEP_MGF1P,
) -> bytes:
    """Encrypt a signed assertion for the holder of ``recipient_cert`` (an RSA certificate: an object,
    PEM/DER bytes or a file path).

    The assertion's bytes are encrypted exactly as given (after dropping an XML declaration),
    so its signature still verifies after decryption. SAML 2.0 gives a saml2:EncryptedAssertion;
    SAML 1.1 has no such wrapper and gives the bare xenc:EncryptedData.
    """
    if data_algorithm not in DATA_ENCRYPTION:
        raise WsBindValueError(f"unsupported data encryption algorithm {data_algorithm}")
    if key_transport not in KEY_TRANSPORT:
        raise WsBindValueError(f"unsupported key transport {key_transport} (RSA-OAEP only)")
    recipient_cert = load_certificate(recipient_cert, what="recipient_cert")
    if not isinstance(recipient_cert.public_key(), rsa.RSAPublicKey):
        raise WsBindValueError("the recipient certificate must hold an RSA key (for RSA-OAEP)")

    root = parse_xml(bytes(assertion_xml))
    if root.getprevious() is not None or root.getnext() is not None:
        raise WsBindValueError("assertion_xml must hold exactly one element")
    if root.tag == f"{{{ns.SAML2}}}Assertion":
        wrap = True
    elif root.tag == f"{{{ns.SAML1}}}Assertion":
        wrap = False
    else:
        raise WsBindValueError("assertion_xml is not a SAML 1.1 or 2.0 Assertion")
    plaintext = bytes(assertion_xml).strip()
    if _XML_DECLARATION.match(plaintext):
        # A declaration cannot appear inside EncryptedAssertion once decrypted in place.
        plaintext = etree.tostring(root)

    transform, key_bits = DATA_ENCRYPTION[data_algorithm]
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
