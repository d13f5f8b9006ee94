"""P_SHA1 (TLS 1.0, RFC 2246 section 5) and WS-Trust's CK/PSHA1 computed key.

WS-Trust combines requestor and issuer entropy into the proof key with P_SHA1 keyed by the
requestor's entropy and seeded with the issuer's, so both sides derive the same key without
either one choosing it alone.
"""

from __future__ import annotations

import hashlib
import hmac

from wsbind.errors import WsBindTypeError, WsBindValueError

__all__ = ["computed_key", "p_sha1"]

_SHA1_SIZE = 20  # bytes of one HMAC-SHA1 block


def p_sha1(secret: bytes, seed: bytes, length: int) -> bytes:
    """TLS 1.0 P_SHA1: HMAC-SHA1(secret, A(i) + seed) blocks, A(0)=seed, A(i)=HMAC(secret, A(i-1))."""
    if not isinstance(secret, bytes | bytearray) or not isinstance(seed, bytes | bytearray):
        raise WsBindTypeError("p_sha1 takes bytes for secret and seed")
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise WsBindValueError("length must be a non-negative number of bytes")
    secret, seed = bytes(secret), bytes(seed)
    blocks = []
    a = seed
    for _ in range(-(-length // _SHA1_SIZE)):
        a = hmac.new(secret, a, hashlib.sha1).digest()
        blocks.append(hmac.new(secret, a + seed, hashlib.sha1).digest())
    return b"".join(blocks)[:length]


def computed_key(requestor_entropy: bytes, issuer_entropy: bytes, key_size_bits: int) -> bytes:
    """WS-Trust CK/PSHA1: P_SHA1(secret=requestor entropy, seed=issuer entropy), key_size/8 bytes."""
    if not requestor_entropy or not issuer_entropy:
        raise WsBindValueError("a computed key needs both requestor and issuer entropy")
    if isinstance(key_size_bits, bool) or not isinstance(key_size_bits, int):
        raise WsBindTypeError("key_size_bits must be an int")
    if key_size_bits <= 0 or key_size_bits % 8:
        raise WsBindValueError("key_size_bits must be a positive multiple of 8")
    return p_sha1(requestor_entropy, issuer_entropy, key_size_bits // 8)
