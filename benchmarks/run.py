"""make bench: every benchmark in one run, ours beside the peers, then the targets of issue 5.

The modules run in order (validation, issuance, end-to-end, memory, WS-Trust); each prints its own
tables of interleaved medians and ratios and adds its numbers and targets to one Results. The run
ends with the targets, build/bench/results.json (everything) and build/bench/results.md (the key
rows and the targets, short enough to paste into an issue).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any

import cryptography
import xmlsec
from cryptography.hazmat.backends.openssl.backend import backend as openssl
from lxml import etree

from benchmarks import e2e, issuance, memory, trust, validation
from benchmarks.common import RESULTS_DIR, Results

RESULTS_MD = RESULTS_DIR / "results.md"
BENCHMARKS: tuple[tuple[str, Callable[[Results], None]], ...] = (
    ("validation", validation.main),
    ("issuance", issuance.main),
    ("e2e", e2e.main),
    ("memory", memory.main),
    ("trust", trust.main),
)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _xmlsec1_program() -> str:
    program = shutil.which("xmlsec1")
    if program is None:
        return "not installed"
    output = subprocess.run([program, "--version"], capture_output=True, text=True, check=False).stdout
    return output.strip() or "unknown"


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def machine() -> dict[str, Any]:
    """What the numbers depend on: cores, Python and the XML and crypto libraries, ours and the peers'."""
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "lxml": _dotted(etree.LXML_VERSION),
        "libxml2 (lxml)": _dotted(etree.LIBXML_VERSION),
        "python-xmlsec": xmlsec.__version__,
        "libxmlsec1 (python-xmlsec)": _dotted(xmlsec.get_libxmlsec_version()),
        "libxml2 (python-xmlsec)": _dotted(xmlsec.get_libxml_version()),
        "cryptography": cryptography.__version__,
        "OpenSSL (cryptography)": openssl.openssl_version_text(),
        "signxml": _version("signxml"),
        "python3-saml": _version("python3-saml"),
        "pysaml2": _version("pysaml2"),
        "xmlsec1 program (pysaml2)": _xmlsec1_program(),
    }


def _duration(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} us" if seconds < 0.001 else f"{seconds * 1e3:.2f} ms"


def _tables(section: str, data: Any) -> list[tuple[str, Mapping[str, float], str | None, Mapping[str, str]]]:
    """The groups of medians in a section: (title, medians, baseline, skipped), found at its top
    level or one level down (one group per SAML version, say)."""
    if not isinstance(data, Mapping):
        return []
    if isinstance(data.get("median_seconds"), Mapping):
        candidates = [(section, data)]
    else:
        candidates = [(f"{section}, {key}", value) for key, value in data.items() if isinstance(value, Mapping)]
    return [
        (title, group["median_seconds"], group.get("baseline"), group.get("skipped") or {})
        for title, group in candidates
        if isinstance(group.get("median_seconds"), Mapping)
    ]


def markdown(results: Results, total_seconds: float) -> str:
    """The short report: machine, each group's medians and ratios, the targets."""
    info = results.sections.get("machine", {})
    lines = [
        "## make bench",
        "",
        f"{info.get('cores')} cores, Python {info.get('python')}, lxml {info.get('lxml')} "
        f"(libxml2 {info.get('libxml2 (lxml)')}), python-xmlsec {info.get('python-xmlsec')} "
        f"(libxmlsec1 {info.get('libxmlsec1 (python-xmlsec)')}); whole run {total_seconds:.0f} s.",
    ]
    failed = results.sections.get("run", {}).get("failed")
    if failed:
        lines.append(f"FAILED (no numbers): {', '.join(failed)}.")
    for section, data in results.sections.items():
        groups = _tables(section, data)
        if not groups and section not in {"machine", "run"} and isinstance(data, Mapping):
            scalars = {k: v for k, v in data.items() if isinstance(v, (int, float, str))}
            lines += ["", f"### {section}", ""] + [f"- {k}: {_scalar(v)}" for k, v in scalars.items()]
        for title, medians, baseline, skipped in groups:
            base_name = baseline if baseline in medians else next(iter(medians), None)
            base = medians[base_name] if base_name is not None else 0.0
            lines += ["", f"### {title}", "", f"| contender | median | x {base_name} |", "|---|---:|---:|"]
            for name, median in medians.items():
                ratio = f"{median / base:.2f}" if base else "-"
                lines.append(f"| {name} | {_duration(median)} | {ratio} |")
            lines += [f"| {name} | - | not measured: {reason} |" for name, reason in skipped.items()]
    lines += ["", "### Targets", "", "| target | measured | limit | |", "|---|---:|---:|---|"]
    for t in results.targets:
        bound = ">=" if t["at_least"] else "<="
        verdict = "met" if t["met"] else "**NOT met**"
        lines.append(f"| {t['target']} | {t['measured']:.2f} | {bound} {t['limit']} | {verdict} |")
    return "\n".join(lines) + "\n"


def _scalar(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def main() -> None:
    started = time.perf_counter()
    results = Results()
    info = machine()
    results.add("machine", info)
    print("make bench: wsbind and its peers, measured in the same run (medians of interleaved rounds)")
    for key, value in info.items():
        print(f"  {key:<28} {value}")
    timings: dict[str, float] = {}
    failed = []
    for name, run in BENCHMARKS:
        start = time.perf_counter()
        try:
            run(results)
        except Exception:  # one broken benchmark must not hide the others' numbers
            traceback.print_exc()
            failed.append(name)
        timings[name] = time.perf_counter() - start
        print(f"[{name}: {timings[name]:.0f} s{', FAILED' if name in failed else ''}]", flush=True)
    total = time.perf_counter() - started
    results.add("run", {"seconds_per_module": timings, "total_seconds": total, "failed": failed})
    results.print_targets()
    written = results.write()
    RESULTS_MD.write_text(markdown(results, total))
    print(f"\nResults: {written} and {RESULTS_MD}")
    print(f"Total: {total:.0f} s ({', '.join(f'{n} {s:.0f} s' for n, s in timings.items())})")
    if failed:
        sys.exit(f"benchmarks that failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
