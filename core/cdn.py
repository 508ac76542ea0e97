"""CDN (S3-compatible) transfers over boto3: separate read-only and read/write clients (the read/write one only
when the server gave this account the uploader keys), resumable multipart uploads (core/multipart.py), and
downloads as ONE streamed GET (boto3's download_file issues many ranged GETs, which crawl against moto and suit a
flaky field link worse than a single stream).

Request bodies go out plain, with a Content-Length: botocore >= 1.36 would otherwise send PutObject/UploadPart over
https as ``aws-chunked`` with a checksum trailer and no Content-Length, which S3-compatible servers of that age
(Ceph RGW 16 ...) refuse with 411 MissingContentLength. Checksums are computed here and sent as plain headers
(``x-amz-checksum-crc32``); integrity rests on SigV4 and the protocol's SHA-256 in any case."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import boto3
import urllib3.exceptions
from boto3.s3.transfer import TransferConfig
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ProxyConnectionError,
    ReadTimeoutError,
    SSLError,
)
from s3transfer.utils import ReadFileChunk, signal_not_transferring, signal_transferring

from core.cancel import NEVER, CancelToken, ProgressCallback, current_cancel, no_progress
from core.cdn_config import CdnConfig
from core.errors import (
    AzaionError,
    ConfigError,
    IntegrityError,
    NotFoundError,
    ObjectChangedError,
    PermissionDeniedError,
    ProtocolError,
    ServerError,
    UnreachableError,
)
from core.http_limits import Limits, Watch, read_some, streaming, throttle, throttled_read, watch_boto_client
from core.protocol import SHA256_META, SMALL_SHA256_META
from core.proxy import ProxyConfig, proxies_for, proxy_failure
from core.text import printable, printable_message

log = logging.getLogger("azaion.cdn")

MiB = 1 << 20
READ_CHUNK = 1 * MiB
_UNREACHABLE = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)
TRANSPORT_ERRORS = (BotoCoreError, ClientError, OSError, urllib3.exceptions.HTTPError)
"""What a CDN call can raise that is about the CDN or the link; anything else is a bug and propagates as is."""


class UploadNotAllowedError(PermissionDeniedError):
    """The cdn.yaml this account was served has no uploader keys: its role may not write to the CDN."""


NO_UPLOADER_KEYS = (
    "this account cannot upload to the CDN: the server's cdn.yaml gives it no uploader keys (only ResourceUploader, "
    "Admin and ApiAdmin accounts get them)"
)


class ReadRefusedError(PermissionDeniedError):
    """A GET or HEAD of an object answered 403: missing, or not readable with these keys (S3 cannot say which
    to a key that may not list the bucket)."""


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    etag: str
    sha256: str | None
    small_sha256: str | None = None  # absent on objects uploaded before the parts were bound


def translate(exc: Exception, what: str, *, reading: bool = False) -> AzaionError:
    """Map boto errors to the client's error types with a sentence for the user. ``reading``: a GET/HEAD of an
    object, where S3 answers 403 instead of 404 for a missing object when the key may not list the bucket (a
    GetObject-only policy), so the message cannot claim which of the two it is."""
    if isinstance(exc, AzaionError):
        return exc
    if isinstance(exc, ProxyConnectionError):  # its proxy_url has the credentials masked already
        through = proxy_failure(exc, f"the CDN, {what}", {"proxy": str(exc.kwargs.get("proxy_url", "?"))})
        if through is not None:
            return through
    if isinstance(exc, SSLError) and "certificate" in str(exc).lower():
        # Not transient: asking again cannot make the certificate trusted (no retries, a clear reason).
        return ConfigError(f"the CDN's TLS certificate is not trusted ({what}): {exc}")
    if isinstance(exc, _UNREACHABLE):
        return UnreachableError(f"cannot reach the CDN ({what}): {exc}")
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = printable(err.get("Code", ""), 64)  # the CDN's words: shown as text in the CLI and the GUI
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("NoSuchKey", "NoSuchBucket", "404", "NotFound") or status == 404:
            return NotFoundError(f"not found on the CDN: {what}")
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return PermissionDeniedError(f"the CDN does not accept the keys in cdn.yaml ({code}) for {what}")
        if code == "PreconditionFailed" or status == 412:
            return ObjectChangedError(f"{what} changed on the CDN while it was being downloaded")
        if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403") or status == 403:
            if reading:
                return ReadRefusedError(
                    f"{what} is not on the CDN (not uploaded), or this account's keys may not read it "
                    f"(the CDN answered {code or status}: not found or no access)"
                )
            return PermissionDeniedError(f"the CDN refused access to {what} ({code})")
        return ServerError(f"CDN error on {what}: {code} {printable_message(err.get('Message', ''))}".strip(), status)
    if isinstance(exc, BotoCoreError | OSError | urllib3.exceptions.HTTPError):
        return UnreachableError(f"CDN transfer failed ({what}): {exc}")
    return ServerError(f"CDN transfer failed ({what}): {exc}")


class CDNManager:
    """Owns the two boto3 clients built from cdn.yaml. Thread-safe: boto3 clients may be shared by threads."""

    def __init__(
        self,
        config: CdnConfig,
        *,
        max_concurrency: int = 8,
        multipart_threshold: int = 8 * MiB,
        part_size: int = 8 * MiB,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_attempts: int = 5,
        ca_bundle: str | None = None,
        limits: Limits | None = None,
        proxy: ProxyConfig | None = None,
    ) -> None:
        """``ca_bundle``: a PEM file of CAs to trust for the CDN's TLS (a private CA) instead of the system's;
        verification itself is never turned off. ``proxy``: the Settings' proxy, else the system's (core/proxy.py:
        the API's requests take the same decision)."""
        self.config = config
        # Deadlines (core/http_limits.py): the socket timeouts default to the limits' connect and stall.
        self.limits = limits or Limits.from_env()
        connect_timeout = self.limits.connect if connect_timeout is None else connect_timeout
        read_timeout = self.limits.stall if read_timeout is None else read_timeout
        botocfg = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool_connections=max(10, max_concurrency + 2),
            # Plain bodies with a Content-Length, no aws-chunked trailer (see the module docstring).
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            proxies=proxies_for(config.host, proxy),  # {}: direct, whatever botocore would read from the system
        )
        self.proxies = botocfg.proxies
        session = boto3.session.Session()
        verify = ca_bundle or None  # None: botocore's default, which verifies (and honours AWS_CA_BUNDLE)
        self.downloader = session.client(
            "s3",
            endpoint_url=config.host,
            region_name=config.region,
            aws_access_key_id=config.downloader_access_key,
            aws_secret_access_key=config.downloader_access_secret,
            config=botocfg,
            verify=verify,
        )
        self._uploader: BaseClient | None = None
        if config.can_upload:
            self._uploader = session.client(
                "s3",
                endpoint_url=config.host,
                region_name=config.region,
                aws_access_key_id=config.uploader_access_key,
                aws_secret_access_key=config.uploader_access_secret,
                config=botocfg,
                verify=verify,
            )
        # Connections join the active watches (deadline, stall, cancel); no request leaves cdn.yaml's origin.
        watch_boto_client(self.downloader)
        if self._uploader is not None:
            watch_boto_client(self._uploader)
            # Progress only while a part body is really being sent, not while botocore reads it to sign or hash it.
            events = self._uploader.meta.events
            events.register_first("request-created.s3", signal_not_transferring, unique_id="azaion-not-transferring")
            events.register_last("request-created.s3", signal_transferring, unique_id="azaion-transferring")
        self.transfer_config = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=part_size,
            max_concurrency=max_concurrency,
            use_threads=True,
        )

    @property
    def can_upload(self) -> bool:
        return self._uploader is not None

    @property
    def uploader(self) -> BaseClient:
        """The read/write client; UploadNotAllowedError when cdn.yaml has no uploader keys for this account."""
        if self._uploader is None:
            raise UploadNotAllowedError(NO_UPLOADER_KEYS)
        return self._uploader

    def require_uploader(self) -> None:
        """Fail with a clear UploadNotAllowedError before any work when this account cannot write to the CDN."""
        self.uploader  # noqa: B018

    # ---- metadata -------------------------------------------------------------------------------------------

    def head(self, bucket: str, key: str) -> ObjectInfo:
        try:
            with Watch(self.limits.request, what=f"ask the CDN for {bucket}/{key}") as watch:
                try:
                    resp = self.downloader.head_object(Bucket=bucket, Key=key)
                except TRANSPORT_ERRORS as exc:
                    raise watch.failure(exc, translate(exc, f"{bucket}/{key}", reading=True)) from exc
        except ReadRefusedError as refused:
            raise self.tell_missing(bucket, key, refused) from refused
        length = resp.get("ContentLength")
        if length is None:
            raise ProtocolError(f"the CDN answered HEAD {bucket}/{key} without a Content-Length: its size is unknown")
        return _object_info(resp, int(length))

    def tell_missing(self, bucket: str, key: str, refused: ReadRefusedError) -> AzaionError:
        """A read refused with 403 may be a missing object (S3 answers 403 instead of 404 to a key that may not
        list the bucket, e.g. a GetObject-only downloader key). When this account also holds the uploader key,
        which may list, its HEAD tells the two apart: NotFoundError ("not uploaded") for a missing object, else
        the refusal as it was."""
        if self._uploader is None:
            return refused
        try:
            with Watch(self.limits.request, what=f"ask the CDN whether {bucket}/{key} exists"):
                self._uploader.head_object(Bucket=bucket, Key=key)
        except TRANSPORT_ERRORS as exc:
            err = translate(exc, f"{bucket}/{key}")
            if isinstance(err, NotFoundError):
                return NotFoundError(f"{bucket}/{key} is not on the CDN (not uploaded)")
        except AzaionError:
            pass  # the probe timed out or was cancelled: the refusal stands
        return refused

    def exists(self, bucket: str, key: str) -> bool:
        try:
            self.head(bucket, key)
        except NotFoundError:
            return False
        return True

    def delete(self, bucket: str, key: str) -> None:
        with Watch(self.limits.request, what=f"delete {bucket}/{key} on the CDN") as watch:
            try:
                self.uploader.delete_object(Bucket=bucket, Key=key)
            except TRANSPORT_ERRORS as exc:
                raise watch.failure(exc, translate(exc, f"{bucket}/{key}")) from exc

    def pending_uploads(self, bucket: str, key: str | None = None, *, page_size: int | None = None) -> list[dict]:
        """Unfinished multipart uploads (what a cancelled or crashed upload may leave behind), every page of them:
        S3 lists at most 1000 per call (``page_size`` asks for fewer) and says ``IsTruncated``, to be continued
        from ``NextKeyMarker``/``NextUploadIdMarker``."""
        kwargs: dict = {"Bucket": bucket}
        if key:
            kwargs["Prefix"] = key
        if page_size:
            kwargs["MaxUploads"] = page_size
        found: list[dict] = []
        while True:
            with Watch(self.limits.request, what=f"list the pending uploads of {bucket}") as watch:
                try:
                    resp = self.uploader.list_multipart_uploads(**kwargs)
                except TRANSPORT_ERRORS as exc:
                    raise watch.failure(exc, translate(exc, bucket)) from exc
            found.extend(u for u in resp.get("Uploads", []) if key is None or u["Key"] == key)
            markers = (resp.get("NextKeyMarker"), resp.get("NextUploadIdMarker"))
            if not resp.get("IsTruncated") or markers == (kwargs.get("KeyMarker"), kwargs.get("UploadIdMarker")):
                return found  # the last page (or a server that would send the same page again)
            kwargs["KeyMarker"], kwargs["UploadIdMarker"] = markers

    def abort_pending(self, bucket: str, key: str) -> int:
        count = 0
        for upload in self.pending_uploads(bucket, key):
            with contextlib.suppress(Exception):
                self.uploader.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"])
                count += 1
        return count

    # ---- transfers ------------------------------------------------------------------------------------------

    def upload_bytes(
        self, bucket: str, key: str, data: bytes, *, sha256: str | None = None, small_sha256: str | None = None
    ) -> None:
        meta = {"Metadata": {SHA256_META: sha256 or hashlib.sha256(data).hexdigest()}}
        if small_sha256:
            meta["Metadata"][SMALL_SHA256_META] = small_sha256
        uploader = self.uploader
        # One PUT has no progress to watch: its deadline grows with its size (at least 16 KiB/s), and a cancel ends it.
        with Watch(self.limits.request + len(data) / (16 * 1024), what=f"upload {bucket}/{key}") as watch:
            try:
                # The CRC32 as a plain header (computed here), never ChecksumAlgorithm: that asks for a trailer.
                # The body as a ReadFileChunk: read as it goes out, within the bandwidth cap (only while really
                # sent: the request-created handlers switch its callbacks off while botocore signs or hashes it).
                body = ReadFileChunk(io.BytesIO(data), len(data), len(data), callbacks=[_throttle_sent])
                uploader.put_object(Bucket=bucket, Key=key, Body=body, ChecksumCRC32=crc32_base64(data), **meta)
            except TRANSPORT_ERRORS as exc:
                raise watch.failure(exc, translate(exc, f"{bucket}/{key}")) from exc

    def stream(
        self,
        bucket: str,
        key: str,
        sink: Callable[[memoryview], object],
        *,
        etag: str | None = None,
        start: int = 0,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken = NEVER,
        chunk: int = READ_CHUNK,
    ) -> ObjectInfo:
        """One streamed GET (from byte ``start`` when resuming) into ``sink``. ``etag`` pins the object
        (If-Match), so a concurrent re-upload is reported as ObjectChangedError instead of being mixed in.
        Progress counts from ``start``."""
        cancel = cancel if cancel is not NEVER else current_cancel()
        cancel.raise_if_cancelled()
        args: dict = {"Bucket": bucket, "Key": key}
        if etag:
            args["IfMatch"] = etag
        if start:
            args["Range"] = f"bytes={start}-"
        # Bounded (core/http_limits.py): the answer's head within limits.request, then at least stall_bytes per
        # limits.stall seconds; a deadline, a stall or a cancel shuts the socket, ending a blocked read at once.
        with streaming(self.limits, f"download {bucket}/{key} from the CDN", cancel) as watch:
            try:
                resp = self.downloader.get_object(**args)
            except TRANSPORT_ERRORS as exc:
                failure = watch.failure(exc, translate(exc, f"{bucket}/{key}", reading=True))
                if isinstance(failure, ReadRefusedError):
                    failure = self.tell_missing(bucket, key, failure)
                raise failure from exc
            watch.streaming()
            body = resp["Body"]
            # HTTP allows an answer without Content-Length (chunked, or until the connection closes): then it is
            # streamed to its end and its size is what arrived (callers check the bytes against the SHA-256).
            length = int(resp["ContentLength"]) if resp.get("ContentLength") is not None else None
            info = _object_info(resp, start + length) if length is not None else None
            done = 0
            try:
                while True:
                    watch.check()
                    try:
                        data = throttled_read(lambda n: read_some(body, n), chunk, cancel)
                    except TRANSPORT_ERRORS as exc:
                        raise watch.failure(exc, translate(exc, f"{bucket}/{key}")) from exc
                    if not data:
                        watch.check()  # a socket shut by the watch may read as a clean end
                        break
                    watch.progress(len(data))
                    sink(memoryview(data))
                    done += len(data)
                    progress(start + done, info.size if info is not None else start + done)
            finally:
                _close_quietly(body)
        if info is None:
            return _object_info(resp, start + done)
        if done != length:
            raise UnreachableError(f"CDN object {bucket}/{key} ended after {start + done} of {info.size} bytes")
        return info

    def stream_verified(
        self,
        bucket: str,
        key: str,
        sink: Callable[[memoryview], object],
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken = NEVER,
    ) -> ObjectInfo:
        """Whole object into ``sink``, rejected with IntegrityError when it does not match its SHA-256 metadata."""
        hasher = hashlib.sha256()

        def both(view: memoryview) -> None:
            hasher.update(view)
            sink(view)

        info = self.stream(bucket, key, both, progress=progress, cancel=cancel)
        digest = hasher.hexdigest()
        if info.sha256 and digest != info.sha256.lower():
            raise IntegrityError(f"CDN object {bucket}/{key} does not match its recorded SHA-256: corrupt or tampered")
        return ObjectInfo(info.size, info.etag, digest)

    # ---- the seed's bool API, kept for compatibility ------------------------------------------------------

    def upload(self, bucket: str, filename: str, file_bytes: bytes) -> bool:
        try:
            self.upload_bytes(bucket, filename, file_bytes)
        except AzaionError as exc:
            log.error("Upload fail: %s", exc)
            return False
        log.info("uploaded %s to the %s", filename, bucket)
        return True

    def download(self, folder: str, filename: str, dest_dir: Path | str = ".") -> bool:
        """Seed behaviour: save ``folder/filename`` from the CDN as ``dest_dir/folder/filename``."""
        from core.fileio import atomic_write
        from core.names import validate_folder, validate_name

        try:
            target = Path(dest_dir) / validate_folder(folder) / validate_name(filename)
            with atomic_write(target, output=True) as fh:  # a path the caller chose: the output rules apply
                self.stream_verified(folder, filename, fh.write)
        except AzaionError as exc:
            log.error("Download fail: %s", exc)
            return False
        log.info("downloaded %s from the %s", filename, folder)
        return True


def crc32_base64(data: bytes | memoryview, crc: int = 0) -> str:
    """CRC32 as S3's ``x-amz-checksum-crc32`` header carries it: base64 of the 4 big-endian bytes."""
    return base64.b64encode(zlib.crc32(data, crc).to_bytes(4, "big")).decode("ascii")


def _object_info(resp: dict, size: int) -> ObjectInfo:
    """What a HEAD or GET answer says of the object (``size``: the whole object's, also for a ranged GET)."""
    meta = {k.lower(): v for k, v in (resp.get("Metadata") or {}).items()}
    return ObjectInfo(size=size, etag=resp.get("ETag", ""), sha256=meta.get(SHA256_META),
                      small_sha256=meta.get(SMALL_SHA256_META))


def _throttle_sent(bytes_transferred: int) -> None:
    """A ReadFileChunk callback (called with this keyword): the bytes about to be sent, within the bandwidth cap."""
    throttle(bytes_transferred)


def _close_quietly(body) -> None:
    with contextlib.suppress(Exception):
        body.close()
