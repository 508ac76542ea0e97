"""A hostile HTTP server for tests: a real server on loopback that speaks the documented protocol by proxying to a
real sandbox endpoint (API or S3), and that a test can tell, per method and path, to misbehave instead.

    front = HostileServer(upstream=sandbox.api_url)
    front.on("POST", "/login", redirect(elsewhere.url + "/login"))     # every POST /login from now on
    front.on("GET", "/resources/list/*", endless(), times=1)           # only the next one
    front.on("POST", "/resources/get/*", trickle(every=20))            # status + headers, then 1 byte / 20 s
    ...
    front.seen          # every request it received (method, path, headers, body), for asserts
    front.clear()       # back to a faithful proxy, recordings dropped

A behaviour is a callable ``behaviour(exchange)`` that writes the whole answer through ``exchange`` (the request
is read already). Every wait is bounded by the server's stop event, so ``stop()`` ends endless and trickling
answers at once. Without ``upstream`` unmatched requests are answered 200 ``{}`` (the "other origin" a redirect
points at, which records what it received). Loopback only.
"""

from __future__ import annotations

import contextlib
import fnmatch
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str  # without the query
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Exchange:
    """What a behaviour gets: the request (``seen``) and ways to answer it on the raw connection."""

    def __init__(self, handler: _Handler, seen: Seen) -> None:
        self.handler = handler
        self.seen = seen
        self.server: HostileServer = handler.server.owner  # type: ignore[attr-defined]

    # ---- writing -------------------------------------------------------------------------------------------

    def head(self, status: int, headers: Iterable[tuple[str, str]] = (), reason: str | None = None) -> None:
        """Status line and headers (sent as given: a behaviour may lie in Content-Length)."""
        lines = [f"HTTP/1.1 {status} {reason or http.client.responses.get(status, 'Status')}"]
        lines += [f"{k}: {v}" for k, v in headers]
        self.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def write(self, data: bytes) -> None:
        self.handler.wfile.write(data)
        self.handler.wfile.flush()

    def close(self) -> None:
        self.handler.close_connection = True

    def reply(self, status: int, body: bytes = b"", content_type: str = "application/json",
              headers: Iterable[tuple[str, str]] = ()) -> None:
        self.head(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers])
        self.write(body)

    def wait(self, seconds: float) -> bool:
        """Sleep; True when the server is stopping (the behaviour must end)."""
        return self.server.stopping.wait(seconds)

    # ---- the real thing ------------------------------------------------------------------------------------

    def upstream(self) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """Send the request to the upstream endpoint as received; (status, reason, headers, body)."""
        target = urlsplit(self.server.upstream or "")
        if not target.hostname:
            return 200, "OK", [("Content-Type", "application/json")], b"{}"
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        try:
            path = self.seen.path + (f"?{self.seen.query}" if self.seen.query else "")
            headers = {k: v for k, v in self.handler.headers.items() if k.lower() not in HOP_BY_HOP
                       and k.lower() not in ("content-length", "expect")}
            headers["Content-Length"] = str(len(self.seen.body))
            conn.request(self.seen.method, path, body=self.seen.body, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            drop = HOP_BY_HOP if self.seen.method == "HEAD" else HOP_BY_HOP | {"content-length"}
            out = [(k, v) for k, v in resp.getheaders() if k.lower() not in drop]
            return resp.status, resp.reason, out, body
        finally:
            conn.close()

    def forward(self, transform: Callable[[int, list[tuple[str, str]], bytes], tuple[int, list, bytes]]
                | None = None) -> None:
        status, reason, headers, body = self.upstream()
        if transform is not None:
            status, headers, body = transform(status, headers, body)
        if self.seen.method == "HEAD":
            self.head(status, headers, reason)
            return
        self.head(status, [*headers, ("Content-Length", str(len(body)))], reason)
        self.write(body)


Behaviour = Callable[[Exchange], None]


@dataclass
class _Rule:
    method: str
    pattern: str
    behaviour: Behaviour
    times: int | None  # None: every matching request


class HostileServer:
    def __init__(self, upstream: str | None = None, host: str = "127.0.0.1") -> None:
        self.upstream = upstream.rstrip("/") if upstream else None
        self.stopping = threading.Event()
        self.seen: list[Seen] = []
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._httpd = _Server((host, 0), _Handler)
        self._httpd.owner = self  # type: ignore[attr-defined]
        self.host, self.port = host, self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"hostile-{self.port}", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def origin(self) -> str:
        return self.url

    def on(self, method: str, pattern: str, behaviour: Behaviour, *, times: int | None = None) -> None:
        """Answer ``method`` requests whose path matches ``pattern`` (exact, or a glob like "/resources/get/*";
        "*" as the method matches any) with ``behaviour``; the newest rule wins; ``times`` limits its uses."""
        with self._lock:
            self._rules.insert(0, _Rule(method.upper(), pattern, behaviour, times))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.seen.clear()

    def requests(self, method: str | None = None, pattern: str = "*") -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if (method is None or s.method == method.upper())
                    and fnmatch.fnmatchcase(s.path, pattern)]

    def drop_connections(self) -> None:
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self.stopping.set()
        self.drop_connections()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # ---- plumbing ------------------------------------------------------------------------------------------

    def _match(self, seen: Seen) -> Behaviour | None:
        with self._lock:
            self.seen.append(seen)
            for rule in self._rules:
                if rule.method in ("*", seen.method) and fnmatch.fnmatchcase(seen.path, rule.pattern):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    return rule.behaviour
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # the base class's name
        pass

    def setup(self) -> None:
        super().setup()
        owner: HostileServer = self.server.owner  # type: ignore[attr-defined]
        with owner._lock:
            owner._conns.add(self.connection)

    def finish(self) -> None:
        owner: HostileServer = self.server.owner  # type: ignore[attr-defined]
        with owner._lock:
            owner._conns.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _any(self) -> None:
        parts = urlsplit(self.path)
        seen = Seen(self.command, parts.path, parts.query, {k.lower(): v for k, v in self.headers.items()},
                    self._body())
        owner: HostileServer = self.server.owner  # type: ignore[attr-defined]
        behaviour = owner._match(seen)
        exchange = Exchange(self, seen)
        try:
            (behaviour or _proxy)(exchange)
        except (OSError, ValueError):  # the client went away (or the server stops): nothing more to say
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _any


def _proxy(ex: Exchange) -> None:
    ex.forward()


# ---- behaviours --------------------------------------------------------------------------------------------


def proxy() -> Behaviour:
    """The faithful answer (the default): what the upstream says."""
    return _proxy


def redirect(location: str, status: int = 307) -> Behaviour:
    def answer(ex: Exchange) -> None:
        ex.reply(status, b"", "text/plain", [("Location", location)])

    return answer


def reply(status: int, body: bytes | str = b"", content_type: str = "application/json",
          headers: Iterable[tuple[str, str]] = ()) -> Behaviour:
    data = body.encode() if isinstance(body, str) else body

    def answer(ex: Exchange) -> None:
        ex.reply(status, data, content_type, headers)

    return answer


def json_reply(obj: object, status: int = 200) -> Behaviour:
    return reply(status, json.dumps(obj).encode())


def endless(chunk: bytes = b"[" * 65536, *, status: int = 200, content_type: str = "application/json",
            content_length: int | None = None, headers: Iterable[tuple[str, str]] = ()) -> Behaviour:
    """A body that never ends: chunked without Content-Length, or (``content_length``) a declared length the
    body then exceeds or never reaches as the server keeps sending: the client must stop at its own cap."""

    def answer(ex: Exchange) -> None:
        hdrs = [("Content-Type", content_type), *headers]
        if content_length is None:
            ex.head(status, [*hdrs, ("Transfer-Encoding", "chunked")])
            frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        else:
            ex.head(status, [*hdrs, ("Content-Length", str(content_length))])
            frame = chunk
        ex.close()
        while not ex.server.stopping.is_set():
            ex.write(frame)

    return answer


def trickle(body: bytes | None = None, *, every: float = 20.0, nbytes: int = 1, status: int = 200,
            content_type: str = "application/json", headers: Iterable[tuple[str, str]] = (),
            in_head: bool = False, from_upstream: bool = False) -> Behaviour:
    """Status and headers at once (unless ``in_head``: then the status line itself trickles), then ``nbytes``
    bytes every ``every`` seconds: of ``body`` (with its real Content-Length), of the upstream's answer
    (``from_upstream``), or of an endless filler when neither is given. A socket read timeout never fires."""

    def answer(ex: Exchange) -> None:
        ex.close()
        if in_head:
            data = f"HTTP/1.1 {status} OK\r\nContent-Type: {content_type}\r\nContent-Length: 2\r\n\r\n{{}}".encode()
            for i in range(0, len(data), nbytes):
                ex.write(data[i:i + nbytes])
                if ex.wait(every):
                    return
            return
        data = body
        hdrs = [("Content-Type", content_type), *headers]
        if from_upstream:
            code, _reason, up_headers, data = ex.upstream()
            ex.head(code, [*up_headers, ("Content-Length", str(len(data)))])
        elif data is not None:
            ex.head(status, [*hdrs, ("Content-Length", str(len(data)))])
        else:
            ex.head(status, hdrs)  # no length, connection: close -> the body runs until the server stops
        pos = 0
        while data is None or pos < len(data):
            piece = data[pos:pos + nbytes] if data is not None else b" " * nbytes
            ex.write(piece)
            pos += len(piece)
            if ex.wait(every):
                return

    return answer


def stall(seconds: float = 3600.0) -> Behaviour:
    """Read the request and say nothing (until ``seconds`` pass or the server stops)."""

    def answer(ex: Exchange) -> None:
        ex.close()
        ex.wait(seconds)

    return answer


def tamper(transform: Callable[[int, list[tuple[str, str]], bytes], tuple[int, list, bytes]]) -> Behaviour:
    """The upstream's answer, changed by ``transform(status, headers, body) -> (status, headers, body)``
    (control characters in a message, a wrong type, a wrong hash header ...)."""

    def answer(ex: Exchange) -> None:
        ex.forward(transform)

    return answer


def set_header(name: str, value: str) -> Behaviour:
    """The upstream's answer with one header replaced (e.g. a wrong ``x-amz-meta-sha256``)."""

    def transform(status: int, headers: list[tuple[str, str]], body: bytes) -> tuple[int, list, bytes]:
        kept = [(k, v) for k, v in headers if k.lower() != name.lower()]
        return status, [*kept, (name, value)], body

    return tamper(transform)


def hold(arrived: threading.Event, release: threading.Event, seconds: float = 120.0) -> Behaviour:
    """Say ``arrived``, wait for ``release`` (or ``seconds``, or the server stopping), then proxy the request:
    a request held back in flight while other traffic goes by (a late final POST)."""

    def answer(ex: Exchange) -> None:
        arrived.set()
        deadline = time.monotonic() + seconds
        while not release.is_set() and time.monotonic() < deadline:
            if ex.wait(0.05):
                return
        ex.forward()

    return answer
