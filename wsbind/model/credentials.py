"""Credentials: long-lived evidence that bindings turn into tokens at run time.

WWSAPI reads certificates from Windows stores; here a certificate credential names PEM, DER or
PKCS#12 files (the CUSTOM kind), and the Windows-integrated credentials keep their shapes so descriptions
written against WWSAPI translate one to one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import ClassVar

from cryptography import x509

from wsbind.errors import WsBindTypeError
from wsbind.model.enums import CertCredentialType, UsernameCredentialType, WindowsIntegratedAuthCredentialType
from wsbind.xmlcrypto.certs import PrivateKey, load_certificates, load_key_and_certificate, load_private_key


@dataclass(frozen=True)
class CertCredential:
    """A certificate and its private key in files, for TLS client authentication or decryption.

    ``cert_file`` is a PEM file (the certificate, then its chain; it may hold the key too), a DER
    certificate, or a PKCS#12 file holding key and chain; ``key_file`` a PEM or DER key when the key
    is apart; ``password`` opens an encrypted key or a protected PKCS#12 file. Files are read where
    the credential is used (``secure_client``, ``CertSignedSamlAuthenticator``), so a wrong one
    fails there, at construction, not at the first request.
    """

    cert_file: str | os.PathLike[str]
    key_file: str | os.PathLike[str] | None = None
    password: bytes | str | None = field(default=None, repr=False)
    credential_type: ClassVar[CertCredentialType] = CertCredentialType.CUSTOM

    def __post_init__(self) -> None:
        for name in ("cert_file", "key_file"):
            value = getattr(self, name)
            if value is None and name == "key_file":
                continue
            if not isinstance(value, str | os.PathLike) or not os.fspath(value):
                raise WsBindTypeError(
                    f"CertCredential.{name} is the path of a file, not {value!r}; to use objects or bytes, "
                    "pass them where the API takes a key or certificate (see wsbind.load_key_and_certificate)."
                )

    def load(self) -> tuple[PrivateKey, tuple[x509.Certificate, ...]]:
        """The private key and the certificate chain (the key's own certificate first).

        Raises :class:`~wsbind.errors.KeyLoadError` saying which file is wrong and why.
        """
        chain = load_certificates(self.cert_file, self.password, what="CertCredential.cert_file")
        key_source = self.key_file if self.key_file is not None else self.cert_file
        what = "CertCredential.key_file" if self.key_file is not None else "CertCredential.cert_file (no key_file)"
        key, _ = load_key_and_certificate(
            load_private_key(key_source, self.password, what=what), certificate=chain[0]
        )
        return key, chain


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
