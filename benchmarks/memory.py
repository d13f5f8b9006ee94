"""make bench, memory: peak RSS growth while a server validates 100,000 distinct tokens.

The server side is a MessageVerifier as a user would run it (the default validated-token cache
on); every request carries a token never seen before, each really signed, so whatever the
verifier keeps per token (cache entries, replay records) accumulates. Signing 100,000 assertions
in the verifying process would take longer than verifying them, so issuer processes sign them
(ECDSA P-256, the same 12 attributes of 3 values as the validation benchmark) while it verifies.
The verifying process is a fresh one, so its RSS is the verifier's alone and not the high-water
mark of the benchmarks before it. Growth is the peak RSS (VmHWM on Linux) at the end minus the peak
after a warm-up of 1,000 tokens.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from benchmarks.common import BENCH_STS, Results
from samples.pki import self_signed
from wsbind import (
    CertSignedSamlAuthenticator,
    MessageVerifier,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SslTransportSecurityBinding,
    TransportFacts,
    create_xml_security_token,
)
from wsbind.saml.issuer import SamlIssuer
from wsbind.soap.timeutil import utcnow
from wsbind.wss.header import apply_security_header

TOKENS = 100_000
WARMUP = 1_000
BATCH = 500  # tokens per message from an issuer process
PROGRESS = 10_000  # print, and renew the message's Timestamp, this often
AUDIENCE = "urn:bench:service"
CLAIMS = {f"claim{i}": [f"value-{i}-{j}" for j in range(3)] for i in range(12)}
SOAP11 = b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>'
HTTPS = TransportFacts(is_https=True)
LIMIT_MB = 50


def _issue(key_pem: bytes, cert_pem: bytes, count: int, out: Any) -> None:
    """Issuer process: ``count`` distinct signed assertions, sent in batches."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError("the memory benchmark signs with an EC key")
    issuer = SamlIssuer(BENCH_STS, key, x509.load_pem_x509_certificate(cert_pem))
    while count > 0:
        size = min(BATCH, count)
        out.put([issuer.issue(subject="alice", audiences=[AUDIENCE], attributes=CLAIMS) for _ in range(size)])
        count -= size


def _peak_mb() -> float:
    """This process's peak RSS so far. On Linux VmHWM, the peak of this program's own memory:
    ru_maxrss is kept across exec, so a freshly spawned process would start with its parent's RSS
    at fork time as its peak. Elsewhere ru_maxrss (bytes on macOS)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM line in /proc/self/status")


def _current_mb() -> float | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def _frame(sample: bytes, verifier: MessageVerifier) -> tuple[bytes, bytes]:
    """The request around a token, as bytes before and after it, with a fresh Timestamp."""
    envelope = etree.fromstring(SOAP11)
    apply_security_header(
        envelope,
        [create_xml_security_token(sample)],
        now=utcnow(),
        timestamp_validity=verifier.description.timestamp_validity_duration,
    )
    message = etree.tostring(envelope)
    before, found, after = message.partition(sample)
    if not found:
        raise RuntimeError("the token is not embedded verbatim in the request")
    return before, after


def _issuers() -> int:
    """Issuer processes: one per core but the verifier's, at least one."""
    return max(1, (os.cpu_count() or 2) - 1)


def _measure() -> dict[str, Any]:
    """Run in a fresh process: peak RSS is a high-water mark, so earlier benchmarks in the same
    process would hide any growth below their own peak."""
    with tempfile.TemporaryDirectory() as folder:
        sts = self_signed(Path(folder), "bench-sts-ec", ec_key=True)
    key_pem = sts.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert_pem = sts.certificate.public_bytes(serialization.Encoding.PEM)
    authenticator = CertSignedSamlAuthenticator({BENCH_STS: sts.certificate}, audiences=[AUDIENCE])
    verifier = MessageVerifier(
        SecurityDescription([SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator=authenticator)])
    )
    processes = _issuers()
    context = multiprocessing.get_context("spawn")
    tokens: Any = context.Queue(maxsize=4 * processes)
    shares = [TOKENS // processes + (1 if i < TOKENS % processes else 0) for i in range(processes)]
    workers = [context.Process(target=_issue, args=(key_pem, cert_pem, n, tokens), daemon=True) for n in shares]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    done, verify_seconds, waited = 0, 0.0, 0.0
    frame: tuple[bytes, bytes] | None = None
    baseline_mb = peak_after_warmup = _peak_mb()
    try:
        while done < TOKENS:
            wait_start = time.perf_counter()
            try:
                batch = tokens.get(timeout=120)
            except queue.Empty:
                raise RuntimeError("the issuer processes stopped sending tokens") from None
            waited += time.perf_counter() - wait_start
            for token in batch:
                if frame is None or done % PROGRESS == 0:
                    frame = _frame(token, verifier)
                before, after = frame
                started = time.perf_counter()
                verified = verifier.verify(before + token + after, HTTPS)
                verify_seconds += time.perf_counter() - started
                assertion = verified.saml_assertion
                if assertion is None or assertion.subject_name_id != "alice":
                    raise RuntimeError("a benchmark token was not authenticated")
                done += 1
                if done == WARMUP:
                    peak_after_warmup = _peak_mb()
                if done % PROGRESS == 0:
                    current = _current_mb()
                    rss = f", RSS now {current:.0f} MB" if current is not None else ""
                    print(
                        f"  {done:>7,} tokens  {time.perf_counter() - start:5.1f} s  peak RSS {_peak_mb():.0f} MB{rss}",
                        flush=True,
                    )
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()
    cache = getattr(verifier.description, "token_cache", None)
    return {
        "tokens": TOKENS,
        "signature": "ECDSA P-256, SHA-256",
        "issuer_processes": processes,
        "token_cache_entries": len(cache) if cache is not None and hasattr(cache, "__len__") else None,
        "peak_rss_mb_before": baseline_mb,
        "peak_rss_mb_after_warmup": peak_after_warmup,
        "peak_rss_mb_end": _peak_mb(),
        "growth_mb": _peak_mb() - peak_after_warmup,
        "verify_seconds_per_request": verify_seconds / TOKENS,
        "elapsed_seconds": time.perf_counter() - start,
        "waiting_for_issuers_seconds": waited,
    }


def _child(connection: Any) -> None:
    try:
        connection.send(("ok", _measure()))
    except BaseException:
        connection.send(("error", traceback.format_exc()))
        raise
    finally:
        connection.close()


def main(results: Results) -> None:
    print(
        f"\nMemory: {TOKENS:,} distinct ECDSA P-256 tokens through one MessageVerifier (default cache), in a "
        f"fresh process, signed by {_issuers()} issuer process(es) meanwhile...",
        flush=True,
    )
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    measurer = context.Process(target=_child, args=(sender,))
    measurer.start()
    sender.close()
    try:
        status, data = receiver.recv()
    except EOFError:
        status, data = "error", f"the measuring process died (exit code {measurer.exitcode})"
    measurer.join()
    if status != "ok":
        raise RuntimeError(f"memory benchmark failed:\n{data}")
    growth = data["growth_mb"]
    print(
        f"Peak RSS {data['peak_rss_mb_after_warmup']:.0f} MB after {WARMUP:,} tokens, "
        f"{data['peak_rss_mb_end']:.0f} MB after {TOKENS:,}: growth {growth:.1f} MB (limit {LIMIT_MB} MB); "
        f"{data['peak_rss_mb_before']:.0f} MB before the first token"
        + (f"; {data['token_cache_entries']:,} entries in the token cache" if data["token_cache_entries"] else "")
    )
    per_request = data["verify_seconds_per_request"]
    print(
        f"Verified {1 / per_request:,.0f} requests/s in verify() alone ({per_request * 1e6:.0f} us each); "
        f"{TOKENS / data['elapsed_seconds']:,.0f} tokens/s overall in {data['elapsed_seconds']:.1f} s, "
        f"{data['waiting_for_issuers_seconds']:.1f} s of it waiting for the issuers"
    )
    results.add("memory", data)
    results.target(f"peak RSS growth, {TOKENS:,} distinct tokens (MB)", growth, LIMIT_MB)


if __name__ == "__main__":
    standalone = Results()
    main(standalone)
    standalone.print_targets()
