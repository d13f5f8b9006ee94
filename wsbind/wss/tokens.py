"""XML security tokens (WsCreateXmlSecurityToken / WsFreeSecurityToken).

A token is an XML element the application already holds (an issued SAML assertion, a
UsernameToken, ...), optionally with a proof key. The token's bytes are kept exactly as given
so a signed token reaches the wire as its issuer signed it.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timezone
from types import TracebackType
from typing import Protocol, runtime_checkable

from lxml import etree

from wsbind.errors import InvalidToken, TokenFreed, WsBindTypeError, WsBindValueError
from wsbind.model.enums import SecurityKeyType
from wsbind.soap.xmlparse import XmlRejected, parse_xml
from wsbind.wss.keys import NcryptAsymmetricSecurityKeyHandle, SecurityKeyHandle

XmlInput = bytes | str | etree._Element

_XML_DECLARATION = re.compile(rb"^\s*<\?xml\s[^>]*\?>", re.ASCII)
_DECLARED_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", re.ASCII)


def _element_bytes(value: XmlInput, rule: str, what: str) -> bytes:
    """The bytes of exactly one top-level element, without an XML declaration."""
    return _element_bytes_and_tree(value, rule, what)[0]


def _element_bytes_and_tree(value: XmlInput, rule: str, what: str) -> tuple[bytes, etree._Element | None]:
    """:func:`_element_bytes`, with the element parsed from exactly those bytes when there is one."""
    if isinstance(value, etree._Element):
        return etree.tostring(value), None
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    declaration = _XML_DECLARATION.match(data)
    encoding = b"utf-8"
    if declaration:
        found = _DECLARED_ENCODING.search(declaration.group(0))
        encoding = found.group(1).lower() if found else encoding
        if isinstance(value, str):
            data = data[declaration.end() :]
    try:
        root = parse_xml(data)
    except XmlRejected as exc:
        raise InvalidToken(rule, f"{what} must hold exactly one XML element ({exc}).") from None
    if root.getprevious() is not None or root.getnext() is not None:
        raise InvalidToken(rule, f"{what} has comments or processing instructions beside its element.")
    if encoding not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        return etree.tostring(root), None  # re-encoded: the wire is UTF-8
    body = data[declaration.end() :] if declaration and not isinstance(value, str) else data
    return body.strip(), root  # the same document: only a declaration and outer whitespace removed


class _TokenTree:
    """A token's element, parsed once and shared by the token's copies.

    Every message gets its own deep copy (copying a parsed tree is several times cheaper than
    parsing the bytes again), so nothing a message does to its copy reaches the token.
    """

    __slots__ = ("_root",)

    def __init__(self, root: etree._Element | None = None) -> None:
        self._root = root

    def element(self, xml: bytes) -> etree._Element:
        root = self._root
        if root is None:  # two threads may both parse here; either result is the same tree
            root = self._root = parse_xml(xml)
        return copy.deepcopy(root)


def _utc(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise WsBindValueError(f"{name} must be timezone-aware (e.g. datetime.now(timezone.utc))")
    return value.astimezone(timezone.utc)


class XmlSecurityToken:
    """An XML token with its optional proof key, references and validity window.

    Free it with :func:`free_security_token` (or use it as a context manager) to wipe the key.
    """

    def __init__(
        self,
        xml: bytes,
        key: SecurityKeyHandle | None,
        attached_reference: bytes | None,
        unattached_reference: bytes | None,
        valid_from: datetime | None,
        valid_till: datetime | None,
        *,
        tree: _TokenTree | None = None,
    ) -> None:
        self._xml: bytes | None = xml
        self._tree: _TokenTree | None = tree if tree is not None else _TokenTree()
        self._key = key
        self.attached_reference = attached_reference
        self.unattached_reference = unattached_reference
        self.valid_from = valid_from
        self.valid_till = valid_till

    @property
    def xml(self) -> bytes:
        """The token element's bytes, exactly as given."""
        if self._xml is None:
            raise TokenFreed("this token was freed")
        return self._xml

    @property
    def key(self) -> SecurityKeyHandle | None:
        """The proof key of a holder-of-key token, or None for a bearer token."""
        self.xml  # noqa: B018 - raises TokenFreed after free
        return self._key

    @property
    def key_type(self) -> SecurityKeyType:
        """NONE (bearer), SYMMETRIC or ASYMMETRIC, from the proof key."""
        if self._key is None:
            return SecurityKeyType.NONE
        if isinstance(self._key, NcryptAsymmetricSecurityKeyHandle):
            return SecurityKeyType.ASYMMETRIC
        return SecurityKeyType.SYMMETRIC

    @property
    def is_freed(self) -> bool:
        """True after free(): the token's bytes and key are gone."""
        return self._xml is None

    def element(self) -> etree._Element:
        """A fresh element holding the token's bytes, ready to insert into a message."""
        tree = self._tree
        xml = self.xml  # raises TokenFreed after free
        if tree is None:  # freed by another thread in between
            raise TokenFreed("this token was freed")
        return tree.element(xml)

    def copy(self) -> XmlSecurityToken:
        """An independent copy (own key copy): what a binding keeps, as WWSAPI does."""
        return XmlSecurityToken(
            self.xml,
            self._key.copy() if self._key is not None else None,
            self.attached_reference,
            self.unattached_reference,
            self.valid_from,
            self.valid_till,
            tree=self._tree,  # the same bytes: the parsed element is shared
        )

    def free(self) -> None:
        """Wipe the proof key and drop the token's bytes; later use raises TokenFreed."""
        if self._key is not None:
            self._key.wipe()
        self._key = None
        self._xml = None
        self._tree = None

    def __enter__(self) -> XmlSecurityToken:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.free()

    def __repr__(self) -> str:
        if self._xml is None:
            return "XmlSecurityToken(<freed>)"
        tag = etree.QName(self.element()).localname
        return f"XmlSecurityToken(<{tag}>, key_type={self.key_type.name})"


@runtime_checkable
class XmlTokenSource(Protocol):
    """Something that hands out a current token on demand, e.g. an issued-token provider.

    ``XmlTokenMessageSecurityBinding(xml_token=source)`` asks it for a token on every message
    instead of holding one fixed token, so renewed tokens are picked up without a new channel.
    """

    @property
    def key_type(self) -> SecurityKeyType:
        """The key type of the tokens it hands out (NONE for bearer tokens)."""

    def current_token(self, *, block: bool) -> XmlSecurityToken:
        """A valid token the caller may free; with ``block=False`` raise TokenUnavailable
        instead of fetching one (async callers fetch with :meth:`aprefetch` first)."""

    async def aprefetch(self) -> None:
        """Make sure a valid token is cached, without blocking the event loop."""


def create_xml_security_token(
    token_xml: XmlInput,
    key: SecurityKeyHandle | None = None,
    *,
    attached_reference: XmlInput | None = None,
    unattached_reference: XmlInput | None = None,
    valid_from: datetime | None = None,
    valid_till: datetime | None = None,
) -> XmlSecurityToken:
    """Wrap an XML token (WsCreateXmlSecurityToken).

    Without ``key`` the token is a bearer token; with one it is a proof-of-possession token,
    which must then have an ``attached_reference`` that signatures use to point at it (R49).
    """
    xml, root = _element_bytes_and_tree(token_xml, "R47", "the token")
    if key is not None and not isinstance(key, SecurityKeyHandle):
        raise WsBindTypeError("key must be a SecurityKeyHandle, e.g. RawSymmetricSecurityKeyHandle(b'...')")
    if key is not None and attached_reference is None:
        raise InvalidToken("R49", "a token with a proof key needs attached_reference (how signatures point at it).")
    if key is None and attached_reference is not None:
        raise InvalidToken("R49", "attached_reference is only for tokens with a proof key.")
    if key is None and unattached_reference is not None:
        raise InvalidToken("R50", "unattached_reference is only for proof-of-possession tokens.")
    attached = None if attached_reference is None else _element_bytes(attached_reference, "R51", "attached_reference")
    unattached = (
        None if unattached_reference is None else _element_bytes(unattached_reference, "R51", "unattached_reference")
    )
    start, end = _utc(valid_from, "valid_from"), _utc(valid_till, "valid_till")
    if start is not None and end is not None and end <= start:
        raise WsBindValueError("valid_till must be later than valid_from")
    return XmlSecurityToken(xml, key.copy() if key else None, attached, unattached, start, end, tree=_TokenTree(root))


def free_security_token(token: XmlSecurityToken) -> None:
    """Release a token and wipe its key material (WsFreeSecurityToken)."""
    token.free()


def create_x509_security_token(private_key: object, certificate: object) -> XmlSecurityToken:
    """An X.509 endorsing supporting token: the certificate as a wsse:BinarySecurityToken, its key
    to sign each request's Timestamp and To (ADFS ``certificatemixed``). Present it with
    ``XmlTokenMessageSecurityBinding``, like any XML token.

    ``private_key`` and ``certificate`` are anything :func:`wsbind.load_key_and_certificate` takes.
    """
    import base64
    import secrets

    from cryptography.hazmat.primitives import serialization

    from wsbind.soap import namespaces as ns
    from wsbind.wss.keys import NcryptAsymmetricSecurityKeyHandle
    from wsbind.xmlcrypto.certs import load_key_and_certificate

    key, cert = load_key_and_certificate(private_key, certificate=certificate)  # type: ignore[arg-type]
    identifier = f"X509-{secrets.token_hex(8)}"
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
    token = (
        f'<wsse:BinarySecurityToken xmlns:wsse="{ns.WSSE}" xmlns:wsu="{ns.WSU}" ValueType="{ns.X509V3}" '
        f'EncodingType="{ns.WSSE_KEY_IDENTIFIER_BASE64}" wsu:Id="{identifier}">{der}</wsse:BinarySecurityToken>'
    )
    reference = (
        f'<wsse:SecurityTokenReference xmlns:wsse="{ns.WSSE}"><wsse:Reference URI="#{identifier}" '
        f'ValueType="{ns.X509V3}"/></wsse:SecurityTokenReference>'
    )
    return create_xml_security_token(
        token.encode(), NcryptAsymmetricSecurityKeyHandle(key), attached_reference=reference.encode()
    )
