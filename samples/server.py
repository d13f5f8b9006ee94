"""Run a WSGI application on 127.0.0.1 in a background thread (cheroot, optional TLS)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter


@contextmanager
def serve(app: Any, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yield the base URL; stop on exit.

    ``tls`` is (certificate chain file, private key file); the URL is https:// then.
    """
    server = wsgi.Server(("127.0.0.1", 0), app, numthreads=4, shutdown_timeout=1)
    if tls is not None:
        server.ssl_adapter = BuiltinSSLAdapter(str(tls[0]), str(tls[1]))
    server.prepare()
    thread = threading.Thread(target=server.serve, name="wsbind-sample-server", daemon=True)
    thread.start()
    host, port = server.bind_addr[:2]
    try:
        yield f"{'https' if tls else 'http'}://{host}:{port}/"
    finally:
        server.stop()
        thread.join(5)
