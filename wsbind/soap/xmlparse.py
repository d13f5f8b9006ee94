"""The one XML parser wsbind uses on bytes from outside: no DTD, no entities, no network.

libxml2 expands nothing here, never reads a file or URL, and refuses documents larger or
deeper than the limits. A DOCTYPE of any kind is refused outright: SOAP 1.1 and 1.2 both forbid
it, and it is where entity attacks live.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from wsbind.errors import WsBindError, WsBindTypeError


@dataclass(frozen=True)
class ParseLimits:
    max_bytes: int = 1024 * 1024
    max_depth: int = 64


DEFAULT_LIMITS = ParseLimits()


class XmlRejected(WsBindError, ValueError):
    """The bytes are not XML we are willing to read; the message says why (for logs)."""


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread: an lxml parser is not safe to share between threads."""
    parser: etree.XMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = _make_parser()
    return parser


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
        raise WsBindTypeError("parse_xml takes bytes")
    if len(data) > limits.max_bytes:
        raise XmlRejected(f"document of {len(data)} bytes exceeds the {limits.max_bytes} limit")
    try:
        root = etree.fromstring(bytes(data), parser=_parser())
    except etree.XMLSyntaxError as exc:
        # libxml2 may quote the document after a line break (e.g. an unfinished CDATA section's
        # content): keep only its first line, which says what and where, for the log.
        reason = (exc.msg or "").split("\n", 1)[0]
        raise XmlRejected(f"not well-formed XML: {reason}") from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None:  # set by any DOCTYPE, with or without a subset
        raise XmlRejected("a DOCTYPE is not allowed")
    _check_tree(root, limits.max_depth)
    return root


def _check_tree(root: etree._Element, max_depth: int) -> None:
    """Refuse entity references and nesting deeper than ``max_depth`` (both searched in C)."""
    if next(root.iter(etree.Entity), None) is not None:
        raise XmlRejected("entity references are not allowed")
    if _too_deep(max_depth)(root):
        raise XmlRejected(f"nesting deeper than {max_depth}")


@lru_cache(maxsize=8)
def _too_deep(max_depth: int) -> etree.XPath:
    """Whether any element, comment or PI lies below depth ``max_depth`` (the root is depth 1)."""
    path = "/*" * max_depth + "/node()[not(self::text())]"
    return etree.XPath(f"boolean({path})")
