"""What a failure tells the peer (threat ``uniform-failure``), weak keys and unauthenticated
encryption (``weak-crypto``), and a message presented twice (``replay``)."""

from __future__ import annotations

from security.harness import Attack

ATTACKS: list[Attack] = []
