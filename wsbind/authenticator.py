"""SAML authenticators: how a server decides whether to believe an assertion.

``CertSignedSamlAuthenticator`` is WS_CERT_SIGNED_SAML_AUTHENTICATOR: an assertion is believed
only if its signature verifies with one of the trusted issuer certificates (an allow-list; no
chain building, no revocation: vet the certificates you list). Beyond WWSAPI, it also enforces
the assertion's time window, audience restriction and subject confirmation, because a
relying party that skips them is the usual way SAML deployments get broken.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from . import namespaces as ns
from .certs import CertificateSource, load_certificate, load_private_key
from .credentials import CertCredential
from .enums import SamlAuthenticatorType
from .errors import FaultCode, InvalidSecurityDescription, SecurityVerificationError
from .limits import DEFAULT_MESSAGE_LIMITS, MessageLimits
from .proof import ProofKey, ProofKeyUnavailable, read_proof_key, verify_endorsing
from .replay import ReplayCache
from .saml import XML_SPACE, SamlAssertion, SamlFormatError, assertion_id, attributes_of, is_assertion, read_assertion
from .signature import SignatureVerdict, TrustedIssuers, count_id, verify_signature
from .token_cache import CachedToken, ValidatedTokenCache
from .xmlparse import XmlRejected, parse_xml

if TYPE_CHECKING:
    from .decryption import AssertionDecrypter

log = logging.getLogger("wsbind.authenticator")

SamlValidator = Callable[[SamlAssertion], object]
"""WS_VALIDATE_SAML_CALLBACK: raise (or return False) to reject the assertion (R61)."""

DecryptionCertSource = CertCredential | tuple[CertificateSource, object]

BEARER = frozenset({"urn:oasis:names:tc:SAML:2.0:cm:bearer", "urn:oasis:names:tc:SAML:1.0:cm:bearer"})
HOLDER_OF_KEY = frozenset(
    {"urn:oasis:names:tc:SAML:2.0:cm:holder-of-key", "urn:oasis:names:tc:SAML:1.0:cm:holder-of-key"}
)
_KNOWN_CONDITIONS = frozenset(
    {
        f"{{{ns.SAML2}}}AudienceRestriction",
        f"{{{ns.SAML2}}}OneTimeUse",
        f"{{{ns.SAML2}}}ProxyRestriction",
        f"{{{ns.SAML1}}}AudienceRestrictionCondition",
        f"{{{ns.SAML1}}}DoNotCacheCondition",
    }
)
_ENCRYPTED = frozenset({f"{{{ns.SAML2}}}EncryptedAssertion", f"{{{ns.XENC}}}EncryptedData"})
_RESTRICTIONS = (f"{{{ns.SAML2}}}AudienceRestriction", f"{{{ns.SAML1}}}AudienceRestrictionCondition")
_CACHED_FIELDS = tuple(
    f for f in dataclasses.fields(SamlAssertion) if f.name not in {"element", "attributes", "confirmation_key_info"}
)
"""SamlAssertion fields a cache keeps: not those pointing into a tree, which are rebuilt over each message."""


@dataclass(frozen=True)
class AuthenticationContext:
    """What the verifier knows about the message the token came in."""

    now: datetime
    clock_skew: timedelta
    allow_sha1: bool
    limits: MessageLimits = DEFAULT_MESSAGE_LIMITS
    security: etree._Element | None = None
    """The wsse:Security header the token came in (where a holder-of-key proof must be)."""
    timestamp: etree._Element | None = None
    """The Timestamp the verifier checked; a holder-of-key proof must sign this one."""
    to_header: etree._Element | None = None
    """The message's WS-Addressing To header, which an asymmetric proof must sign."""
    token_cache: ValidatedTokenCache | None = None
    """Where tokens already validated are remembered (None: validate every token in full)."""


def is_saml_token(element: etree._Element) -> bool:
    return is_assertion(element) or element.tag in _ENCRYPTED


def _reject(code: FaultCode, reason: str, detail: str = "") -> SecurityVerificationError:
    return SecurityVerificationError(code, reason, detail)


class SamlAuthenticator(ABC):
    """Abstract base (WS_SAML_AUTHENTICATOR)."""

    authenticator_type: ClassVar[SamlAuthenticatorType]

    @abstractmethod
    def authenticate(
        self, token: etree._Element, document: etree._Element, context: AuthenticationContext
    ) -> SamlAssertion:
        """Return the validated assertion, or raise SecurityVerificationError."""


class CertSignedSamlAuthenticator(SamlAuthenticator):
    """Accept assertions signed by one of ``trusted_issuer_certs``.

    ``decryption_cert`` (a CertCredential with key_file, or a (certificate, private key) pair)
    decrypts EncryptedAssertion (SAML 2.0) and encrypted SAML 1.1 assertions.
    ``saml_validator(assertion)`` runs last and rejects by raising or returning False.
    ``audiences``: when given, the assertion must be restricted to at least one of them.
    """

    authenticator_type: ClassVar[SamlAuthenticatorType] = SamlAuthenticatorType.CERT_SIGNED

    def __init__(
        self,
        trusted_issuer_certs: Iterable[CertificateSource],
        decryption_cert: DecryptionCertSource | None = None,
        saml_validator: SamlValidator | None = None,
        *,
        audiences: Sequence[str] = (),
        replay_cache: ReplayCache | None = None,
    ) -> None:
        certificates = tuple(load_certificate(c) for c in trusted_issuer_certs)
        if not certificates:
            raise InvalidSecurityDescription(
                "R27",
                "CertSignedSamlAuthenticator has no trusted issuer certificates, so it could accept nothing.",
                "pass the certificate(s) of the issuers (STS) you trust as trusted_issuer_certs.",
            )
        if saml_validator is not None and not callable(saml_validator):
            raise TypeError("saml_validator must be callable: f(assertion) raising to reject")
        self.trusted_issuer_certs = certificates
        self.saml_validator = saml_validator
        self.audiences = tuple(audiences)
        self._trusted = TrustedIssuers(certificates)
        self._decrypter = _make_decrypter(decryption_cert) if decryption_cert is not None else None
        self._replay = replay_cache or ReplayCache()
        self._cache_salt = os.urandom(16)  # a token validated here is never a cache hit for another authenticator

    def authenticate(
        self, token: etree._Element, document: etree._Element, context: AuthenticationContext
    ) -> SamlAssertion:
        cache = context.token_cache
        key = cache.key(token, self._cache_salt) if cache is not None else None
        cached = cache.get(key, context.now) if cache is not None and key is not None else None
        hit = cached is not None
        if cached is None:
            assertion, cached = self._validate(token, document, context, remember=cache is not None)
        else:
            assertion = self._rebuild(cached, token, context)
        # What may differ from one presentation of the same bytes to the next: checked every time.
        self._check_times(assertion, context)
        self._check_audience(cached.audience_groups)
        if assertion.confirmation_method in HOLDER_OF_KEY:
            self._check_proof(assertion, cached.proof_key, document, context)
        self._check_one_time_use(assertion, context)
        self._run_validator(assertion)
        if cache is not None and key is not None and not hit and cached.expires > context.now:
            cache.put(key, cached)
        return assertion

    def _validate(
        self, token: etree._Element, document: etree._Element, context: AuthenticationContext, *, remember: bool
    ) -> tuple[SamlAssertion, CachedToken]:
        """The full work for a token not seen before: decryption, signature, reading, shape checks.

        Returns what a cache would keep of it; ``remember=False`` skips copying the fields.
        """
        plaintext: bytes | None = None
        if token.tag in _ENCRYPTED:
            token = self._decrypt(token, context)
            try:
                verdict = self._verify_signature(token, token, context)
            except SecurityVerificationError as exc:
                # Until the signature verifies, the plaintext may be an attacker's edit of the
                # ciphertext: every refusal must look alike, or it becomes a decryption oracle.
                detail = f"after decrypting: {exc.reason} {exc.detail}"
                raise _reject(FaultCode.FAILED_CHECK, "decryption", detail) from None
            plaintext = etree.tostring(token) if remember else None
        else:
            verdict = self._verify_signature(token, document, context)
        try:
            assertion = read_assertion(token, verdict.certificate)
        except SamlFormatError as exc:
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "malformed-assertion", str(exc)) from None
        self._check_conditions_shape(assertion)
        self._check_confirmation_shape(assertion)
        proof_key = self._proof_key(assertion) if assertion.confirmation_method in HOLDER_OF_KEY else None
        fields = {}
        if remember and verdict.context_free:  # see token_cache: only those verdicts may be remembered
            fields = {f.name: getattr(assertion, f.name) for f in _CACHED_FIELDS}
        ends = [t for t in (assertion.not_on_or_after, assertion.confirmation_not_on_or_after) if t is not None]
        cached = CachedToken(
            fields=fields,
            audience_groups=_audience_groups(token),
            expires=min(ends) if fields and ends else context.now,  # now: not remembered (no end: refused later)
            plaintext=plaintext,
            proof_key=proof_key,
            size=len(plaintext or b"") + sum(len(v) for v in fields.values() if isinstance(v, str)),
        )
        return assertion, cached

    def _rebuild(self, cached: CachedToken, token: etree._Element, context: AuthenticationContext) -> SamlAssertion:
        """The assertion of a token validated before, over this message's tree."""
        if cached.plaintext is not None:
            try:
                token = parse_xml(cached.plaintext, context.limits)
            except XmlRejected:  # a cache shared with a description of larger limits
                raise _reject(FaultCode.FAILED_CHECK, "decryption", "the plaintext exceeds the limits") from None
        elif count_id(token.getroottree().getroot(), cached.fields["id"]) != 1:
            # The same refusal as the full path's profile check gives (see signature.check_profile).
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "duplicate-id", "the assertion's ID is not unique")
        if cached.proof_key is not None:  # the confirmation KeyInfo is an element of this tree
            return read_assertion(token, cached.fields["signing_certificate"])
        return SamlAssertion(**cached.fields, element=token, attributes=attributes_of(token))

    def _verify_signature(
        self, token: etree._Element, document: etree._Element, context: AuthenticationContext
    ) -> SignatureVerdict:
        """Check the token is an assertion fit to verify, and verify it."""
        if not is_assertion(token):
            raise _reject(FaultCode.UNSUPPORTED_SECURITY_TOKEN, "not-saml", f"token {token.tag!r}")
        for node in token.iter(etree.Comment, etree.ProcessingInstruction):
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "comment-in-assertion", f"{node!r}")
        try:
            identifier = assertion_id(token)
        except SamlFormatError as exc:
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "malformed-assertion", str(exc)) from None
        return verify_signature(token, identifier, document, self._trusted, context.allow_sha1)

    def _decrypt(self, token: etree._Element, context: AuthenticationContext) -> etree._Element:
        if self._decrypter is None:
            raise _reject(
                FaultCode.SECURITY_TOKEN_UNAVAILABLE, "no-decryption-cert", "encrypted assertion, no decryption_cert"
            )
        from .decryption import DecryptionFailed

        try:
            return self._decrypter.decrypt(token, context.limits)
        except DecryptionFailed:
            raise _reject(FaultCode.FAILED_CHECK, "decryption", "the assertion could not be decrypted") from None

    def _check_conditions_shape(self, assertion: SamlAssertion) -> None:
        conditions = [c for c in assertion.element if isinstance(c.tag, str) and _local(c.tag) == "Conditions"]
        if len(conditions) > 1:
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "malformed-assertion", "more than one Conditions")
        for condition in conditions[0] if conditions else ():
            if isinstance(condition.tag, str) and condition.tag not in _KNOWN_CONDITIONS:
                raise _reject(FaultCode.FAILED_AUTHENTICATION, "unknown-condition", condition.tag)

    @staticmethod
    def _check_confirmation_shape(assertion: SamlAssertion) -> None:
        method = assertion.confirmation_method
        if method not in BEARER and method not in HOLDER_OF_KEY:
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "confirmation-method", f"method {method!r}")
        if method in BEARER and assertion.confirmation_key_info is not None:
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "confirmation-method", "a bearer confirmation names a key")

    @staticmethod
    def _check_times(assertion: SamlAssertion, context: AuthenticationContext) -> None:
        now, skew = context.now, context.clock_skew
        if assertion.not_before is not None and now + skew < assertion.not_before:
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "not-yet-valid", f"NotBefore {assertion.not_before}")
        if assertion.not_on_or_after is not None and now - skew >= assertion.not_on_or_after:
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "expired", f"NotOnOrAfter {assertion.not_on_or_after}")
        start, end = assertion.not_before or assertion.issue_instant, assertion.not_on_or_after
        if end is None or end - start > context.limits.max_assertion_lifetime:
            raise _reject(
                FaultCode.FAILED_AUTHENTICATION,
                "lifetime-too-long",
                f"valid from {start} until {end}; limit {context.limits.max_assertion_lifetime}",
            )
        expiry = assertion.confirmation_not_on_or_after
        if expiry is not None and now - skew >= expiry:
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "expired", f"confirmation NotOnOrAfter {expiry}")

    def _check_audience(self, groups: tuple[frozenset[str], ...]) -> None:
        """Every AudienceRestriction must name one of ours (restrictions are ANDed)."""
        if not self.audiences:
            return
        if not groups:
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "no-audience", "assertion has no audience restriction")
        for named in groups:
            if not named.intersection(self.audiences):
                raise _reject(FaultCode.FAILED_AUTHENTICATION, "wrong-audience", f"audiences {sorted(named)}")

    def _check_proof(
        self, assertion: SamlAssertion, key: ProofKey | None, document: etree._Element, context: AuthenticationContext
    ) -> None:
        """Holder-of-key: the message must be signed with the key the assertion names (R67)."""
        if context.security is None:
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "holder-of-key-without-proof", "no security header")
        assert key is not None  # read in _validate for every holder-of-key assertion
        verify_endorsing(
            context.security,
            document,
            assertion.id,
            key,
            timestamp=context.timestamp,
            to_header=context.to_header,
            allow_sha1=context.allow_sha1,
        )

    def _proof_key(self, assertion: SamlAssertion) -> ProofKey:
        """The key in the confirmation KeyInfo: an EncryptedKey for us, or a certificate / RSA key value."""
        key_info = assertion.confirmation_key_info
        if key_info is None:
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "holder-of-key-without-key", "no confirmation KeyInfo")
        children = [c for c in key_info if isinstance(c.tag, str)]
        if len(children) != 1:
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "proof-key", "confirmation KeyInfo must hold one key")
        try:
            return read_proof_key(children[0], self._decrypter)
        except ProofKeyUnavailable as exc:
            raise _reject(exc.fault_code, exc.reason, exc.detail) from None

    def _check_one_time_use(self, assertion: SamlAssertion, context: AuthenticationContext) -> None:
        if not assertion.one_time_use:
            return
        expires = assertion.not_on_or_after or context.now + timedelta(hours=1)
        key = f"{assertion.issuer}\x00{assertion.id}"
        if not self._replay.first_use(key, expires + context.clock_skew, context.now):
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "replay", f"OneTimeUse assertion {assertion.id} seen before")

    def _run_validator(self, assertion: SamlAssertion) -> None:
        if self.saml_validator is None:
            return
        try:
            verdict = self.saml_validator(assertion)
        except Exception as exc:  # the application's callback: any failure rejects (R61)
            log.info("saml_validator rejected assertion %s: %r", assertion.id, exc)
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "validator-rejected", repr(exc)) from None
        if verdict is False:
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "validator-rejected", "saml_validator returned False")


def _make_decrypter(source: DecryptionCertSource) -> AssertionDecrypter:
    from .decryption import AssertionDecrypter

    if isinstance(source, CertCredential):
        if source.key_file is None:
            raise ValueError("decryption_cert needs key_file: decrypting takes the private key")
        key = load_private_key(source.key_file)
    else:
        key = load_private_key(source[1])
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("decryption_cert must hold an RSA key (XML encryption key transport is RSA-OAEP)")
    return AssertionDecrypter(key)


def _audience_groups(token: etree._Element) -> tuple[frozenset[str], ...]:
    """The audiences each AudienceRestriction names: every grandchild of the assertion with that tag
    counts (SAML puts them in Conditions), so none can hide elsewhere one level down."""
    return tuple(
        frozenset(
            (a.text or "").strip(XML_SPACE)
            for a in restriction
            if isinstance(a.tag, str) and _local(a.tag) == "Audience"
        )
        for child in token
        for restriction in child.iterchildren(*_RESTRICTIONS)
    )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
