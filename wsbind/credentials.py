"""Credentials: long-lived evidence that bindings turn into tokens at run time.

WWSAPI reads certificates from Windows stores; here a certificate credential names PEM files
(the CUSTOM kind), and the Windows-integrated credentials keep their shapes so descriptions
written against WWSAPI translate one to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from .enums import CertCredentialType, UsernameCredentialType, WindowsIntegratedAuthCredentialType


@dataclass(frozen=True)
class CertCredential:
    """A certificate (and its private key) in PEM files, for TLS client authentication."""

    cert_file: str
    key_file: str | None = None
    credential_type: ClassVar[CertCredentialType] = CertCredentialType.CUSTOM


@dataclass(frozen=True)
class WindowsIntegratedAuthCredential:
    """Base of the three WS_WINDOWS_INTEGRATED_AUTH_CREDENTIAL kinds."""

    credential_type: ClassVar[WindowsIntegratedAuthCredentialType]


@dataclass(frozen=True)
class StringWindowsIntegratedAuthCredential(WindowsIntegratedAuthCredential):
    """Username, password and domain; the only kind HTTP Basic and Digest can use (R39)."""

    username: str
    password: str = field(repr=False)
    domain: str = ""
    credential_type: ClassVar[WindowsIntegratedAuthCredentialType] = WindowsIntegratedAuthCredentialType.STRING


@dataclass(frozen=True)
class DefaultWindowsIntegratedAuthCredential(WindowsIntegratedAuthCredential):
    """The calling thread's own identity (Negotiate/NTLM/Kerberos only)."""

    credential_type: ClassVar[WindowsIntegratedAuthCredentialType] = WindowsIntegratedAuthCredentialType.DEFAULT


@dataclass(frozen=True)
class OpaqueWindowsIntegratedAuthCredential(WindowsIntegratedAuthCredential):
    """An identity handle the application obtained elsewhere."""

    opaque_auth_identity: object = field(repr=False)
    credential_type: ClassVar[WindowsIntegratedAuthCredentialType] = WindowsIntegratedAuthCredentialType.OPAQUE


@dataclass(frozen=True)
class StringUsernameCredential:
    """WS_STRING_USERNAME_CREDENTIAL: sent as a WS-Security UsernameToken."""

    username: str
    password: str = field(repr=False)
    credential_type: ClassVar[UsernameCredentialType] = UsernameCredentialType.STRING
