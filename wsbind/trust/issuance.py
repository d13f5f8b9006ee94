"""What an STS issues, framework-free: relying parties, token types, proof keys, lifetimes, claims.

:class:`IssuancePolicy` turns an authenticated user's :class:`~wsbind.trust.server.IssueRequest`
into the :class:`~wsbind.trust.server.IssuedTokenResponse` to send, or refuses it with
:class:`~wsbind.errors.IssuanceRefused`. The spyne adapter (``spyne_wsbind.sts``) only carries
requests and answers; every decision about a token is made here.
"""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from wsbind.errors import IssuanceRefused, TrustFaultCode, WsBindTypeError, WsBindValueError, loggable
from wsbind.model.enums import SecurityKeyType
from wsbind.saml.issuer import BEARER_V1, BEARER_V2, HOLDER_OF_KEY_V1, HOLDER_OF_KEY_V2, SamlIssuer, SamlVersion
from wsbind.soap import namespaces as ns
from wsbind.soap.timeutil import utcnow
from wsbind.trust.client import saml_token_reference
from wsbind.trust.psha1 import computed_key
from wsbind.trust.server import IssuedTokenResponse, IssueRequest
from wsbind.wss.proof import encrypted_key_info
from wsbind.xmlcrypto.certs import CertificateSource, load_certificate

__all__ = ["IssuancePolicy", "ClaimsCallback", "SAML_TOKEN_TYPES", "MIN_KEY_BITS", "MAX_KEY_BITS"]

log = logging.getLogger(__name__)

ClaimsCallback = Callable[[str, str], Mapping[str, str | Sequence[str]]]
"""``(username, applies_to) -> SAML attributes`` for the token; raise to refuse (RequestFailed)."""

SAML_TOKEN_TYPES: Mapping[str, SamlVersion] = {
    ns.SAML11_TOKEN_TYPE: SamlVersion.V1_1,
    ns.SAML1: SamlVersion.V1_1,
    ns.SAML20_TOKEN_TYPE: SamlVersion.V2_0,
    ns.SAML2: SamlVersion.V2_0,
}
"""Every wst:TokenType issued: the token-profile URIs and the assertion-namespace forms."""

MIN_KEY_BITS, MAX_KEY_BITS = 128, 512


@dataclass(frozen=True)
class _ProofKey:
    """The symmetric proof key of one token and what the RSTR tells the requestor about it."""

    key: bytes
    proof_secret: bytes | None  # server-only entropy: the key itself, in RequestedProofToken
    issuer_entropy: bytes | None  # combined entropy: our half, the requestor computes the key


def _refuse(detail: str, code: TrustFaultCode = TrustFaultCode.INVALID_REQUEST) -> IssuanceRefused:
    return IssuanceRefused(code, detail)


def _x509_key_info(certificate: x509.Certificate) -> etree._Element:
    """The SubjectConfirmation KeyInfo of a public-key token: the requester's certificate."""
    key_info = etree.Element(f"{{{ns.DS}}}KeyInfo", nsmap={"ds": ns.DS})
    data = etree.SubElement(key_info, f"{{{ns.DS}}}X509Data")
    der = certificate.public_bytes(serialization.Encoding.DER)
    etree.SubElement(data, f"{{{ns.DS}}}X509Certificate").text = base64.b64encode(der).decode("ascii")
    return key_info


def _check_key_size(bits: int) -> None:
    if isinstance(bits, bool) or not isinstance(bits, int) or not MIN_KEY_BITS <= bits <= MAX_KEY_BITS or bits % 8:
        raise WsBindValueError(f"key_size must be a multiple of 8 from {MIN_KEY_BITS} to {MAX_KEY_BITS} bits")


class IssuancePolicy:
    """Signed SAML 1.1/2.0 tokens for authenticated users, for known relying parties only.

    ``relying_parties`` maps each AppliesTo address tokens may be minted for to the relying
    party's RSA certificate (holder-of-key proof keys are encrypted to it) or None (bearer tokens
    only). ``claims(username, applies_to)`` supplies the token's attributes; ``key_size`` is the
    proof key size when the request names none.
    """

    def __init__(
        self,
        issuer: SamlIssuer,
        *,
        relying_parties: Mapping[str, CertificateSource | None],
        claims: ClaimsCallback | None = None,
        lifetime: timedelta = timedelta(hours=1),
        default_token_type: str = ns.SAML20_TOKEN_TYPE,
        clock: Callable[[], datetime] = utcnow,
        key_size: int = 256,
    ) -> None:
        if not isinstance(issuer, SamlIssuer):
            raise WsBindTypeError("issuer must be a wsbind.SamlIssuer")
        if not relying_parties:
            raise WsBindValueError(
                "relying_parties is empty: name every AppliesTo address this STS may issue tokens for "
                "(an STS must not mint tokens for arbitrary audiences)"
            )
        loaded: dict[str, x509.Certificate | None] = {}
        for address, source in relying_parties.items():
            if not isinstance(address, str) or not address:
                raise WsBindValueError("relying_parties keys are AppliesTo addresses (non-empty strings)")
            certificate = None if source is None else load_certificate(source, what=f"relying_parties[{address!r}]")
            if certificate is not None and not isinstance(certificate.public_key(), rsa.RSAPublicKey):
                raise WsBindValueError(
                    f"relying party {address!r}: proof keys are encrypted with RSA-OAEP, so its certificate "
                    "must hold an RSA key (or give None to issue bearer tokens only)"
                )
            loaded[address] = certificate
        if default_token_type not in SAML_TOKEN_TYPES:
            raise WsBindValueError(f"default_token_type must be one of {sorted(SAML_TOKEN_TYPES)}")
        if lifetime <= timedelta(0):
            raise WsBindValueError("lifetime must be positive")
        _check_key_size(key_size)
        self.issuer = issuer
        self.relying_parties = loaded
        self.claims = claims
        self.lifetime = lifetime
        self.default_token_type = default_token_type
        self.key_size = key_size
        self.clock = clock

    def issue(
        self, username: str, request: IssueRequest, *, proven_key: x509.Certificate | None = None
    ) -> IssuedTokenResponse:
        """The answer to ``request`` from the authenticated ``username``; raises IssuanceRefused.

        ``proven_key``: for KeyType PublicKey, the UseKey certificate whose possession the caller
        has verified (the adapter checks the request's signature); the token is bound to it.
        """
        applies_to = request.applies_to
        if applies_to is None:
            raise _refuse("no AppliesTo: name the relying party")
        if applies_to not in self.relying_parties:
            raise _refuse(f"AppliesTo {applies_to!r} is not a known relying party")
        token_type = request.token_type or self.default_token_type
        version = SAML_TOKEN_TYPES.get(token_type)
        if version is None:
            raise _refuse(f"unsupported TokenType {token_type!r} (SAML 1.1/2.0 only)")

        key_info: etree._Element | None = None
        proof: _ProofKey | None = None
        if request.key_type == SecurityKeyType.ASYMMETRIC:
            if proven_key is None or request.use_key is None or proven_key != request.use_key:
                raise _refuse("KeyType PublicKey needs a wst:UseKey certificate whose possession the request proves")
            key_info = _x509_key_info(proven_key)
            method = HOLDER_OF_KEY_V1 if version is SamlVersion.V1_1 else HOLDER_OF_KEY_V2
        elif request.key_type == SecurityKeyType.NONE:
            if request.requestor_entropy is not None or request.key_size is not None:
                raise _refuse("a bearer request carries Entropy or KeySize")
            method = BEARER_V1 if version is SamlVersion.V1_1 else BEARER_V2
        else:
            certificate = self.relying_parties[applies_to]
            if certificate is None:
                raise _refuse(
                    f"a holder-of-key token was asked for relying party {applies_to!r}, which has no certificate "
                    "to encrypt the proof key to: give its RSA certificate in relying_parties, or have the client "
                    "ask for a bearer token (issued_token_key_type=SecurityKeyType.NONE)"
                )
            proof = self._proof_key(request)
            key_info = encrypted_key_info(proof.key, certificate)
            method = HOLDER_OF_KEY_V1 if version is SamlVersion.V1_1 else HOLDER_OF_KEY_V2

        attributes = self._claims(username, applies_to)
        issued = self.clock().astimezone(timezone.utc).replace(microsecond=0)
        token = self.issuer.issue(
            subject=username,
            version=version,
            audiences=[applies_to],
            attributes=attributes,
            lifetime=self.lifetime,
            now=issued,
            confirmation_method=method,
            confirmation_key_info=key_info,
        )
        reference = saml_token_reference(token) if key_info is not None else None
        log.info(
            "issued a SAML %s %s token for user %s to %r",
            version.value,
            method.rsplit(":", 1)[-1],
            loggable(repr(username)),
            applies_to,
        )
        return IssuedTokenResponse(
            token=token,
            token_type=token_type,
            attached_reference=reference,
            unattached_reference=reference,
            created=issued,
            expires=issued + self.lifetime,
            applies_to=applies_to,
            key_size=len(proof.key) * 8 if proof is not None else None,
            proof_secret=proof.proof_secret if proof is not None else None,
            issuer_entropy=proof.issuer_entropy if proof is not None else None,
            context=request.context,
        )

    def _proof_key(self, request: IssueRequest) -> _ProofKey:
        """Server-only, client-only or combined entropy, as the request chose (WS-Trust 1.3 §4.4)."""
        entropy = request.requestor_entropy
        algorithm = request.computed_key_algorithm
        if entropy is None:
            if algorithm is not None:
                raise _refuse("ComputedKeyAlgorithm without requestor Entropy")
            key = secrets.token_bytes(self._requested_bits(request) // 8)
            return _ProofKey(key, proof_secret=key, issuer_entropy=None)
        if algorithm is None:  # client-only: the requestor's entropy is the key
            bits = len(entropy) * 8
            if request.key_size is not None and request.key_size != bits:
                raise _refuse(f"KeySize {request.key_size} but {bits} bits of entropy")
            if not MIN_KEY_BITS <= bits <= MAX_KEY_BITS:
                raise _refuse(f"requestor entropy of {bits} bits used as a key")
            return _ProofKey(entropy, proof_secret=None, issuer_entropy=None)
        if algorithm != request.protocol.psha1_algorithm:
            raise _refuse(f"unsupported ComputedKeyAlgorithm {algorithm!r}")
        bits = self._requested_bits(request)
        issuer_entropy = secrets.token_bytes(bits // 8)
        return _ProofKey(computed_key(entropy, issuer_entropy, bits), proof_secret=None, issuer_entropy=issuer_entropy)

    def _requested_bits(self, request: IssueRequest) -> int:
        bits = request.key_size if request.key_size is not None else self.key_size
        if not MIN_KEY_BITS <= bits <= MAX_KEY_BITS or bits % 8:
            raise _refuse(f"KeySize {bits}: supported are {MIN_KEY_BITS}-{MAX_KEY_BITS} bits")
        return bits

    def _claims(self, username: str, applies_to: str) -> Mapping[str, str | Sequence[str]]:
        if self.claims is None:
            return {}
        try:
            return self.claims(username, applies_to)
        except Exception as exc:
            raise _refuse("the claims callback raised", TrustFaultCode.REQUEST_FAILED) from exc
