"""What each adapter can carry, and the errors that say so at construction."""

from __future__ import annotations

from collections.abc import Sequence

from wsbind.errors import UnsupportedBinding
from wsbind.model.bindings import (
    NamedPipeSspiTransportSecurityBinding,
    SecurityBinding,
    TcpSspiTransportSecurityBinding,
)
from wsbind.model.description import SecurityDescription
from wsbind.model.enums import ChannelBinding, Side

_OTHER_CHANNELS = {
    TcpSspiTransportSecurityBinding: "a net.tcp channel",
    NamedPipeSspiTransportSecurityBinding: "a named-pipe channel",
}


def validate_for_http(
    description: SecurityDescription, side: Side, supported: Sequence[type[SecurityBinding]], adapter: str
) -> None:
    """What every HTTP pipeline checks first: refuse a binding this adapter would silently not
    enforce, then every creation-time rule for an HTTP channel (client) or listener (server)."""
    for binding in description.bindings:
        kind = type(binding)
        channel = _OTHER_CHANNELS.get(kind)
        if channel is not None:
            raise UnsupportedBinding(
                f"{kind.__name__} needs {channel}; {adapter} speaks HTTP only, so this binding is "
                "not available over HTTP. Use SslTransportSecurityBinding (HTTPS) instead."
            )
        if kind not in supported:
            names = ", ".join(s.__name__ for s in supported)
            raise UnsupportedBinding(
                f"{kind.__name__} is part of the model but {adapter} does not carry it yet; it supports: {names}."
            )
    description.validate(side, ChannelBinding.HTTP)

