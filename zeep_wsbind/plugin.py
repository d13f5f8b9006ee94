"""SecurityPlugin: a zeep plugin that attaches WS-Security tokens from a SecurityDescription."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from zeep import Plugin

from wsbind.bindings import (
    HttpHeaderAuthSecurityBinding,
    SslTransportSecurityBinding,
    XmlTokenMessageSecurityBinding,
)
from wsbind.description import SecurityDescription
from wsbind.enums import ChannelBinding, SecurityTimestampUsage, Side
from wsbind.errors import InsecureTransport
from wsbind.header import apply_security_header
from wsbind.support import require_supported
from wsbind.timeutil import utcnow
from wsbind.tokens import XmlSecurityToken

CLIENT_BINDINGS = (SslTransportSecurityBinding, HttpHeaderAuthSecurityBinding, XmlTokenMessageSecurityBinding)


class SecurityPlugin(Plugin):
    """Adds ``wsse:Security`` (Timestamp, then each XML token) to every outgoing request.

    The description is validated for a client on HTTP when the plugin is made, and each XML
    token is copied then, as WWSAPI does: the caller may free its own token afterwards.
    """

    def __init__(self, description: SecurityDescription, *, clock: Callable[[], datetime] = utcnow) -> None:
        require_supported(description, CLIENT_BINDINGS, "zeep_wsbind")
        description.validate(Side.CLIENT, ChannelBinding.HTTP)
        self.description = description
        self._clock = clock
        self._tokens: list[XmlSecurityToken] = [
            binding.xml_token.copy()
            for binding in description.find_all(XmlTokenMessageSecurityBinding)
            if binding.xml_token is not None
        ]
        self._requires_tls = description.find(SslTransportSecurityBinding) is not None

    def egress(
        self,
        envelope: etree._Element,
        http_headers: dict[str, str],
        operation: Any,
        binding_options: dict[str, Any],
    ) -> tuple[etree._Element, dict[str, str]]:
        address = str(binding_options.get("address", ""))
        if self._requires_tls and urlsplit(address).scheme.lower() != "https":
            raise InsecureTransport(
                f"R30: refusing to send a security token to {address!r}: the description needs "
                "SslTransportSecurityBinding, so the endpoint must be https://. A bearer token sent "
                "in clear can be replayed by anyone who sees it."
            )
        if self._tokens:
            usage = self.description.timestamp_usage
            apply_security_header(
                envelope,
                self._tokens,
                now=None if usage == SecurityTimestampUsage.NEVER else self._clock(),
                timestamp_validity=self.description.timestamp_validity_duration,
            )
        return envelope, http_headers

    def close(self) -> None:
        """Wipe this plugin's token copies."""
        for token in self._tokens:
            token.free()
        self._tokens = []
