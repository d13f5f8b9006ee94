"""The STS side of WS-Trust Issue: read the RST, build the RSTR or a WS-Trust fault."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from lxml import etree

from wsbind.errors import TrustFaultCode, TrustProtocolError, WsBindValueError
from wsbind.model.enums import SecurityKeyType, TrustVersion
from wsbind.soap import namespaces as ns
from wsbind.soap.fault import build_fault
from wsbind.soap.timeutil import format_xs_datetime
from wsbind.soap.xmlread import decode_base64, element_children
from wsbind.trust._xml import (
    _add_applies_to,
    _applies_to,
    _at_most_one,
    _b64,
    _check_single_body_child,
    _entropy,
    _exactly_one,
    _key_size,
    _key_type,
    _parse_one,
    _sub,
    _uri,
)
from wsbind.trust.protocol import TrustProtocol, protocol_for_namespace

# ------------------------------------------------------------------------------ server: request


@dataclass(frozen=True, kw_only=True)
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
    use_key: x509.Certificate | None = field(default=None, repr=False)
    """KeyType PublicKey: the requester's certificate from wst:UseKey (its possession still unproven)."""
    use_key_signature: str | None = None
    """UseKey/@Sig without its '#': the Id of the signature that must prove possession of that key."""


def _use_key(protocol: TrustProtocol, body_child: etree._Element) -> tuple[x509.Certificate | None, str | None]:
    """wst:UseKey holding one X.509 BinarySecurityToken, and the @Sig that names its proof."""
    use_key = _at_most_one(body_child, protocol.tag("UseKey"))
    if use_key is None:
        return None, None
    tokens = element_children(use_key)
    bst = f"{{{ns.WSSE}}}BinarySecurityToken"
    if len(tokens) != 1 or tokens[0].tag != bst or tokens[0].get("ValueType") != ns.X509V3:
        raise TrustProtocolError("UseKey must hold one X.509 (X509v3) wsse:BinarySecurityToken.")
    try:
        certificate = x509.load_der_x509_certificate(decode_base64(tokens[0].text))
    except ValueError:
        raise TrustProtocolError("the UseKey BinarySecurityToken is not a base64 DER certificate.") from None
    sig = use_key.get("Sig") or ""
    if not sig.startswith("#") or len(sig) < 2:
        raise TrustProtocolError("UseKey needs Sig='#id' naming the signature that proves possession of its key.")
    return certificate, sig[1:]


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
    use_key, use_key_signature = _use_key(protocol, body_child)
    if (use_key is not None) != (key_type is SecurityKeyType.ASYMMETRIC):
        raise TrustProtocolError("KeyType PublicKey and wst:UseKey go together: one was sent without the other.")
    if key_type is SecurityKeyType.ASYMMETRIC and (entropy is not None or algorithm is not None):
        raise TrustProtocolError("a public-key request carries symmetric key material (Entropy).")
    return IssueRequest(
        protocol=protocol,
        applies_to=_applies_to(body_child),
        token_type=None if token_type_element is None else _uri(token_type_element),
        key_type=key_type,
        key_size=key_size,
        requestor_entropy=entropy,
        computed_key_algorithm=algorithm,
        context=body_child.get("Context"),
        use_key=use_key,
        use_key_signature=use_key_signature,
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


def build_response(protocol: TrustProtocol, response: IssuedTokenResponse) -> etree._Element:
    """The RSTR (February 2005) or an RSTRC holding one RSTR (1.3) for ``response``.

    The token element is parsed from its bytes and appended with its own namespace declarations,
    so serializing the result reproduces the token bytes inside RequestedSecurityToken exactly
    when they are in lxml's form (as SamlIssuer's are): MSAL slices that text out verbatim.
    No KeyType is written: the proof token says it, and Windows clients refuse RSTRs whose
    KeyType is a 1.3 bearer URI ([MS-LWSSP] 3.1.5.2.1).
    """
    if response.proof_secret is not None and response.issuer_entropy is not None:
        raise WsBindValueError("give proof_secret (server-only key) or issuer_entropy (computed key), not both")
    if not isinstance(response.token_type, str) or not response.token_type.strip():
        raise WsBindValueError("token_type must be a non-empty URI")
    for name in ("created", "expires"):
        value = getattr(response, name)
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise WsBindValueError(f"{name} must be a timezone-aware datetime")
    if response.expires <= response.created:
        raise WsBindValueError("expires must be later than created")
    if response.key_size is not None and (response.key_size <= 0 or response.key_size % 8):
        raise WsBindValueError("key_size must be a positive multiple of 8 bits")
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


def build_trust_fault(soap_ns: str, protocol_namespace: str, code: TrustFaultCode) -> bytes:
    """A WS-Trust fault for a request of the version whose namespace is ``protocol_namespace``."""
    if protocol_for_namespace(protocol_namespace) is None:
        raise WsBindValueError(f"{protocol_namespace!r} is not a WS-Trust namespace")
    return build_fault(soap_ns, TrustFaultCode(code), trust_namespace=protocol_namespace)
