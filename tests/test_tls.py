"""TLS on both sides, over real loopback handshakes.

Client: the trust anchors ``verify`` names and nothing else; a client certificate in every form
CertCredential loads, presented by the sync client, the async client and TrustChannel alike; the SSL
binding's client properties carried out or refused at construction. Server: REQUIRE_SSL_CLIENT_CERT
accepts only requests whose client certificate the WSGI server verified.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme
from conftest import Starter, server_description
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import load_pem_x509_certificate
from support import Issuer, envelope, make_app

from samples.server import serve
from spyne_wsbind import SecurityHandler
from wsbind import (
    CertCredential,
    CertFailure,
    CertSignedSamlAuthenticator,
    KeyLoadError,
    SamlMessageSecurityBinding,
    SecureProtocol,
    SecurityBindingProperty,
    SecurityDescription,
    SslTransportSecurityBinding,
    UnsupportedBinding,
    XmlTokenMessageSecurityBinding,
    create_xml_security_token,
)
from wsbind.saml.issuer import SamlIssuer
from zeep_wsbind import TrustChannel, secure_async_client, secure_client


@pytest.fixture(scope="module")
def client_pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A second CA, which signs the client's certificate; the same key and certificate as PEM
    files, a password-protected PKCS#12 file and an encrypted PEM key."""
    directory = tmp_path_factory.mktemp("client-pki")
    ca = trustme.CA()
    leaf = ca.issue_cert("client.example.test")
    paths = {name: directory / name for name in ("ca.pem", "client.pem", "client.key", "client.p12", "enc.key")}
    ca.cert_pem.write_to_path(str(paths["ca.pem"]))
    leaf.cert_chain_pems[0].write_to_path(str(paths["client.pem"]))
    leaf.private_key_pem.write_to_path(str(paths["client.key"]))
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
    cert = load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    encryption = serialization.BestAvailableEncryption(b"s3cret")
    paths["client.p12"].write_bytes(
        pkcs12.serialize_key_and_certificates(b"client", key, cert, None, encryption)  # type: ignore[arg-type]
    )
    paths["enc.key"].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    return paths


@pytest.fixture()
def mutual_tls_service(
    tls: dict[str, Path], client_pki: dict[str, Path], issuer: Issuer
) -> Iterator[str]:
    """The test service over HTTPS that completes no handshake without a client certificate."""
    app = SecurityHandler(server_description(issuer)).wsgi_app(make_app())
    with serve(app, (tls["cert"], tls["key"]), client_ca=client_pki["ca.pem"]) as url:
        yield url


def _description(token: bytes, credential: CertCredential | None) -> SecurityDescription:
    return SecurityDescription(
        [
            SslTransportSecurityBinding(local_cert_credential=credential),
            XmlTokenMessageSecurityBinding(create_xml_security_token(token)),
        ]
    )


def _credentials(pki: dict[str, Path]) -> dict[str, CertCredential]:
    return {
        "pem-files": CertCredential(pki["client.pem"], pki["client.key"]),
        "pkcs12-with-password": CertCredential(pki["client.p12"], password="s3cret"),
        "encrypted-pem-key": CertCredential(pki["client.pem"], pki["enc.key"], password=b"s3cret"),
    }


@pytest.mark.parametrize("form", ["pem-files", "pkcs12-with-password", "encrypted-pem-key"])
def test_sync_client_presents_its_certificate_in_every_form(
    mutual_tls_service: str, client_pki: dict[str, Path], saml_issuer: SamlIssuer, tls: dict[str, Path], form: str
) -> None:
    description = _description(saml_issuer.issue(subject="alice"), _credentials(client_pki)[form])
    client = secure_client(mutual_tls_service + "?wsdl", description, verify=tls["ca"])
    assert client.service.whoami().startswith("alice|")


def test_async_client_presents_a_pkcs12_certificate(
    mutual_tls_service: str, client_pki: dict[str, Path], saml_issuer: SamlIssuer, tls: dict[str, Path]
) -> None:
    description = _description(saml_issuer.issue(subject="bob"), _credentials(client_pki)["pkcs12-with-password"])

    async def call() -> str:
        client = secure_async_client(mutual_tls_service + "?wsdl", description, verify=str(tls["ca"]))
        try:
            return str(await client.service.whoami())
        finally:
            await client.transport.aclose()

    assert asyncio.run(call()).startswith("bob|")


def test_without_a_client_certificate_the_handshake_fails(
    mutual_tls_service: str, saml_issuer: SamlIssuer, tls: dict[str, Path]
) -> None:
    """The service above really demands the certificate: the tests above prove it was presented."""
    with pytest.raises(requests.exceptions.SSLError):
        description = _description(saml_issuer.issue(subject="eve"), None)
        secure_client(mutual_tls_service + "?wsdl", description, verify=tls["ca"])


def test_trust_channel_presents_the_same_certificate(
    mutual_tls_service: str, client_pki: dict[str, Path], tls: dict[str, Path]
) -> None:
    """TrustChannel builds its TLS from the description as secure_client does: the handshake with
    the mutual-TLS service completes (the answer is then the service's own fault, not an SSLError)."""
    credential = _credentials(client_pki)["pkcs12-with-password"]
    description = SecurityDescription([SslTransportSecurityBinding(local_cert_credential=credential)])
    channel = TrustChannel(mutual_tls_service, description, verify=tls["ca"])
    channel.open()
    try:
        session = channel._session_for_request()
        assert session.get(mutual_tls_service + "?wsdl", timeout=10).status_code == 200
    finally:
        channel.close()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_environment_bundles_do_not_change_whom_the_client_trusts(
    start_service: Starter, issuer: Issuer, saml_issuer: SamlIssuer, tls: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch, variable: str,
) -> None:
    """With the test CA in the variable, plain requests would trust the service; verify=True means
    certifi's bundle, which does not hold the test CA, so the handshake fails."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, str(tls["ca"]))
    description = _description(saml_issuer.issue(subject="alice"), None)
    with start_service(server_description(issuer)) as url:
        assert requests.get(url + "?wsdl", timeout=10).status_code == 200  # the variable works on requests
        with pytest.raises(requests.exceptions.SSLError):
            secure_client(url + "?wsdl", description)


def test_an_ssl_context_is_used_as_given(
    start_service: Starter, issuer: Issuer, saml_issuer: SamlIssuer, tls: dict[str, Path]
) -> None:
    context = ssl.create_default_context(cafile=str(tls["ca"]))
    with start_service(server_description(issuer)) as url:
        client = secure_client(url + "?wsdl", _description(saml_issuer.issue(subject="dan"), None), verify=context)
        assert client.service.whoami().startswith("dan|")


def test_wrong_password_fails_at_construction(client_pki: dict[str, Path], saml_issuer: SamlIssuer) -> None:
    credential = CertCredential(client_pki["client.p12"], password="no")
    description = _description(saml_issuer.issue(subject="alice"), credential)
    with pytest.raises(KeyLoadError, match=r"client\.p12"):
        secure_client("https://127.0.0.1:9/?wsdl", description, verify=True)


def test_a_client_certificate_without_verification_is_refused(
    client_pki: dict[str, Path], saml_issuer: SamlIssuer
) -> None:
    description = _description(saml_issuer.issue(subject="alice"), _credentials(client_pki)["pem-files"])
    with pytest.raises(ValueError, match="verify=False with a client certificate"):
        secure_client("https://127.0.0.1:9/?wsdl", description, verify=False)


@pytest.mark.parametrize("content", [None, b"not a certificate"], ids=["missing", "not-pem"])
def test_a_bad_ca_file_fails_at_construction_naming_it(
    tmp_path: Path, saml_issuer: SamlIssuer, content: bytes | None
) -> None:
    ca_file = tmp_path / "corporate-ca.crt"
    if content is not None:
        ca_file.write_bytes(content)
    description = _description(saml_issuer.issue(subject="alice"), None)
    with pytest.raises(KeyLoadError, match=r"verify='.*corporate-ca\.crt' is not a readable PEM file"):
        secure_client("https://127.0.0.1:9/?wsdl", description, verify=ca_file)


# -- the SSL binding's client properties --------------------------------------------------------


@pytest.fixture(scope="module")
def other_name_tls(tmp_path_factory: pytest.TempPathFactory, tls: dict[str, Path]) -> tuple[Path, Path, Path]:
    """A server certificate for another host name than 127.0.0.1 (CA, chain, key)."""
    directory = tmp_path_factory.mktemp("other-name")
    ca = trustme.CA()
    leaf = ca.issue_cert("orders.example.test")
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    ca.cert_pem.write_to_path(str(paths[0]))
    leaf.cert_chain_pems[0].write_to_path(str(paths[1]))
    leaf.private_key_pem.write_to_path(str(paths[2]))
    return paths


def _client(token: bytes, properties: dict[SecurityBindingProperty, object] | None = None) -> SecurityDescription:
    return SecurityDescription(
        [
            SslTransportSecurityBinding(properties=properties or {}),
            XmlTokenMessageSecurityBinding(create_xml_security_token(token)),
        ]
    )


def test_cn_mismatch_is_refused_unless_the_description_ignores_it(
    other_name_tls: tuple[Path, Path, Path], issuer: Issuer, saml_issuer: SamlIssuer
) -> None:
    ca, cert, key = other_name_tls
    app = SecurityHandler(server_description(issuer)).wsgi_app(make_app())
    with serve(app, (cert, key)) as url:
        with pytest.raises(requests.exceptions.SSLError, match=r"match|mismatch"):
            secure_client(url + "?wsdl", _client(saml_issuer.issue(subject="alice")), verify=ca)
        ignore = {SecurityBindingProperty.CERT_FAILURES_TO_IGNORE: CertFailure.CN_MISMATCH}
        client = secure_client(url + "?wsdl", _client(saml_issuer.issue(subject="alice"), ignore), verify=ca)
        assert client.service.whoami().startswith("alice|")


def test_disallowed_protocols_raise_the_minimum_version(
    tls: dict[str, Path], issuer: Issuer, saml_issuer: SamlIssuer
) -> None:
    """Against a server that speaks TLS 1.2 at most, disallowing TLS 1.2 leaves no common version."""
    app = SecurityHandler(server_description(issuer)).wsgi_app(make_app())
    with serve(app, (tls["cert"], tls["key"]), maximum_version=ssl.TLSVersion.TLSv1_2) as url:
        client = secure_client(url + "?wsdl", _client(saml_issuer.issue(subject="carol")), verify=tls["ca"])
        assert client.service.whoami().startswith("carol|")
        disallow = {SecurityBindingProperty.DISALLOWED_SECURE_PROTOCOLS: SecureProtocol.TLS1_2}
        with pytest.raises(requests.exceptions.SSLError):
            secure_client(url + "?wsdl", _client(saml_issuer.issue(subject="carol"), disallow), verify=tls["ca"])


@pytest.mark.parametrize(
    ("prop", "value", "says"),
    [
        (SecurityBindingProperty.CERTIFICATE_VALIDATION_CALLBACK_CONTEXT, lambda cert: True, "callbacks"),
        (SecurityBindingProperty.CERT_FAILURES_TO_IGNORE, CertFailure.UNTRUSTED_ROOT, "only CN_MISMATCH"),
        (SecurityBindingProperty.CERT_FAILURES_TO_IGNORE, CertFailure.INVALID_DATE, "only CN_MISMATCH"),
    ],
    ids=["validation-callback", "untrusted-root", "invalid-date"],
)
def test_properties_this_client_cannot_keep_are_refused_at_construction(
    saml_issuer: SamlIssuer, prop: SecurityBindingProperty, value: object, says: str
) -> None:
    """A callback that never ran or a failure not really ignored must not pass unnoticed."""
    description = _client(saml_issuer.issue(subject="alice"), {prop: value})
    with pytest.raises(UnsupportedBinding, match=says):
        secure_client("https://127.0.0.1:9/?wsdl", description)


# -- REQUIRE_SSL_CLIENT_CERT on the server ------------------------------------------------------


def _requiring_client_cert(issuer: Issuer) -> SecurityDescription:
    return SecurityDescription(
        [
            SslTransportSecurityBinding(properties={SecurityBindingProperty.REQUIRE_SSL_CLIENT_CERT: True}),
            SamlMessageSecurityBinding(authenticator=CertSignedSamlAuthenticator([issuer.certificate])),
        ]
    )


def test_required_client_certificate_verified_by_the_server_is_accepted(
    tls: dict[str, Path], client_pki: dict[str, Path], issuer: Issuer, saml_issuer: SamlIssuer
) -> None:
    app = SecurityHandler(_requiring_client_cert(issuer)).wsgi_app(make_app())
    with serve(app, (tls["cert"], tls["key"]), client_ca=client_pki["ca.pem"]) as url:
        credential = _credentials(client_pki)["pem-files"]
        description = _description(saml_issuer.issue(subject="alice"), credential)
        client = secure_client(url + "?wsdl", description, verify=tls["ca"])
        assert client.service.whoami().startswith("alice|")


def test_required_client_certificate_missing_is_refused_even_with_forged_headers(
    tls: dict[str, Path], issuer: Issuer, saml_issuer: SamlIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    """A WSGI server that asks for no client certificate reports none; headers named like the
    server's variables (SSL_CLIENT_VERIFY, SSL_CLIENT_CERT) arrive as HTTP_* and change nothing."""
    app = SecurityHandler(_requiring_client_cert(issuer)).wsgi_app(make_app())
    body = envelope(saml_issuer.issue(subject="mallory"))
    with serve(app, (tls["cert"], tls["key"])) as url:
        forged = {"SSL-Client-Verify": "SUCCESS", "SSL-Client-Cert": "-----BEGIN CERTIFICATE-----"}
        for headers in ({}, forged):
            answer = requests.post(
                url, data=body, headers={"Content-Type": "text/xml; charset=utf-8", **headers},
                verify=str(tls["ca"]), timeout=10,
            )
            assert answer.status_code == 500
            assert b"FailedAuthentication" in answer.content
    assert "client-certificate-missing" in caplog.text


# -- an STS whose requesters authenticate with a TLS client certificate (ADFS certificatetransport) --


def _certificate_sts(saml_issuer: SamlIssuer, client_pki: dict[str, Path]) -> tuple[Any, SecurityDescription]:
    from spyne_wsbind import SecurityTokenService

    sts = SecurityTokenService(saml_issuer, relying_parties={"urn:orders": None})
    demand = SecurityDescription(
        [SslTransportSecurityBinding(properties={SecurityBindingProperty.REQUIRE_SSL_CLIENT_CERT: True})]
    )
    return sts, demand


def test_sts_issues_to_the_name_its_allow_list_gives_a_client_certificate(
    tls: dict[str, Path], client_pki: dict[str, Path], saml_issuer: SamlIssuer
) -> None:
    from wsbind import SecurityKeyType
    from zeep_wsbind import request_security_token

    sts, demand = _certificate_sts(saml_issuer, client_pki)
    app = sts.wsgi_app(demand, client_certificates={"build-agent-7": client_pki["client.pem"]})
    requester = SecurityDescription(
        [SslTransportSecurityBinding(local_cert_credential=_credentials(client_pki)["pkcs12-with-password"])]
    )
    with serve(app, (tls["cert"], tls["key"]), client_ca=client_pki["ca.pem"]) as url:
        with TrustChannel(url + "adfs/services/trust/13/certificatetransport", requester, verify=tls["ca"]) as channel:
            token = request_security_token(
                channel, applies_to="urn:orders", issued_token_key_type=SecurityKeyType.NONE
            )
    assert b">build-agent-7<" in token.xml


def test_sts_refuses_a_verified_client_certificate_outside_its_allow_list(
    tls: dict[str, Path], client_pki: dict[str, Path], saml_issuer: SamlIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    from wsbind import SecurityKeyType, SecurityTokenServiceFault
    from zeep_wsbind import request_security_token

    other = trustme.CA().issue_cert("someone-else.example.test")  # any certificate but the client's
    other_pem = client_pki["ca.pem"].parent / "other.pem"
    other.cert_chain_pems[0].write_to_path(str(other_pem))
    sts, demand = _certificate_sts(saml_issuer, client_pki)
    app = sts.wsgi_app(demand, client_certificates={"someone": other_pem})
    requester = SecurityDescription(
        [SslTransportSecurityBinding(local_cert_credential=_credentials(client_pki)["pem-files"])]
    )
    with serve(app, (tls["cert"], tls["key"]), client_ca=client_pki["ca.pem"]) as url:
        with TrustChannel(url + "trust", requester, verify=tls["ca"]) as channel:
            with pytest.raises(SecurityTokenServiceFault, match="FailedAuthentication"):
                request_security_token(channel, applies_to="urn:orders", issued_token_key_type=SecurityKeyType.NONE)
    assert "is not in client_certificates" in caplog.text and "O=trustme" in caplog.text  # names the certificate


def _x509_requester(client_pki: dict[str, Path]) -> SecurityDescription:
    from wsbind import create_x509_security_token

    token = create_x509_security_token(client_pki["client.key"], client_pki["client.pem"])
    return SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)])


def test_sts_issues_to_an_x509_endorsing_token_in_its_allow_list(
    tls: dict[str, Path], client_pki: dict[str, Path], saml_issuer: SamlIssuer
) -> None:
    """ADFS certificatemixed: no client certificate in the handshake; the request carries the
    certificate as a BinarySecurityToken and signs its Timestamp and To with the key."""
    from wsbind import SecurityKeyType
    from zeep_wsbind import request_security_token

    sts, _ = _certificate_sts(saml_issuer, client_pki)
    app = sts.wsgi_app(SecurityDescription([SslTransportSecurityBinding()]),
                       client_certificates={"build-agent-7": client_pki["client.pem"]})  # fmt: skip
    with serve(app, (tls["cert"], tls["key"])) as url:
        address = url + "adfs/services/trust/13/certificatemixed"
        with TrustChannel(address, _x509_requester(client_pki), verify=tls["ca"]) as channel:
            token = request_security_token(channel, applies_to="urn:orders", issued_token_key_type=SecurityKeyType.NONE)
    assert b">build-agent-7<" in token.xml


def test_sts_refuses_an_x509_token_outside_its_allow_list_or_signed_by_another_key(
    tls: dict[str, Path], client_pki: dict[str, Path], saml_issuer: SamlIssuer
) -> None:
    from lxml import etree

    from wsbind import SecurityKeyType, TrustVersion, create_x509_security_token
    from wsbind.outgoing import OutgoingSecurity
    from wsbind.soap import namespaces as ns
    from wsbind.soap.envelope import SOAP_CONTENT_TYPES, build_envelope
    from wsbind.trust.client import prepare_request
    from wsbind.trust.params import RequestSecurityTokenParameters

    other = trustme.CA().issue_cert("other.example.test")
    other_key, other_cert = client_pki["ca.pem"].parent / "other2.key", client_pki["ca.pem"].parent / "other2.pem"
    other.private_key_pem.write_to_path(str(other_key))
    other.cert_chain_pems[0].write_to_path(str(other_cert))
    sts, _ = _certificate_sts(saml_issuer, client_pki)
    app = sts.wsgi_app(SecurityDescription([SslTransportSecurityBinding()]),
                       client_certificates={"build-agent-7": client_pki["client.pem"]})  # fmt: skip
    params = RequestSecurityTokenParameters(
        applies_to="urn:orders", trust_version=TrustVersion.V1_3, issued_token_key_type=SecurityKeyType.NONE
    )
    with serve(app, (tls["cert"], tls["key"])) as url:

        def post(swap_certificate: bool) -> bytes:
            prepared = prepare_request(params)
            envelope = build_envelope(ns.SOAP12, prepared.body, action=prepared.action, to=url)
            token = create_x509_security_token(other_key, other_cert)
            description = SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)])
            OutgoingSecurity(description).apply(envelope, url)
            if swap_certificate:  # the trusted certificate, under a signature made with another key
                bst = envelope.find(f".//{{{ns.WSSE}}}BinarySecurityToken")
                assert bst is not None
                bst.text = "".join(client_pki["client.pem"].read_text().splitlines()[1:-1])
            answer = requests.post(url, data=etree.tostring(envelope), verify=str(tls["ca"]), timeout=30,
                                   headers={"Content-Type": SOAP_CONTENT_TYPES[ns.SOAP12]})  # fmt: skip
            return answer.content

        assert b"FailedAuthentication" in post(swap_certificate=False)  # not in the allow-list
        assert b"FailedAuthentication" in post(swap_certificate=True)  # the signature does not verify
