"""Unfinished uploads the user can see and abort (like S3 Browser's "uncompleted multipart uploads"), and the
cleanup of stale ones: their multipart upload is aborted on the CDN and their staged files removed."""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from core import multipart
from core.api_client import ApiClient
from core.errors import AzaionError
from core.fileio import TEMP_PREFIX, TEMP_SUFFIX, is_leftover, remove_leftovers
from core.journal import UploadJournal

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


def incomplete_uploads(client: ApiClient) -> list[IncompleteUpload]:
    found = []
    for j in client.journals.all():
        if j.api_url != client.api_url:
            continue
        total = max(1, -(-j.staged_size // j.part_size)) if j.staged_size else 0
        found.append(IncompleteUpload(j.id, j.folder, j.name, j.source, j.source_size, len(j.parts), total,
                                      j.updated))
    return found


def _find(client: ApiClient, upload_id: str) -> UploadJournal:
    matches = [j for j in client.journals.all() if j.id.startswith(upload_id) and j.api_url == client.api_url]
    if len(matches) != 1:
        raise AzaionError(f"no single incomplete upload matches {upload_id!r} ({len(matches)} found)")
    return matches[0]


def abort_upload(client: ApiClient, upload_id: str) -> UploadJournal:
    """Abort on the CDN (best effort when offline) and forget locally."""
    journal = _find(client, upload_id)
    try:
        multipart.abort(client.cdn, journal)
    except AzaionError as exc:
        log.warning("could not abort the multipart upload of %s/%s on the CDN: %s", journal.folder, journal.name, exc)
    client.journals.delete(journal)
    log.info("aborted the incomplete upload of %s/%s", journal.folder, journal.name)
    return journal


def clean_stale_uploads(client: ApiClient, max_age_days: float) -> list[UploadJournal]:
    """Abort uploads of this server untouched for ``max_age_days``, then remove orphans (``clean_orphans``);
    returns the uploads that were cleaned."""
    cleaned = []
    for journal in client.journals.stale(max_age_days * DAY):
        if journal.api_url == client.api_url:
            abort_upload(client, journal.id)
            cleaned.append(journal)
    clean_orphans(client, max_age_days)
    return cleaned


def clean_orphans(client: ApiClient, max_age_days: float, now: float | None = None) -> list[Path]:
    """Remove what interrupted transfers of this server left in its cache folder and no journal will ever claim:

    - staged upload files (``.staging/{id}.big``/``.small``) with no journal for ``id`` (the process died while
      encrypting, before the journal was written), once no live process holds them (core/fileio.py is_leftover:
      the uploader locks its staged big part for the whole upload);
    - interrupted downloads (``{name}.big.part`` and its ``.json``) untouched for ``max_age_days``;
    - our temp files (``.azaion-*.tmp``) left by a killed write, on the same is_leftover rule.
    Returns the removed paths."""
    cache = client.cache
    now = time.time() if now is None else now
    removed: list[Path] = []
    staging = cache.root / ".staging"
    if staging.is_dir():
        for path in sorted(staging.iterdir()):
            jid, _, kind = path.name.partition(".")
            if kind not in ("big", "small") or client.journals.path(jid).exists():
                continue
            big = staging / f"{jid}.big"
            if is_leftover(big if big.exists() else path, now):
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path)
    for part in cache.partials():
        meta = part.with_name(part.name + ".json")
        try:
            touched = max(p.stat().st_mtime for p in (part, meta) if p.exists())
        except (OSError, ValueError):
            continue
        if now - touched > max_age_days * DAY:
            for p in (part, meta):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
                    removed.append(p)
    if cache.root.is_dir():
        for directory in [cache.root, *(p for p in cache.root.rglob("*") if p.is_dir())]:
            removed += remove_leftovers(directory, f"{TEMP_PREFIX}*{TEMP_SUFFIX}")
    for path in removed:
        log.info("removed %s, left by an interrupted transfer", path)
    return removed
