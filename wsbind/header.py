"""Build the client's wsse:Security header: Timestamp first, then each token as issued."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from lxml import etree

from . import namespaces as ns
from .timestamp import build_timestamp
from .tokens import XmlSecurityToken

_MUST_UNDERSTAND = {ns.SOAP11: "1", ns.SOAP12: "true"}


def soap_namespace(envelope: etree._Element) -> str:
    namespace = etree.QName(envelope).namespace
    if namespace not in _MUST_UNDERSTAND or etree.QName(envelope).localname != "Envelope":
        raise ValueError(f"not a SOAP 1.1 or 1.2 envelope: {envelope.tag}")
    return namespace


def security_header(envelope: etree._Element) -> etree._Element:
    """The envelope's wsse:Security header, created (with mustUnderstand) if absent."""
    soap_ns = soap_namespace(envelope)
    header = envelope.find(f"{{{soap_ns}}}Header")
    if header is None:
        header = etree.Element(f"{{{soap_ns}}}Header")
        envelope.insert(0, header)
    security = header.find(f"{{{ns.WSSE}}}Security")
    if security is None:
        security = etree.SubElement(header, f"{{{ns.WSSE}}}Security", nsmap={"wsse": ns.WSSE})
    security.set(f"{{{soap_ns}}}mustUnderstand", _MUST_UNDERSTAND[soap_ns])
    return security


def apply_security_header(
    envelope: etree._Element,
    tokens: Sequence[XmlSecurityToken],
    *,
    now: datetime | None,
    timestamp_validity: timedelta,
) -> etree._Element:
    """Add a Timestamp (unless ``now`` is None) as the first child, then the tokens."""
    security = security_header(envelope)
    if now is not None and security.find(f"{{{ns.WSU}}}Timestamp") is None:
        security.insert(0, build_timestamp(now, timestamp_validity))
    for token in tokens:
        security.append(token.element())
    return security
