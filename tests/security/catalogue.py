"""Every attack of the security suite, by threat class (tests/security/README.md explains each)."""

from __future__ import annotations

import re
from itertools import chain
from pathlib import Path

from security import (
    attacks_conditions,
    attacks_encryption,
    attacks_failures,
    attacks_identity,
    attacks_keys,
    attacks_parser,
    attacks_semantics,
    attacks_wrapping,
)
from security.harness import Attack, by_id

THREATS = {
    "xsw": "Signature wrapping at assertion level",
    "soap-wrapping": "Signature wrapping at SOAP level",
    "key-algorithm": "Keys and algorithms",
    "parser": "The XML parser",
    "semantics": "Assertion semantics",
    "encryption": "Encryption",
    "issuer-binding": "Issuer bound to its key",
    "identity": "Identities never altered",
    "subject": "Who the assertion names",
    "time": "Validity windows and message time",
    "confirmation": "Subject confirmation data",
    "soap-meaning": "SOAP processing attributes",
    "uniform-failure": "One answer for every crypto or trust failure",
    "weak-crypto": "Weak keys and unauthenticated encryption",
    "replay": "Message replay",
}

ATTACKS: dict[str, Attack] = by_id(
    chain(
        attacks_wrapping.ATTACKS,
        attacks_keys.ATTACKS,
        attacks_parser.ATTACKS,
        attacks_semantics.ATTACKS,
        attacks_encryption.ATTACKS,
        attacks_identity.ATTACKS,
        attacks_conditions.ATTACKS,
        attacks_failures.ATTACKS,
    )
)
ALL = list(ATTACKS.values())


README = Path(__file__).with_name("README.md")
_BLOCK = re.compile(r"(<!-- attacks:(?P<threat>[a-z-]+) -->\n).*?(<!-- /attacks -->)", re.DOTALL)


def attack_list(threat: str) -> str:
    """The README's list of ``threat``'s attacks, generated so that it cannot drift from the code."""
    lines = []
    for attack in ALL:
        if attack.threat == threat:
            verdict = "ignored (decoy)" if attack.expect is None else f"`{attack.expect.value}`"
            lines.append(f"- `{attack.id}`: {verdict}; {attack.source}")
    return "\n".join(lines) + "\n"


def render(readme: str) -> str:
    """``readme`` with every attack list block regenerated."""
    return _BLOCK.sub(lambda m: m.group(1) + attack_list(m.group("threat")) + m.group(3), readme)


if __name__ == "__main__":  # PYTHONPATH=tests:. python -m security.catalogue: refresh README.md
    README.write_text(render(README.read_text()))
    print(f"{README}: {len(ALL)} attacks listed")
