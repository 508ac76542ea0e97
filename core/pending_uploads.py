"""Multipart uploads left unfinished on the CDN (like S3 Browser's "uncompleted multipart uploads"): the ones a
local journal can resume, and orphans a crashed machine, another computer or an older version left behind,
which keep their parts (and storage cost) until someone aborts them. Listing and aborting them takes the
uploader keys of cdn.yaml, so only roles that may upload (ResourceUploader, Admin, ApiAdmin) do it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from core import transfers
from core.api_client import ApiClient
from core.cdn import TRANSPORT_ERRORS, translate
from core.errors import AzaionError, NotFoundError, PermissionDeniedError
from core.journal import UploadJournal
from core.models import UPLOAD_ROLES
from core.multipart import iter_parts
from core.names import validate_folder
from core.protocol import big_key

log = logging.getLogger("azaion.transfers")
DEFAULT_FOLDERS = ("models", "suite", "suite-stage")
"""Searched (with the folders of local journals) when the uploader key may not list the buckets."""


@dataclass(frozen=True)
class PendingUpload:
    folder: str
    key: str
    upload_id: str
    initiated: datetime | None
    journal_id: str | None
    """The local journal that can resume (or abort) it; None for an orphan."""

    @property
    def initiated_text(self) -> str:
        if self.initiated is None:
            return "unknown"
        return self.initiated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def may_manage(client: ApiClient) -> bool:
    """Whether the logged-in account may use the uploader keys (the roles that may upload)."""
    return client.role in UPLOAD_ROLES


def require_uploader(client: ApiClient) -> None:
    """Raise PermissionDeniedError unless the account may use the uploader keys."""
    if not may_manage(client):
        raise PermissionDeniedError(
            f"incomplete uploads on the CDN can be listed and aborted by ResourceUploader, Admin or ApiAdmin "
            f"accounts only (this account is {client.role.label})"
        )


def _journals(client: ApiClient) -> list[UploadJournal]:
    return transfers.journals(client)


def cdn_folders(
    client: ApiClient, folders: Iterable[str] | None = None, *, on_note: Callable[[str], None] | None = None
) -> list[str]:
    """The folders to look in: those given, else every bucket the uploader key can list together with the buckets
    cdn.yaml names and those of local journals. When ListBuckets is refused or answers an empty list (a real CDN
    may refuse it, and Ceph RGW lists only the buckets the key's user owns, so buckets owned by another user are
    not listed) the usual folders are searched too, so the search never silently finds nothing, and ``on_note``
    is told which folders were searched (others may hold uploads too)."""
    if folders:
        return list(dict.fromkeys(validate_folder(f) for f in folders))
    cdn = client.cdn
    listed: list[str] = []
    why = "lists no buckets for the uploader key (a CDN may list only the buckets the key's own user owns)"
    try:
        listed = [b["Name"] for b in cdn.uploader.list_buckets().get("Buckets", [])]
    except TRANSPORT_ERRORS as exc:
        err = translate(exc, "list buckets")
        if not isinstance(err, PermissionDeniedError):
            raise err from exc
        why = "does not let the uploader key list buckets"
    guessed = [] if listed else list(DEFAULT_FOLDERS)
    found = list(dict.fromkeys([*listed, *cdn.config.buckets, *guessed, *(j.folder for j in _journals(client))]))
    if not listed:
        log.info("the CDN %s; searching cdn.yaml's, the journals' and the usual folders", why)
        if on_note is not None:
            on_note(f"the CDN {why}; searched {', '.join(found)} only: name other folders to search them")
    return found


def pending_uploads(
    client: ApiClient, folders: Iterable[str] | None = None, *, on_note: Callable[[str], None] | None = None
) -> list[PendingUpload]:
    """Unfinished multipart uploads in ``folders`` (see cdn_folders), oldest first, each matched to the local
    journal of this server that owns it (same folder, key ``{name}.big`` and UploadId), if any."""
    require_uploader(client)
    owners = {(j.folder, big_key(j.name), j.upload_id): j.id for j in _journals(client) if j.upload_id}
    found = []
    for folder in cdn_folders(client, folders, on_note=on_note):
        try:
            uploads = client.cdn.pending_uploads(folder)
        except NotFoundError:  # no such bucket: nothing pending there
            continue
        for u in uploads:
            key, upload_id = u["Key"], u["UploadId"]
            owner = owners.get((folder, key, upload_id))
            found.append(PendingUpload(folder, key, upload_id, u.get("Initiated"), owner))
    far_past = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda p: (p.initiated or far_past, p.folder, p.key))


def match(uploads: Iterable[PendingUpload], ident: str) -> list[PendingUpload]:
    """``ident`` is ``FOLDER/KEY`` (every upload of that key), an UploadId, or a unique prefix of one."""
    uploads = list(uploads)
    if "/" in ident:
        folder, _, key = ident.partition("/")
        return [u for u in uploads if u.folder == folder and u.key == key]
    exact = [u for u in uploads if u.upload_id == ident]
    return exact or [u for u in uploads if u.upload_id.startswith(ident)]


def abort(client: ApiClient, upload: PendingUpload) -> None:
    """Abort on the CDN; when a local journal owns it, through the journal (its staged files go too)."""
    require_uploader(client)
    if upload.journal_id is not None:
        transfers.abort_upload(client, upload.journal_id)
        return
    try:
        client.cdn.uploader.abort_multipart_upload(Bucket=upload.folder, Key=upload.key, UploadId=upload.upload_id)
    except TRANSPORT_ERRORS as exc:
        raise translate(exc, f"{upload.folder}/{upload.key} (upload {upload.upload_id})") from exc
    log.info("aborted the incomplete upload %s of %s/%s on the CDN", upload.upload_id, upload.folder, upload.key)


def last_activity(client: ApiClient, upload: PendingUpload) -> datetime | None:
    """The newest of the upload's start and its parts' upload times: an upload resumed over days is alive even
    if it began long ago (and moto, the sandbox's S3, reports a fixed 2010 start for every upload)."""
    newest = upload.initiated
    for part in iter_parts(client.cdn, upload.folder, upload.key, upload.upload_id):
        when = part.get("LastModified")
        if when is not None and (newest is None or when > newest):
            newest = when
    return newest


@dataclass(frozen=True)
class OrphanCleanup:
    """What ``clean_orphans`` did: the uploads it aborted, and those it could not (with why), which keep their
    parts and storage cost, so the caller must say so."""

    cleaned: list[PendingUpload]
    failed: list[tuple[PendingUpload, AzaionError]]


def clean_orphans(
    client: ApiClient, max_age_days: float, folders: Iterable[str] | None = None, *, now: float | None = None,
    on_note: Callable[[str], None] | None = None,
) -> OrphanCleanup:
    """Abort uploads no local journal owns whose last activity (start or newest part) is more than
    ``max_age_days`` old. Younger ones may be another computer's upload in progress, so they are left alone.
    One upload that cannot be checked or aborted does not stop the others; it is reported in ``failed``."""
    cutoff = (time.time() if now is None else now) - max_age_days * transfers.DAY
    cleaned: list[PendingUpload] = []
    failed: list[tuple[PendingUpload, AzaionError]] = []
    for upload in pending_uploads(client, folders, on_note=on_note):
        if upload.journal_id is not None:
            continue  # the journal's own age decides (transfers.clean_stale_uploads)
        try:
            when = last_activity(client, upload)
            if when is None or when.timestamp() > cutoff:
                continue
            abort(client, upload)
        except NotFoundError:
            continue  # completed or aborted meanwhile
        except AzaionError as exc:
            log.warning("could not abort %s/%s (%s): %s", upload.folder, upload.key, upload.upload_id, exc)
            failed.append((upload, exc))
            continue
        cleaned.append(upload)
    return OrphanCleanup(cleaned, failed)
