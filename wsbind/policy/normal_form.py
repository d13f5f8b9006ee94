"""WS-Policy's normal form: a policy expression as the list of its alternatives.

A policy is one choice among alternatives (``wsp:ExactlyOne``), each a set of assertions that must
all hold (``wsp:All``; ``wsp:Policy`` is an ``All``). ``wsp:Optional="true"`` on an assertion
stands for a choice between it and nothing, and ``wsp:PolicyReference`` for the policy it names in
the same document. Expanding all of that can grow exponentially, and references can loop, so both
are bounded: a document that exceeds the bounds is refused by name, never half-read. An
assertion's own nested ``wsp:Policy`` (e.g. inside ``sp:TransportBinding``) belongs to that
assertion and is left for its reader.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lxml import etree

from wsbind.errors import UnsupportedPolicy
from wsbind.soap.xmlread import element_children

WSP_12 = "http://schemas.xmlsoap.org/ws/2004/09/policy"
"""WS-Policy 1.2 (2004/09): WCF's and ADFS's."""
WSP_15 = "http://www.w3.org/ns/ws-policy"
"""WS-Policy 1.5 (W3C)."""
POLICY_NAMESPACES = (WSP_12, WSP_15)
MAX_ALTERNATIVES = 64
"""More alternatives than any real endpoint offers; past it a document is refused, not expanded."""
MAX_REFERENCE_DEPTH = 8

Alternative = tuple[etree._Element, ...]
"""One alternative: the assertions that must all hold, in document order."""
Resolver = Callable[[str], etree._Element]
"""Finds the wsp:Policy a PolicyReference URI names (``#id`` in the same document)."""


def _is(element: etree._Element, local_name: str) -> bool:
    qname = etree.QName(element)
    return qname.namespace in POLICY_NAMESPACES and qname.localname == local_name


def _optional(element: etree._Element) -> bool:
    names = [k for k in element.attrib if etree.QName(k).localname == "Optional"]
    value = next((str(element.get(k)) for k in names if etree.QName(k).namespace in POLICY_NAMESPACES), "false")
    if value.strip() not in ("true", "false", "1", "0"):
        raise UnsupportedPolicy(f"wsp:Optional={value[:20]!r} is not a boolean")
    return value.strip() in ("true", "1")


def _product(parts: Sequence[list[Alternative]]) -> list[Alternative]:
    combined: list[Alternative] = [()]
    for choices in parts:
        combined = [left + right for left in combined for right in choices]
        if len(combined) > MAX_ALTERNATIVES:
            raise UnsupportedPolicy(f"the policy expands to more than {MAX_ALTERNATIVES} alternatives")
    return combined


def alternatives(expression: etree._Element, resolve: Resolver, _depth: int = 0) -> list[Alternative]:
    """The alternatives of a ``wsp:Policy``, ``wsp:All`` or ``wsp:ExactlyOne`` (or of an assertion
    alone). An empty list means the policy can never be met; ``[()]`` that it asks nothing."""
    if _is(expression, "PolicyReference"):
        if _depth >= MAX_REFERENCE_DEPTH:
            raise UnsupportedPolicy("policy references nest too deep (a reference loop?)")
        return alternatives(resolve(expression.get("URI", "")), resolve, _depth + 1)
    if _is(expression, "ExactlyOne"):
        found: list[Alternative] = []
        for child in element_children(expression):
            found += alternatives(child, resolve, _depth)
            if len(found) > MAX_ALTERNATIVES:
                raise UnsupportedPolicy(f"the policy expands to more than {MAX_ALTERNATIVES} alternatives")
        return found
    if _is(expression, "All") or _is(expression, "Policy"):
        return _product([alternatives(child, resolve, _depth) for child in element_children(expression)])
    if etree.QName(expression).namespace in POLICY_NAMESPACES:
        raise UnsupportedPolicy(f"unknown WS-Policy operator {etree.QName(expression).localname!r}")
    return [(expression,), ()] if _optional(expression) else [(expression,)]


def same_document_resolver(document: etree._Element) -> Resolver:
    """Resolve ``#id`` against the wsp:Policy elements of ``document`` (wsu:Id, or wsp:Name's
    fragment); anything else, external URIs included, is refused: a policy is read from what the
    service sent, never fetched from elsewhere."""
    by_id: dict[str, etree._Element] = {}
    for policy in document.iter(*(f"{{{namespace}}}Policy" for namespace in POLICY_NAMESPACES)):
        for name, value in policy.attrib.items():
            local, text = etree.QName(name).localname, str(value)
            if local in ("Id", "Name") and text:
                by_id.setdefault(text.rsplit("#", 1)[-1] if local == "Name" else text, policy)

    def resolve(uri: str) -> etree._Element:
        if not uri.startswith("#") or len(uri) < 2:
            raise UnsupportedPolicy(f"policy reference {uri[:80]!r} is not a #id in this document")
        policy = by_id.get(uri[1:])
        if policy is None:
            raise UnsupportedPolicy(f"policy reference {uri[:80]!r} names no policy in this document")
        return policy

    return resolve
