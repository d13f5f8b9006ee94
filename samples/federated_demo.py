"""The federated demo: a client gets SAML tokens from an STS with WS-Trust and presents them.

Run with ``make demo``. Everything happens on 127.0.0.1 over HTTPS with keys made on the spot:
a WS-Trust security token service (spyne), an orders service (spyne) that accepts only tokens
its STS signed for it, and a zeep client that asks the STS for tokens with a username and
password, then calls the service with a bearer token and with a holder-of-key token.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import zeep
from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11

from samples.pki import self_signed, tls_server
from samples.server import serve
from spyne_wsbind import MessageProperty, SecurityHandler, SecurityTokenService, get_message_property
from wsbind import (
    CertCredential,
    CertSignedSamlAuthenticator,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SecurityKeyEntropyMode,
    SecurityKeyType,
    SslTransportSecurityBinding,
    StringUsernameCredential,
    TrustVersion,
    UsernameMessageSecurityBinding,
    XmlSecurityToken,
    XmlTokenMessageSecurityBinding,
)
from wsbind import namespaces as ns
from wsbind.saml_issuer import SamlIssuer
from wsbind.timeutil import utcnow
from wsbind.trust import SecurityTokenServiceFault
from zeep_wsbind import IssuedTokenProvider, TrustChannel, request_security_token, secure_client

ORDERS = "urn:wsbind:demo:orders"
PAYROLL = "urn:wsbind:demo:payroll"
STS_NAME = "https://sts.demo.test/adfs/services/trust"
USERS = {"alice": "correct horse battery staple"}


def say(text: str = "") -> None:
    print(text, flush=True)


class OrdersService(ServiceBase):
    """The protected service: it only answers callers the SAML handler let through."""

    @rpc(_returns=Unicode)
    def whoami(ctx: Any) -> str:
        saml = get_message_property(ctx, MessageProperty.SAML_ASSERTION)
        claims = "; ".join(f"{name}={','.join(values)}" for name, values in saml.attributes.items())
        kind = "holder-of-key" if "holder-of-key" in (saml.confirmation_method or "") else "bearer"
        return f"{saml.subject_name_id} ({kind} SAML {saml.version} from {saml.issuer}); claims: {claims}"


class _Log(logging.Handler):
    """Shows the servers' own log lines: a fault says little on purpose, the log says why."""

    def emit(self, record: logging.LogRecord) -> None:
        say(f"     server log: {record.getMessage()}")


def _check_password(username: str, password: str) -> bool:
    return USERS.get(username) == password


def _claims(username: str, applies_to: str) -> dict[str, Sequence[str]]:
    return {"role": ["buyer", "approver"], "email": [f"{username}@example.test"]}


def call(client: zeep.Client) -> None:
    try:
        answer = client.service.whoami()
    except zeep.exceptions.Fault as fault:
        codes = [str(fault.code), *(str(c) for c in fault.subcodes or [])]
        say(f'  -> refused with SOAP fault {codes[-1]}: "{fault.message}"')
    else:
        say(f"  -> the service says it was called by {answer}")


def client_for(url: str, token: XmlSecurityToken | IssuedTokenProvider, ca_file: Path) -> zeep.Client:
    description = SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)])
    return secure_client(url + "?wsdl", description, verify=str(ca_file))


def sts_channel(url: str, username: str, password: str, ca_file: Path) -> TrustChannel:
    """The client's channel to the STS: HTTPS plus a WS-Security UsernameToken."""
    description = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            UsernameMessageSecurityBinding(client_credential=StringUsernameCredential(username, password)),
        ]
    )
    return TrustChannel(url, description, verify=str(ca_file))


def main() -> int:
    started = time.monotonic()
    for name in ("spyne_wsbind", "spyne_wsbind.sts"):
        logging.getLogger(name).addHandler(_Log())
        logging.getLogger(name).propagate = False
    with tempfile.TemporaryDirectory(prefix="wsbind-demo-") as folder:
        work = Path(folder)
        say("1. Making keys: the STS's signing certificate, the orders service's own certificate")
        say("   (holder-of-key proof keys are encrypted to it), and a TLS certificate for")
        say("   https://127.0.0.1 signed by a one-off CA.")
        sts_key = self_signed(work, "sts-signing")
        orders_key = self_signed(work, "orders-service")
        ca_file, tls = tls_server(work)
        certificates = (tls.cert_file, tls.key_file)

        say("2. Starting the security token service (WS-Trust February 2005 and 1.3). Callers log")
        say("   in with a WS-Security UsernameToken over HTTPS; it issues SAML for two relying")
        say(f"   parties, {ORDERS} and {PAYROLL}.")
        shift = [dt.timedelta(0)]
        sts = SecurityTokenService(
            SamlIssuer(STS_NAME, sts_key.private_key, sts_key.certificate),
            relying_parties={ORDERS: orders_key.certificate, PAYROLL: None},
            claims=_claims,
            clock=lambda: utcnow() - shift[0],
        )
        sts_description = SecurityDescription(
            [SslTransportSecurityBinding(), UsernameMessageSecurityBinding(password_validator=_check_password)]
        )

        say("3. Starting the orders service. Its description is [SslTransportSecurityBinding,")
        say("   SamlMessageSecurityBinding]: it believes only tokens the STS signed for it.")
        orders_description = SecurityDescription(
            [
                SslTransportSecurityBinding(),
                SamlMessageSecurityBinding(
                    authenticator=CertSignedSamlAuthenticator(
                        {STS_NAME: sts_key.certificate},  # this key may sign as this issuer, and only as it
                        decryption_cert=CertCredential(str(orders_key.cert_file), str(orders_key.key_file)),
                        audiences=[ORDERS],
                    )
                ),
            ]
        )
        app = Application(
            [OrdersService], "urn:wsbind:demo", in_protocol=Soap11(validator="lxml"), out_protocol=Soap11()
        )
        sts_app = sts.wsgi_app(sts_description, clock=utcnow)
        with serve(sts_app, certificates) as sts_url, serve(
            SecurityHandler(orders_description).register(app), certificates
        ) as url:
            trust_url = sts_url + "adfs/services/trust/13/usernamemixed"
            say(f"   STS:    {trust_url}")
            say(f"   orders: {url}")
            _run_scenes(trust_url, url, ca_file, shift)

    say()
    say(f"Done in {time.monotonic() - started:.1f} s: two calls accepted, three attempts refused with their faults.")
    return 0


def _run_scenes(trust_url: str, url: str, ca_file: Path, shift: list[dt.timedelta]) -> None:
    with sts_channel(trust_url, "alice", USERS["alice"], ca_file) as channel:
        say()
        say("4. alice asks the STS (WS-Trust 1.3) for a SAML 2.0 bearer token for the orders")
        say("   service; an IssuedTokenProvider caches it and renews it at 60 % of its lifetime.")
        provider = IssuedTokenProvider(
            channel,
            applies_to=ORDERS,
            trust_version=TrustVersion.V1_3,
            issued_token_type=ns.SAML20_TOKEN_TYPE,
            issued_token_key_type=SecurityKeyType.NONE,
        )
        client = client_for(url, provider, ca_file)
        begun = time.perf_counter()
        call(client)
        first = time.perf_counter() - begun
        begun = time.perf_counter()
        call(client)
        again = time.perf_counter() - begun
        say(f"     (first call with the STS round trip {first * 1000:.0f} ms; again, token from cache, "
            f"{again * 1000:.0f} ms)")

        say()
        say("5. Now a holder-of-key token (WS-Trust February 2005, SAML 1.1): the STS and the client")
        say("   both contribute entropy and derive the proof key with P_SHA1; the STS encrypts it")
        say("   to the orders service inside the assertion. The client signs the Timestamp with it.")
        with request_security_token(
            channel,
            applies_to=ORDERS,
            trust_version=TrustVersion.FEBRUARY_2005,
            issued_token_type=ns.SAML11_TOKEN_TYPE,
            issued_token_key_type=SecurityKeyType.SYMMETRIC,
            issued_token_key_entropy=SecurityKeyEntropyMode.COMBINED,
        ) as token:
            call(client_for(url, token, ca_file))

        say()
        say("6. A token the STS issued for the payroll service is presented to the orders service:")
        with request_security_token(channel, applies_to=PAYROLL, issued_token_key_type=SecurityKeyType.NONE) as token:
            call(client_for(url, token, ca_file))

        say()
        say("7. A token recorded two hours ago (it expired an hour ago) is replayed:")
        shift[0] = dt.timedelta(hours=2)
        try:
            old = request_security_token(channel, applies_to=ORDERS, issued_token_key_type=SecurityKeyType.NONE)
        finally:
            shift[0] = dt.timedelta(0)
        with old:
            call(client_for(url, old, ca_file))

    say()
    say("8. mallory tries alice's name with a wrong password at the STS:")
    with sts_channel(trust_url, "alice", "guess", ca_file) as channel:
        try:
            request_security_token(channel, applies_to=ORDERS)
        except SecurityTokenServiceFault as fault:
            say(f'  -> the STS refused with {fault.code}: "{fault.reason}"')


if __name__ == "__main__":
    sys.exit(main())
