"""One queue for all long work. Runs up to ``concurrency`` jobs at once, samples their progress probes from a
~10 Hz QTimer in the GUI thread (the only source of progress signals) and reports state changes."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from core import safejson
from core.errors import AzaionError, InvalidNameError
from core.fileio import write_bytes_atomic
from core.names import validate_folder, validate_name
from core.paths import data_dir
from gui.workers.jobs import Job, JobKind, JobState, JobWorker, discard_resumable_state, job_from_spec

log = logging.getLogger("azaion.gui.queue")

QUEUE_MAX = 4 << 20
"""The saved queue holds a few hundred short entries at most; a larger file is not ours."""
_SPEC_FIELDS = {"upload": {"kind", "path", "folder", "name"}, "download": {"kind", "folder", "name", "target_dir"}}
_OPTIONAL_FIELDS = {"upload": {"progress"}, "download": {"output_name", "replace", "progress"}}
"""Where a transfer stopped (``progress``: checked by ``attach``); a download saved under another name (Keep
both) or allowed to replace the file there (Replace)."""


def _valid_progress(value: object) -> bool:
    """``[done, total]`` bytes as ``_persist`` writes them (total 0: unknown)."""
    return (isinstance(value, list) and len(value) == 2
            and all(type(n) is int and 0 <= n < 1 << 62 for n in value) and (value[1] == 0 or value[0] <= value[1]))


def valid_spec(spec: object) -> bool:
    """A saved transfer as ``_persist`` writes it: kind, its fields as text (folder and name valid names, paths
    absolute), the server's URL and optionally its progress, nothing else."""
    if not isinstance(spec, dict) or spec.get("kind") not in _SPEC_FIELDS:
        return False
    fields = _SPEC_FIELDS[spec["kind"]] | {"api_url"}
    optional = set(spec) - fields
    if not fields <= set(spec) or not optional <= _OPTIONAL_FIELDS[spec["kind"]]:
        return False
    if not all(isinstance(spec[k], str) and len(spec[k]) <= 4096 for k in set(spec) - {"progress"}):
        return False
    if "progress" in spec and not _valid_progress(spec["progress"]):
        return False
    if spec.get("replace", "yes") != "yes":
        return False
    try:
        validate_folder(spec["folder"])
        validate_name(spec["name"])
        if "output_name" in spec:
            validate_name(spec["output_name"])
    except InvalidNameError:
        return False
    where = spec.get("path") or spec.get("target_dir")
    return "\x00" not in where and Path(where).is_absolute()

TICK_MS = 100
CACHE_KINDS = (JobKind.UPLOAD, JobKind.DOWNLOAD)
"""The jobs that write into the cache (staged uploads, partial and cached downloads): held while it is cleared."""


class TransferQueue(QObject):
    job_added = Signal(object)
    job_changed = Signal(object)
    job_finished = Signal(object)
    jobs_removed = Signal()
    active_changed = Signal(int)
    _release_requested = Signal(int)

    def __init__(self, concurrency: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs: list[Job] = []
        self._workers: dict[int, JobWorker] = {}
        self._concurrency = max(1, concurrency)
        self._versions: dict[int, int] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._closing = False
        self._client = None
        self._store: Path | None = None
        self._holds: dict[int, str] = {}  # token -> reason; held while any is left
        self._hold_seq = 0
        # AutoConnection: direct from the GUI thread, queued from a worker thread
        self._release_requested.connect(self._release)

    # -- configuration --------------------------------------------------------------------------------------

    @property
    def concurrency(self) -> int:
        return self._concurrency

    def set_concurrency(self, value: int) -> None:
        self._concurrency = max(1, int(value))
        self._schedule()

    # -- queries ---------------------------------------------------------------------------------------------

    def active_jobs(self) -> list[Job]:
        return [j for j in self.jobs if j.state.active]

    def running_jobs(self) -> list[Job]:
        return [j for j in self.jobs if j.state is JobState.RUNNING]

    def row_of(self, job: Job) -> int:
        for i, j in enumerate(self.jobs):
            if j is job:
                return i
        return -1

    # -- holding cache writers (Settings → Clear cache) --------------------------------------------------------

    @property
    def held(self) -> bool:
        return bool(self._holds)

    def hold(self, reason: str) -> int:
        """Start no upload or download until every hold has been released (they stay Queued, with ``reason``
        shown), e.g. while the cache they write into is being deleted. Holds nest: two Settings dialogs may each be
        clearing. Running jobs are not touched: the caller checks there are none. Returns the token for
        ``release``."""
        self._hold_seq += 1
        self._holds[self._hold_seq] = reason
        self._schedule()
        return self._hold_seq

    def release(self, token: int) -> None:
        """End the hold ``token`` (once; again is a no-op). Callable from any thread: a worker releases from its
        ``finally`` so the hold ends even when nobody is left to receive the worker's result. When the last hold
        ends the waiting jobs start (as many as the concurrency allows)."""
        try:
            self._release_requested.emit(token)
        except RuntimeError:  # the queue is gone (the window closed meanwhile): nothing left to hold
            pass

    @Slot(int)
    def _release(self, token: int) -> None:
        shown = self._hold_reason()
        if self._holds.pop(token, None) is None:
            return
        if not self._holds:
            for job in self.jobs:
                if job.state is JobState.QUEUED and shown is not None and job.message == shown:
                    job.message = ""
                    self.job_changed.emit(job)
        self._schedule()

    def _hold_reason(self) -> str | None:
        """The reason the held jobs show: the latest hold's."""
        return next(reversed(self._holds.values()), None)

    # -- actions ---------------------------------------------------------------------------------------------

    def add(self, job: Job) -> Job:
        if self._closing:
            raise RuntimeError("the transfer queue is shutting down")
        self.jobs.append(job)
        log.info("Queued %s %s", job.kind.value, job.detail or job.title)
        self.job_added.emit(job)
        self._schedule()
        self._persist()
        return job

    def cancel(self, job: Job) -> None:
        if job.state.finished:
            return
        job.cancel_token.cancel()
        if job.state is JobState.QUEUED:
            self._finish(job, JobState.CANCELLED, self.tr("Cancelled"))
        else:
            log.info("Cancelling %s %s", job.kind.value, job.title)

    def cancel_all(self) -> None:
        for job in list(self.jobs):
            self.cancel(job)

    def pause(self, job: Job) -> None:
        """Stop a resumable job but keep what it has done (journal, uploaded parts, partial download)."""
        if not job.resumable or not job.state.active:
            return
        if job.state is JobState.QUEUED:
            self._finish(job, JobState.PAUSED, self.tr("Paused"))
        else:
            job.cancel_token.pause()
            log.info("Pausing %s %s", job.kind.value, job.title)

    def resume(self, job: Job) -> None:
        if job.state is not JobState.PAUSED:
            return
        job.reset_for_retry()
        self.job_changed.emit(job)
        self._schedule()
        self._persist()

    def discard(self, job: Job) -> None:
        """Forget a paused or failed job and its resumable state (aborts the multipart upload, in a thread)."""
        if job.state.active:
            return
        self.jobs = [j for j in self.jobs if j is not job]
        self.jobs_removed.emit()
        self._persist()
        client, spec = self._client, job.spec
        if client is not None and spec is not None:
            def cleanup() -> None:
                try:
                    discard_resumable_state(client, spec)
                except Exception:  # best effort; stale cleanup catches the rest
                    log.warning("Could not discard the resumable state of %s", job.title, exc_info=True)

            threading.Thread(target=cleanup, name="discard-transfer", daemon=True).start()

    # -- persistence: unfinished transfers come back after a restart as Paused --------------------------------

    def attach(self, client, store_path: Path | None = None) -> list[Job]:
        """Use ``client`` for discards and restore the persisted unfinished transfers of its server as Paused."""
        self._client = client
        self._store = store_path or data_dir() / "transfers" / "queue.json"
        restored = []
        for spec in self._load_specs():
            if spec.get("api_url") != client.api_url:
                continue
            try:
                job = job_from_spec(client, spec)
            except (KeyError, ValueError, TypeError):
                log.warning("Skipping an unreadable saved transfer: %r", spec)
                continue
            job.state = JobState.PAUSED
            job.message = self.tr("Interrupted; resume or discard")
            if "progress" in spec:  # where it stopped (checked by valid_spec): the bar is not empty after a restart
                job.done, total = spec["progress"]
                job.total = total or None
            self.jobs.append(job)
            self.job_added.emit(job)
            restored.append(job)
        if restored:
            log.info("Restored %d unfinished transfer(s) as paused", len(restored))
        self._persist()
        return restored

    def _load_specs(self) -> list[dict]:
        """The saved transfers that are valid (``valid_spec``). A file that is not a list of them (another shape,
        JSON nested too deep, an invalid entry) is set aside as ``queue.json.invalid`` with a warning, kept for
        a look and never read again; its valid entries are still used (and saved again by ``_persist``)."""
        if self._store is None:
            return []
        try:
            raw = self._store.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            log.warning("Could not read the saved transfers %s: %s", self._store, exc)
            return []
        try:
            data = safejson.loads(raw.decode("utf-8")) if len(raw) <= QUEUE_MAX else None
        except (ValueError, RecursionError):
            data = None
        specs = [d for d in data if valid_spec(d)] if isinstance(data, list) else []
        if not isinstance(data, list) or len(specs) != len(data):
            aside = self._store.with_name(self._store.name + ".invalid")
            try:
                os.replace(self._store, aside)
                log.warning("Set aside the saved transfers %s as %s: not a list of valid transfers", self._store,
                            aside.name)
            except OSError as exc:
                log.warning("Ignoring invalid saved transfers in %s: %s", self._store, exc)
        return specs

    def _persist(self) -> None:
        if self._store is None or self._client is None:
            return
        others = [s for s in self._load_specs() if s.get("api_url") != self._client.api_url]
        mine = [
            {**j.spec, "api_url": self._client.api_url, "progress": [int(j.done), int(j.total or 0)]}
            for j in self.jobs
            if j.spec is not None and (j.state.active or j.state in (JobState.PAUSED, JobState.FAILED))
        ]
        try:
            write_bytes_atomic(self._store, json.dumps(others + mine, indent=1).encode(), private=True)
        except AzaionError as exc:
            log.warning("Could not save the transfer queue: %s", exc)

    def retry(self, job: Job) -> None:
        if job.state not in (JobState.FAILED, JobState.CANCELLED):
            return
        job.reset_for_retry()
        self.job_changed.emit(job)
        self._schedule()

    def retry_failed(self) -> None:
        for job in list(self.jobs):
            if job.state is JobState.FAILED:
                self.retry(job)

    def clear_finished(self) -> None:
        before = len(self.jobs)
        self.jobs = [j for j in self.jobs if not j.state.finished]
        if len(self.jobs) != before:
            self.jobs_removed.emit()

    # -- scheduling ------------------------------------------------------------------------------------------

    def _schedule(self) -> None:
        if self._closing:
            return
        running = len(self._workers)
        for job in self.jobs:
            if job.state is not JobState.QUEUED:
                continue
            if self._holds and job.kind in CACHE_KINDS:
                reason = self._hold_reason()
                if job.message != reason:
                    job.message = reason
                    self.job_changed.emit(job)
                continue
            if running >= self._concurrency:
                continue
            self._start(job)
            running += 1
        if self._workers and not self._timer.isActive():
            self._timer.start()
        self.active_changed.emit(len(self.active_jobs()))

    def _start(self, job: Job) -> None:
        job.state = JobState.RUNNING
        job.started_at = time.monotonic()
        worker = JobWorker(job)
        worker.outcome.connect(self._on_outcome)
        self._workers[job.id] = worker
        log.info("Started %s %s", job.kind.value, job.title)
        worker.start()
        self.job_changed.emit(job)

    @Slot()
    def _tick(self) -> None:
        for job in self.jobs:
            if job.state is not JobState.RUNNING:
                continue
            done, total, stage, version = job.probe.snapshot()
            job.meter.update(done)
            if self._versions.get(job.id) == version and job.speed() is None and job.probe.retry_text() is None:
                continue
            self._versions[job.id] = version
            job.done, job.total, job.stage = done, total, stage
            self.job_changed.emit(job)
        if not self._workers:
            self._timer.stop()

    @Slot(object, str, str, object)
    def _on_outcome(self, job: Job, state: str, message: str, result: object) -> None:
        worker = self._workers.pop(job.id, None)
        if worker is not None:
            worker.wait()
            worker.deleteLater()
        done, total, stage, _ = job.probe.snapshot()
        job.done, job.total, job.stage = done, total, stage
        job.result = result
        self._finish(job, JobState(state), message)
        self._schedule()

    def _finish(self, job: Job, state: JobState, message: str) -> None:
        job.state = state
        job.message = message
        job.finished_at = time.monotonic()
        self._versions.pop(job.id, None)
        if state is JobState.DONE:
            log.info("Finished %s %s", job.kind.value, job.detail or job.title)
        elif state is JobState.CANCELLED:
            log.info("Cancelled %s %s", job.kind.value, job.title)
        else:
            log.warning("Failed %s %s: %s", job.kind.value, job.title, message)
        self.job_changed.emit(job)
        self.job_finished.emit(job)
        self._persist()
        if job.on_done is not None and not self._closing:
            try:
                job.on_done(job)
            except Exception:
                log.exception("Error in the completion hook of %s", job)
        self.active_changed.emit(len(self.active_jobs()))

    # -- shutdown --------------------------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 30000, *, pause: bool = True) -> bool:
        """Stop everything and join the workers; True if all of them stopped in time. With ``pause``, uploads and
        downloads are paused (they come back as Paused next time) and the rest is cancelled."""
        self._closing = True
        self._timer.stop()
        for job in self.jobs:
            if job.state.active:
                if pause and job.resumable:
                    job.cancel_token.pause()
                    job.state = JobState.PAUSED
                else:
                    job.cancel_token.cancel()
        ok = True
        for job_id, worker in list(self._workers.items()):
            try:
                worker.outcome.disconnect(self._on_outcome)
            except (RuntimeError, TypeError):
                pass
            if not worker.wait(timeout_ms):
                log.error("A transfer worker did not stop within %d ms", timeout_ms)
                from gui.workers.task import keep_lingering

                keep_lingering(worker)
                ok = False
            job = worker.job
            if job.state.active:
                job.state = JobState.CANCELLED
                job.message = self.tr("Cancelled")
            self._workers.pop(job_id, None)
        self._persist()
        return ok
