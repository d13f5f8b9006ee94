"""Fixtures of the security suite: one world of keys, and the secured service over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from support import make_app

from samples.server import serve
from security.harness import NOW, SERVERS, HttpService, World, capturing_logs, make_world
from spyne_wsbind import SecurityHandler
from wsbind.soap import namespaces as ns


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("security-pki"))


@pytest.fixture(scope="session")
def service(world: World, tls: dict[str, Path]) -> Iterator[HttpService]:
    """SOAP 1.1 and 1.2 services for each server configuration of World.description, the clock at NOW."""
    with capturing_logs() as capture, ExitStack() as stack:
        urls = {}
        for server in SERVERS:
            for soap_ns, soap12 in ((ns.SOAP11, False), (ns.SOAP12, True)):
                app = SecurityHandler(world.description(server), clock=lambda: NOW).wsgi_app(make_app(soap12))
                urls[server, soap_ns] = stack.enter_context(serve(app, (tls["cert"], tls["key"])))
        yield HttpService(urls, tls["ca"], capture)
