"""RequestSecurityTokenParameters: what a client asks an STS for, checked against R53-R56."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar

from cryptography import x509

from wsbind.errors import TokenRequestError, WsBindTypeError
from wsbind.model.enums import (
    RequestSecurityTokenAction,
    SecureConversationVersion,
    SecurityBearerKeyTypeVersion,
    SecurityKeyEntropyMode,
    SecurityKeyType,
    TrustVersion,
)
from wsbind.soap.xmlparse import XmlRejected, parse_xml
from wsbind.trust.protocol import WSP, trust_protocol
from wsbind.wss.tokens import XmlSecurityToken
from wsbind.xmlcrypto.certs import PrivateKey, load_key_and_certificate

# ------------------------------------------------------------------------ request parameters

E = TypeVar("E", bound=Enum)


def _enum(cls: type[E], value: object, name: str) -> E:
    if isinstance(value, cls):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise WsBindTypeError(f"{name} must be a {cls.__name__}, not {type(value).__name__}")
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.name for m in cls)
        raise TokenRequestError(name.upper(), f"{value} is not a {cls.__name__}.", f"use one of {allowed}.") from None


def _one_element(data: object, name: str) -> bytes:
    """Check that ``data`` is the bytes of exactly one element (nothing beside it)."""
    if not isinstance(data, bytes | bytearray):
        raise WsBindTypeError(f"each of {name} must be bytes holding one XML element")
    try:
        root = parse_xml(bytes(data))
    except XmlRejected as exc:
        raise TokenRequestError(
            name.upper(), f"a parameter is not one XML element ({exc}).", "pass one element's bytes per entry."
        ) from None
    if root.getprevious() is not None or root.getnext() is not None:
        raise TokenRequestError(
            name.upper(),
            "a parameter has comments or processing instructions beside its element.",
            "pass exactly one element per entry.",
        )
    return bytes(data)


def _element_tuple(value: object, name: str) -> tuple[bytes, ...]:
    if isinstance(value, bytes | bytearray | str) or not isinstance(value, Iterable):
        raise WsBindTypeError(f"{name} is a sequence of bytes, one XML element each (e.g. (b'<x:Claims .../>',))")
    return tuple(_one_element(item, name) for item in value)


@dataclass(frozen=True)
class RequestSecurityTokenParameters:
    """The WS_REQUEST_SECURITY_TOKEN_PROPERTY set; checked on construction (R53-R56).

    ``issued_token_key_type`` None omits KeyType (WS-Trust then implies a symmetric key, but the
    STS decides); ``issued_token_key_entropy`` None means SERVER_ONLY for a symmetric key.
    ``bearer_key_type_version`` picks the WS-Trust 1.3 bearer URI for bearer requests (in either
    trust version: [MS-LWSSP] allows the 1.3 URIs in February 2005 too); it is ignored otherwise.
    """

    applies_to: str | None = None
    trust_version: TrustVersion = TrustVersion.FEBRUARY_2005
    secure_conversation_version: SecureConversationVersion = SecureConversationVersion.FEBRUARY_2005
    issued_token_type: str | None = None
    request_action: RequestSecurityTokenAction = RequestSecurityTokenAction.ISSUE
    existing_token: XmlSecurityToken | None = None
    issued_token_key_type: SecurityKeyType | None = None
    issued_token_key_size: int | None = None
    issued_token_key_entropy: SecurityKeyEntropyMode | None = None
    local_request_parameters: tuple[bytes, ...] = ()
    service_request_parameters: tuple[bytes, ...] = ()
    bearer_key_type_version: SecurityBearerKeyTypeVersion | None = None
    proof_key: PrivateKey | None = field(default=None, repr=False)
    """wsbind's opt-in to KeyType PublicKey (WWSAPI's R53 refuses asymmetric keys): the private key
    whose certificate, ``proof_certificate``, goes in wst:UseKey; the request is signed with it to
    prove possession (WS-Trust 1.3 section 9.2) and the issued token's proofs are made with it."""
    proof_certificate: x509.Certificate | None = None

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        put("trust_version", _enum(TrustVersion, self.trust_version, "trust_version"))
        put(
            "secure_conversation_version",
            _enum(SecureConversationVersion, self.secure_conversation_version, "secure_conversation_version"),
        )
        put("request_action", _enum(RequestSecurityTokenAction, self.request_action, "request_action"))
        if self.issued_token_key_type is not None:
            put("issued_token_key_type", _enum(SecurityKeyType, self.issued_token_key_type, "issued_token_key_type"))
        if self.issued_token_key_entropy is not None:
            put(
                "issued_token_key_entropy",
                _enum(SecurityKeyEntropyMode, self.issued_token_key_entropy, "issued_token_key_entropy"),
            )
        if self.bearer_key_type_version is not None:
            put(
                "bearer_key_type_version",
                _enum(SecurityBearerKeyTypeVersion, self.bearer_key_type_version, "bearer_key_type_version"),
            )
        for name in ("applies_to", "issued_token_type"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise WsBindTypeError(f"{name} must be a str (a URI) or None")
            if value is not None and not value.strip():
                raise TokenRequestError(name.upper(), f"{name} is empty.", f"give a URI or leave {name} None.")
        if self.existing_token is not None and not isinstance(self.existing_token, XmlSecurityToken):
            raise WsBindTypeError("existing_token must be an XmlSecurityToken")
        size = self.issued_token_key_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
            raise WsBindTypeError("issued_token_key_size must be an int (bits)")
        if size is not None and (size <= 0 or size % 8):
            raise TokenRequestError(
                "ISSUED_TOKEN_KEY_SIZE",
                f"a key size of {size} bits is not a positive multiple of 8.",
                "use e.g. 128 or 256.",
            )
        put("local_request_parameters", _element_tuple(self.local_request_parameters, "local_request_parameters"))
        put("service_request_parameters", _element_tuple(self.service_request_parameters, "service_request_parameters"))
        self._check_rules()

    def _check_rules(self) -> None:
        key_type = self.issued_token_key_type
        if key_type is SecurityKeyType.ASYMMETRIC and (self.proof_key is None or self.proof_certificate is None):
            raise TokenRequestError(
                "R53",
                "an asymmetric issued-token key cannot be requested as WWSAPI does.",
                "use SYMMETRIC or NONE (bearer) as the key type, or opt in to wsbind's public-key request by "
                "passing proof_key and proof_certificate (the key and certificate the token will be bound to).",
            )
        binds_a_key = self.proof_key is not None or self.proof_certificate is not None
        if binds_a_key and key_type is not SecurityKeyType.ASYMMETRIC:
            raise TokenRequestError(
                "PROOF_KEY",
                "proof_key and proof_certificate bind a public-key token, but the key type is not ASYMMETRIC.",
                "set issued_token_key_type=SecurityKeyType.ASYMMETRIC, or drop proof_key and proof_certificate.",
            )
        if self.proof_key is not None and self.proof_certificate is not None:
            load_key_and_certificate(self.proof_key, certificate=self.proof_certificate)  # raises if they differ
        if key_type is SecurityKeyType.NONE and (
            self.issued_token_key_size is not None or self.issued_token_key_entropy is not None
        ):
            raise TokenRequestError(
                "R54",
                "a bearer token (key type NONE) has no key, so a key size or key entropy makes no sense.",
                "drop issued_token_key_size/issued_token_key_entropy, or ask for a SYMMETRIC key.",
            )
        action = self.request_action
        if self.existing_token is not None and action is not RequestSecurityTokenAction.RENEW_CONTEXT:
            raise TokenRequestError(
                "R55",
                f"existing_token is only used to renew a context, but the action is {action.name}.",
                "drop existing_token, or set request_action=RENEW_CONTEXT.",
            )
        if action is RequestSecurityTokenAction.RENEW_CONTEXT and self.existing_token is None:
            raise TokenRequestError(
                "R56",
                "RENEW_CONTEXT renews a token, but no existing_token was given.",
                "pass the token to renew as existing_token.",
            )
        if key_type is None and self.issued_token_key_entropy is not None:
            raise TokenRequestError(
                "ISSUED_TOKEN_KEY_ENTROPY",
                "key entropy only applies to a symmetric key, but no key type was asked for.",
                "set issued_token_key_type=SYMMETRIC.",
            )
        generated = set(_generated_tags(self))
        inline = self.local_request_parameters
        if self.trust_version is TrustVersion.FEBRUARY_2005:
            inline += self.service_request_parameters
        for data in inline:
            tag = parse_xml(data).tag
            if tag in generated:
                raise TokenRequestError(
                    "REQUEST_PARAMETERS",
                    f"a request parameter repeats {tag}, which the other properties already put in the RST.",
                    "remove it from the parameters or unset the property that produces it.",
                )

    @property
    def entropy_mode(self) -> SecurityKeyEntropyMode | None:
        """How the symmetric proof key is made; None for bearer or unspecified key types."""
        if self.issued_token_key_type is not SecurityKeyType.SYMMETRIC:
            return None
        return self.issued_token_key_entropy or SecurityKeyEntropyMode.SERVER_ONLY


def _generated_tags(params: RequestSecurityTokenParameters) -> list[str]:
    """The elements prepare_request writes for these properties (duplicates would be ambiguous)."""
    protocol = trust_protocol(params.trust_version)
    tags = [protocol.tag("RequestType")]
    if params.applies_to is not None:
        tags.append(f"{{{WSP}}}AppliesTo")
    if params.issued_token_type is not None:
        tags.append(protocol.tag("TokenType"))
    if params.issued_token_key_type is not None:
        tags.append(protocol.tag("KeyType"))
    if params.issued_token_key_size is not None:
        tags.append(protocol.tag("KeySize"))
    if params.entropy_mode in (SecurityKeyEntropyMode.CLIENT_ONLY, SecurityKeyEntropyMode.COMBINED):
        tags.append(protocol.tag("Entropy"))
    if params.entropy_mode is SecurityKeyEntropyMode.COMBINED:
        tags.append(protocol.tag("ComputedKeyAlgorithm"))
    return tags
