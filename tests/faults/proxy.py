"""A small TCP fault proxy for tests: sits between the client and a sandbox endpoint on loopback and can cut a
connection after N bytes, stall, refuse connections for a while, answer a burst of HTTP 5xx, or throttle.
It counts the bytes it forwards each way, so tests can prove an interrupted transfer resumed instead of restarting.
Loopback only; every wait is bounded."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass

BUF = 64 * 1024


@dataclass
class _Cut:
    after: int
    direction: str  # "up" (client -> server) or "down"
    count: int


@dataclass
class _Stall:
    seconds: float
    after: int
    direction: str
    count: int


class FaultProxy:
    def __init__(self, target_port: int | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.target_port = target_port
        self._listener = socket.create_server((host, 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._cuts: list[_Cut] = []
        self._stalls: list[_Stall] = []
        self._refuse_until = 0.0
        self._http_errors: list[tuple[int, int]] = []  # (status, remaining)
        self.rate: float | None = None  # bytes per second per direction per connection, None = unlimited
        self.bytes_up = 0
        self.bytes_down = 0
        self.faults_fired = 0
        self._stopped = threading.Event()
        self._conns: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ---- faults -----------------------------------------------------------------------------------------

    def cut_after(self, nbytes: int, direction: str = "down", count: int = 1) -> None:
        with self._lock:
            self._cuts.append(_Cut(nbytes, direction, count))

    def stall(self, seconds: float, after: int = 0, direction: str = "down", count: int = 1) -> None:
        with self._lock:
            self._stalls.append(_Stall(seconds, after, direction, count))

    def refuse_for(self, seconds: float) -> None:
        with self._lock:
            self._refuse_until = time.monotonic() + seconds
            self.faults_fired += 1

    def http_errors(self, status: int = 503, count: int = 3) -> None:
        with self._lock:
            self._http_errors.append((status, count))

    def clear(self) -> None:
        with self._lock:
            self._cuts.clear()
            self._stalls.clear()
            self._http_errors.clear()
            self._refuse_until = 0.0
        self.rate = None

    def reset_counters(self) -> None:
        with self._lock:
            self.bytes_up = self.bytes_down = self.faults_fired = 0

    def drop_connections(self) -> None:
        """Reset every open connection (the link went away)."""
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            _reset(c)

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        self.drop_connections()
        self._thread.join(timeout=5)

    # ---- plumbing ---------------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                refusing = time.monotonic() < self._refuse_until
                error = None
                if not refusing and self._http_errors:
                    status, left = self._http_errors[0]
                    error = status
                    if left <= 1:
                        self._http_errors.pop(0)
                    else:
                        self._http_errors[0] = (status, left - 1)
                    self.faults_fired += 1
            if refusing:
                _reset(client)
                continue
            threading.Thread(target=self._serve, args=(client, error), daemon=True).start()

    def _serve(self, client: socket.socket, error: int | None) -> None:
        if error is not None:
            _answer_error(client, error)
            return
        try:
            server = socket.create_connection((self.host, self.target_port), timeout=10)
        except OSError:
            _reset(client)
            return
        with self._lock:
            self._conns.update((client, server))
        up = threading.Thread(target=self._pump, args=(client, server, "up"), daemon=True)
        up.start()
        self._pump(server, client, "down")
        up.join(timeout=30)
        with self._lock:
            self._conns.difference_update((client, server))
        for s in (client, server):
            with contextlib.suppress(OSError):
                s.close()

    def _claim(self, faults: list, direction: str, reached: int) -> object | None:
        """The first connection whose byte count crosses a fault's threshold gets it (once per ``count``)."""
        with self._lock:
            for f in faults:
                if f.direction == direction and f.count > 0 and reached > f.after:
                    f.count -= 1
                    return f
        return None

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        sent = 0
        src.settimeout(120)
        started = time.monotonic()
        while True:
            try:
                data = src.recv(BUF)
            except OSError:
                data = b""
            if not data:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                return
            cut = self._claim(self._cuts, direction, sent + len(data))
            if cut is not None:
                data = data[: max(0, cut.after - sent)]
                with contextlib.suppress(OSError):
                    dst.sendall(data)
                self._count(direction, len(data), fault=True)
                _reset(src)
                _reset(dst)
                return
            stall = self._claim(self._stalls, direction, sent + len(data))
            if stall is not None:
                self._count(direction, 0, fault=True)
                time.sleep(stall.seconds)
            try:
                dst.sendall(data)
            except OSError:
                _reset(src)
                return
            sent += len(data)
            self._count(direction, len(data))
            if self.rate:
                ahead = sent / self.rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(min(ahead, 1.0))

    def _count(self, direction: str, n: int, fault: bool = False) -> None:
        with self._lock:
            if direction == "up":
                self.bytes_up += n
            else:
                self.bytes_down += n
            if fault:
                self.faults_fired += 1


def _reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), as a dropped link looks to the peer."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


def _answer_error(client: socket.socket, status: int) -> None:
    """Read the request (head and a Content-Length body) and answer ``status``, then close."""
    client.settimeout(10)
    data = b""
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in data and len(data) < 1 << 20:
            chunk = client.recv(BUF)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1].strip() or 0)
        remaining = length - len(body)
        while remaining > 0:
            chunk = client.recv(min(BUF, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
        text = b"Service Unavailable (injected by the fault proxy)"
        client.sendall(
            b"HTTP/1.1 %d Injected\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (status, len(text), text)
        )
    with contextlib.suppress(OSError):
        client.close()
