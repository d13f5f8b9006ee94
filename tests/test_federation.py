"""The whole federated flow: real zeep -> real spyne STS -> real zeep -> real spyne service.

Every combination of WS-Trust version, SAML version and proof-key mode runs over loopback HTTPS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sts_setup import password_check, relying_party_description, username_sts_description
from support import Issuer

from samples.server import serve
from spyne_wsbind import SecurityTokenService
from wsbind import (
    SecurityDescription,
    SecurityKeyEntropyMode,
    SecurityKeyType,
    SslTransportSecurityBinding,
    StringUsernameCredential,
    TrustVersion,
    UsernameMessageSecurityBinding,
    XmlTokenMessageSecurityBinding,
)
from wsbind.saml.issuer import SamlIssuer
from wsbind.soap import namespaces as ns
from wsbind.wss.tokens import XmlSecurityToken
from zeep_wsbind import IssuedTokenProvider, TrustChannel, request_security_token, secure_async_client, secure_client

SERVICE = "urn:wsbind:test:service"
PASSWORDS = {"alice": "alice's secret"}


@dataclass
class Federation:
    sts_url: str
    service_url: str
    ca: str

    def channel(self, password: str = PASSWORDS["alice"]) -> TrustChannel:
        description = SecurityDescription(
            [
                SslTransportSecurityBinding(),
                UsernameMessageSecurityBinding(client_credential=StringUsernameCredential("alice", password)),
            ]
        )
        return TrustChannel(self.sts_url, description, verify=self.ca)

    def whoami(self, token: XmlSecurityToken | IssuedTokenProvider) -> str:
        description = SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)])
        return str(secure_client(self.service_url + "?wsdl", description, verify=self.ca).service.whoami())


@pytest.fixture(scope="module")
def federation(
    tls: dict[str, Path], issuer: Issuer, relying_party: Issuer, saml_issuer: SamlIssuer
) -> Iterator[Federation]:
    from support import make_app

    from spyne_wsbind import SecurityHandler

    sts = SecurityTokenService(
        saml_issuer,
        relying_parties={SERVICE: relying_party.certificate},
        claims=lambda user, applies_to: {"role": ["reader"]},
    )
    sts_description = username_sts_description(password_check(PASSWORDS))
    service = SecurityHandler(relying_party_description(issuer, relying_party, [SERVICE]))
    certificates = (tls["cert"], tls["key"])
    with serve(sts.wsgi_app(sts_description), certificates) as sts_url, serve(
        service.wsgi_app(make_app()), certificates
    ) as service_url:
        yield Federation(sts_url + "adfs/services/trust/13/usernamemixed", service_url, str(tls["ca"]))


KEY_MODES = {
    "bearer": {"issued_token_key_type": SecurityKeyType.NONE},
    "symmetric-server-entropy": {"issued_token_key_type": SecurityKeyType.SYMMETRIC},
    "symmetric-client-entropy": {
        "issued_token_key_type": SecurityKeyType.SYMMETRIC,
        "issued_token_key_entropy": SecurityKeyEntropyMode.CLIENT_ONLY,
    },
    "symmetric-combined-entropy": {
        "issued_token_key_type": SecurityKeyType.SYMMETRIC,
        "issued_token_key_entropy": SecurityKeyEntropyMode.COMBINED,
        "issued_token_key_size": 256,
    },
}


@pytest.mark.parametrize("mode", list(KEY_MODES))
@pytest.mark.parametrize("token_type", [ns.SAML20_TOKEN_TYPE, ns.SAML11_TOKEN_TYPE], ids=["saml20", "saml11"])
@pytest.mark.parametrize("version", list(TrustVersion), ids=lambda v: v.name)
def test_issued_token_is_accepted_by_the_service(
    federation: Federation, version: TrustVersion, token_type: str, mode: str
) -> None:
    options: dict[str, Any] = KEY_MODES[mode]
    with federation.channel() as channel, request_security_token(
        channel, applies_to=SERVICE, trust_version=version, issued_token_type=token_type, **options
    ) as token:
        keyed = options["issued_token_key_type"] == SecurityKeyType.SYMMETRIC
        assert (token.key_type == SecurityKeyType.SYMMETRIC) is keyed
        assert (b"holder-of-key" in token.xml) is keyed
        saml_version = "2.0" if token_type == ns.SAML20_TOKEN_TYPE else "1.1"
        assert federation.whoami(token) == f"alice|https://sts.example.test|reader|{saml_version}"


def test_symmetric_token_with_a_different_key_is_refused(federation: Federation) -> None:
    """The proof key the client derived is what the service checks: another key fails."""
    from wsbind import RawSymmetricSecurityKeyHandle, create_xml_security_token

    with federation.channel() as channel, request_security_token(
        channel, applies_to=SERVICE, issued_token_key_type=SecurityKeyType.SYMMETRIC
    ) as token:
        assert token.attached_reference is not None
        forged = create_xml_security_token(
            token.xml, RawSymmetricSecurityKeyHandle(b"\x00" * 32), attached_reference=token.attached_reference
        )
        with pytest.raises(Exception, match="could not be authenticated or authorized"):
            federation.whoami(forged)


def test_bearer_copy_of_a_holder_of_key_token_is_refused(federation: Federation) -> None:
    """Stealing the assertion without its key gives nothing."""
    from wsbind import create_xml_security_token

    with federation.channel() as channel, request_security_token(
        channel, applies_to=SERVICE, issued_token_key_type=SecurityKeyType.SYMMETRIC
    ) as token:
        with pytest.raises(Exception, match="could not be authenticated"):
            federation.whoami(create_xml_security_token(token.xml))


def test_provider_token_source_sync_and_async(federation: Federation) -> None:
    with federation.channel() as channel:
        provider = IssuedTokenProvider(channel, applies_to=SERVICE, issued_token_key_type=SecurityKeyType.NONE)
        assert federation.whoami(provider).startswith("alice|")
        cached = provider.cached()
        assert cached is not None
        assert federation.whoami(provider).startswith("alice|")
        again = provider.cached()
        assert again is not None and again.xml == cached.xml  # served from the cache

    async def call() -> str:
        with federation.channel() as channel:
            provider = IssuedTokenProvider(
                channel, applies_to=SERVICE, issued_token_key_type=SecurityKeyType.SYMMETRIC
            )
            description = SecurityDescription(
                [SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(provider)]
            )
            client = secure_async_client(federation.service_url + "?wsdl", description, verify=federation.ca)
            try:
                return str(await client.service.whoami())
            finally:
                await client.transport.aclose()
                await channel.aclose()

    assert asyncio.run(call()).startswith("alice|")
