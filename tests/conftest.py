"""Shared fixtures: a test PKI, SAML issuers, and a way to start secured spyne services."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
import trustme
from support import Issuer, make_app, make_issuer

from samples.server import serve
from spyne_wsbind import SecurityHandler
from wsbind import (
    CertSignedSamlAuthenticator,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SslTransportSecurityBinding,
)
from wsbind.saml.issuer import SamlIssuer


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pki")


@pytest.fixture(scope="session")
def tls(pki_dir: Path) -> dict[str, Path]:
    """A CA and a server certificate for 127.0.0.1, as files."""
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    paths = {"ca": pki_dir / "ca.pem", "cert": pki_dir / "server.pem", "key": pki_dir / "server.key"}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    server.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(str(paths["cert"]), append=True)
    server.private_key_pem.write_to_path(str(paths["key"]))
    return paths


@pytest.fixture(scope="session")
def issuer(pki_dir: Path) -> Issuer:
    return make_issuer(pki_dir, "trusted-sts")


@pytest.fixture(scope="session")
def rogue(pki_dir: Path) -> Issuer:
    return make_issuer(pki_dir, "rogue-sts")


@pytest.fixture(scope="session")
def relying_party(pki_dir: Path) -> Issuer:
    """The service's own key pair, to which assertions are encrypted."""
    return make_issuer(pki_dir, "relying-party")


@pytest.fixture(scope="session")
def saml_issuer(issuer: Issuer) -> SamlIssuer:
    return SamlIssuer("https://sts.example.test", issuer.private_key, issuer.certificate)


@pytest.fixture(scope="session")
def rogue_issuer(rogue: Issuer) -> SamlIssuer:
    return SamlIssuer("https://sts.example.test", rogue.private_key, rogue.certificate)


def server_description(issuer: Issuer, **authenticator_options: Any) -> SecurityDescription:
    return SecurityDescription(
        [
            SslTransportSecurityBinding(),
            SamlMessageSecurityBinding(
                authenticator=CertSignedSamlAuthenticator([issuer.certificate], **authenticator_options)
            ),
        ]
    )


Starter = Callable[..., AbstractContextManager[str]]


@pytest.fixture
def start_service(tls: dict[str, Path]) -> Starter:
    """start_service(description, soap12=False, https=True, **handler_options) -> context of URL."""

    def start(
        description: SecurityDescription, *, soap12: bool = False, https: bool = True, **options: Any
    ) -> AbstractContextManager[str]:
        app = SecurityHandler(description, **options).wsgi_app(make_app(soap12))
        return serve(app, (tls["cert"], tls["key"]) if https else None)

    return start


@pytest.fixture(scope="session")
def xmlsec1() -> Iterator[str]:
    """The xmlsec1 program; CI installs it, so its absence fails there and skips elsewhere."""
    path = shutil.which("xmlsec1")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("xmlsec1 is missing in CI: .ci/run must install it (apt-get install xmlsec1)")
        pytest.skip("xmlsec1 is not installed (apt-get install xmlsec1); CI runs these tests")
    yield path
