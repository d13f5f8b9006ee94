"""Fixtures of the security suite: one world of keys, and the secured service over HTTPS."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from support import make_app

from samples.server import serve
from security.harness import LOGGERS, NOW, HttpService, LogCapture, World, make_world
from spyne_wsbind import SecurityHandler
from wsbind import namespaces as ns


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("security-pki"))


@pytest.fixture(scope="session")
def service(world: World, tls: dict[str, Path]) -> Iterator[HttpService]:
    """SOAP 1.1 and 1.2 services secured like World.description, with the clock at NOW."""
    capture = LogCapture()
    loggers = [logging.getLogger(name) for name in LOGGERS]
    previous_levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(capture)
        logger.setLevel(logging.DEBUG)
    with ExitStack() as stack:
        urls = {}
        for soap_ns, soap12 in ((ns.SOAP11, False), (ns.SOAP12, True)):
            app = SecurityHandler(world.description(), clock=lambda: NOW).register(make_app(soap12))
            urls[soap_ns] = stack.enter_context(serve(app, (tls["cert"], tls["key"])))
        try:
            yield HttpService(urls, tls["ca"], capture)
        finally:
            for logger, level in zip(loggers, previous_levels, strict=True):
                logger.removeHandler(capture)
                logger.setLevel(level)
