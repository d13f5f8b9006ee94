"""Every attack of the security suite, by threat class (tests/security/README.md explains each)."""

from __future__ import annotations

from itertools import chain

from security import attacks_encryption, attacks_keys, attacks_parser, attacks_semantics, attacks_wrapping
from security.harness import Attack, by_id

THREATS = {
    "xsw": "Signature wrapping at assertion level",
    "soap-wrapping": "Signature wrapping at SOAP level",
    "key-algorithm": "Keys and algorithms",
    "parser": "The XML parser",
    "semantics": "Assertion semantics",
    "encryption": "Encryption",
}

ATTACKS: dict[str, Attack] = by_id(
    chain(
        attacks_wrapping.ATTACKS,
        attacks_keys.ATTACKS,
        attacks_parser.ATTACKS,
        attacks_semantics.ATTACKS,
        attacks_encryption.ATTACKS,
    )
)
ALL = list(ATTACKS.values())
