"""The two reading helpers every module uses: element children and strict xs:base64Binary."""

from __future__ import annotations

import pytest
from lxml import etree

from wsbind.soap.xmlread import decode_base64, element_children


def test_element_children_leave_out_comments_and_processing_instructions() -> None:
    parent = etree.fromstring(b"<a><!-- c --><b/><?pi x?><c/>text</a>")
    assert [child.tag for child in element_children(parent)] == ["b", "c"]


@pytest.mark.parametrize("text", ["AAEC", " AA\nEC\t", "AA\r\nEC", "AAE=", "AA=="])
def test_base64_with_xml_whitespace_decodes(text: str) -> None:
    assert decode_base64(text) == {"AAE=": b"\x00\x01", "AA==": b"\x00"}.get(text.strip(), b"\x00\x01\x02")


@pytest.mark.parametrize(
    "text",
    ["AA\u2003EC", "AA\u00a0EC", "AA\u2028EC", "AAE", "AA-_", "AAEC=", "AA=C", "ÄAEC", "AB==", "AAF="],
    ids=["em-space", "no-break-space", "line-separator", "no-padding", "url-alphabet", "extra-padding",
         "padding-inside", "non-ascii", "stray-bits-1", "stray-bits-2"],
)
def test_anything_else_is_refused(text: str) -> None:
    """str.split() would drop the Unicode spaces; python-xmlsec and the XML Schema do not."""
    with pytest.raises(ValueError):
        decode_base64(text)


def test_no_text_is_no_bytes() -> None:
    assert decode_base64(None) == b""
