"""STS set-up shared by the tests that run a real one: descriptions for an STS that authenticates by
UsernameToken or HTTP Basic, the relying party that trusts it, and a small requestor that posts
RSTs built with wsbind.trust and reads the answers."""

from __future__ import annotations

import copy
import hashlib
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from conftest import server_description
from lxml import etree
from support import Issuer

from wsbind import (
    CertCredential,
    HttpHeaderAuthScheme,
    HttpHeaderAuthSecurityBinding,
    SecurityBindingProperty,
    SecurityDescription,
    SecurityKeyType,
    SslTransportSecurityBinding,
    StringUsernameCredential,
    TrustVersion,
    UsernameMessageSecurityBinding,
    XmlSecurityToken,
    XmlTokenMessageSecurityBinding,
)
from wsbind.outgoing import OutgoingSecurity
from wsbind.soap import namespaces as ns
from wsbind.soap.envelope import SOAP_CONTENT_TYPES, build_envelope, read_envelope
from wsbind.soap.xmlparse import parse_xml
from wsbind.trust.client import PreparedRequest, prepare_request, read_fault, read_response
from wsbind.trust.params import RequestSecurityTokenParameters
from wsbind.trust.protocol import trust_protocol

RP = "https://rp.example.test/service"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

PasswordValidator = Callable[[str, str], bool]


def password_check(passwords: Mapping[str, str]) -> PasswordValidator:
    """A password_validator over a table of users and passwords."""
    return lambda username, password: username in passwords and passwords[username] == password


def username_sts_description(validator: PasswordValidator) -> SecurityDescription:
    """An STS endpoint whose callers authenticate with a UsernameToken over TLS (ADFS usernamemixed)."""
    binding = UsernameMessageSecurityBinding(password_validator=validator)
    return SecurityDescription([SslTransportSecurityBinding(), binding])


def basic_sts_description(validator: PasswordValidator) -> SecurityDescription:
    """An STS endpoint whose callers authenticate with HTTP Basic over TLS."""
    return SecurityDescription(
        [
            SslTransportSecurityBinding(),
            HttpHeaderAuthSecurityBinding(
                password_validator=validator,
                properties={SecurityBindingProperty.HTTP_HEADER_AUTH_SCHEME: HttpHeaderAuthScheme.BASIC},
            ),
        ]
    )


def username_client_description(username: str, password: str) -> SecurityDescription:
    """The requestor's side of :func:`username_sts_description`."""
    return SecurityDescription(
        [
            SslTransportSecurityBinding(),
            UsernameMessageSecurityBinding(client_credential=StringUsernameCredential(username, password)),
        ]
    )


def decryption_credential(relying_party: Issuer) -> CertCredential:
    """The relying party's key pair as the credential its authenticator decrypts proof keys with."""
    return CertCredential(relying_party.cert_file, relying_party.key_file)


def relying_party_description(sts: Issuer, relying_party: Issuer, audiences: Iterable[str]) -> SecurityDescription:
    """A service that trusts tokens ``sts`` signs for ``audiences`` and holds the proof-key decryption key."""
    return server_description(sts, audiences=list(audiences), decryption_cert=decryption_credential(relying_party))


class TokenRecorder:
    """WSGI middleware: keeps the token of every successful STS answer (to count them and to
    check every one with xmlsec1)."""

    def __init__(self, app: WsgiApp, issued: list[bytes]) -> None:
        self.app = app
        self.issued = issued

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        statuses: list[str] = []

        def capture(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            statuses.append(status)
            return start_response(status, headers, *exc_info)

        answer = self.app(environ, capture)
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        if statuses and statuses[0].startswith("200"):
            for holder in parse_xml(body).iter("{*}RequestedSecurityToken"):
                self.issued.extend(etree.tostring(copy.deepcopy(c)) for c in holder if isinstance(c.tag, str))
        return [body]


@dataclass(frozen=True)
class Endpoints:
    sts: str  # UsernameToken-authenticated STS
    basic: str  # HTTP Basic-authenticated STS
    rp: str  # a spyne service trusting the STS (our verifier)
    ca: Path
    issued: list[bytes]  # every token either STS issued so far


def session(ca: Path) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(ca)
    return s


@dataclass
class Exchange:
    params: RequestSecurityTokenParameters
    prepared: PreparedRequest
    request: bytes
    response: requests.Response

    @property
    def body_child(self) -> etree._Element:
        children = [c for c in read_envelope(parse_xml(self.response.content)).body if isinstance(c.tag, str)]
        assert len(children) == 1
        return children[0]

    def token(self) -> XmlSecurityToken:
        assert self.response.status_code == 200, self.response.content
        return read_response(self.body_child, self.prepared, self.params)

    def fault_code(self) -> str:
        assert self.response.status_code >= 400
        fault = read_fault(self.body_child)
        assert fault is not None, self.response.content
        assert fault.reason  # MSAL needs Reason/Text
        return fault.code


def send(
    url: str,
    ca: Path,
    params: RequestSecurityTokenParameters,
    *,
    soap12: bool = True,
    user: tuple[str, str] | None = ("alice", "wonderland"),
    basic: tuple[str, str] | None = None,
    edit: dict[str, str] | None = None,
) -> Exchange:
    """Post one RST. ``edit`` replaces the text of RST children by local name (to say what
    prepare_request refuses to say, e.g. KeyType PublicKey)."""
    prepared = prepare_request(params)
    for local_name, text in (edit or {}).items():
        found = prepared.body.find(f"{{{trust_protocol(params.trust_version).namespace}}}{local_name}")
        assert found is not None
        found.text = text
    soap_ns = ns.SOAP12 if soap12 else ns.SOAP11
    envelope = build_envelope(soap_ns, prepared.body, action=prepared.action, to=url)
    bindings: list[object] = [SslTransportSecurityBinding()]
    if user is not None:
        bindings.append(UsernameMessageSecurityBinding(client_credential=StringUsernameCredential(*user)))
    OutgoingSecurity(SecurityDescription(bindings)).apply(envelope, url)  # type: ignore[arg-type]
    headers = {"Content-Type": SOAP_CONTENT_TYPES[soap_ns]}
    if not soap12:
        headers["SOAPAction"] = f'"{prepared.action}"'
    request = etree.tostring(envelope)
    response = session(ca).post(url, data=request, headers=headers, auth=basic, timeout=30)
    return Exchange(params, prepared, request, response)


def bearer(version: TrustVersion, token_type: str | None = ns.SAML20_TOKEN_TYPE) -> RequestSecurityTokenParameters:
    return RequestSecurityTokenParameters(
        applies_to=RP, trust_version=version, issued_token_type=token_type, issued_token_key_type=SecurityKeyType.NONE
    )


def xmlsec1_verifies(xmlsec1: str, sts_cert: Path, token_xml: bytes, directory: Path) -> bool:
    """xmlsec1 --verify with the STS certificate's key; SAML IDs declared with --id-attr."""
    root = etree.fromstring(token_xml)
    if root.tag == f"{{{ns.SAML2}}}Assertion":
        id_attr = ["--id-attr:ID", f"{ns.SAML2}:Assertion"]
    else:
        id_attr = ["--id-attr:AssertionID", f"{ns.SAML1}:Assertion"]
    path = directory / f"token-{hashlib.sha256(token_xml).hexdigest()[:16]}.xml"
    path.write_bytes(token_xml)
    done = subprocess.run(
        [xmlsec1, "--verify", "--pubkey-cert-pem", str(sts_cert), *id_attr, str(path)],
        capture_output=True,
        timeout=30,
        check=False,
    )
    return done.returncode == 0


def rp_whoami(endpoints: Endpoints, token: XmlSecurityToken) -> str:
    """Present ``token`` to the relying party; holder-of-key tokens sign with their proof key."""
    body = etree.fromstring(b'<t:whoami xmlns:t="urn:wsbind:test"/>')
    envelope = build_envelope(ns.SOAP12, body, action=None, to=endpoints.rp)
    description = SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)])
    OutgoingSecurity(description).apply(envelope, endpoints.rp)
    response = session(endpoints.ca).post(
        endpoints.rp,
        data=etree.tostring(envelope),
        headers={"Content-Type": SOAP_CONTENT_TYPES[ns.SOAP12]},
        timeout=30,
    )
    assert response.status_code == 200, response.content
    answer = parse_xml(response.content).findtext(".//{urn:wsbind:test}whoamiResult")
    assert answer is not None
    return answer
