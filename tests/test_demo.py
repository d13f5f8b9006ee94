"""The federated demo checks what it says: run as ``make demo`` runs it, then misconfigured.

Each run starts a real STS and a real orders service (spyne on cheroot, HTTPS on 127.0.0.1)
and a real zeep client, in a child process, exactly as a newcomer would run it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_demo(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "samples.federated_demo", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_demo_passes_and_counts_what_happened() -> None:
    result = run_demo()
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(
        r"Done in \d+\.\d s: all 6 steps went as expected: 3 calls accepted, "
        r"3 attempts refused with the expected faults\.",
        summary,
    ), summary
    assert "went wrong" not in result.stdout
    # The accepted calls name alice and her claims as the service read them from the token.
    assert result.stdout.count("-> accepted: alice (bearer SAML 2.0 from https://sts.demo.test/") == 2
    assert result.stdout.count("-> accepted: alice (holder-of-key SAML 1.1 from https://sts.demo.test/") == 1
    assert "claims: email=alice@example.test; role=buyer,approver" in result.stdout
    assert result.stderr == ""  # nothing stray: the servers' lines go through the demo's log handler


def test_a_service_expecting_another_audience_fails_the_demo_naming_the_steps() -> None:
    """A real misconfiguration: the service accepts an audience the STS never issues tokens for."""
    result = run_demo("--audience", "urn:wsbind:demo:typo")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "FAILED: 3 of 6 steps did not go as expected (0 calls accepted, 6 refused):" in out
    for step in ("4, first call", "4, second call", "5"):
        assert f"!! step {step} went wrong" in out
        assert f"\n  step {step}: expected accepted: alice" in out
    assert "but got refused with wsse:FailedAuthentication" in out
    for step in ("6", "7", "8"):  # their refusals are still the expected ones
        assert f"step {step} went wrong" not in out
    assert "(wrong-audience)" in out  # the server's log line says why
    assert "Done in" not in out
