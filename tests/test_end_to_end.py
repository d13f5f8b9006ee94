"""A real zeep client presents SAML to a real spyne service over loopback HTTPS."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import zeep
from conftest import Starter, server_description
from lxml import etree
from support import Issuer, client_description
from zeep.wsse.signature import Signature
from zeep.wsse.username import UsernameToken

from wsbind import (
    InsecureTransport,
    ProtectionLevel,
)
from wsbind.saml.issuer import SamlIssuer, SamlVersion
from zeep_wsbind import SecurityPlugin, secure_async_client, secure_client


@pytest.mark.parametrize("soap12", [False, True], ids=["soap11", "soap12"])
@pytest.mark.parametrize("version", [SamlVersion.V2_0, SamlVersion.V1_1], ids=["saml20", "saml11"])
def test_bearer_assertion_reaches_the_service_method(
    start_service: Starter,
    issuer: Issuer,
    saml_issuer: SamlIssuer,
    tls: dict[str, Path],
    soap12: bool,
    version: SamlVersion,
) -> None:
    token = saml_issuer.issue(subject="alice", version=version, attributes={"role": ["reader", "writer"]})
    with start_service(server_description(issuer), soap12=soap12) as url:
        client = secure_client(url + "?wsdl", client_description(token), verify=str(tls["ca"]))
        answer = client.service.whoami()
    assert answer == f"alice|https://sts.example.test|reader,writer|{version.value}"


def test_async_client(start_service: Starter, issuer: Issuer, saml_issuer: SamlIssuer, tls: dict[str, Path]) -> None:
    token = saml_issuer.issue(subject="bob")

    async def call(url: str) -> Any:
        client = secure_async_client(url + "?wsdl", client_description(token), verify=str(tls["ca"]))
        try:
            return await client.service.whoami()
        finally:
            await client.transport.aclose()

    with start_service(server_description(issuer)) as url:
        answer = asyncio.run(call(url))
    assert answer.startswith("bob|")


def test_plugin_alone_with_plain_zeep_client(
    start_service: Starter, issuer: Issuer, saml_issuer: SamlIssuer, tls: dict[str, Path]
) -> None:
    token = saml_issuer.issue(subject="carol")
    with start_service(server_description(issuer)) as url:
        transport = zeep.Transport()
        transport.session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides verify
        transport.session.verify = str(tls["ca"])
        client = zeep.Client(url + "?wsdl", transport=transport, plugins=[SecurityPlugin(client_description(token))])
        assert client.service.whoami().startswith("carol|")


class _SignRequestsOnly(Signature):  # type: ignore[misc]
    """zeep's Signature also demands signed responses; this test service does not sign them."""

    def verify(self, envelope: Any) -> Any:
        return envelope


def test_beside_zeeps_username_token_and_signature(
    start_service: Starter, issuer: Issuer, saml_issuer: SamlIssuer, tls: dict[str, Path], pki_dir: Path
) -> None:
    token = saml_issuer.issue(subject="dave")
    wsse = zeep.wsse.Compose(
        [UsernameToken("dave", "secret"), _SignRequestsOnly(str(issuer.key_file), str(issuer.cert_file))]
    )
    with start_service(server_description(issuer)) as url:
        client = secure_client(url + "?wsdl", client_description(token), verify=str(tls["ca"]), wsse=wsse)
        history = zeep.plugins.HistoryPlugin()
        client.plugins.append(history)
        assert client.service.whoami().startswith("dave|")
    sent = history.last_sent["envelope"]
    security = sent.find(".//{*}Security")
    local_names = [child.tag.split("}")[1] for child in security]
    assert {"Timestamp", "Assertion", "UsernameToken", "Signature"} <= set(local_names)
    # zeep's own signature over Body and our Timestamp still verifies after our insertion.
    Signature(str(issuer.key_file), str(issuer.cert_file)).verify(sent)


def test_refuses_plain_http_before_sending(
    issuer: Issuer, saml_issuer: SamlIssuer, tls: dict[str, Path], start_service: Starter
) -> None:
    token = saml_issuer.issue(subject="eve")
    with start_service(server_description(issuer)) as url:
        client = secure_client(url + "?wsdl", client_description(token), verify=str(tls["ca"]))
        plain = client.create_service(next(iter(client.wsdl.bindings)), url.replace("https://", "http://"))
        with pytest.raises(InsecureTransport, match="R30"):
            plain.whoami()


def test_message_properties_inside_the_service_method(
    start_service: Starter, issuer: Issuer, saml_issuer: SamlIssuer, tls: dict[str, Path]
) -> None:
    token = saml_issuer.issue(subject="frank")
    with start_service(server_description(issuer)) as url:
        client = secure_client(url + "?wsdl", client_description(token), verify=str(tls["ca"]))
        assert client.service.message_property("PROTECTION_LEVEL") == repr(ProtectionLevel.SIGN_AND_ENCRYPT)
        # R59: no username binding here; the method's error reaches the client only as spyne's generic fault.
        with pytest.raises(zeep.exceptions.Fault, match=r"^Internal Error$"):
            client.service.message_property("USERNAME")


@pytest.mark.parametrize("follow", [True, False], ids=["retrieval-method", "external-retrieval-refused"])
def test_encrypted_assertion_with_a_retrieval_method_over_https(
    start_service: Starter,
    issuer: Issuer,
    relying_party: Issuer,
    saml_issuer: SamlIssuer,
    tls: dict[str, Path],
    follow: bool,
) -> None:
    """The IdP layout where EncryptedKey sits beside EncryptedData and a RetrievalMethod names it."""
    from sts_setup import relying_party_description
    from support import envelope, post, retrieval_layout

    from wsbind.saml.issuer import encrypt_assertion

    encrypted = encrypt_assertion(saml_issuer.issue(subject="erin", audiences=["urn:rp"]), relying_party.certificate)
    layout = retrieval_layout(encrypted) if follow else retrieval_layout(encrypted, URI="https://evil.example/k#key-1")
    with start_service(relying_party_description(issuer, relying_party, ["urn:rp"])) as url:
        status, _, body = post(url, envelope(etree.tostring(layout)), tls["ca"])
    if follow:
        assert status == 200 and b"erin|" in body
    else:
        assert status == 500 and b"FailedAuthentication" in body
