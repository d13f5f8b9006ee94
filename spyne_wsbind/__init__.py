"""spyne adapter: validate WS-Security on incoming requests to a spyne service, and a WS-Trust
security token service that issues signed SAML."""

from spyne_wsbind import _spyne_guard  # noqa: F401  (first: a missing spyne raises an ImportError that says why)
from spyne_wsbind.handler import SecuredWsgiApplication, SecurityHandler
from spyne_wsbind.properties import get_message_property
from spyne_wsbind.sts import SecurityTokenService
from wsbind.model.enums import MessageProperty

__all__ = [
    "MessageProperty",
    "SecuredWsgiApplication",
    "SecurityHandler",
    "SecurityTokenService",
    "get_message_property",
]
