"""SAML authenticators: how a server decides whether to believe an assertion.

``CertSignedSamlAuthenticator`` is WS_CERT_SIGNED_SAML_AUTHENTICATOR: an assertion is believed
only if its signature verifies with a trusted issuer certificate (an allow-list; no chain
building, no revocation: vet the certificates you list). Given as a mapping, each certificate
is trusted for one issuer name only. Beyond WWSAPI, it also enforces the assertion's time
window, audience restriction, subject and subject confirmation, because a relying party that
skips them is the usual way SAML deployments get broken.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, ClassVar

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from wsbind.errors import (
    FaultCode,
    InvalidSecurityDescription,
    SecurityVerificationError,
    WsBindTypeError,
    not_authenticated,
)
from wsbind.model.credentials import CertCredential
from wsbind.model.enums import SamlAuthenticatorType
from wsbind.model.limits import DEFAULT_MESSAGE_LIMITS, MessageLimits
from wsbind.saml.assertion import (
    SamlAssertion,
    SamlFormatError,
    assertion_id,
    attributes_of,
    audience_text,
    check_identifier,
    is_assertion,
    issuer_of,
    read_assertion,
    read_name_id,
)
from wsbind.saml.replay import ReplayCache, ReplayStore
from wsbind.saml.token_cache import CachedToken, ValidatedTokenCache
from wsbind.soap import namespaces as ns
from wsbind.soap.timeutil import parse_xs_datetime
from wsbind.soap.xmlparse import XmlRejected, parse_xml
from wsbind.soap.xmlread import element_children
from wsbind.wss.proof import ProofKey, ProofKeyUnavailable, read_proof_key, verify_endorsing
from wsbind.xmlcrypto.certs import (
    MIN_RSA_BITS,
    CertificateSource,
    KeySource,
    load_certificates,
    load_key_and_certificate,
    weak_rsa_bits,
)
from wsbind.xmlcrypto.verify import (
    SignatureVerdict,
    TrustedIssuers,
    count_id,
    describe_signer,
    verify_signature,
)

if TYPE_CHECKING:
    from wsbind.xmlcrypto.decrypt import AssertionDecrypter

log = logging.getLogger(__name__)

SamlValidator = Callable[[SamlAssertion], object]
"""WS_VALIDATE_SAML_CALLBACK: raise (or return False) to reject the assertion (R61)."""

DecryptionCertSource = CertCredential | tuple[CertificateSource, KeySource]
TrustedIssuerCerts = Mapping[str, CertificateSource | Sequence[CertificateSource]] | Iterable[CertificateSource]
"""``{issuer name: certificate or certificates}`` (recommended), or certificates trusted for any name."""

BEARER_V2 = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
BEARER_V1 = "urn:oasis:names:tc:SAML:1.0:cm:bearer"
HOLDER_OF_KEY_V2 = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"
HOLDER_OF_KEY_V1 = "urn:oasis:names:tc:SAML:1.0:cm:holder-of-key"
BEARER = frozenset({BEARER_V2, BEARER_V1})
HOLDER_OF_KEY = frozenset({HOLDER_OF_KEY_V2, HOLDER_OF_KEY_V1})
_METHODS_OF_VERSION = {"2.0": frozenset({BEARER_V2, HOLDER_OF_KEY_V2}), "1.1": frozenset({BEARER_V1, HOLDER_OF_KEY_V1})}
"""Each SAML version has its own confirmation-method URNs (SAML 2.0 Profiles 3; SAML 1.1 kept the 1.0 ones)."""
_KNOWN_CONDITIONS = frozenset(
    {
        f"{{{ns.SAML2}}}AudienceRestriction",
        f"{{{ns.SAML2}}}OneTimeUse",
        f"{{{ns.SAML2}}}ProxyRestriction",
        f"{{{ns.SAML1}}}AudienceRestrictionCondition",
        f"{{{ns.SAML1}}}DoNotCacheCondition",
    }
)
_WSU_ID = f"{{{ns.WSU}}}Id"
_ENCRYPTED = frozenset({f"{{{ns.SAML2}}}EncryptedAssertion", f"{{{ns.XENC}}}EncryptedData"})
_RESTRICTIONS = (f"{{{ns.SAML2}}}AudienceRestriction", f"{{{ns.SAML1}}}AudienceRestrictionCondition")
_CACHED_FIELDS = tuple(
    f
    for f in dataclasses.fields(SamlAssertion)
    if f.name not in {"element", "attributes", "confirmation_key_info", "encrypted_subject"}
)
"""SamlAssertion fields a cache keeps: not those pointing into a tree, which are rebuilt over each message."""


@dataclass(frozen=True, kw_only=True)
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
    fresh_until: datetime | None = None
    """When the checked Timestamp stops being fresh (message replay is remembered until then)."""
    peer_address: str | None = None
    """The IP address the request came from, for SubjectConfirmationData/@Address."""


def is_saml_token(element: etree._Element) -> bool:
    return is_assertion(element) or element.tag in _ENCRYPTED


def _reject(code: FaultCode, reason: str, detail: str = "") -> SecurityVerificationError:
    return SecurityVerificationError(code, reason, detail)


def _instant(value: datetime) -> str:
    """An instant for a refusal line: UTC, to the second, with a Z."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _window(assertion: SamlAssertion) -> str:
    """The assertion's validity window, for a time refusal (the skew widens it at both ends)."""
    start = _instant(assertion.not_before) if assertion.not_before is not None else "(no NotBefore)"
    end = _instant(assertion.not_on_or_after) if assertion.not_on_or_after is not None else "(no NotOnOrAfter)"
    return f"valid from {start} until {end}"


def _claimed_identity(token: etree._Element) -> tuple[str | None, str | None]:
    """The Issuer and NameID a refused assertion claims, for the log only (None where unreadable)."""
    if not is_assertion(token):
        return None, None  # still encrypted: the names are inside the ciphertext
    try:
        issuer: str | None = issuer_of(token)
    except SamlFormatError:
        issuer = None
    if token.tag == f"{{{ns.SAML2}}}Assertion":
        name_id = token.find(f"{{{ns.SAML2}}}Subject/{{{ns.SAML2}}}NameID")
    else:
        name_id = token.find(f"./*/{{{ns.SAML1}}}Subject/{{{ns.SAML1}}}NameIdentifier")
    subject = None
    if name_id is not None:
        try:
            subject = read_name_id(name_id)
        except SamlFormatError:
            subject = None
    return issuer, subject


class SamlAuthenticator(ABC):
    """Abstract base (WS_SAML_AUTHENTICATOR)."""

    authenticator_type: ClassVar[SamlAuthenticatorType]

    @abstractmethod
    def authenticate(
        self, token: etree._Element, document: etree._Element, context: AuthenticationContext
    ) -> SamlAssertion:
        """Return the validated assertion, or raise SecurityVerificationError."""


class CertSignedSamlAuthenticator(SamlAuthenticator):
    """Accept assertions signed by a trusted issuer certificate.

    ``trusted_issuer_certs``: ``{issuer name: certificate or list of certificates}`` binds each
    key to the one Issuer it may sign as; the Issuer must equal a name exactly (no trimming, case
    folding or URL normalisation). A plain list of certificates lets any of them sign under any
    name (WWSAPI's form; a warning is logged once).
    Certificates are objects, PEM/DER/PKCS#12 bytes or file paths (see ``wsbind.load_certificates``).
    ``decryption_cert`` (a CertCredential, or a (certificate, private key) pair)
    decrypts EncryptedAssertion (SAML 2.0), encrypted SAML 1.1 assertions and EncryptedID.
    ``saml_validator(assertion)`` runs last and rejects by raising or returning False.
    ``audiences``: when given, the assertion must be restricted to at least one of them.
    ``recipients``: when given, a SubjectConfirmationData Recipient must be one of them.
    ``check_address``: a SubjectConfirmationData Address must be the peer's IP address.
    ``require_subject``: refuse an assertion whose Subject names no one with a NameID.
    ``detect_replay``: refuse a message presented a second time while its Timestamp is fresh.
    ``replay_store``: where OneTimeUse assertions and replayed messages are remembered.
    ``allow_cbc``: accept AES-CBC encrypted assertions (ADFS's default; AES-GCM is always accepted).
    ``allow_weak_rsa``: accept RSA keys under 2048 bits.
    """

    authenticator_type: ClassVar[SamlAuthenticatorType] = SamlAuthenticatorType.CERT_SIGNED

    def __init__(
        self,
        trusted_issuer_certs: TrustedIssuerCerts,
        decryption_cert: DecryptionCertSource | None = None,
        saml_validator: SamlValidator | None = None,
        *,
        audiences: Sequence[str] = (),
        recipients: Sequence[str] = (),
        check_address: bool = False,
        require_subject: bool = True,
        detect_replay: bool = False,
        replay_store: ReplayStore | None = None,
        allow_cbc: bool = True,
        allow_weak_rsa: bool = False,
    ) -> None:
        by_name = _trusted_by_name(trusted_issuer_certs)
        certificates = tuple(dict.fromkeys(c for certs in by_name.values() for c in certs))
        if not certificates:
            raise InvalidSecurityDescription(
                "R27",
                "CertSignedSamlAuthenticator has no trusted issuer certificates, so it could accept nothing.",
                "pass {issuer name: certificate} for the issuers (STS) you trust as trusted_issuer_certs.",
            )
        for certificate in certificates:
            bits = weak_rsa_bits(certificate.public_key())
            if bits is not None and not allow_weak_rsa:
                raise InvalidSecurityDescription(
                    "R63",
                    f"the trusted issuer certificate {certificate.subject.rfc4514_string()!r} holds a {bits}-bit "
                    f"RSA key; wsbind refuses RSA keys under {MIN_RSA_BITS} bits, which can be factored.",
                    "have the issuer sign with RSA-2048 or larger (or ECDSA P-256), or pass allow_weak_rsa=True "
                    "if you accept the risk.",
                )
        if saml_validator is not None and not callable(saml_validator):
            raise WsBindTypeError("saml_validator must be callable: f(assertion) raising to reject")
        for name, value in (("audiences", audiences), ("recipients", recipients)):
            if isinstance(value, str):
                raise WsBindTypeError(f"{name} is a list of URIs, not one string: {name}=[{value!r}]")
        self.trusted_issuer_certs = certificates
        self.trusted_issuer_names = frozenset(n for n in by_name if n is not None)
        self.saml_validator = saml_validator
        self.audiences = tuple(audiences)
        self.recipients = tuple(recipients)
        self.check_address = check_address
        self.require_subject = require_subject
        self.detect_replay = detect_replay
        self.allow_weak_rsa = allow_weak_rsa
        self._any_name = TrustedIssuers(by_name[None]) if None in by_name else None
        self._by_name = {n: TrustedIssuers(c) for n, c in by_name.items() if n is not None}
        if self._any_name is not None:
            _warn_unbound_issuers()
        self._decrypter = (
            _make_decrypter(decryption_cert, allow_cbc=allow_cbc, allow_weak_rsa=allow_weak_rsa)
            if decryption_cert is not None
            else None
        )
        self._replay = replay_store if replay_store is not None else ReplayCache()
        self._cache_salt = os.urandom(16)  # a token validated here is never a cache hit for another authenticator

    def authenticate(
        self, token: etree._Element, document: etree._Element, context: AuthenticationContext
    ) -> SamlAssertion:
        """Check the assertion's signature against the trusted issuers, then its meaning; raise to refuse.

        A token already in ``context.token_cache`` skips the signature work (and decryption); its
        time window, audience, replay, proof and ``saml_validator`` are checked every time.
        A refusal names the issuer and subject for the log (``SecurityVerificationError.identify``).
        """
        found: list[SamlAssertion] = []
        try:
            return self._authenticate(token, document, context, found)
        except SecurityVerificationError as exc:
            if found:  # the signature verified: these names are the issuer's
                exc.identify(found[0].issuer, found[0].subject_name_id, verified=True)
            else:
                exc.identify(*_claimed_identity(token), verified=False)
            raise

    def _authenticate(
        self,
        token: etree._Element,
        document: etree._Element,
        context: AuthenticationContext,
        found: list[SamlAssertion],
    ) -> SamlAssertion:
        cache = context.token_cache
        key = cache.key(token, self._cache_salt) if cache is not None else None
        cached = cache.get(key, context.now) if cache is not None and key is not None else None
        hit = cached is not None
        if cached is None:
            assertion, cached = self._validate(token, document, context, remember=cache is not None)
        else:
            assertion = self._rebuild(cached, token, context)
        found.append(assertion)
        # What may differ from one presentation of the same bytes to the next: checked every time.
        self._check_times(assertion, context)
        self._check_audience(cached.audience_groups)
        self._check_address(assertion, context)
        if assertion.confirmation_method in HOLDER_OF_KEY:
            self._check_proof(assertion, cached.proof_key, document, context)
        self._check_one_time_use(assertion, context)
        self._check_replay(assertion, context)
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
                raise not_authenticated("decryption", detail) from None
            plaintext = etree.tostring(token) if remember else None
        else:
            verdict = self._verify_signature(token, document, context)
        try:
            assertion = read_assertion(token, verdict.certificate)
        except SamlFormatError as exc:
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, exc.reason, str(exc)) from None
        assertion = self._subject(assertion, context)
        self._check_conditions_shape(assertion)
        self._check_validity_shape(assertion)
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
                raise not_authenticated("decryption", "the plaintext exceeds the limits") from None
        elif count_id(token.getroottree().getroot(), cached.fields["id"]) != 1:
            # The same refusal as the full path's profile check gives (see signature.check_profile).
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "duplicate-id", "the assertion's ID is not unique")
        key_info = None
        if cached.proof_key is not None:  # the confirmation KeyInfo is an element of this tree
            key_info = read_assertion(token).confirmation_key_info
        return SamlAssertion(
            **cached.fields, element=token, attributes=attributes_of(token), confirmation_key_info=key_info
        )

    def _verify_signature(
        self, token: etree._Element, document: etree._Element, context: AuthenticationContext
    ) -> SignatureVerdict:
        """Check the token is an assertion fit to verify, and verify it with the keys its Issuer has."""
        if not is_assertion(token):
            raise _reject(FaultCode.UNSUPPORTED_SECURITY_TOKEN, "not-saml", f"token {token.tag!r}")
        for node in token.iter(etree.Comment, etree.ProcessingInstruction):
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "comment-in-assertion", f"{node!r}")
        try:
            identifier = assertion_id(token)
            issuer = issuer_of(token)
        except SamlFormatError as exc:
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, exc.reason, str(exc)) from None
        trusted = self._by_name.get(issuer, self._any_name)
        if trusted is None:
            signer = describe_signer(token.find(f"{{{ns.DS}}}Signature"))
            raise not_authenticated("untrusted-issuer", f"no key is trusted for its Issuer name: {signer}")
        return verify_signature(token, identifier, document, trusted, context.allow_sha1)

    def _decrypt(self, token: etree._Element, context: AuthenticationContext) -> etree._Element:
        if self._decrypter is None:
            raise _reject(
                FaultCode.SECURITY_TOKEN_UNAVAILABLE, "no-decryption-cert", "encrypted assertion, no decryption_cert"
            )
        from wsbind.xmlcrypto.decrypt import DecryptionFailed

        try:
            return self._decrypter.decrypt(token, context.limits)
        except DecryptionFailed:
            raise not_authenticated("decryption", "the assertion could not be decrypted") from None

    def _subject(self, assertion: SamlAssertion, context: AuthenticationContext) -> SamlAssertion:
        """Decrypt an EncryptedID; refuse a subject without a NameID unless ``require_subject=False``."""
        encrypted = assertion.encrypted_subject
        if encrypted is not None and self._decrypter is not None:
            from wsbind.xmlcrypto.decrypt import DecryptionFailed

            try:
                name_id = self._decrypter.decrypt(encrypted, context.limits)
                value = read_name_id(name_id)
            except DecryptionFailed:
                raise not_authenticated("decryption", "the EncryptedID could not be decrypted") from None
            except SamlFormatError as exc:
                raise _reject(FaultCode.INVALID_SECURITY_TOKEN, exc.reason, f"in the EncryptedID: {exc}") from None
            assertion = dataclasses.replace(
                assertion, subject_name_id=value, subject_name_format=name_id.get("Format"), encrypted_subject=None
            )
        if assertion.subject_name_id is None and self.require_subject:
            what = "an EncryptedID and no decryption_cert" if encrypted is not None else "no NameID"
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "no-subject", f"the Subject has {what}")
        return assertion

    def _check_conditions_shape(self, assertion: SamlAssertion) -> None:
        conditions = [c for c in element_children(assertion.element) if _local(c.tag) == "Conditions"]
        if len(conditions) > 1:
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "malformed-assertion", "more than one Conditions")
        for condition in element_children(conditions[0]) if conditions else ():
            if condition.tag not in _KNOWN_CONDITIONS:
                raise _reject(FaultCode.FAILED_AUTHENTICATION, "unknown-condition", condition.tag)

    @staticmethod
    def _check_validity_shape(assertion: SamlAssertion) -> None:
        """Windows that hold no instant, and an assertion issued after it stopped being valid."""
        for start, end, what in (
            (assertion.not_before, assertion.not_on_or_after, "Conditions"),
            (assertion.confirmation_not_before, assertion.confirmation_not_on_or_after, "SubjectConfirmationData"),
        ):
            if start is not None and end is not None and start >= end:
                raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "empty-validity", f"{what} NotBefore {start} >= {end}")
        if assertion.not_on_or_after is not None and assertion.issue_instant > assertion.not_on_or_after:
            raise _reject(
                FaultCode.INVALID_SECURITY_TOKEN,
                "issued-after-expiry",
                f"IssueInstant {assertion.issue_instant} after NotOnOrAfter {assertion.not_on_or_after}",
            )

    def _check_confirmation_shape(self, assertion: SamlAssertion) -> None:
        """SAML 2.0 Profiles 3 and 4.1.4.2: the method of the assertion's own version, the
        bearer rules for SubjectConfirmationData, and no InResponseTo (WS-Security sends no request)."""
        method = assertion.confirmation_method
        if method not in _METHODS_OF_VERSION[assertion.version]:
            raise _reject(
                FaultCode.FAILED_AUTHENTICATION, "confirmation-method", f"method {method!r} in SAML {assertion.version}"
            )
        if method in BEARER and assertion.confirmation_key_info is not None:
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "confirmation-method", "a bearer confirmation names a key")
        if assertion.confirmation_in_response_to is not None:
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "in-response-to", "no request was sent for it to answer")
        recipient = assertion.confirmation_recipient
        if self.recipients and recipient is not None and recipient not in self.recipients:
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "wrong-recipient", f"Recipient {recipient!r}")

    def _check_address(self, assertion: SamlAssertion, context: AuthenticationContext) -> None:
        """SubjectConfirmationData/@Address, when asked to: the request must come from there."""
        address = assertion.confirmation_address
        if not self.check_address or address is None:
            return
        try:
            same = context.peer_address is not None and _ip(address) == _ip(context.peer_address)
        except ValueError:
            same = False
        if not same:
            raise _reject(
                FaultCode.FAILED_AUTHENTICATION, "wrong-address", f"Address {address!r}, peer {context.peer_address!r}"
            )

    @staticmethod
    def _check_times(assertion: SamlAssertion, context: AuthenticationContext) -> None:
        now, skew = context.now, context.clock_skew
        clock = f"server clock {_instant(now)}, clock skew {skew}"
        if assertion.not_before is not None and now + skew < assertion.not_before:
            detail = f"NotBefore {_instant(assertion.not_before)}; {clock}: {_window(assertion)}"
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "not-yet-valid", detail)
        if assertion.not_on_or_after is not None and now - skew >= assertion.not_on_or_after:
            detail = f"NotOnOrAfter {_instant(assertion.not_on_or_after)}; {clock}: {_window(assertion)}"
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "expired", detail)
        if now + skew < assertion.issue_instant:
            detail = f"IssueInstant {_instant(assertion.issue_instant)}; {clock}"
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "issued-in-future", detail)
        start, end = assertion.not_before or assertion.issue_instant, assertion.not_on_or_after
        if end is None or end - start > context.limits.max_assertion_lifetime:
            raise _reject(
                FaultCode.FAILED_AUTHENTICATION,
                "lifetime-too-long",
                f"valid from {start} until {end}; limit {context.limits.max_assertion_lifetime}",
            )
        expiry = assertion.confirmation_not_on_or_after
        if expiry is not None and now - skew >= expiry:
            detail = f"confirmation NotOnOrAfter {_instant(expiry)}; {clock}"
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "expired", detail)
        confirmation_start = assertion.confirmation_not_before
        if confirmation_start is not None and now + skew < confirmation_start:
            detail = f"confirmation NotBefore {_instant(confirmation_start)}; {clock}"
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "not-yet-valid", detail)

    def _check_audience(self, groups: tuple[frozenset[str], ...]) -> None:
        """Every AudienceRestriction must name one of ours (restrictions are ANDed)."""
        if not self.audiences:
            return
        if not groups:
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "no-audience", "assertion has no audience restriction")
        for named in groups:
            if not named.intersection(self.audiences):
                detail = f"audiences {sorted(named)}, none of the accepted {sorted(self.audiences)}"
                raise _reject(FaultCode.FAILED_AUTHENTICATION, "wrong-audience", detail)

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
        children = element_children(key_info)
        if len(children) != 1:
            raise _reject(FaultCode.INVALID_SECURITY_TOKEN, "proof-key", "confirmation KeyInfo must hold one key")
        try:
            return read_proof_key(children[0], self._decrypter, allow_weak_rsa=self.allow_weak_rsa)
        except ProofKeyUnavailable as exc:
            raise _reject(exc.fault_code, exc.reason, exc.detail) from None

    def _check_one_time_use(self, assertion: SamlAssertion, context: AuthenticationContext) -> None:
        if not assertion.one_time_use:
            return
        expires = assertion.not_on_or_after or context.now + timedelta(hours=1)
        key = f"{assertion.issuer}\x00{assertion.id}"
        if not self._replay.first_use(key, expires + context.clock_skew, context.now):
            raise _reject(FaultCode.FAILED_AUTHENTICATION, "replay", f"OneTimeUse assertion {assertion.id} seen before")

    def _check_replay(self, assertion: SamlAssertion, context: AuthenticationContext) -> None:
        """``detect_replay``: the same message twice while its Timestamp is fresh is refused.

        A message is told by what it says, never by how it is written: its issuer and assertion
        ID, and its Timestamp's Id, Created and Expires instants. A holder-of-key proof signs the
        Timestamp, so a replayer can neither change these nor pass the old ones off as new
        (re-encoding, comments, extra signatures change nothing here). A bearer message's
        Timestamp is not signed: this then stops a message sent again as it was, not one whose
        Timestamp was rewritten (use OneTimeUse or holder-of-key for that).
        """
        if not self.detect_replay:
            return
        timestamp, until = context.timestamp, context.fresh_until
        if timestamp is None or until is None:  # MessageVerifier refuses this configuration
            raise _reject(FaultCode.INVALID_SECURITY, "no-timestamp", "detect_replay needs a Timestamp")
        instants = [parse_xs_datetime(c.text).isoformat() for c in element_children(timestamp)]
        said = "\x00".join([assertion.id, timestamp.get(_WSU_ID) or "", *instants])
        key = f"message\x00{assertion.issuer}\x00{hashlib.sha256(said.encode()).hexdigest()}"
        if not self._replay.first_use(key, until, context.now):
            raise not_authenticated("message-replay", f"message with assertion {assertion.id}")

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


def _trusted_by_name(source: TrustedIssuerCerts) -> dict[str | None, tuple[x509.Certificate, ...]]:
    """``{issuer name: certificates}``; the plain-list form is filed under None (any name)."""
    if isinstance(source, str | bytes | os.PathLike):
        raise WsBindTypeError(
            "trusted_issuer_certs takes {issuer name: certificate} or a list of certificates, "
            f"not one {type(source).__name__}: wrap it, e.g. {{'https://sts.example': cert}}"
        )
    if not isinstance(source, Mapping):
        return {None: load_certificates(source, what="trusted_issuer_certs")} if source else {}
    by_name: dict[str | None, tuple[x509.Certificate, ...]] = {}
    for name, value in source.items():
        if not isinstance(name, str):
            raise WsBindTypeError(f"trusted_issuer_certs: an issuer name is a string, not {name!r}")
        try:
            check_identifier(name, "issuer name")
        except SamlFormatError as exc:
            raise InvalidSecurityDescription(
                "R27", f"trusted_issuer_certs: {exc}; no assertion could name that issuer.", "write the name exactly"
            ) from None
        items = [value] if isinstance(value, x509.Certificate | bytes | str | os.PathLike) else list(value)
        if not items:
            raise InvalidSecurityDescription(
                "R27", f"trusted_issuer_certs[{name!r}] lists no certificate.", "give that issuer's certificate(s)"
            )
        # A PEM file may hold several certificates (a key rollover): every one is trusted for that name.
        by_name[name] = load_certificates(items, what=f"trusted_issuer_certs[{name!r}]")
    return by_name


_warned_unbound = False


def _warn_unbound_issuers() -> None:
    global _warned_unbound
    if not _warned_unbound:
        _warned_unbound = True
        log.warning(
            "trusted_issuer_certs is a list: any trusted issuer may sign assertions in any other's name. "
            "Pass {issuer name: certificate} to bind each key to its issuer."
        )


def _make_decrypter(source: DecryptionCertSource, *, allow_cbc: bool, allow_weak_rsa: bool) -> AssertionDecrypter:
    from wsbind.xmlcrypto.decrypt import AssertionDecrypter

    if isinstance(source, CertCredential):
        key, _ = source.load()
    elif isinstance(source, tuple) and len(source) == 2:
        key, _ = load_key_and_certificate(source[1], certificate=source[0])
    else:
        raise WsBindTypeError(
            "decryption_cert is a CertCredential(cert_file, key_file=None, password=None) (PEM, DER or PKCS#12 "
            f"files) or a (certificate, private key) pair, not {type(source).__name__}"
        )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise WsBindTypeError("decryption_cert must hold an RSA key (XML encryption key transport is RSA-OAEP)")
    bits = weak_rsa_bits(key)
    if bits is not None and not allow_weak_rsa:
        raise InvalidSecurityDescription(
            "R27",
            f"decryption_cert holds a {bits}-bit RSA key; wsbind refuses RSA keys under {MIN_RSA_BITS} bits.",
            "encrypt to a certificate with an RSA-2048 or larger key, or pass allow_weak_rsa=True.",
        )
    return AssertionDecrypter(key, allow_cbc=allow_cbc)


def _audience_groups(token: etree._Element) -> tuple[frozenset[str], ...]:
    """The audiences each AudienceRestriction names: every grandchild of the assertion with that tag
    counts (SAML puts them in Conditions), so none can hide elsewhere one level down."""
    return tuple(
        frozenset(audience_text(a) for a in element_children(restriction) if _local(a.tag) == "Audience")
        for child in token
        for restriction in child.iterchildren(*_RESTRICTIONS)
    )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IP address, an IPv4-mapped IPv6 one (``::ffff:192.0.2.1``, as dual-stack sockets report) as IPv4."""
    address = ipaddress.ip_address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
