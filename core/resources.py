"""The big/small split protocol, streaming end to end (docs/protocol.md, "Big/small resources").

Upload encrypts once into a private temp file in the cache (the big part) and, for multipart uploads, sends each
part as soon as it is there, while the next ones are encrypted; the big part's SHA-256, known only at the end,
goes to the API with the small part (the record downloads check), which is sent last; only then is the temp file
renamed into the cache. The big part's metadata also carries the small
part's SHA-256 (``small-sha256``), so a download that meets the new big part with the old small part (an upload
still finalizing, or one that failed after the CDN) refuses the pair instead of decrypting a silent mix.
Download decrypts small + big as one stream into a temp file that is renamed into place only after the hash and
padding checks pass.
"""

from __future__ import annotations

import glob
import hashlib
import io
import logging
import os
import sys
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from core import locks, multipart
from core.cancel import NEVER, RESUME_HINT, CancelToken, ProgressCallback
from core.cdn import ObjectInfo, crc32_base64
from core.crypto import BLOCK, StreamDecryptor, StreamEncryptor, ciphertext_size, pump
from core.errors import (
    AzaionError,
    CancelledError,
    IntegrityError,
    LocalIOError,
    NotFoundError,
    ObjectChangedError,
    PausedError,
    ServerError,
    UnreachableError,
)
from core.fileio import (
    atomic_write,
    describe_os_error,
    lock_shared,
    output_target,
    release,
    remove_leftovers,
    temp_glob,
    temp_prefix,
    write_bytes_atomic,
)
from core.journal import JournalStore, UploadJournal, source_fingerprint
from core.names import validate_folder, validate_resource_name
from core.observer import SILENT, TransferObserver
from core.offload import OffloadedSink
from core.protocol import SMALL_MAX, BigRecord, big_key, small_name, split_point
from core.retry import RetryPolicy, is_transient, with_retries

if TYPE_CHECKING:
    from core.cache import ResourceCache
    from core.cdn import CDNManager

log = logging.getLogger("azaion.resources")

@dataclass(frozen=True)
class UploadReport:
    name: str
    folder: str
    plain_size: int
    small_size: int
    big_size: int
    big_sha256: str
    resumed: bool = False
    bytes_sent: int = 0
    outcome: str = "uploaded"
    """"uploaded"; "repaired": a concurrent upload of the name interleaved, this upload's parts were sent again
    and are the pair on the server; "superseded": a later upload of the name completed after this one and its
    pair is on the server; "unverified": the pair could not be read back (docs/protocol.md, "Concurrent
    uploads")."""


@dataclass(frozen=True)
class DownloadReport:
    name: str
    folder: str
    size: int
    source: str  # "cache" or "cdn"
    cache_event: str | None = None  # None, "stale" or "corrupt"
    message: str | None = None
    output: Path | None = None
    big_sha256: str | None = None


class SmallParts(Protocol):
    """What transfers need from the API: the small parts, and which server they are on (the journals and the
    per-name locks are per server). core/api_client.py's ApiClient is one; the transfers never see more of it."""

    api_url: str

    def load_part(self, filename: str, folder: str, *, cancel: CancelToken | None = None) -> tuple[bytes, BigRecord]:
        ...

    def upload_file(self, filename: str, data: bytes, folder: str, *, big: BigRecord | None = None) -> None:
        ...


class Transfers:
    """Uploads and downloads of big/small resources, given everything they use (as s3transfer's TransferManager
    is given its client): the API's small parts, the CDN (a provider: the client builds it from cdn.yaml after
    each login, so each use asks for the current one), the local cache, the upload journals, the retry policy
    and the resource key. ApiClient builds one (``client.transfers``) and its seed methods delegate to it; this
    module never reaches back into the client."""

    def __init__(
        self,
        api: SmallParts,
        cdn: Callable[[], CDNManager],
        *,
        cache: ResourceCache,
        journals: JournalStore,
        retry_policy: RetryPolicy,
        resource_key: bytes,
        keep_cache: bool = True,
    ) -> None:
        self.api = api
        self._cdn = cdn
        self.cache = cache
        self.journals = journals
        self.retry_policy = retry_policy
        self.resource_key = resource_key
        # False (the "cache downloads" setting off): downloads neither read nor write the cache and uploads leave
        # no copy there. Each downloaded byte is then written once (the output) instead of twice; an interrupted
        # download resumes within the same run only. Read at the start of each transfer, so it can change live.
        self.keep_cache = keep_cache

    @property
    def cdn(self) -> CDNManager:
        return self._cdn()

    @property
    def server(self) -> str:
        """The API's address: what the journals and the per-name locks are keyed by."""
        return self.api.api_url

    def upload(
        self,
        source: bytes | Path | str,
        name: str,
        folder: str,
        *,
        observer: TransferObserver = SILENT,
        cancel: CancelToken = NEVER,
    ) -> UploadReport:
        """Encrypt, stage, send the big part to the CDN (resumable), then the small part to the API (the commit).

        Progress is per stage (``observer.on_stage`` says which): plaintext bytes while "encrypting", big-part
        bytes while "uploading"; "finalizing" has none (the server assembles the parts, then the small part is sent).

        A file source is journaled: after a dropped link, a pause, or a killed process, uploading the same file to
        the same place again resumes; if the file changed meanwhile it starts over and says so. Cancel (not pause)
        aborts the multipart upload and removes the staged files."""
        validate_resource_name(name)
        validate_folder(folder)
        reader, size, path = _open_source(source)
        try:
            cdn = with_retries(lambda: self.cdn, policy=self.retry_policy, cancel=cancel, on_retry=observer.on_retry,
                               what="fetch cdn.yaml")  # fail before encrypting gigabytes
            cdn.require_uploader()  # a role the server gave no uploader keys: say so before any work
            # One upload of a name at a time on this machine (the GUI's and the CLI's too): two would drive one
            # journal and staged file, or pair one's big part with the other's small part on the server.
            name_lock = self.journals.name_lock(
                self.server, folder, name, cancel=cancel,
                on_wait=lambda: observer.on_event(f"another upload of {folder}/{name} is running on this machine; "
                                         "waiting for it to finish"))
        except BaseException:
            reader.close()
            raise
        try:
            return _upload_locked(self, cdn, reader, size, path, name, folder, observer=observer, cancel=cancel)
        finally:
            reader.close()
            name_lock.release()

    def download_to_path(
        self,
        name: str,
        folder: str,
        output: Path | str,
        *,
        observer: TransferObserver = SILENT,
        cancel: CancelToken = NEVER,
        replace: bool = True,
    ) -> DownloadReport:
        """Download into ``output`` atomically: a temp file beside it, renamed only when everything checked out.
        ``output`` must be a new name, a regular file (``replace=False`` refuses that too) or a folder to save
        ``name`` in (core/fileio.py ``check_output``: a device, FIFO or link to one is refused before the download)."""
        target = output_target(output, validate_resource_name(name), replace=replace)
        # A download of this target killed mid-way left its partly decrypted temp file here: remove it (only our
        # own temp-name shape and owner/mode, only when no live process holds it: core/fileio.py remove_leftovers).
        for stale in remove_leftovers(target.parent, temp_glob(glob.escape(temp_prefix(target)))):
            log.info("removed %s, left by an interrupted download", stale)
        try:
            with atomic_write(target, output=True, replace=replace) as fh:

                def reset() -> None:
                    fh.seek(0)
                    fh.truncate()

                report = self.download(name, folder, fh.write, observer=observer, cancel=cancel,
                                       discard_output=reset)
        except CancelledError:
            log.info("download of %s/%s cancelled", folder, name)
            raise
        return DownloadReport(**{**report.__dict__, "output": target})

    def download(
        self,
        name: str,
        folder: str,
        sink: Callable[[memoryview], object],
        *,
        observer: TransferObserver = SILENT,
        cancel: CancelToken = NEVER,
        discard_output: Callable[[], None] = lambda: None,
    ) -> DownloadReport:
        """Decrypt the resource into ``sink``. If a cached part turns out corrupt after some plaintext was already
        written, ``discard_output`` resets the sink before the CDN copy is streamed. An interrupted CDN download
        keeps its ``.part`` file and continues with one ranged GET pinned to the object's ETag."""
        validate_resource_name(name)
        validate_folder(folder)
        policy = self.retry_policy
        observer.on_stage("connecting")

        def load_small() -> bytes:
            data, record = with_retries(lambda: self.api.load_part(small_name(name), folder), policy=policy,
                                        cancel=cancel, on_retry=observer.on_retry,
                                        what=f"download {folder}/{small_name(name)}")
            return _SmallPart(data, record.sha256, record.size)

        def head() -> ObjectInfo:
            try:
                return self.cdn.head(folder, big_key(name))
            except NotFoundError:
                raise NotFoundError(f"{folder}/{name} has no big part on the CDN; it must be uploaded again") from None

        def matched(small: bytes, info: ObjectInfo) -> tuple[bytes, ObjectInfo]:
            return _matching_pair(self, name, folder, small, info, load_small=load_small, head=head,
                                  observer=observer, cancel=cancel)

        def head_retried() -> ObjectInfo:
            return with_retries(head, policy=policy, cancel=cancel, on_retry=observer.on_retry,
                                what=f"reach the CDN for {folder}/{name}")

        def refetch() -> tuple[bytes, ObjectInfo]:  # the object changed on the CDN during the download
            return matched(load_small(), head_retried())

        small = load_small()
        cancel.raise_if_cancelled()
        cdn_error: AzaionError | None = None
        info: ObjectInfo | None = None
        try:
            info = head()
        except AzaionError as exc:
            if not is_transient(exc):
                raise
            cdn_error = exc  # a valid cached copy will do; otherwise the CDN is retried below
        if info is not None:
            small, info = matched(small, info)
        if not self.keep_cache:  # read once: Settings may change it meanwhile, and _fetch_big is told, not asking
            return self._download_uncached(name, folder, small, info, sink, matched=matched,
                                           head_retried=head_retried, refetch=refetch, observer=observer, cancel=cancel,
                                           discard_output=discard_output)
        cache = self.cache
        # One process at a time reads, fetches or commits this cache entry (and its .big.part): the second download
        # waits, then finds the first's result in the cache.
        entry = cache.entry_lock(folder, name, cancel=cancel, on_wait=lambda: observer.on_event(
            f"another download of {folder}/{name} is running on this machine; waiting for it to finish"))
        try:
            cached = cache.lookup(folder, name)
            event: str | None = None
            if cached is not None and info is not None and info.sha256 and info.sha256.lower() != cached.sha256:
                event = "stale"
            elif cached is not None and _api_sha256(small) not in (None, cached.sha256):
                event = "stale"  # the API recorded another big part with this small part than the cached one
            elif cached is not None and not _small_matches(small, cached.small_sha256):
                event = "stale"  # CDN unreachable: the small part on the API is not the one this cached big part has
            elif cached is not None:
                total = len(small) + cached.size
                result = _decrypt_cached(self, small, cached, sink, total, observer, cancel)
                if result is None:
                    log.info("checking on existence for %s/%s: served from cache", folder, big_key(name))
                    return DownloadReport(name, folder, total, "cache")
                event = result
                discard_output()
            if info is None:
                if event:
                    raise IntegrityError(
                        f"the cached copy of {folder}/{name} is {event} and the CDN cannot be reached: {cdn_error}"
                    )
                try:
                    info = head_retried()
                except UnreachableError as exc:
                    raise UnreachableError(f"{exc}; {folder}/{name} is not in the local cache") from None
                small, info = matched(small, info)
            message = None
            if event:
                message = f"cached copy of {folder}/{name} was {event}; replaced from the CDN"
                log.warning(message)
                observer.on_event(message)
                cache.discard(folder, name)
            observer.on_stage("downloading")
            digest, small, info = _fetch_big(self, name, folder, small, info, sink, refetch=refetch,
                                             observer=observer, cancel=cancel, discard_output=discard_output)
            log.info("downloaded %s from the %s", big_key(name), folder)
            return DownloadReport(name, folder, len(small) + info.size, "cdn", event, message, big_sha256=digest)
        finally:
            entry.release()

    def _download_uncached(
        self,
        name: str,
        folder: str,
        small: bytes,
        info: ObjectInfo | None,
        sink: Callable[[memoryview], object],
        *,
        matched: Callable[[bytes, ObjectInfo], tuple[bytes, ObjectInfo]],
        head_retried: Callable[[], ObjectInfo],
        refetch: Callable[[], tuple[bytes, ObjectInfo]],
        observer: TransferObserver,
        cancel: CancelToken,
        discard_output: Callable[[], None],
    ) -> DownloadReport:
        """The CDN's copy straight into ``sink``, with the cache switched off: no entry lock, no lookup, no part
        file, no commit (a cached copy from before is neither used nor touched)."""
        if info is None:
            try:
                info = head_retried()
            except UnreachableError as exc:
                raise UnreachableError(f"{exc} (the download cache is off)") from None
            small, info = matched(small, info)
        observer.on_stage("downloading")
        try:
            digest, small, info = _fetch_big(self, name, folder, small, info, sink, refetch=refetch,
                                             observer=observer, cancel=cancel, discard_output=discard_output,
                                             stored=False)
        except PausedError as exc:  # nothing was kept to resume from: say so instead of "run it again to resume"
            said = str(exc).removesuffix(RESUME_HINT)
            raise PausedError(f"{said}; the download cache is off, so running it again starts over") from None
        log.info("downloaded %s from the %s (not cached)", big_key(name), folder)
        return DownloadReport(name, folder, len(small) + info.size, "cdn", big_sha256=digest)

    def download_bytes(
        self, name: str, folder: str, *, cancel: CancelToken = NEVER
    ) -> tuple[bytes, DownloadReport]:
        """Small resources only (the seed's bytes-returning signature)."""
        out = bytearray()
        report = self.download(name, folder, out.extend, cancel=cancel, discard_output=out.clear)
        return bytes(out), report


class _Splitter:
    """Routes the encrypted stream: the first ``split`` bytes to memory (small part), the rest to ``big``."""

    def __init__(self, split: int, big: Callable[[memoryview], object]) -> None:
        self.split = split
        self.small = bytearray()
        self.big = big
        self.big_size = 0

    def __call__(self, view: memoryview) -> None:
        need = self.split - len(self.small)
        if need > 0:
            self.small += view[:need]
            view = view[need:]
        if view:
            self.big(view)
            self.big_size += len(view)


def _open_source(source: bytes | Path | str) -> tuple[BinaryIO, int, Path | None]:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source)), len(source), None
    path = Path(source)
    try:
        reader = open(path, "rb", buffering=0)  # the caller closes it
        size = os.fstat(reader.fileno()).st_size
    except IsADirectoryError:
        raise LocalIOError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise describe_os_error(exc, path) from None
    return reader, size, path.resolve()


def _stage(
    svc: Transfers,
    reader: BinaryIO,
    size: int,
    journal: UploadJournal,
    staged_fd: int,
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
    iv: bytes | None = None,
    parts: multipart.StreamingUpload | None = None,
) -> bytes:
    """Encrypt the source once into the staged big part (``staged_fd``, opened by ``_open_staged``) and small part
    that every resume reuses; returns the small part. The big part is hashed and written in a second thread while
    the next chunk is encrypted; with ``parts``, that thread also hands each part to the senders as soon as its
    bytes are in the staged file, with its CRC32 (the journal's record of what the part holds)."""
    split = split_point(ciphertext_size(size))
    hasher = hashlib.sha256()
    part_size = parts.part_size if parts is not None else 0
    mark = {"pos": 0, "crc": 0, "n": 1}

    def mark_parts(view: memoryview) -> None:
        assert parts is not None
        while view:
            take = min(len(view), part_size - mark["pos"] % part_size)
            mark["crc"] = zlib.crc32(view[:take], mark["crc"])
            mark["pos"] += take
            view = view[take:]
            if mark["pos"] % part_size == 0:
                parts.staged(mark["n"], crc32_base64(b"", mark["crc"]))
                mark["n"], mark["crc"] = mark["n"] + 1, 0

    with reader, os.fdopen(os.dup(staged_fd), "wb", buffering=0) as big_file:
        big_file.seek(0)  # the descriptor's offset is shared: an earlier try that stopped half-way moved it
        big_file.truncate()

        def hash_and_write(view: memoryview) -> None:
            hasher.update(view)
            big_file.write(view)
            if parts is not None:
                mark_parts(view)

        try:
            with OffloadedSink(hash_and_write, name="azaion-stage", background=parts is None) as big:
                splitter = _Splitter(split, big)
                enc = StreamEncryptor(svc.resource_key, splitter, iv=iv)
                pump(reader, enc.update, total=size, progress=progress, cancel=cancel)
                enc.finalize()
        except OSError as exc:
            raise describe_os_error(exc, journal.staged_big) from None
    if len(splitter.small) != split or splitter.big_size != ciphertext_size(size) - split:
        raise LocalIOError(f"the source file changed size while it was being read ({journal.source})")
    if parts is not None and mark["pos"] % part_size:
        parts.staged(mark["n"], crc32_base64(b"", mark["crc"]))
    small = bytes(splitter.small)
    write_bytes_atomic(journal.staged_small, small, private=True)
    journal.staged_size = splitter.big_size
    journal.staged_sha256 = hasher.hexdigest()
    return small


def _small_part(svc: Transfers, reader: BinaryIO, size: int, iv: bytes) -> bytes:
    """The small part an encryption with ``iv`` will give, from the source's first bytes alone (CBC: the first
    blocks of ciphertext depend on the first blocks of plaintext only), so the multipart upload can be created
    with its ``small-sha256`` before the rest is encrypted. The reader is rewound."""
    split = split_point(ciphertext_size(size))
    if split % BLOCK:
        raise ValueError("the small part of a streamed upload is whole blocks")
    want, data = split - BLOCK, bytearray()
    reader.seek(0)
    while len(data) < want and (chunk := reader.read(want - len(data))):
        data += chunk
    reader.seek(0)
    out = bytearray()
    StreamEncryptor(svc.resource_key, out.extend, iv=iv).update(data)
    if len(out) < split:
        raise LocalIOError("the source file changed size while it was being read")
    return bytes(out[:split])


def _send_while_staging(
    svc: Transfers,
    cdn: CDNManager,
    reader: BinaryIO,
    size: int,
    path: Path | None,
    journal: UploadJournal,
    held: int,
    small: bytes,
    *,
    observer: TransferObserver,
    cancel: CancelToken,
) -> int:
    """Stage the big part and send its parts as they are staged (the multipart upload is created, or resumed,
    first). A send that fails stops the sending but not the staging: the staged copy is complete when this
    raises a transfer error, so the retry sends the missing parts from it (``multipart.upload_staged``)."""
    store = svc.journals
    big_total = ciphertext_size(size) - len(small)
    iv = small[:BLOCK]
    journal.staged_size, journal.staged_sha256 = big_total, ""
    parts = multipart.StreamingUpload(cdn, journal, store, big_total, small_sha256=hashlib.sha256(small).hexdigest(),
                                      progress=observer.progress, cancel=cancel)
    observer.on_stage("uploading")
    try:
        if path is not None:
            reader = open(path, "rb", buffering=0)  # _stage closes it
        # Progress (the bytes on the wire) is reported from this thread, after each chunk it encrypts and then
        # while it waits for the last parts: a caller's callback runs where the transfer runs, as for downloads.
        _stage(svc, reader, size, journal, held, progress=lambda _d, _t: parts.report(), cancel=cancel, iv=iv,
               parts=parts)
    except BaseException:
        parts.close()
        raise
    if locks.read_nofollow(journal.staged_small, SMALL_MAX) != small:
        parts.close()
        raise LocalIOError(f"the source file changed while it was being read ({journal.source})")
    with parts.sender.journal_lock:
        store.save(journal)  # staged: a resume from here sends the missing parts from the staged copy
    return parts.finish()


def _open_staged(journal: UploadJournal, *, fresh: bool) -> int:
    """The staged big part, opened without following links (its folder is checked to be ours): a new file for a
    fresh staging (whatever had the name is removed first, never written through), else the existing one for a
    resume. Locked shared (core/fileio.py), which tells the orphan cleanup (core/transfers.py) it is in use."""
    locks.check_private_dir(Path(journal.staged_big).parent)  # a resume may use another cache folder's
    if fresh:
        for p in (journal.staged_big, journal.staged_small):
            with suppress(FileNotFoundError):
                os.unlink(p)
        fd = locks.open_nofollow(journal.staged_big, os.O_RDWR | os.O_CREAT | os.O_EXCL)
    else:
        fd = locks.open_nofollow(journal.staged_big, os.O_RDONLY)
    lock_shared(fd)
    return fd


def _upload_locked(
    svc: Transfers,
    cdn: CDNManager,
    reader: BinaryIO,
    size: int,
    path: Path | None,
    name: str,
    folder: str,
    *,
    observer: TransferObserver,
    cancel: CancelToken,
) -> UploadReport:
    """``upload`` once it holds the name's lock."""
    store = svc.journals
    staging = svc.cache.staging_dir()
    keep_cache = svc.keep_cache  # read once: Settings may change it during the upload
    if keep_cache:
        svc.cache.folder_dir(folder)  # the uploaded big part becomes its cache entry: refuse a folder not ours now
    jid = JournalStore.upload_id(svc.server, folder, name, path) if path else uuid.uuid4().hex[:24]
    aside = len(store.set_aside)
    journal = store.load(jid)
    for invalid in store.set_aside[aside:]:
        observer.on_event(f"the journal of an earlier upload was not valid and was set aside as {invalid}; "
                          "starting over")
    big_total = ciphertext_size(size) - split_point(ciphertext_size(size))
    piped = big_total >= cdn.transfer_config.multipart_threshold  # parts go out while the file is encrypted
    resumed = False  # staged completely before: the missing parts are sent from the staged copy
    restage = False  # parts were sent while staging and the staging did not finish: encrypt again, same IV
    if journal is not None:
        same = path is not None and journal.matches_source(path)
        if same and journal.staged_complete():
            resumed = True
            reader.close()
        elif same and piped and journal.iv and journal.upload_id:
            restage = True
            journal.staged_sha256 = ""  # its staged copy is gone or partial: staged again below
        if resumed or restage:
            observer.on_event(f"resuming the interrupted upload of {folder}/{name}")
            log.info("Resuming upload of %s/%s (%d parts on the server)", folder, name, len(journal.parts))
        else:
            observer.on_event(f"{path} changed since the interrupted upload of {folder}/{name}; starting over")
            log.warning("Source of %s/%s changed since the interrupted upload; starting over", folder, name)
            multipart.abort(cdn, journal)
            store.delete(journal)
            journal = None
    if journal is None:
        journal = UploadJournal(
            id=jid, api_url=svc.server, folder=folder, name=name, source=str(path or ""),
            source_size=size, source_mtime_ns=path.stat().st_mtime_ns if path else 0,
            source_fingerprint=source_fingerprint(path, size) if path else "",
            staged_big=str(staging / big_key(jid)), staged_small=str(staging / small_name(jid)),
        )
    keep_for_resume = False
    held = None
    try:
        held = _open_staged(journal, fresh=not resumed)
        if resumed:
            observer.on_stage("uploading")
            small = locks.read_nofollow(journal.staged_small, SMALL_MAX)
        elif piped:
            observer.on_stage("encrypting")
            iv = bytes.fromhex(journal.iv) if restage else os.urandom(BLOCK)
            journal.iv = iv.hex()
            small = _small_part(svc, reader, size, iv)
            write_bytes_atomic(journal.staged_small, small, private=True)
        else:
            observer.on_stage("encrypting")
            small = _stage(svc, reader, size, journal, held, progress=observer.progress, cancel=cancel)
            if path is not None:
                store.save(journal)
            observer.on_stage("uploading")
        tries = [0]

        def send() -> int:
            nonlocal small, restage
            tries[0] += 1
            if not journal.staged_sha256:  # not staged yet (a retry after the upload could not even start)
                try:
                    return _send_while_staging(svc, cdn, reader, size, path, journal, held, small,
                                               observer=observer, cancel=cancel)
                except multipart.SourceChangedError as exc:
                    restage = False
                    observer.on_event(f"{path} changed since the interrupted upload of {folder}/{name}; starting over")
                    log.warning("%s; starting over", exc)
                    multipart.abort(cdn, journal)
                    journal.upload_id, journal.parts, journal.checksums = None, {}, {}
                    journal.iv = os.urandom(BLOCK).hex()
                    small = _small_part(svc, reader, size, bytes.fromhex(journal.iv))
                    write_bytes_atomic(journal.staged_small, small, private=True)
                    return _send_while_staging(svc, cdn, reader, size, path, journal, held, small,
                                               observer=observer, cancel=cancel)
            if tries[0] > 1 and journal.upload_id:
                observer.on_event(f"resuming the upload of {folder}/{name}: {len(journal.parts)} parts already on "
                                  "the CDN")
            # The small part's SHA-256 travels in the big part's metadata: a download that meets this big part
            # with another small part (this upload still finalizing, or failed after the CDN) refuses the pair.
            return multipart.upload_staged(cdn, journal, store, progress=observer.progress, cancel=cancel,
                                           small_sha256=hashlib.sha256(small).hexdigest())

        sent = with_retries(send, policy=svc.retry_policy, cancel=cancel, on_retry=observer.on_retry,
                            what=f"upload {folder}/{name}")
        small_digest = hashlib.sha256(small).hexdigest()
        observer.on_stage("finalizing")
        record = BigRecord(journal.staged_sha256, big_total)

        def send_small() -> None:
            # The CDN holds the new big part now: finish the commit rather than honour a late cancel (NEVER is
            # made the current token, so the transfer's token does not end this request: core/http_limits.py).
            # The big part's SHA-256 and size go with it: the API's record, which a download checks the CDN's
            # bytes against (docs/protocol.md, "Tamper evidence").
            try:
                with NEVER.active():
                    with_retries(lambda: svc.api.upload_file(small_name(name), small, folder, big=record),
                                 policy=svc.retry_policy, on_retry=observer.on_retry,
                                 what=f"upload {folder}/{small_name(name)}")
            except AzaionError as exc:
                raise type(exc)(
                    f"{exc} (the big part of {folder}/{name} was uploaded but the small part was not; "
                    "upload the resource again)"
                ) from exc

        def send_again() -> None:
            journal.upload_id, journal.parts, journal.checksums = None, {}, {}
            with NEVER.active():
                with_retries(send, policy=svc.retry_policy, on_retry=observer.on_retry, what=f"upload {folder}/{name}")
            send_small()

        try:
            send_small()
            outcome = _converge(svc, name, folder, small_digest, journal.staged_sha256, send_again,
                                observer=observer)
        except AzaionError:
            keep_for_resume = path is not None
            raise
        if outcome != "superseded" and keep_cache:  # else the journal's deletion below removes the staged part
            _cache_uploaded(svc, folder, name, journal, small_digest)
        log.info("Uploaded %s to %s: %d bytes (small %d, big %d): %s", name, folder, size, len(small), big_total,
                 outcome)
        return UploadReport(name, folder, size, len(small), big_total, journal.staged_sha256, resumed or restage,
                            sent, outcome)
    except CancelledError as exc:
        keep_for_resume = isinstance(exc, PausedError) and path is not None
        raise
    except AzaionError as exc:
        # A transient failure that outlived the retries stays resumable; anything else starts clean next time.
        resumable = journal.staged_sha256 != "" or bool(journal.iv and journal.upload_id)
        keep_for_resume = keep_for_resume or (path is not None and is_transient(exc) and resumable)
        raise
    finally:
        reader.close()
        release(held)
        if not keep_for_resume:
            if sys.exc_info()[0] is not None:
                multipart.abort(cdn, journal)
            store.delete(journal)


MAX_REPAIRS = 3
"""How many times one upload sends its parts again after a concurrent upload of the name broke the pair."""


def _converge(
    svc: Transfers,
    name: str,
    folder: str,
    small_digest: str,
    big_digest: str,
    send_again: Callable[[], None],
    *,
    observer: TransferObserver,
) -> str:
    """Read the pair back after the small part was accepted (docs/protocol.md, "Concurrent uploads"). The
    per-name lock covers one machine only: an upload elsewhere may have written its big part between this
    one's big and small parts, leaving a pair no download can use. Ours: done. Another upload's consistent pair
    (it finished after us): superseded, said so. Anything else: send this upload's big part again from the
    staged copy, then its small part (the last writer wins, consistently), and check again. Returns the
    outcome ("uploaded", "repaired", "superseded" or "unverified")."""
    repaired = False
    for attempt in range(MAX_REPAIRS + 1):
        try:
            with NEVER.active():
                try:
                    info = with_retries(lambda: svc.cdn.head(folder, big_key(name)), policy=svc.retry_policy,
                                        on_retry=observer.on_retry, what=f"check {folder}/{name} on the CDN")
                except NotFoundError:
                    info = None  # removed meanwhile: sent again below
                data, record = with_retries(lambda: svc.api.load_part(small_name(name), folder),
                                            policy=svc.retry_policy, on_retry=observer.on_retry,
                                            what=f"check {folder}/{small_name(name)}")
        except AzaionError as exc:
            message = f"uploaded {folder}/{name} but could not read the pair back to check it: {exc}"
            log.warning(message)
            observer.on_event(message)
            return "unverified"
        on_server = hashlib.sha256(data).hexdigest() if info is not None else ""
        big_sha = (info.sha256 or "").lower() if info is not None else ""
        if (info is not None and on_server == small_digest and _small_matches(data, info.small_sha256)
                and big_sha in ("", big_digest) and record.sha256 in (None, big_digest)):
            if repaired:
                observer.on_event(f"{folder}/{name}: this upload's parts are the ones on the server now (the last "
                                  "upload wins)")
            return "repaired" if repaired else "uploaded"
        if (info is not None and on_server != small_digest and info.small_sha256
                and _small_matches(data, info.small_sha256) and record.sha256 in (None, big_sha or record.sha256)):
            message = (f"another upload of {folder}/{name} finished after this one: its file is the one on the "
                       "server now (this upload was superseded)")
            log.warning(message)
            observer.on_event(message)
            return "superseded"
        if attempt == MAX_REPAIRS:
            break
        message = (f"another upload of {folder}/{name} ran at the same time and the parts on the server do not "
                   "belong together; sending this upload's parts again (the last upload wins)")
        log.warning(message)
        observer.on_event(message)
        send_again()
        repaired = True
    raise IntegrityError(
        f"the parts of {folder}/{name} on the server still do not belong together after {MAX_REPAIRS} tries: "
        "other uploads of it keep running at the same time; upload it again when they are done"
    )


def _cache_uploaded(svc: Transfers, folder: str, name: str, journal: UploadJournal, small_digest: str) -> None:
    """Keep the uploaded big part as the cache entry, unless another process is reading or fetching that entry
    right now (then the next download fetches it: the cache is an optimisation, never worth a wait here)."""
    try:
        entry = svc.cache.entry_lock(folder, name, wait=False)
    except locks.InUseError:
        log.info("did not cache the uploaded %s/%s: another process is using its cache entry", folder, name)
        return
    with entry:
        svc.cache.commit(folder, name, Path(journal.staged_big), journal.staged_sha256, small_digest)


class _SmallPart(bytes):
    """A small part with the API's record of the big part it was uploaded with (``api_sha256``/``api_size``;
    None from a server or an upload without one: docs/protocol.md, "Tamper evidence")."""

    api_sha256: str | None
    api_size: int | None

    def __new__(cls, data: bytes, api_sha256: str | None, api_size: int | None) -> _SmallPart:
        obj = super().__new__(cls, data)
        obj.api_sha256, obj.api_size = api_sha256, api_size
        return obj


def _api_sha256(small: bytes) -> str | None:
    return getattr(small, "api_sha256", None)


def _check_api_record(folder: str, name: str, small: bytes, info: ObjectInfo) -> None:
    """The CDN object against the API's record of the big part (before a byte is read): only an uploader writes
    the API, so an object whose recorded size or SHA-256 differs was written by someone else, however
    consistent its own metadata is. The streamed bytes are checked against the record again at the end."""
    api_sha, api_size = _api_sha256(small), getattr(small, "api_size", None)
    if (api_size is not None and api_size != info.size) or (api_sha and info.sha256 and api_sha != info.sha256.lower()):
        raise IntegrityError(_tampered(folder, name))


def _tampered(folder: str, name: str) -> str:
    return (f"the big part of {folder}/{name} on the CDN does not match the SHA-256 and size its uploader "
            "recorded with the API: "
            "replaced outside the API (tampered) or corrupt; nothing was written; upload it again")


def _small_matches(small: bytes, expected: str | None) -> bool:
    """Whether ``small`` is the small part recorded beside a big part (always, for records from before)."""
    return not expected or hashlib.sha256(small).hexdigest() == expected.lower()


class _PartsNotMatching(ServerError):
    """A small part that does not belong to the big part (yet): worth another try, as a 5xx is, while the upload
    that sent the big part may still be finishing."""


def _matching_pair(
    svc: Transfers,
    name: str,
    folder: str,
    small: bytes,
    info: ObjectInfo,
    *,
    load_small: Callable[[], bytes],
    head: Callable[[], ObjectInfo],
    observer: TransferObserver,
    cancel: CancelToken,
) -> tuple[bytes, ObjectInfo]:
    """The small part and the big part's object, checked to belong together (the big part's ``small-sha256``).

    Upload sends the big part first and the small part last, so meanwhile (or for ever, if that upload failed
    after the CDN) the API serves the previous small part: decrypted with the new big part it would give the
    old file's first bytes followed by the new rest, with valid padding. A mismatch is asked again with the
    transfers' retry policy (the upload may be finishing), then refused."""
    pair: tuple[bytes, ObjectInfo] | None = (small, info)

    def check() -> tuple[bytes, ObjectInfo]:
        nonlocal pair
        if pair is None:  # a retry: ask both again
            pair = (load_small(), with_retries(head, policy=svc.retry_policy, cancel=cancel,
                                               on_retry=observer.on_retry, what=f"reach the CDN for {folder}/{name}"))
        got_small, got_info = pair
        if not _small_matches(got_small, got_info.small_sha256):
            pair = None
            raise _PartsNotMatching(f"the small part of {folder}/{name} does not belong to its big part yet")
        _check_api_record(folder, name, got_small, got_info)
        return got_small, got_info

    try:
        return with_retries(check, policy=svc.retry_policy, cancel=cancel, on_retry=observer.on_retry,
                            what=f"match the parts of {folder}/{name}")
    except _PartsNotMatching:
        raise IntegrityError(
            f"the two parts of {folder}/{name} do not match: an upload of it is under way or did not finish; "
            "try again later or upload it again"
        ) from None


MAX_RESTARTS = 3
"""How many times one download starts over because the object changed on the CDN before giving up."""


def _fetch_big(
    svc: Transfers,
    name: str,
    folder: str,
    small: bytes,
    info: ObjectInfo,
    sink: Callable[[memoryview], object],
    *,
    refetch: Callable[[], tuple[bytes, ObjectInfo]],
    observer: TransferObserver,
    cancel: CancelToken,
    discard_output: Callable[[], None],
    stored: bool = True,
) -> tuple[str, bytes, ObjectInfo]:
    """Stream the big part into ``{name}.big.part`` and the decryptor in lockstep, so each retry continues from
    the bytes on disk; a part left by an earlier process is replayed from disk first. ``stored`` False (the cache
    off, decided once by the caller, which then holds no entry lock): no part file, and a retry continues from
    the bytes this run received. If the object changes on
    the CDN (a 412 on the pinned ETag), the download starts over with the new object (its ETag, size, SHA-256
    and small part, ``refetch``: checked to belong together). Returns (SHA-256, small part, object) of what was
    actually decrypted.

    Three threads share the work: this one reads the socket and appends to the part; the SHA-256 runs in a
    background-priority thread (``_hashing``); decryption and the output's writes run in a second thread at
    normal priority. Measured per stage here (256 MiB, 2 cores shared with other work): with the decryption on
    the network thread, that thread spent ~1 s waiting to hand chunks to the hash and the download took 2.5-3 s;
    with it beside, the decrypt thread is busy ~0.2 s and never makes the network thread wait (1.7-2.7 s). At
    background priority the decrypt thread starved on the busy machine (3-4 s of waits), so it is not lowered;
    the GUI bench's stalls were no worse than with it on the network thread."""
    cache = svc.cache
    part, _meta = cache.partial_paths(folder, name)
    if stored:
        previous = cache.load_partial(folder, name)
        if previous is not None and (previous.get("etag") != info.etag or _size(part) > info.size):
            observer.on_event(f"{folder}/{name} changed on the CDN since the interrupted download; starting over")
            cache.discard_partial(folder, name)
        elif previous is None:
            cache.discard_partial(folder, name)  # bytes without a record of their object cannot be resumed
        elif _size(part) > 0:
            observer.on_event(f"resuming the interrupted download of {folder}/{name} at {_size(part)} bytes")
    keep = False
    try:
        for _restart in range(MAX_RESTARTS + 1):
            if stored:
                cache.save_partial(folder, name, {"etag": info.etag, "size": info.size, "sha256": info.sha256})
            total = len(small) + info.size
            hasher = hashlib.sha256()
            dec = StreamDecryptor(svc.resource_key, sink)
            dec.update(small)
            tries = [0]
            received = [0]  # without a part file: the bytes of the big part this run received
            try:
                with ExitStack() as stack:
                    fh = (stack.enter_context(os.fdopen(cache.open_partial(folder, name), "ab", buffering=0))
                          if stored else None)
                    hash_update = stack.enter_context(_hashing(hasher.update))
                    decrypt = stack.enter_context(OffloadedSink(dec.update, name="azaion-decrypt"))

                    def feed(view: memoryview, hash_update=hash_update, decrypt=decrypt) -> None:
                        hash_update(view)
                        decrypt(view)

                    def both(view: memoryview, fh=fh, feed=feed, received=received) -> None:
                        if fh is not None:
                            fh.write(view)
                        else:
                            received[0] += len(view)
                        feed(view)

                    base = len(small)
                    if fh is not None and fh.tell():  # bytes left by an earlier process: replay them from disk
                        with os.fdopen(locks.open_nofollow(part, os.O_RDONLY), "rb", buffering=0) as old:
                            def replayed(done: int, of: int | None, base: int = base) -> None:
                                observer.progress(base + done, of)

                            pump(old, feed, total=total, progress=replayed, cancel=cancel)

                    def attempt(fh=fh, info=info, total=total, base=base, tries=tries, received=received) -> None:
                        offset = fh.tell() if fh is not None else received[0]
                        tries[0] += 1
                        if tries[0] > 1 and offset:
                            observer.on_event(f"resuming the download of {folder}/{name} at {offset} bytes")
                        if offset < info.size:
                            svc.cdn.stream(folder, big_key(name), both, etag=info.etag, start=offset,
                                           cancel=cancel, progress=lambda d, _t: observer.progress(base + d, total))

                    with_retries(attempt, policy=svc.retry_policy, cancel=cancel, on_retry=observer.on_retry,
                                 what=f"download {folder}/{name}")
            except ObjectChangedError:
                # Leaving the block above dropped the hashes still queued; the old bytes are worthless now.
                observer.on_event(f"{folder}/{name} changed on the CDN during the download; starting over")
                log.warning("%s/%s changed on the CDN during the download; starting over", folder, name)
                if stored:
                    cache.discard_partial(folder, name)
                discard_output()
                small, info = refetch()
                continue
            except OSError as exc:
                raise describe_os_error(exc, part) from None
            break
        else:
            raise IntegrityError(f"{folder}/{name} keeps changing on the CDN; try again later")
        digest = hasher.hexdigest()
        api_sha = _api_sha256(small)
        if api_sha and digest != api_sha:  # before the padding check, the cache commit and the output's rename
            raise IntegrityError(_tampered(folder, name))
        if info.sha256 and digest != info.sha256.lower():
            raise IntegrityError(
                f"CDN object {folder}/{big_key(name)} does not match its recorded SHA-256: corrupt or tampered"
            )
        dec.finalize()
        if stored:
            cache.commit(folder, name, part, digest, info.small_sha256)
            cache.discard_partial(folder, name)
        return digest, small, info
    except CancelledError as exc:
        keep = isinstance(exc, PausedError)
        raise
    except AzaionError as exc:
        keep = is_transient(exc)
        raise
    finally:
        if stored and not keep:
            cache.discard_partial(folder, name)


@contextmanager
def _hashing(update: Callable[[memoryview], object]) -> Iterator[Callable[[memoryview], object]]:
    """``update`` (a hasher's) in a low-priority thread beside the read/decrypt/write thread. SHA-256 is the largest
    CPU cost of a download (~0.65 s per GiB here, more than the AES); in its own thread it overlaps the rest
    (1 GiB from the sandbox: 1.55 s instead of 1.99 s, median of 5), and at background priority it does not delay
    the GUI thread (core/threadprio.py). Leaving the block waits until every byte is hashed (or, on an error,
    drops what is still queued)."""
    with OffloadedSink(update, name="azaion-hash", background=True) as sink:
        yield sink


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


class _SinkFailed(Exception):  # a carrier, never shown
    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class _SinkGuard:
    """Tells the output's OSErrors apart from the cache file's while both are in flight."""

    def __init__(self, sink: Callable[[memoryview], object]) -> None:
        self.sink = sink

    def __call__(self, view: memoryview) -> None:
        try:
            self.sink(view)
        except OSError as exc:
            raise _SinkFailed(exc) from exc


def _decrypt_cached(
    svc: Transfers,
    small: bytes,
    cached,  # CachedPart
    sink: Callable[[memoryview], object],
    total: int,
    observer: TransferObserver,
    cancel: CancelToken,
) -> str | None:
    """Check the cached big part against its recorded SHA-256 FIRST, then decrypt small + cached big into
    ``sink``: a tampered or rotten cache entry never reaches the output. Both read the SAME open file (one
    ``open``, hashed, rewound, decrypted), so a concurrent commit or removal of the cache entry cannot slip
    unverified bytes in between. None on success, else the problem ("corrupt") — the caller then falls back to
    the CDN. Progress: cached bytes hashed while "verifying", then small + big bytes while "decrypting"."""
    observer.on_stage("verifying")
    size = cached.size
    try:
        with os.fdopen(locks.open_nofollow(cached.path, os.O_RDONLY), "rb", buffering=0) as fh:
            hasher = hashlib.sha256()
            pump(fh, hasher.update, total=size, progress=observer.progress, cancel=cancel)
            if hasher.hexdigest() != cached.sha256:
                return "corrupt"
            observer.on_stage("decrypting")
            fh.seek(0)
            dec = StreamDecryptor(svc.resource_key, _SinkGuard(sink))
            dec.update(small)
            pump(fh, dec.update, total=total, progress=lambda d, t: observer.progress(len(small) + d, t), cancel=cancel)
    except _SinkFailed as exc:
        raise exc.error from None  # the output's (e.g. disk full), reported as such by the caller
    except (OSError, LocalIOError):
        return "corrupt"  # the cache entry vanished, could not be read or is a link: the CDN copy replaces it
    try:
        dec.finalize()
    except IntegrityError:
        return "corrupt"  # hash fine but the padding is not: the small part and the cached big do not belong
    return None
