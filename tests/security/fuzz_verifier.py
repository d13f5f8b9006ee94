"""Coverage-guided fuzzing of MessageVerifier.verify with atheris (libFuzzer): ``make fuzz``.

Bytes in; the only allowed failure is SecurityVerificationError, and an accepted message must
authenticate exactly what a baseline does (security.mutations.Authenticated). Anything else
(another exception, a changed identity, a hang past -timeout) is a finding: libFuzzer writes
the input to the artifact directory (build/fuzz-findings/ unless -artifact_prefix is given);
move it into tests/security/fuzz_corpus/regressions/ and test_fuzz_regressions.py replays it.

Keys are fresh each run, so signed seeds cannot be committed: the harness builds its World in
build/fuzz-work/ (replaced each run), writes the baselines and some structured mutations of
them into the corpus there, and also reads the committed seed/ and regressions/ directories. A custom
mutator applies the structure-aware mutations of security.mutations to part of the inputs
and leaves the rest to libFuzzer's byte mutations.

    python -m tests.security.fuzz_verifier -max_total_time=60 [libFuzzer flags] [corpus dirs]
"""

from __future__ import annotations

import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = HERE / "fuzz_corpus"
FINDINGS = ROOT / "build" / "fuzz-findings"
STRUCTURED_SEEDS = 64
"""Structured mutations of the baselines added to the starting corpus (fixed seed)."""

for path in (str(ROOT / "tests"), str(ROOT)):
    if path not in sys.path:
        sys.path.insert(0, path)

with atheris.instrument_imports(include=["wsbind"]):
    from security import mutations
    from security.harness import BASES, NOW, World, make_world
    from wsbind.errors import SecurityVerificationError
    from wsbind.verifier import MessageVerifier, TransportFacts


class Finding(Exception):
    """The verifier accepted a message that authenticates something no baseline does."""


class Target:
    """One verification per input; counts executions and acceptances for the summary."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.description = world.description()  # built once (~15 ms); a verifier per input
        self.executions = 0
        self.accepted = 0
        self.references = [mutations.Authenticated.of(self._assertion(world.baseline(b))) for b in BASES]

    def _assertion(self, data: bytes) -> Any:
        verifier = MessageVerifier(self.description, clock=lambda: NOW)
        return verifier.verify(data, TransportFacts(is_https=True)).saml_assertion

    def __call__(self, data: bytes) -> None:
        self.executions += 1
        if self.executions % 20000 == 0:
            print(f"wsbind fuzz: {self.executions} executions, {self.accepted} accepted", file=sys.stderr, flush=True)
        try:
            assertion = self._assertion(data)
        except SecurityVerificationError:
            return
        self.accepted += 1
        accepted = mutations.Authenticated.of(assertion)
        if accepted not in self.references:
            raise Finding(f"accepted, but {min((accepted.differences(r) for r in self.references), key=len)}")


def make_mutator(world: World) -> Callable[[bytes, int, int], bytes]:
    """Half libFuzzer's byte mutations, the rest tree steps on the input or a fresh mutated baseline."""

    def mutate(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        choice = rng.random()
        if choice < 0.5:
            return bytes(atheris.Mutate(data, max_size))
        if choice < 0.85:
            out = mutations.apply_tree_steps(data, [mutations.random_step(rng)], world.baseline)
            if out == data:
                return bytes(atheris.Mutate(data, max_size))
        else:
            out = mutations.apply_mutation(world, mutations.random_mutation(rng))
        return out[:max_size]

    return mutate


def write_seeds(world: World, corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    for base in BASES:
        (corpus / f"baseline-{base}.xml").write_bytes(world.baseline(base))
    rng = random.Random(0)
    for i in range(STRUCTURED_SEEDS):
        (corpus / f"mutated-{i:03d}.xml").write_bytes(mutations.apply_mutation(world, mutations.random_mutation(rng)))


def fuzz_arguments(argv: list[str], corpus: Path) -> list[str]:
    """libFuzzer's argv: the caller's flags, our defaults for the rest, then the corpus dirs."""
    flags = [a for a in argv[1:] if a.startswith("-")]
    dirs = [a for a in argv[1:] if not a.startswith("-")]
    defaults = {
        "-artifact_prefix": f"{FINDINGS}/",
        "-dict": str(CORPUS / "xml.dict"),
        "-max_len": "16384",
        "-timeout": "10",
        "-rss_limit_mb": "2048",
        "-print_final_stats": "1",
    }
    given = {f.split("=", 1)[0] for f in flags}
    flags += [f"{name}={value}" for name, value in defaults.items() if name not in given]
    # New inputs go to the first directory: this run's corpus, never the committed ones.
    committed = [str(d) for d in (CORPUS / "seed", CORPUS / "regressions") if d.is_dir()]
    return [argv[0], *flags, str(corpus), *dirs, *committed]


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    FINDINGS.mkdir(parents=True, exist_ok=True)
    work = ROOT / "build" / "fuzz-work"  # this run's keys and growing corpus; replaced every run
    shutil.rmtree(work, ignore_errors=True)
    (work / "pki").mkdir(parents=True)
    world = make_world(work / "pki")
    write_seeds(world, work / "corpus")
    target = Target(world)
    print(f"wsbind fuzz: world and corpus in {work}; findings go to {FINDINGS}/", flush=True)
    atheris.Setup(fuzz_arguments(args, work / "corpus"), target, custom_mutator=make_mutator(world))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
