"""zeep adapter: attach WS-Security tokens (issued SAML above all) to outgoing requests,
and obtain them from a security token service with WS-Trust."""

from .client import SecureAsyncClient, secure_async_client, secure_client
from .plugin import SecurityPlugin
from .provider import IssuedTokenProvider
from .trust_client import (
    ChannelState,
    ChannelStateError,
    TrustChannel,
    TrustChannelError,
    arequest_security_token,
    request_security_token,
)

__all__ = [
    "ChannelState",
    "ChannelStateError",
    "IssuedTokenProvider",
    "SecureAsyncClient",
    "SecurityPlugin",
    "TrustChannel",
    "TrustChannelError",
    "arequest_security_token",
    "request_security_token",
    "secure_async_client",
    "secure_client",
]
