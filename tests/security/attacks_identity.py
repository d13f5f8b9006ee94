"""Who signed and who is named: the issuer bound to its key (threat ``issuer-binding``),
identities reported exactly as signed (``identity``) and the subject an assertion names (``subject``).

Every assertion here is signed by a key the relying party trusts: our STS's or the partner's
(``World.partner``, trusted for ``PARTNER_NAME`` only). The signature verifies, so only the new
checks stand between each message and acceptance:

- ``issuer-binding``: a trusted key signing under a name that is not its own (the other
  issuer's, or a near-miss of its own that a lenient comparison would equate with it);
- ``identity``: a NameID or Issuer padded with white space or holding an invisible character,
  so that it passes for another wherever names are trimmed, displayed or compared loosely; an
  identifier whose text is split by markup;
- ``subject``: an assertion that names no one, or names someone only where the name is not the
  subject (a SubjectConfirmation, an attribute value, an Advice assertion), or hides the subject
  in an EncryptedID.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from samples.pki import Identity
from security.attacks_semantics import edited, resign
from security.harness import (
    AUDIENCE,
    ISSUER_NAME,
    PARTNER_NAME,
    SUBJECT,
    Attack,
    Build,
    World,
    inert,
    issue_settings,
    refused,
)
from wsbind.errors import FaultCode
from wsbind.saml.issuer import SamlIssuer, SamlVersion, encrypt_assertion
from wsbind.soap import namespaces as ns

S2 = f"{{{ns.SAML2}}}"
S1 = f"{{{ns.SAML1}}}"
DS = f"{{{ns.DS}}}"
XSI = f"{{{ns.XSI}}}"
V1 = SamlVersion.V1_1

SAML_CORE = "SAML 2.0 Core (OASIS, 2005)"
SAML_ISSUER = f"{SAML_CORE} 2.2.5 Issuer"
SAML_METADATA_KEYS = "SAML V2.0 Metadata (OASIS, 2005) 2.4.1.1 KeyDescriptor (a key belongs to one entityID)"
SAML_STRINGS = f"{SAML_CORE} 1.3.1 String Values (exact binary comparison, no trimming or case folding)"
URI_COMPARISON = "RFC 3986 6 Normalization and Comparison (scheme, host, port, percent-encoding)"
UNICODE_SECURITY = "Unicode Technical Report #36, Unicode Security Considerations (invisible and bidi characters)"
COMMENT_TRUNCATION = "CVE-2017-11427 (python-saml comment truncation; Duo Security, 2018)"
SAML_SUBJECT = f"{SAML_CORE} 2.4.1 Subject"
SAML_CONFIRMATION_ID = f"{SAML_CORE} 2.4.1.1 SubjectConfirmation (its NameID names the confirmer)"
SAML_BASE_ID = f"{SAML_CORE} 2.2.1 BaseID"
SAML_ENCRYPTED_ID = f"{SAML_CORE} 2.2.4 EncryptedID"
SAML_ADVICE = f"{SAML_CORE} 2.6.1 Advice"
SOMOROVSKY_2012 = "Somorovsky et al., On Breaking SAML: Be Whoever You Want to Be, USENIX Security 2012"
SAML11_ISSUER = "SAML V1.1 Assertions and Protocol (OASIS, 2003) 2.3.2 Assertion (Issuer)"
SAML11_SUBJECT = "SAML V1.1 Assertions and Protocol (OASIS, 2003) 2.4.2 SubjectStatementAbstractType"
SAML11_ADVICE = "SAML V1.1 Assertions and Protocol (OASIS, 2003) 2.3.2.2 Advice"

_AUTH = FaultCode.FAILED_AUTHENTICATION
_TOKEN = FaultCode.INVALID_SECURITY_TOKEN
Change = Callable[[etree._Element, World], None]


# -- signing under any name -------------------------------------------------------------------


def _signer(world: World, who: str) -> Identity:
    return {"issuer": world.issuer, "partner": world.partner}[who]


def signed_as(
    name: str,
    by: str = "issuer",
    version: SamlVersion = SamlVersion.V2_0,
    *,
    include_certificate: bool = True,
    **options: Any,
) -> Build:
    """An envelope around an assertion for alice, Issuer ``name``, signed with ``by``'s key
    ("issuer": our STS, "partner": the partner STS), both of which the relying party trusts."""

    def build(world: World) -> list[bytes]:
        identity = _signer(world, by)
        issuer = SamlIssuer(name, identity.private_key, identity.certificate, include_certificate=include_certificate)
        return [world.envelope(issuer.issue(**issue_settings(version, **options)))]

    return build


def subject(value: str, version: SamlVersion = SamlVersion.V2_0) -> Build:
    """Our STS's assertion with NameID (NameIdentifier) ``value``."""
    return signed_as(ISSUER_NAME, version=version, subject=value)


def encrypted_as(name: str, by: str) -> Build:
    """``signed_as(name, by)``, inside an EncryptedAssertion for the relying party."""

    def build(world: World) -> list[bytes]:
        identity = _signer(world, by)
        issuer = SamlIssuer(name, identity.private_key, identity.certificate)
        token = issuer.issue(**issue_settings())
        return [world.envelope(encrypt_assertion(token, world.relying_party.certificate))]

    return build


def _two_issuers(world: World) -> list[bytes]:
    """The partner signs an assertion in its own name, then adds a second Issuer naming our STS
    (for readers that take the last one, or look for one they trust)."""
    assertion = etree.fromstring(world.partner_saml.issue(**issue_settings()))
    first = assertion.find(f"{S2}Issuer")
    assert first is not None
    second = etree.Element(f"{S2}Issuer")
    second.text = ISSUER_NAME
    first.addnext(second)
    return [world.envelope(resign(world, assertion, partner=True))]


# -- editing identifiers --------------------------------------------------------------------


def _child(parent: etree._Element, path: str) -> etree._Element:
    found = parent.find(path)
    assert found is not None, path
    return found


def _markup_in(path: str, markup: str) -> Change:
    """Append ``markup`` (an element, a comment) to the text of the element at ``path``."""

    def change(assertion: etree._Element, world: World) -> None:
        element = _child(assertion, path)
        fragment = etree.fromstring(f'<w xmlns:saml2="{ns.SAML2}">{markup}</w>')
        element.extend(list(fragment))

    return change


def _saml11_name_identifiers(markup: str) -> Change:
    """Every NameIdentifier of a SAML 1.1 assertion gets ``markup`` after its text (the statements
    must agree on the subject, so all are changed alike)."""

    def change(assertion: etree._Element, world: World) -> None:
        for name_id in assertion.iter(f"{S1}NameIdentifier"):
            name_id.extend(list(etree.fromstring(f"<w>{markup}</w>")))

    return change


def on_envelope(build: Build, old: bytes, new: bytes) -> Build:
    """``build``'s message with ``old`` written as ``new``: the same characters in another
    spelling (a character reference, CDATA), so the signature still verifies."""

    def rebuilt(world: World) -> list[bytes]:
        messages = build(world)
        assert messages[-1].count(old) == 1, old
        return [*messages[:-1], messages[-1].replace(old, new)]

    return rebuilt


# -- the Subject ----------------------------------------------------------------------------

_NAME_ID = f"{S2}Subject/{S2}NameID"


def _drop_subject(assertion: etree._Element, world: World) -> None:
    assertion.remove(_child(assertion, f"{S2}Subject"))


def _drop_name_id(assertion: etree._Element, world: World) -> None:
    name_id = _child(assertion, _NAME_ID)
    _child(assertion, f"{S2}Subject").remove(name_id)


def _base_id(value: str) -> etree._Element:
    """A BaseID: an extension point, typed by an attacker-chosen xsi:type."""
    base_id = etree.Element(
        f"{S2}BaseID", {"NameQualifier": ISSUER_NAME}, nsmap={"x": "urn:example:ids", "xsi": ns.XSI}
    )
    base_id.set(f"{XSI}type", "x:UserName")
    base_id.text = value
    return base_id


def _base_id_instead(assertion: etree._Element, world: World) -> None:
    """A BaseID naming alice where the NameID was."""
    name_id = _child(assertion, _NAME_ID)
    name_id.addprevious(_base_id(SUBJECT))
    name_id.getparent().remove(name_id)  # type: ignore[union-attr]


def _second_identifier(tag: str) -> Change:
    """A second identifier after the NameID: an EncryptedID, a NameID or a BaseID naming admin."""

    def change(assertion: etree._Element, world: World) -> None:
        name_id = _child(assertion, _NAME_ID)
        if tag == "EncryptedID":
            extra = encrypted_id(name_id_element("admin"), world.relying_party.certificate)
        elif tag == "BaseID":
            extra = _base_id("admin")
        else:
            extra = name_id_element("admin")
        name_id.addnext(extra)

    return change


def _name_id_moved(where: str) -> Change:
    """The Subject loses its NameID; a NameID for alice is put ``where`` instead."""

    def change(assertion: etree._Element, world: World) -> None:
        name_id = _child(assertion, _NAME_ID)
        subject_element = _child(assertion, f"{S2}Subject")
        subject_element.remove(name_id)
        if where == "confirmation":
            # Schema order: BaseID | NameID | EncryptedID, then SubjectConfirmationData.
            _child(subject_element, f"{S2}SubjectConfirmation").insert(0, name_id)
        elif where == "attribute-value":
            _child(assertion, f"{S2}AttributeStatement/{S2}Attribute/{S2}AttributeValue").append(name_id)
        elif where == "advice":
            _child(assertion, f"{S2}Conditions").addnext(_advice_assertion(assertion))
        else:
            raise AssertionError(where)

    return change


def _advice_assertion(outer: etree._Element) -> etree._Element:
    """An Advice holding an (unsigned) assertion about alice, with an ID of its own."""
    inner = copy.deepcopy(outer)
    for signature in inner.findall(f"{DS}Signature"):
        inner.remove(signature)
    inner.set("ID", "_advice-" + (outer.get("ID") or "")[1:])
    _child(inner, f"{S2}Subject").insert(0, name_id_element(SUBJECT))
    advice = etree.Element(f"{S2}Advice")
    advice.append(inner)
    return advice


def name_id_element(value: str, *, children: str = "") -> etree._Element:
    """A standalone saml2:NameID holding ``value`` (and ``children`` markup after it)."""
    name_id = etree.fromstring(f'<saml2:NameID xmlns:saml2="{ns.SAML2}">{children}</saml2:NameID>')
    name_id.text = value
    return name_id


def encrypted_id(name_id: etree._Element, recipient: x509.Certificate, *, key_beside: bool = False) -> etree._Element:
    """``name_id`` encrypted for ``recipient`` inside a saml2:EncryptedID, laid out as
    ``encrypt_assertion`` lays out an EncryptedAssertion: AES-256-GCM data, RSA-OAEP key
    transport, the EncryptedKey in the EncryptedData's KeyInfo (or beside the EncryptedData)."""
    holder = etree.Element("holder")
    template = xmlsec.template.encrypted_data_create(
        holder, xmlsec.constants.TransformAes256Gcm, type=ns.ELEMENT_TYPE, ns="xenc"
    )
    xmlsec.template.encrypted_data_ensure_cipher_value(template)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="ds")
    encrypted_key = xmlsec.template.add_encrypted_key(key_info, xmlsec.constants.TransformRsaOaep)
    xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)
    manager = xmlsec.KeysManager()
    manager.add_key(
        xmlsec.Key.from_memory(
            recipient.public_bytes(serialization.Encoding.PEM), xmlsec.constants.KeyDataFormatCertPem
        )
    )
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(xmlsec.constants.KeyDataAes, 256, xmlsec.constants.KeyDataTypeSession)
    encrypted = context.encrypt_binary(template, etree.tostring(name_id))
    wrapper = etree.Element(f"{S2}EncryptedID", nsmap={"saml2": ns.SAML2})
    wrapper.append(encrypted)
    wrapper = etree.fromstring(etree.tostring(wrapper))  # lxml's find misses names xmlsec created
    if key_beside:
        data = _child(wrapper, f"{{{ns.XENC}}}EncryptedData")
        key_info_element = _child(data, f"{DS}KeyInfo")
        data.remove(key_info_element)
        wrapper.append(key_info_element[0])
    return wrapper


def _encrypted_name_id(
    name_id: Callable[[], etree._Element], to: Callable[[World], x509.Certificate], *, key_beside: bool = False
) -> Change:
    """The Subject's NameID replaced by an EncryptedID of ``name_id()`` for ``to(world)``."""

    def change(assertion: etree._Element, world: World) -> None:
        old = _child(assertion, _NAME_ID)
        old.addprevious(encrypted_id(name_id(), to(world), key_beside=key_beside))
        old.getparent().remove(old)  # type: ignore[union-attr]

    return change


def _for_us(world: World) -> x509.Certificate:
    return world.relying_party.certificate


def _for_someone_else(world: World) -> x509.Certificate:
    return world.rogue.certificate


def _encrypted_id_not_name_id(assertion: etree._Element, world: World) -> None:
    """An EncryptedID whose plaintext is an Issuer holding alice (only a NameID may come out)."""
    issuer = etree.fromstring(f'<saml2:Issuer xmlns:saml2="{ns.SAML2}">{SUBJECT}</saml2:Issuer>')
    old = _child(assertion, _NAME_ID)
    old.addprevious(encrypted_id(issuer, world.relying_party.certificate))
    old.getparent().remove(old)  # type: ignore[union-attr]


# SAML 1.1: the subject is that of the assertion's statements.


def _saml11_without_name_identifier(assertion: etree._Element) -> None:
    for name_id in list(assertion.iter(f"{S1}NameIdentifier")):
        name_id.getparent().remove(name_id)  # type: ignore[union-attr]


def _saml11_name_elsewhere(where: str) -> Change:
    """The statements' Subjects lose their NameIdentifier; a Subject naming alice goes ``where``."""

    def change(assertion: etree._Element, world: World) -> None:
        _saml11_without_name_identifier(assertion)
        stray = etree.Element(f"{S1}Subject")
        etree.SubElement(stray, f"{S1}NameIdentifier").text = SUBJECT
        if where == "attribute-value":
            _child(assertion, f"{S1}AttributeStatement/{S1}Attribute/{S1}AttributeValue").append(stray)
        elif where == "advice-assertion":
            inner = copy.deepcopy(assertion)
            for signature in inner.findall(f"{DS}Signature"):
                inner.remove(signature)
            inner.set("AssertionID", "_advice-" + (assertion.get("AssertionID") or "")[1:])
            for statement_subject in inner.iter(f"{S1}Subject"):
                statement_subject.insert(0, copy.deepcopy(stray[0]))
            advice = etree.Element(f"{S1}Advice")
            advice.append(inner)
            _child(assertion, f"{S1}Conditions").addnext(advice)
        elif where == "advice":
            # Directly in Advice: a Subject that belongs to no statement at all.
            advice = etree.Element(f"{S1}Advice")
            advice.append(stray)
            _child(assertion, f"{S1}Conditions").addnext(advice)
        elif where == "none":
            pass
        else:
            raise AssertionError(where)

    return change


def _saml11_drop_subjects(assertion: etree._Element, world: World) -> None:
    for statement_subject in list(assertion.iter(f"{S1}Subject")):
        statement_subject.getparent().remove(statement_subject)  # type: ignore[union-attr]


# -- the catalogue --------------------------------------------------------------------------


def _binding(id: str, build: Build, source: str, *reasons: str) -> Attack:
    return refused(id, "issuer-binding", build, _AUTH, *(reasons or ("untrusted-issuer",)), source=source)


def _identifier(id: str, build: Build, source: str = SAML_STRINGS) -> Attack:
    return refused(id, "identity", build, _TOKEN, "identifier", source=source)


def _no_subject(id: str, build: Build, source: str) -> Attack:
    return refused(id, "subject", build, _AUTH, "no-subject", source=source)


NEAR_MISSES = {
    # id suffix: a name a lenient comparison would take for our STS's "https://sts.example.test".
    "host-in-capitals": "https://STS.EXAMPLE.TEST",
    "scheme-in-capitals": "HTTPS://sts.example.test",
    "trailing-slash": "https://sts.example.test/",
    "url-encoded": "https%3A%2F%2Fsts.example.test",
    "percent-encoded-dot": "https://sts%2Eexample.test",
    "explicit-port": "https://sts.example.test:443",
}

PADDED = {
    # id suffix: a NameID that passes for "alice" wherever names are trimmed or displayed.
    "leading-space": " alice",
    "trailing-space": "alice ",
    "leading-tab": "\talice",
    "trailing-newline": "alice\n",
    "trailing-nbsp": "alice\u00a0",
    "trailing-line-separator": "alice\u2028",
    "trailing-ideographic-space": "alice\u3000",
    "trailing-delete": "alice\u007f",
    "trailing-next-line": "alice\u0085",
    "inner-c1-control": "ali\u009bce",
    "zero-width-space": "al\u200bice",
    "bidi-override": "\u202ealice",
    "byte-order-mark": "\ufeffalice",
    "soft-hyphen": "ali\u00adce",
}

PADDED_ISSUERS = {
    "leading-space": " " + ISSUER_NAME,
    "trailing-newline": ISSUER_NAME + "\n",
    "trailing-tab": ISSUER_NAME + "\t",
    "trailing-nbsp": ISSUER_NAME + "\u00a0",
    "zero-width-space": ISSUER_NAME.replace("example", "exam\u200bple"),
    "byte-order-mark": "\ufeff" + ISSUER_NAME,
    "trailing-delete": ISSUER_NAME + "\u007f",
}

_SAML11_PADDED = ("trailing-space", "leading-tab", "trailing-nbsp", "zero-width-space", "trailing-next-line")
_SAML11_PADDED_ISSUERS = ("leading-space", "trailing-newline", "trailing-tab", "trailing-nbsp", "zero-width-space")
_SAML11_NEAR_MISSES = ("host-in-capitals", "trailing-slash", "explicit-port")

_IDENTIFIER_SOURCES = {
    "zero-width-space": UNICODE_SECURITY,
    "bidi-override": UNICODE_SECURITY,
    "byte-order-mark": UNICODE_SECURITY,
    "soft-hyphen": UNICODE_SECURITY,
}


ISSUER_BINDING: list[Attack] = [
    # A trusted key signing in the other trusted issuer's name.
    _binding("iss-partner-key-as-our-sts-saml2", signed_as(ISSUER_NAME, "partner"), SAML_METADATA_KEYS),
    _binding("iss-partner-key-as-our-sts-saml11", signed_as(ISSUER_NAME, "partner", V1), SAML_METADATA_KEYS),
    _binding(
        "iss-partner-key-as-our-sts-without-keyinfo-saml2",
        signed_as(ISSUER_NAME, "partner", include_certificate=False),
        SAML_METADATA_KEYS,
        "signature",
    ),
    _binding(
        "iss-partner-key-as-our-sts-encrypted",
        encrypted_as(ISSUER_NAME, "partner"),
        SAML_METADATA_KEYS,
        "decryption",
    ),
    _binding("iss-our-key-as-partner-saml2", signed_as(PARTNER_NAME, "issuer"), SAML_METADATA_KEYS),
    _binding("iss-our-key-as-partner-saml11", signed_as(PARTNER_NAME, "issuer", V1), SAML_METADATA_KEYS),
    refused(
        "iss-second-issuer-naming-our-sts",
        "issuer-binding",
        _two_issuers,
        _TOKEN,
        "malformed-assertion",
        source=SAML_ISSUER,
    ),
    # A trusted key signing under a name no key is trusted for.
    _binding("iss-unknown-name-our-key-saml2", signed_as("https://unknown.example.test"), SAML_ISSUER),
    _binding(
        "iss-unknown-name-partner-key-saml11",
        signed_as("https://unknown.example.test", "partner", V1),
        SAML11_ISSUER,
    ),
    _binding("iss-partner-name-with-trailing-slash", signed_as(PARTNER_NAME + "/", "partner"), URI_COMPARISON),
    # Our key under near-misses of our own name: names are compared exactly, never normalised.
    *[
        _binding(f"iss-near-miss-{suffix}-saml2", signed_as(name), URI_COMPARISON)
        for suffix, name in NEAR_MISSES.items()
    ],
    *[
        _binding(f"iss-near-miss-{suffix}-saml11", signed_as(NEAR_MISSES[suffix], version=V1), URI_COMPARISON)
        for suffix in _SAML11_NEAR_MISSES
    ],
]


IDENTITY: list[Attack] = [
    *[
        _identifier(f"id-name-id-{suffix}-saml2", subject(value), _IDENTIFIER_SOURCES.get(suffix, SAML_STRINGS))
        for suffix, value in PADDED.items()
    ],
    *[
        _identifier(
            f"id-name-id-{suffix}-saml11", subject(PADDED[suffix], V1), _IDENTIFIER_SOURCES.get(suffix, SAML_STRINGS)
        )
        for suffix in _SAML11_PADDED
    ],
    _identifier(
        "id-name-id-empty-saml2",
        edited(lambda assertion, world: setattr(_child(assertion, _NAME_ID), "text", None)),
    ),
    *[
        _identifier(f"id-issuer-{suffix}-saml2", signed_as(name), _IDENTIFIER_SOURCES.get(suffix, SAML_STRINGS))
        for suffix, name in PADDED_ISSUERS.items()
    ],
    *[
        _identifier(
            f"id-issuer-{suffix}-saml11",
            signed_as(PADDED_ISSUERS[suffix], version=V1),
            _IDENTIFIER_SOURCES.get(suffix, SAML_STRINGS),
        )
        for suffix in _SAML11_PADDED_ISSUERS
    ],
    # Markup splitting an identifier's text: a reader of the first text node sees "alice".
    refused(
        "id-name-id-holds-element-saml2",
        "identity",
        edited(_markup_in(_NAME_ID, "<b>.admin</b>")),
        _TOKEN,
        "malformed-assertion",
        source=COMMENT_TRUNCATION,
    ),
    refused(
        "id-name-id-holds-element-saml11",
        "identity",
        edited(_saml11_name_identifiers("<b>.admin</b>"), V1),
        _TOKEN,
        "malformed-assertion",
        source=COMMENT_TRUNCATION,
    ),
    refused(
        "id-issuer-holds-element-saml2",
        "identity",
        edited(_markup_in(f"{S2}Issuer", "<b>.evil</b>")),
        _TOKEN,
        "malformed-assertion",
        source=COMMENT_TRUNCATION,
    ),
    # Audiences are compared exactly as signed: a padded one is not ours.
    refused(
        "id-audience-leading-space-saml2",
        "identity",
        signed_as(ISSUER_NAME, audiences=[" " + AUDIENCE]),
        _AUTH,
        "wrong-audience",
        source=SAML_STRINGS,
    ),
    refused(
        "id-audience-trailing-newline-saml11",
        "identity",
        signed_as(ISSUER_NAME, version=V1, audiences=[AUDIENCE + "\n"]),
        _AUTH,
        "wrong-audience",
        source=SAML_STRINGS,
    ),
    refused(
        "id-audience-zero-width-space-saml2",
        "identity",
        signed_as(ISSUER_NAME, audiences=[AUDIENCE + "\u200b"]),
        _AUTH,
        "wrong-audience",
        source=UNICODE_SECURITY,
    ),
    # Controls: the same characters spelled otherwise are the same name, and are accepted.
    inert(
        "id-name-id-as-character-references",
        "identity",
        on_envelope(subject(SUBJECT), b">alice</saml2:NameID>", b">&#97;li&#x63;e</saml2:NameID>"),
        source=SAML_STRINGS,
    ),
    inert(
        "id-name-id-as-cdata",
        "identity",
        on_envelope(subject(SUBJECT), b">alice</saml2:NameID>", b"><![CDATA[alice]]></saml2:NameID>"),
        source=SAML_STRINGS,
    ),
    inert(
        "id-issuer-as-character-references-saml11",
        "identity",
        on_envelope(
            subject(SUBJECT, V1), b'Issuer="https://sts.example.test"', b'Issuer="https&#58;//sts.example&#46;test"'
        ),
        source=SAML11_ISSUER,
    ),
    inert(
        "id-issuer-split-by-cdata-saml2",
        "identity",
        on_envelope(
            subject(SUBJECT),
            b">https://sts.example.test</saml2:Issuer>",
            b">https://sts.<![CDATA[example]]>.test</saml2:Issuer>",
        ),
        source=SAML_STRINGS,
    ),
]


SUBJECT_ATTACKS: list[Attack] = [
    _no_subject("subj-no-subject-saml2", edited(_drop_subject), SAML_SUBJECT),
    _no_subject("subj-only-subject-confirmation-saml2", edited(_drop_name_id), SAML_SUBJECT),
    _no_subject("subj-base-id-only-saml2", edited(_base_id_instead), SAML_BASE_ID),
    refused(
        "subj-encrypted-id-for-someone-else",
        "subject",
        edited(_encrypted_name_id(lambda: name_id_element(SUBJECT), _for_someone_else)),
        _AUTH,
        "decryption",
        source=SAML_ENCRYPTED_ID,
    ),
    refused(
        "subj-encrypted-id-not-a-name-id",
        "subject",
        edited(_encrypted_id_not_name_id),
        _AUTH,
        "decryption",
        source=SAML_ENCRYPTED_ID,
    ),
    refused(
        "subj-encrypted-id-padded-name",
        "subject",
        edited(_encrypted_name_id(lambda: name_id_element(SUBJECT + " "), _for_us)),
        _TOKEN,
        "identifier",
        source=SAML_STRINGS,
    ),
    refused(
        "subj-encrypted-id-comment-truncation",
        "subject",
        edited(_encrypted_name_id(lambda: name_id_element(SUBJECT, children="<!---->.admin"), _for_us)),
        _TOKEN,
        "malformed-assertion",
        source=COMMENT_TRUNCATION,
    ),
    inert(
        "subj-encrypted-id-for-us",
        "subject",
        edited(_encrypted_name_id(lambda: name_id_element(SUBJECT), _for_us)),
        source=SAML_ENCRYPTED_ID,
    ),
    inert(
        "subj-encrypted-id-key-beside-data",
        "subject",
        edited(_encrypted_name_id(lambda: name_id_element(SUBJECT), _for_us, key_beside=True)),
        source=SAML_ENCRYPTED_ID,
    ),
    *[
        refused(
            f"subj-name-id-and-{suffix}",
            "subject",
            edited(_second_identifier(tag)),
            _TOKEN,
            "malformed-assertion",
            source=SAML_SUBJECT,
        )
        for tag, suffix in (("EncryptedID", "encrypted-id"), ("NameID", "name-id"), ("BaseID", "base-id"))
    ],
    _no_subject(
        "subj-name-id-only-in-subject-confirmation", edited(_name_id_moved("confirmation")), SAML_CONFIRMATION_ID
    ),
    _no_subject("subj-name-id-only-in-attribute-value", edited(_name_id_moved("attribute-value")), SOMOROVSKY_2012),
    _no_subject("subj-name-id-only-in-advice-assertion", edited(_name_id_moved("advice")), SAML_ADVICE),
    # SAML 1.1: the subject is the one the assertion's statements name.
    _no_subject("subj-saml11-no-name-identifier", edited(_saml11_name_elsewhere("none"), V1), SAML11_SUBJECT),
    _no_subject("subj-saml11-no-subject", edited(_saml11_drop_subjects, V1), SAML11_SUBJECT),
    _no_subject(
        "subj-saml11-name-identifier-in-attribute-value",
        edited(_saml11_name_elsewhere("attribute-value"), V1),
        SAML11_SUBJECT,
    ),
    _no_subject(
        "subj-saml11-name-identifier-in-advice-assertion",
        edited(_saml11_name_elsewhere("advice-assertion"), V1),
        SAML11_ADVICE,
    ),
    _no_subject("subj-saml11-subject-directly-in-advice", edited(_saml11_name_elsewhere("advice"), V1), SAML11_ADVICE),
]


ATTACKS: list[Attack] = [*ISSUER_BINDING, *IDENTITY, *SUBJECT_ATTACKS]
