"""Test helpers: real servers on loopback, certificates made at test time, SOAP envelopes."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11, Soap12

from spyne_wsbind import MessageProperty, get_message_property


@dataclass(frozen=True)
class Issuer:
    """A SAML issuer identity: key, self-signed certificate, PEM files."""

    private_key: Any
    certificate: x509.Certificate
    cert_file: Path
    key_file: Path


def make_issuer(directory: Path, name: str, *, ec_key: bool = False) -> Issuer:
    key: Any = ec.generate_private_key(ec.SECP256R1()) if ec_key else rsa.generate_private_key(65537, 2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return Issuer(key, cert, cert_file, key_file)


class WhoAmIService(ServiceBase):
    """Answers with what the security handler established about the caller."""

    @rpc(_returns=Unicode)
    def whoami(ctx: Any) -> str:  # noqa: N805 - spyne passes the context first
        assertion = get_message_property(ctx, MessageProperty.SAML_ASSERTION)
        if assertion is None:
            return "anonymous"
        roles = ",".join(assertion.attributes.get("role", ()))
        return f"{assertion.subject_name_id}|{assertion.issuer}|{roles}|{assertion.version}"

    @rpc(Unicode, _returns=Unicode)
    def echo(ctx: Any, text: str) -> str:  # noqa: N805
        return text

    @rpc(Unicode, _returns=Unicode)
    def message_property(ctx: Any, name: str) -> str:  # noqa: N805
        return repr(get_message_property(ctx, MessageProperty[name]))


def make_app(soap12: bool = False) -> Application:
    protocol = Soap12 if soap12 else Soap11
    return Application(
        [WhoAmIService],
        tns="urn:wsbind:test",
        in_protocol=protocol(validator="lxml"),
        out_protocol=protocol(),
    )


@contextmanager
def serve(wsgi_app: Any, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Run a WSGI app on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    server = wsgi.Server(("127.0.0.1", 0), wsgi_app, numthreads=4, shutdown_timeout=1)
    if tls is not None:
        server.ssl_adapter = BuiltinSSLAdapter(str(tls[0]), str(tls[1]))
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    host, port = server.bind_addr[:2]
    try:
        yield f"{'https' if tls else 'http'}://{host}:{port}/"
    finally:
        server.stop()
        thread.join(5)


SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def envelope(
    *tokens: bytes,
    soap12: bool = False,
    now: dt.datetime | None = None,
    timestamp: bool = True,
    validity: dt.timedelta = dt.timedelta(minutes=5),
) -> bytes:
    """A request for WhoAmIService.whoami carrying ``tokens`` in wsse:Security."""
    from lxml import etree

    from wsbind.header import apply_security_header
    from wsbind.tokens import create_xml_security_token

    soap_ns = SOAP12 if soap12 else SOAP11
    root = etree.fromstring(
        f'<s:Envelope xmlns:s="{soap_ns}"><s:Header/><s:Body>'
        '<t:whoami xmlns:t="urn:wsbind:test"/></s:Body></s:Envelope>'.encode()
    )
    apply_security_header(
        root,
        [create_xml_security_token(t) for t in tokens],
        now=(now or dt.datetime.now(dt.timezone.utc)) if timestamp else None,
        timestamp_validity=validity,
    )
    return etree.tostring(root)


def post(url: str, body: bytes, ca: Path | None, soap12: bool = False) -> tuple[int, str | None, bytes]:
    """POST raw bytes; return (status, the WS-Security fault code or None, body)."""
    import requests
    from lxml import etree

    session = requests.Session()
    session.trust_env = False
    content_type = "application/soap+xml; charset=utf-8" if soap12 else "text/xml; charset=utf-8"
    headers = {"Content-Type": content_type, "SOAPAction": '"whoami"'}
    response = session.post(url, data=body, headers=headers, verify=str(ca) if ca else False, timeout=10)
    code = None
    try:
        root = etree.fromstring(response.content)
        code_text = root.findtext(".//faultcode") or root.findtext(f".//{{{SOAP12}}}Subcode/{{{SOAP12}}}Value")
        code = code_text.split(":")[-1] if code_text else None
    except etree.XMLSyntaxError:
        pass
    return response.status_code, code, response.content
