"""The paper's "Evolution GUI" in the browser: optuna-dashboard on the evolution's storage.

It lists every individual (trial) with its genes (parameters), score
(value), generation and errors (user attributes), and plots the history,
updating while the evolution runs. It serves on loopback by default: the
dashboard can also change trials, so expose it to a network only on purpose.
"""
from __future__ import annotations

import logging
import os
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from optuna.storages import BaseStorage

from monnto.evolution.study import open_storage

_logger = logging.getLogger("monnto.evolution")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        _logger.debug("dashboard: " + format, *args)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class DashboardServer:
    """A running dashboard: ``url``, ``port`` and :meth:`stop`."""

    def __init__(self, server: WSGIServer, thread: threading.Thread | None):
        self._server = server
        self._thread = thread
        self.host, self.port = server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}/"

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def serve_dashboard(
    storage: str | os.PathLike | BaseStorage,
    host: str = "127.0.0.1",
    port: int = 8080,
    block: bool = True,
) -> DashboardServer | None:
    """Serve optuna-dashboard for an evolution's storage.

    Parameters
    ----------
    storage : str, path or BaseStorage
        The evolution's journal file or database URL.
    host : str
        Address to bind (loopback by default).
    port : int
        TCP port; 0 picks a free one.
    block : bool
        Serve until interrupted (True), or return a running
        :class:`DashboardServer` at once (False).
    """
    from optuna_dashboard import wsgi

    app = wsgi(open_storage(storage))
    server = make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    if block:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return None
    thread = threading.Thread(target=server.serve_forever, name="monnto-dashboard", daemon=True)
    thread.start()
    return DashboardServer(server, thread)
