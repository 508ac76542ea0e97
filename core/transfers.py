"""Unfinished uploads the user can see and abort (like S3 Browser's "uncompleted multipart uploads"), and the
cleanup of stale ones: their multipart upload is aborted on the CDN and their staged files removed."""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from core import locks, multipart
from core.api_client import ApiClient
from core.cache import PART_SUFFIX
from core.errors import AzaionError
from core.fileio import TEMP_PREFIX, is_leftover, remove_leftovers, temp_glob
from core.journal import UploadJournal
from core.protocol import big_key, small_name

log = logging.getLogger("azaion.transfers")
DAY = 86400.0


@dataclass(frozen=True)
class IncompleteUpload:
    id: str
    folder: str
    name: str
    source: str
    size: int
    parts_done: int
    parts_total: int
    updated: float


def journals(client: ApiClient) -> list[UploadJournal]:
    """This server's valid journals (core/journal.py sets invalid ones aside)."""
    return client.journals.all(api_url=client.api_url)


def incomplete_uploads(client: ApiClient) -> list[IncompleteUpload]:
    found = []
    for j in journals(client):
        total = max(1, -(-j.staged_size // j.part_size)) if j.staged_size else 0
        found.append(IncompleteUpload(j.id, j.folder, j.name, j.source, j.source_size, len(j.parts), total,
                                      j.updated))
    return found


def _find(client: ApiClient, upload_id: str) -> UploadJournal:
    matches = [j for j in journals(client) if j.id.startswith(upload_id)]
    if len(matches) != 1:
        raise AzaionError(f"no single incomplete upload matches {upload_id!r} ({len(matches)} found)")
    return matches[0]


def abort_upload(client: ApiClient, upload_id: str) -> UploadJournal:
    """Abort on the CDN (best effort when offline) and forget locally. An upload another process (or the GUI)
    is driving right now is not touched: InUseError (core/locks.py) says so."""
    journal = _find(client, upload_id)
    with client.journals.name_lock(journal.api_url, journal.folder, journal.name, wait=False):
        journal = _find(client, journal.id)  # as it is now that nobody drives it (it may have finished)
        try:
            multipart.abort(client.cdn, journal)
        except AzaionError as exc:
            log.warning("could not abort the multipart upload of %s/%s on the CDN: %s", journal.folder,
                        journal.name, exc)
        client.journals.delete(journal)
    log.info("aborted the incomplete upload of %s/%s", journal.folder, journal.name)
    return journal


def clean_stale_uploads(client: ApiClient, max_age_days: float) -> list[UploadJournal]:
    """Abort uploads of this server untouched for ``max_age_days``, then remove orphans (``clean_orphans``);
    returns the uploads that were cleaned."""
    cleaned = []
    for journal in client.journals.stale(max_age_days * DAY, api_url=client.api_url):
        try:
            abort_upload(client, journal.id)
        except locks.InUseError:
            log.info("left the upload of %s/%s alone: another process is driving it", journal.folder, journal.name)
            continue
        except AzaionError as exc:  # gone meanwhile, or its files could not be removed: never stop the caller
            log.warning("could not clean the stale upload of %s/%s: %s", journal.folder, journal.name, exc)
            continue
        cleaned.append(journal)
    clean_orphans(client, max_age_days)
    return cleaned


def _ours(folder: Path) -> bool:
    """Whether a cleanup may look into ``folder``: it exists and passes core/locks.py check_private_dir (else a
    warning; the transfer that needs the folder refuses it with a clear error)."""
    if not folder.exists() and not folder.is_symlink():
        return False
    try:
        locks.check_private_dir(folder)
    except AzaionError as exc:
        log.warning("not cleaning up in %s: %s", folder, exc)
        return False
    return True


def clean_orphans(client: ApiClient, max_age_days: float, now: float | None = None) -> list[Path]:
    """Remove what interrupted transfers of this server left in its cache folder and no journal will ever claim:

    - staged upload files (``.staging/{id}.big``/``.small``) with no journal for ``id`` (the process died while
      encrypting, before the journal was written), once no live process holds them (core/fileio.py is_leftover:
      the uploader locks its staged big part for the whole upload);
    - interrupted downloads (``{name}.big.part`` and its ``.json``) untouched for ``max_age_days``;
    - our temp files (``.azaion-*XXXXXXXX.tmp``, owned by us, 0600) left by a killed write, in the cache and
      in the journal folder, on the same is_leftover rule;
    - lock files (``*.lock``, core/locks.py) nobody holds, left by a killed process.
    An interrupted download whose entry lock another process holds is in use, so it is left alone.
    Nothing here raises for a file it cannot remove (it is logged): a cleanup must not stop the transfer it
    precedes.
    Returns the removed paths."""
    cache = client.cache
    now = time.time() if now is None else now
    removed: list[Path] = []
    if not _ours(cache.root):
        return removed
    staging = cache.root / ".staging"
    try:
        staged = sorted(staging.iterdir()) if _ours(staging) else []
    except OSError as exc:
        log.warning("could not look for staged uploads in %s: %s", staging, exc)
        staged = []
    for path in staged:
        jid = path.name.partition(".")[0]
        if path.name not in (big_key(jid), small_name(jid)) or client.journals.path(jid).exists():
            continue
        if path.is_symlink():  # never ours to follow (is_leftover would open its target): just a stray link
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
            continue
        big = staging / big_key(jid)
        probe = big if big.exists() and not big.is_symlink() else path
        if probe.is_file() and is_leftover(probe, now):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    try:
        partials = cache.partials()
    except OSError as exc:
        log.warning("could not look for interrupted downloads in %s: %s", cache.root, exc)
        partials = []
    for part in partials:
        meta = part.with_name(part.name + ".json")
        try:
            touched = max(p.lstat().st_mtime for p in (part, meta) if p.exists() or p.is_symlink())
        except (OSError, ValueError):
            continue
        if now - touched > max_age_days * DAY:
            try:
                entry = locks.try_acquire(part.with_name(part.name.removesuffix(PART_SUFFIX) + locks.LOCK_SUFFIX))
            except AzaionError as exc:
                log.warning("could not check whether %s is in use: %s", part, exc)
                continue
            if entry is None:
                continue  # a live download of it
            with entry:
                for p in (part, meta):
                    try:
                        p.unlink()
                        removed.append(p)
                    except FileNotFoundError:
                        pass
                    except OSError as exc:  # e.g. a folder by that name, or no permission: never fail the caller
                        log.warning("could not remove %s, left by an interrupted download: %s", p, exc)
    directories: list[Path] = []
    for root in (cache.root, client.journals.dir):
        try:
            if root.exists() and _ours(root):  # and never through a link to a folder elsewhere
                directories += [root, *(p for p in root.rglob("*") if p.is_dir() and not p.is_symlink())]
        except OSError as exc:  # a folder removed while it is walked (the cache being cleared)
            log.warning("could not look for leftovers in %s: %s", root, exc)
    for directory in directories:
        removed += remove_leftovers(directory, temp_glob(f"{TEMP_PREFIX}*"))
        removed += locks.remove_stale_locks(directory, now=now)
    for path in removed:
        log.info("removed %s, left by an interrupted transfer", path)
    return removed
