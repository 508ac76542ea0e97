"""Transfer-queue items: uploads, downloads (resources and installers), image unlocks and locks. A ``Job`` is
plain data owned by the GUI thread; its ``work`` callable runs in a ``JobWorker`` thread with the job's cancel
token and progress probe."""

from __future__ import annotations

import contextlib
import enum
import itertools
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QThread, Signal

from core.cancel import CancelToken
from core.errors import AzaionError, CancelledError, PausedError
from core.progress import RateMeter
from gui.workers.progress import ProgressProbe
from gui.workers.task import describe_exception

log = logging.getLogger("azaion.gui.jobs")

Work = Callable[[CancelToken, ProgressProbe], Any]


def _tr(text: str) -> str:
    return QCoreApplication.translate("Transfers", text)


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PAUSED = "paused"  # resumable: journal / partial download kept; Resume or Discard

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)

    @property
    def active(self) -> bool:
        return self in (JobState.QUEUED, JobState.RUNNING)


class JobKind(enum.Enum):
    UPLOAD = "upload"
    DOWNLOAD = "download"
    UNLOCK = "unlock"
    LOCK = "lock"  # docker save → encrypted archive, fragment published (admins)


_ids = itertools.count(1)

PROCESS_MIN_BYTES = 64 << 20
"""Transfers of at least this many bytes run in a transfer process of their own (core/transfer_process.py): their
Python then never holds the interpreter lock the event loop needs (a 1 GiB upload in a thread stalled it by up to
101 ms). Smaller ones stay in a thread: a process costs ~1 s to start (Python, the client's imports, the CDN
client), which a 64 MiB transfer hides and a 1 MiB one would not."""


def _process_spec(client, size: int | None) -> dict[str, Any] | None:
    """The client as a transfer process needs it, when this transfer should run in one (else None)."""
    if size is None or size < PROCESS_MIN_BYTES:
        return None
    spec = getattr(client, "process_spec", None)
    return spec() if callable(spec) else None


class Job:
    def __init__(self, kind: JobKind, title: str, work: Work, *, detail: str = "", target: Path | None = None) -> None:
        self.id = next(_ids)
        self.kind = kind
        self.title = title
        self.detail = detail
        self.target = target
        self.work = work
        self.state = JobState.QUEUED
        self.message = ""
        self.error: BaseException | None = None  # why it failed (set before the outcome is sent)
        self.result: Any = None
        self.cancel_token = CancelToken()
        self.probe = ProgressProbe()
        self.meter = RateMeter(window=10.0)
        self.done = 0
        self.total: int | None = None
        self.stage = ""
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.on_done: Callable[[Job], None] | None = None  # GUI-thread hook (e.g. refresh a listing)
        self.spec: dict[str, Any] | None = None  # how to rebuild a resumable job after a restart (persisted)

    # -- display helpers ------------------------------------------------------------------------------------

    @property
    def fraction(self) -> float | None:
        if self.state is JobState.DONE:
            return 1.0
        if not self.total:
            return None
        return max(0.0, min(1.0, self.done / self.total))

    def speed(self) -> float | None:
        return self.meter.speed() if self.state is JobState.RUNNING else None

    def eta(self) -> float | None:
        return self.meter.eta(self.done, self.total) if self.state is JobState.RUNNING else None

    @property
    def resumable(self) -> bool:
        return self.spec is not None

    def state_text(self) -> str:
        if self.state is JobState.RUNNING:
            retrying = self.probe.retry_text()
            if retrying:
                return retrying
            if self.stage == "finalizing":
                return _tr("Finalizing…")
            if self.stage:
                return _tr(self.stage.capitalize())
            return _tr("Running")
        return {
            JobState.QUEUED: _tr("Queued"),
            JobState.DONE: _tr("Done"),
            JobState.FAILED: _tr("Failed"),
            JobState.CANCELLED: _tr("Cancelled"),
            JobState.PAUSED: _tr("Paused"),
        }[self.state]

    def direction_text(self) -> str:
        return {
            JobKind.UPLOAD: _tr("Upload"),
            JobKind.DOWNLOAD: _tr("Download"),
            JobKind.UNLOCK: _tr("Unlock"),
            JobKind.LOCK: _tr("Lock"),
        }[self.kind]

    def reset_for_retry(self) -> None:
        self.state = JobState.QUEUED
        self.message = ""
        self.result = None
        self.cancel_token = CancelToken()
        self.probe = ProgressProbe()
        self.meter = RateMeter(window=10.0)
        self.done, self.total, self.stage = 0, None, ""
        self.started_at = self.finished_at = None

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind.value} {self.title!r} {self.state.value}>"


class JobWorker(QThread):
    """Runs one job's work; reports the outcome once through ``outcome`` (progress goes through the probe)."""

    outcome = Signal(object, str, str, object)  # job, state value, message, result

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job
        self.setObjectName(f"job-{job.id}")

    def run(self) -> None:
        job = self.job
        try:
            result = job.work(job.cancel_token, job.probe)
        except PausedError:
            self.outcome.emit(job, JobState.PAUSED.value, _tr("Paused"), None)
        except CancelledError:
            self.outcome.emit(job, JobState.CANCELLED.value, _tr("Cancelled"), None)
        except AzaionError as exc:
            if job.cancel_token.cancelled:
                self.outcome.emit(job, JobState.CANCELLED.value, _tr("Cancelled"), None)
                return
            log.warning("%s %s failed: %s", job.kind.value, job.title, exc)
            job.error = exc
            self.outcome.emit(job, JobState.FAILED.value, describe_exception(exc), None)
        except BaseException as exc:  # unhandled: a failed job with a readable message, traceback to the log
            log.error("%s %s failed unexpectedly", job.kind.value, job.title, exc_info=exc)
            self.outcome.emit(job, JobState.FAILED.value, describe_exception(exc), None)
        else:
            if job.cancel_token.cancelled and result is None:
                self.outcome.emit(job, JobState.CANCELLED.value, _tr("Cancelled"), None)
            else:
                self.outcome.emit(job, JobState.DONE.value, "", result)


# ---- job factories -------------------------------------------------------------------------------------------


def download_job(
    client, folder: str, name: str, target_dir: Path, *, plain: bool = False, output_name: str | None = None,
    replace: bool = False, size: int | None = None,
) -> Job:
    """Download ``folder/name`` into ``target_dir`` (big/small resource, or a plain API file if ``plain``) as
    ``output_name`` (default: ``name``). An existing file there is replaced only if ``replace`` (the user said
    Replace): otherwise the job fails with core's OutputExistsError and the file stays as it was. ``size``: the
    listing's, when known (a large resource downloads in a transfer process, ``PROCESS_MIN_BYTES``)."""
    target = Path(target_dir) / (output_name or name)

    def work(cancel: CancelToken, probe: ProgressProbe) -> Any:
        if plain:
            from core.fileio import atomic_write, check_output

            check_output(target, replace=replace)  # before the download, not after it
            probe.on_stage("downloading")
            with cancel.active():  # Cancel ends the API call at once, also while its answer is awaited
                data = client.load_bytes(name, folder)
            cancel.raise_if_cancelled()
            with atomic_write(target, output=True, replace=replace) as fh:  # never a device, FIFO or link to one
                fh.write(data)
            probe.progress(len(data), len(data))
            return target
        spec = _process_spec(client, size)
        if spec is not None:
            from core.transfer_process import run_in_process

            return run_in_process(spec, "download", {"name": name, "folder": folder, "target": target,
                                                     "replace": replace}, observer=probe, cancel=cancel)
        with cancel.active():  # the transfer's token is the thread's current one (as ApiClient's method does)
            return client.transfers.download_to_path(name, folder, target, observer=probe, cancel=cancel,
                                                     replace=replace)

    job = Job(JobKind.DOWNLOAD, name, work, detail=f"{folder}/{name} → {target}", target=target)
    if not plain:
        job.spec = {"kind": "download", "folder": folder, "name": name, "target_dir": str(target_dir)}
        if output_name and output_name != name:
            job.spec["output_name"] = output_name
        if replace:
            job.spec["replace"] = "yes"
        if size is not None:
            job.spec["size"] = str(size)  # a saved transfer's fields are text (gui/workers/queue.py valid_spec)
    return job


def upload_job(client, path: Path, folder: str, name: str | None = None) -> Job:
    path = Path(path)
    resource_name = name or path.name

    def work(cancel: CancelToken, probe: ProgressProbe) -> Any:
        size = None
        with contextlib.suppress(OSError):
            size = path.stat().st_size
            probe.progress(0, size)
        spec = _process_spec(client, size)
        if spec is not None:
            from core.transfer_process import run_in_process

            return run_in_process(spec, "upload", {"path": path, "name": resource_name, "folder": folder},
                                  observer=probe, cancel=cancel)
        with cancel.active():  # the transfer's token is the thread's current one (as ApiClient's method does)
            return client.transfers.upload(path, resource_name, folder, observer=probe, cancel=cancel)

    job = Job(JobKind.UPLOAD, resource_name, work, detail=f"{path} → {folder}/{resource_name}")
    job.spec = {"kind": "upload", "path": str(path), "folder": folder, "name": resource_name}
    return job


def installer_job(client, target_dir: Path, stage: bool, title: str, detail: str) -> Job:
    """A queue job that saves the production (or stage) installer in ``target_dir`` under the server's name
    (``title`` and ``detail`` in the interface language, from the panel that asks)."""
    directory = Path(target_dir)

    def work(cancel: CancelToken, probe: ProgressProbe) -> object:
        from core.installers import download_installer

        probe.on_stage("downloading")
        return download_installer(client, directory, stage=stage, progress=probe.progress, cancel=cancel)

    return Job(JobKind.DOWNLOAD, title, work, detail=detail, target=directory)


def job_from_spec(client, spec: dict[str, Any]) -> Job:
    """Rebuild a persisted upload or download (after a restart) from its spec."""
    if spec.get("kind") == "upload":
        return upload_job(client, Path(spec["path"]), spec["folder"], spec["name"])
    if spec.get("kind") == "download":
        return download_job(
            client, spec["folder"], spec["name"], Path(spec["target_dir"]), output_name=spec.get("output_name"),
            replace=spec.get("replace") == "yes", size=_size(spec.get("size")),
        )
    raise ValueError(f"unknown job kind {spec.get('kind')!r}")


def _size(text: object) -> int | None:
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) < 20 else None


def discard_resumable_state(client, spec: dict[str, Any]) -> None:
    """What Discard means: abort the incomplete multipart upload, or drop the partial download. May do I/O."""
    from core.journal import JournalStore
    from core.transfers import abort_upload

    if spec.get("kind") == "upload":
        jid = JournalStore.upload_id(client.api_url, spec["folder"], spec["name"], Path(spec["path"]))
        if client.journals.load(jid) is not None:
            abort_upload(client, jid)
    elif spec.get("kind") == "download":
        client.cache.discard_partial(spec["folder"], spec["name"])


def now() -> float:
    return time.monotonic()
