"""werkzeug's make_server, but a busy port raises OSError instead of printing and calling sys.exit(1)."""

from __future__ import annotations

import errno
import socket
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


def _probe(host: str, port: int) -> None:
    """Bind like werkzeug does (SO_REUSEADDR) so a port in use is reported before werkzeug exits the process."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def make_threaded_server(
    host: str, port: int, app: Any, request_handler: type[WSGIRequestHandler], ssl_context: Any = None
) -> BaseWSGIServer:
    """A threaded WSGI server bound to (host, port); port 0 picks a free one (read ``server_port``).
    ``ssl_context``: werkzeug's (certificate file, key file) tuple or an SSLContext, for https."""
    _probe(host, port)
    try:
        return make_server(host, port, app, threaded=True, request_handler=request_handler, ssl_context=ssl_context)
    except SystemExit:  # lost a race with another program after the probe
        raise OSError(errno.EADDRINUSE, f"port {port} on {host} is in use") from None
