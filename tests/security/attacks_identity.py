"""Who signed and who is named: the issuer bound to its key (threat ``issuer-binding``),
identities reported exactly as signed (``identity``) and the subject an assertion names (``subject``)."""

from __future__ import annotations

from security.harness import Attack

ATTACKS: list[Attack] = []
