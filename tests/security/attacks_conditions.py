"""When and for whom: validity windows and the message Timestamp (threat ``time``), the subject
confirmation data (``confirmation``) and SOAP processing attributes (``soap-meaning``).

Every assertion here is signed (or re-signed after an edit) by the trusted STS, and every
holder-of-key message carries a valid proof, so only the check under test stands between the
message and acceptance. The times are chosen so that the older checks pass: an empty window
that still contains NOW once the clock skew (5 minutes) is allowed, an IssueInstant in the
future inside a window that is open, a confirmation NotBefore in the future while the
assertion's own window is open. The Timestamp of a bearer message is not signed, so its edits
need no re-signing; the SOAP edits touch only what no signature covers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from security.attacks_semantics import (
    SAML_CORE,
    SAML_PROFILES_CONFIRMATION,
    SAML_TOKEN_PROFILE,
    edited,
    edited_assertion,
)
from security.harness import TO_ADDRESS, Attack, Build, World, find, inert, on_tree, refused, security_of
from wsbind.errors import FaultCode
from wsbind.saml.issuer import (
    BEARER_V1,
    BEARER_V2,
    HOLDER_OF_KEY_V1,
    HOLDER_OF_KEY_V2,
    SamlVersion,
    encrypt_assertion,
)
from wsbind.soap import namespaces as ns

Change = Callable[[etree._Element, World], None]

S2 = f"{{{ns.SAML2}}}"
S1 = f"{{{ns.SAML1}}}"
WSU = f"{{{ns.WSU}}}"
CONDITIONS_V2 = f"{S2}Conditions"
CONDITIONS_V1 = f"{S1}Conditions"
CONFIRMATION_DATA = f"{S2}Subject/{S2}SubjectConfirmation/{S2}SubjectConfirmationData"
EXAMPLE = "urn:example:soap-meaning"
SOAP12_ENCODING = "http://www.w3.org/2003/05/soap-encoding"
OTHER_RECIPIENT = "https://other-rp.example.test/service"

SAML11 = "SAML V1.1 Assertions and Protocol (OASIS, 2003)"
SAML_CORE_WINDOW = f"{SAML_CORE} 2.5.1.2 NotBefore and NotOnOrAfter (NotBefore earlier than NotOnOrAfter)"
SAML_CORE_CONFIRMATION_DATA = f"{SAML_CORE} 2.4.1.2 SubjectConfirmationData"
SAML_CORE_ISSUE_INSTANT = f"{SAML_CORE} 2.3.3 Assertion (IssueInstant)"
SAML_CORE_KEY_INFO_DATA = f"{SAML_CORE} 2.4.1.3 KeyInfoConfirmationDataType"
SAML_CORE_VERSION = f"{SAML_CORE} 4 SAML Versioning (Version 2.0)"
SAML11_CONDITIONS = f"{SAML11} 2.3.2.1 Conditions (NotBefore, NotOnOrAfter)"
SAML11_VERSION = f"{SAML11} 4 SAML Versioning (MajorVersion 1, MinorVersion 1)"
SAML_PROFILES_BEARER = "SAML V2.0 Profiles (OASIS, 2005) 4.1.4.2-4.1.4.3 bearer SubjectConfirmationData"
BSP_TIMESTAMP_CHILDREN = "WS-I Basic Security Profile 1.1 (2010) R3203, R3221, R3222, R3224 (Timestamp children)"
BSP_TIMESTAMP_UTC = "WS-I Basic Security Profile 1.1 (2010) R3217, R3223 (Created and Expires in UTC)"
BSP_TIMESTAMP_VALUE_TYPE = "WS-I Basic Security Profile 1.1 (2010) R3225, R3226 (no ValueType)"
BSP_TIMESTAMP_SECONDS = "WS-I Basic Security Profile 1.1 (2010) R3213 (seconds less than 60)"
BSP_TIMESTAMP_PRECISION = "WS-I Basic Security Profile 1.1 (2010) R3220 (milliseconds SHOULD be enough)"
WSS_TIMESTAMP_ORDER = "WS-Security SOAP Message Security 1.1 (OASIS, 2006) 10 Security Timestamps (Expires)"
SOAP11_MUST_UNDERSTAND = "W3C SOAP 1.1 (Note, 2000) 4.2.3 mustUnderstand (values 0 and 1)"
SOAP12_MUST_UNDERSTAND = "W3C SOAP 1.2 Part 1 (Recommendation, 2007) 5.2.3 mustUnderstand (xs:boolean)"
WSI_MUST_UNDERSTAND = "WS-I Basic Profile 1.1 R1013 (mustUnderstand only 0 or 1)"
SOAP11_REFERENCES = "W3C SOAP 1.1 (Note, 2000) 5.1 rule 5 (multi-reference values: id and href)"
SOAP12_REFERENCES = "W3C SOAP 1.2 Part 2 (Recommendation, 2007) 3.1.5.2 enc:ref"
CWE_674 = "CWE-674 (uncontrolled recursion)"


# -- assertions with any times, confirmation data and version ----------------------------------


def _set(path: str, **values: str | None) -> Change:
    """Set (None: remove) attributes of the assertion itself (``path`` ".") or of its one element at ``path``."""

    def change(assertion: etree._Element, world: World) -> None:
        element = assertion if path == "." else assertion.find(path)
        assert element is not None, path
        for name, value in values.items():
            if value is None:
                element.attrib.pop(name, None)
            else:
                element.set(name, value)

    return change


def _both(*changes: Change) -> Change:
    def change(assertion: etree._Element, world: World) -> None:
        for each in changes:
            each(assertion, world)

    return change


def _saml11(change: Change) -> Build:
    return edited(change, SamlVersion.V1_1)


def _encrypted(change: Change) -> Build:
    """The edited, re-signed assertion inside an EncryptedAssertion for the relying party."""

    def build(world: World) -> list[bytes]:
        assertion = edited_assertion(world, change)
        return [world.envelope(encrypt_assertion(assertion, world.relying_party.certificate))]

    return build


def _holder_of_key(
    change: Change | None = None, version: SamlVersion = SamlVersion.V2_0, method: str = HOLDER_OF_KEY_V2
) -> Build:
    """A holder-of-key assertion for the client's key (edited and re-signed if ``change``), with a
    valid proof: the client signs the Timestamp and To with that key."""

    def build(world: World) -> list[bytes]:
        options: dict[str, Any] = {"confirmation_method": method, "confirmation_key_info": world.client_key_info()}
        if change is None:
            assertion = world.issue(version, **options)
        else:
            assertion = edited_assertion(world, change, version, **options)
        return [world.holder_of_key(assertion)]

    return build


def _confirmation(**values: str | None) -> Change:
    return _set(CONFIRMATION_DATA, **values)


# -- the message's wsu:Timestamp ------------------------------------------------------------


def _timestamp(root: etree._Element) -> etree._Element:
    return find(root, "//wsse:Security/wsu:Timestamp")


def _timestamp_texts(created: str | None, expires: str | None) -> Change:
    """Created and Expires as given (None: leave that element as it is)."""

    def change(root: etree._Element, world: World) -> None:
        timestamp = _timestamp(root)
        for name, text in (("Created", created), ("Expires", expires)):
            if text is not None:
                element = timestamp.find(f"{WSU}{name}")
                assert element is not None
                element.text = text

    return change


def _timestamp_children(*names: str) -> Change:
    """Rebuild the Timestamp's children in this order (Created and Expires keep their text)."""

    def change(root: etree._Element, world: World) -> None:
        timestamp = _timestamp(root)
        texts = {etree.QName(c).localname: c.text for c in timestamp}
        for child in list(timestamp):
            timestamp.remove(child)
        for name in names:
            child = etree.SubElement(timestamp, name if name.startswith("{") else f"{WSU}{name}")
            child.text = texts.get(name, "2026-05-01T12:01:00.000Z")

    return change


def _created_with_child(kind: str) -> Change:
    """Created holding an element, or its text split by a comment."""

    def change(root: etree._Element, world: World) -> None:
        created = _timestamp(root).find(f"{WSU}Created")
        assert created is not None
        if kind == "comment":
            created.text = "2026-05-01T12:00:00"
            comment = etree.Comment("")
            comment.tail = ".000Z"
            created.append(comment)
        else:
            etree.SubElement(created, f"{{{EXAMPLE}}}Precision").text = "ms"

    return change


def _timestamp_value_type(name: str) -> Change:
    def change(root: etree._Element, world: World) -> None:
        element = _timestamp(root).find(f"{WSU}{name}")
        assert element is not None
        element.set("ValueType", "http://www.w3.org/2001/XMLSchema#dateTime")

    return change


def _drop_expires(root: etree._Element, world: World) -> None:
    timestamp = _timestamp(root)
    expires = timestamp.find(f"{WSU}Expires")
    assert expires is not None
    timestamp.remove(expires)


# -- SOAP header blocks and references ------------------------------------------------------


def _soap_ns(root: etree._Element) -> str:
    namespace = etree.QName(root).namespace
    assert namespace is not None
    return namespace


def _header(root: etree._Element) -> etree._Element:
    return find(root, "/s11:Envelope/s11:Header | /s12:Envelope/s12:Header")


def _call(root: etree._Element) -> etree._Element:
    """The Body's one child, the whoami call."""
    return find(root, "/s11:Envelope/s11:Body/* | /s12:Envelope/s12:Body/*")


def _must_understand(value: str, block: str = "security") -> Change:
    """mustUnderstand (of the message's SOAP version) on our Security header or an extra header block."""

    def change(root: etree._Element, world: World) -> None:
        if block == "security":
            element = security_of(root)
        else:
            element = etree.SubElement(_header(root), f"{{{EXAMPLE}}}Trace")
            element.text = "hop-1"
        element.set(f"{{{_soap_ns(root)}}}mustUnderstand", value)

    return change


def _foreign_must_understand(root: etree._Element, world: World) -> None:
    """The other SOAP version's mustUnderstand on a header block: a foreign attribute, meaningless here."""
    other = ns.SOAP12 if _soap_ns(root) == ns.SOAP11 else ns.SOAP11
    block = etree.SubElement(_header(root), f"{{{EXAMPLE}}}Trace")
    block.set(f"{{{other}}}mustUnderstand", "yes")


def _add(header: str = "", body: str = "") -> Change:
    """Append header blocks and children of the whoami call, written with prefixes x (EXAMPLE) and enc."""
    wrapper = f'<w xmlns:x="{EXAMPLE}" xmlns:enc="{SOAP12_ENCODING}" xmlns:xlink="http://www.w3.org/1999/xlink">'

    def change(root: etree._Element, world: World) -> None:
        for parent, markup in ((_header(root), header), (_call(root), body)):
            for element in etree.fromstring(f"{wrapper}{markup}</w>"):
                parent.append(element)

    return change


def _href_on_call(value: str, header: str = "") -> Change:
    """An href on the whoami call itself (and header blocks)."""

    def change(root: etree._Element, world: World) -> None:
        _add(header=header)(root, world)
        _call(root).set("href", value)

    return change


ATTACKS: list[Attack] = [
    # -- time: windows that hold no instant ---------------------------------------------------
    refused(
        "time-conditions-window-empty",
        "time",
        edited(_set(CONDITIONS_V2, NotBefore="2026-05-01T12:02:00Z", NotOnOrAfter="2026-05-01T12:02:00Z")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "empty-validity",
        source=SAML_CORE_WINDOW,
    ),
    refused(
        "time-conditions-window-inverted",
        "time",
        edited(_set(CONDITIONS_V2, NotBefore="2026-05-01T12:03:00Z", NotOnOrAfter="2026-05-01T12:02:00Z")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "empty-validity",
        source=SAML_CORE_WINDOW,
    ),
    refused(
        # The same instant in two notations: compared as text, 14:02 would come after 12:02.
        "time-conditions-window-empty-across-zones",
        "time",
        edited(_set(CONDITIONS_V2, NotBefore="2026-05-01T14:02:00+02:00", NotOnOrAfter="2026-05-01T12:02:00Z")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "empty-validity",
        source=SAML_CORE_WINDOW,
    ),
    refused(
        # Compared as text, 13:02 comes after 12:03; in UTC it is 12:02, before NotBefore.
        "time-conditions-window-inverted-across-zones",
        "time",
        edited(_set(CONDITIONS_V2, NotBefore="2026-05-01T12:03:00Z", NotOnOrAfter="2026-05-01T13:02:00+01:00")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "empty-validity",
        source=SAML_CORE_WINDOW,
    ),
    refused(
        "time-conditions-window-empty-saml11",
        "time",
        _saml11(_set(CONDITIONS_V1, NotBefore="2026-05-01T12:02:00Z", NotOnOrAfter="2026-05-01T12:02:00Z")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "empty-validity",
        source=SAML11_CONDITIONS,
    ),
    refused(
        "time-conditions-window-inverted-saml11",
        "time",
        _saml11(_set(CONDITIONS_V1, NotBefore="2026-05-01T12:03:00Z", NotOnOrAfter="2026-05-01T12:02:00Z")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "empty-validity",
        source=SAML11_CONDITIONS,
    ),
    refused(
        "time-conditions-window-empty-encrypted",
        "time",
        _encrypted(_set(CONDITIONS_V2, NotBefore="2026-05-01T12:02:00Z", NotOnOrAfter="2026-05-01T12:02:00Z")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "empty-validity",
        source=SAML_CORE_WINDOW,
    ),
    refused(
        "time-confirmation-window-empty",
        "time",
        edited(_confirmation(NotBefore="2026-05-01T12:02:00Z", NotOnOrAfter="2026-05-01T12:02:00Z")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "empty-validity",
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    refused(
        "time-confirmation-window-inverted",
        "time",
        edited(_confirmation(NotBefore="2026-05-01T12:03:00Z", NotOnOrAfter="2026-05-01T12:02:00Z")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "empty-validity",
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    refused(
        "time-confirmation-window-empty-hok",
        "time",
        _holder_of_key(_confirmation(NotBefore="2026-05-01T12:02:00Z", NotOnOrAfter="2026-05-01T12:02:00Z")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "empty-validity",
        source=SAML_CORE_KEY_INFO_DATA,
    ),
    # -- time: when it was issued ---------------------------------------------------------------
    refused(
        "time-issued-in-future",
        "time",
        edited(_set(".", IssueInstant="2026-05-01T12:10:00Z")),
        FaultCode.FAILED_AUTHENTICATION,
        "issued-in-future",
        source=SAML_CORE_ISSUE_INSTANT,
    ),
    refused(
        "time-issued-in-future-beyond-skew",
        "time",
        edited(_set(".", IssueInstant="2026-05-01T12:05:01Z")),
        FaultCode.FAILED_AUTHENTICATION,
        "issued-in-future",
        source=SAML_CORE_ISSUE_INSTANT,
    ),
    inert(
        "time-issued-in-future-within-skew",
        "time",
        edited(_set(".", IssueInstant="2026-05-01T12:05:00Z")),
        source=SAML_CORE_ISSUE_INSTANT,
    ),
    refused(
        "time-issued-in-future-saml11",
        "time",
        _saml11(_set(".", IssueInstant="2026-05-01T12:10:00Z")),
        FaultCode.FAILED_AUTHENTICATION,
        "issued-in-future",
        source=SAML11_CONDITIONS,
    ),
    refused(
        "time-issued-after-expiry",
        "time",
        edited(
            _both(
                _set(".", IssueInstant="2026-05-01T12:03:00Z"),
                _set(CONDITIONS_V2, NotBefore="2026-05-01T11:50:00Z", NotOnOrAfter="2026-05-01T12:01:00Z"),
            )
        ),
        FaultCode.INVALID_SECURITY_TOKEN,
        "issued-after-expiry",
        source=SAML_CORE_ISSUE_INSTANT,
    ),
    refused(
        "time-issued-after-expiry-saml11",
        "time",
        _saml11(
            _both(
                _set(".", IssueInstant="2026-05-01T12:03:00Z"),
                _set(CONDITIONS_V1, NotBefore="2026-05-01T11:50:00Z", NotOnOrAfter="2026-05-01T12:01:00Z"),
            )
        ),
        FaultCode.INVALID_SECURITY_TOKEN,
        "issued-after-expiry",
        source=SAML11_CONDITIONS,
    ),
    inert(
        # The assertion's own times may carry any zone: only the Timestamp is held to BSP's Z.
        "time-assertion-times-with-offsets",
        "time",
        edited(
            _both(
                _set(".", IssueInstant="2026-05-01T08:00:00-04:00"),
                _set(CONDITIONS_V2, NotBefore="2026-05-01T12:00:00+00:00", NotOnOrAfter="2026-05-01T14:00:00+01:00"),
                _confirmation(NotOnOrAfter="2026-05-01T13:00:00+00:00"),
            )
        ),
        source=f"{SAML_CORE} 1.3.3 Time Values (xs:dateTime)",
    ),
    # -- time: the SAML version -----------------------------------------------------------------
    refused(
        "time-version-saml10",
        "time",
        _saml11(_set(".", MinorVersion="0")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "saml-version",
        source=SAML11_VERSION,
    ),
    refused(
        "time-version-saml1-major-2",
        "time",
        _saml11(_set(".", MajorVersion="2")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "saml-version",
        source=SAML11_VERSION,
    ),
    refused(
        "time-version-saml1-minor-missing",
        "time",
        _saml11(_set(".", MinorVersion=None)),
        FaultCode.INVALID_SECURITY_TOKEN,
        "saml-version",
        source=SAML11_VERSION,
    ),
    refused(
        "time-version-saml2-2-1",
        "time",
        edited(_set(".", Version="2.1")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "saml-version",
        source=SAML_CORE_VERSION,
    ),
    refused(
        "time-version-saml2-1-1",
        "time",
        edited(_set(".", Version="1.1")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "saml-version",
        source=SAML_CORE_VERSION,
    ),
    refused(
        "time-version-saml2-padded",
        "time",
        edited(_set(".", Version=" 2.0")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "saml-version",
        source=SAML_CORE_VERSION,
    ),
    refused(
        "time-version-saml2-missing",
        "time",
        edited(_set(".", Version=None)),
        FaultCode.INVALID_SECURITY_TOKEN,
        "saml-version",
        source=SAML_CORE_VERSION,
    ),
    # -- time: the message Timestamp, held to the Basic Security Profile ------------------------
    refused(
        "time-timestamp-created-utc-offset",
        "time",
        on_tree("saml2", _timestamp_texts("2026-05-01T12:00:00+00:00", None)),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_UTC,
    ),
    refused(
        # The same instant as NOW, written in another zone.
        "time-timestamp-created-other-zone",
        "time",
        on_tree("saml2", _timestamp_texts("2026-05-01T14:00:00.000+02:00", None)),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_UTC,
    ),
    refused(
        "time-timestamp-expires-utc-offset",
        "time",
        on_tree("saml2", _timestamp_texts(None, "2026-05-01T12:05:00.000+00:00")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_UTC,
    ),
    refused(
        "time-timestamp-expires-without-zone",
        "time",
        on_tree("saml2", _timestamp_texts(None, "2026-05-01T12:05:00.000")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_UTC,
    ),
    refused(
        "time-timestamp-created-offset-soap12",
        "time",
        on_tree("saml2-soap12", _timestamp_texts("2026-05-01T12:00:00-00:00", None)),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_UTC,
    ),
    refused(
        "time-timestamp-created-leading-space",
        "time",
        on_tree("saml2", _timestamp_texts(" 2026-05-01T12:00:00.000Z", None)),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_UTC,
    ),
    refused(
        "time-timestamp-expires-trailing-newline",
        "time",
        on_tree("saml2", _timestamp_texts(None, "2026-05-01T12:05:00.000Z\n")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_UTC,
    ),
    refused(
        "time-timestamp-created-empty",
        "time",
        on_tree("saml2", _timestamp_texts("", None)),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_UTC,
    ),
    refused(
        "time-timestamp-created-second-60",
        "time",
        on_tree("saml2", _timestamp_texts("2026-05-01T12:00:60Z", None)),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_SECONDS,
    ),
    refused(
        "time-timestamp-created-holds-element",
        "time",
        on_tree("saml2", _created_with_child("element")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_UTC,
    ),
    refused(
        # A reader that takes the first text node reads "2026-05-01T12:00:00", without a zone.
        "time-timestamp-created-split-by-comment",
        "time",
        on_tree("saml2", _created_with_child("comment")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_UTC,
    ),
    refused(
        "time-timestamp-created-value-type",
        "time",
        on_tree("saml2", _timestamp_value_type("Created")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_VALUE_TYPE,
    ),
    refused(
        "time-timestamp-expires-value-type",
        "time",
        on_tree("saml2", _timestamp_value_type("Expires")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_VALUE_TYPE,
    ),
    refused(
        "time-timestamp-expires-equals-created",
        "time",
        on_tree("saml2", _timestamp_texts("2026-05-01T12:00:00.000Z", "2026-05-01T12:00:00.000Z")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=WSS_TIMESTAMP_ORDER,
    ),
    refused(
        "time-timestamp-expires-before-created-element",
        "time",
        on_tree("saml2", _timestamp_children("Expires", "Created")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_CHILDREN,
    ),
    refused(
        "time-timestamp-two-expires",
        "time",
        on_tree("saml2", _timestamp_children("Created", "Expires", "Expires")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_CHILDREN,
    ),
    refused(
        "time-timestamp-only-expires",
        "time",
        on_tree("saml2", _timestamp_children("Expires")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_CHILDREN,
    ),
    refused(
        "time-timestamp-empty",
        "time",
        on_tree("saml2", _timestamp_children()),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_CHILDREN,
    ),
    refused(
        "time-timestamp-unknown-child",
        "time",
        on_tree("saml2", _timestamp_children("Created", "Expires", f"{{{EXAMPLE}}}Hint")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=BSP_TIMESTAMP_CHILDREN,
    ),
    inert(
        "time-timestamp-without-expires",
        "time",
        on_tree("saml2", _drop_expires),
        source=BSP_TIMESTAMP_CHILDREN,
    ),
    inert(
        "time-timestamp-whole-seconds",
        "time",
        on_tree("saml2", _timestamp_texts("2026-05-01T12:00:00Z", "2026-05-01T12:05:00Z")),
        source=BSP_TIMESTAMP_UTC,
    ),
    inert(
        "time-timestamp-microseconds",
        "time",
        on_tree("saml2", _timestamp_texts("2026-05-01T12:00:00.123456Z", "2026-05-01T12:05:00.654321Z")),
        source=BSP_TIMESTAMP_PRECISION,
    ),
    # -- confirmation: when the subject may be confirmed ----------------------------------------
    refused(
        "conf-not-yet-valid",
        "confirmation",
        edited(_confirmation(NotBefore="2026-05-01T12:10:00Z")),
        FaultCode.FAILED_AUTHENTICATION,
        "not-yet-valid",
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    refused(
        "conf-not-yet-valid-beyond-skew",
        "confirmation",
        edited(_confirmation(NotBefore="2026-05-01T12:05:01Z")),
        FaultCode.FAILED_AUTHENTICATION,
        "not-yet-valid",
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    inert(
        "conf-not-before-within-skew",
        "confirmation",
        edited(_confirmation(NotBefore="2026-05-01T12:05:00Z")),
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    inert(
        "conf-not-before-past",
        "confirmation",
        edited(_confirmation(NotBefore="2026-05-01T11:55:00Z")),
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    refused(
        "conf-not-yet-valid-hok",
        "confirmation",
        _holder_of_key(_confirmation(NotBefore="2026-05-01T12:10:00Z")),
        FaultCode.FAILED_AUTHENTICATION,
        "not-yet-valid",
        source=SAML_CORE_KEY_INFO_DATA,
    ),
    refused(
        "conf-expired-at-skew",
        "confirmation",
        edited(_confirmation(NotOnOrAfter="2026-05-01T11:55:00Z")),
        FaultCode.FAILED_AUTHENTICATION,
        "expired",
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    inert(
        "conf-expiring-within-skew",
        "confirmation",
        edited(_confirmation(NotOnOrAfter="2026-05-01T11:55:01Z")),
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    refused(
        "conf-expired-hok",
        "confirmation",
        _holder_of_key(_confirmation(NotOnOrAfter="2026-05-01T11:50:00Z")),
        FaultCode.FAILED_AUTHENTICATION,
        "expired",
        source=SAML_CORE_KEY_INFO_DATA,
    ),
    # -- confirmation: where it may be presented -------------------------------------------------
    refused(
        "conf-wrong-recipient",
        "confirmation",
        edited(_confirmation(Recipient=OTHER_RECIPIENT)),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-recipient",
        source=SAML_PROFILES_BEARER,
    ),
    refused(
        "conf-recipient-trailing-slash",
        "confirmation",
        edited(_confirmation(Recipient=TO_ADDRESS + "/")),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-recipient",
        source=SAML_PROFILES_BEARER,
    ),
    refused(
        "conf-recipient-other-case",
        "confirmation",
        edited(_confirmation(Recipient=TO_ADDRESS.replace("rp.example", "RP.example"))),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-recipient",
        source=SAML_PROFILES_BEARER,
    ),
    refused(
        "conf-recipient-padded",
        "confirmation",
        edited(_confirmation(Recipient=f" {TO_ADDRESS}")),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-recipient",
        source=SAML_PROFILES_BEARER,
    ),
    refused(
        "conf-recipient-empty",
        "confirmation",
        edited(_confirmation(Recipient="")),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-recipient",
        source=SAML_PROFILES_BEARER,
    ),
    inert(
        "conf-recipient-ours",
        "confirmation",
        edited(_confirmation(Recipient=TO_ADDRESS)),
        source=SAML_PROFILES_BEARER,
    ),
    refused(
        "conf-wrong-recipient-encrypted",
        "confirmation",
        _encrypted(_confirmation(Recipient=OTHER_RECIPIENT)),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-recipient",
        source=SAML_PROFILES_BEARER,
    ),
    refused(
        "conf-wrong-address",
        "confirmation",
        edited(_confirmation(Address="10.9.8.7")),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-address",
        source=SAML_PROFILES_BEARER,
    ),
    refused(
        "conf-address-not-an-address",
        "confirmation",
        edited(_confirmation(Address="not-an-ip-address")),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-address",
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    refused(
        # A name, not an address: checking it would mean trusting DNS.
        "conf-address-host-name",
        "confirmation",
        edited(_confirmation(Address="localhost")),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-address",
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    refused(
        "conf-address-padded",
        "confirmation",
        edited(_confirmation(Address=" 127.0.0.1")),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-address",
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    refused(
        # Some parsers read leading zeros as octal, others drop them: not an address to compare.
        "conf-address-leading-zeros",
        "confirmation",
        edited(_confirmation(Address="127.000.000.001")),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-address",
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    refused(
        "conf-address-ipv6-loopback",
        "confirmation",
        edited(_confirmation(Address="::1")),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-address",
        source=SAML_CORE_CONFIRMATION_DATA,
    ),
    inert(
        "conf-address-ours",
        "confirmation",
        edited(_confirmation(Address="127.0.0.1")),
        source=SAML_PROFILES_BEARER,
    ),
    refused(
        "conf-wrong-address-encrypted",
        "confirmation",
        _encrypted(_confirmation(Address="10.9.8.7")),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-address",
        source=SAML_PROFILES_BEARER,
    ),
    refused(
        "conf-wrong-recipient-hok",
        "confirmation",
        _holder_of_key(_confirmation(Recipient=OTHER_RECIPIENT)),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-recipient",
        source=SAML_CORE_KEY_INFO_DATA,
    ),
    refused(
        "conf-wrong-address-hok",
        "confirmation",
        _holder_of_key(_confirmation(Address="10.9.8.7")),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-address",
        source=SAML_CORE_KEY_INFO_DATA,
    ),
    inert(
        "conf-recipient-and-address-ours-hok",
        "confirmation",
        _holder_of_key(_confirmation(Recipient=TO_ADDRESS, Address="127.0.0.1")),
        source=SAML_CORE_KEY_INFO_DATA,
    ),
    # -- confirmation: no request was sent ------------------------------------------------------
    refused(
        "conf-in-response-to",
        "confirmation",
        edited(_confirmation(InResponseTo="_request-0123456789")),
        FaultCode.FAILED_AUTHENTICATION,
        "in-response-to",
        source=SAML_PROFILES_BEARER,
    ),
    refused(
        "conf-in-response-to-empty",
        "confirmation",
        edited(_confirmation(InResponseTo="")),
        FaultCode.FAILED_AUTHENTICATION,
        "in-response-to",
        source=SAML_PROFILES_BEARER,
    ),
    refused(
        "conf-in-response-to-hok",
        "confirmation",
        _holder_of_key(_confirmation(InResponseTo="_request-0123456789")),
        FaultCode.FAILED_AUTHENTICATION,
        "in-response-to",
        source=SAML_CORE_KEY_INFO_DATA,
    ),
    # -- confirmation: the method of the assertion's own version ----------------------------------
    refused(
        "conf-method-saml2-with-saml1-bearer",
        "confirmation",
        lambda world: [world.envelope(world.issue(confirmation_method=BEARER_V1))],
        FaultCode.FAILED_AUTHENTICATION,
        "confirmation-method",
        source=SAML_PROFILES_CONFIRMATION,
    ),
    refused(
        "conf-method-saml11-with-saml2-bearer",
        "confirmation",
        lambda world: [world.envelope(world.issue(SamlVersion.V1_1, confirmation_method=BEARER_V2))],
        FaultCode.FAILED_AUTHENTICATION,
        "confirmation-method",
        source=SAML_TOKEN_PROFILE,
    ),
    refused(
        "conf-method-saml2-with-saml1-holder-of-key",
        "confirmation",
        _holder_of_key(method=HOLDER_OF_KEY_V1),
        FaultCode.FAILED_AUTHENTICATION,
        "confirmation-method",
        source=SAML_PROFILES_CONFIRMATION,
    ),
    refused(
        "conf-method-saml11-with-saml2-holder-of-key",
        "confirmation",
        _holder_of_key(version=SamlVersion.V1_1, method=HOLDER_OF_KEY_V2),
        FaultCode.FAILED_AUTHENTICATION,
        "confirmation-method",
        source=SAML_TOKEN_PROFILE,
    ),
    inert(
        "conf-method-saml11-holder-of-key-own-urn",
        "confirmation",
        _holder_of_key(version=SamlVersion.V1_1, method=HOLDER_OF_KEY_V1),
        source=SAML_TOKEN_PROFILE,
    ),
    # -- soap-meaning: mustUnderstand is 0/1 (SOAP 1.1) or an xs:boolean (SOAP 1.2) ------------------
    refused(
        "soapm-must-understand-true-soap11",
        "soap-meaning",
        on_tree("saml2", _must_understand("true")),
        FaultCode.INVALID_SECURITY,
        "must-understand-value",
        source=WSI_MUST_UNDERSTAND,
    ),
    refused(
        "soapm-must-understand-yes-soap11",
        "soap-meaning",
        on_tree("saml2", _must_understand("yes")),
        FaultCode.INVALID_SECURITY,
        "must-understand-value",
        source=SOAP11_MUST_UNDERSTAND,
    ),
    refused(
        "soapm-must-understand-padded-soap11",
        "soap-meaning",
        on_tree("saml2", _must_understand(" 1")),
        FaultCode.INVALID_SECURITY,
        "must-understand-value",
        source=SOAP11_MUST_UNDERSTAND,
    ),
    refused(
        "soapm-must-understand-01-soap11",
        "soap-meaning",
        on_tree("saml2", _must_understand("01")),
        FaultCode.INVALID_SECURITY,
        "must-understand-value",
        source=SOAP11_MUST_UNDERSTAND,
    ),
    refused(
        "soapm-must-understand-empty-soap11",
        "soap-meaning",
        on_tree("saml2", _must_understand("")),
        FaultCode.INVALID_SECURITY,
        "must-understand-value",
        source=SOAP11_MUST_UNDERSTAND,
    ),
    refused(
        "soapm-must-understand-yes-on-other-header-soap11",
        "soap-meaning",
        on_tree("saml2", _must_understand("yes", block="other")),
        FaultCode.INVALID_SECURITY,
        "must-understand-value",
        source=SOAP11_MUST_UNDERSTAND,
    ),
    refused(
        "soapm-must-understand-upper-true-soap12",
        "soap-meaning",
        on_tree("saml2-soap12", _must_understand("TRUE")),
        FaultCode.INVALID_SECURITY,
        "must-understand-value",
        source=SOAP12_MUST_UNDERSTAND,
    ),
    refused(
        "soapm-must-understand-yes-soap12",
        "soap-meaning",
        on_tree("saml2-soap12", _must_understand("yes")),
        FaultCode.INVALID_SECURITY,
        "must-understand-value",
        source=SOAP12_MUST_UNDERSTAND,
    ),
    refused(
        "soapm-must-understand-padded-soap12",
        "soap-meaning",
        on_tree("saml2-soap12", _must_understand(" true")),
        FaultCode.INVALID_SECURITY,
        "must-understand-value",
        source=SOAP12_MUST_UNDERSTAND,
    ),
    refused(
        "soapm-must-understand-01-on-other-header-soap12",
        "soap-meaning",
        on_tree("saml2-soap12", _must_understand("01", block="other")),
        FaultCode.INVALID_SECURITY,
        "must-understand-value",
        source=SOAP12_MUST_UNDERSTAND,
    ),
    inert(
        # The baselines' Security header already carries mustUnderstand="1" (SOAP 1.1) and "true" (1.2).
        "soapm-must-understand-0-soap11",
        "soap-meaning",
        on_tree("saml2", _must_understand("0")),
        source=SOAP11_MUST_UNDERSTAND,
    ),
    inert(
        "soapm-must-understand-1-on-other-header-soap11",
        "soap-meaning",
        on_tree("saml2", _must_understand("1", block="other")),
        source=SOAP11_MUST_UNDERSTAND,
    ),
    inert(
        "soapm-must-understand-0-on-other-header-soap11",
        "soap-meaning",
        on_tree("saml2", _must_understand("0", block="other")),
        source=SOAP11_MUST_UNDERSTAND,
    ),
    inert(
        "soapm-must-understand-1-soap12",
        "soap-meaning",
        on_tree("saml2-soap12", _must_understand("1")),
        source=SOAP12_MUST_UNDERSTAND,
    ),
    inert(
        "soapm-must-understand-false-soap12",
        "soap-meaning",
        on_tree("saml2-soap12", _must_understand("false")),
        source=SOAP12_MUST_UNDERSTAND,
    ),
    inert(
        "soapm-must-understand-true-on-other-header-soap12",
        "soap-meaning",
        on_tree("saml2-soap12", _must_understand("true", block="other")),
        source=SOAP12_MUST_UNDERSTAND,
    ),
    inert(
        "soapm-must-understand-0-on-other-header-soap12",
        "soap-meaning",
        on_tree("saml2-soap12", _must_understand("0", block="other")),
        source=SOAP12_MUST_UNDERSTAND,
    ),
    inert(
        # Only the message's own SOAP namespace gives mustUnderstand a meaning.
        "soapm-other-versions-must-understand",
        "soap-meaning",
        on_tree("saml2", _foreign_must_understand),
        source=SOAP11_MUST_UNDERSTAND,
    ),
    # -- soap-meaning: SOAP-encoding references, which spyne resolves after we verify -------------
    refused(
        "soapm-href-dangling-in-body",
        "soap-meaning",
        on_tree("saml2", _add(body='<x:user href="#nowhere"/>')),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=SOAP11_REFERENCES,
    ),
    refused(
        # spyne would copy the header block's content into the call.
        "soapm-href-resolves-header-into-body",
        "soap-meaning",
        on_tree("saml2", _add(header='<x:Data id="d1"><x:user>admin</x:user></x:Data>', body='<x:user href="#d1"/>')),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=SOAP11_REFERENCES,
    ),
    refused(
        "soapm-href-on-the-call",
        "soap-meaning",
        on_tree("saml2", _href_on_call("#d1", header='<x:Data id="d1"/>')),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=SOAP11_REFERENCES,
    ),
    refused(
        "soapm-href-dangling-in-header",
        "soap-meaning",
        on_tree("saml2", _add(header='<x:Info href="#nowhere"/>')),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=SOAP11_REFERENCES,
    ),
    refused(
        "soapm-href-self-reference-in-header",
        "soap-meaning",
        on_tree("saml2", _add(header='<x:Loop id="x"><x:again href="#x"/></x:Loop>')),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=CWE_674,
    ),
    refused(
        # The reference from the call enters the loop: spyne would recurse without end.
        "soapm-href-into-self-reference",
        "soap-meaning",
        on_tree("saml2", _add(header='<x:Loop id="x"><x:again href="#x"/></x:Loop>', body='<x:user href="#x"/>')),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=CWE_674,
    ),
    refused(
        "soapm-href-two-element-cycle",
        "soap-meaning",
        on_tree(
            "saml2",
            _add(
                header='<x:A id="a"><x:next href="#b"/></x:A><x:B id="b"><x:next href="#a"/></x:B>',
                body='<x:user href="#a"/>',
            ),
        ),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=CWE_674,
    ),
    refused(
        "soapm-href-soap12",
        "soap-meaning",
        on_tree("saml2-soap12", _add(header='<x:Data id="d1">admin</x:Data>', body='<x:user href="#d1"/>')),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=SOAP11_REFERENCES,
    ),
    refused(
        "soapm-enc-ref-soap12",
        "soap-meaning",
        on_tree(
            "saml2-soap12",
            _add(header='<x:Data enc:id="d1">admin</x:Data>', body='<x:user enc:ref="d1"/>'),
        ),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=SOAP12_REFERENCES,
    ),
    refused(
        "soapm-enc-ref-dangling-soap12",
        "soap-meaning",
        on_tree("saml2-soap12", _add(body='<x:user enc:ref="nowhere"/>')),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=SOAP12_REFERENCES,
    ),
    refused(
        # spyne strips the '#' it expects, so a bare name resolves as well.
        "soapm-href-bare-name-with-id",
        "soap-meaning",
        on_tree("saml2", _add(header='<x:Data id="d1">admin</x:Data>', body='<x:user href="d1"/>')),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=SOAP11_REFERENCES,
    ),
    refused(
        # Once any element has an id, spyne looks up every href: a URL is a lookup that fails.
        "soapm-href-url-with-id",
        "soap-meaning",
        on_tree("saml2", _add(header='<x:Data id="d1"/><x:Link href="https://example.test/doc"/>')),
        FaultCode.INVALID_SECURITY,
        "soap-encoding-reference",
        source=SOAP11_REFERENCES,
    ),
    inert(
        # No '#' and no unqualified id anywhere (the Timestamp's wsu:Id is qualified): spyne
        # resolves nothing, so this is an ordinary attribute.
        "soapm-href-url-without-id",
        "soap-meaning",
        on_tree("saml2", _add(header='<x:Link href="https://example.test/doc"/>')),
        source=SOAP11_REFERENCES,
    ),
    inert(
        # A namespaced href is no SOAP-encoding reference; spyne reads only the unqualified one.
        "soapm-id-with-namespaced-href",
        "soap-meaning",
        on_tree("saml2", _add(header='<x:Data id="d1"/><x:Link xlink:href="#d1"/>')),
        source=SOAP11_REFERENCES,
    ),
]
"""Every attack of the three classes, refused (or ignored) by the verifier and the handler alike."""
