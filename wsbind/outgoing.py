"""OutgoingSecurity: what a client description puts into each request it sends.

Framework-free so the zeep plugin and the WS-Trust channel share one implementation: the R30
HTTPS check, then ``wsse:Security`` with the Timestamp first, a UsernameToken, each XML token as
issued, and for holder-of-key tokens the endorsing signature that proves possession of the key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from lxml import etree

from wsbind.errors import InsecureTransport, WsBindTypeError, WsBindValueError
from wsbind.model.algorithms import SecurityAlgorithmSuite
from wsbind.model.bindings import (
    HttpHeaderAuthSecurityBinding,
    SecurityBinding,
    SslTransportSecurityBinding,
    UsernameMessageSecurityBinding,
    XmlTokenMessageSecurityBinding,
)
from wsbind.model.description import SecurityDescription
from wsbind.model.enums import (
    SecurityAlgorithmId,
    SecurityAlgorithmSuiteName,
    SecurityKeyType,
    SecurityProperty,
    SecurityTimestampUsage,
    Side,
    SignedParts,
)
from wsbind.model.support import validate_for_http
from wsbind.soap import namespaces as ns
from wsbind.soap.timeutil import utcnow
from wsbind.soap.xmlread import element_children
from wsbind.wss.header import SecurityHeaderTemplate, apply_security_header, soap_namespace
from wsbind.wss.proof import default_proof_algorithms, sign_endorsing
from wsbind.wss.tokens import XmlSecurityToken, XmlTokenSource, create_xml_security_token
from wsbind.wss.username import build_username_token

CLIENT_BINDINGS: Sequence[type[SecurityBinding]] = (
    SslTransportSecurityBinding,
    HttpHeaderAuthSecurityBinding,
    UsernameMessageSecurityBinding,
    XmlTokenMessageSecurityBinding,
)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class OutgoingSecurity:
    """Applies a client SecurityDescription to outgoing SOAP envelopes.

    Fixed XML tokens are copied when this is made, as WWSAPI copies them at channel creation;
    token sources (e.g. an IssuedTokenProvider) are asked for a current token on every message.
    """

    def __init__(
        self,
        description: SecurityDescription,
        *,
        clock: Callable[[], datetime] = utcnow,
        adapter: str = "wsbind",
    ) -> None:
        validate_for_http(description, Side.CLIENT, CLIENT_BINDINGS, adapter)
        self.description = description
        self._clock = clock
        self._requires_tls = description.find(SslTransportSecurityBinding) is not None
        self._tokens: list[XmlSecurityToken] = []
        self._sources: list[XmlTokenSource] = []
        for binding in description.find_all(UsernameMessageSecurityBinding):
            assert binding.client_credential is not None  # R21
            self._tokens.append(create_xml_security_token(build_username_token(binding.client_credential)))
        for xml_binding in description.find_all(XmlTokenMessageSecurityBinding):
            token = xml_binding.xml_token
            if isinstance(token, XmlSecurityToken):
                self._tokens.append(token.copy())
            elif token is not None:
                self._sources.append(token)
        self._sha256 = _uses_sha256(description)
        self._signed_parts = SignedParts(0)
        for xml_binding in description.find_all(XmlTokenMessageSecurityBinding):
            if not isinstance(xml_binding.signed_parts, SignedParts):
                raise WsBindTypeError(
                    f"XmlTokenMessageSecurityBinding.signed_parts is {xml_binding.signed_parts!r}; give SignedParts "
                    "flags, e.g. SignedParts.BODY | SignedParts.ADDRESSING_HEADERS"
                )
            self._signed_parts |= xml_binding.signed_parts
        self._https_address: str | None = None  # the last address found to be https:// (a client has one)
        self._templates: dict[bool, SecurityHeaderTemplate] = {}  # fixed tokens, with and without a Timestamp

    @property
    def has_tokens(self) -> bool:
        """Whether the description puts any token (fixed or from a source) into requests."""
        return bool(self._tokens or self._sources)

    def apply(self, envelope: etree._Element, address: str) -> None:
        """Secure one outgoing envelope addressed to ``address`` (raises InsecureTransport)."""
        if self._requires_tls and address != self._https_address:
            self._check_https(address)
        if not self.has_tokens:
            return
        fetched: list[XmlSecurityToken] = []
        if self._sources:
            block = not _in_event_loop()
            fetched = [source.current_token(block=block) for source in self._sources]
        try:
            tokens = [*self._tokens, *fetched] if fetched else self._tokens
            description = self.description
            now = None if description.timestamp_usage == SecurityTimestampUsage.NEVER else self._clock()
            validity = description.timestamp_validity_duration
            security = None
            if not fetched:
                template = self._templates.get(now is not None)
                if template is None:
                    template = self._templates[now is not None] = SecurityHeaderTemplate(
                        tokens, timestamp=now is not None
                    )
                security = template.apply(envelope, now=now, timestamp_validity=validity)
            if security is None:
                security = apply_security_header(envelope, tokens, now=now, timestamp_validity=validity)
            for token in tokens:
                if token.key_type != SecurityKeyType.NONE:
                    to_header = _to_header(envelope, address) if token.key_type == SecurityKeyType.ASYMMETRIC else None
                    sign_endorsing(
                        security,
                        token,
                        default_proof_algorithms(token, sha256=self._sha256),
                        to_header=to_header,
                        also=_parts_to_sign(envelope, self._signed_parts),
                    )
        finally:
            for token in fetched:
                token.free()

    def _check_https(self, address: str) -> None:
        if urlsplit(address).scheme.lower() != "https":
            raise InsecureTransport(
                f"R30: refusing to send a security token to {address!r}: the description needs "
                "SslTransportSecurityBinding, so the endpoint must be https://. A bearer token sent "
                "in clear can be replayed by anyone who sees it."
            )
        self._https_address = address

    async def aprepare(self) -> None:
        """Fetch every source's token without blocking, so the next apply() finds it cached."""
        await asyncio.gather(*(source.aprefetch() for source in self._sources))

    def close(self) -> None:
        """Wipe this object's token copies."""
        for token in self._tokens:
            token.free()
        self._tokens = []
        self._templates = {}


def _uses_sha256(description: SecurityDescription) -> bool:
    """HMAC-SHA256 when the description's suite asks for it; HMAC-SHA1 (WWSAPI's default) otherwise."""
    suite: SecurityAlgorithmSuite | None = description.get(SecurityProperty.ALGORITHM_SUITE)
    if suite is not None:
        return suite.symmetric_signature == SecurityAlgorithmId.HMAC_SHA_256
    name = description.get(SecurityProperty.ALGORITHM_SUITE_NAME)
    return name is not None and not SecurityAlgorithmSuiteName(name).uses_sha1_digest


def _parts_to_sign(envelope: etree._Element, parts: SignedParts) -> list[etree._Element]:
    """The Body and the addressing headers a proof signs besides the Timestamp, as ``parts`` asks."""
    if not parts:
        return []
    soap_ns = soap_namespace(envelope)
    found = []
    if parts & SignedParts.ADDRESSING_HEADERS:
        header = envelope.find(f"{{{soap_ns}}}Header")
        assert header is not None  # apply_security_header made it
        found += [child for child in element_children(header) if child.tag in _ADDRESSING_HEADERS]
    if parts & SignedParts.BODY:
        body = envelope.find(f"{{{soap_ns}}}Body")
        if body is not None:
            found.append(body)
    return found


_ADDRESSING_HEADERS = frozenset(f"{{{ns.WSA}}}{name}" for name in ("To", "Action", "MessageID", "ReplyTo", "RelatesTo"))


def _to_header(envelope: etree._Element, address: str) -> etree._Element:
    """The WS-Addressing To header an asymmetric proof signs; added when zeep did not add one."""
    soap_ns = soap_namespace(envelope)
    header = envelope.find(f"{{{soap_ns}}}Header")
    assert header is not None  # apply_security_header made it
    found = header.findall(f"{{{ns.WSA}}}To")
    if len(found) > 1:
        raise WsBindValueError("the envelope has two WS-Addressing To headers")
    if found:
        return found[0]
    to = etree.SubElement(header, f"{{{ns.WSA}}}To", nsmap={"wsa": ns.WSA})
    to.text = address
    return to
