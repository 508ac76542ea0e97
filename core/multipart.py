"""Resumable multipart upload of a staged file. boto3's transfer manager cannot resume (it aborts a failed
upload), so parts are sent here with ``upload_part`` from a thread pool, each confirmed part is journaled, and a
resume asks the server (``list_parts``) what it already has. Bodies are s3transfer's ReadFileChunk: read from
disk lazily (flat memory) and reporting progress only while bytes are really on the wire (not while botocore
hashes them), with negative progress when botocore rewinds a body to retry it.

Uploads are created with ``ChecksumAlgorithm=CRC32``, as boto3's own ``upload_file`` does, and each part carries
its CRC32, computed here from the staged file and sent as a plain ``x-amz-checksum-crc32`` header (never
``ChecksumAlgorithm`` on the part: botocore then sends the body as ``aws-chunked`` with a trailer and no
Content-Length over https, which Ceph RGW 16 and other servers of that age refuse with 411). AWS S3 refuses a
part whose body does not match its checksum; other servers accept any value (RGW 16 ignores them, and so does
moto on PutObject), so integrity does not rest on them: it rests on SigV4 and the protocol's SHA-256 of the whole
big part, checked by every download. Without an algorithm, S3 (and moto) derive a
full-object CRC64 at completion instead; moto does that in pure Python, 4-5 s per GiB (measured here)."""

from __future__ import annotations

import math
import threading
import zlib
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from s3transfer.utils import ReadFileChunk

from core.cancel import NEVER, CancelToken, ProgressCallback, no_progress
from core.cdn import SHA256_META, SMALL_SHA256_META, TRANSPORT_ERRORS, CDNManager, crc32_base64, translate
from core.errors import CancelledError, LocalIOError, NotFoundError
from core.fileio import describe_os_error
from core.http_limits import streaming, throttle
from core.journal import JournalStore, UploadJournal

MiB = 1 << 20
MAX_PARTS = 9000  # S3 allows 10,000; keep headroom
CHECKSUM_ALGORITHM = "CRC32"
CHECKSUM_FIELD = "ChecksumCRC32"


def part_size_for(size: int, minimum: int = 8 * MiB) -> int:
    return max(minimum, math.ceil(size / MAX_PARTS / MiB) * MiB)


class _Cancelled(Exception):
    """Raised inside a body read to abort an in-flight request; botocore does not retry it."""


def part_crc32(path: Path, start: int, length: int) -> str:
    """A part's CRC32 as S3 writes it (base64 of the big-endian value), computed from the staged file: for parts
    the server confirms without their checksum (moto's ListParts leaves it out). Raises LocalIOError."""
    crc = 0
    try:
        with open(path, "rb", buffering=0) as fh:
            fh.seek(start)
            left = length
            while left:
                data = fh.read(min(left, MiB))
                if not data:
                    raise LocalIOError(f"the staged upload {path} is shorter than its journal says")
                crc = zlib.crc32(data, crc)
                left -= len(data)
    except OSError as exc:
        raise describe_os_error(exc, path) from None
    return crc32_base64(b"", crc)


def iter_parts(cdn: CDNManager, bucket: str, key: str, upload_id: str) -> Iterator[dict]:
    """Every part the server holds for the upload, as ListParts reports them, page after page (it returns at most
    1000 per call). NotFoundError when the upload is gone; other failures as the CDN's errors."""
    kwargs: dict = {"Bucket": bucket, "Key": key, "UploadId": upload_id}
    while True:
        try:
            resp = cdn.uploader.list_parts(**kwargs)
        except TRANSPORT_ERRORS as exc:
            raise translate(exc, f"{bucket}/{key} (list parts)") from exc
        yield from resp.get("Parts", [])
        if not resp.get("IsTruncated"):
            return
        kwargs["PartNumberMarker"] = resp["NextPartNumberMarker"]


def server_parts(cdn: CDNManager, bucket: str, key: str, upload_id: str) -> dict[int, tuple[str, int, str | None]]:
    """Part number -> (ETag, size, CRC32 if the server reports it)."""
    return {
        int(p["PartNumber"]): (p["ETag"], int(p["Size"]), p.get(CHECKSUM_FIELD))
        for p in iter_parts(cdn, bucket, key, upload_id)
    }


def upload_staged(
    cdn: CDNManager,
    journal: UploadJournal,
    store: JournalStore,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER,
    concurrency: int | None = None,
    small_sha256: str | None = None,
) -> int:
    """Upload ``journal.staged_big`` to ``folder/{name}.big``; returns the bytes actually sent this call.
    ``small_sha256`` (the staged small part's) goes into the object's metadata beside its own SHA-256, so a
    download can tell a small part that does not belong to this big part (docs/protocol.md)."""
    bucket, key = journal.folder, f"{journal.name}.big"
    path = Path(journal.staged_big)
    size = journal.staged_size
    cdn.require_uploader()
    cancel.raise_if_cancelled()
    if size < cdn.transfer_config.multipart_threshold:
        cdn.upload_bytes(bucket, key, path.read_bytes(), sha256=journal.staged_sha256, small_sha256=small_sha256)
        progress(size, size)
        return size
    have: dict[int, tuple[str, int, str | None]] = {}
    if journal.upload_id:
        try:
            have = server_parts(cdn, bucket, key, journal.upload_id)
        except NotFoundError:
            journal.upload_id, journal.parts, journal.checksums = None, {}, {}
    if not journal.upload_id:
        metadata = {SHA256_META: journal.staged_sha256}
        if small_sha256:
            metadata[SMALL_SHA256_META] = small_sha256
        journal.part_size = part_size_for(size, cdn.transfer_config.multipart_chunksize)
        try:
            resp = cdn.uploader.create_multipart_upload(
                Bucket=bucket, Key=key, Metadata=metadata,
                ChecksumAlgorithm=CHECKSUM_ALGORITHM,
            )
        except TRANSPORT_ERRORS as exc:
            raise translate(exc, f"{bucket}/{key}") from exc
        journal.upload_id, journal.parts, journal.checksums = resp["UploadId"], {}, {}
        journal.checksum_algorithm = CHECKSUM_ALGORITHM
        store.save(journal)
    checked = journal.checksum_algorithm == CHECKSUM_ALGORITHM  # False for uploads begun by an older version
    count = max(1, math.ceil(size / journal.part_size))

    def part_len(n: int) -> int:
        return min(journal.part_size, size - (n - 1) * journal.part_size)

    done_parts = {n: etag for n, (etag, psize, _crc) in have.items() if n <= count and psize == part_len(n)}
    journal.parts = {str(n): etag for n, etag in done_parts.items()}
    if checked:
        known = journal.checksums
        journal.checksums = {}
        for n in done_parts:
            crc = have[n][2] or known.get(str(n))
            if crc is None:
                crc = part_crc32(path, (n - 1) * journal.part_size, part_len(n))
            journal.checksums[str(n)] = crc
    store.save(journal)
    lock = threading.Lock()  # progress counters: taken on every body read, so never held across I/O
    journal_lock = threading.Lock()  # confirmed parts and the journal file
    state = {"done": sum(part_len(n) for n in done_parts), "sent": 0}
    progress(state["done"], size)

    def on_bytes(bytes_transferred: int) -> None:
        amount = bytes_transferred
        if cancel.cancelled:
            raise _Cancelled()
        with lock:
            state["done"] += amount
            state["sent"] += amount
            done = state["done"]
        progress(done, size)

    def send(n: int) -> None:
        if cancel.cancelled:
            raise _Cancelled()
        start = (n - 1) * journal.part_size
        sent_crc = part_crc32(path, start, part_len(n)) if checked else None
        # Bounded like a download (core/http_limits.py): a stall (or a cancel) shuts this part's socket, also
        # while its answer is awaited.
        with streaming(cdn.limits, f"upload {bucket}/{key} part {n}", cancel) as watch:
            body = ReadFileChunk.from_filename(str(path), start, part_len(n), callbacks=[
                lambda bytes_transferred: throttle(bytes_transferred, cancel),  # the bandwidth cap, before sending
                on_bytes, lambda bytes_transferred: watch.progress(bytes_transferred)])
            try:
                extra = {CHECKSUM_FIELD: sent_crc} if sent_crc is not None else {}
                with body:
                    resp = cdn.uploader.upload_part(
                        Bucket=bucket, Key=key, UploadId=journal.upload_id, PartNumber=n, Body=body, **extra
                    )
            except _Cancelled:
                raise
            except TRANSPORT_ERRORS as exc:
                if cancel.cancelled:
                    raise _Cancelled() from None
                raise watch.failure(exc, translate(exc, f"{bucket}/{key} part {n}")) from exc
        crc = (resp.get(CHECKSUM_FIELD) or sent_crc) if checked else None
        with journal_lock:
            journal.parts[str(n)] = resp["ETag"]
            if crc is not None:
                journal.checksums[str(n)] = crc
            store.save(journal)

    todo = [n for n in range(1, count + 1) if n not in done_parts]
    workers = concurrency or cdn.transfer_config.max_concurrency
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="azaion-part") as pool:
        futures = [pool.submit(send, n) for n in todo]
        finished, pending = wait(futures, return_when=FIRST_EXCEPTION)
        failure = next((f.exception() for f in finished if f.exception() is not None), None)
        if failure is not None:
            for f in pending:
                f.cancel()
            if isinstance(failure, _Cancelled) or cancel.cancelled:
                raise cancel.error() if cancel.cancelled else CancelledError("cancelled")
            raise failure
    cancel.raise_if_cancelled()
    parts = []
    for number, etag in sorted(journal.parts.items(), key=lambda i: int(i[0])):
        part: dict[str, Any] = {"PartNumber": int(number), "ETag": etag}
        if checked:
            part[CHECKSUM_FIELD] = journal.checksums[number]
        parts.append(part)
    try:
        cdn.uploader.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=journal.upload_id, MultipartUpload={"Parts": parts}
        )
    except TRANSPORT_ERRORS as exc:
        raise translate(exc, f"{bucket}/{key} (complete)") from exc
    return state["sent"]


def abort(cdn: CDNManager, journal: UploadJournal) -> None:
    if journal.upload_id:
        try:
            cdn.uploader.abort_multipart_upload(
                Bucket=journal.folder, Key=f"{journal.name}.big", UploadId=journal.upload_id
            )
        except Exception:  # noqa: S110 - already gone is fine
            pass
