"""The one XML parser wsbind uses on bytes from outside: no DTD, no entities, no network.

libxml2 expands nothing here, never reads a file or URL, and refuses documents larger or
deeper than the limits. A DOCTYPE of any kind is refused outright: SOAP 1.1 and 1.2 both forbid
it, and it is where entity attacks live.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree


@dataclass(frozen=True)
class ParseLimits:
    max_bytes: int = 1024 * 1024
    max_depth: int = 64


DEFAULT_LIMITS = ParseLimits()


class XmlRejected(ValueError):
    """The bytes are not XML we are willing to read; the message says why (for logs)."""


def _make_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
        strip_cdata=True,
        collect_ids=False,
    )


def parse_xml(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> etree._Element:
    """Parse untrusted bytes into an element tree, or raise XmlRejected."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_xml takes bytes")
    if len(data) > limits.max_bytes:
        raise XmlRejected(f"document of {len(data)} bytes exceeds the {limits.max_bytes} limit")
    try:
        root = etree.fromstring(bytes(data), parser=_make_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRejected(f"not well-formed XML: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None:  # set by any DOCTYPE, with or without a subset
        raise XmlRejected("a DOCTYPE is not allowed")
    _check_tree(root, limits.max_depth)
    return root


def _check_tree(root: etree._Element, max_depth: int) -> None:
    """Refuse entity references and excessive nesting (iteratively: no recursion limit)."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > max_depth:
            raise XmlRejected(f"nesting deeper than {max_depth}")
        for child in element:
            if isinstance(child, etree._Entity):
                raise XmlRejected("entity references are not allowed")
            stack.append((child, depth + 1))
