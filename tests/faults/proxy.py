"""A small TCP fault proxy for tests: sits between the client and a sandbox endpoint on loopback and can cut a
connection, stall one, take the whole link down (every open connection reset, new ones refused or answered with
HTTP 5xx for a while), or throttle.

Faults fire at a byte position of the whole transfer, not of one connection: ``cut_after(40 MiB, "down")`` cuts
whichever connection carries the 40th MiB through the proxy since ``reset_counters``, so a test can put the fault
late enough that restarting from zero would break its byte bound. The proxy counts every byte the client sent or
was sent (including request bodies it answered with an injected error), and counts a fault when it really
happens to a connection (``fired``), never when it is armed.

"Refused" connections are accepted and reset (RST) at once, before any byte: the client sees the same connection
error as with a closed port (ECONNREFUSED) and retries the same way, but unlike a closed listening socket (whose
refusals only the kernel sees) each one can be counted. Loopback only; every wait is bounded."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

BUF = 64 * 1024


@dataclass
class _Trigger:
    kind: str  # "cut" (that connection), "stall" (that connection), "down" (the whole link)
    after: int  # byte position in ``direction`` since reset_counters
    direction: str  # "up" (client -> server) or "down"
    seconds: float = 0.0  # stall length, or how long the link stays down
    statuses: list[int] = field(default_factory=list)  # "down": answer this many new connections with these
    armed: bool = True


class FaultProxy:
    def __init__(self, target_port: int | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.target_port = target_port
        self._listener = socket.create_server((host, 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._triggers: list[_Trigger] = []
        self._refuse_until = 0.0
        self._refuse_next = 0  # new connections to refuse whenever they come (a link down refuses at least one)
        self._http_errors: list[int] = []  # statuses for the next new connections, in order
        self.rate: float | None = None  # bytes per second per direction per connection, None = unlimited
        self.bytes_up = 0
        self.bytes_down = 0
        self.fired: dict[str, int] = {}  # what really happened: cut, stall, down, refused, http 500, http 503
        self.fired_at: list[tuple[str, str, int]] = []  # (kind, direction, byte position) of each trigger
        self._stopped = threading.Event()
        self._conns: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def faults_fired(self) -> int:
        with self._lock:
            return sum(self.fired.values())

    # ---- faults -----------------------------------------------------------------------------------------

    def cut_after(self, nbytes: int, direction: str = "down") -> None:
        """Reset the connection that carries byte ``nbytes`` (counted over all connections) in ``direction``."""
        with self._lock:
            self._triggers.append(_Trigger("cut", nbytes, direction))

    def stall(self, seconds: float, after: int = 0, direction: str = "down") -> None:
        """Hold the connection that carries byte ``after`` for ``seconds`` before forwarding it."""
        with self._lock:
            self._triggers.append(_Trigger("stall", after, direction, seconds))

    def link_down(self, after: int, direction: str, seconds: float = 0.0, statuses: tuple[int, ...] = ()) -> None:
        """At byte ``after``: reset every open connection, then refuse new ones for ``seconds`` (and the first one
        in any case, however late the client's backoff brings it) and/or answer the next ``len(statuses)`` new ones
        with those HTTP statuses."""
        with self._lock:
            self._triggers.append(_Trigger("down", after, direction, seconds, list(statuses)))

    def refuse_for(self, seconds: float) -> None:
        """From now on, reset new connections on accept for ``seconds``."""
        with self._lock:
            self._refuse_until = time.monotonic() + seconds

    def http_errors(self, statuses: tuple[int, ...] | list[int]) -> None:
        """Answer the next new connections with these HTTP statuses (one each, in order)."""
        with self._lock:
            self._http_errors.extend(statuses)

    def pending(self) -> list[str]:
        """Faults armed but not (fully) fired yet."""
        with self._lock:
            left = [f"{t.kind}@{t.after}" for t in self._triggers if t.armed]
            left += [f"http {s}" for s in self._http_errors]
        return left

    def clear(self) -> None:
        with self._lock:
            self._triggers.clear()
            self._http_errors.clear()
            self._refuse_until = 0.0
            self._refuse_next = 0
        self.rate = None

    def reset_counters(self) -> None:
        with self._lock:
            self.bytes_up = self.bytes_down = 0
            self.fired = {}
            self.fired_at = []

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

    def _fire(self, kind: str, n: int = 1) -> None:
        """Count a fault that happened (caller holds the lock)."""
        self.fired[kind] = self.fired.get(kind, 0) + n

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
                refusing = time.monotonic() < self._refuse_until or self._refuse_next > 0
                error = None
                if refusing:
                    self._refuse_next = max(0, self._refuse_next - 1)
                    self._fire("refused")
                elif self._http_errors:
                    error = self._http_errors.pop(0)
            if refusing:
                _reset(client)
                continue
            threading.Thread(target=self._serve, args=(client, error), daemon=True).start()

    def _serve(self, client: socket.socket, error: int | None) -> None:
        if error is not None:
            received = _answer_error(client, error)
            with self._lock:
                self.bytes_up += received
                self._fire(f"http {error}")
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

    def _claim(self, direction: str, n: int) -> tuple[int, _Trigger | None]:
        """Count ``n`` bytes about to be forwarded; returns where they start and the trigger they cross, if any
        (the first connection to cross a trigger's position gets it, once)."""
        with self._lock:
            start = self.bytes_up if direction == "up" else self.bytes_down
            hit = None
            for t in self._triggers:
                if t.armed and t.direction == direction and t.after < start + n:
                    hit = t
                    break
            if hit is not None and hit.kind != "stall":
                n = max(0, hit.after - start)  # forward only up to the fault
            if direction == "up":
                self.bytes_up += n
            else:
                self.bytes_down += n
            if hit is not None:
                hit.armed = False
                self._fire(hit.kind)
                self.fired_at.append((hit.kind, direction, hit.after))
                if hit.kind == "down":
                    self._refuse_until = time.monotonic() + hit.seconds
                    self._refuse_next = 1 if hit.seconds else 0
                    self._http_errors.extend(hit.statuses)
            return start, hit

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        sent = 0
        try:
            src.settimeout(120)
        except OSError:  # reset by a link drop before this pump started
            _reset(dst)
            return
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
            start, hit = self._claim(direction, len(data))
            if hit is not None and hit.kind in ("cut", "down"):
                with contextlib.suppress(OSError):
                    dst.sendall(data[: max(0, hit.after - start)])
                _reset(src)
                _reset(dst)
                if hit.kind == "down":
                    self.drop_connections()
                return
            if hit is not None:  # stall
                time.sleep(hit.seconds)
            try:
                dst.sendall(data)
            except OSError:
                _reset(src)
                return
            sent += len(data)
            if self.rate:
                ahead = sent / self.rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(min(ahead, 1.0))


def _reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), as a dropped link looks to the peer. The read side is shut down first: a
    close alone does not reach the kernel while another thread is blocked reading the socket (the other pump)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)
    with contextlib.suppress(OSError):
        sock.close()


def _answer_error(client: socket.socket, status: int) -> int:
    """Read the request (its head, and its Content-Length body unless it asked ``Expect: 100-continue``, which
    the error answers at once as a real server would) and answer ``status``, then close. Returns the bytes read."""
    client.settimeout(10)
    data = b""
    received = 0
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in data and len(data) < 1 << 20:
            chunk = client.recv(BUF)
            if not chunk:
                break
            data += chunk
        received = len(data)
        head, _, body = data.partition(b"\r\n\r\n")
        length, expect = 0, False
        for line in head.split(b"\r\n"):
            lower = line.lower()
            if lower.startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1].strip() or 0)
            elif lower.startswith(b"expect:") and b"100-continue" in lower:
                expect = True
        remaining = 0 if expect else length - len(body)
        while remaining > 0:
            chunk = client.recv(min(BUF, remaining))
            if not chunk:
                break
            received += len(chunk)
            remaining -= len(chunk)
        text = b"Injected by the fault proxy"
        client.sendall(
            b"HTTP/1.1 %d Injected\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (status, len(text), text)
        )
    with contextlib.suppress(OSError):
        client.close()
    return received
