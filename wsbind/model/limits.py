"""MessageLimits: how much a server is willing to read and believe, set on the description.

WWSAPI bounds messages through channel properties; here they travel with the security
description so one object says everything about what a listener accepts. The defaults suit a
service on the Internet: a request larger, deeper or with more header elements than any real
client sends is refused before any cryptography runs, and so is an assertion that claims to be
valid for longer than a day (a stolen long-lived bearer token is a standing credential).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from wsbind.errors import WsBindValueError
from wsbind.soap.xmlparse import ParseLimits


@dataclass(frozen=True)
class MessageLimits(ParseLimits):
    """``max_bytes`` and ``max_depth`` bound parsing; the rest bound what is believed."""

    max_header_elements: int = 32
    """Elements directly in the SOAP Header plus those directly in wsse:Security."""
    max_assertion_lifetime: timedelta = timedelta(hours=24)
    """Longest NotBefore (or IssueInstant) to NotOnOrAfter span an assertion may claim."""

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_depth", "max_header_elements"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise WsBindValueError(f"MessageLimits.{name} must be a positive int, got {value!r}")
        if not isinstance(self.max_assertion_lifetime, timedelta) or self.max_assertion_lifetime <= timedelta(0):
            raise WsBindValueError(
                "MessageLimits.max_assertion_lifetime must be a positive timedelta, e.g. timedelta(hours=8)"
            )


DEFAULT_MESSAGE_LIMITS = MessageLimits()
