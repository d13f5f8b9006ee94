"""Placeholder module, filled in by the security suite."""

from __future__ import annotations

from security.harness import Attack

ATTACKS: list[Attack] = []
