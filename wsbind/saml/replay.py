"""Remember what was seen until it expires, to refuse a second use: SAML OneTimeUse assertions
and, with ``detect_replay=True``, whole messages.

``ReplayStore`` is the interface (a store shared by several server processes implements it);
``ReplayCache`` is the in-process store.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from datetime import datetime


class ReplayStore(ABC):
    """Where first uses are recorded. ``first_use`` must be atomic: of two concurrent calls with
    one key, exactly one may return True."""

    @abstractmethod
    def first_use(self, key: str, expires: datetime, now: datetime) -> bool:
        """Record ``key`` until ``expires``; False if it was already recorded (or cannot be)."""


class ReplayCache(ReplayStore):
    """Bounded and thread-safe. When full of unexpired entries it refuses new ones: failing
    closed is the only choice that never lets a replay through."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._max_entries = max_entries
        self._seen: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def first_use(self, key: str, expires: datetime, now: datetime) -> bool:
        """Record ``key`` until ``expires``; False if it is still recorded, or if the cache is full."""
        with self._lock:
            previous = self._seen.get(key)
            if previous is not None and previous > now:
                return False
            if len(self._seen) >= self._max_entries:
                self._seen = {k: v for k, v in self._seen.items() if v > now}
                if len(self._seen) >= self._max_entries:
                    return False
            self._seen[key] = expires
            return True

    def __len__(self) -> int:
        return len(self._seen)
