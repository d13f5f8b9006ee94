"""make bench, end-to-end part: a real zeep client calling a real spyne service on loopback HTTPS.

Three endpoints of one service run in this process (cheroot, 4 threads each, like the tests), each
behind SecurityHandler: a plain one (SslTransportSecurityBinding only: the handler reads and checks
the envelope, no token), a SAML one (CertSignedSamlAuthenticator with an audience) and a
holder-of-key one (the same, with the relying party's decryption key). Tokens are RSA-SHA256
signed SAML 2.0 assertions with seven claims, about 4.6 KB. Every contender is one zeep call of
the same small operation over a kept-alive HTTPS session:

- plain call: no plugin, plain endpoint (the baseline);
- client plugin alone: SecurityPlugin attaching a bearer token, sent to the plain endpoint, which
  does not look at tokens (spyne ignores mustUnderstand), so what is added is the client side and
  carrying and parsing the larger message;
- bearer / holder-of-key, repeated token: one token on every call (the server's token cache on,
  the default);
- bearer / holder-of-key, first presentation: a distinct token on every call, issued before the
  timing starts and handed out by an XmlTokenSource (as an IssuedTokenProvider would).
"""

from __future__ import annotations

import gc
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import requests
import zeep
from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11

from benchmarks.common import BENCH_STS, Results, interleaved, print_table
from samples.pki import Identity, self_signed, tls_server
from samples.server import serve
from spyne_wsbind import MessageProperty, SecurityHandler, get_message_property
from wsbind import (
    AnonymousServerWarning,
    CertCredential,
    CertSignedSamlAuthenticator,
    RawSymmetricSecurityKeyHandle,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SecurityKeyType,
    SslTransportSecurityBinding,
    XmlTokenMessageSecurityBinding,
    create_xml_security_token,
)
from wsbind.saml.issuer import HOLDER_OF_KEY_V2, SamlIssuer
from wsbind.trust.client import saml_token_reference
from wsbind.wss.proof import encrypted_key_info
from wsbind.wss.tokens import XmlSecurityToken
from zeep_wsbind import SecurityPlugin

ROUNDS, CALLS = 40, 15  # many short rounds: a burst of machine noise spoils few of them
AUDIENCE = "urn:bench:e2e"
# Claims as an AD FS token carries them: about 4.6 KB signed, the size issue 5's figures are for.
CLAIMS = {
    f"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/{name}": [f"{name}-value-{n}" for n in range(2)]
    for name in ("name", "emailaddress", "upn", "givenname", "surname", "role", "groups")
}
TOKEN_BYTES: dict[str, int] = {}  # filled by _contenders, for the results
PLAIN = "plain call"
PLUGIN_ALONE = "client plugin alone"
BEARER_REPEATED = "bearer, repeated token"
BEARER_FIRST = "bearer, first presentation"
HOK_REPEATED = "holder-of-key, repeated token"
HOK_FIRST = "holder-of-key, first presentation"


class EchoService(ServiceBase):
    @rpc(Unicode, _returns=Unicode)
    def echo(ctx: Any, text: str) -> str:
        return text

    @rpc(_returns=Unicode)
    def subject(ctx: Any) -> str:
        assertion = get_message_property(ctx, MessageProperty.SAML_ASSERTION)
        return "anonymous" if assertion is None else str(assertion.subject_name_id)


Wrap = Callable[[Any], Any]


def _unwrapped(app: Any) -> Any:
    return app


def _app() -> Application:
    return Application([EchoService], tns="urn:bench:e2e", in_protocol=Soap11(validator="lxml"), out_protocol=Soap11())


class _FreshTokens:
    """An XmlTokenSource handing out each pre-issued token once: every call is a first presentation."""

    def __init__(self, tokens: list[XmlSecurityToken], key_type: SecurityKeyType) -> None:
        self._tokens: Iterator[XmlSecurityToken] = iter(tokens)
        self._key_type = key_type

    @property
    def key_type(self) -> SecurityKeyType:
        return self._key_type

    def current_token(self, *, block: bool) -> XmlSecurityToken:
        return next(self._tokens)  # the plugin frees it after the call, as it does a provider's

    async def aprefetch(self) -> None:
        return None


def _client(url: str, ca: Path, plugins: list[Any]) -> zeep.Client:
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides verify
    session.verify = str(ca)
    return zeep.Client(url + "?wsdl", transport=zeep.Transport(session=session), plugins=plugins)


def _description(token: XmlSecurityToken | _FreshTokens) -> SecurityDescription:
    return SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)])


def _hok_token(saml: SamlIssuer, relying_party: Identity) -> XmlSecurityToken:
    key = os.urandom(32)
    assertion = saml.issue(
        subject="alice",
        audiences=[AUDIENCE],
        attributes=CLAIMS,
        confirmation_method=HOLDER_OF_KEY_V2,
        confirmation_key_info=encrypted_key_info(key, relying_party.certificate),
    )
    return create_xml_security_token(
        assertion, RawSymmetricSecurityKeyHandle(key), attached_reference=saml_token_reference(assertion)
    )


def _servers(stack: ExitStack, work: Path, sts: Identity, relying_party: Identity, wrap: Wrap) -> dict[str, str]:
    ca, server = tls_server(work)
    tls = (server.cert_file, server.key_file)
    saml = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            SamlMessageSecurityBinding(
                authenticator=CertSignedSamlAuthenticator({BENCH_STS: sts.certificate}, audiences=[AUDIENCE])
            ),
        ]
    )
    hok = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            SamlMessageSecurityBinding(
                authenticator=CertSignedSamlAuthenticator(
                    [sts.certificate],
                    CertCredential(str(relying_party.cert_file), str(relying_party.key_file)),
                    audiences=[AUDIENCE],
                )
            ),
        ]
    )
    plain = SecurityDescription([SslTransportSecurityBinding()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AnonymousServerWarning)  # the plain baseline is anonymous by design
        urls = {
            name: stack.enter_context(serve(wrap(SecurityHandler(description).wsgi_app(_app())), tls))
            for name, description in (("plain", plain), ("saml", saml), ("hok", hok))
        }
    urls["ca"] = str(ca)
    return urls


@contextmanager
def _contenders(calls: int, wrap: Wrap = _unwrapped) -> Iterator[dict[str, zeep.Client]]:
    """Start the endpoints, issue fresh tokens for ``calls`` calls of each first-presentation
    contender (and its check), and yield one checked zeep client per contender; stop everything on exit."""
    count = calls + 1
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        work = Path(folder)
        sts, relying_party = self_signed(work, "bench-e2e-sts"), self_signed(work, "bench-e2e-rp")
        saml = SamlIssuer(BENCH_STS, sts.private_key, sts.certificate)
        urls = _servers(stack, work, sts, relying_party, wrap)
        ca = Path(urls["ca"])
        print(f"End-to-end: issuing {2 * count + 2} tokens before timing...", end=" ", flush=True)
        bearer = create_xml_security_token(saml.issue(subject="alice", audiences=[AUDIENCE], attributes=CLAIMS))
        bearer_fresh = [
            create_xml_security_token(saml.issue(subject="alice", audiences=[AUDIENCE], attributes=CLAIMS))
            for _ in range(count)
        ]
        hok = _hok_token(saml, relying_party)
        hok_fresh = [_hok_token(saml, relying_party) for _ in range(count)]
        TOKEN_BYTES.update(bearer=len(bearer.xml), holder_of_key=len(hok.xml))
        print(f"bearer {len(bearer.xml)} bytes, holder-of-key {len(hok.xml)} bytes", flush=True)
        clients = {
            PLAIN: _client(urls["plain"], ca, []),
            PLUGIN_ALONE: _client(urls["plain"], ca, [SecurityPlugin(_description(bearer))]),
            BEARER_REPEATED: _client(urls["saml"], ca, [SecurityPlugin(_description(bearer))]),
            BEARER_FIRST: _client(
                urls["saml"], ca, [SecurityPlugin(_description(_FreshTokens(bearer_fresh, SecurityKeyType.NONE)))]
            ),
            HOK_REPEATED: _client(urls["hok"], ca, [SecurityPlugin(_description(hok))]),
            HOK_FIRST: _client(
                urls["hok"], ca, [SecurityPlugin(_description(_FreshTokens(hok_fresh, SecurityKeyType.SYMMETRIC)))]
            ),
        }
        _check(clients, urls["saml"], ca)
        try:
            yield clients
        finally:
            for client in clients.values():
                client.transport.session.close()


def _echo(client: zeep.Client) -> Callable[[], object]:
    service = client.service
    return lambda: service.echo("hello")


def main(results: Results) -> None:
    with _contenders(ROUNDS * CALLS + 1) as clients:  # + interleaved()'s warm-up call
        contenders = {name: _echo(client) for name, client in clients.items()}
        print(f"Timing {len(contenders)} contenders ({ROUNDS} interleaved rounds x {CALLS} calls)...", flush=True)
        # The harness's own long-lived objects (a thousand pre-issued tokens, six clients' WSDLs,
        # three servers) would make each full garbage collection long, landing at random on one
        # contender; frozen, collections cost what each contender's own garbage costs.
        gc.collect()
        gc.freeze()
        try:
            medians = interleaved(contenders, rounds=ROUNDS, calls=CALLS, label="e2e")
        finally:
            gc.unfreeze()
    print_table("End-to-end zeep -> spyne calls on loopback HTTPS (keep-alive)", medians, PLAIN)
    base = medians[PLAIN]
    ratios = {name: median / base for name, median in medians.items()}
    results.add(
        "e2e",
        {
            "rounds": ROUNDS,
            "calls": CALLS,
            "token_bytes": dict(TOKEN_BYTES),
            "median_seconds": medians,
            "ratio_to_plain": ratios,
        },
    )
    results.target("e2e bearer repeated / plain", ratios[BEARER_REPEATED], 1.10)
    results.target("e2e bearer first presentation / plain", ratios[BEARER_FIRST], 1.30)
    results.target("e2e client plugin alone / plain", ratios[PLUGIN_ALONE], 1.05)


def _check(clients: dict[str, zeep.Client], saml_url: str, ca: Path) -> None:
    """Before timing: each secured contender is really authenticated (one fresh token each is
    used here), and the SAML endpoint refuses a call without a token."""
    for name in (BEARER_REPEATED, BEARER_FIRST, HOK_REPEATED, HOK_FIRST):
        subject = clients[name].service.subject()
        if subject != "alice":
            raise AssertionError(f"{name}: the service saw {subject!r}")
    handler_log = logging.getLogger("spyne_wsbind")
    level = handler_log.level
    handler_log.setLevel(logging.ERROR)  # the expected refusal is no news
    try:
        _client(saml_url, ca, []).service.echo("hello")
    except zeep.exceptions.Fault:
        pass
    else:
        raise AssertionError("the SAML endpoint answered a call without a token")
    finally:
        handler_log.setLevel(level)


if __name__ == "__main__":
    alone = Results()
    main(alone)
    alone.print_targets()
