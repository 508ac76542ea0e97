"""A small HTTP proxy on loopback for tests (tests/core/test_proxy.py, tests/gui/test_settings_network.py): CONNECT
tunnels (https through the proxy) and plain-http forwarding, loopback targets only; it records every target and
can demand Proxy-Authorization."""

from __future__ import annotations

import base64
import select
import socket
import socketserver
import threading


class LoopbackProxy:
    """CONNECT tunnels and plain-http forwarding to loopback targets only. ``auth``: (user, password) demanded
    (407 otherwise); ``auth_for``: which methods must carry it ("CONNECT" only, or all)."""

    def __init__(self, auth: tuple[str, str] | None = None, auth_for: tuple[str, ...] = (),
                 silent: bool = False) -> None:
        """``silent``: read each request and never answer (until the client goes away)."""
        self.silent = silent
        self.connects: list[str] = []
        self.forwards: list[str] = []
        self.refused: list[str] = []
        self.expected = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth else None
        self.auth_for = auth_for
        self.lock = threading.Lock()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.handle(self.request)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> LoopbackProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(65536)
            if not data:
                return
            head += data
        if self.silent:
            while client.recv(65536):
                pass
            return
        first, _, _ = head.partition(b"\r\n")
        method, target, _version = first.decode("latin-1").split(" ", 2)
        headers = {}
        for line in head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if self.expected and (not self.auth_for or method in self.auth_for) \
                and headers.get("proxy-authorization") != self.expected:
            with self.lock:
                self.refused.append(f"{method} {target}")
            client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"\r\n"
                           b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            with self.lock:
                self.connects.append(target)
            upstream = socket.create_connection((host.strip("[]"), int(port)))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            rest = head.split(b"\r\n\r\n", 1)[1]
        else:  # absolute-form: forward this and what follows on the connection (one target per connection)
            from urllib.parse import urlsplit

            parts = urlsplit(target)
            with self.lock:
                self.forwards.append(target)
            upstream = socket.create_connection((parts.hostname, parts.port or 80))
            rest = head
        assert upstream.getpeername()[0] == "127.0.0.1"  # loopback only
        with upstream:
            if rest:
                upstream.sendall(rest)
            pipe(client, upstream)


def pipe(a: socket.socket, b: socket.socket) -> None:
    while True:
        ready, _, _ = select.select([a, b], [], [], 120)
        if not ready:
            return
        for s in ready:
            try:
                data = s.recv(65536)
            except OSError:
                return
            if not data:
                return
            (b if s is a else a).sendall(data)
