"""zeep adapter: attach WS-Security tokens (issued SAML above all) to outgoing requests,
and obtain them from a security token service with WS-Trust."""

from zeep_wsbind.client import SecureAsyncClient, secure_async_client, secure_client
from zeep_wsbind.plugin import SecurityPlugin
from zeep_wsbind.provider import IssuedTokenProvider
from zeep_wsbind.trust_client import (
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
