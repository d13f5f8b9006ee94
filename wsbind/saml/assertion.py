"""SamlAssertion: a read-only view of a validated SAML 1.1 or 2.0 assertion.

Reading is separate from validating: ``read_assertion`` only extracts fields and refuses
shapes it cannot read unambiguously; the authenticator decides whether to trust them.

Every name is reported exactly as signed, never trimmed or folded: two signed identities that
differ only in white space are two identities. Identifiers (Issuer, NameID) that could be
mistaken for another, because they are padded with white space or hold control characters,
are refused instead (``check_identifier``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NoReturn

from cryptography import x509
from lxml import etree

from wsbind.errors import WsBindError
from wsbind.soap import namespaces as ns
from wsbind.soap.timeutil import parse_xs_datetime

_S2 = f"{{{ns.SAML2}}}"
_S1 = f"{{{ns.SAML1}}}"
_ENCRYPTED_ID = f"{_S2}EncryptedID"


class SamlFormatError(WsBindError, ValueError):
    """The element is not a SAML assertion we can read unambiguously.

    ``reason`` is the refusal reason the authenticator reports (``malformed-assertion`` unless
    the problem has a more telling name, such as ``identifier`` or ``saml-version``).
    """

    def __init__(self, message: str, reason: str = "malformed-assertion") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class SamlAssertion:
    """What the service method sees (MessageProperty.SAML_ASSERTION).

    ``issuer`` is the name the signature was verified for (see CertSignedSamlAuthenticator),
    and it, ``subject_name_id``, the audiences and the attributes are exactly as signed.
    ``subject_name_id`` is None only when the authenticator allows a subject without a NameID
    (``require_subject=False``).
    """

    version: str
    id: str
    issuer: str
    issue_instant: datetime
    subject_name_id: str | None
    subject_name_format: str | None
    confirmation_method: str | None
    not_before: datetime | None
    not_on_or_after: datetime | None
    audiences: tuple[str, ...]
    attributes: Mapping[str, tuple[str, ...]]
    element: etree._Element = field(repr=False, compare=False)
    signing_certificate: x509.Certificate | None = field(default=None, repr=False, compare=False)
    confirmation_not_on_or_after: datetime | None = field(default=None, repr=False)
    one_time_use: bool = False
    confirmation_key_info: etree._Element | None = field(default=None, repr=False, compare=False)
    """The holder-of-key ds:KeyInfo of the subject confirmation (the proof key), if any."""
    confirmation_not_before: datetime | None = field(default=None, repr=False)
    confirmation_recipient: str | None = field(default=None, repr=False)
    confirmation_address: str | None = field(default=None, repr=False)
    confirmation_in_response_to: str | None = field(default=None, repr=False)
    """SubjectConfirmationData's NotBefore, Recipient, Address and InResponseTo (SAML 2.0)."""
    encrypted_subject: etree._Element | None = field(default=None, repr=False, compare=False)
    """The Subject's saml2:EncryptedID, until the authenticator has decrypted it."""

    @property
    def xml(self) -> bytes:
        """The assertion element serialized on its own, with the namespaces it uses."""
        return etree.tostring(self.element)


def is_assertion(element: etree._Element) -> bool:
    return element.tag in (f"{_S2}Assertion", f"{_S1}Assertion")


def assertion_id(element: etree._Element) -> str:
    """The ID the assertion's signature must reference (ID in 2.0, AssertionID in 1.1)."""
    name = "ID" if element.tag == f"{_S2}Assertion" else "AssertionID"
    value = element.get(name)
    if not value:
        raise SamlFormatError(f"assertion has no {name}")
    return value


def check_identifier(value: str, what: str) -> str:
    """``value`` if it can name only one thing: not empty, no white space at either end, no
    control or invisible format characters anywhere (a signed ``" alice"`` or ``"alice\\u200b"``
    would otherwise pass for ``alice`` wherever names are compared after trimming or displayed)."""
    if value.isascii() and value.isprintable() and value and value[0] != " " and value[-1] != " ":
        return value  # the common case, without a look at each character
    if not value:
        raise SamlFormatError(f"{what} is empty", "identifier")
    if value != value.strip():
        raise SamlFormatError(f"{what} {value!r} has white space at an end", "identifier")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        raise SamlFormatError(f"{what} {value!r} holds a control or format character", "identifier")
    return value


def _text_only(element: etree._Element, what: str) -> str:
    """The text of an element that may hold nothing else (mixed content would be read in part)."""
    if len(element):
        raise SamlFormatError(f"{what} holds elements or comments, not just text")
    return element.text or ""


def _one(parent: etree._Element, tag: str, required: bool = False) -> etree._Element | None:
    """The one child with this tag, or None (iterchildren filters in C: reading is on every request)."""
    found = list(parent.iterchildren(tag))
    if len(found) > 1:
        raise SamlFormatError(f"more than one {tag}")
    if required and not found:
        raise SamlFormatError(f"missing {tag}")
    return found[0] if found else None


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_xs_datetime(value)
    except ValueError as exc:
        raise SamlFormatError(str(exc)) from None


def issuer_of(element: etree._Element) -> str:
    """The assertion's Issuer exactly as written, refused if it is not a clean identifier."""
    if element.tag == f"{_S2}Assertion":
        issuer = _one(element, f"{_S2}Issuer", required=True)
        assert issuer is not None
        return check_identifier(_text_only(issuer, "Issuer"), "Issuer")
    value = element.get("Issuer")
    if value is None:
        _missing("Issuer")
    return check_identifier(value, "Issuer")


def read_assertion(element: etree._Element, signing_certificate: x509.Certificate | None = None) -> SamlAssertion:
    """Extract the fields of a SAML 1.1 or 2.0 assertion element."""
    if element.tag == f"{_S2}Assertion":
        return _read_saml2(element, signing_certificate)
    if element.tag == f"{_S1}Assertion":
        return _read_saml11(element, signing_certificate)
    raise SamlFormatError(f"not a SAML assertion: {element.tag}")


_STATEMENTS_V1 = tuple(
    f"{_S1}{name}"
    for name in ("AuthenticationStatement", "AttributeStatement", "AuthorizationDecisionStatement", "SubjectStatement")
)
_SUBJECT_IDS_V2 = (f"{_S2}NameID", f"{_S2}BaseID", _ENCRYPTED_ID)


def _read_saml2(a: etree._Element, cert: x509.Certificate | None) -> SamlAssertion:
    s = _S2
    if a.get("Version") != "2.0":
        raise SamlFormatError(f"SAML 2.0 assertion with Version {a.get('Version')!r}", "saml-version")
    issuer = issuer_of(a)
    subject = _one(a, f"{s}Subject")
    identifiers = list(subject.iterchildren(*_SUBJECT_IDS_V2)) if subject is not None else []
    if len(identifiers) > 1:
        raise SamlFormatError("the Subject holds more than one identifier")
    identifier = identifiers[0] if identifiers else None
    name_id = identifier if identifier is not None and identifier.tag == f"{s}NameID" else None
    confirmations = list(subject.iterchildren(f"{s}SubjectConfirmation")) if subject is not None else []
    if len(confirmations) > 1:
        raise SamlFormatError("more than one SubjectConfirmation")
    method = confirmations[0].get("Method") if confirmations else None
    data = _one(confirmations[0], f"{s}SubjectConfirmationData") if confirmations else None
    key_info = _one(data, f"{{{ns.DS}}}KeyInfo") if data is not None else None
    conditions = _one(a, f"{s}Conditions")
    one_time_use = conditions is not None and next(conditions.iterchildren(f"{s}OneTimeUse"), None) is not None
    return SamlAssertion(
        version="2.0",
        id=assertion_id(a),
        issuer=issuer,
        issue_instant=_time(a.get("IssueInstant")) or _missing("IssueInstant"),
        subject_name_id=read_name_id(name_id) if name_id is not None else None,
        subject_name_format=name_id.get("Format") if name_id is not None else None,
        confirmation_method=method,
        not_before=_time(conditions.get("NotBefore")) if conditions is not None else None,
        not_on_or_after=_time(conditions.get("NotOnOrAfter")) if conditions is not None else None,
        audiences=_audiences(conditions, f"{s}AudienceRestriction", f"{s}Audience"),
        attributes=_Attributes(a, s, "Name"),
        element=a,
        signing_certificate=cert,
        confirmation_not_on_or_after=_time(data.get("NotOnOrAfter")) if data is not None else None,
        one_time_use=one_time_use,
        confirmation_key_info=key_info,
        confirmation_not_before=_time(data.get("NotBefore")) if data is not None else None,
        confirmation_recipient=data.get("Recipient") if data is not None else None,
        confirmation_address=data.get("Address") if data is not None else None,
        confirmation_in_response_to=data.get("InResponseTo") if data is not None else None,
        encrypted_subject=identifier if identifier is not None and identifier.tag == _ENCRYPTED_ID else None,
    )


def read_name_id(element: etree._Element) -> str:
    """A NameID's (or SAML 1.1 NameIdentifier's) value, refused unless it is a clean identifier."""
    return check_identifier(_text_only(element, "NameID"), "NameID")


def _read_saml11(a: etree._Element, cert: x509.Certificate | None) -> SamlAssertion:
    s = _S1
    if a.get("MajorVersion") != "1" or a.get("MinorVersion") != "1":
        version = f"{a.get('MajorVersion')}.{a.get('MinorVersion')}"
        raise SamlFormatError(f"SAML {version} assertion: only 1.1 and 2.0 are accepted", "saml-version")
    # Only the Subject of a statement of this assertion: one inside Advice or an attribute value
    # is about something else.
    subjects = [sub for st in a.iterchildren(*_STATEMENTS_V1) for sub in st.iterchildren(f"{s}Subject")]
    identifiers = {
        (read_name_id(x), x.get("Format")) for sub in subjects for x in sub.iterchildren(f"{s}NameIdentifier")
    }
    if len(identifiers) > 1:
        raise SamlFormatError("statements name different subjects")
    name_id, name_format = next(iter(identifiers)) if identifiers else (None, None)
    confirmations = [c for sub in subjects for c in sub.iterchildren(f"{s}SubjectConfirmation")]
    methods = {
        _text_only(m, "ConfirmationMethod") for c in confirmations for m in c.iterchildren(f"{s}ConfirmationMethod")
    }
    if len(methods) > 1:
        raise SamlFormatError("more than one confirmation method")
    key_infos = [k for c in confirmations for k in c.iterchildren(f"{{{ns.DS}}}KeyInfo")]
    if len({etree.tostring(k, method="c14n", exclusive=True) for k in key_infos}) > 1:
        raise SamlFormatError("statements name different confirmation keys")
    conditions = _one(a, f"{s}Conditions")
    return SamlAssertion(
        version="1.1",
        id=assertion_id(a),
        issuer=issuer_of(a),
        issue_instant=_time(a.get("IssueInstant")) or _missing("IssueInstant"),
        subject_name_id=name_id,
        subject_name_format=name_format,
        confirmation_method=next(iter(methods)) if methods else None,
        not_before=_time(conditions.get("NotBefore")) if conditions is not None else None,
        not_on_or_after=_time(conditions.get("NotOnOrAfter")) if conditions is not None else None,
        audiences=_audiences(conditions, f"{s}AudienceRestrictionCondition", f"{s}Audience"),
        attributes=_Attributes(a, s, "AttributeName"),
        element=a,
        signing_certificate=cert,
        confirmation_key_info=key_infos[0] if key_infos else None,
    )


def audience_text(audience: etree._Element) -> str:
    """An Audience URI exactly as signed (compared exactly: no trimming, no case folding)."""
    return _text_only(audience, "Audience")


def _audiences(conditions: etree._Element | None, restriction_tag: str, audience_tag: str) -> tuple[str, ...]:
    if conditions is None:
        return ()
    return tuple(
        audience_text(x) for r in conditions.iterchildren(restriction_tag) for x in r.iterchildren(audience_tag)
    )


class _Attributes(Mapping[str, tuple[str, ...]]):
    """Attribute name -> values, exactly as signed, read from the assertion when first asked for.

    Reading attribute values is most of the cost of reading an assertion, no check depends on
    them, and many services never look; so they are read on first use (then kept).
    Repeated Attribute elements of one name are merged.
    """

    def __init__(self, assertion: etree._Element, s: str, name_attribute: str) -> None:
        self._source: tuple[etree._Element, str, str] | None = (assertion, s, name_attribute)
        self._values: dict[str, tuple[str, ...]] = {}

    def _read(self) -> dict[str, tuple[str, ...]]:
        source = self._source
        if source is not None:  # two threads may both read: each builds its own dict, the same one
            a, s, name_attribute = source
            read: dict[str, tuple[str, ...]] = {}
            value_tag = f"{s}AttributeValue"
            for statement in a.iterchildren(f"{s}AttributeStatement"):
                for attribute in statement.iterchildren(f"{s}Attribute"):
                    name = attribute.get(name_attribute) or ""
                    values = tuple(v.text or "" for v in attribute.iterchildren(value_tag))
                    read[name] = read.get(name, ()) + values
            self._values, self._source = read, None
        return self._values

    def __getitem__(self, name: str) -> tuple[str, ...]:
        return self._read()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def __repr__(self) -> str:
        return repr(self._read())


def attributes_of(element: etree._Element) -> Mapping[str, tuple[str, ...]]:
    """The attributes of an assertion element, read on first use."""
    if element.tag == f"{_S2}Assertion":
        return _Attributes(element, _S2, "Name")
    return _Attributes(element, _S1, "AttributeName")


def _missing(what: str) -> NoReturn:
    raise SamlFormatError(f"missing {what}")
