"""zeep adapter: attach WS-Security tokens (issued SAML above all) to outgoing requests."""

from .client import secure_async_client, secure_client
from .plugin import SecurityPlugin

__all__ = ["SecurityPlugin", "secure_async_client", "secure_client"]
