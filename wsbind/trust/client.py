"""The client side of WS-Trust Issue: build the RST, read the RSTR (or the STS's fault).

Only single-leg Issue exchanges are carried, as [MS-LWSSP] profiles them: one RST, one RSTR
(inside exactly one RSTRC for WS-Trust 1.3). Malformed input raises TrustProtocolError, never
another exception, and the message names the rule (R57, R58) where one applies.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from lxml import etree

from wsbind.errors import (
    InvalidToken,
    SecurityTokenServiceFault,
    TokenRequestError,
    TrustProtocolError,
    WsBindTypeError,
    WsBindValueError,
)
from wsbind.model.enums import (
    RequestSecurityTokenAction,
    SecurityKeyEntropyMode,
    SecurityKeyType,
    TrustVersion,
)
from wsbind.soap import namespaces as ns
from wsbind.soap.timeutil import parse_xs_datetime
from wsbind.soap.xmlparse import parse_xml
from wsbind.soap.xmlread import element_children
from wsbind.trust._xml import (
    _add_applies_to,
    _at_most_one,
    _b64,
    _binary_secret,
    _char_data,
    _check_single_body_child,
    _entropy,
    _key_size,
    _key_type,
    _local,
    _parse_one,
    _sub,
    _text,
    _uri,
)
from wsbind.trust.params import RequestSecurityTokenParameters
from wsbind.trust.protocol import BEARER_KEY_TYPES, WSP, TrustProtocol, trust_protocol
from wsbind.trust.psha1 import computed_key
from wsbind.wss.keys import NcryptAsymmetricSecurityKeyHandle, RawSymmetricSecurityKeyHandle
from wsbind.wss.tokens import XmlSecurityToken, create_xml_security_token

_DEFAULT_ENTROPY_BYTES = 32  # 256 bits, the Basic256 suite's key size

# ------------------------------------------------------------------------------ client: request


@dataclass(frozen=True)
class PreparedRequest:
    """An RST ready to send, and the entropy we must remember to derive the proof key."""

    body: etree._Element
    action: str
    requestor_entropy: bytes | None = field(default=None, repr=False)
    possession_signature_id: str | None = None
    """For a public-key request: the Id the proof-of-possession signature must carry (UseKey/@Sig)."""


def prepare_request(params: RequestSecurityTokenParameters) -> PreparedRequest:
    """Build the wst:RequestSecurityToken for an Issue request.

    Client entropy (CLIENT_ONLY, COMBINED) is fresh random bytes, key size / 8 long (32 by
    default); COMBINED also names CK/PSHA1. Local parameters go in verbatim; service parameters
    go inline (February 2005) or inside wst:SecondaryParameters (1.3).
    """
    if not isinstance(params, RequestSecurityTokenParameters):
        raise WsBindTypeError("prepare_request takes RequestSecurityTokenParameters")
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
    possession_id = None
    if key_type is SecurityKeyType.ASYMMETRIC:
        assert params.proof_certificate is not None  # the parameters' R53 check
        _sub(rst, protocol.tag("KeyType"), protocol.public_key_type)
        possession_id = f"PoP-{secrets.token_hex(8)}"
        use_key = _sub(rst, protocol.tag("UseKey"), Sig=f"#{possession_id}")
        der = params.proof_certificate.public_bytes(serialization.Encoding.DER)
        bst = etree.SubElement(
            use_key,
            f"{{{ns.WSSE}}}BinarySecurityToken",
            {
                "ValueType": ns.X509V3,
                "EncodingType": ns.WSSE_KEY_IDENTIFIER_BASE64,
                f"{{{ns.WSU}}}Id": f"UseKey-{possession_id}",
            },
            nsmap={"wsse": ns.WSSE, "wsu": ns.WSU},
        )
        bst.text = _b64(der)
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
    return PreparedRequest(rst, protocol.issue_action, entropy, possession_id)


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
        raise WsBindValueError(f"not a SAML 1.1 or 2.0 assertion: {root.tag}")
    if not identifier:
        raise WsBindValueError("the assertion has no ID to refer to")
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
    children = element_children(parent)
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
    children = element_children(body_child)
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
    if params.issued_token_key_type is SecurityKeyType.ASYMMETRIC:
        if proof is not None or issuer_entropy is not None or answered_type not in (None, SecurityKeyType.ASYMMETRIC):
            raise TrustProtocolError("a public-key token was requested; the RSTR answers with another key type.")
        return None
    if answered_type is SecurityKeyType.ASYMMETRIC:
        raise TrustProtocolError(
            "the STS issued an asymmetric (PublicKey) token, which this request did not ask for."
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
    handle: RawSymmetricSecurityKeyHandle | NcryptAsymmetricSecurityKeyHandle | None = None
    if key is not None:
        handle = RawSymmetricSecurityKeyHandle(key)
    elif params.proof_key is not None:
        handle = NcryptAsymmetricSecurityKeyHandle(params.proof_key)
    attached = _optional_reference(protocol, rstr, "RequestedAttachedReference")
    unattached = _optional_reference(protocol, rstr, "RequestedUnattachedReference")
    if handle is None:
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
            handle,
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
