"""get_message_property: security results inside a spyne service method."""

from __future__ import annotations

from typing import Any

from spyne_wsbind.handler import verified_message
from wsbind.errors import MessagePropertyUnavailable
from wsbind.model.enums import MessageProperty


def get_message_property(ctx: Any, prop: MessageProperty) -> Any:
    """WsGetMessageProperty: e.g. ``get_message_property(ctx, MessageProperty.SAML_ASSERTION)``."""
    verified = verified_message(ctx)
    if verified is None:
        raise MessagePropertyUnavailable(
            "R59: this request carries no security results; is the service served through "
            "SecurityHandler(...).register(app)?"
        )
    return verified.get_property(prop)
