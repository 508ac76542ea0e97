"""Keep a local folder up to date with a server folder (``azaion sync``, the GUI's "Keep up to date").

What is new or changed on the server is learnt from ONE listing of the API folder (each ``{name}.small`` with
its size and modification time) and ONE listing of the CDN bucket (each ``{name}.big`` with its ETag and size),
compared with what the last sync recorded in ``DIR/.azaion-sync.json``: nothing is downloaded to find out. Every
upload sends both parts again and the big part's ciphertext starts with a fresh random IV, so a new version
always has a new ETag even when the server's listing has no sizes or times.

Each file is written by core's own download (``Transfers.download_to_path``: temp file beside it, renamed when
every check passed; an interrupted CDN transfer resumes from the cache's ``.big.part``). What sync wrote is
recorded (size, mtime, SHA-256 of the plaintext), so a file the user changed since is never overwritten or
deleted without ``force``: it is reported as a conflict. ``delete`` removes only files this sync created.
One sync of a folder at a time: ``DIR/.azaion-sync.lock`` (core/locks.py); a second one is told it is busy.

No Qt, no printing: progress and events go to an observer (core/observer.py), per-file results through a
callback, cancel through a token.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from core import locks, safejson
from core.cancel import NEVER, CancelToken
from core.errors import (
    AuthError,
    AzaionError,
    CancelledError,
    InvalidNameError,
    LocalIOError,
    PermissionDeniedError,
    UnreachableError,
)
from core.fileio import TEMP_PREFIX, describe_os_error, remove_leftovers, temp_glob, write_bytes_atomic
from core.listing import listed
from core.names import validate_folder, validate_resource_name, validate_server_file_name
from core.observer import SILENT, TransferObserver
from core.protocol import big_key

if TYPE_CHECKING:
    from core.cdn import CDNManager
    from core.models import ResourceEntry
    from core.resources import Transfers

log = logging.getLogger("azaion.sync")


class SyncClient(Protocol):
    """What a sync uses (core/api_client.py's ApiClient is one): the server's address (a folder's sync state is
    per server), the folder's listing on the API, and the transfers (the CDN listing and the downloads)."""

    api_url: str
    transfers: Transfers

    def list_files(self, folder: str, search: str = "") -> list[ResourceEntry]:
        ...

STATE_NAME = ".azaion-sync.json"
LOCK_NAME = ".azaion-sync.lock"
STATE_VERSION = 1
STATE_LIMIT = 32 << 20
"""The state file is read whole: a bound far above any real folder (~300 bytes per file)."""
OWN_PREFIXES = (".azaion-sync", TEMP_PREFIX)
"""Names sync and core's atomic writes use inside DIR: a server name like these could replace the state."""
HASH_CHUNK = 1 << 20
NOT_A_FILE = "a folder, link or other non-file is in its place"

class SyncStateError(LocalIOError):
    """The state file is not one sync wrote (corrupt, or for another server or folder): nothing is done, since
    the state is what tells a file sync wrote (may be replaced or deleted) from one of the user's."""


class SyncBusyError(locks.InUseError):
    """Another sync of the same folder is running on this machine."""


# ---- what the server has ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Remote:
    """One resource as the server lists it now. ``version`` is what is compared with the state."""

    name: str
    small_size: int | None
    small_modified: str | None
    big_etag: str | None
    big_size: int | None

    @property
    def version(self) -> dict[str, Any]:
        return {"small_size": self.small_size, "small_modified": self.small_modified,
                "big_etag": self.big_etag, "big_size": self.big_size}


def list_big_parts(cdn: CDNManager, bucket: str, cancel: CancelToken = NEVER) -> dict[str, tuple[str, int]]:
    """``{key: (etag, size)}`` of every object in ``bucket`` (every page of ListObjectsV2): one request per
    1000 objects instead of a HEAD per resource. PermissionDeniedError if the key may not list the bucket."""
    from core.cdn import TRANSPORT_ERRORS, translate
    from core.http_limits import Watch

    found: dict[str, tuple[str, int]] = {}
    kwargs: dict[str, Any] = {"Bucket": bucket}
    while True:
        cancel.raise_if_cancelled()
        with Watch(cdn.limits.request, what=f"list {bucket} on the CDN", cancel=cancel) as watch:
            try:
                resp = cdn.downloader.list_objects_v2(**kwargs)
            except TRANSPORT_ERRORS as exc:
                raise watch.failure(exc, translate(exc, f"the bucket {bucket}")) from exc
        for item in resp.get("Contents", []) or []:
            key, etag, size = item.get("Key"), item.get("ETag"), item.get("Size")
            if isinstance(key, str) and isinstance(etag, str) and isinstance(size, int):
                found[key] = (etag, size)
        token = resp.get("NextContinuationToken")
        if not resp.get("IsTruncated") or not token or token == kwargs.get("ContinuationToken"):
            return found
        kwargs["ContinuationToken"] = token


def _iso(entry: ResourceEntry) -> str | None:
    return entry.modified.isoformat() if entry.modified is not None else None


# ---- the state file -----------------------------------------------------------------------------------


@dataclass
class Synced:
    """What sync wrote for one resource: the server version it fetched and the local file it left."""

    version: dict[str, Any]
    size: int
    mtime_ns: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "size": self.size, "mtime_ns": self.mtime_ns, "sha256": self.sha256}


_VERSION_KEYS = {"small_size": (int, type(None)), "small_modified": (str, type(None)),
                 "big_etag": (str, type(None)), "big_size": (int, type(None))}


@dataclass
class SyncState:
    api_url: str
    folder: str
    files: dict[str, Synced] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "api_url": self.api_url, "folder": self.folder,
                "files": {name: s.to_json() for name, s in sorted(self.files.items())}}


def state_path(target: Path) -> Path:
    return Path(target) / STATE_NAME


def load_state(target: Path, api_url: str, folder: str) -> SyncState:
    """The state of ``target`` (an empty one if there is none). A state that is not valid, or that belongs to
    another server or folder, is a SyncStateError saying what to do: sync does not guess, because the state is
    the only record of which files it may replace or delete."""
    path = state_path(target)
    try:
        raw = locks.read_nofollow(path, STATE_LIMIT)
    except FileNotFoundError:
        return SyncState(api_url, folder)
    except LocalIOError as exc:
        raise SyncStateError(f"cannot read the sync state {path}: {exc}") from None
    try:
        state = _parse_state(safejson.loads(raw))
    except (ValueError, TypeError, KeyError, InvalidNameError) as exc:
        raise SyncStateError(
            f"the sync state {path} is not valid ({exc}); nothing was changed. Move it away to sync again: files "
            "already in the folder then count as yours and are not replaced without --force"
        ) from None
    if state.api_url.rstrip("/") != api_url.rstrip("/") or state.folder != folder:
        raise SyncStateError(
            f"{target} is kept up to date from {state.folder!r} on {state.api_url}, not {folder!r} on {api_url}; "
            "choose another local folder"
        )
    return state


def _parse_state(data: Any) -> SyncState:
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise ValueError(f"not a version {STATE_VERSION} sync state")
    api_url, folder, files = data["api_url"], data["folder"], data["files"]
    if not isinstance(api_url, str) or not isinstance(folder, str) or not isinstance(files, dict):
        raise ValueError("api_url, folder or files has the wrong type")
    state = SyncState(api_url, validate_folder(folder))
    for name, entry in files.items():
        local_name(name)
        if not isinstance(entry, dict):
            raise ValueError(f"the entry of {name!r} is not an object")
        version = entry["version"]
        if not isinstance(version, dict) or set(version) != set(_VERSION_KEYS):
            raise ValueError(f"the version of {name!r} is malformed")
        for key, types in _VERSION_KEYS.items():
            if not isinstance(version[key], types) or isinstance(version[key], bool):
                raise ValueError(f"{key} of {name!r} has the wrong type")
        size, mtime, sha = entry["size"], entry["mtime_ns"], entry["sha256"]
        if not (isinstance(size, int) and isinstance(mtime, int) and isinstance(sha, str) and len(sha) == 64
                and not isinstance(size, bool) and size >= 0):
            raise ValueError(f"the local record of {name!r} is malformed")
        state.files[name] = Synced(version, size, mtime, sha)
    return state


def save_state(target: Path, state: SyncState) -> None:
    """Atomically (temp file + rename, 0600): a crash leaves the old state or the new one, never half."""
    import json

    write_bytes_atomic(state_path(target), json.dumps(state.to_json(), indent=1).encode(), private=True)


# ---- local files --------------------------------------------------------------------------------------


def local_name(name: str) -> str:
    """A server's resource name as a file name in the user's folder: the resource name rules, none of the names
    sync itself uses there (``.azaion-sync.json``, temp files), and the rules for names a server chooses in a
    folder of the user's (no hidden file such as ``.bashrc``, no invisible format characters, no trailing dot)."""
    validate_resource_name(name)
    if name.startswith(OWN_PREFIXES):
        raise InvalidNameError(f"resource name {name!r} is a name sync uses for its own files")
    return validate_server_file_name(name, "resource name")


def _fold(name: str) -> str:
    """The key under which two names are one file on a case-insensitive, normalising file system (Windows,
    macOS)."""
    return unicodedata.normalize("NFC", name).casefold()


def file_sha256(path: Path, cancel: CancelToken = NEVER) -> str:
    hasher = hashlib.sha256()
    with os.fdopen(locks.open_nofollow(path, os.O_RDONLY), "rb", buffering=0) as fh:
        while chunk := fh.read(HASH_CHUNK):
            cancel.raise_if_cancelled()
            hasher.update(chunk)
    return hasher.hexdigest()


def local_change(path: Path, synced: Synced | None, cancel: CancelToken = NEVER) -> str | None:
    """Why the file at ``path`` may not be replaced or deleted by sync, or None if it may (missing, or exactly
    what sync wrote). A same size and mtime is trusted; otherwise the content's SHA-256 decides (a file only
    touched is still sync's; the record is then refreshed by the caller)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise describe_os_error(exc, path) from None
    if not stat.S_ISREG(st.st_mode):
        return NOT_A_FILE
    if synced is None:
        return "a file of this name is in the folder and sync did not write it"
    if st.st_size == synced.size and st.st_mtime_ns == synced.mtime_ns:
        return None
    if st.st_size != synced.size or file_sha256(path, cancel) != synced.sha256:
        return "changed locally since it was synced"
    synced.mtime_ns = st.st_mtime_ns  # only touched
    return None


# ---- the plan -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    name: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "reason": self.reason}


@dataclass
class Plan:
    """What a sync does. ``download``: new (not here yet), changed (on the server), missing (sync wrote it and it
    was removed locally), replaced (--force over a local change); ``delete``: gone from the server, written by
    sync, unchanged here (only with ``delete``); ``conflicts``: left alone because the local file is not what
    sync wrote; ``refused``: names the server listed that cannot be files here; ``skipped``: plain API files
    (not big/small resources: sync does not fetch them)."""

    folder: str
    target: Path
    download: list[Item] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    conflicts: list[Item] = field(default_factory=list)
    refused: list[Item] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    remote: dict[str, Remote] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "dir": str(self.target),
            "download": [i.to_json() for i in self.download],
            "delete": list(self.delete),
            "conflicts": [i.to_json() for i in self.conflicts],
            "refused": [i.to_json() for i in self.refused],
            "skipped": list(self.skipped),
            "unchanged": len(self.unchanged),
        }


def plan_sync(
    client: SyncClient,
    folder: str,
    target: Path | str,
    *,
    delete: bool = False,
    force: bool = False,
    state: SyncState | None = None,
    cancel: CancelToken = NEVER,
) -> Plan:
    """Compare the server's listings with the state and the files in ``target``; changes nothing."""
    validate_folder(folder)
    target = check_target(target)
    if state is None:
        state = load_state(target, client.api_url, folder) if target.exists() else SyncState(client.api_url, folder)
    plan = Plan(folder, target)
    entries = client.list_files(folder)
    cancel.raise_if_cancelled()
    resources: dict[str, ResourceEntry] = {}
    for row in listed(entries):  # a plain x or x.big beside x.small is part of the resource x, not a file apart
        if row.plain:
            plan.skipped.append(row.name)
        else:
            resources[row.name] = row.entry
    bigs = _big_parts(client, folder, list(resources), cancel)
    seen: dict[str, str] = {}
    for name, entry in resources.items():
        try:
            local_name(name)
        except InvalidNameError as exc:
            plan.refused.append(Item(name, str(exc)))
            continue
        other = seen.setdefault(_fold(name), name)
        if other != name:
            plan.refused.append(Item(name, f"same file as {other!r} on a case-insensitive file system"))
            continue
        etag, size = bigs.get(name, (None, None))
        plan.remote[name] = Remote(name, entry.size, _iso(entry), etag, size)
    for name, remote in plan.remote.items():
        cancel.raise_if_cancelled()
        synced = state.files.get(name)
        path = target / name
        change = local_change(path, synced, cancel)
        exists = os.path.lexists(path)
        if synced is None and not exists:
            plan.download.append(Item(name, "new"))
        elif change is not None:
            if force and change != NOT_A_FILE:  # --force replaces a file, never a folder or a link
                plan.download.append(Item(name, "replaced"))
            else:
                plan.conflicts.append(Item(name, change))
        elif synced is not None and not exists:
            plan.download.append(Item(name, "missing"))
        elif synced is not None and synced.version != remote.version:
            plan.download.append(Item(name, "changed"))
        else:
            plan.unchanged.append(name)
    if delete:
        refused = {i.name for i in plan.refused}
        # An empty listing of a folder that had files is more likely a server fault (or a cleared folder about to
        # be refilled) than a wish to empty DIR: nothing is deleted then, and each file is reported.
        emptied = not entries and bool(state.files)
        for name, synced in sorted(state.files.items()):
            if name in plan.remote or name in refused:
                continue
            path = target / name
            change = local_change(path, synced, cancel)
            if change is not None:
                plan.conflicts.append(Item(name, f"{change}; not deleted (gone from the server)"))
            elif emptied:
                plan.conflicts.append(Item(name, f"not deleted: the server lists nothing in {folder} (a fault, or "
                                                 "a cleared folder); delete it yourself if that is meant"))
            else:
                plan.delete.append(name)
    return plan


def _big_parts(client: SyncClient, folder: str, names: list[str], cancel: CancelToken) -> dict[str, tuple[str, int]]:
    """``{name: (etag, size)}`` of the big parts: one CDN listing, or a HEAD each where the key may not list
    the bucket (S3 policies may allow GetObject without ListBucket). A part missing on the CDN is left out:
    its download then fails with the usual clear error."""
    from core.errors import NotFoundError

    if not names:
        return {}
    cdn = client.transfers.cdn
    try:
        objects = list_big_parts(cdn, folder, cancel)
    except PermissionDeniedError:
        found = {}
        for name in names:
            cancel.raise_if_cancelled()
            try:
                info = cdn.head(folder, big_key(name))
            except (NotFoundError, PermissionDeniedError):
                continue
            found[name] = (info.etag, info.size)
        return found
    return {name: objects[big_key(name)] for name in names if big_key(name) in objects}


# ---- running it ---------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    plan: Plan
    downloaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: list[Item] = field(default_factory=list)
    conflicts: list[Item] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Everything on the server is here as it is there (nothing refused, conflicting or failed)."""
        return not (self.failed or self.conflicts or self.plan.refused)

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": self.plan.folder,
            "dir": str(self.plan.target),
            "downloaded": list(self.downloaded),
            "deleted": list(self.deleted),
            "conflicts": [i.to_json() for i in self.conflicts],
            "refused": [i.to_json() for i in self.plan.refused],
            "failed": [i.to_json() for i in self.failed],
            "skipped": list(self.plan.skipped),
            "unchanged": len(self.plan.unchanged),
        }


def check_target(target: Path | str) -> Path:
    """``target`` if it is a folder (or a link to one) or can be created as one; else LocalIOError saying why."""
    path = Path(target)
    for candidate in (path, *path.parents):
        try:
            st = os.stat(candidate)
        except (FileNotFoundError, NotADirectoryError):  # missing, or below a file: the parents tell
            continue
        except OSError as exc:
            raise describe_os_error(exc, candidate) from None
        if not stat.S_ISDIR(st.st_mode):
            where = "" if candidate == path else f" ({candidate} is not a folder)"
            raise LocalIOError(f"cannot sync into {path}: it is not a folder{where}")
        return path
    return path


def lock_target(target: Path, *, wait: bool = False, cancel: CancelToken = NEVER,
                on_wait: Callable[[], None] | None = None) -> locks.FileLock:
    """The lock of one synced folder (``target`` must exist). SyncBusyError when another sync holds it and
    ``wait`` is False."""
    try:
        return locks.acquire(target / LOCK_NAME, wait=wait, cancel=cancel, on_wait=on_wait,
                             busy_message=f"another sync of {target} is running on this machine")
    except locks.InUseError as exc:
        raise SyncBusyError(str(exc)) from None


def sync(
    client: SyncClient,
    folder: str,
    target: Path | str,
    *,
    delete: bool = False,
    force: bool = False,
    wait: bool = False,
    observer: TransferObserver = SILENT,
    on_file: Callable[[str, str], None] = lambda name, what: None,
    cancel: CancelToken = NEVER,
) -> SyncResult:
    """Plan and run a sync of ``folder`` into ``target`` (created if missing) under its lock.

    ``on_file(name, what)`` is called before each file ("download"/"delete"); ``observer`` hears each download. A failed
    download is recorded in the result and the next file is tried (a transient failure keeps its ``.big.part``
    for the next run); a cancel stops at once (a pause keeps what a rerun resumes from). The state is saved
    after every file, so an interrupted sync keeps what it finished."""
    validate_folder(folder)
    target = check_target(target)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise describe_os_error(exc, target) from None
    with lock_target(target, wait=wait, cancel=cancel,
                     on_wait=lambda: observer.on_event(f"another sync of {target} is running; waiting for it to "
                                                       "finish")):
        state = load_state(target, client.api_url, folder)
        plan = plan_sync(client, folder, target, delete=delete, force=force, state=state, cancel=cancel)
        result = SyncResult(plan, conflicts=list(plan.conflicts))
        for item in plan.download:
            cancel.raise_if_cancelled()
            path = target / item.name
            synced = state.files.get(item.name)
            change = local_change(path, synced, cancel)  # again: the user may have edited it since the plan
            if change is not None and not (force and item.reason == "replaced"):
                result.conflicts.append(Item(item.name, change))
                continue
            on_file(item.name, "download")
            try:
                client.transfers.download_to_path(
                    item.name, folder, target, observer=observer, cancel=cancel, replace=True,
                )
            except (CancelledError, UnreachableError, AuthError):
                raise  # the next files would fail the same way: stop (a rerun resumes what was kept)
            except AzaionError as exc:
                result.failed.append(Item(item.name, str(exc)))
                continue
            # The version listed BEFORE the download is recorded: if a newer one landed meanwhile, the next sync
            # sees a difference and fetches it again (one extra download, never a missed update).
            st = os.lstat(path)
            state.files[item.name] = Synced(plan.remote[item.name].version, st.st_size, st.st_mtime_ns,
                                            file_sha256(path, cancel))
            save_state(target, state)
            result.downloaded.append(item.name)
        for name in plan.delete:
            cancel.raise_if_cancelled()
            path = target / name
            change = local_change(path, state.files.get(name), cancel)
            if change is not None:
                result.conflicts.append(Item(name, f"{change}; not deleted (gone from the server)"))
                continue
            on_file(name, "delete")
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                result.failed.append(Item(name, str(describe_os_error(exc, path))))
                continue
            del state.files[name]
            save_state(target, state)
            result.deleted.append(name)
        if not plan.download and not plan.delete:
            save_state(target, state)  # an mtime refreshed by local_change, or the first (empty) state
        # A sync killed mid-file left its temp file here (download_to_path removes a target's own on its next
        # download, but not if that file is not downloaded again): only our temp shape, only unlocked ones.
        for stale in remove_leftovers(target, temp_glob(glob.escape(TEMP_PREFIX) + "*-")):
            log.info("removed %s, left by an interrupted sync", stale)
    log.info("synced %s into %s: %d downloaded, %d deleted, %d conflicts, %d refused, %d failed", folder, target,
             len(result.downloaded), len(result.deleted), len(result.conflicts), len(plan.refused),
             len(result.failed))
    return result


# ---- periods ------------------------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_PERIOD_S = 1
MAX_PERIOD_S = 366 * 86400


def parse_duration(text: str) -> int:
    """Seconds of a period written like ``30s``, ``15m``, ``1h``, ``2d`` or ``1h30m`` (ValueError otherwise):
    the form rclone and systemd users type. Between 1 s and a year."""
    import re

    spec = text.strip().lower()
    parts = re.findall(r"(\d{1,9})([smhd])", spec)
    if not spec or "".join(n + u for n, u in parts) != spec:
        raise ValueError(f"not a duration: {text!r} (write it like 30s, 15m, 1h or 1h30m)")
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if not MIN_PERIOD_S <= seconds <= MAX_PERIOD_S:
        raise ValueError(f"the period {text!r} is outside 1s..366d")
    return seconds
