"""Every catalogued attack, refused by the verifier and by the spyne handler over HTTPS alike."""

from __future__ import annotations

import pytest

from security.catalogue import ALL
from security.harness import BASES, IDENTITY, Attack, HttpService, World, expect_outcome, run_verifier

IDS = [a.id for a in ALL]


@pytest.mark.parametrize("base", BASES)
def test_every_baseline_is_accepted_both_ways(world: World, service: HttpService, base: str) -> None:
    """The attacks change messages that are otherwise accepted, so a refusal is the attack's doing."""
    message = [world.baseline(base)]
    assert run_verifier(world, message).identity == IDENTITY
    assert service.send(message).identity == IDENTITY


@pytest.mark.parametrize("attack", ALL, ids=IDS)
def test_verifier_refuses(world: World, attack: Attack) -> None:
    expect_outcome(attack, run_verifier(world, attack.build(world), world.description(attack.server)))


@pytest.mark.parametrize("attack", ALL, ids=IDS)
def test_handler_over_https_refuses(world: World, service: HttpService, attack: Attack) -> None:
    expect_outcome(attack, service.send(attack.build(world), attack.server))

