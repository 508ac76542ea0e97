"""The big/small split protocol, streaming end to end (docs/protocol.md, "Big/small resources").

Upload encrypts once into a private temp file in the cache (the big part; its SHA-256 must be known before the
CDN upload starts, because it travels in the object's metadata), sends it to the CDN, then the small part to
the API, and only then renames the temp file into the cache. Download decrypts small + big as one stream into
a temp file that is renamed into place only after the hash and padding checks pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from core.cancel import NEVER, CancelToken, ProgressCallback, no_progress
from core.cdn import ObjectInfo
from core.crypto import StreamDecryptor, StreamEncryptor, ciphertext_size, pump
from core.errors import (
    AzaionError,
    CancelledError,
    IntegrityError,
    LocalIOError,
    NotFoundError,
    UnreachableError,
)
from core.fileio import atomic_write, describe_os_error
from core.names import validate_folder, validate_name

if TYPE_CHECKING:
    from core.api_client import ApiClient

log = logging.getLogger("azaion.resources")

SMALL_MAX = 3072
StageCallback = Callable[[str], None]


def split_point(cipher_len: int) -> int:
    """min(3072, floor(30% of the ciphertext)), in integers so huge sizes cannot round the wrong way."""
    return min(SMALL_MAX, (cipher_len * 3) // 10)


def big_key(name: str) -> str:
    return f"{name}.big"


def small_name(name: str) -> str:
    return f"{name}.small"


@dataclass(frozen=True)
class UploadReport:
    name: str
    folder: str
    plain_size: int
    small_size: int
    big_size: int
    big_sha256: str


@dataclass(frozen=True)
class DownloadReport:
    name: str
    folder: str
    size: int
    source: str  # "cache" or "cdn"
    cache_event: str | None = None  # None, "stale" or "corrupt"
    message: str | None = None
    output: Path | None = None


def _no_stage(stage: str) -> None:
    pass


class _Splitter:
    """Routes the encrypted stream: the first ``split`` bytes to memory (small part), the rest to a file."""

    def __init__(self, split: int, big_file: BinaryIO) -> None:
        self.split = split
        self.small = bytearray()
        self.big_file = big_file
        self.hasher = hashlib.sha256()
        self.big_size = 0

    def __call__(self, view: memoryview) -> None:
        need = self.split - len(self.small)
        if need > 0:
            self.small += view[:need]
            view = view[need:]
        if view:
            self.hasher.update(view)
            self.big_file.write(view)
            self.big_size += len(view)


def upload(
    client: ApiClient,
    source: bytes | Path | str,
    name: str,
    folder: str,
    *,
    progress: ProgressCallback = no_progress,
    on_stage: StageCallback = _no_stage,
    cancel: CancelToken = NEVER,
) -> UploadReport:
    validate_name(name)
    validate_folder(folder)
    if isinstance(source, bytes | bytearray | memoryview):
        reader: BinaryIO = io.BytesIO(bytes(source))
        size = len(source)
    else:
        path = Path(source)
        try:
            reader = open(path, "rb", buffering=0)  # noqa: SIM115 - closed in finally
            size = os.fstat(reader.fileno()).st_size
        except IsADirectoryError:
            raise LocalIOError(f"{path} is a folder, not a file") from None
        except OSError as exc:
            raise describe_os_error(exc, path) from None
    cdn = client.cdn  # fetches cdn.yaml now: fail before encrypting gigabytes
    cipher_total = ciphertext_size(size)
    split = split_point(cipher_total)
    big_total = cipher_total - split
    overall = size + big_total
    cache = client.cache
    temp = cache.new_temp(folder)
    try:
        on_stage("encrypting")
        with reader, open(temp, "wb", buffering=0) as big_file:
            splitter = _Splitter(split, big_file)
            enc = StreamEncryptor(client.resource_key, splitter)
            try:
                pump(reader, enc.update, total=overall, progress=progress, cancel=cancel)
            except OSError as exc:
                raise describe_os_error(exc, temp) from None
            enc.finalize()
        if len(splitter.small) != split or splitter.big_size != big_total:
            raise LocalIOError(f"the source file changed size while it was being read ({source})")
        digest = splitter.hasher.hexdigest()
        on_stage("uploading")
        cdn.upload_path(
            folder,
            big_key(name),
            temp,
            sha256=digest,
            progress=lambda done, _t: progress(size + done, overall),
            cancel=cancel,
        )
        on_stage("finalizing")
        # Past this point the CDN holds the new big part: finish the commit rather than honour a late cancel.
        try:
            client.upload_file(small_name(name), bytes(splitter.small), folder)
        except AzaionError as exc:
            raise type(exc)(
                f"{exc} (the big part of {folder}/{name} was uploaded but the small part was not; "
                "upload the resource again)"
            ) from exc
        cache.commit(folder, name, temp, digest)
        log.info("Uploaded %s to %s: %d bytes (small %d, big %d)", name, folder, size, split, big_total)
        return UploadReport(name, folder, size, split, big_total, digest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def download(
    client: ApiClient,
    name: str,
    folder: str,
    sink: Callable[[memoryview], object],
    *,
    progress: ProgressCallback = no_progress,
    on_stage: StageCallback = _no_stage,
    cancel: CancelToken = NEVER,
    discard_output: Callable[[], None] = lambda: None,
) -> DownloadReport:
    """Decrypt the resource into ``sink``. If a cached part turns out corrupt after some plaintext was already
    written, ``discard_output`` is called to reset the sink before the CDN copy is streamed."""
    validate_name(name)
    validate_folder(folder)
    on_stage("connecting")
    small = client.load_bytes(small_name(name), folder)
    cancel.raise_if_cancelled()
    cdn_error: AzaionError | None = None
    info: ObjectInfo | None = None
    try:
        info = client.cdn.head(folder, big_key(name))
    except NotFoundError:
        raise NotFoundError(f"{folder}/{name} has no big part on the CDN; it must be uploaded again") from None
    except UnreachableError as exc:
        cdn_error = exc
    cache = client.cache
    cached = cache.lookup(folder, name)
    event: str | None = None
    if cached is not None and info is not None and info.sha256 and info.sha256.lower() != cached.sha256:
        event = "stale"
    elif cached is not None:
        on_stage("decrypting")
        total = len(small) + cached.size
        result = _decrypt_cached(client, small, cached, sink, total, progress, cancel)
        if result is None:
            log.info("checking on existence for %s/%s.big: served from cache", folder, name)
            return DownloadReport(name, folder, total, "cache")
        event = result
        discard_output()
    if info is None:
        if event:
            raise IntegrityError(
                f"the cached copy of {folder}/{name} is {event} and the CDN cannot be reached: {cdn_error}"
            )
        raise UnreachableError(f"{cdn_error}; {folder}/{name} is not in the local cache") from None
    message = None
    if event:
        message = f"cached copy of {folder}/{name} was {event}; replaced from the CDN"
        log.warning(message)
    if event:
        cache.discard(folder, name)
    on_stage("downloading")
    total = len(small) + info.size
    dec = StreamDecryptor(client.resource_key, sink)
    dec.update(small)
    temp = cache.new_temp(folder)
    try:
        with open(temp, "wb", buffering=0) as part:

            def both(view: memoryview) -> None:
                part.write(view)
                dec.update(view)

            try:
                got = client.cdn.stream(
                    folder,
                    big_key(name),
                    both,
                    expected=info,
                    progress=lambda done, _t: progress(len(small) + done, total),
                    cancel=cancel,
                )
            except OSError as exc:
                raise describe_os_error(exc, temp) from None
        dec.finalize()
        cache.commit(folder, name, temp, got.sha256 or "")
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    log.info("downloaded %s.big from the %s", name, folder)
    return DownloadReport(name, folder, total, "cdn", event, message)


def _decrypt_cached(
    client: ApiClient,
    small: bytes,
    cached,  # noqa: ANN001 - CachedPart
    sink: Callable[[memoryview], object],
    total: int,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> str | None:
    """Decrypt small + cached big into ``sink`` while hashing the cached bytes. None on success, else the
    problem ("corrupt") — the caller then resets the sink and falls back to the CDN."""
    hasher = hashlib.sha256()
    dec = StreamDecryptor(client.resource_key, sink)
    dec.update(small)

    def feed(view: memoryview) -> None:
        hasher.update(view)
        dec.update(view)

    try:
        with open(cached.path, "rb", buffering=0) as fh:
            pump(fh, feed, total=total, progress=lambda d, t: progress(len(small) + d, t), cancel=cancel)
    except OSError:
        return "corrupt"
    if hasher.hexdigest() != cached.sha256:
        return "corrupt"
    try:
        dec.finalize()
    except IntegrityError:
        return "corrupt"
    return None


def download_to_path(
    client: ApiClient,
    name: str,
    folder: str,
    output: Path | str,
    *,
    progress: ProgressCallback = no_progress,
    on_stage: StageCallback = _no_stage,
    cancel: CancelToken = NEVER,
) -> DownloadReport:
    """Download into ``output`` atomically: a temp file beside it, renamed only when everything checked out."""
    target = Path(output)
    if target.is_dir():
        target = target / validate_name(name)
    try:
        with atomic_write(target) as fh:

            def reset() -> None:
                fh.seek(0)
                fh.truncate()

            report = download(
                client, name, folder, fh.write, progress=progress, on_stage=on_stage, cancel=cancel,
                discard_output=reset,
            )
    except CancelledError:
        log.info("download of %s/%s cancelled", folder, name)
        raise
    return DownloadReport(**{**report.__dict__, "output": target})


def download_bytes(
    client: ApiClient, name: str, folder: str, *, cancel: CancelToken = NEVER
) -> tuple[bytes, DownloadReport]:
    """Small resources only (the seed's bytes-returning signature)."""
    out = bytearray()
    report = download(client, name, folder, out.extend, cancel=cancel, discard_output=out.clear)
    return bytes(out), report
