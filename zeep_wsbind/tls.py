"""The client's TLS settings: one ``ssl.SSLContext`` made from ``verify`` and the description.

requests and httpx each have their own idea of ``verify=True`` and of where a client certificate
comes from, and requests lets ``REQUESTS_CA_BUNDLE`` replace the trust anchors a caller chose. Both
transports here get the same context instead, built once at construction: the same anchors, the
same client certificate (any form :class:`~wsbind.CertCredential` loads, PKCS#12 and passwords
included), whatever the environment says.
"""

from __future__ import annotations

import os
import secrets
import ssl
import tempfile
from typing import Any

import certifi
import requests
from cryptography.hazmat.primitives import serialization
from requests.adapters import HTTPAdapter

from wsbind.bindings import SslTransportSecurityBinding
from wsbind.credentials import CertCredential
from wsbind.description import SecurityDescription
from wsbind.errors import KeyLoadError

Verify = bool | str | os.PathLike[str] | ssl.SSLContext
"""``True``: certifi's CA bundle; a path: only the CAs in that PEM file; an ``ssl.SSLContext``: as
given (e.g. ``ssl.create_default_context()`` for the system store); ``False``: no verification."""


def client_certificate(description: SecurityDescription) -> CertCredential | None:
    """The TLS client certificate the description's SslTransportSecurityBinding names, if any."""
    binding = description.find(SslTransportSecurityBinding)
    return binding.local_cert_credential if binding is not None else None


def tls_context(verify: Verify, certificate: CertCredential | None = None) -> ssl.SSLContext:
    """The context both transports use; a wrong CA file or credential raises here, not at a call.

    A context passed as ``verify`` is used as is, with the client certificate loaded into it.
    """
    if isinstance(verify, ssl.SSLContext):
        context = verify
    elif verify is False:
        if certificate is not None:
            raise ValueError(
                "verify=False with a client certificate would hand the certificate's proof to any server; "
                "give verify the CA file that signed the server's certificate."
            )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif verify is True:
        context = ssl.create_default_context(cafile=certifi.where())
    elif isinstance(verify, str | os.PathLike):
        try:
            context = ssl.create_default_context(cafile=os.fspath(verify))
        except (OSError, ssl.SSLError) as exc:
            raise KeyLoadError(
                f"verify={os.fspath(verify)!r} is not a readable PEM file of CA certificates ({exc}); "
                "give the file holding the CA that signed the server's certificate."
            ) from exc
    else:
        raise TypeError(f"verify is True, False, a CA file path or an ssl.SSLContext, not {verify!r}")
    if certificate is not None:
        _load_client_certificate(context, certificate)
    return context


def _load_client_certificate(context: ssl.SSLContext, credential: CertCredential) -> None:
    """ssl reads key and chain only from a PEM file: hand it one whose key is sealed with a one-time
    password, so the key never rests on disk in the clear, and remove it at once."""
    key, chain = credential.load()
    password = secrets.token_bytes(32)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    ) + b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in chain)
    with tempfile.TemporaryDirectory(prefix="wsbind-tls-") as directory:
        path = os.path.join(directory, "client.pem")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
            file.write(pem)
        context.load_cert_chain(path, password=password)


class _ContextAdapter(HTTPAdapter):
    """Every HTTPS connection of the session through one SSLContext; requests' own ``verify`` and
    ``cert`` (and the environment variables behind them) have no say."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs, ssl_context=self._context)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        return super().proxy_manager_for(proxy, **proxy_kwargs, ssl_context=self._context)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> Any:
        host_params, _ = super().build_connection_pool_key_attributes(request, True, None)
        required = self._context.verify_mode != ssl.CERT_NONE
        return host_params, {"ssl_context": self._context, "cert_reqs": "CERT_REQUIRED" if required else "CERT_NONE"}

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        """Nothing to add: a CA file set here would be loaded on top of the context's anchors."""


def tls_session(context: ssl.SSLContext) -> requests.Session:
    """A requests Session whose HTTPS goes through ``context`` only."""
    session = requests.Session()
    session.mount("https://", _ContextAdapter(context))
    return session
