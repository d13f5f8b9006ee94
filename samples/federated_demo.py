"""The federated demo: a client presents a signed SAML token; a spyne service validates it.

Run with ``make demo``. Everything happens on 127.0.0.1 with keys made on the spot. Until the
WS-Trust STS lands, the token is signed here by the same code the STS will use.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import zeep
from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11

from samples.pki import self_signed, tls_server
from samples.server import serve
from spyne_wsbind import MessageProperty, SecurityHandler, get_message_property
from wsbind import (
    CertSignedSamlAuthenticator,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SslTransportSecurityBinding,
    XmlTokenMessageSecurityBinding,
    create_xml_security_token,
)
from wsbind.saml_issuer import SamlIssuer
from zeep_wsbind import secure_client

SERVICE_AUDIENCE = "urn:wsbind:demo:orders"
STS_NAME = "https://sts.demo.test/adfs/services/trust"


def say(text: str = "") -> None:
    print(text, flush=True)


class OrdersService(ServiceBase):
    """The protected service: it only answers callers the SAML handler let through."""

    @rpc(_returns=Unicode)
    def whoami(ctx: Any) -> str:
        saml = get_message_property(ctx, MessageProperty.SAML_ASSERTION)
        claims = "; ".join(f"{name}={','.join(values)}" for name, values in saml.attributes.items())
        return f"subject={saml.subject_name_id} issuer={saml.issuer} SAML {saml.version} claims: {claims}"


class _ServiceLog(logging.Handler):
    """Shows the service's own log lines: the fault says little, the log says why."""

    def emit(self, record: logging.LogRecord) -> None:
        say(f"     service log: {record.getMessage()}")


def call(client: zeep.Client) -> None:
    try:
        answer = client.service.whoami()
    except zeep.exceptions.Fault as fault:
        codes = [str(fault.code), *(str(c) for c in fault.subcodes or [])]
        say(f'  -> refused with SOAP fault {codes[-1]}: "{fault.message}"')
    else:
        say(f"  -> the service saw: {answer}")


def client_for(url: str, token_xml: bytes, ca_file: Path) -> zeep.Client:
    description = SecurityDescription(
        [SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(create_xml_security_token(token_xml))]
    )
    return secure_client(url + "?wsdl", description, verify=str(ca_file))


def main() -> int:
    started = time.monotonic()
    logging.getLogger("spyne_wsbind").addHandler(_ServiceLog())
    logging.getLogger("spyne_wsbind").propagate = False
    with tempfile.TemporaryDirectory(prefix="wsbind-demo-") as folder:
        work = Path(folder)
        say("1. Making keys: a signing certificate for the token issuer (STS), another for an")
        say("   impostor, and a TLS certificate for https://127.0.0.1 signed by a one-off CA.")
        sts = self_signed(work, "sts-signing")
        impostor = self_signed(work, "impostor")
        ca_file, tls = tls_server(work)

        say("2. Starting the orders service over HTTPS. Its security description is")
        say("   [SslTransportSecurityBinding, SamlMessageSecurityBinding]: it believes only tokens")
        say(f"   signed by the STS certificate and addressed to {SERVICE_AUDIENCE}.")
        description = SecurityDescription(
            [
                SslTransportSecurityBinding(),
                SamlMessageSecurityBinding(
                    authenticator=CertSignedSamlAuthenticator([sts.certificate], audiences=[SERVICE_AUDIENCE])
                ),
            ]
        )
        app = Application(
            [OrdersService], "urn:wsbind:demo", in_protocol=Soap11(validator="lxml"), out_protocol=Soap11()
        )
        with serve(SecurityHandler(description).register(app), (tls.cert_file, tls.key_file)) as url:
            say(f"   Listening on {url}")
            issuer = SamlIssuer(STS_NAME, sts.private_key, sts.certificate)
            claims = {"role": ["buyer", "approver"], "email": ["alice@example.test"]}

            say()
            say("3. The STS signs a SAML 2.0 bearer assertion for alice (valid one hour), and the")
            say("   client sends it in a WS-Security header (Timestamp first, token as issued).")
            token = issuer.issue(subject="alice", audiences=[SERVICE_AUDIENCE], attributes=claims)
            call(client_for(url, token, ca_file))

            say()
            say("4. Someone edits the signed token to say 'mallory' instead of 'alice':")
            call(client_for(url, token.replace(b">alice<", b">mallory<"), ca_file))

            say()
            say("5. A token that expired an hour ago is presented:")
            past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
            expired = issuer.issue(
                subject="alice", audiences=[SERVICE_AUDIENCE], now=past, lifetime=dt.timedelta(hours=1)
            )
            call(client_for(url, expired, ca_file))

            say()
            say("6. An impostor issuer signs a perfect-looking token with its own key:")
            forged = SamlIssuer(STS_NAME, impostor.private_key, impostor.certificate).issue(
                subject="alice", audiences=[SERVICE_AUDIENCE], attributes=claims
            )
            call(client_for(url, forged, ca_file))

    say()
    say(f"Done in {time.monotonic() - started:.1f} s: one call accepted, three refused with their faults.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
