"""secure_client / secure_async_client: a zeep client whose transport matches the description."""

from __future__ import annotations

from typing import Any

import zeep
from zeep.proxy import AsyncOperationProxy, AsyncServiceProxy
from zeep.transports import AsyncTransport, Transport

from wsbind.model.bindings import SslTransportSecurityBinding
from wsbind.model.description import SecurityDescription
from zeep_wsbind._transport import Verify, basic_auth, tls_context, tls_session
from zeep_wsbind.plugin import SecurityPlugin


def secure_client(
    wsdl: str, description: SecurityDescription, *, verify: Verify = True, **zeep_kwargs: Any
) -> zeep.Client:
    """A ``zeep.Client`` with TLS verification, client certificate, Basic auth and
    SecurityPlugin set up from ``description``.

    ``verify``: ``True`` trusts certifi's CA bundle, a path only the CAs in that PEM file, an
    ``ssl.SSLContext`` what it trusts (``ssl.create_default_context()``: the system store);
    ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` are ignored.
    """
    plugin = SecurityPlugin(description)
    session = tls_session(tls_context(verify, description.find(SslTransportSecurityBinding)))
    session.auth = basic_auth(description)
    plugins = [*zeep_kwargs.pop("plugins", []), plugin]  # last: it signs what the others wrote
    transport = zeep_kwargs.pop("transport", None) or Transport(session=session)
    return zeep.Client(wsdl, transport=transport, plugins=plugins, **zeep_kwargs)


class _PreparingOperationProxy(AsyncOperationProxy):
    """Awaits every SecurityPlugin's token sources before zeep's synchronous egress runs."""

    def __init__(self, service_proxy: AsyncServiceProxy, operation_name: str) -> None:
        super().__init__(service_proxy, operation_name)  # type: ignore[no-untyped-call]

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for plugin in self._proxy._client.plugins:
            if isinstance(plugin, SecurityPlugin):
                await plugin.outgoing.aprepare()
        return await super().__call__(*args, **kwargs)  # type: ignore[no-untyped-call]


class SecureAsyncClient(zeep.AsyncClient):
    """A zeep AsyncClient that fetches issued tokens asynchronously before each call.

    zeep runs plugins synchronously even in AsyncClient, so a plugin that fetched a token there
    would block the event loop; this client fetches first, and the plugin only attaches.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]

    def bind(self, service_name: str | None = None, port_name: str | None = None) -> Any:
        """zeep's ``bind``, with each operation fetching issued tokens (``await``) before it runs."""
        proxy = super().bind(service_name, port_name)
        if isinstance(proxy, AsyncServiceProxy):
            proxy._operations = {name: _PreparingOperationProxy(proxy, name) for name in proxy._operations}
        return proxy


def secure_async_client(
    wsdl: str, description: SecurityDescription, *, verify: Verify = True, **zeep_kwargs: Any
) -> zeep.AsyncClient:
    """The ``zeep.AsyncClient`` counterpart of :func:`secure_client` (httpx underneath)."""
    import httpx

    plugin = SecurityPlugin(description)
    options: dict[str, Any] = {"verify": tls_context(verify, description.find(SslTransportSecurityBinding))}
    options["auth"] = basic_auth(description)
    transport = zeep_kwargs.pop("transport", None) or AsyncTransport(
        client=httpx.AsyncClient(**options), wsdl_client=httpx.Client(**options)
    )
    plugins = [*zeep_kwargs.pop("plugins", []), plugin]  # last: it signs what the others wrote
    return SecureAsyncClient(wsdl, transport=transport, plugins=plugins, **zeep_kwargs)
