"""Fixtures of the security suite: one world of keys, and the secured service over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from support import make_app

from samples.server import serve
from security.harness import NOW, HttpService, World, capturing_logs, make_world
from spyne_wsbind import SecurityHandler
from wsbind import namespaces as ns


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("security-pki"))


@pytest.fixture(scope="session")
def service(world: World, tls: dict[str, Path]) -> Iterator[HttpService]:
    """SOAP 1.1 and 1.2 services secured like World.description, with the clock at NOW."""
    with capturing_logs() as capture, ExitStack() as stack:
        urls = {}
        for soap_ns, soap12 in ((ns.SOAP11, False), (ns.SOAP12, True)):
            app = SecurityHandler(world.description(), clock=lambda: NOW).register(make_app(soap12))
            urls[soap_ns] = stack.enter_context(serve(app, (tls["cert"], tls["key"])))
        yield HttpService(urls, tls["ca"], capture)
