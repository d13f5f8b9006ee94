"""XML helpers both WS-Trust sides share: every value read from a peer is checked here; small builders."""

from __future__ import annotations

import base64

from lxml import etree

from wsbind.errors import TrustProtocolError, WsBindTypeError, WsBindValueError
from wsbind.model.enums import SecurityKeyType
from wsbind.soap import namespaces as ns
from wsbind.soap.xmlparse import XmlRejected, parse_xml
from wsbind.soap.xmlread import decode_base64, element_children
from wsbind.trust.protocol import WSP, TrustProtocol

_WSP_15 = "http://www.w3.org/ns/ws-policy"  # read only: some requestors use WS-Policy 1.5

# --------------------------------------------------------------------------- reading helpers


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _at_most_one(parent: etree._Element, tag: str) -> etree._Element | None:
    found = [c for c in element_children(parent) if c.tag == tag]
    if len(found) > 1:
        raise TrustProtocolError(
            f"{_local(parent)} holds {len(found)} {etree.QName(tag).localname} elements; one is allowed."
        )
    return found[0] if found else None


def _exactly_one(parent: etree._Element, tag: str) -> etree._Element:
    found = _at_most_one(parent, tag)
    if found is None:
        raise TrustProtocolError(f"{_local(parent)} lacks its {etree.QName(tag).localname} element.")
    return found


def _char_data(element: etree._Element) -> str:
    """Text of the element with comments and processing instructions skipped."""
    return "".join([element.text or "", *(child.tail or "" for child in element)]).strip()


def _text(element: etree._Element) -> str:
    """The element's character content; child elements are refused."""
    if element_children(element):
        raise TrustProtocolError(f"{_local(element)} must hold text, not elements.")
    return _char_data(element)


def _uri(element: etree._Element) -> str:
    value = _text(element)
    if not value:
        raise TrustProtocolError(f"{_local(element)} is empty.")
    return value


def _key_size(element: etree._Element) -> int:
    text = _text(element)
    if not text.isascii() or not text.isdigit() or len(text) > 6 or int(text) <= 0 or int(text) % 8:
        raise TrustProtocolError(f"KeySize {text[:20]!r} is not a positive multiple of 8 bits.")
    return int(text)


def _decode(element: etree._Element) -> bytes:
    try:
        value = decode_base64(_text(element))
    except ValueError:
        raise TrustProtocolError(f"{_local(element)} is not valid base64.") from None
    if not value:
        raise TrustProtocolError(f"{_local(element)} is empty.")
    return value


def _binary_secret(protocol: TrustProtocol, element: etree._Element, default_type: str) -> tuple[str, bytes]:
    """(type, bytes) of a wst:BinarySecret; R58 allows only this version's Nonce and SymmetricKey.

    WS-Trust makes @Type optional and we found no default stated in the spec text, so an absent
    Type takes the meaning of the secret's place: a nonce in Entropy, the key in a proof token.
    """
    declared = element.get("Type")
    secret_type = default_type if declared is None else declared.strip()
    if secret_type not in (protocol.nonce_type, protocol.symmetric_key_secret_type):
        raise TrustProtocolError(
            f"BinarySecret Type {secret_type[:100]!r} is not allowed; only {protocol.nonce_type} or "
            f"{protocol.symmetric_key_secret_type} are",
            rule="R58",
        )
    return secret_type, _decode(element)


def _entropy(protocol: TrustProtocol, parent: etree._Element) -> bytes | None:
    holder = _at_most_one(parent, protocol.tag("Entropy"))
    if holder is None:
        return None
    children = element_children(holder)
    if len(children) != 1 or children[0].tag != protocol.tag("BinarySecret"):
        raise TrustProtocolError("Entropy must hold exactly one BinarySecret (encrypted entropy is not supported).")
    return _binary_secret(protocol, children[0], protocol.nonce_type)[1]


def _applies_to(parent: etree._Element) -> str | None:
    holders = [c for c in element_children(parent) if c.tag in (f"{{{WSP}}}AppliesTo", f"{{{_WSP_15}}}AppliesTo")]
    if not holders:
        return None
    if len(holders) > 1:
        raise TrustProtocolError("more than one AppliesTo.")
    references = [c for c in element_children(holders[0]) if _local(c) == "EndpointReference"]
    if len(references) != 1 or etree.QName(references[0]).namespace not in (ns.WSA, ns.WSA_2004):
        raise TrustProtocolError("AppliesTo must hold one WS-Addressing EndpointReference.")
    address = _exactly_one(references[0], f"{{{etree.QName(references[0]).namespace}}}Address")
    return _uri(address)


def _check_single_body_child(element: etree._Element, what: str) -> None:
    parent = element.getparent()
    if (
        parent is not None
        and etree.QName(parent).localname == "Body"
        and etree.QName(parent).namespace in (ns.SOAP11, ns.SOAP12)
    ):
        count = len(element_children(parent))
        if count != 1:
            raise TrustProtocolError(
                f"the SOAP Body holds {count} elements; it must hold exactly one {what}.", rule="R57"
            )


def _key_type(protocol: TrustProtocol, element: etree._Element) -> SecurityKeyType:
    value = _uri(element)
    if value == protocol.symmetric_key_type:
        return SecurityKeyType.SYMMETRIC
    if value == protocol.public_key_type:
        return SecurityKeyType.ASYMMETRIC
    if value in protocol.bearer_key_types:
        return SecurityKeyType.NONE
    raise TrustProtocolError(f"KeyType {value[:100]!r} is not one this WS-Trust version defines.")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _add_applies_to(parent: etree._Element, address: str) -> None:
    applies_to = _sub(parent, f"{{{WSP}}}AppliesTo")
    reference = _sub(applies_to, f"{{{ns.WSA}}}EndpointReference")
    _sub(reference, f"{{{ns.WSA}}}Address", address)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _parse_one(data: bytes, name: str) -> etree._Element:
    if not isinstance(data, bytes | bytearray):
        raise WsBindTypeError(f"{name} must be bytes")
    try:
        root = parse_xml(bytes(data))
    except XmlRejected as exc:
        raise WsBindValueError(f"{name} must be one XML element ({exc})") from None
    if root.getprevious() is not None or root.getnext() is not None:
        raise WsBindValueError(f"{name} must be exactly one element, with nothing beside it")
    return root
