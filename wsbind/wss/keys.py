"""Key handles: the proof keys of holder-of-key XML tokens.

WWSAPI's CAPI and NCRYPT handles have no meaning on Linux; both asymmetric kinds here wrap a
``cryptography`` private key and keep WWSAPI's enum values so code can still tell them apart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from wsbind.errors import TokenFreed, WsBindTypeError, WsBindValueError
from wsbind.model.enums import SecurityKeyHandleType

AsymmetricPrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SecurityKeyHandle(ABC):
    """Abstract key handle (WS_SECURITY_KEY_HANDLE)."""

    key_handle_type: ClassVar[SecurityKeyHandleType]

    @abstractmethod
    def copy(self) -> SecurityKeyHandle:
        """An independent handle holding its own copy of the key."""

    @abstractmethod
    def wipe(self) -> None:
        """Forget the key material; later use raises TokenFreed."""


class RawSymmetricSecurityKeyHandle(SecurityKeyHandle):
    """A symmetric key given as bytes. The handle keeps its own copy, wiped on free."""

    key_handle_type: ClassVar[SecurityKeyHandleType] = SecurityKeyHandleType.RAW_SYMMETRIC

    def __init__(self, key_bytes: bytes | bytearray) -> None:
        if not key_bytes:
            raise WsBindValueError("a symmetric key needs at least one byte")
        self._key: bytearray | None = bytearray(key_bytes)

    @property
    def key_bytes(self) -> bytes:
        """A copy of the key; raises TokenFreed once the handle was wiped."""
        if self._key is None:
            raise TokenFreed("this symmetric key was wiped")
        return bytes(self._key)

    def copy(self) -> RawSymmetricSecurityKeyHandle:
        """An independent handle with its own copy of the bytes."""
        return RawSymmetricSecurityKeyHandle(self.key_bytes)

    def wipe(self) -> None:
        """Overwrite the key bytes with zeros and forget them."""
        if self._key is not None:
            for i in range(len(self._key)):
                self._key[i] = 0
            self._key = None

    def __repr__(self) -> str:
        state = "wiped" if self._key is None else f"{len(self._key) * 8} bits"
        return f"RawSymmetricSecurityKeyHandle(<{state}>)"


class NcryptAsymmetricSecurityKeyHandle(SecurityKeyHandle):
    """An asymmetric private key (RSA or EC) held by ``cryptography``."""

    key_handle_type: ClassVar[SecurityKeyHandleType] = SecurityKeyHandleType.NCRYPT_ASYMMETRIC

    def __init__(self, private_key: AsymmetricPrivateKey) -> None:
        if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise WsBindTypeError("expected an RSA or EC private key from cryptography")
        self._private_key: AsymmetricPrivateKey | None = private_key

    @property
    def private_key(self) -> AsymmetricPrivateKey:
        """The ``cryptography`` private key; raises TokenFreed once the handle was released."""
        if self._private_key is None:
            raise TokenFreed("this key handle was released")
        return self._private_key

    def copy(self) -> NcryptAsymmetricSecurityKeyHandle:
        """Another handle on the same key (``cryptography`` keys are immutable)."""
        return type(self)(self.private_key)

    def wipe(self) -> None:
        """Drop the reference to the key (``cryptography`` keys cannot be zeroed from Python)."""
        # cryptography keys cannot be zeroed from Python; dropping the reference is what we can do.
        self._private_key = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<{'released' if self._private_key is None else 'key'}>)"


class CapiAsymmetricSecurityKeyHandle(NcryptAsymmetricSecurityKeyHandle):
    """Same as the NCRYPT handle; kept for WWSAPI's CAPI handle type value."""

    key_handle_type: ClassVar[SecurityKeyHandleType] = SecurityKeyHandleType.CAPI_ASYMMETRIC
