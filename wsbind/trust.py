"""WS-Trust February 2005 and 1.3 Issue messages, framework-free (WsRequestSecurityToken's wire).

The client side builds a ``wst:RequestSecurityToken`` from :class:`RequestSecurityTokenParameters`
(:func:`prepare_request`) and turns the STS's answer into an :class:`~wsbind.tokens.XmlSecurityToken`
(:func:`read_response`). The STS side reads a request (:func:`read_request`) and builds the answer
(:func:`build_response`, :func:`build_trust_fault`). Only single-leg Issue exchanges are carried,
as [MS-LWSSP] profiles them: one RST, one RSTR (inside exactly one RSTRC for WS-Trust 1.3).

Everything read here comes from a peer: malformed input raises :class:`TrustProtocolError` (never
another exception), and the message names the rule (R57, R58) where one applies.
"""

from __future__ import annotations

import base64
import binascii
import copy
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TypeVar

from lxml import etree

from . import namespaces as ns
from .enums import (
    RequestSecurityTokenAction,
    SecureConversationVersion,
    SecurityBearerKeyTypeVersion,
    SecurityKeyEntropyMode,
    SecurityKeyType,
    TrustVersion,
)
from .errors import InvalidToken, WsBindError
from .keys import RawSymmetricSecurityKeyHandle
from .psha1 import computed_key
from .timeutil import format_xs_datetime, parse_xs_datetime
from .tokens import XmlSecurityToken, create_xml_security_token
from .xmlparse import XmlRejected, parse_xml

__all__ = [
    "BEARER_KEY_TYPES",
    "SecurityBearerKeyTypeVersion",
    "NO_PROOF_KEY",
    "WSP",
    "IssueRequest",
    "IssuedTokenResponse",
    "PreparedRequest",
    "RequestSecurityTokenParameters",
    "SecurityTokenServiceFault",
    "TokenRequestError",
    "TrustFaultCode",
    "TrustProtocol",
    "TrustProtocolError",
    "build_response",
    "build_trust_fault",
    "prepare_request",
    "protocol_for_namespace",
    "read_fault",
    "read_request",
    "read_response",
    "saml_token_reference",
    "trust_protocol",
]

WST_FEB2005 = "http://schemas.xmlsoap.org/ws/2005/02/trust"
WST_13 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"
_WSP_15 = "http://www.w3.org/ns/ws-policy"  # read only: some requestors use WS-Policy 1.5
_WSA_2004 = "http://schemas.xmlsoap.org/ws/2004/08/addressing"  # read only: older Feb 2005 clients

# The bearer KeyType of the February 2005 world (WS-Trust Feb 2005 defines none; MSAL and ADFS
# send this one from the identity namespace).
NO_PROOF_KEY = "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey"

# WS-Trust 1.3 bearer KeyType URIs. [MS-LWSSP] 2.2.2 lists exactly these three as allowed KeyType
# values. Confirmed: the ws-trust-1.3.xsd KeyTypeEnum enumerates ".../wssx/wstrust/200512/Bearer"
# (ORIGINAL_SCHEMA), and ".../ws-sx/ws-trust/200512/Bearer" is the form used today (MSAL, WCF,
# ADFS), which we take to be the errata's. Not confirmed from the documents themselves: that the
# original specification text used ".../ws-sx/wstrust/200512/Bearer" (it is the remaining one of
# LWSSP's three) and that Errata 01 is what introduced the ws-trust spelling.
BEARER_KEY_TYPES: dict[SecurityBearerKeyTypeVersion, str] = {
    SecurityBearerKeyTypeVersion.ORIGINAL_SPECIFICATION: "http://docs.oasis-open.org/ws-sx/wstrust/200512/Bearer",
    SecurityBearerKeyTypeVersion.ORIGINAL_SCHEMA: "http://docs.oasis-open.org/wssx/wstrust/200512/Bearer",
    SecurityBearerKeyTypeVersion.ERRATA_01: "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer",
}
_BEARER_13 = (
    BEARER_KEY_TYPES[SecurityBearerKeyTypeVersion.ERRATA_01],
    BEARER_KEY_TYPES[SecurityBearerKeyTypeVersion.ORIGINAL_SPECIFICATION],
    BEARER_KEY_TYPES[SecurityBearerKeyTypeVersion.ORIGINAL_SCHEMA],
)

_DEFAULT_ENTROPY_BYTES = 32  # 256 bits, the Basic256 suite's key size


# --------------------------------------------------------------------------- protocol constants


@dataclass(frozen=True)
class TrustProtocol:
    """The URIs of one WS-Trust version; get one with :func:`trust_protocol`."""

    version: TrustVersion
    namespace: str
    issue_request_type: str
    issue_action: str
    issue_response_action: str
    symmetric_key_type: str
    public_key_type: str
    bearer_key_types: tuple[str, ...]  # every accepted bearer URI; [0] is what we send by default
    nonce_type: str
    symmetric_key_secret_type: str
    psha1_algorithm: str

    def tag(self, local_name: str) -> str:
        """Clark notation for an element in this version's namespace."""
        return f"{{{self.namespace}}}{local_name}"


def _protocol(version: TrustVersion, namespace: str, response_action: str, bearer: tuple[str, ...]) -> TrustProtocol:
    return TrustProtocol(
        version=version,
        namespace=namespace,
        issue_request_type=f"{namespace}/Issue",
        issue_action=f"{namespace}/RST/Issue",
        issue_response_action=f"{namespace}/{response_action}",
        symmetric_key_type=f"{namespace}/SymmetricKey",
        public_key_type=f"{namespace}/PublicKey",
        bearer_key_types=bearer,
        nonce_type=f"{namespace}/Nonce",
        symmetric_key_secret_type=f"{namespace}/SymmetricKey",
        psha1_algorithm=f"{namespace}/CK/PSHA1",
    )


# February 2005 also accepts the 1.3 bearer URIs: [MS-LWSSP] allows them in either version's RST.
_PROTOCOLS = {
    TrustVersion.FEBRUARY_2005: _protocol(
        TrustVersion.FEBRUARY_2005, WST_FEB2005, "RSTR/Issue", (NO_PROOF_KEY, *_BEARER_13)
    ),
    TrustVersion.V1_3: _protocol(TrustVersion.V1_3, WST_13, "RSTRC/IssueFinal", _BEARER_13),
}
_BY_NAMESPACE = {p.namespace: p for p in _PROTOCOLS.values()}


def trust_protocol(version: TrustVersion) -> TrustProtocol:
    """The constants of ``version`` (FEBRUARY_2005 or V1_3)."""
    return _PROTOCOLS[TrustVersion(version)]


def protocol_for_namespace(namespace: str) -> TrustProtocol | None:
    """The WS-Trust version whose namespace this is, or None."""
    return _BY_NAMESPACE.get(namespace)


# --------------------------------------------------------------------------------------- errors


class TokenRequestError(WsBindError, ValueError):
    """The token request's properties break a rule (R53-R56) or are unusable; says how to fix it."""

    def __init__(self, rule: str, problem: str, fix: str) -> None:
        self.rule = rule
        self.problem = problem
        self.fix = fix
        super().__init__(f"{rule}: {problem} Fix: {fix}")


class TrustProtocolError(WsBindError):
    """An RST or RSTR is malformed or not what was asked for; ``rule`` is R57/R58 when one applies."""

    def __init__(self, problem: str, rule: str | None = None) -> None:
        self.rule = rule
        self.problem = problem
        super().__init__(f"{rule}: {problem}" if rule else problem)


class SecurityTokenServiceFault(WsBindError):
    """The STS answered with a SOAP fault: ``code`` as received (QName text), ``reason`` its text."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"the security token service answered with a fault: {code}: {reason}")


class TrustFaultCode(str, Enum):
    """WS-Trust's fault codes (local names in the wst namespace)."""

    INVALID_REQUEST = "InvalidRequest"
    FAILED_AUTHENTICATION = "FailedAuthentication"
    REQUEST_FAILED = "RequestFailed"
    INVALID_SECURITY_TOKEN = "InvalidSecurityToken"  # noqa: S105 - a fault code, not a password
    AUTHENTICATION_BAD_ELEMENTS = "AuthenticationBadElements"
    BAD_REQUEST = "BadRequest"
    EXPIRED_DATA = "ExpiredData"
    INVALID_TIME_RANGE = "InvalidTimeRange"
    INVALID_SCOPE = "InvalidScope"
    RENEW_NEEDED = "RenewNeeded"
    UNABLE_TO_RENEW = "UnableToRenew"

    @property
    def generic_message(self) -> str:
        """The fault string from WS-Trust's table: what a peer may see, never a detail."""
        return _TRUST_FAULT_MESSAGES[self]


_TRUST_FAULT_MESSAGES = {
    TrustFaultCode.INVALID_REQUEST: "The request was invalid or malformed",
    TrustFaultCode.FAILED_AUTHENTICATION: "Authentication failed",
    TrustFaultCode.REQUEST_FAILED: "The specified request failed",
    TrustFaultCode.INVALID_SECURITY_TOKEN: "Security token has been revoked",
    TrustFaultCode.AUTHENTICATION_BAD_ELEMENTS: "Insufficient Digest Elements",
    TrustFaultCode.BAD_REQUEST: "The specified RequestSecurityToken is not understood",
    TrustFaultCode.EXPIRED_DATA: "The request data is out-of-date",
    TrustFaultCode.INVALID_TIME_RANGE: "The requested time range is invalid or unsupported",
    TrustFaultCode.INVALID_SCOPE: "The request scope is invalid or unsupported",
    TrustFaultCode.RENEW_NEEDED: "A renewable security token has expired",
    TrustFaultCode.UNABLE_TO_RENEW: "The requested renewal failed",
}


# ------------------------------------------------------------------------ request parameters

E = TypeVar("E", bound=Enum)


def _enum(cls: type[E], value: object, name: str) -> E:
    if isinstance(value, cls):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a {cls.__name__}, not {type(value).__name__}")
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.name for m in cls)
        raise TokenRequestError(name.upper(), f"{value} is not a {cls.__name__}.", f"use one of {allowed}.") from None


def _one_element(data: object, name: str) -> bytes:
    """Check that ``data`` is the bytes of exactly one element (nothing beside it)."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"each of {name} must be bytes holding one XML element")
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
        raise TypeError(f"{name} is a sequence of bytes, one XML element each (e.g. (b'<x:Claims .../>',))")
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
                raise TypeError(f"{name} must be a str (a URI) or None")
            if value is not None and not value.strip():
                raise TokenRequestError(name.upper(), f"{name} is empty.", f"give a URI or leave {name} None.")
        if self.existing_token is not None and not isinstance(self.existing_token, XmlSecurityToken):
            raise TypeError("existing_token must be an XmlSecurityToken")
        size = self.issued_token_key_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
            raise TypeError("issued_token_key_size must be an int (bits)")
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
        if key_type is SecurityKeyType.ASYMMETRIC:
            raise TokenRequestError(
                "R53",
                "an asymmetric issued-token key cannot be requested.",
                "use SYMMETRIC or NONE (bearer) as the key type.",
            )
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


# ------------------------------------------------------------------------------ client: request


@dataclass(frozen=True)
class PreparedRequest:
    """An RST ready to send, and the entropy we must remember to derive the proof key."""

    body: etree._Element
    action: str
    requestor_entropy: bytes | None = field(default=None, repr=False)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _add_applies_to(parent: etree._Element, address: str) -> None:
    applies_to = _sub(parent, f"{{{WSP}}}AppliesTo")
    reference = _sub(applies_to, f"{{{ns.WSA}}}EndpointReference")
    _sub(reference, f"{{{ns.WSA}}}Address", address)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def prepare_request(params: RequestSecurityTokenParameters) -> PreparedRequest:
    """Build the wst:RequestSecurityToken for an Issue request.

    Client entropy (CLIENT_ONLY, COMBINED) is fresh random bytes, key size / 8 long (32 by
    default); COMBINED also names CK/PSHA1. Local parameters go in verbatim; service parameters
    go inline (February 2005) or inside wst:SecondaryParameters (1.3).
    """
    if not isinstance(params, RequestSecurityTokenParameters):
        raise TypeError("prepare_request takes RequestSecurityTokenParameters")
    if params.request_action is not RequestSecurityTokenAction.ISSUE:
        raise TokenRequestError(
            "REQUEST_ACTION",
            f"{params.request_action.name} needs WS-SecureConversation, which wsbind does not carry yet.",
            "use request_action=ISSUE.",
        )
    protocol = trust_protocol(params.trust_version)
    rst = etree.Element(
        protocol.tag("RequestSecurityToken"), nsmap={"wst": protocol.namespace, "wsp": WSP, "wsa": ns.WSA}
    )
    _sub(rst, protocol.tag("RequestType"), protocol.issue_request_type)
    if params.issued_token_type is not None:
        _sub(rst, protocol.tag("TokenType"), params.issued_token_type.strip())
    if params.applies_to is not None:
        _add_applies_to(rst, params.applies_to.strip())
    key_type = params.issued_token_key_type
    if key_type is SecurityKeyType.NONE:
        version = params.bearer_key_type_version
        bearer = protocol.bearer_key_types[0] if version is None else BEARER_KEY_TYPES[version]
        _sub(rst, protocol.tag("KeyType"), bearer)
    elif key_type is SecurityKeyType.SYMMETRIC:
        _sub(rst, protocol.tag("KeyType"), protocol.symmetric_key_type)
    if params.issued_token_key_size is not None:
        _sub(rst, protocol.tag("KeySize"), str(params.issued_token_key_size))
    entropy: bytes | None = None
    if params.entropy_mode in (SecurityKeyEntropyMode.CLIENT_ONLY, SecurityKeyEntropyMode.COMBINED):
        size = (params.issued_token_key_size or _DEFAULT_ENTROPY_BYTES * 8) // 8
        entropy = secrets.token_bytes(size)
        holder = _sub(rst, protocol.tag("Entropy"))
        _sub(holder, protocol.tag("BinarySecret"), _b64(entropy), Type=protocol.nonce_type)
    if params.entropy_mode is SecurityKeyEntropyMode.COMBINED:
        _sub(rst, protocol.tag("ComputedKeyAlgorithm"), protocol.psha1_algorithm)
    for data in params.local_request_parameters:
        rst.append(parse_xml(data))
    if params.service_request_parameters:
        target = rst
        if protocol.version is TrustVersion.V1_3:
            target = _sub(rst, protocol.tag("SecondaryParameters"))
        for data in params.service_request_parameters:
            target.append(parse_xml(data))
    return PreparedRequest(rst, protocol.issue_action, entropy)


# --------------------------------------------------------------------------- reading helpers


def _children(element: etree._Element) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str)]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _at_most_one(parent: etree._Element, tag: str) -> etree._Element | None:
    found = [c for c in _children(parent) if c.tag == tag]
    if len(found) > 1:
        raise TrustProtocolError(
            f"{_local(parent)} holds {len(found)} {etree.QName(tag).localname} elements; one is allowed."
        )
    return found[0] if found else None


def _exactly_one(parent: etree._Element, tag: str) -> etree._Element:
    found = _at_most_one(parent, tag)
    if found is None:
        raise TrustProtocolError(f"{_local(parent)} lacks its {etree.QName(tag).localname} element.")
    return found


def _char_data(element: etree._Element) -> str:
    """Text of the element with comments and processing instructions skipped."""
    return "".join([element.text or "", *(child.tail or "" for child in element)]).strip()


def _text(element: etree._Element) -> str:
    """The element's character content; child elements are refused."""
    if _children(element):
        raise TrustProtocolError(f"{_local(element)} must hold text, not elements.")
    return _char_data(element)


def _uri(element: etree._Element) -> str:
    value = _text(element)
    if not value:
        raise TrustProtocolError(f"{_local(element)} is empty.")
    return value


def _key_size(element: etree._Element) -> int:
    text = _text(element)
    if not text.isascii() or not text.isdigit() or len(text) > 6 or int(text) <= 0 or int(text) % 8:
        raise TrustProtocolError(f"KeySize {text[:20]!r} is not a positive multiple of 8 bits.")
    return int(text)


def _decode(element: etree._Element) -> bytes:
    text = "".join(_text(element).split())
    try:
        value = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise TrustProtocolError(f"{_local(element)} is not valid base64.") from None
    if not value:
        raise TrustProtocolError(f"{_local(element)} is empty.")
    return value


def _binary_secret(protocol: TrustProtocol, element: etree._Element, default_type: str) -> tuple[str, bytes]:
    """(type, bytes) of a wst:BinarySecret; R58 allows only this version's Nonce and SymmetricKey.

    WS-Trust makes @Type optional and we found no default stated in the spec text, so an absent
    Type takes the meaning of the secret's place: a nonce in Entropy, the key in a proof token.
    """
    declared = element.get("Type")
    secret_type = default_type if declared is None else declared.strip()
    if secret_type not in (protocol.nonce_type, protocol.symmetric_key_secret_type):
        raise TrustProtocolError(
            f"BinarySecret Type {secret_type[:100]!r} is not allowed; only {protocol.nonce_type} or "
            f"{protocol.symmetric_key_secret_type} are",
            rule="R58",
        )
    return secret_type, _decode(element)


def _entropy(protocol: TrustProtocol, parent: etree._Element) -> bytes | None:
    holder = _at_most_one(parent, protocol.tag("Entropy"))
    if holder is None:
        return None
    children = _children(holder)
    if len(children) != 1 or children[0].tag != protocol.tag("BinarySecret"):
        raise TrustProtocolError("Entropy must hold exactly one BinarySecret (encrypted entropy is not supported).")
    return _binary_secret(protocol, children[0], protocol.nonce_type)[1]


def _applies_to(parent: etree._Element) -> str | None:
    holders = [c for c in _children(parent) if c.tag in (f"{{{WSP}}}AppliesTo", f"{{{_WSP_15}}}AppliesTo")]
    if not holders:
        return None
    if len(holders) > 1:
        raise TrustProtocolError("more than one AppliesTo.")
    references = [c for c in _children(holders[0]) if _local(c) == "EndpointReference"]
    if len(references) != 1 or etree.QName(references[0]).namespace not in (ns.WSA, _WSA_2004):
        raise TrustProtocolError("AppliesTo must hold one WS-Addressing EndpointReference.")
    address = _exactly_one(references[0], f"{{{etree.QName(references[0]).namespace}}}Address")
    return _uri(address)


def _check_single_body_child(element: etree._Element, what: str) -> None:
    parent = element.getparent()
    if (
        parent is not None
        and etree.QName(parent).localname == "Body"
        and etree.QName(parent).namespace in (ns.SOAP11, ns.SOAP12)
    ):
        count = len(_children(parent))
        if count != 1:
            raise TrustProtocolError(
                f"the SOAP Body holds {count} elements; it must hold exactly one {what}.", rule="R57"
            )


def _key_type(protocol: TrustProtocol, element: etree._Element) -> SecurityKeyType:
    value = _uri(element)
    if value == protocol.symmetric_key_type:
        return SecurityKeyType.SYMMETRIC
    if value == protocol.public_key_type:
        return SecurityKeyType.ASYMMETRIC
    if value in protocol.bearer_key_types:
        return SecurityKeyType.NONE
    raise TrustProtocolError(f"KeyType {value[:100]!r} is not one this WS-Trust version defines.")


# ------------------------------------------------------------------------------ server: request


@dataclass(frozen=True)
class IssueRequest:
    """What an STS needs from one Issue RST."""

    protocol: TrustProtocol
    applies_to: str | None
    token_type: str | None
    key_type: SecurityKeyType
    key_size: int | None
    requestor_entropy: bytes | None = field(repr=False)
    computed_key_algorithm: str | None
    context: str | None


def read_request(body_child: etree._Element) -> IssueRequest:
    """Read an Issue RST of either version; anything malformed is TrustProtocolError.

    KeyType absent means SYMMETRIC (WS-Trust's default). For 1.3, TokenType, KeyType and KeySize
    absent from the RST are taken from wst:SecondaryParameters when it has them.
    """
    if not isinstance(body_child, etree._Element) or not isinstance(body_child.tag, str):
        raise TrustProtocolError("the SOAP Body must hold one RequestSecurityToken element.", rule="R57")
    qname = etree.QName(body_child)
    protocol = protocol_for_namespace(qname.namespace or "")
    if protocol is None or qname.localname != "RequestSecurityToken":
        raise TrustProtocolError(
            f"the SOAP Body holds {qname.localname!r}, not a WS-Trust RequestSecurityToken.", rule="R57"
        )
    _check_single_body_child(body_child, "RequestSecurityToken")
    request_type = _uri(_exactly_one(body_child, protocol.tag("RequestType")))
    if request_type != protocol.issue_request_type:
        raise TrustProtocolError(
            f"RequestType {request_type[:100]!r} is not supported; only {protocol.issue_request_type} is."
        )
    secondary = None
    if protocol.version is TrustVersion.V1_3:
        secondary = _at_most_one(body_child, protocol.tag("SecondaryParameters"))

    def pick(local_name: str) -> etree._Element | None:
        found = _at_most_one(body_child, protocol.tag(local_name))
        if found is None and secondary is not None:
            found = _at_most_one(secondary, protocol.tag(local_name))
        return found

    token_type_element = pick("TokenType")
    key_type_element = pick("KeyType")
    key_size_element = pick("KeySize")
    key_type = SecurityKeyType.SYMMETRIC if key_type_element is None else _key_type(protocol, key_type_element)
    key_size = None if key_size_element is None else _key_size(key_size_element)
    entropy = _entropy(protocol, body_child)
    algorithm_element = _at_most_one(body_child, protocol.tag("ComputedKeyAlgorithm"))
    algorithm = None if algorithm_element is None else _uri(algorithm_element)
    if key_type is SecurityKeyType.NONE and (entropy is not None or key_size is not None or algorithm is not None):
        raise TrustProtocolError(
            "a bearer request carries key material (Entropy, KeySize or ComputedKeyAlgorithm).", rule="R54"
        )
    if algorithm is not None and algorithm != protocol.psha1_algorithm:
        raise TrustProtocolError(
            f"ComputedKeyAlgorithm {algorithm[:100]!r} is not supported; only {protocol.psha1_algorithm} is."
        )
    if algorithm is not None and entropy is None:
        raise TrustProtocolError("ComputedKeyAlgorithm needs requestor Entropy to combine with.")
    return IssueRequest(
        protocol=protocol,
        applies_to=_applies_to(body_child),
        token_type=None if token_type_element is None else _uri(token_type_element),
        key_type=key_type,
        key_size=key_size,
        requestor_entropy=entropy,
        computed_key_algorithm=algorithm,
        context=body_child.get("Context"),
    )


# ----------------------------------------------------------------------------- server: response


@dataclass(frozen=True)
class IssuedTokenResponse:
    """What an STS sends back for one Issue request.

    ``proof_secret`` is the key itself (server-only entropy); ``issuer_entropy`` is the STS's half
    of a CK/PSHA1 computed key (combined entropy). Neither: a bearer token, or a client-only key.
    """

    token: bytes
    token_type: str
    attached_reference: bytes | None
    unattached_reference: bytes | None
    created: datetime
    expires: datetime
    applies_to: str | None = None
    key_size: int | None = None
    proof_secret: bytes | None = field(default=None, repr=False)
    issuer_entropy: bytes | None = field(default=None, repr=False)
    context: str | None = None


def _parse_one(data: bytes, name: str) -> etree._Element:
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"{name} must be bytes")
    try:
        root = parse_xml(bytes(data))
    except XmlRejected as exc:
        raise ValueError(f"{name} must be one XML element ({exc})") from None
    if root.getprevious() is not None or root.getnext() is not None:
        raise ValueError(f"{name} must be exactly one element, with nothing beside it")
    return root


def build_response(protocol: TrustProtocol, response: IssuedTokenResponse) -> etree._Element:
    """The RSTR (February 2005) or an RSTRC holding one RSTR (1.3) for ``response``.

    The token element is parsed from its bytes and appended with its own namespace declarations,
    so serializing the result reproduces the token bytes inside RequestedSecurityToken exactly
    when they are in lxml's form (as SamlIssuer's are): MSAL slices that text out verbatim.
    No KeyType is written: the proof token says it, and Windows clients refuse RSTRs whose
    KeyType is a 1.3 bearer URI ([MS-LWSSP] 3.1.5.2.1).
    """
    if response.proof_secret is not None and response.issuer_entropy is not None:
        raise ValueError("give proof_secret (server-only key) or issuer_entropy (computed key), not both")
    if not isinstance(response.token_type, str) or not response.token_type.strip():
        raise ValueError("token_type must be a non-empty URI")
    for name in ("created", "expires"):
        value = getattr(response, name)
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"{name} must be a timezone-aware datetime")
    if response.expires <= response.created:
        raise ValueError("expires must be later than created")
    if response.key_size is not None and (response.key_size <= 0 or response.key_size % 8):
        raise ValueError("key_size must be a positive multiple of 8 bits")
    token = _parse_one(response.token, "token")
    rstr = etree.Element(protocol.tag("RequestSecurityTokenResponse"), nsmap={"wst": protocol.namespace})
    if response.context is not None:
        rstr.set("Context", response.context)
    _sub(rstr, protocol.tag("TokenType"), response.token_type.strip())
    lifetime = _sub(rstr, protocol.tag("Lifetime"))
    _sub(lifetime, f"{{{ns.WSU}}}Created", format_xs_datetime(response.created))
    _sub(lifetime, f"{{{ns.WSU}}}Expires", format_xs_datetime(response.expires))
    if response.applies_to is not None:
        _add_applies_to(rstr, response.applies_to)
    _sub(rstr, protocol.tag("RequestedSecurityToken")).append(token)
    for local_name, reference in (
        ("RequestedAttachedReference", response.attached_reference),
        ("RequestedUnattachedReference", response.unattached_reference),
    ):
        if reference is not None:
            _sub(rstr, protocol.tag(local_name)).append(_parse_one(reference, local_name))
    if response.proof_secret is not None:
        proof = _sub(rstr, protocol.tag("RequestedProofToken"))
        _sub(proof, protocol.tag("BinarySecret"), _b64(response.proof_secret), Type=protocol.symmetric_key_secret_type)
    if response.issuer_entropy is not None:
        _sub(_sub(rstr, protocol.tag("RequestedProofToken")), protocol.tag("ComputedKey"), protocol.psha1_algorithm)
        entropy = _sub(rstr, protocol.tag("Entropy"))
        _sub(entropy, protocol.tag("BinarySecret"), _b64(response.issuer_entropy), Type=protocol.nonce_type)
    if response.key_size is not None:
        _sub(rstr, protocol.tag("KeySize"), str(response.key_size))
    if protocol.version is TrustVersion.FEBRUARY_2005:
        return rstr
    collection = etree.Element(
        protocol.tag("RequestSecurityTokenResponseCollection"), nsmap={"wst": protocol.namespace}
    )
    collection.append(rstr)
    return collection


# ------------------------------------------------------------------------------ client: response


def saml_token_reference(assertion_xml: bytes) -> bytes:
    """A wsse:SecurityTokenReference to a SAML assertion by its ID (SAML Token Profile 1.1).

    SAML 1.1: TokenType #SAMLV1.1 and KeyIdentifier of ValueType #SAMLAssertionID; SAML 2.0:
    #SAMLV2.0 and #SAMLID. Raises ValueError for anything that is not a SAML assertion with an ID.
    """
    root = _parse_one(assertion_xml, "assertion_xml")
    if root.tag == f"{{{ns.SAML2}}}Assertion":
        token_type, value_type, identifier = ns.SAML20_TOKEN_TYPE, ns.SAML20_ASSERTION_ID_VALUE_TYPE, root.get("ID")
    elif root.tag == f"{{{ns.SAML1}}}Assertion":
        token_type, value_type, identifier = (
            ns.SAML11_TOKEN_TYPE,
            ns.SAML11_ASSERTION_ID_VALUE_TYPE,
            root.get("AssertionID"),
        )
    else:
        raise ValueError(f"not a SAML 1.1 or 2.0 assertion: {root.tag}")
    if not identifier:
        raise ValueError("the assertion has no ID to refer to")
    reference = etree.Element(f"{{{ns.WSSE}}}SecurityTokenReference", nsmap={"wsse": ns.WSSE, "wsse11": ns.WSSE11})
    reference.set(f"{{{ns.WSSE11}}}TokenType", token_type)
    _sub(reference, f"{{{ns.WSSE}}}KeyIdentifier", identifier, ValueType=value_type)
    return etree.tostring(reference)


def _element_bytes(element: etree._Element) -> bytes:
    """The element's bytes without the ancestors' namespace declarations lxml would add.

    A deep copy keeps the element's own declarations and adds only those it actually uses, so
    a self-contained token (a SAML assertion declares its namespaces) comes out as it went in.
    """
    return etree.tostring(copy.deepcopy(element), with_tail=False)


def _single_child(parent: etree._Element) -> etree._Element:
    children = _children(parent)
    if len(children) != 1:
        raise TrustProtocolError(f"{_local(parent)} must hold exactly one element, not {len(children)}.")
    return children[0]


def _the_rstr(protocol: TrustProtocol, body_child: etree._Element) -> etree._Element:
    """The one RSTR of a response: the body child itself (Feb 2005) or the RSTRC's only child (1.3)."""
    expected = "RequestSecurityTokenResponse"
    if protocol.version is TrustVersion.V1_3:
        expected += "Collection"
    if body_child.tag != protocol.tag(expected):
        raise TrustProtocolError(
            f"expected one {expected} in the {protocol.namespace} namespace, got {body_child.tag}.", rule="R57"
        )
    _check_single_body_child(body_child, expected)
    if protocol.version is TrustVersion.FEBRUARY_2005:
        return body_child
    children = _children(body_child)
    if len(children) != 1 or children[0].tag != protocol.tag("RequestSecurityTokenResponse"):
        raise TrustProtocolError(
            f"the RequestSecurityTokenResponseCollection holds {len(children)} elements; it must hold exactly one "
            "RequestSecurityTokenResponse.",
            rule="R57",
        )
    return children[0]


def _lifetime(protocol: TrustProtocol, rstr: etree._Element) -> tuple[datetime | None, datetime | None]:
    lifetime = _at_most_one(rstr, protocol.tag("Lifetime"))
    if lifetime is None:
        return None, None
    values: list[datetime | None] = []
    for local_name in ("Created", "Expires"):
        element = _at_most_one(lifetime, f"{{{ns.WSU}}}{local_name}")
        try:
            values.append(None if element is None else parse_xs_datetime(_text(element)))
        except ValueError as exc:
            raise TrustProtocolError(f"Lifetime {local_name}: {exc}") from None
    created, expires = values
    if created is not None and expires is not None and expires <= created:
        raise TrustProtocolError("Lifetime Expires is not later than Created.")
    return created, expires


def _proof_key(
    protocol: TrustProtocol, rstr: etree._Element, request: PreparedRequest, params: RequestSecurityTokenParameters
) -> bytes | None:
    """The symmetric proof key the RSTR establishes, checked against what was asked for."""
    proof = _at_most_one(rstr, protocol.tag("RequestedProofToken"))
    issuer_entropy = _entropy(protocol, rstr)
    size_element = _at_most_one(rstr, protocol.tag("KeySize"))
    key_size = _key_size(size_element) if size_element is not None else params.issued_token_key_size
    key_type_element = _at_most_one(rstr, protocol.tag("KeyType"))
    answered_type = None if key_type_element is None else _key_type(protocol, key_type_element)
    mode = params.entropy_mode
    requested_bearer = params.issued_token_key_type is SecurityKeyType.NONE
    if answered_type is SecurityKeyType.ASYMMETRIC:
        raise TrustProtocolError(
            "the STS issued an asymmetric (PublicKey) token; wsbind asks only for symmetric or bearer keys."
        )
    if requested_bearer or answered_type is SecurityKeyType.NONE:
        if proof is not None or issuer_entropy is not None:
            raise TrustProtocolError("a bearer token must not come with a proof token or issuer entropy.")
        if answered_type is SecurityKeyType.NONE and params.issued_token_key_type is SecurityKeyType.SYMMETRIC:
            raise TrustProtocolError("a symmetric key was requested but the STS issued a bearer token.")
        return None
    if proof is None:
        if issuer_entropy is not None:
            raise TrustProtocolError("the RSTR has issuer Entropy but no RequestedProofToken/ComputedKey.")
        if mode is SecurityKeyEntropyMode.CLIENT_ONLY:
            if request.requestor_entropy is None:
                raise TrustProtocolError("CLIENT_ONLY entropy was requested but this request carried none.")
            return request.requestor_entropy  # WS-Trust: the requestor's entropy is the key
        if mode is None:
            return None  # no key type was asked for and the STS issued no key: a bearer token
        raise TrustProtocolError(
            f"a symmetric key ({mode.name} entropy) was requested but the RSTR has no RequestedProofToken."
        )
    content = _single_child(proof)
    if content.tag == protocol.tag("BinarySecret"):
        secret_type, key = _binary_secret(protocol, content, protocol.symmetric_key_secret_type)
        if secret_type != protocol.symmetric_key_secret_type:
            raise TrustProtocolError("the RequestedProofToken BinarySecret is a Nonce, not a key.")
        if mode in (SecurityKeyEntropyMode.CLIENT_ONLY, SecurityKeyEntropyMode.COMBINED) or issuer_entropy is not None:
            raise TrustProtocolError(
                f"the STS sent its own key although {mode.name if mode else 'no'} entropy was agreed."
            )
        return key
    if content.tag == protocol.tag("ComputedKey"):
        algorithm = _uri(content)
        if algorithm != protocol.psha1_algorithm:
            raise TrustProtocolError(
                f"ComputedKey {algorithm[:100]!r} is not supported; only {protocol.psha1_algorithm} is."
            )
        if mode is not SecurityKeyEntropyMode.COMBINED or request.requestor_entropy is None:
            raise TrustProtocolError("the STS sent a ComputedKey but combined entropy was not requested.")
        if issuer_entropy is None:
            raise TrustProtocolError("a ComputedKey needs the issuer's Entropy, which the RSTR lacks.")
        return computed_key(request.requestor_entropy, issuer_entropy, key_size or len(request.requestor_entropy) * 8)
    raise TrustProtocolError(
        f"RequestedProofToken holds {_local(content)!r}; only BinarySecret or ComputedKey are supported."
    )


def _optional_reference(protocol: TrustProtocol, rstr: etree._Element, local_name: str) -> bytes | None:
    holder = _at_most_one(rstr, protocol.tag(local_name))
    return None if holder is None else _element_bytes(_single_child(holder))


def read_response(
    body_child: etree._Element, request: PreparedRequest, params: RequestSecurityTokenParameters
) -> XmlSecurityToken:
    """Turn the STS's answer to ``request`` into a token (R57, R58; proof key per entropy mode).

    A SOAP fault raises SecurityTokenServiceFault. The token's bytes are the RequestedSecurityToken
    child re-serialized by lxml from a deep copy: identical to the issued bytes for a token that
    declares its own namespaces (our SAML assertions do) and is in lxml's serialized form.
    A keyed SAML token without RequestedAttachedReference gets a standard KeyIdentifier reference.
    """
    if not isinstance(body_child, etree._Element) or not isinstance(body_child.tag, str):
        raise TrustProtocolError("the SOAP Body must hold one RequestSecurityTokenResponse element.", rule="R57")
    fault = read_fault(body_child)
    if fault is not None:
        raise fault
    protocol = trust_protocol(params.trust_version)
    rstr = _the_rstr(protocol, body_child)
    holder = _at_most_one(rstr, protocol.tag("RequestedSecurityToken"))
    if holder is None:
        raise TrustProtocolError("the RSTR has no RequestedSecurityToken.")
    token_element = _single_child(holder)
    token_xml = _element_bytes(token_element)
    token_type_element = _at_most_one(rstr, protocol.tag("TokenType"))
    if token_type_element is not None:
        _uri(token_type_element)
    valid_from, valid_till = _lifetime(protocol, rstr)
    key = _proof_key(protocol, rstr, request, params)
    attached = _optional_reference(protocol, rstr, "RequestedAttachedReference")
    unattached = _optional_reference(protocol, rstr, "RequestedUnattachedReference")
    if key is None:
        attached = unattached = None  # a bearer token is never referenced by a signature
    elif attached is None:
        if token_element.tag not in (f"{{{ns.SAML1}}}Assertion", f"{{{ns.SAML2}}}Assertion"):
            raise TrustProtocolError("a keyed non-SAML token came without RequestedAttachedReference.")
        try:
            attached = saml_token_reference(token_xml)
        except ValueError as exc:
            raise TrustProtocolError(f"cannot refer to the issued assertion: {exc}") from None
    try:
        return create_xml_security_token(
            token_xml,
            RawSymmetricSecurityKeyHandle(key) if key is not None else None,
            attached_reference=attached,
            unattached_reference=unattached,
            valid_from=valid_from,
            valid_till=valid_till,
        )
    except (InvalidToken, ValueError) as exc:
        raise TrustProtocolError(f"the issued token is unusable: {exc}") from None


# ---------------------------------------------------------------------------------------- faults


def read_fault(body_child: etree._Element) -> SecurityTokenServiceFault | None:
    """A SOAP 1.1 or 1.2 Fault as an exception object (not raised), or None for anything else.

    The code is the most specific one given (SOAP 1.2 Subcode over Code) as QName text.
    """
    if not isinstance(body_child, etree._Element) or not isinstance(body_child.tag, str):
        return None
    qname = etree.QName(body_child)
    if qname.localname != "Fault" or qname.namespace not in (ns.SOAP11, ns.SOAP12):
        return None

    def text(element: etree._Element | None) -> str:
        return "" if element is None else _char_data(element)

    if qname.namespace == ns.SOAP11:
        return SecurityTokenServiceFault(text(body_child.find("faultcode")), text(body_child.find("faultstring")))
    soap = f"{{{ns.SOAP12}}}"
    code = ""
    level = body_child.find(f"{soap}Code")
    while level is not None:
        code = text(level.find(f"{soap}Value")) or code
        level = level.find(f"{soap}Subcode")
    texts = body_child.findall(f"{soap}Reason/{soap}Text")
    english = [t for t in texts if (t.get(f"{{{ns.XML}}}lang") or "").lower().startswith("en")]
    chosen = english or texts
    reason = text(chosen[0] if chosen else None)
    return SecurityTokenServiceFault(code, reason)


def build_trust_fault(soap_ns: str, protocol_namespace: str, code: TrustFaultCode) -> bytes:
    """A whole SOAP envelope carrying a WS-Trust fault code and its generic message only.

    SOAP 1.2 puts soap:Sender in Code/Value and wst:Code in Subcode/Value, with Reason/Text:
    MSAL reads both the Subcode value and the reason text.
    """
    if soap_ns not in (ns.SOAP11, ns.SOAP12):
        raise ValueError(f"soap_ns must be the SOAP 1.1 or 1.2 namespace, not {soap_ns!r}")
    if protocol_for_namespace(protocol_namespace) is None:
        raise ValueError(f"{protocol_namespace!r} is not a WS-Trust namespace")
    code = TrustFaultCode(code)
    envelope = etree.Element(f"{{{soap_ns}}}Envelope", nsmap={"s": soap_ns, "wst": protocol_namespace})
    fault = _sub(_sub(envelope, f"{{{soap_ns}}}Body"), f"{{{soap_ns}}}Fault")
    if soap_ns == ns.SOAP11:
        _sub(fault, "faultcode", f"wst:{code.value}")
        _sub(fault, "faultstring", code.generic_message)
    else:
        code_element = _sub(fault, f"{{{soap_ns}}}Code")
        _sub(code_element, f"{{{soap_ns}}}Value", "s:Sender")
        _sub(_sub(code_element, f"{{{soap_ns}}}Subcode"), f"{{{soap_ns}}}Value", f"wst:{code.value}")
        reason = _sub(_sub(fault, f"{{{soap_ns}}}Reason"), f"{{{soap_ns}}}Text", code.generic_message)
        reason.set(f"{{{ns.XML}}}lang", "en")
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
