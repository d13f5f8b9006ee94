"""SecurityPlugin: a zeep plugin that applies a client SecurityDescription to every request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from lxml import etree
from zeep import Plugin

from wsbind.model.description import SecurityDescription
from wsbind.outgoing import CLIENT_BINDINGS, OutgoingSecurity
from wsbind.soap.timeutil import utcnow

__all__ = ["CLIENT_BINDINGS", "SecurityPlugin"]


class SecurityPlugin(Plugin):
    """Adds ``wsse:Security`` (Timestamp, UsernameToken, XML tokens, proof signatures).

    The description is validated for a client on HTTP when the plugin is made, and each fixed
    XML token is copied then, as WWSAPI does: the caller may free its own token afterwards.
    """

    def __init__(self, description: SecurityDescription, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.description = description
        self.outgoing = OutgoingSecurity(description, clock=clock, adapter="zeep_wsbind")

    def egress(
        self,
        envelope: etree._Element,
        http_headers: dict[str, str],
        operation: Any,
        binding_options: dict[str, Any],
    ) -> tuple[etree._Element, dict[str, str]]:
        """zeep's hook: add wsse:Security to ``envelope`` for the endpoint in ``binding_options``."""
        self.outgoing.apply(envelope, str(binding_options.get("address", "")))
        return envelope, http_headers

    def close(self) -> None:
        """Wipe this plugin's token copies."""
        self.outgoing.close()
