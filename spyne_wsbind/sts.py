"""SecurityTokenService: a spyne service that answers WS-Trust Issue requests with signed SAML.

One instance serves WS-Trust February 2005 and 1.3 over SOAP 1.1 and 1.2 at any path (MSAL posts
to ``/adfs/services/trust/13/usernamemixed`` and ``.../2005/usernamemixed``). spyne dispatches on
``{application tns}RequestSecurityToken``, so there is one spyne Application per trust namespace
and SOAP version, each behind a SecurityHandler that authenticates the caller on the raw bytes; a
small router picks the application from the Content-Type and the body's namespace.

spyne cannot write a namespaced SOAP fault subcode (``wst:InvalidRequest``) with its prefix
declared, and wraps AnyXml results in an element of its own; an ``after_serialize`` listener
therefore writes the final envelope: the RSTR with a WS-Addressing Action, or a WS-Trust fault
that carries only the generic WS-Trust message (details go to the log).
"""

from __future__ import annotations

import io
import itertools
import logging
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from spyne import AnyXml, Application, ServiceBase, rpc
from spyne.model.fault import Fault
from spyne.protocol.soap import Soap11, Soap12

from spyne_wsbind.handler import SecuredWsgiApplication, SecurityHandler, request_context, verified_message
from wsbind.errors import (
    AnonymousServerWarning,
    FaultCode,
    IssuanceRefused,
    SecurityVerificationError,
    TrustFaultCode,
    TrustProtocolError,
    WsBindValueError,
    loggable,
)
from wsbind.model.bindings import (
    HttpHeaderAuthSecurityBinding,
    UsernameMessageSecurityBinding,
)
from wsbind.model.description import SecurityDescription
from wsbind.model.enums import TrustVersion
from wsbind.soap import namespaces as ns
from wsbind.soap.envelope import (
    SOAP_CONTENT_TYPES,
    addressing_to,
    build_envelope,
    read_envelope,
    soap_namespace_for_content_type,
)
from wsbind.soap.xmlparse import XmlRejected, parse_xml
from wsbind.soap.xmlread import element_children
from wsbind.trust.issuance import IssuancePolicy
from wsbind.trust.protocol import TrustProtocol, trust_protocol
from wsbind.trust.server import (
    IssueRequest,
    build_response,
    build_trust_fault,
    read_request,
)
from wsbind.wss.proof import verify_possession, verify_x509_endorsing
from wsbind.xmlcrypto.certs import CertificateSource, load_certificate

__all__ = ["SecurityTokenService"]

log = logging.getLogger("spyne_wsbind.sts")

_SOAP_NAMESPACES = (ns.SOAP11, ns.SOAP12)

# spyne registers every Application by (tns, name) and warns when one replaces another.
_APP_SERIAL = itertools.count(1)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class _TrustFault(Fault):  # type: ignore[misc]
    """A refusal, put in ``ctx.out_error`` by the method; the after_serialize listener renders it.

    Set rather than raised: spyne logs every raised Fault with a traceback at ERROR level, which
    for a client's mistake is noise (and a way to flood the log).
    """

    def __init__(self, code: TrustFaultCode) -> None:
        # The spyne fields are what spyne would send if our renderer were bypassed: still generic.
        side = "Server" if code == TrustFaultCode.REQUEST_FAILED else "Client"
        super().__init__(faultcode=f"{side}.{code.value}", faultstring=code.generic_message)
        self.trust_code = code


def _handler_fault_code(code: FaultCode) -> TrustFaultCode:
    """Refusals of the security handler: token problems are failed authentications."""
    if code in (
        FaultCode.FAILED_AUTHENTICATION,
        FaultCode.SECURITY_TOKEN_UNAVAILABLE,
        FaultCode.INVALID_SECURITY_TOKEN,
        FaultCode.UNSUPPORTED_SECURITY_TOKEN,
    ):
        return TrustFaultCode.FAILED_AUTHENTICATION
    return TrustFaultCode.INVALID_REQUEST


class SecurityTokenService(IssuancePolicy):
    """An :class:`~wsbind.trust.issuance.IssuancePolicy` served as a WS-Trust STS over spyne.

    It takes the policy's arguments: ``relying_parties`` maps each AppliesTo address this STS will
    mint tokens for to the relying party's RSA certificate (holder-of-key proof keys are encrypted
    to it) or None (bearer tokens only); ``claims(username, applies_to)`` supplies the token's
    attributes; ``lifetime``, ``default_token_type``, ``key_size`` and ``clock`` as the policy says.

    The ``issuer``'s key chooses how tokens are signed: RSA, or ECDSA P-256 (e.g. an identity from
    ``samples.pki.self_signed(..., ec_key=True)``), which signs several times faster; relying
    parties need an ECDSA-capable verifier (wsbind, python-xmlsec and signxml are).
    """

    # --- WSGI ------------------------------------------------------------------------------

    def wsgi_app(
        self,
        description: SecurityDescription,
        *,
        trust_forwarded_proto: bool = False,
        clock: Callable[[], datetime] | None = None,
        client_certificates: Mapping[str, CertificateSource] | None = None,
    ) -> WsgiApp:
        """The WSGI application to serve; ``description`` says how callers authenticate.

        It needs a UsernameMessageSecurityBinding or an HttpHeaderAuthSecurityBinding (Basic)
        with a password_validator (the token's subject is the authenticated user name), or TLS
        certificates: ``client_certificates``, ``{requester name: certificate}``, the allow-list of
        certificates and the name each one's tokens are issued to, presented as the TLS client
        certificate (ADFS ``certificatetransport``: add REQUIRE_SSL_CLIENT_CERT to the
        SslTransportSecurityBinding) or as an X.509 endorsing token signing the request's
        Timestamp and To (ADFS ``certificatemixed``; see ``wsbind.create_x509_security_token``).
        """
        clients = self._client_allow_list(client_certificates)
        if description.find(UsernameMessageSecurityBinding) is None and (
            description.find(HttpHeaderAuthSecurityBinding) is None and not clients
        ):
            raise WsBindValueError(
                "an STS issues tokens about its caller, so its description must authenticate one: add "
                "UsernameMessageSecurityBinding(password_validator=...), "
                "HttpHeaderAuthSecurityBinding(password_validator=..., properties={HTTP_HEADER_AUTH_SCHEME: BASIC}), "
                "or require TLS client certificates and pass client_certificates={name: certificate}"
            )
        apps: dict[tuple[str, str], SecuredWsgiApplication] = {}
        for version in (TrustVersion.FEBRUARY_2005, TrustVersion.V1_3):
            protocol = trust_protocol(version)
            with warnings.catch_warnings():
                if clients:  # an X.509 endorsing token authenticates, checked in _requester
                    warnings.simplefilter("ignore", AnonymousServerWarning)
                handler = SecurityHandler(
                    description,
                    trust_forwarded_proto=trust_forwarded_proto,
                    clock=clock or self.clock,
                    fault_builder=partial(_handler_fault, protocol),
                )
            for soap_ns in _SOAP_NAMESPACES:
                requesters = _Requesters(clients, description.allows_sha1)
                apps[(protocol.namespace, soap_ns)] = handler.wsgi_app(self._application(protocol, soap_ns, requesters))
        return _Router(apps, trust_protocol(TrustVersion.V1_3).namespace, description.limits.max_bytes)

    @staticmethod
    def _client_allow_list(client_certificates: Mapping[str, CertificateSource] | None) -> dict[bytes, str]:
        """``client_certificates`` as DER -> requester name."""
        clients: dict[bytes, str] = {}
        for name, source in (client_certificates or {}).items():
            if not isinstance(name, str) or not name:
                raise WsBindValueError("client_certificates keys are requester names (non-empty strings)")
            certificate = load_certificate(source, what=f"client_certificates[{name!r}]")
            clients[certificate.public_bytes(serialization.Encoding.DER)] = name
        return clients

    def _application(self, protocol: TrustProtocol, soap_ns: str, requesters: _Requesters) -> Application:
        sts = self

        class SecurityTokenServiceEndpoint(ServiceBase):  # type: ignore[misc]
            @rpc(AnyXml, _body_style="bare", _in_message_name="RequestSecurityToken", _returns=AnyXml)  # type: ignore[untyped-decorator]
            def request_security_token(ctx: Any, _body: Any) -> etree._Element | None:
                return sts._answer(ctx, protocol, requesters)

        soap = Soap12 if soap_ns == ns.SOAP12 else Soap11
        version = "13" if protocol.version == TrustVersion.V1_3 else "2005"
        app = Application(
            [SecurityTokenServiceEndpoint],
            tns=protocol.namespace,
            name=f"wsbind-sts-{version}-soap{'12' if soap_ns == ns.SOAP12 else '11'}-{next(_APP_SERIAL)}",
            in_protocol=soap(),
            out_protocol=soap(cleanup_namespaces=False),
        )
        app.out_protocol.event_manager.add_listener("after_serialize", partial(_write_envelope, protocol))
        return app

    # --- one request -----------------------------------------------------------------------

    def _answer(self, ctx: Any, protocol: TrustProtocol, requesters: _Requesters) -> etree._Element | None:
        """The spyne method body: RST from the verified raw tree in, RSTR element out."""
        outcome = self._refusal_or_response(ctx, protocol, requesters)
        if isinstance(outcome, TrustFaultCode):
            ctx.out_error = _TrustFault(outcome)  # spyne answers it as a fault (HTTP 500)
            return None
        return outcome

    def _refusal_or_response(
        self, ctx: Any, protocol: TrustProtocol, requesters: _Requesters
    ) -> etree._Element | TrustFaultCode:
        username: str | None = None
        try:
            username = _requester(ctx, requesters)
            request = read_request(_request_element(ctx))
            if request.protocol.namespace != protocol.namespace:
                raise IssuanceRefused(TrustFaultCode.INVALID_REQUEST, "RST namespace does not match the endpoint")
            proven_key = _proven_key(ctx, request)
            return build_response(protocol, self.issue(username, request, proven_key=proven_key))
        except IssuanceRefused as exc:
            log.warning(
                "STS refused a request from user %s: %s %s: %s",
                _who(username),
                exc.code.value,
                _context(ctx),
                loggable(exc.detail),
                exc_info=exc.__cause__,  # a claims callback that raised: its traceback, for the operator
            )
            return exc.code
        except TrustProtocolError as exc:
            log.warning(
                "STS refused a request from user %s: InvalidRequest %s: %s",
                _who(username),
                _context(ctx),
                loggable(str(exc)),
            )
            return TrustFaultCode.INVALID_REQUEST
        except Exception:
            log.exception("STS failed to issue a token for %s", _who(username))
            return TrustFaultCode.REQUEST_FAILED


@dataclass(frozen=True)
class _Requesters:
    """How one endpoint knows its requesters besides a password: the certificate allow-list, and
    whether its description's algorithm suite lets an X.509 token's signature use SHA-1."""

    certificates: Mapping[bytes, str]
    allow_sha1: bool

    def name_of(self, certificate: x509.Certificate) -> str:
        name = self.certificates.get(certificate.public_bytes(serialization.Encoding.DER))
        if name is None:
            subject = certificate.subject.rfc4514_string()
            raise IssuanceRefused(
                TrustFaultCode.FAILED_AUTHENTICATION, f"client certificate {subject!r} is not in client_certificates"
            )
        return name


def _requester(ctx: Any, requesters: _Requesters) -> str:
    """Who the token is for: the authenticated user name, or the name ``client_certificates`` gives
    the TLS client certificate the server verified, or the X.509 endorsing token (ADFS
    ``certificatemixed``) whose signature over the Timestamp (checked fresh by the handler) verifies."""
    verified = verified_message(ctx)
    if verified is None:
        raise IssuanceRefused(TrustFaultCode.REQUEST_FAILED, "request was not verified")
    if verified.username:
        return verified.username
    if requesters.certificates:
        if verified.client_certificate is not None:
            return requesters.name_of(verified.client_certificate)
        endorsing = _x509_endorsing(verified.envelope, requesters)
        if endorsing is not None:
            return requesters.name_of(endorsing)
    raise IssuanceRefused(TrustFaultCode.FAILED_AUTHENTICATION, "no authenticated user name")


def _x509_endorsing(document: etree._Element, requesters: _Requesters) -> x509.Certificate | None:
    envelope = read_envelope(document)
    if envelope.security is None:
        return None
    try:
        return verify_x509_endorsing(
            envelope.security,
            document,
            timestamp=envelope.security.find(f"{{{ns.WSU}}}Timestamp"),  # one at most, fresh: the handler checked
            to_header=addressing_to(envelope),
            allow_sha1=requesters.allow_sha1,
        )
    except SecurityVerificationError as exc:
        raise IssuanceRefused(TrustFaultCode.FAILED_AUTHENTICATION, f"{exc.reason}: {exc.detail}") from None


def _proven_key(ctx: Any, request: IssueRequest) -> x509.Certificate | None:
    """For KeyType PublicKey: the UseKey certificate, once the signature UseKey/@Sig names is shown
    to be made with its key over the Timestamp the handler checked (WS-Trust 1.3 section 9.2)."""
    if request.use_key is None or request.use_key_signature is None:
        return None
    verified = verified_message(ctx)
    if verified is None:  # SecurityHandler refuses such calls before the method runs
        raise IssuanceRefused(TrustFaultCode.REQUEST_FAILED, "request was not verified")
    security = read_envelope(verified.envelope).security
    if security is None:
        raise IssuanceRefused(TrustFaultCode.FAILED_AUTHENTICATION, "a public-key request without a Security header")
    timestamp = security.find(f"{{{ns.WSU}}}Timestamp")  # one at most, fresh: the handler checked
    certificate: x509.Certificate = request.use_key
    try:
        verify_possession(
            security, verified.envelope, request.use_key_signature, certificate, timestamp=timestamp, allow_sha1=False
        )
    except SecurityVerificationError as exc:
        raise IssuanceRefused(TrustFaultCode.FAILED_AUTHENTICATION, f"{exc.reason}: {exc.detail}") from None
    return certificate


def _request_element(ctx: Any) -> etree._Element:
    """The RST as our hardened parser read it from the raw bytes the handler verified.

    spyne's own tree has had comments dropped and references resolved; the verified one has not.
    """
    verified = verified_message(ctx)
    if verified is None:  # SecurityHandler refuses such calls before the method runs
        raise IssuanceRefused(TrustFaultCode.REQUEST_FAILED, "request was not verified")
    body = read_envelope(verified.envelope).body
    children = element_children(body)
    if len(children) != 1:
        detail = f"R57: the Body holds {len(children)} elements, not one RST"
        raise IssuanceRefused(TrustFaultCode.INVALID_REQUEST, detail)
    return children[0]


def _handler_fault(protocol: TrustProtocol, soap_ns: str, code: FaultCode) -> bytes:
    return build_trust_fault(soap_ns, protocol.namespace, _handler_fault_code(code))


def _write_envelope(protocol: TrustProtocol, ctx: Any) -> None:
    """spyne's after_serialize: replace its envelope with the RSTR or a WS-Trust fault."""
    soap_ns = etree.QName(ctx.out_document).namespace or ns.SOAP11
    try:
        error = ctx.out_error
        if error is None:
            wrapper = ctx.out_body_doc[0]  # spyne's AnyXml wrapper element around our RSTR(C)
            ctx.out_document = build_envelope(
                soap_ns,
                wrapper[0],
                action=protocol.issue_response_action,
                to=None,
                message_id=False,
                relates_to=_relates_to(ctx) or None,
            )
            return
        code = getattr(error, "trust_code", None)
        if not isinstance(code, TrustFaultCode):
            faultcode = str(getattr(error, "faultcode", ""))
            log.warning("STS request refused by spyne: %s", faultcode)
            code = TrustFaultCode.INVALID_REQUEST if faultcode.startswith("Client") else TrustFaultCode.REQUEST_FAILED
    except Exception:
        log.exception("STS could not write its response")
        code = TrustFaultCode.REQUEST_FAILED
    ctx.out_document = parse_xml(build_trust_fault(soap_ns, protocol.namespace, code))


def _context(ctx: Any) -> str:
    """Peer, path and SOAP action of the request being answered, for a refusal line."""
    environ = getattr(ctx.transport, "req_env", None) or {}
    return request_context(environ)


def _who(username: str | None) -> str:
    """A user name for the log: quoted, one line, bounded (it came from the request)."""
    return loggable(repr(username))


def _relates_to(ctx: Any) -> str | None:
    verified = verified_message(ctx)
    if verified is None:
        return None
    header = read_envelope(verified.envelope).header
    found = header.findall(f"{{{ns.WSA}}}MessageID") if header is not None else []
    return (found[0].text or "").strip() or None if len(found) == 1 else None


class _Router:
    """Picks the application by SOAP version (Content-Type) and WS-Trust namespace (body)."""

    def __init__(self, apps: Mapping[tuple[str, str], SecuredWsgiApplication], default: str, max_bytes: int) -> None:
        self.apps = dict(apps)
        self.default = default
        self.max_bytes = max_bytes
        self.namespaces = {trust_ns for trust_ns, _ in apps}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        soap_ns = soap_namespace_for_content_type(environ.get("CONTENT_TYPE"))
        trust_ns = self.default
        if environ.get("REQUEST_METHOD") == "POST":
            body = self._buffer(environ)
            if body is not None:
                trust_ns = self._trust_namespace(body) or self.default
        return self.apps[(trust_ns, soap_ns)](environ, start_response)

    def _buffer(self, environ: dict[str, Any]) -> bytes | None:
        """Read the body once and put it back; an oversized one is left for the handler to refuse."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if length > self.max_bytes:
            return None
        data: bytes = environ["wsgi.input"].read(length if length >= 0 else self.max_bytes + 1)
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        return data if len(data) <= self.max_bytes else None

    def _trust_namespace(self, body: bytes) -> str | None:
        try:
            root = parse_xml(body)
        except XmlRejected:
            return None  # the handler refuses it with a fault
        if etree.QName(root).namespace not in SOAP_CONTENT_TYPES:
            return None
        for child in root:
            if isinstance(child.tag, str) and etree.QName(child).localname == "Body":
                first = next(iter(element_children(child)), None)
                found = etree.QName(first).namespace if first is not None else None
                return found if found in self.namespaces else None
        return None
