"""The federated demo: a client gets SAML tokens from an STS with WS-Trust and presents them.

Run with ``make demo``. Everything happens on 127.0.0.1 over HTTPS with keys made on the spot:
a WS-Trust security token service (spyne), an orders service (spyne) that accepts only tokens
its STS signed for it, and a zeep client that asks the STS for tokens with a username and
password, then calls the service with a bearer token and with a holder-of-key token.

Every step says what it expects (the call is accepted for alice with her claims, or refused with
a given fault code) and checks it. The summary counts what happened; when an outcome differs the
demo says which step went wrong and exits with status 1. To watch that, misconfigure the service
so that it expects tokens for another audience than the one the STS issues them for::

    .venv/bin/python -m samples.federated_demo --audience urn:wsbind:demo:typo
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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
from wsbind.errors import SecurityTokenServiceFault
from wsbind.saml.issuer import SamlIssuer
from wsbind.soap import namespaces as ns
from wsbind.soap.timeutil import utcnow
from zeep_wsbind import IssuedTokenProvider, TrustChannel, request_security_token, secure_client

ORDERS = "urn:wsbind:demo:orders"
PAYROLL = "urn:wsbind:demo:payroll"
STS_NAME = "https://sts.demo.test/adfs/services/trust"
USERS = {"alice": "correct horse battery staple"}
REFUSED = "refused with wsse:FailedAuthentication"  # what the orders service answers a bad token


def say(text: str = "") -> None:
    print(text, flush=True)


def caller(subject: str, kind: str, version: str, issuer: str, claims: Mapping[str, Sequence[str]]) -> str:
    """One line about a caller: the service answers it, and the demo's expectations are written with it."""
    listed = "; ".join(f"{name}={','.join(claims[name])}" for name in sorted(claims))
    return f"{subject} ({kind} SAML {version} from {issuer}); claims: {listed}"


class OrdersService(ServiceBase):
    """The protected service: it only answers callers the SAML handler let through."""

    @rpc(_returns=Unicode)
    def whoami(ctx: Any) -> str:
        saml = get_message_property(ctx, MessageProperty.SAML_ASSERTION)
        kind = "holder-of-key" if "holder-of-key" in (saml.confirmation_method or "") else "bearer"
        return caller(saml.subject_name_id, kind, saml.version, saml.issuer, saml.attributes)


class _Log(logging.Handler):
    """Shows the servers' own log lines: a fault says little on purpose, the log says why."""

    def emit(self, record: logging.LogRecord) -> None:
        say(f"     server log: {record.getMessage()}")


def _check_password(username: str, password: str) -> bool:
    return USERS.get(username) == password


def _claims(username: str, applies_to: str) -> dict[str, Sequence[str]]:
    return {"role": ["buyer", "approver"], "email": [f"{username}@example.test"]}


def accepted(kind: str, version: str) -> str:
    """The outcome a step expects when alice gets in: her name, the token kind and her claims."""
    return "accepted: " + caller("alice", kind, version, STS_NAME, _claims("alice", ORDERS))


@dataclass(frozen=True)
class Outcome:
    """What one step expected and what happened."""

    step: str
    expected: str
    got: str

    @property
    def ok(self) -> bool:
        return self.got == self.expected


def attempt(action: Callable[[], str]) -> str:
    """Run one step's call and say how it ended: ``accepted: ...`` or ``refused with <fault code>``."""
    try:
        answer = action()
    except zeep.exceptions.Fault as fault:
        code = [str(fault.code), *(str(c) for c in fault.subcodes or [])][-1]
        say(f'  -> refused with SOAP fault {code}: "{fault.message}"')
        return f"refused with {code}"
    except SecurityTokenServiceFault as fault:
        say(f'  -> the STS refused with {fault.code}: "{fault.reason}"')
        return f"refused by the STS with {fault.code}"
    except Exception as error:  # anything else is a step gone wrong too; say what it was
        say(f"  -> failed: {type(error).__name__}: {error}")
        return f"failed: {type(error).__name__}"
    say(f"  -> accepted: {answer}")
    return f"accepted: {answer}"


class Steps:
    """The outcomes so far; ``expect`` runs one step and reports at once when it went wrong."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []

    def expect(self, step: str, expected: str, action: Callable[[], str]) -> None:
        outcome = Outcome(step, expected, attempt(action))
        self.outcomes.append(outcome)
        if not outcome.ok:
            say(f"  !! step {step} went wrong: expected {expected}")


def whoami(url: str, token: XmlSecurityToken | IssuedTokenProvider, ca_file: Path) -> str:
    description = SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)])
    client = secure_client(url + "?wsdl", description, verify=str(ca_file))
    return str(client.service.whoami())  # the service's own words about its caller


def sts_channel(url: str, username: str, password: str, ca_file: Path) -> TrustChannel:
    """The client's channel to the STS: HTTPS plus a WS-Security UsernameToken."""
    description = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            UsernameMessageSecurityBinding(client_credential=StringUsernameCredential(username, password)),
        ]
    )
    return TrustChannel(url, description, verify=str(ca_file))


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m samples.federated_demo", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--audience",
        default=ORDERS,
        help=f"the audience the orders service accepts (default: {ORDERS}, the one the STS issues its tokens "
        "for); give another to misconfigure the service and watch the demo fail",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    options = _arguments(argv)
    started = time.monotonic()
    for name in ("spyne_wsbind", "spyne_wsbind.sts"):
        logging.getLogger(name).addHandler(_Log())
        logging.getLogger(name).propagate = False
    steps = Steps()
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
        say("   SamlMessageSecurityBinding]: it believes only tokens the STS signed for it,")
        say(f"   for the audience {options.audience}.")
        orders_description = SecurityDescription(
            [
                SslTransportSecurityBinding(),
                SamlMessageSecurityBinding(
                    authenticator=CertSignedSamlAuthenticator(
                        {STS_NAME: sts_key.certificate},  # this key may sign as this issuer, and only as it
                        decryption_cert=CertCredential(str(orders_key.cert_file), str(orders_key.key_file)),
                        audiences=[options.audience],
                    )
                ),
            ]
        )
        app = Application(
            [OrdersService], "urn:wsbind:demo", in_protocol=Soap11(validator="lxml"), out_protocol=Soap11()
        )
        sts_app = sts.wsgi_app(sts_description, clock=utcnow)
        orders_app = SecurityHandler(orders_description).wsgi_app(app)  # serve this, not app itself
        with serve(sts_app, certificates) as sts_url, serve(orders_app, certificates) as url:
            trust_url = sts_url + "adfs/services/trust/13/usernamemixed"
            say(f"   STS:    {trust_url}")
            say(f"   orders: {url}")
            _run_steps(steps, trust_url, url, ca_file, shift)

    return _summary(steps.outcomes, time.monotonic() - started)


def _run_steps(steps: Steps, trust_url: str, url: str, ca_file: Path, shift: list[dt.timedelta]) -> None:
    with sts_channel(trust_url, "alice", USERS["alice"], ca_file) as channel:
        say()
        say("4. alice asks the STS (WS-Trust 1.3) for a SAML 2.0 bearer token for the orders")
        say("   service; an IssuedTokenProvider caches it and renews it at 60 % of its lifetime.")
        say("   She calls twice; the second call uses the cached token. Expected: both accepted.")
        provider = IssuedTokenProvider(
            channel,
            applies_to=ORDERS,
            trust_version=TrustVersion.V1_3,
            issued_token_type=ns.SAML20_TOKEN_TYPE,
            issued_token_key_type=SecurityKeyType.NONE,  # bearer; the default, SYMMETRIC, is holder-of-key
        )
        for call in ("4, first call", "4, second call"):
            begun = time.perf_counter()
            steps.expect(call, accepted("bearer", "2.0"), lambda: whoami(url, provider, ca_file))
            say(f"     ({call.split(', ')[1]} took {(time.perf_counter() - begun) * 1000:.0f} ms)")

        say()
        say("5. Now a holder-of-key token (WS-Trust February 2005, SAML 1.1): the STS and the client")
        say("   both contribute entropy and derive the proof key with P_SHA1; the STS encrypts it")
        say("   to the orders service inside the assertion. The client signs the Timestamp with it.")
        say("   Expected: accepted.")

        def holder_of_key() -> str:
            with request_security_token(
                channel,
                applies_to=ORDERS,
                trust_version=TrustVersion.FEBRUARY_2005,
                issued_token_type=ns.SAML11_TOKEN_TYPE,
                issued_token_key_type=SecurityKeyType.SYMMETRIC,
                issued_token_key_entropy=SecurityKeyEntropyMode.COMBINED,
            ) as token:
                return whoami(url, token, ca_file)

        steps.expect("5", accepted("holder-of-key", "1.1"), holder_of_key)

        say()
        say("6. A token the STS issued for the payroll service is presented to the orders service.")
        say("   Expected: refused (wrong audience).")

        def payroll_token() -> str:
            with request_security_token(
                channel, applies_to=PAYROLL, issued_token_key_type=SecurityKeyType.NONE
            ) as token:
                return whoami(url, token, ca_file)

        steps.expect("6", REFUSED, payroll_token)

        say()
        say("7. A token recorded two hours ago (it expired an hour ago) is replayed.")
        say("   Expected: refused (expired).")

        def expired_token() -> str:
            shift[0] = dt.timedelta(hours=2)  # the STS's clock runs two hours behind for this one request
            try:
                old = request_security_token(channel, applies_to=ORDERS, issued_token_key_type=SecurityKeyType.NONE)
            finally:
                shift[0] = dt.timedelta(0)
            with old:
                return whoami(url, old, ca_file)

        steps.expect("7", REFUSED, expired_token)

    say()
    say("8. mallory tries alice's name with a wrong password at the STS.")
    say("   Expected: the STS refuses with wst:FailedAuthentication.")

    def wrong_password() -> str:
        with sts_channel(trust_url, "alice", "guess", ca_file) as channel:
            request_security_token(channel, applies_to=ORDERS, issued_token_key_type=SecurityKeyType.NONE)
        return "the STS issued mallory a token in alice's name"

    steps.expect("8", "refused by the STS with wst:FailedAuthentication", wrong_password)


def _summary(outcomes: Sequence[Outcome], seconds: float) -> int:
    """Count what happened; name every step that went wrong. The exit status: 0 when none did."""
    wrong = [outcome for outcome in outcomes if not outcome.ok]
    calls = sum(outcome.got.startswith("accepted") for outcome in outcomes)
    refusals = sum(outcome.got.startswith("refused") for outcome in outcomes)
    say()
    if not wrong:
        say(
            f"Done in {seconds:.1f} s: all {len(outcomes)} steps went as expected: "
            f"{calls} calls accepted, {refusals} attempts refused with the expected faults."
        )
        return 0
    say(
        f"FAILED: {len(wrong)} of {len(outcomes)} steps did not go as expected "
        f"({calls} calls accepted, {refusals} refused):"
    )
    for outcome in wrong:
        say(f"  step {outcome.step}: expected {outcome.expected}")
        say(f"  {' ' * len(f'step {outcome.step}')}  but got {outcome.got}")
    say("The server log lines above each step say why the service or the STS decided as it did.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
