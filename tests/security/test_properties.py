"""The verifier's invariants as Hypothesis properties over mutated baselines (security.mutations).

For every mutated message, through the real MessageVerifier (run_verifier, no mocks):

(a) it is accepted or refused with SecurityVerificationError, never anything else;
(b) if accepted, it authenticates exactly what a baseline did: the same identity, the same
    SAML fields (subject, issuer, attributes, audiences, validity, confirmation) and the same
    canonical signed assertion content. "A baseline", not "its baseline": splicing or grafting
    can legitimately turn one baseline into another;
(c) it is decided within a Hypothesis ``deadline`` of 2 s. That is a denial-of-service guard
    against algorithmic blow-ups (a message normally takes about a millisecond), not a
    performance assertion.

Runs are reproducible (``derandomize``, no example database): the same examples every run; a
failure prints the Mutation, and ``apply_mutation(world, mutation)`` replays it. The number
of mutations tried is shown in the terminal summary and written to mutations-tried.json in
pytest's base temporary directory.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from lxml import etree

from security.harness import BASES, IDENTITY, NOW, HttpService, Outcome, World, run_verifier
from security.mutations import Authenticated, apply_mutation, c14n, mutations
from wsbind import SecurityDescription
from wsbind.errors import SecurityVerificationError
from wsbind.saml.assertion import SamlAssertion
from wsbind.verifier import MessageVerifier, TransportFacts

EXAMPLES_PER_BASE = 1000
HTTP_EXAMPLES = 100
DEADLINE = timedelta(seconds=2)

COMMON = settings(
    deadline=DEADLINE,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


# -- what an accepted message must still authenticate ------------------------------------------


@dataclass
class Env:
    """The world, one description and the tally: one short name in a failing example's printout."""

    world: World
    description: SecurityDescription
    """Built once (it loads keys, ~15 ms); a verifier per message is cheap. Its replay cache is
    shared, which is harmless: no baseline carries OneTimeUse."""
    counts: Counter[str] = field(default_factory=Counter)
    references: dict[str, Authenticated] = field(default_factory=dict)

    def __repr__(self) -> str:
        return "Env(world)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def verify(self, message: bytes) -> SamlAssertion:
        """The assertion an accepted message carries, from a fresh verifier set up like run_verifier."""
        verifier = MessageVerifier(self.description, clock=lambda: NOW)
        verified = verifier.verify(message, TransportFacts(is_https=True))
        assert verified.saml_assertion is not None
        return verified.saml_assertion

    def reference(self, base: str) -> Authenticated:
        if base not in self.references:
            self.references[base] = Authenticated.of(self.verify(self.world.baseline(base)))
        return self.references[base]

    def run(self, message: bytes) -> Outcome:
        """(a): run_verifier lets only SecurityVerificationError through as a refusal."""
        note(f"message: {message[:3000]!r}")
        return run_verifier(self.world, [message], self.description)

    def check_accepted(self, what: str, message: bytes, outcome: Outcome) -> None:
        """(b): the identity, and everything else the assertion says, is a baseline's."""
        assert outcome.identity == IDENTITY, f"{what}: identity changed to {outcome.identity!r}"
        accepted = Authenticated.of(self.verify(message))
        references = {base: self.reference(base) for base in BASES}
        if accepted not in references.values():
            closest = min(references.values(), key=lambda r: len(accepted.differences(r)))
            raise AssertionError(f"{what}: accepted, but {accepted.differences(closest)}")


@pytest.fixture(scope="module")
def env(world: World, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """Also reports the mutations tried: in the terminal summary and in mutations-tried.json."""
    state = Env(world, world.description())
    request.config.pluginmanager.register(_Summary(state), "security-mutations-tried")
    yield state
    tried = sum(n for name, n in state.counts.items() if not name.startswith("accepted"))
    report = {"tried": tried, "counts": dict(state.counts)}
    (tmp_path_factory.getbasetemp() / "mutations-tried.json").write_text(json.dumps(report, indent=1))


class _Summary:
    def __init__(self, env: Env) -> None:
        self.env = env

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        counts = self.env.counts
        tried = sum(n for name, n in counts.items() if not name.startswith("accepted"))
        terminalreporter.write_sep("-", f"security mutations tried: {tried}")
        terminalreporter.write_line(", ".join(f"{name} {count}" for name, count in sorted(counts.items())))


# -- the properties ----------------------------------------------------------------------------


@pytest.mark.parametrize("base", BASES)
@settings(COMMON, max_examples=EXAMPLES_PER_BASE)
@given(data=st.data())
def test_mutations_are_refused_or_change_nothing(env: Env, base: str, data: st.DataObject) -> None:
    """(a), (b), (c) for mutations of one baseline (tree, byte and mixed)."""
    mutation = data.draw(mutations((base,)), label="mutation")
    message = apply_mutation(env.world, mutation)
    env.counts[f"verifier/{base}"] += 1
    outcome = env.run(message)
    if outcome.accepted:
        env.counts["accepted (checked for (b))"] += 1
        env.check_accepted(mutation.describe(), message, outcome)


def _same_body(message: bytes, baseline: bytes) -> bool:
    """Whether the SOAP Body is the baseline's (a changed body is the application's business)."""
    try:
        bodies = [etree.fromstring(m)[-1] for m in (message, baseline)]
    except (etree.XMLSyntaxError, IndexError):
        return False
    return c14n(bodies[0]) == c14n(bodies[1])


@settings(COMMON, max_examples=HTTP_EXAMPLES)
@given(data=st.data())
def test_over_https_refusals_are_generic_and_acceptances_keep_identity(
    env: Env, service: HttpService, data: st.DataObject
) -> None:
    """Through the spyne handler: HttpService.send asserts that every refusal is exactly the
    generic fault, with no error logged; an accepted message still authenticates alice.

    A message the verifier accepts but whose Body was changed is skipped: spyne then answers
    with its own application fault (unknown method), which is not a security decision.
    """
    mutation = data.draw(mutations(), label="mutation")
    message = apply_mutation(env.world, mutation)
    direct = env.run(message)
    assume(not direct.accepted or _same_body(message, env.world.baseline(mutation.base)))
    env.counts["https"] += 1
    outcome = service.send([message])
    if outcome.accepted:
        assert outcome.identity == IDENTITY, f"{mutation.describe()}: identity changed to {outcome.identity!r}"


def test_every_baseline_is_a_reference(env: Env) -> None:
    """(b) compares against real identities: every baseline is accepted and authenticates alice."""
    for base in BASES:
        assert dict(env.reference(base).fields)["subject_name_id"] == "alice"
    with pytest.raises(SecurityVerificationError):
        env.verify(b"")
