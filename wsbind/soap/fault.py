"""The one SOAP fault writer: a WS-Security or WS-Trust fault code and its generic message, nothing else.

A refusal tells the peer only which class of failure occurred (the code, with the fixed text its
specification gives it); what went wrong in detail goes to our log. SOAP 1.2 puts ``s:Sender``
in Code/Value and the security code in Subcode/Value, with an English Reason/Text: that is where
WCF and MSAL read it.
"""

from __future__ import annotations

from lxml import etree

from wsbind.errors import FaultCode, TrustFaultCode, WsBindValueError
from wsbind.soap import namespaces as ns


def build_fault(soap_ns: str, code: FaultCode | TrustFaultCode, *, trust_namespace: str | None = None) -> bytes:
    """A whole SOAP 1.1 or 1.2 envelope carrying ``code``.

    A :class:`~wsbind.errors.FaultCode` is written in the wsse namespace; a
    :class:`~wsbind.errors.TrustFaultCode` in ``trust_namespace``, the WS-Trust version of the
    request it answers (required for those, refused for the others).
    """
    if soap_ns not in (ns.SOAP11, ns.SOAP12):
        raise WsBindValueError(f"soap_ns must be the SOAP 1.1 or 1.2 namespace, not {soap_ns!r}")
    if isinstance(code, TrustFaultCode):
        if not trust_namespace:
            raise WsBindValueError("a WS-Trust fault code needs trust_namespace: the request's WS-Trust namespace")
        prefix, code_ns = "wst", trust_namespace
    else:
        if trust_namespace is not None:
            raise WsBindValueError("trust_namespace goes with a TrustFaultCode only")
        prefix, code_ns = "wsse", ns.WSSE
        code = FaultCode(code)
    envelope = etree.Element(f"{{{soap_ns}}}Envelope", nsmap={"s": soap_ns, prefix: code_ns})
    fault = etree.SubElement(etree.SubElement(envelope, f"{{{soap_ns}}}Body"), f"{{{soap_ns}}}Fault")
    if soap_ns == ns.SOAP11:
        etree.SubElement(fault, "faultcode").text = f"{prefix}:{code.value}"
        etree.SubElement(fault, "faultstring").text = code.generic_message
    else:
        code_element = etree.SubElement(fault, f"{{{soap_ns}}}Code")
        etree.SubElement(code_element, f"{{{soap_ns}}}Value").text = "s:Sender"
        subcode = etree.SubElement(code_element, f"{{{soap_ns}}}Subcode")
        etree.SubElement(subcode, f"{{{soap_ns}}}Value").text = f"{prefix}:{code.value}"
        text = etree.SubElement(etree.SubElement(fault, f"{{{soap_ns}}}Reason"), f"{{{soap_ns}}}Text")
        text.set(f"{{{ns.XML}}}lang", "en")
        text.text = code.generic_message
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
