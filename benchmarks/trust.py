"""make bench, WS-Trust part: token request latency and STS issue rate on loopback HTTPS.

The client is our TrustChannel, the STS our spyne SecurityTokenService behind cheroot (4 threads).
Signing one assertion alone (SamlIssuer.issue) is printed beside it as the floor.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.common import BENCH_STS, Results
from samples.pki import self_signed, tls_server
from samples.server import serve
from spyne_wsbind import SecurityTokenService
from wsbind import (
    SecurityDescription,
    SecurityKeyEntropyMode,
    SecurityKeyType,
    SslTransportSecurityBinding,
    StringUsernameCredential,
    TrustVersion,
    UsernameMessageSecurityBinding,
)
from wsbind.saml.issuer import SamlIssuer
from zeep_wsbind import TrustChannel, request_security_token

AUDIENCE = "urn:bench:service"
REQUESTS, THREADS = 200, 4
FLOOR = "SamlIssuer.issue alone (signing floor)"
KINDS: dict[str, dict[str, Any]] = {
    "bearer, WS-Trust 1.3, SAML 2.0": {
        "trust_version": TrustVersion.V1_3,
        "issued_token_key_type": SecurityKeyType.NONE,
    },
    "holder-of-key P_SHA1, Feb 2005, SAML 1.1": {
        "trust_version": TrustVersion.FEBRUARY_2005,
        "issued_token_type": "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1",
        "issued_token_key_type": SecurityKeyType.SYMMETRIC,
        "issued_token_key_entropy": SecurityKeyEntropyMode.COMBINED,
    },
}


def _timed(run: Callable[[], object], count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def main(results: Results) -> None:
    medians: dict[str, float] = {}
    p95s: dict[str, float] = {}
    sequential: dict[str, float] = {}
    parallel_rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        signing, relying_party = self_signed(work, "bench-sts"), self_signed(work, "bench-rp")
        ca_file, tls = tls_server(work)
        issuer = SamlIssuer(BENCH_STS, signing.private_key, signing.certificate)
        sts = SecurityTokenService(issuer, relying_parties={AUDIENCE: relying_party.certificate})
        server_side = SecurityDescription(
            [SslTransportSecurityBinding(), UsernameMessageSecurityBinding(password_validator=lambda u, p: True)]
        )
        client_side = SecurityDescription(
            [
                SslTransportSecurityBinding(),
                UsernameMessageSecurityBinding(client_credential=StringUsernameCredential("alice", "pw")),
            ]
        )
        floor = statistics.median(_timed(lambda: issuer.issue(subject="alice", audiences=[AUDIENCE]), REQUESTS))
        print(f"\nWS-Trust on loopback HTTPS ({REQUESTS} requests per row; STS on 4 server threads)")
        print(f"{'request':<44} {'median':>9} {'p95':>9} {'seq/s':>7} {f'{THREADS} thr/s':>9}")
        print(f"{FLOOR:<44} {floor * 1e3:>7.2f}ms")
        medians[FLOOR] = floor
        with serve(sts.wsgi_app(server_side), (tls.cert_file, tls.key_file)) as url:
            with TrustChannel(url, client_side, verify=str(ca_file)) as channel:
                for name, options in KINDS.items():

                    def request(options: dict[str, Any] = options) -> None:
                        request_security_token(channel, applies_to=AUDIENCE, **options).free()

                    request()  # warm the connection
                    times = _timed(request, REQUESTS)
                    start = time.perf_counter()
                    with ThreadPoolExecutor(THREADS) as pool:
                        list(pool.map(lambda _: request(), range(REQUESTS)))
                    parallel = REQUESTS / (time.perf_counter() - start)
                    p95 = statistics.quantiles(times, n=20)[-1]
                    medians[name], p95s[name] = statistics.median(times), p95
                    sequential[name], parallel_rates[name] = REQUESTS / sum(times), parallel
                    print(
                        f"{name:<44} {medians[name] * 1e3:>7.2f}ms {p95 * 1e3:>7.2f}ms "
                        f"{sequential[name]:>7.0f} {parallel:>9.0f}"
                    )
    results.add(
        "trust",
        {
            "requests": REQUESTS,
            "threads": THREADS,
            "baseline": FLOOR,
            "median_seconds": medians,
            "p95_seconds": p95s,
            "sequential_per_second": sequential,
            f"{THREADS}_threads_per_second": parallel_rates,
        },
    )


if __name__ == "__main__":
    standalone = Results()
    main(standalone)
