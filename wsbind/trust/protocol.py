"""WS-Trust versions: the namespaces and URIs of February 2005 and 1.3, and the bearer KeyTypes."""

from __future__ import annotations

from dataclasses import dataclass

from wsbind.model.enums import SecurityBearerKeyTypeVersion, TrustVersion

WST_FEB2005 = "http://schemas.xmlsoap.org/ws/2005/02/trust"
WST_13 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"

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
