"""SecurityHandler: puts a wsbind MessageVerifier in front of a spyne WSGI application.

spyne parses the body, drops comments, resolves href/id references and keeps only the first
Header before any of its events fire, so verifying inside spyne would check a rewritten tree.
The handler therefore reads the raw bytes at the WSGI layer, verifies them, answers a
WS-Security fault itself when they fail, and hands the untouched bytes to spyne when they pass.
"""

from __future__ import annotations

import email.message
import functools
import io
import logging
import weakref
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from spyne import Application
from spyne.model.fault import Fault
from spyne.protocol.soap import Soap12
from spyne.server.wsgi import WsgiApplication

from wsbind.errors import FaultCode, SecurityVerificationError, loggable
from wsbind.model.bindings import HttpHeaderAuthSecurityBinding
from wsbind.model.description import SecurityDescription
from wsbind.model.enums import SecurityBindingProperty
from wsbind.soap import namespaces as ns
from wsbind.soap.envelope import SOAP_CONTENT_TYPES
from wsbind.soap.fault import build_fault
from wsbind.soap.timeutil import utcnow
from wsbind.verifier import HttpAuthenticationFailed, MessageVerifier, TransportFacts, VerifiedMessage

log = logging.getLogger("spyne_wsbind")

ENVIRON_KEY = "wsbind.verified_message"
StartResponse = Callable[..., Any]
WsgiEnviron = dict[str, Any]
FaultBuilder = Callable[[str, FaultCode], bytes]
"""(SOAP namespace, fault code) -> the whole fault envelope; e.g. an STS answers WS-Trust faults."""


class _BodyTooLarge(Exception):
    pass


class SecurityHandler:
    """Validate every SOAP request to a spyne service against ``description``.

    ``trust_forwarded_proto``: count ``X-Forwarded-Proto: https`` as HTTPS. Turn it on only
    behind a proxy you run that terminates TLS and overwrites the header.
    ``fault_builder`` renders refusals instead of the WS-Security fault (an STS uses WS-Trust's).
    """

    def __init__(
        self,
        description: SecurityDescription,
        *,
        trust_forwarded_proto: bool = False,
        clock: Callable[[], datetime] = utcnow,
        fault_builder: FaultBuilder = build_fault,
    ) -> None:
        self.verifier = MessageVerifier(description, clock=clock, adapter="spyne_wsbind")
        self.trust_forwarded_proto = trust_forwarded_proto
        self.fault_builder = fault_builder
        realm = None
        basic = description.find(HttpHeaderAuthSecurityBinding)
        if basic is not None:
            realm = basic.properties.get(SecurityBindingProperty.HTTP_HEADER_AUTH_BASIC_REALM)
        self.realm = str(realm or "wsbind").replace('"', "")

    def wsgi_app(self, app: Application | WsgiApplication) -> SecuredWsgiApplication:
        """The WSGI application to serve: ``app`` (a spyne Application or its WsgiApplication)
        behind this handler.

        ``app`` itself is not changed into a secured one: served directly, it answers every call
        with a Server fault (fail-closed) and logs that the handler was left out.
        """
        wsgi_app = app if isinstance(app, WsgiApplication) else WsgiApplication(app)
        wsgi_app.app.event_manager.add_listener("method_call", _refuse_unverified)
        return SecuredWsgiApplication(self, wsgi_app)

    register = wsgi_app
    """The former name of :meth:`wsgi_app` (kept as an alias): it returns the app to serve, too."""

    def is_https(self, environ: WsgiEnviron) -> bool:
        """Whether the request came over TLS: ``wsgi.url_scheme``, or a trusted ``X-Forwarded-Proto``."""
        if environ.get("wsgi.url_scheme") == "https":
            return True
        if self.trust_forwarded_proto:
            forwarded = str(environ.get("HTTP_X_FORWARDED_PROTO", "")).split(",")[0].strip().lower()
            return forwarded == "https"
        return False


class SecuredWsgiApplication:
    """The WSGI callable to serve: verification first, then spyne."""

    def __init__(self, handler: SecurityHandler, wsgi_app: WsgiApplication) -> None:
        self.handler = handler
        self.wsgi_app = wsgi_app
        self.soap_ns = ns.SOAP12 if isinstance(wsgi_app.app.in_protocol, Soap12) else ns.SOAP11

    def __call__(self, environ: WsgiEnviron, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("wsgi.url_scheme") != "https" and self.handler.is_https(environ):
            environ["wsgi.url_scheme"] = "https"  # behind a TLS proxy: spyne's WSDL then advertises https://
        if environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)  # type: ignore[no-any-return]
        try:
            body = _read_body(environ, self.handler.verifier.limits.max_bytes)
            facts = TransportFacts(
                is_https=self.handler.is_https(environ),
                authorization=environ.get("HTTP_AUTHORIZATION"),
                charset=_charset(environ.get("CONTENT_TYPE")),
                remote_addr=environ.get("REMOTE_ADDR"),
                client_certificate=_verified_client_certificate(environ),
            )
            verified = self.handler.verifier.verify(body, facts)
        except SecurityVerificationError as exc:
            log.warning(
                "request refused: %s (%s) %s: %s",
                exc.fault_code.value,
                exc.reason,
                request_context(environ, exc, forwarded=self.handler.trust_forwarded_proto),
                exc.detail or "no detail",
            )
            return self._fault(exc.fault_code, start_response, challenge=isinstance(exc, HttpAuthenticationFailed))
        except _BodyTooLarge:
            limit = f"body larger than {self.handler.verifier.limits.max_bytes} bytes"
            context = request_context(environ, forwarded=self.handler.trust_forwarded_proto)
            code = FaultCode.INVALID_SECURITY.value
            log.warning("request refused: %s (%s) %s: %s", code, "too-large", context, limit)
            return self._fault(FaultCode.INVALID_SECURITY, start_response)
        except Exception:  # never a traceback to the peer; the log keeps it
            context = request_context(environ, forwarded=self.handler.trust_forwarded_proto)
            log.exception("request refused: unexpected error while verifying %s", context)
            return self._fault(FaultCode.INVALID_SECURITY, start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ[ENVIRON_KEY] = verified
        return self.wsgi_app(environ, start_response)  # type: ignore[no-any-return]

    def _fault(self, code: FaultCode, start_response: StartResponse, *, challenge: bool = False) -> list[bytes]:
        """A SOAP fault; a failed HTTP Basic login is also a 401 with a challenge (RFC 7617)."""
        body = self.handler.fault_builder(self.soap_ns, code)
        headers = [("Content-Type", SOAP_CONTENT_TYPES[self.soap_ns]), ("Content-Length", str(len(body)))]
        if challenge:
            headers.append(("WWW-Authenticate", f'Basic realm="{self.handler.realm}", charset="UTF-8"'))
        start_response("401 Unauthorized" if challenge else "500 Internal Server Error", headers)
        return [body]


def _read_body(environ: WsgiEnviron, limit: int) -> bytes:
    stream = environ["wsgi.input"]
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        length = -1
    if length > limit:
        raise _BodyTooLarge
    data: bytes = stream.read(length if length >= 0 else limit + 1)
    if len(data) > limit:
        raise _BodyTooLarge
    return data


def _charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header (spyne decodes the body with it)."""
    if not content_type:
        return None
    if len(content_type) <= _CACHED_CONTENT_TYPE_LENGTH:  # clients send the same few values again and again
        return _cached_charset(content_type)
    return _parse_charset(content_type)


_CACHED_CONTENT_TYPE_LENGTH = 200


@functools.lru_cache(maxsize=64)
def _cached_charset(content_type: str) -> str | None:
    return _parse_charset(content_type)


def _parse_charset(content_type: str) -> str | None:
    message = email.message.Message()
    message["Content-Type"] = content_type
    charset = message.get_param("charset")
    return charset if isinstance(charset, str) else None


def verified_message(ctx: Any) -> VerifiedMessage | None:
    environ = getattr(ctx.transport, "req_env", None) or {}
    result = environ.get(ENVIRON_KEY)
    return result if isinstance(result, VerifiedMessage) else None


def _verified_client_certificate(environ: WsgiEnviron) -> str | None:
    """The client certificate the WSGI server verified, by mod_ssl's convention (cheroot and mod_wsgi
    follow it). These keys come from the server itself, never from request headers (those are HTTP_*)."""
    certificate = environ.get("SSL_CLIENT_CERT")
    if environ.get("SSL_CLIENT_VERIFY") == "SUCCESS" and isinstance(certificate, str) and certificate:
        return certificate
    return None


_UNWRAPPED_LOGGED: weakref.WeakSet[Application] = weakref.WeakSet()


def _refuse_unverified(ctx: Any) -> None:
    """A method must never run on a request the handler did not verify (mis-wired server)."""
    if verified_message(ctx) is None:
        app = ctx.app
        if app not in _UNWRAPPED_LOGGED:  # once per app: every call of a mis-wired server is refused alike
            _UNWRAPPED_LOGGED.add(app)
            log.error(
                "this spyne app (%s) is served without the wsbind handler, so every call is refused with "
                "'The service is not configured correctly': serve what SecurityHandler(...).wsgi_app(app) "
                "(or register(app)) returned, not the app itself (first refused call: %s)",
                loggable(repr(getattr(app, "name", None) or type(app).__name__)),
                loggable(repr(ctx.method_name)),
            )
        raise Fault(faultcode="Server", faultstring="The service is not configured correctly")


_CONTEXT_FIELD_LIMIT = 120


def _field(value: object) -> str:
    """One request-supplied value for a log line: quoted, one line, bounded."""
    text = loggable(repr(value))
    return text if len(text) <= _CONTEXT_FIELD_LIMIT else text[:_CONTEXT_FIELD_LIMIT] + "..."


def soap_action(environ: WsgiEnviron) -> str | None:
    """The request's SOAP action: the SOAPAction header (SOAP 1.1) or the Content-Type's action (1.2)."""
    action = environ.get("HTTP_SOAPACTION")
    if action is None:
        content_type = environ.get("CONTENT_TYPE")
        if content_type and "action" in content_type.lower():
            message = email.message.Message()
            message["Content-Type"] = content_type
            found = message.get_param("action")
            action = found if isinstance(found, str) else None
    return str(action).strip().strip('"') if action is not None else None


def request_context(
    environ: WsgiEnviron, refusal: SecurityVerificationError | None = None, *, forwarded: bool = False
) -> str:
    """Who asked for what, for a refusal line: peer address, path, SOAP action, issuer and subject.

    Everything here came from the request, so each value is quoted through ``loggable``; an issuer
    or subject no signature vouched for yet is marked ``(unverified)``. ``forwarded``: the proxy's
    ``X-Forwarded-For`` is shown too (REMOTE_ADDR is then the proxy).
    """
    path = f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}" or "/"
    fields = [f"peer={loggable(str(environ.get('REMOTE_ADDR') or '?'))[:_CONTEXT_FIELD_LIMIT]}"]
    if forwarded and environ.get("HTTP_X_FORWARDED_FOR"):
        fields.append(f"forwarded-for={_field(environ['HTTP_X_FORWARDED_FOR'])}")
    fields += [f"path={_field(path)}", f"action={_field(soap_action(environ) or '')}"]
    if refusal is not None and (refusal.subject is not None or refusal.issuer is not None):
        if refusal.subject is not None:
            fields.append(f"subject={_field(refusal.subject)}")
        if refusal.issuer is not None:
            fields.append(f"issuer={_field(refusal.issuer)}")
        if not refusal.identity_verified:
            fields.append("(unverified)")
    return " ".join(fields)
