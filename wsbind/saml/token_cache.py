"""Remember tokens whose signature (and decryption) already succeeded, keyed by their exact bytes.

Clients present one issued token on thousands of calls. A token seen before, byte for byte,
needs no second signature check or decryption: only what can change between two calls does
(the time window, the audience, replay, the holder-of-key proof, the application's callback),
and the authenticator still runs all of those.

The key is a SHA-256 of the token element as serialized (with the namespace declarations in
scope) and of the authenticator's own salt, so a token verified under one set of trusted issuers
is never a hit for another. Only tokens whose signature took the fast path are remembered: its
exclusive canonicalization depends on nothing outside the token, so equal bytes verify equally.

Bounded in entries and in an estimate of their memory (least recently used go first); an entry
lives no longer than the assertion it stands for.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lxml import etree

from wsbind.errors import WsBindValueError

if TYPE_CHECKING:
    from wsbind.wss.proof import ProofKey

_ENTRY_OVERHEAD = 1024
"""Bytes an entry costs beyond its strings (dict slot, objects, the key); an estimate on the high side."""


@dataclass(frozen=True)
class CachedToken:
    """What a validated token left behind: enough to answer without the signature work."""

    fields: Mapping[str, Any]
    """SamlAssertion fields that do not point into a tree (the assertion is rebuilt over the new one)."""
    audience_groups: tuple[frozenset[str], ...]
    """The audiences of each AudienceRestriction, for the audience check (restrictions are ANDed)."""
    expires: datetime
    plaintext: bytes | None = None
    """For an encrypted token: the decrypted assertion, parsed again instead of decrypted again."""
    proof_key: ProofKey | None = None
    """For holder-of-key: the confirmation key, already read (an EncryptedKey already unwrapped)."""
    size: int = 0


class ValidatedTokenCache:
    """Thread-safe LRU of validated tokens.

    ``max_entries`` and ``max_bytes`` (an estimate of the entries' memory) bound it; pass
    ``token_cache=None`` to the SecurityDescription to validate every token from scratch.
    """

    def __init__(self, max_entries: int = 10_000, max_bytes: int = 16 * 1024 * 1024) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise WsBindValueError("max_entries and max_bytes must be positive (use token_cache=None to opt out)")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[bytes, CachedToken] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(token: etree._Element, salt: bytes) -> bytes:
        """The cache key of a token element: its exact serialization with the namespaces in scope."""
        return hashlib.sha256(salt + etree.tostring(token, with_tail=False)).digest()

    def get(self, key: bytes, now: datetime) -> CachedToken | None:
        """The entry under ``key`` if its assertion has not expired at ``now``; expired ones are dropped."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            if now >= entry.expires:
                self._drop(key)
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: bytes, entry: CachedToken) -> None:
        """Remember ``entry``, evicting the least recently used ones to stay within both bounds."""
        size = entry.size + _ENTRY_OVERHEAD
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            while self._entries and (len(self._entries) >= self.max_entries or self._bytes + size > self.max_bytes):
                self._drop(next(iter(self._entries)))
            self._entries[key] = entry
            self._bytes += size

    def _drop(self, key: bytes) -> None:
        entry = self._entries.pop(key)
        self._bytes -= entry.size + _ENTRY_OVERHEAD

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def estimated_bytes(self) -> int:
        """The estimated memory the entries hold, counted against ``max_bytes``."""
        return self._bytes

    def clear(self) -> None:
        """Forget every entry, e.g. after the trusted issuers changed."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
