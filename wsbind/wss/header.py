"""Build the client's wsse:Security header: Timestamp first, then each token as issued."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta

from lxml import etree

from wsbind.errors import WsBindValueError
from wsbind.soap import namespaces as ns
from wsbind.wss.timestamp import build_timestamp, fill_timestamp, timestamp_template
from wsbind.wss.tokens import XmlSecurityToken

_MUST_UNDERSTAND = {ns.SOAP11: "1", ns.SOAP12: "true"}
_ENVELOPE_NAMESPACES = {f"{{{namespace}}}Envelope": namespace for namespace in _MUST_UNDERSTAND}
_HEADER_TAGS = {namespace: f"{{{namespace}}}Header" for namespace in _MUST_UNDERSTAND}
_MUST_UNDERSTAND_ATTRIBUTES = {namespace: f"{{{namespace}}}mustUnderstand" for namespace in _MUST_UNDERSTAND}
_SECURITY = f"{{{ns.WSSE}}}Security"
_TIMESTAMP = f"{{{ns.WSU}}}Timestamp"
_WSSE_NSMAP = {"wsse": ns.WSSE}


def soap_namespace(envelope: etree._Element) -> str:
    tag = envelope.tag
    namespace = _ENVELOPE_NAMESPACES.get(tag) if isinstance(tag, str) else None
    if namespace is None:
        raise WsBindValueError(f"not a SOAP 1.1 or 1.2 envelope: {tag}")
    return namespace


def security_header(envelope: etree._Element) -> etree._Element:
    """The envelope's wsse:Security header, created (with mustUnderstand) if absent."""
    soap_ns = soap_namespace(envelope)
    header_tag = _HEADER_TAGS[soap_ns]
    header = envelope.find(header_tag)
    if header is None:
        header = etree.Element(header_tag)
        envelope.insert(0, header)
    security = header.find(_SECURITY)
    if security is None:
        security = etree.SubElement(header, _SECURITY, nsmap=_WSSE_NSMAP)
    security.set(_MUST_UNDERSTAND_ATTRIBUTES[soap_ns], _MUST_UNDERSTAND[soap_ns])
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
    if now is not None and security.find(_TIMESTAMP) is None:
        security.insert(0, build_timestamp(now, timestamp_validity))
    for token in tokens:
        security.append(token.element())
    return security


class SecurityHeaderTemplate:
    """wsse:Security holding a Timestamp slot and fixed tokens, built once, deep-copied per message.

    Copying one prebuilt subtree is cheaper than building the header, copying each token and
    inserting each piece. :meth:`apply` gives exactly the tree :func:`apply_security_header`
    would, or declines (returns None) when it might not: lxml drops the namespace declarations of
    an inserted element whose URIs the new parent already binds, and the long way inserts the
    Security header, the Timestamp and every token separately, the template only its top. So it
    applies only to envelopes without a Security header that bind none of the namespace URIs the
    Security header, the Timestamp or a token's root element declares (zeep's envelopes bind the
    SOAP namespace alone).
    """

    def __init__(self, tokens: Sequence[XmlSecurityToken], *, timestamp: bool) -> None:
        security = etree.Element(_SECURITY, nsmap=_WSSE_NSMAP)
        declared = {ns.WSSE}
        if timestamp:
            security.append(timestamp_template())
            declared.add(ns.WSU)
        for token in tokens:
            element = token.element()
            declared.update(element.nsmap.values())  # a root's own declarations, before it is inserted
            security.append(element)
        self._security = security
        self._timestamp = timestamp
        self._declared = frozenset(declared)

    def apply(
        self, envelope: etree._Element, *, now: datetime | None, timestamp_validity: timedelta
    ) -> etree._Element | None:
        """Add a copy to ``envelope`` and return its Security header, or None (nothing changed)."""
        if (now is not None) != self._timestamp:
            return None
        soap_ns = soap_namespace(envelope)
        header_tag = _HEADER_TAGS[soap_ns]
        header = envelope.find(header_tag)
        if header is not None and header.find(_SECURITY) is not None:
            return None
        in_scope = (envelope if header is None else header).nsmap.values()
        if not self._declared.isdisjoint(in_scope):
            return None
        if header is None:
            header = etree.Element(header_tag)
            envelope.insert(0, header)
        security = copy.deepcopy(self._security)
        header.append(security)
        security.set(_MUST_UNDERSTAND_ATTRIBUTES[soap_ns], _MUST_UNDERSTAND[soap_ns])
        if now is not None:
            fill_timestamp(security[0], now, timestamp_validity)
        return security
