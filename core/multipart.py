"""Resumable multipart upload of a staged file, also while it is still being staged (``StreamingUpload``).
boto3's transfer manager cannot resume (it aborts a failed upload), so parts are sent here with ``upload_part``
from a thread pool, each confirmed part is journaled, and a resume asks the server (``list_parts``) what it
already has. Bodies are s3transfer's ReadFileChunk: read from disk lazily (flat memory) in 1 MiB reads, and
reporting progress only while bytes are really on the wire (not while botocore hashes them), with negative
progress when botocore rewinds a body to retry it.

Uploads are created with ``ChecksumAlgorithm=CRC32``, as boto3's own ``upload_file`` does, and each part carries
its CRC32, computed here from the staged file and sent as a plain ``x-amz-checksum-crc32`` header (never
``ChecksumAlgorithm`` on the part: botocore then sends the body as ``aws-chunked`` with a trailer and no
Content-Length over https, which Ceph RGW 16 and other servers of that age refuse with 411). AWS S3 refuses a
part whose body does not match its checksum; other servers accept any value (RGW 16 ignores them, and so does
moto on PutObject), so integrity does not rest on them: it rests on SigV4 and the protocol's SHA-256 of the whole
big part, checked by every download. Without an algorithm, S3 (and moto) derive a
full-object CRC64 at completion instead; moto does that in pure Python, 4-5 s per GiB (measured here)."""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from s3transfer.utils import ReadFileChunk

from core.bandwidth import LIMITER
from core.cancel import NEVER, CancelToken, ProgressCallback, no_progress
from core.cdn import TRANSPORT_ERRORS, CDNManager, crc32_base64, translate
from core.errors import CancelledError, LocalIOError, NotFoundError, UnreachableError
from core.fileio import describe_os_error
from core.http_limits import streaming, throttle
from core.journal import JournalStore, UploadJournal
from core.protocol import SMALL_SHA256_META, big_key

log = logging.getLogger("azaion.cdn")
MiB = 1 << 20
BODY_READ = 1 * MiB
MAX_PARTS = 9000  # S3 allows 10,000; keep headroom
CHECKSUM_ALGORITHM = "CRC32"
CHECKSUM_FIELD = "ChecksumCRC32"


def part_size_for(size: int, minimum: int = 8 * MiB) -> int:
    return max(minimum, math.ceil(size / MAX_PARTS / MiB) * MiB)


class _PartBody(ReadFileChunk):
    """A part's body read at least ``BODY_READ`` bytes at a time, whatever http.client asks for (16 KiB): each
    read is one ``sendall`` that releases the GIL, instead of 64 Python-level reads (with their progress
    callbacks) per MiB competing for the interpreter with the encryption and the other senders. Under a
    bandwidth cap (core/bandwidth.py) the reads stay as small as http.client asks, so the cap is met smoothly."""

    def read(self, amount: int | None = None) -> bytes:
        if amount is not None and not LIMITER.active:
            amount = max(amount, BODY_READ)
        return super().read(amount)


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


class SourceChangedError(LocalIOError):
    """A part re-made from the source on resume differs from the part the server confirmed: the source file
    changed since the interrupted upload (its size, time and fingerprint did not tell). The upload starts over."""


def _create(cdn: CDNManager, journal: UploadJournal, store: JournalStore, size: int, metadata: dict[str, str]) -> None:
    """CreateMultipartUpload with ``metadata``; the UploadId and part size go into the journal at once."""
    bucket, key = journal.folder, big_key(journal.name)
    journal.part_size = part_size_for(size, cdn.transfer_config.multipart_chunksize)
    try:
        resp = cdn.uploader.create_multipart_upload(
            Bucket=bucket, Key=key, Metadata=metadata, ChecksumAlgorithm=CHECKSUM_ALGORITHM,
        )
    except TRANSPORT_ERRORS as exc:
        raise translate(exc, f"{bucket}/{key}") from exc
    journal.upload_id, journal.parts, journal.checksums = resp["UploadId"], {}, {}
    journal.checksum_algorithm = CHECKSUM_ALGORITHM
    store.save(journal)


class _Sender:
    """Sends parts of the staged file of ``journal``'s multipart upload (one at a time per thread; any thread) and
    completes it. Each confirmed part is journaled with its ETag and CRC32."""

    def __init__(self, cdn: CDNManager, journal: UploadJournal, store: JournalStore, size: int, *,
                 progress: ProgressCallback, cancel: CancelToken, done: int = 0) -> None:
        self.cdn, self.journal, self.store, self.size = cdn, journal, store, size
        self.bucket, self.key = journal.folder, big_key(journal.name)
        self.path = Path(journal.staged_big)
        self.progress, self.cancel = progress, cancel
        self.checked = journal.checksum_algorithm == CHECKSUM_ALGORITHM  # False for uploads begun by an older version
        self.lock = threading.Lock()  # progress counters: taken on every body read, so never held across I/O
        self.journal_lock = threading.Lock()  # confirmed parts and the journal file
        self.done, self.sent = done, 0

    def part_len(self, n: int) -> int:
        return min(self.journal.part_size, self.size - (n - 1) * self.journal.part_size)

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.size / self.journal.part_size))

    def advance(self, amount: int, *, sent: bool = True) -> None:
        with self.lock:
            self.done += amount
            if sent:
                self.sent += amount
            done = self.done
        self.progress(done, self.size)

    def _on_bytes(self, bytes_transferred: int) -> None:
        if self.cancel.cancelled:
            raise _Cancelled()
        self.advance(bytes_transferred)

    def confirm(self, n: int, etag: str, crc: str | None) -> None:
        with self.journal_lock:
            self.journal.parts[str(n)] = etag
            if crc is not None:
                self.journal.checksums[str(n)] = crc
            self.store.save(self.journal)

    def send(self, n: int, crc: str | None = None) -> None:
        """Part ``n`` from the staged file; ``crc``: its CRC32 if the caller computed it already."""
        if self.cancel.cancelled:
            raise _Cancelled()
        journal, bucket, key = self.journal, self.bucket, self.key
        start, length = (n - 1) * journal.part_size, self.part_len(n)
        if self.checked and crc is None:
            crc = part_crc32(self.path, start, length)
        sent_crc = crc if self.checked else None
        # Bounded like a download (core/http_limits.py): a stall (or a cancel) shuts this part's socket, also
        # while its answer is awaited.
        with streaming(self.cdn.limits, f"upload {bucket}/{key} part {n}", self.cancel) as watch:
            body = _PartBody.from_filename(str(self.path), start, length, callbacks=[
                lambda bytes_transferred: throttle(bytes_transferred, self.cancel),  # the bandwidth cap, first
                self._on_bytes, lambda bytes_transferred: watch.progress(bytes_transferred)])
            try:
                extra = {CHECKSUM_FIELD: sent_crc} if sent_crc is not None else {}
                with body:
                    resp = self.cdn.uploader.upload_part(
                        Bucket=bucket, Key=key, UploadId=journal.upload_id, PartNumber=n, Body=body, **extra
                    )
            except _Cancelled:
                raise
            except TRANSPORT_ERRORS as exc:
                if self.cancel.cancelled:
                    raise _Cancelled() from None
                raise watch.failure(exc, translate(exc, f"{bucket}/{key} part {n}")) from exc
        self.confirm(n, resp["ETag"], (resp.get(CHECKSUM_FIELD) or sent_crc) if self.checked else None)

    def complete(self) -> None:
        self.cancel.raise_if_cancelled()
        parts = []
        for number, etag in sorted(self.journal.parts.items(), key=lambda i: int(i[0])):
            part: dict[str, Any] = {"PartNumber": int(number), "ETag": etag}
            if self.checked:
                part[CHECKSUM_FIELD] = self.journal.checksums[number]
            parts.append(part)
        try:
            self.cdn.uploader.complete_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.journal.upload_id, MultipartUpload={"Parts": parts}
            )
        except TRANSPORT_ERRORS as exc:
            raise translate(exc, f"{self.bucket}/{self.key} (complete)") from exc


class _Pool:
    """The part senders: parts are submitted as they become ready; after the first failure no further part is
    sent (``finish`` raises it), so a staging that feeds this pool runs to its end regardless."""

    def __init__(self, sender: _Sender, workers: int) -> None:
        self.sender = sender
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="azaion-part")
        self.futures: list[Future[None]] = []
        self.failed = False

    def submit(self, n: int, crc: str | None = None) -> None:
        if self.failed:
            return
        future = self.pool.submit(self.sender.send, n, crc)
        future.add_done_callback(self._done)
        self.futures.append(future)

    def _done(self, future: Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            self.failed = True

    def finish(self, tick: Callable[[], None] | None = None) -> None:
        """Wait for every submitted part (calling ``tick`` every 0.1 s meanwhile); the first failure (or the
        cancel) is raised."""
        try:
            while True:
                finished, pending = wait(self.futures, timeout=0.1 if tick else None, return_when=FIRST_EXCEPTION)
                if not pending or any(f.exception() is not None for f in finished if not f.cancelled()):
                    break
                if tick is not None:
                    tick()
            failure = next((f.exception() for f in self.futures if f in finished and f.exception() is not None),
                           None)
            if failure is not None:
                for f in pending:
                    f.cancel()
                cancel = self.sender.cancel
                if isinstance(failure, _Cancelled) or cancel.cancelled:
                    raise cancel.error() if cancel.cancelled else CancelledError("cancelled")
                raise failure
        finally:
            self.close()

    def close(self) -> None:
        """Drop the parts not started; wait for those in flight (a cancel ends them within a second)."""
        self.failed = True
        for f in self.futures:
            f.cancel()
        self.pool.shutdown(wait=True)


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
    """Upload ``journal.staged_big`` (complete) to ``folder/{name}.big``, resuming the journal's multipart upload
    if it has one; returns the bytes actually sent this call. ``small_sha256`` (the staged small part's) goes
    into the object's metadata beside its own SHA-256 (a single PUT) or, for a multipart upload created here,
    alone (docs/protocol.md: the big part's SHA-256 is the API's record)."""
    bucket, key = journal.folder, big_key(journal.name)
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
        _create(cdn, journal, store, size, _metadata(small_sha256))
    sender = _Sender(cdn, journal, store, size, progress=progress, cancel=cancel)
    count = sender.count
    done_parts = {n: etag for n, (etag, psize, _crc) in have.items() if n <= count and psize == sender.part_len(n)}
    journal.parts = {str(n): etag for n, etag in done_parts.items()}
    if sender.checked:
        known = journal.checksums
        journal.checksums = {}
        for n in done_parts:
            crc = have[n][2] or known.get(str(n))
            if crc is None:
                crc = part_crc32(path, (n - 1) * journal.part_size, sender.part_len(n))
            journal.checksums[str(n)] = crc
    store.save(journal)
    sender.advance(sum(sender.part_len(n) for n in done_parts), sent=False)
    pool = _Pool(sender, concurrency or cdn.transfer_config.max_concurrency)
    try:
        for n in range(1, count + 1):
            if n not in done_parts:
                pool.submit(n)
    finally:
        pool.finish()
    sender.complete()
    return sender.sent


def _metadata(small_sha256: str | None) -> dict[str, str]:
    return {SMALL_SHA256_META: small_sha256} if small_sha256 else {}


class StreamingUpload:
    """The multipart upload of a big part that is still being staged: the staging calls ``staged(n, crc)`` as soon
    as part ``n`` is in the staged file, and the part goes out while the next ones are encrypted. The object's
    metadata carries ``small-sha256`` only: the big part's SHA-256 is known only at the end, and goes to the
    API's record with the small part (docs/protocol.md).

    Resuming (the journal has an UploadId): the parts the server holds are not sent again, but only after the
    re-made part's CRC32 matched the one confirmed for it (``SourceChangedError`` otherwise); a part whose CRC32
    is not known is sent again."""

    def __init__(self, cdn: CDNManager, journal: UploadJournal, store: JournalStore, size: int, *,
                 small_sha256: str, progress: ProgressCallback = no_progress, cancel: CancelToken = NEVER,
                 concurrency: int | None = None) -> None:
        bucket, key = journal.folder, big_key(journal.name)
        cdn.require_uploader()
        cancel.raise_if_cancelled()
        self.have: dict[int, tuple[str, int, str | None]] = {}
        if journal.upload_id:
            try:
                self.have = server_parts(cdn, bucket, key, journal.upload_id)
            except NotFoundError:
                journal.upload_id, journal.parts, journal.checksums = None, {}, {}
        if not journal.upload_id:
            _create(cdn, journal, store, size, _metadata(small_sha256))
        self._report = progress
        self.sender = _Sender(cdn, journal, store, size, progress=no_progress, cancel=cancel)
        known = journal.checksums
        self.have = {n: (etag, psize, crc or known.get(str(n))) for n, (etag, psize, crc) in self.have.items()
                     if n <= self.sender.count and psize == self.sender.part_len(n)}
        journal.parts = {str(n): etag for n, (etag, _s, _c) in self.have.items()}
        journal.checksums = {str(n): crc for n, (_e, _s, crc) in self.have.items() if crc is not None}
        store.save(journal)
        self.pool = _Pool(self.sender, concurrency or cdn.transfer_config.max_concurrency)

    @property
    def part_size(self) -> int:
        return self.sender.journal.part_size

    def staged(self, n: int, crc: str) -> None:
        """Part ``n`` (CRC32 ``crc``, base64 as S3 writes it) is in the staged file now. Any thread."""
        held = self.have.get(n)
        if held is not None and held[2] is None and self._etag_is_md5(n, held[0]):
            held = (held[0], held[1], crc)  # confirmed (ETag) but not journaled: the process died in between
            with self.sender.journal_lock:
                self.sender.journal.checksums[str(n)] = crc
        if held is not None and held[2] is not None:
            if held[2] != crc:
                raise SourceChangedError(
                    f"part {n} of the interrupted upload of {self.sender.journal.folder}/{self.sender.journal.name} "
                    "differs from the source now: the source file changed since"
                )
            self.sender.advance(self.sender.part_len(n), sent=False)
            return
        self.pool.submit(n, crc)

    def _etag_is_md5(self, n: int, etag: str) -> bool:
        """Whether the server's ETag of part ``n`` is the MD5 of the re-made part in the staged file (S3, Ceph and
        moto give a part the MD5 of its bytes; a server that does not just has the part sent again)."""
        digest = hashlib.md5(usedforsecurity=False)
        length = self.sender.part_len(n)
        try:
            with open(self.sender.path, "rb", buffering=0) as fh:
                fh.seek((n - 1) * self.part_size)
                while length and (data := fh.read(min(length, MiB))):
                    digest.update(data)
                    length -= len(data)
        except OSError as exc:
            raise describe_os_error(exc, self.sender.path) from None
        return not length and etag.strip('"').lower() == digest.hexdigest()

    def report(self) -> None:
        """Tell the caller's progress callback the bytes on the wire so far (from the thread that calls this)."""
        self._report(self.sender.done, self.sender.size)

    def finish(self) -> int:
        """Once every part was handed to ``staged``: wait for the sends (reporting progress meanwhile), complete
        the upload; the bytes sent."""
        self.pool.finish(tick=self.report)
        self.report()
        self.sender.complete()
        return self.sender.sent

    def close(self) -> None:
        """The staging failed: stop sending (parts in flight end; what was confirmed stays journaled)."""
        self.pool.close()


ABORT_TRIES = 3
ABORT_BACKOFF_S = 0.3


def abort(cdn: CDNManager, journal: UploadJournal, *, tries: int = ABORT_TRIES) -> bool:
    """Abort the journal's multipart upload and check it is gone (ListParts: NoSuchUpload), trying again a few
    times when the server answered: S3 says a part still being received may outlive one abort, and an abort
    that meets such a part can fail (moto answered 500: the part's request was still running after the paused
    client had dropped it). Not when the CDN cannot be reached: a cancel on a dead link would wait for nothing.
    Never raises; a failure or an upload still there at the end is logged, and the pending uploads list shows it
    (core/pending_uploads.py). Returns whether the upload is gone."""
    if not journal.upload_id:
        return True
    bucket, key = journal.folder, big_key(journal.name)
    problem = ""
    for attempt in range(tries):
        if attempt:
            time.sleep(ABORT_BACKOFF_S * attempt)
        try:
            cdn.uploader.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=journal.upload_id)
        except Exception as exc:  # any failure: try again
            error = translate(exc, f"{bucket}/{key}") if isinstance(exc, TRANSPORT_ERRORS) else exc
            if isinstance(error, NotFoundError):
                return True  # already gone
            problem = str(error)
            if isinstance(error, UnreachableError):
                break  # the link is down: trying again now would only make a cancel wait longer
            log.info("aborting the multipart upload of %s/%s failed (%s); trying again", bucket, key, problem)
            continue
        try:
            next(iter_parts(cdn, bucket, key, journal.upload_id), None)
        except NotFoundError:
            return True
        except Exception as exc:  # cannot tell; the abort itself was accepted
            log.info("could not check that the multipart upload of %s/%s is gone: %s", bucket, key, exc)
            return True
        problem = "still listed after the abort"
    log.warning("the multipart upload of %s/%s could not be aborted (%s); it stays on the CDN until aborted from "
                "the pending uploads list or by the CDN's own cleanup", bucket, key, problem)
    return False
