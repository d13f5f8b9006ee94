"""secure_client / secure_async_client: a zeep client whose transport matches the description."""

from __future__ import annotations

import os
import ssl
from typing import Any

import requests
import zeep
from zeep.proxy import AsyncOperationProxy, AsyncServiceProxy
from zeep.transports import AsyncTransport, Transport

from wsbind.bindings import HttpHeaderAuthSecurityBinding, SslTransportSecurityBinding
from wsbind.credentials import StringWindowsIntegratedAuthCredential
from wsbind.description import SecurityDescription
from wsbind.enums import HttpHeaderAuthScheme, SecurityBindingProperty
from wsbind.errors import UnsupportedBinding

from .plugin import SecurityPlugin

Verify = bool | str


class _PinnedTrustSession(requests.Session):
    """A Session whose ``verify`` is not overridden by REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE.

    requests lets those variables win over ``session.verify`` when a call passes no verify of
    its own (as zeep's calls do), silently swapping the trust anchors the description chose.
    """

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None:
            settings["verify"] = self.verify
        return settings


def _client_cert(description: SecurityDescription) -> tuple[str, str] | str | None:
    ssl = description.find(SslTransportSecurityBinding)
    credential = ssl.local_cert_credential if ssl is not None else None
    if credential is None:
        return None
    cert_file = os.fspath(credential.cert_file)
    return (cert_file, os.fspath(credential.key_file)) if credential.key_file else cert_file


def _basic_auth(description: SecurityDescription) -> tuple[str, str] | None:
    binding = description.find(HttpHeaderAuthSecurityBinding)
    if binding is None:
        return None
    scheme = binding.properties.get(SecurityBindingProperty.HTTP_HEADER_AUTH_SCHEME, HttpHeaderAuthScheme.NEGOTIATE)
    credential = binding.client_credential
    if scheme != HttpHeaderAuthScheme.BASIC or not isinstance(credential, StringWindowsIntegratedAuthCredential):
        raise UnsupportedBinding(
            "zeep_wsbind carries HttpHeaderAuthSecurityBinding with the BASIC scheme and a "
            "StringWindowsIntegratedAuthCredential only; set HTTP_HEADER_AUTH_SCHEME to BASIC."
        )
    username = f"{credential.domain}\\{credential.username}" if credential.domain else credential.username
    return username, credential.password


def _ssl_context(verify: Verify, cert: tuple[str, str] | str | None) -> ssl.SSLContext | bool:
    """httpx wants one SSLContext holding both the trust anchors and the client certificate."""
    if verify is False:
        if cert is not None:
            raise ValueError("a client certificate without server verification makes no sense")
        return False
    context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    if cert is not None:
        context.load_cert_chain(*cert) if isinstance(cert, tuple) else context.load_cert_chain(cert)
    return context


def secure_client(
    wsdl: str, description: SecurityDescription, *, verify: Verify = True, **zeep_kwargs: Any
) -> zeep.Client:
    """A ``zeep.Client`` with TLS verification, client certificate, Basic auth and
    SecurityPlugin set up from ``description``. ``verify`` is a CA bundle path or a bool."""
    plugin = SecurityPlugin(description)
    session = _PinnedTrustSession()
    session.verify = verify
    session.cert = _client_cert(description)
    session.auth = _basic_auth(description)
    plugins = [plugin, *zeep_kwargs.pop("plugins", [])]
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
    options: dict[str, Any] = {"verify": _ssl_context(verify, _client_cert(description))}
    options["auth"] = _basic_auth(description)
    transport = zeep_kwargs.pop("transport", None) or AsyncTransport(
        client=httpx.AsyncClient(**options), wsdl_client=httpx.Client(**options)
    )
    plugins = [plugin, *zeep_kwargs.pop("plugins", [])]
    return SecureAsyncClient(wsdl, transport=transport, plugins=plugins, **zeep_kwargs)
