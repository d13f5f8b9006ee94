"""Differential checks: our accept/refuse decision against python-xmlsec and signxml.

On every message of the suite (baselines and attacks): when we accept, both independent
verifiers must find a good signature by the trusted key over the very token we accepted; when
we say the signature is bad, python-xmlsec must say so too. Refusals for profile, parser or
semantic reasons are where we are stricter by design (oracles.py explains the split).
"""

from __future__ import annotations

import random

import pytest

from security import oracles
from security.catalogue import ALL
from security.harness import BASES, Attack, Outcome, World, run_verifier
from security.mutations import apply_mutation, random_mutation

SIGNATURE_REASONS = frozenset({"signature", "untrusted-issuer", "unsigned", "proof-signature"})
"""Our refusals that claim the signature itself is missing or bad (not merely outside the profile)."""


def check_agreement(world: World, ours: Outcome, message: bytes) -> None:
    """Fail on any disagreement between our decision and the oracles on ``message``."""
    by_xmlsec = oracles.python_xmlsec(world, message)
    if ours.accepted:
        by_signxml = oracles.signxml(world, message)
        assert by_xmlsec.ok, f"we accepted; python-xmlsec refuses: {by_xmlsec.why}"
        assert by_signxml.ok, f"we accepted; signxml refuses: {by_signxml.why}"
    elif ours.reason in SIGNATURE_REASONS:
        assert not by_xmlsec.ok, f"we say {ours.reason}; python-xmlsec verifies: {by_xmlsec.why}"


@pytest.mark.parametrize("base", BASES)
def test_oracles_accept_every_baseline(world: World, base: str) -> None:
    message = world.baseline(base)
    assert oracles.python_xmlsec(world, message).ok
    assert oracles.signxml(world, message).ok


@pytest.mark.parametrize("attack", ALL, ids=[a.id for a in ALL])
def test_we_agree_with_the_oracles(world: World, attack: Attack) -> None:
    messages = attack.build(world)
    check_agreement(world, run_verifier(world, messages), messages[-1])


RANDOM_MUTATIONS = 400


def test_we_agree_with_the_oracles_on_random_mutations(world: World) -> None:
    """The property tests' mutations (a fixed seed, so CI sees the same messages every run)."""
    rng = random.Random(20261123)
    accepted = 0
    for _ in range(RANDOM_MUTATIONS):
        mutation = random_mutation(rng)
        message = apply_mutation(world, mutation)
        ours = run_verifier(world, [message])
        accepted += ours.accepted
        try:
            check_agreement(world, ours, message)
        except AssertionError as exc:
            raise AssertionError(f"{mutation}: {exc}") from None
    assert accepted < RANDOM_MUTATIONS  # the mutations do change something
