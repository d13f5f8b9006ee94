"""Run a WSGI application on 127.0.0.1 in a background thread (cheroot, optional TLS)."""

from __future__ import annotations

import logging
import ssl
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

log = logging.getLogger("samples.server")


class _Server(wsgi.Server):
    """cheroot's server, its error log sent to the ``samples.server`` logger instead of stderr.

    cheroot writes every connection problem straight to stderr, where it lands in the middle of
    a test run. Two of them are a client's doing, and expected: a client that does not trust our
    certificate ends the handshake (INFO, as cheroot rates it), and a client that hangs up before
    the whole answer is sent (a client refusing an oversized answer does) makes the next TLS write
    fail with SSLEOFError, the TLS form of the broken pipe cheroot already ignores (INFO, no traceback).
    """

    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        error = sys.exc_info()[1] if traceback else None
        if isinstance(error, ssl.SSLEOFError):
            log.info("the client hung up before the whole answer was sent (%s)", error)
            return
        log.log(level, "%s", msg, exc_info=error)


@contextmanager
def serve(
    app: Any,
    tls: tuple[Path, Path] | None = None,
    *,
    client_ca: Path | None = None,
    maximum_version: ssl.TLSVersion | None = None,
) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yield the base URL; stop on exit.

    ``tls`` is (certificate chain file, private key file); the URL is https:// then. With
    ``client_ca``, the handshake demands a client certificate that CA signed (mutual TLS);
    ``maximum_version`` caps the TLS versions offered (tests of a client's minimum).
    """
    server = _Server(("127.0.0.1", 0), app, numthreads=4, shutdown_timeout=1)
    if tls is not None:
        server.ssl_adapter = BuiltinSSLAdapter(str(tls[0]), str(tls[1]))
        if client_ca is not None:
            server.ssl_adapter.context.load_verify_locations(str(client_ca))
            server.ssl_adapter.context.verify_mode = ssl.CERT_REQUIRED
        if maximum_version is not None:
            server.ssl_adapter.context.maximum_version = maximum_version
    server.prepare()
    thread = threading.Thread(target=server.serve, name="wsbind-sample-server", daemon=True)
    thread.start()
    host, port = server.bind_addr[:2]
    try:
        yield f"{'https' if tls else 'http'}://{host}:{port}/"
    finally:
        server.stop()
        thread.join(5)
