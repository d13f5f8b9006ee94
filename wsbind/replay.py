"""Remember assertion IDs until they expire, to refuse a second use (SAML OneTimeUse)."""

from __future__ import annotations

import threading
from datetime import datetime


class ReplayCache:
    """Bounded and thread-safe. When full of unexpired entries it refuses new ones: failing
    closed is the only choice that never lets a replay through."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._max_entries = max_entries
        self._seen: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def first_use(self, key: str, expires: datetime, now: datetime) -> bool:
        """Record ``key`` until ``expires``; False if it was already recorded or no room is left."""
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
