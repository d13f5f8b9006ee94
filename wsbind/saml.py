"""SamlAssertion: a read-only view of a validated SAML 1.1 or 2.0 assertion.

Reading is separate from validating: ``read_assertion`` only extracts fields and refuses
shapes it cannot read unambiguously; the authenticator decides whether to trust them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NoReturn

from cryptography import x509
from lxml import etree

from . import namespaces as ns
from .timeutil import parse_xs_datetime


class SamlFormatError(ValueError):
    """The element is not a SAML assertion we can read unambiguously."""


@dataclass(frozen=True)
class SamlAssertion:
    """What the service method sees (MessageProperty.SAML_ASSERTION)."""

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

    @property
    def xml(self) -> bytes:
        """The assertion element serialized on its own, with the namespaces it uses."""
        return etree.tostring(self.element)


def is_assertion(element: etree._Element) -> bool:
    return element.tag in (f"{{{ns.SAML2}}}Assertion", f"{{{ns.SAML1}}}Assertion")


def assertion_id(element: etree._Element) -> str:
    """The ID the assertion's signature must reference (ID in 2.0, AssertionID in 1.1)."""
    name = "ID" if element.tag == f"{{{ns.SAML2}}}Assertion" else "AssertionID"
    value = element.get(name)
    if not value:
        raise SamlFormatError(f"assertion has no {name}")
    return value


XML_SPACE = " \t\r\n"
"""What XML counts as white space: str.strip() alone would also eat NBSP, NEL and U+2028."""


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return (element.text or "").strip(XML_SPACE)


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


def read_assertion(element: etree._Element, signing_certificate: x509.Certificate | None = None) -> SamlAssertion:
    """Extract the fields of a SAML 1.1 or 2.0 assertion element."""
    if element.tag == f"{{{ns.SAML2}}}Assertion":
        return _read_saml2(element, signing_certificate)
    if element.tag == f"{{{ns.SAML1}}}Assertion":
        return _read_saml11(element, signing_certificate)
    raise SamlFormatError(f"not a SAML assertion: {element.tag}")


def _read_saml2(a: etree._Element, cert: x509.Certificate | None) -> SamlAssertion:
    s = f"{{{ns.SAML2}}}"
    if a.get("Version") != "2.0":
        raise SamlFormatError("SAML 2.0 assertion without Version='2.0'")
    issuer = _text(_one(a, f"{s}Issuer", required=True)) or ""
    subject = _one(a, f"{s}Subject")
    name_id = _one(subject, f"{s}NameID") if subject is not None else None
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
        subject_name_id=_text(name_id),
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
    )


def _read_saml11(a: etree._Element, cert: x509.Certificate | None) -> SamlAssertion:
    s = f"{{{ns.SAML1}}}"
    if a.get("MajorVersion") != "1" or a.get("MinorVersion") not in ("0", "1"):
        raise SamlFormatError("SAML 1.x assertion with an unknown MajorVersion/MinorVersion")
    subjects = list(a.iterdescendants(f"{s}Subject"))
    identifiers = {(_text(x), x.get("Format")) for sub in subjects for x in sub.iterchildren(f"{s}NameIdentifier")}
    if len(identifiers) > 1:
        raise SamlFormatError("statements name different subjects")
    name_id, name_format = next(iter(identifiers)) if identifiers else (None, None)
    confirmations = [c for sub in subjects for c in sub.iterchildren(f"{s}SubjectConfirmation")]
    methods = {_text(m) for c in confirmations for m in c.iterchildren(f"{s}ConfirmationMethod")}
    if len(methods) > 1:
        raise SamlFormatError("more than one confirmation method")
    key_infos = [k for c in confirmations for k in c.iterchildren(f"{{{ns.DS}}}KeyInfo")]
    if len({etree.tostring(k, method="c14n", exclusive=True) for k in key_infos}) > 1:
        raise SamlFormatError("statements name different confirmation keys")
    conditions = _one(a, f"{s}Conditions")
    return SamlAssertion(
        version="1.1",
        id=assertion_id(a),
        issuer=a.get("Issuer") or _missing("Issuer"),
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


def _audiences(conditions: etree._Element | None, restriction_tag: str, audience_tag: str) -> tuple[str, ...]:
    if conditions is None:
        return ()
    return tuple(
        _text(x) or "" for r in conditions.iterchildren(restriction_tag) for x in r.iterchildren(audience_tag)
    )


class _Attributes(Mapping[str, tuple[str, ...]]):
    """Attribute name -> values, read from the assertion when first asked for.

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
                    values = tuple((v.text or "").strip(XML_SPACE) for v in attribute.iterchildren(value_tag))
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
    if element.tag == f"{{{ns.SAML2}}}Assertion":
        return _Attributes(element, f"{{{ns.SAML2}}}", "Name")
    return _Attributes(element, f"{{{ns.SAML1}}}", "AttributeName")


def _missing(what: str) -> NoReturn:
    raise SamlFormatError(f"missing {what}")
