"""spyne adapter: validate WS-Security (SAML) on incoming requests to a spyne service."""

from wsbind.enums import MessageProperty

from .handler import SecuredWsgiApplication, SecurityHandler
from .properties import get_message_property

__all__ = ["MessageProperty", "SecuredWsgiApplication", "SecurityHandler", "get_message_property"]
