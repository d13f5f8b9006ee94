"""Reading what the hardened parser returned: element children and base64 text, one way everywhere.

Two readings of the same bytes must never differ between our checks and a library's, so both
helpers follow the XML specifications and nothing more lenient: element children leave out
comments and processing instructions; base64 is ``xs:base64Binary`` (the standard alphabet with
its padding, and XML whitespace between the characters, nothing else).
"""

from __future__ import annotations

import base64
import re

from lxml import etree

from wsbind.errors import WsBindValueError

_XML_WHITESPACE = str.maketrans("", "", " \t\r\n")
# XML Schema's lexical space of base64Binary: whole quanta, padding only at the end, and the unused
# bits of a padded quantum zero (so each byte string has one spelling).
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?")


def element_children(parent: etree._Element) -> list[etree._Element]:
    """The element children of ``parent``, in order; comments and processing instructions carry no meaning."""
    return [child for child in parent if isinstance(child.tag, str)]


def decode_base64(text: str | None) -> bytes:
    """Decode ``xs:base64Binary`` text strictly; raise ``ValueError`` for anything else.

    Whole four-character quanta, ``=`` padding only at the end, the unused bits of the last
    character zero (XML Schema's lexical space; Python's decoder alone would take ``AAEC=``).

    Only the four XML whitespace characters may stand between the characters (``str.split()``
    would also drop Unicode spaces, which no XML-DSig implementation accepts).
    """
    cleaned = (text or "").translate(_XML_WHITESPACE)
    if not _BASE64.fullmatch(cleaned):
        raise WsBindValueError("not xs:base64Binary text")
    return base64.b64decode(cleaned)
