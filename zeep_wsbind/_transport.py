"""The client's transport settings: one ``ssl.SSLContext`` made from ``verify`` and the description, and HTTP Basic.

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
from collections.abc import Mapping
from typing import Any

import certifi
import requests
from cryptography.hazmat.primitives import serialization
from requests.adapters import HTTPAdapter

from wsbind.errors import KeyLoadError, UnsupportedBinding, WsBindTypeError, WsBindValueError
from wsbind.model.bindings import HttpHeaderAuthSecurityBinding, SslTransportSecurityBinding
from wsbind.model.credentials import CertCredential, StringWindowsIntegratedAuthCredential
from wsbind.model.description import SecurityDescription
from wsbind.model.enums import CertFailure, HttpHeaderAuthScheme, SecureProtocol, SecurityBindingProperty

Verify = bool | str | os.PathLike[str] | ssl.SSLContext
"""``True``: certifi's CA bundle; a path: only the CAs in that PEM file; an ``ssl.SSLContext``: as
given (e.g. ``ssl.create_default_context()`` for the system store); ``False``: no verification."""


def tls_context(verify: Verify, binding: SslTransportSecurityBinding | None = None) -> ssl.SSLContext:
    """The context both transports use; a wrong CA file, credential or property raises here, not at a call.

    ``binding`` (the description's SslTransportSecurityBinding) brings the client certificate and
    the client-side properties; a context passed as ``verify`` is used as is, with those applied to it.
    """
    certificate = binding.local_cert_credential if binding is not None else None
    if isinstance(verify, ssl.SSLContext):
        context = verify
    elif verify is False:
        if certificate is not None:
            raise WsBindValueError(
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
        raise WsBindTypeError(f"verify is True, False, a CA file path or an ssl.SSLContext, not {verify!r}")
    if binding is not None:
        _apply_properties(context, binding.properties)
    if certificate is not None:
        _load_client_certificate(context, certificate)
    return context


_IGNORABLE = CertFailure.CN_MISMATCH | CertFailure.REVOCATION_OFFLINE
_NEXT_VERSION = {  # a disallowed protocol -> the lowest version above it (SSL 2 and 3 are never offered)
    SecureProtocol.TLS1_0: ssl.TLSVersion.TLSv1_1,
    SecureProtocol.TLS1_1: ssl.TLSVersion.TLSv1_2,
    SecureProtocol.TLS1_2: ssl.TLSVersion.TLSv1_3,
}


def _apply_properties(context: ssl.SSLContext, properties: Mapping[int, Any]) -> None:
    """Carry out the SSL binding's client properties, or refuse the ones this client cannot keep:
    a validation callback that never ran would be a check silently skipped."""
    if SecurityBindingProperty.CERTIFICATE_VALIDATION_CALLBACK_CONTEXT in properties:
        raise UnsupportedBinding(
            "zeep_wsbind does not run CERTIFICATE_VALIDATION_CALLBACK_CONTEXT callbacks yet; pin the server's "
            "CA with verify=<CA file> or pass an ssl.SSLContext as verify, and remove the property."
        )
    default = CertFailure.REVOCATION_OFFLINE
    ignored = CertFailure(properties.get(SecurityBindingProperty.CERT_FAILURES_TO_IGNORE, default))
    if ignored & ~_IGNORABLE:
        raise UnsupportedBinding(
            f"CERT_FAILURES_TO_IGNORE={ignored!r}: zeep_wsbind can ignore only CN_MISMATCH (and "
            "REVOCATION_OFFLINE: it checks no revocation); trust the server's CA with verify=<CA file> instead."
        )
    if ignored & CertFailure.CN_MISMATCH:
        context.check_hostname = False
    disallowed = SecureProtocol(properties.get(SecurityBindingProperty.DISALLOWED_SECURE_PROTOCOLS, 0))
    lowest = max((version for flag, version in _NEXT_VERSION.items() if disallowed & flag), default=None)
    if lowest is not None and context.minimum_version < lowest:
        context.minimum_version = lowest


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
        pool: dict[str, Any] = {"ssl_context": self._context, "cert_reqs": "CERT_REQUIRED" if required else "CERT_NONE"}
        if not self._context.check_hostname:
            pool["assert_hostname"] = False  # urllib3 matches host names itself, apart from the context
        return host_params, pool

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        """Nothing to add: a CA file set here would be loaded on top of the context's anchors."""


def tls_session(context: ssl.SSLContext) -> requests.Session:
    """A requests Session whose HTTPS goes through ``context`` only."""
    session = requests.Session()
    session.mount("https://", _ContextAdapter(context))
    return session


def basic_auth(description: SecurityDescription) -> tuple[str, str] | None:
    """HTTP Basic credentials from the description's HttpHeaderAuthSecurityBinding, if any."""
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
