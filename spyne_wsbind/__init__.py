"""spyne adapter: validate WS-Security on incoming requests to a spyne service, and a WS-Trust
security token service that issues signed SAML."""

from wsbind.model.enums import MessageProperty

from . import _spyne_guard  # noqa: F401  (first: a missing spyne raises an ImportError that says why)
from .handler import SecuredWsgiApplication, SecurityHandler
from .properties import get_message_property
from .sts import SecurityTokenService

__all__ = [
    "MessageProperty",
    "SecuredWsgiApplication",
    "SecurityHandler",
    "SecurityTokenService",
    "get_message_property",
]
