"""A loopback relay in front of the sandbox's S3 that records every request's line and headers, optionally over
https with a private CA made for the test, and optionally behaving like an older S3-compatible server:

* ``refuse_unsized_puts``: a PUT without Content-Length is answered 411 MissingContentLength, as Ceph RGW 16 does
  with botocore's ``aws-chunked`` bodies (checksum trailer, no length);
* ``strip_length``: answers to these methods carry no Content-Length (HTTP/1.0 style: the body ends when the
  connection closes);
* ``deny_missing``: a GET/HEAD of a missing object is answered 403 AccessDenied instead of 404, as S3 and RGW do
  when the key may GetObject but not ListBucket; ``deny_missing_for``: the same, only for these access keys;
* ``no_buckets``: ListBuckets answers an empty list, as RGW does for buckets another user owns.

Requests are forwarded with their own Host header (SigV4 signs it), so the sandbox checks the client's signature."""

from __future__ import annotations

import http.client
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from sandbox.tls import make_private_ca


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased


def make_ca(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1 signed by it: (ca.pem, server.pem, server.key)."""
    return make_private_ca(folder)


class S3Front:
    def __init__(self, upstream: str, *, tls: tuple[Path, Path] | None = None, refuse_unsized_puts: bool = False,
                 strip_length: tuple[str, ...] = (), deny_missing: bool = False, no_buckets: bool = False,
                 deny_missing_for: tuple[str, ...] = ()) -> None:
        up = urlsplit(upstream)
        front = self
        self.requests: list[Recorded] = []
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # answers botocore's "Expect: 100-continue" (it waits for it)

            def log_message(self, *args) -> None:
                pass

            def _body(self) -> bytes | None:
                if self.headers.get("Content-Length") is not None:
                    return self.rfile.read(int(self.headers["Content-Length"]))
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    data = bytearray()
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass  # HTTP trailers
                            return bytes(data)
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return None

            def _answer(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                        self.send_header(k, v)
                if self.command not in strip_length:
                    length = dict((k.lower(), v) for k, v in headers).get("content-length", "0")
                    self.send_header("Content-Length", length if self.command == "HEAD" else str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                self.close_connection = True

            def _relay(self) -> None:
                with lock:
                    front.requests.append(Recorded(self.command, self.path,
                                                   {k.lower(): v for k, v in self.headers.items()}))
                data = self._body()
                if refuse_unsized_puts and self.command == "PUT" and self.headers.get("Content-Length") is None:
                    self._answer(411, [("Content-Type", "application/xml")],
                                 b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingContentLength</Code>'
                                 b"<Message>Length Required</Message><RequestId>front</RequestId></Error>")
                    return
                if no_buckets and self.command == "GET" and urlsplit(self.path).path == "/":
                    self._answer(200, [("Content-Type", "application/xml")],
                                 b'<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult>'
                                 b"<Owner><ID>other</ID></Owner><Buckets></Buckets></ListAllMyBucketsResult>")
                    return
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("connection", "transfer-encoding")}
                if data is not None and "content-length" not in {k.lower() for k in headers}:
                    headers["Content-Length"] = str(len(data))
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=data, headers=headers)
                    resp = conn.getresponse()
                    payload = resp.read()
                finally:
                    conn.close()
                credential = self.headers.get("Authorization", "").partition("Credential=")[2].split("/")[0]
                denied = deny_missing or credential in deny_missing_for
                if denied and resp.status == 404 and self.command in ("GET", "HEAD"):
                    self._answer(403, [("Content-Type", "application/xml")],
                                 b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                                 b"<Message>Access Denied</Message><RequestId>front</RequestId></Error>")
                    return
                self._answer(resp.status, resp.getheaders(), payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self) -> S3Front:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
