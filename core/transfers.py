"""Unfinished uploads the user can see and abort (like S3 Browser's "uncompleted multipart uploads"), and the
cleanup of stale ones: their multipart upload is aborted on the CDN and their staged files removed."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core import multipart
from core.api_client import ApiClient
from core.errors import AzaionError
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
    """Abort uploads of this server untouched for ``max_age_days``; returns what was cleaned."""
    cleaned = []
    for journal in client.journals.stale(max_age_days * DAY):
        if journal.api_url == client.api_url:
            abort_upload(client, journal.id)
            cleaned.append(journal)
    return cleaned
