"""Bounds on every HTTP exchange with the API and the CDN (docs/protocol.md, "Limits"): how large an answer may be,
how long a call and a stall may last, where a request may be redirected, and a cancel that also ends a blocked
socket read.

Why a watch and not only socket timeouts: a socket read timeout is "no byte for N s", so a server that trickles one
byte every 20 s never trips it, and a read blocked in the kernel does not look at a cancel flag. A ``Watch`` is a
deadline (or a stall window that progress pushes forward) plus the cancel token; when either fires it shuts down
the sockets of the connections used inside it, which ends a blocked read at once, and the caller turns the
resulting transport error into a clear UnreachableError (deadline, stall) or CancelledError.

Connections find the active watch through a thread-local stack: the pools built here (``WatchedAdapter`` for
requests, ``watch_boto_client`` for botocore) register each connection with every watch of the calling thread.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

from core.bandwidth import LIMITER
from core.cancel import NEVER, CancelToken, current_cancel
from core.errors import AzaionError, ProtocolError, UnreachableError
from core.proxy import ProxyAuthError, ProxyConfig, proxies_for, proxy_failure, shown

log = logging.getLogger("azaion.http")

KiB = 1 << 10
MiB = 1 << 20
SMALL_PART_CAP = 64 * KiB
"""A small part as the API sends it (encrypted with the per-user key): at most 3072 bytes + IV + padding."""
JSON_CAP = 4 * MiB
"""Any JSON answer: the token, user lists, listings, key fragments, ``{}``."""
FILE_CAP = 4 * MiB
"""Other files fetched through ``POST /resources/get`` (cdn.yaml)."""
ERROR_CAP = 64 * KiB
"""An error answer's body: read up to this for its message, the rest is dropped (not an error in itself)."""
MAX_REDIRECTS = 3
STREAM_CHUNK = 1 * MiB
HELD_RECHECK = 0.5  # seconds: how often the watchdog looks again at a watch held by the bandwidth cap

_TRANSPORT = (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)


@dataclass(frozen=True)
class Limits:
    """Timeouts of one client (seconds). ``connect``: to open a connection; ``stall``: the socket read timeout
    (no byte at all) and, for streamed files, the window in which at least ``stall_bytes`` must arrive;
    ``request``: a whole API call (answer included), and for a streamed file the time to its first bytes.
    Environment overrides (for tests and odd links): AZAION_CONNECT_TIMEOUT, AZAION_STALL_TIMEOUT,
    AZAION_REQUEST_DEADLINE."""

    connect: float = 10.0
    stall: float = 30.0
    request: float = 60.0
    stall_bytes: int = 4 * KiB

    @classmethod
    def from_env(cls) -> Limits:
        values: dict[str, Any] = {}  # connect, stall, request: seconds
        for field_name, var in (("connect", "AZAION_CONNECT_TIMEOUT"), ("stall", "AZAION_STALL_TIMEOUT"),
                                ("request", "AZAION_REQUEST_DEADLINE")):
            text = os.environ.get(var)
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                log.warning("ignoring %s=%r: not a number of seconds", var, text)
                continue
            if value > 0:
                values[field_name] = value
        return cls(**values)

    @property
    def socket_timeout(self) -> tuple[float, float]:
        return (self.connect, self.stall)


# ---- the watch ---------------------------------------------------------------------------------------------


class Watch:
    """One bounded exchange: fires at its deadline, when its stall window passes without ``stall_bytes`` of
    progress, or on cancel; firing shuts down every connection used inside it (``with watch:``)."""

    def __init__(self, seconds: float, *, what: str = "", cancel: CancelToken | None = None,
                 stall: float | None = None, stall_bytes: int = 1) -> None:
        self.what = what
        self.seconds = seconds
        self.stall = stall
        self.stall_bytes = max(1, stall_bytes)
        self.cancel = cancel if cancel is not None else current_cancel()
        self.fired: str | None = None  # "cancel", "deadline" or "stall"
        self.kind = "deadline"
        self.deadline = time.monotonic() + seconds
        self._window = 0
        self._held = 0
        self._lock = threading.Lock()
        self._conns: list[Any] = []
        self._unhook: Callable[[], None] | None = None

    def __enter__(self) -> Watch:
        _stack().append(self)
        _WATCHDOG.add(self)
        self._unhook = self.cancel.on_cancel(lambda: self.fire("cancel"))
        return self

    def __exit__(self, *exc: object) -> None:
        stack = _stack()
        if self in stack:
            stack.remove(self)
        _WATCHDOG.remove(self)
        if self._unhook is not None:
            self._unhook()
        with self._lock:
            self._conns.clear()

    # ---- progress ------------------------------------------------------------------------------------------

    def streaming(self) -> None:
        """The answer's head arrived: from now on the stall window applies (if any)."""
        if self.stall is not None:
            self._rearm(self.stall, "stall")

    def progress(self, nbytes: int) -> None:
        """``nbytes`` arrived: a full ``stall_bytes`` since the window opened starts a new window."""
        if self.stall is None:
            return
        self._window += nbytes
        if self._window >= self.stall_bytes:
            self._window = 0
            self._rearm(self.stall, "stall")

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Time spent waiting for the bandwidth cap (core/bandwidth.py) is the client's, not the server's: the
        deadline and the stall window do not run meanwhile (a cancel still ends the call at once)."""
        saved, started = self.deadline, time.monotonic()
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            self.deadline = max(self.deadline, saved + (time.monotonic() - started))

    def _rearm(self, seconds: float, kind: str) -> None:
        new = time.monotonic() + seconds
        earlier = new < self.deadline
        self.kind, self.deadline = kind, new
        if earlier:
            _WATCHDOG.poke()

    # ---- firing --------------------------------------------------------------------------------------------

    def add(self, conn: Any) -> None:  # a urllib3 connection (requests' or botocore's)
        # The socket itself is kept: http.client drops ``conn.sock`` while a close-delimited answer is still
        # being read from it (the response holds the socket's file), and that read must end too.
        with self._lock:
            self._conns.append((conn, getattr(conn, "sock", None)))
            fired = self.fired
        if fired:
            _shutdown(conn)

    def fire(self, kind: str) -> None:
        with self._lock:
            if self.fired:
                return
            self.fired = kind
            conns = list(self._conns)
        for conn in conns:
            _shutdown(conn)

    def check(self) -> None:
        if self.fired:
            raise self.error()

    def error(self) -> AzaionError:
        what = f"{self.what}: " if self.what else ""
        if self.fired == "cancel":
            return self.cancel.error()
        if self.fired == "stall":
            return UnreachableError(f"{what}the transfer stalled (less than {self.stall_bytes} bytes in "
                                    f"{self.stall:g} s)")
        return UnreachableError(f"{what}no complete answer within {self.seconds:g} s")

    def failure(self, exc: BaseException, fallback: AzaionError) -> AzaionError:
        """What a transport error inside the watch means: the watch's reason if it fired, else ``fallback``."""
        return self.error() if self.fired else fallback


def _shutdown(entry: Any) -> None:  # (connection, socket at registration), or a connection
    conn, sock = entry if isinstance(entry, tuple) else (entry, None)
    for one in {id(s): s for s in (sock, getattr(conn, "sock", None)) if s is not None}.values():
        with contextlib.suppress(OSError):
            one.shutdown(socket.SHUT_RDWR)


_local = threading.local()


def _stack() -> list[Watch]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def active_watches() -> list[Watch]:
    return list(_stack())


def _register(conn: Any) -> None:
    stack = _stack()
    for watch in stack:
        watch.add(conn)
    if not stack:  # a call without its own Watch (e.g. a CDN control call): at least the current cancel ends it
        token = current_cancel()
        if not token.cancelled and token is not NEVER:
            entry = (conn, getattr(conn, "sock", None))
            token.on_cancel(lambda: _shutdown(entry))


def _any_fired() -> Watch | None:
    for watch in _stack():
        if watch.fired:
            return watch
    return None


class _Watchdog:
    """One daemon thread that fires watches at their deadlines (sleeping until the nearest one)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watches: set[Watch] = set()
        self._thread: threading.Thread | None = None

    def add(self, watch: Watch) -> None:
        with self._cond:
            self._watches.add(watch)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="azaion-http-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()

    def remove(self, watch: Watch) -> None:
        with self._cond:
            self._watches.discard(watch)

    def poke(self) -> None:
        with self._cond:
            self._cond.notify()

    def _run(self) -> None:
        counter = itertools.count()
        while True:
            with self._cond:
                now = time.monotonic()
                due = []
                for w in [w for w in self._watches if w.deadline <= now]:
                    if w._held:  # waiting for the bandwidth cap: looked at again later (``Watch.held``)
                        w.deadline = now + HELD_RECHECK
                    else:
                        self._watches.discard(w)
                        due.append(w)
                if not due:
                    heap = [(w.deadline, next(counter)) for w in self._watches]
                    nearest = heapq.nsmallest(1, heap)
                    self._cond.wait(timeout=(nearest[0][0] - now) if nearest else None)
                    continue
            now = time.monotonic()
            for w in due:
                if w.deadline > now:  # progress moved it meanwhile (a stream's window): not due after all
                    with self._cond:
                        self._watches.add(w)
                    continue
                w.fire(w.kind)


_WATCHDOG = _Watchdog()


# ---- connections that join the active watches -----------------------------------------------------------


class _WatchedMixin:
    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _register(self)


class WatchedHTTPConnection(_WatchedMixin, HTTPConnection):
    pass


class WatchedHTTPSConnection(_WatchedMixin, HTTPSConnection):
    pass


class _WatchedPoolMixin:
    def _get_conn(self, timeout: float | None = None) -> Any:
        fired = _any_fired()
        if fired is not None:  # no new attempt (urllib3's retries) once the call is over
            raise urllib3.exceptions.NewConnectionError(None, "the call was ended (deadline or cancel)")  # type: ignore[arg-type]
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        if getattr(conn, "sock", None) is not None:
            _register(conn)  # a pooled connection: connect() is not called again
        return conn


class WatchedHTTPPool(_WatchedPoolMixin, HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSPool(_WatchedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


class WatchedRetry(Retry):
    """urllib3's retries, but none (and no backoff sleep) once the active watch fired."""

    # urllib3 calls it with keywords only; the arguments pass through unchanged, hence the loose signature
    def increment(self, *args: Any, **kwargs: Any) -> Retry:  # type: ignore[override]
        fired = _any_fired()
        if fired is not None:
            raise urllib3.exceptions.MaxRetryError(kwargs.get("_pool"), kwargs.get("url") or "",  # type: ignore[arg-type]  # no pool is what urllib3 passes too
                                                   kwargs.get("error"))
        return super().increment(*args, **kwargs)


class WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """Connections through a proxy join the watches too (deadline, stall, cancel)."""
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}
        return manager


def watch_boto_client(client: Any) -> None:  # a botocore client
    """Make a botocore client's connections join the active watches, refuse any request to another origin than
    its endpoint (no redirect of the signed request can leave it), and stop botocore's retries once a watch
    fired (deadline or cancel)."""
    from botocore.awsrequest import AWSHTTPConnection, AWSHTTPConnectionPool, AWSHTTPSConnection, AWSHTTPSConnectionPool

    class Conn(_WatchedMixin, AWSHTTPConnection):
        pass

    class SConn(_WatchedMixin, AWSHTTPSConnection):
        pass

    class Pool(_WatchedPoolMixin, AWSHTTPConnectionPool):
        ConnectionCls = Conn

    class SPool(_WatchedPoolMixin, AWSHTTPSConnectionPool):
        ConnectionCls = SConn

    http_session = client._endpoint.http_session
    classes = {"http": Pool, "https": SPool}
    http_session._pool_classes_by_scheme = classes
    http_session._manager.pool_classes_by_scheme = classes
    endpoint = origin(client.meta.endpoint_url)

    def same_origin_only(request: Any, **_kwargs: Any) -> None:
        target = origin(request.url)
        if target != endpoint:
            raise ProtocolError(f"refused to send a CDN request to {target}: only {endpoint} (cdn.yaml's host) "
                                "may receive the CDN credentials")

    def no_retry_after_fire(**_kwargs: Any) -> None:
        fired = _any_fired()
        if fired is not None:
            raise fired.error()
        current_cancel().raise_if_cancelled()

    events = client.meta.events
    events.register_first("before-send.s3", same_origin_only, unique_id="azaion-same-origin")
    events.register_first("needs-retry.s3", no_retry_after_fire, unique_id="azaion-no-retry-after-fire")


def read_some(stream: Any, amount: int) -> bytes:
    """Up to ``amount`` bytes, as soon as some are there (one socket read), so a slow link still shows progress
    and a stall is measured in bytes, not in whole chunks. ``stream``: a urllib3 response or botocore's
    StreamingBody around one."""
    raw = getattr(stream, "_raw_stream", stream)
    read1 = getattr(raw, "read1", None)
    return read1(amount) if read1 is not None else stream.read(amount)


def throttled_read(read: Callable[[int], bytes], amount: int, cancel: CancelToken | None = None) -> bytes:
    """``read(n)`` for at most ``amount`` bytes within the bandwidth cap (core/bandwidth.py): the bytes are
    granted before they are read and what the read did not use is given back. The wait holds this thread's
    watches (it is not the server stalling)."""
    if not LIMITER.active:
        return read(amount)
    with _held():
        granted, _waited = LIMITER.reserve(amount, cancel)
    data = read(granted)
    LIMITER.refund(granted - len(data))
    return data


def throttle(nbytes: int, cancel: CancelToken | None = None) -> None:
    """Wait until ``nbytes`` may go out within the bandwidth cap (a body about to be sent), holding this thread's
    watches meanwhile. Negative amounts (a body rewound for a retry) cost nothing."""
    if nbytes > 0 and LIMITER.active:
        with _held():
            LIMITER.take(nbytes, cancel)


@contextlib.contextmanager
def _held() -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for watch in _stack():
            stack.enter_context(watch.held())
        yield


# ---- origins and redirects ---------------------------------------------------------------------------------


def origin(url: str) -> str:
    """scheme://host:port with the scheme's default port made explicit (what "another origin" compares)."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme, 0)
    except ValueError:
        port = -1
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


class BoundedSession(requests.Session):
    """requests' redirect machinery off: even with allow_redirects=False it reads a redirect's whole body (to
    prepare the next request), with no bound. ``send`` below decides about redirects itself. The proxy of each
    request is core/proxy.py's decision (the Settings' proxy, else the system's), the same the CDN client gets."""

    proxy: ProxyConfig | None = None

    def resolve_redirects(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return iter(())

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        merged["proxies"] = proxies_for(url, self.proxy)
        return merged


def make_session(retries: int = 3, backoff: float = 0.5, proxy: ProxyConfig | None = None) -> BoundedSession:
    """Retries with exponential backoff for idempotent calls and for connections that never got through; its
    connections join the active watches; the body is asked for unencoded (sizes are what the caps count)."""
    retry = WatchedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        redirect=0,
        backoff_factor=backoff,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"}),
        raise_on_status=False,
        raise_on_redirect=False,
        respect_retry_after_header=True,
    )
    session = BoundedSession()
    session.proxy = proxy
    adapter = WatchedAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = "azaion-admin"
    session.headers["Accept-Encoding"] = "identity"
    return session


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    what: str,
    limits: Limits,
    cap: int = JSON_CAP,
    stream: bool = False,
    cancel: CancelToken | None = None,
    **kwargs: Any,
) -> requests.Response:
    """One API call within ``limits``: redirects followed only within the origin of ``url`` (307/308, at most
    MAX_REDIRECTS; anything else is a ProtocolError and nothing is sent elsewhere), the whole call bounded by
    ``limits.request`` and by ``cancel`` (also while a read is blocked), and the answer read here up to ``cap``
    bytes (an error answer up to ERROR_CAP, truncated) unless ``stream`` (the caller reads it, e.g. with
    ``read_some`` inside its own Watch)."""
    home = origin(url)
    token = cancel if cancel is not None else current_cancel()
    token.raise_if_cancelled()
    for _hop in range(MAX_REDIRECTS + 1):
        with Watch(limits.request, what=what, cancel=token) as watch:
            try:
                resp = session.request(method, url, timeout=limits.socket_timeout, allow_redirects=False,
                                       stream=True, **kwargs)
                if not resp.is_redirect:
                    if resp.status_code == 407:  # a proxy's answer (plain http through a forwarding proxy)
                        resp.close()
                        via = " ".join(shown(p) for p in proxies_for(url, getattr(session, "proxy", None)).values())
                        raise ProxyAuthError(f"the proxy {via or '(unknown)'} refused the user name or password (407 "
                                             f"Proxy Authentication Required) for {what}: check them in Settings")
                    if resp.status_code >= 400:
                        read_capped(resp, ERROR_CAP, what, truncate=True)
                    elif 300 <= resp.status_code < 400:
                        resp.close()
                        raise ProtocolError(f"{what}: unexpected HTTP status {resp.status_code} (a redirect "
                                            "without a Location)")
                    elif not stream:
                        read_capped(resp, cap, what)
                    watch.check()  # a socket shut by the watch can read as the clean end of a body
                    return resp
            except AzaionError:
                raise
            except _TRANSPORT as exc:
                through = proxy_failure(exc, what, proxies_for(url, getattr(session, "proxy", None)))
                if through is not None and not watch.fired:
                    raise through from None
                raise watch.failure(exc, UnreachableError(
                    f"cannot reach the server {home} ({what}): {_short(exc)}")) from None
            status = resp.status_code
            target = urljoin(url, resp.headers.get("Location", ""))
            resp.close()
        if origin(target) != home:
            raise ProtocolError(
                f"{what}: the server redirected ({status}) to another origin ({origin(target)}); not followed: "
                f"the request carries credentials, which go only to {home}"
            )
        if status not in (307, 308):
            raise ProtocolError(f"{what}: the server answered with a redirect ({status}) the protocol does not use")
        log.info("%s: following a redirect within %s", what, home)
        url = target
    raise ProtocolError(f"{what}: more than {MAX_REDIRECTS} redirects; not followed")


def read_capped(resp: requests.Response, cap: int, what: str, *, truncate: bool = False) -> bytes:
    """Read the whole answer, never more than ``cap`` bytes into memory: over it is a ProtocolError (or, with
    ``truncate``, the first ``cap`` bytes and the connection dropped). A declared length over the cap is refused
    before reading."""
    declared = resp.headers.get("Content-Length")
    if not truncate and declared is not None and declared.strip().isdigit() and int(declared) > cap:
        resp.close()
        raise ProtocolError(f"{what}: the answer is {int(declared)} bytes, more than the {cap} allowed")
    data = bytearray()
    try:
        while True:
            chunk = throttled_read(lambda n: resp.raw.read(n, decode_content=True), min(64 * KiB, cap + 1 - len(data)))
            if not chunk:
                break
            data += chunk
            if len(data) > cap:
                resp.close()
                if truncate:
                    del data[cap:]
                    break
                raise ProtocolError(f"{what}: the answer is larger than the {cap} bytes allowed; refused")
    finally:
        resp._content = bytes(data)  # what .json() and .text read
        resp._content_consumed = True  # type: ignore[attr-defined]  # requests' private flag, read by .content
    return resp._content


@contextlib.contextmanager
def streaming(limits: Limits, what: str, cancel: CancelToken | None = None) -> Iterator[Watch]:
    """A Watch for a streamed file: its head within ``limits.request``, then at least ``limits.stall_bytes`` per
    ``limits.stall`` seconds (call ``watch.streaming()`` when the head is there, ``watch.progress(n)`` per read)."""
    with Watch(limits.request, what=what, cancel=cancel, stall=limits.stall,
               stall_bytes=limits.stall_bytes) as watch:
        yield watch


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) < 300 else text[:300] + "…"
