"""Algorithm suites: which digest and signature algorithms a description accepts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wsbind.model.enums import SecurityAlgorithmId, SecurityAlgorithmSuiteName


@dataclass(frozen=True)
class SecurityAlgorithmSuite:
    """WS_SECURITY_ALGORITHM_SUITE: each field DEFAULT (0) or a SecurityAlgorithmId.

    ``encryption``, ``symmetric_key_wrap`` and ``properties`` are reserved and must stay at
    their defaults (R43).
    """

    canonicalization: int = SecurityAlgorithmId.DEFAULT
    digest: int = SecurityAlgorithmId.DEFAULT
    symmetric_signature: int = SecurityAlgorithmId.DEFAULT
    asymmetric_signature: int = SecurityAlgorithmId.DEFAULT
    encryption: int = SecurityAlgorithmId.DEFAULT
    key_derivation: int = SecurityAlgorithmId.DEFAULT
    symmetric_key_wrap: int = SecurityAlgorithmId.DEFAULT
    asymmetric_key_wrap: int = SecurityAlgorithmId.DEFAULT
    min_symmetric_key_length: int = 0
    max_symmetric_key_length: int = 0
    min_asymmetric_key_length: int = 0
    max_asymmetric_key_length: int = 0
    properties: dict[Any, Any] = field(default_factory=dict)

    @property
    def allows_sha1(self) -> bool:
        """True when the suite explicitly names a SHA-1 digest or SHA-1 signature."""
        return self.digest == SecurityAlgorithmId.DIGEST_SHA1 or self.asymmetric_signature in (
            SecurityAlgorithmId.ASYMMETRIC_RSA_SHA1,
            SecurityAlgorithmId.ASYMMETRIC_DSA_SHA1,
        )


def suite_allows_sha1(suite: SecurityAlgorithmSuite | None, name: SecurityAlgorithmSuiteName | None) -> bool:
    """SHA-1 is refused unless the description asks for a suite that uses it.

    WWSAPI defaults to Basic256 (SHA-1); we default to the SHA-256 family because SHA-1
    signatures are forgeable in practice. Naming a SHA-1 suite explicitly opts back in.
    """
    if suite is not None:
        return suite.allows_sha1
    if name is not None:
        return SecurityAlgorithmSuiteName(name).uses_sha1_digest
    return False
