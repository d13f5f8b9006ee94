"""SOAP envelope structure and WS-Security faults, for SOAP 1.1 and 1.2.

``read_envelope`` refuses the shapes frameworks disagree about (two Headers, two Bodies,
elements after the Body, two Security headers for us), so what we verify is what the
framework will act on.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass

from lxml import etree

from wsbind.errors import FaultCode, SecurityVerificationError, WsBindTypeError, WsBindValueError
from wsbind.soap import namespaces as ns
from wsbind.soap.xmlread import element_children

SOAP_CONTENT_TYPES = {ns.SOAP11: "text/xml; charset=utf-8", ns.SOAP12: "application/soap+xml; charset=utf-8"}
_ULTIMATE_RECEIVER = {
    ns.SOAP11: ("actor", {None, "http://schemas.xmlsoap.org/soap/actor/next"}),
    ns.SOAP12: (
        "role",
        {
            None,
            "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver",
            "http://www.w3.org/2003/05/soap-envelope/role/next",
        },
    ),
}


@dataclass(frozen=True)
class Envelope:
    root: etree._Element
    soap_ns: str
    header: etree._Element | None
    body: etree._Element
    security: etree._Element | None


def _invalid(reason: str, detail: str) -> SecurityVerificationError:
    return SecurityVerificationError(FaultCode.INVALID_SECURITY, reason, detail)


def read_envelope(root: etree._Element) -> Envelope:
    soap_ns = etree.QName(root).namespace if isinstance(root.tag, str) else None
    if soap_ns not in (ns.SOAP11, ns.SOAP12) or etree.QName(root).localname != "Envelope":
        raise _invalid("not-soap", f"root element {root.tag!r}")
    assert soap_ns is not None
    children = element_children(root)
    names = [c.tag for c in children]
    header_tag, body_tag = f"{{{soap_ns}}}Header", f"{{{soap_ns}}}Body"
    if names not in ([body_tag], [header_tag, body_tag]):
        raise _invalid("envelope-structure", f"Envelope children {[etree.QName(n).localname for n in names]}")
    header = children[0] if len(children) == 2 else None
    body = children[-1]
    return Envelope(root, soap_ns, header, body, _security_for_us(header, soap_ns))


def _security_for_us(header: etree._Element | None, soap_ns: str) -> etree._Element | None:
    if header is None:
        return None
    attribute, targets_us = _ULTIMATE_RECEIVER[soap_ns]
    ours = [h for h in header if h.tag == f"{{{ns.WSSE}}}Security" and h.get(f"{{{soap_ns}}}{attribute}") in targets_us]
    if len(ours) > 1:
        raise _invalid("duplicate-security-header", f"{len(ours)} wsse:Security headers target this node")
    return ours[0] if ours else None


_MUST_UNDERSTAND_VALUES = {ns.SOAP11: frozenset({"0", "1"}), ns.SOAP12: frozenset({"true", "false", "0", "1"})}
"""The lexical values each SOAP version defines for mustUnderstand (1.1 section 4.2.3; 1.2 part 1, 5.2.3)."""
_SOAP12_ENCODING = "http://www.w3.org/2003/05/soap-encoding"
_REFERENCE = etree.XPath(
    "(//@href[starts-with(., '#')] | //@enc:ref)[1]/..", namespaces={"enc": _SOAP12_ENCODING}, smart_strings=False
)
_ANY_HREF = etree.XPath("(//@href)[1]/..", smart_strings=False)
_ANY_ID = etree.XPath("boolean(//@id)")
"""spyne resolves every href once any element has an unqualified id (each XPath is one linear pass)."""


def check_processing_attributes(envelope: Envelope) -> None:
    """Refuse what would make the framework act on another message than the one verified.

    A mustUnderstand that is neither true nor false means something else to every reader;
    SOAP-encoding references (``href="#..."``, SOAP 1.2 ``enc:ref``, and any ``href`` once an
    element has an ``id``) are resolved by spyne after we verify, copying one element over
    another (and recursing without end on a cycle); dangling or not, they are refused.
    """
    if envelope.header is not None:
        attribute, allowed = f"{{{envelope.soap_ns}}}mustUnderstand", _MUST_UNDERSTAND_VALUES[envelope.soap_ns]
        for block in envelope.header.iterchildren(tag=etree.Element):
            value = block.get(attribute)
            if value is not None and value not in allowed:
                raise _invalid("must-understand-value", f"mustUnderstand={value[:20]!r} on {block.tag}")
    found = _REFERENCE(envelope.root) or (_ANY_ID(envelope.root) and _ANY_HREF(envelope.root))
    if isinstance(found, list) and found:
        raise _invalid("soap-encoding-reference", f"{getattr(found[0], 'tag', '?')} holds an href or enc:ref")


def addressing_to(envelope: Envelope) -> etree._Element | None:
    """The message's one WS-Addressing To header, if any (two are refused): what proofs must sign."""
    if envelope.header is None:
        return None
    found = envelope.header.findall(f"{{{ns.WSA}}}To")
    if len(found) > 1:
        raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "several-to-headers", "")
    return found[0] if found else None


def soap_namespace_for_content_type(content_type: str | None) -> str:
    """SOAP 1.2 travels as application/soap+xml; everything else is answered as SOAP 1.1."""
    return ns.SOAP12 if content_type and "application/soap+xml" in content_type.lower() else ns.SOAP11


_MUST_UNDERSTAND = {ns.SOAP11: "1", ns.SOAP12: "true"}


def build_envelope(
    soap_ns: str,
    body_child: etree._Element,
    *,
    action: str | None,
    to: str | None,
    message_id: bool = True,
    relates_to: str | None = None,
) -> etree._Element:
    """The one envelope writer: a SOAP envelope around a copy of ``body_child`` with WS-Addressing
    2005/08 headers, for a request (``to``, a fresh MessageID) or an answer (``relates_to``).

    Action and To carry mustUnderstand (a receiver that ignores them could act on a message
    meant for another operation or endpoint); MessageID lets the peer correlate its reply. The
    Header is always present, even empty, so a security header can be added later.
    """
    if soap_ns not in _MUST_UNDERSTAND:
        raise WsBindValueError(f"soap_ns must be the SOAP 1.1 or 1.2 namespace, not {soap_ns!r}")
    if not isinstance(body_child, etree._Element):
        raise WsBindTypeError("body_child must be an lxml element")
    envelope = etree.Element(f"{{{soap_ns}}}Envelope", nsmap={"s": soap_ns, "a": ns.WSA})
    header = etree.SubElement(envelope, f"{{{soap_ns}}}Header")
    if action is not None:
        element = etree.SubElement(header, f"{{{ns.WSA}}}Action")
        element.set(f"{{{soap_ns}}}mustUnderstand", _MUST_UNDERSTAND[soap_ns])
        element.text = action
    if message_id:
        etree.SubElement(header, f"{{{ns.WSA}}}MessageID").text = f"urn:uuid:{uuid.uuid4()}"
    if to is not None:
        element = etree.SubElement(header, f"{{{ns.WSA}}}To")
        element.set(f"{{{soap_ns}}}mustUnderstand", _MUST_UNDERSTAND[soap_ns])
        element.text = to
    if relates_to is not None:
        etree.SubElement(header, f"{{{ns.WSA}}}RelatesTo").text = relates_to
    body = etree.SubElement(envelope, f"{{{soap_ns}}}Body")
    child = copy.deepcopy(body_child)  # a copy: the caller's element stays where it was
    child.tail = None
    body.append(child)
    return envelope
