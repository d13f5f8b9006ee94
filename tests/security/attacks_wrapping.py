"""Signature wrapping: the signed assertion moved, copied or shadowed, at assertion and SOAP level."""

from __future__ import annotations

import copy
from collections.abc import Callable

from lxml import etree

from security.harness import Attack, World, assertion_of, find, inert, on_tree, refused
from wsbind.errors import FaultCode

SOMOROVSKY_2012 = "Somorovsky et al., On Breaking SAML: Be Whoever You Want to Be, USENIX Security 2012"


def _forge_subject(assertion: etree._Element, name: str = "admin") -> None:
    name_id = assertion.find(".//{*}NameID")
    if name_id is None:
        name_id = assertion.find(".//{*}NameIdentifier")
    assert name_id is not None
    name_id.text = name


def _xsw_signed_copy_in_extensions(root: etree._Element, world: World) -> None:
    """The evil assertion takes the original's place; the signed original hides inside it."""
    original = assertion_of(root)
    evil = copy.deepcopy(original)
    _forge_subject(evil)
    original.getparent().replace(original, evil)  # type: ignore[union-attr]
    signature = find(evil, "ds:Signature")
    etree.SubElement(signature, "{http://www.w3.org/2000/09/xmldsig#}Object").append(original)


def _foreign_header_copy(new_id: bool) -> Callable[[etree._Element, World], None]:
    """A forged copy sits in some other header: with the same ID it is a duplicate; with a new
    ID it is ignored, because only wsse:Security's token counts."""

    def change(root: etree._Element, world: World) -> None:
        evil = copy.deepcopy(assertion_of(root))
        _forge_subject(evil)
        if new_id:
            evil.set("ID", "_forged")
        header = find(root, "/*/s11:Header")
        etree.SubElement(header, "{urn:attacker}Extra").append(evil)

    return change


ATTACKS: list[Attack] = [
    refused(
        "xsw-original-inside-forged-signature",
        "xsw",
        on_tree("saml2", _xsw_signed_copy_in_extensions),
        FaultCode.INVALID_SECURITY_TOKEN,
        "signature-profile",
        "duplicate-id",
        source=SOMOROVSKY_2012,
    ),
    refused(
        "soap-signed-copy-in-another-header",
        "soap-wrapping",
        on_tree("saml2", _foreign_header_copy(new_id=False)),
        FaultCode.INVALID_SECURITY_TOKEN,
        "duplicate-id",
        source=SOMOROVSKY_2012,
    ),
    inert("soap-forged-assertion-in-another-header", "soap-wrapping", on_tree("saml2", _foreign_header_copy(True))),
]
