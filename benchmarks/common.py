"""Shared by the benchmarks: interleaved timing, medians and ratios, the results file.

Every contender in a group is timed in turn within each round, so machine noise hits all of them
alike; what is reported is the median time per call over the rounds and the ratio to a baseline.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

BENCH_STS = "https://sts.bench.test"
"""The issuer name of the benchmarks' STS (its key is trusted for this name only)."""

RESULTS_DIR = Path("build/bench")
RESULTS_JSON = RESULTS_DIR / "results.json"


def interleaved(
    contenders: Mapping[str, Callable[[], object]], *, rounds: int, calls: int, label: str = ""
) -> dict[str, float]:
    """Median seconds per call of each contender, timed round-robin."""
    for run in contenders.values():  # warm up: first calls load keys, fill caches, compile XPath
        run()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            for _ in range(calls):
                run()
            samples[name].append((time.perf_counter() - start) / calls)
        print(f"  {label} round {round_number + 1}/{rounds}", end="\r", flush=True)
    print(" " * 60, end="\r")
    return {name: statistics.median(values) for name, values in samples.items()}


def print_table(title: str, medians: Mapping[str, float], baseline: str) -> None:
    """One group: median per call and the ratio to ``baseline`` (measured in the same run)."""
    base = medians[baseline]
    print(f"\n{title}")
    print(f"  {'contender':<58} {'median':>10} {'x ' + baseline:>28}")
    for name, median in medians.items():
        print(f"  {name:<58} {_duration(median):>10} {median / base:>28.2f}")


def _duration(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} us" if seconds < 0.01 else f"{seconds * 1e3:.1f} ms"


class Results:
    """Collects each benchmark's numbers; written once as build/bench/results.json."""

    def __init__(self) -> None:
        self.sections: dict[str, Any] = {}
        self.targets: list[dict[str, Any]] = []

    def add(self, section: str, data: Any) -> None:
        self.sections[section] = data

    def target(self, name: str, measured: float, limit: float, *, at_least: bool = False) -> None:
        """Record one target of issue 5: a measured ratio against its limit (at most, or at least)."""
        met = measured >= limit if at_least else measured <= limit
        self.targets.append({"target": name, "measured": measured, "limit": limit, "at_least": at_least, "met": met})

    def print_targets(self) -> None:
        print("\nTargets")
        for t in self.targets:
            bound = ">=" if t["at_least"] else "<="
            verdict = "met" if t["met"] else "NOT met"
            print(f"  {t['target']:<58} {t['measured']:>7.2f} {bound} {t['limit']:<5} {verdict}")

    def write(self) -> Path:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULTS_JSON.write_text(json.dumps({"sections": self.sections, "targets": self.targets}, indent=2))
        return RESULTS_JSON
