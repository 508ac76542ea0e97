""""Keep up to date": server folders the GUI syncs into local folders on a period (core/sync.py, the CLI's
``azaion sync --every``).

Each schedule (server, folder, local folder, period) is kept in the settings file (``sync_schedules``, one of the
settings' extra keys) and validated when read: a malformed entry is dropped with a warning, never run. A
``QTimer`` looks once a second for schedules that are due; a due one becomes a job in the transfer queue (shown
in Transfers like any download, with "Next sync at HH:MM" when it is done), so the queue's concurrency, cancel,
pause-on-close and cache holds apply. After a restart every schedule of the server is due at once (it resumes).
A round that brought new files says so in the status bar and as a notification.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
)

from core.errors import InvalidNameError
from core.names import validate_folder
from gui.schedules import MAX_PERIOD_S, MIN_PERIOD_S, SETTINGS_KEY, Schedule, load_schedules
from gui.workers.jobs import Job, JobKind, JobState

log = logging.getLogger("azaion.gui.sync")

TICK_MS = 1000


class SyncScheduler(QObject):
    """The window's schedules of its server. ``arrived(text)``: a round brought new files (status bar, notice)."""

    arrived = Signal(str)
    changed = Signal()

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.client = window.client
        self.schedules: list[Schedule] = [s for s in load_schedules(window.ctx.settings)
                                          if s.api_url == self.client.api_url]
        self.due: dict[tuple[str, str], float] = {self._key(s): 0.0 for s in self.schedules}  # 0: at once
        self.jobs: dict[tuple[str, str], Job] = {}
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        if self.schedules:
            log.info("Resuming %d 'Keep up to date' schedule(s)", len(self.schedules))

    @staticmethod
    def _key(schedule: Schedule) -> tuple[str, str]:
        return schedule.folder, schedule.target

    # -- the settings -----------------------------------------------------------------------------------------

    def find(self, folder: str) -> Schedule | None:
        return next((s for s in self.schedules if s.folder == folder), None)

    def set(self, folder: str, target: Path | str, period_s: int) -> Schedule:
        """Keep ``folder`` up to date in ``target`` every ``period_s`` (replacing the folder's schedule); the
        first round runs at once."""
        validate_folder(folder)
        target = str(Path(target).expanduser().absolute())
        period_s = max(MIN_PERIOD_S, min(MAX_PERIOD_S, int(period_s)))
        self.remove(folder, save=False)
        schedule = Schedule(self.client.api_url, folder, target, period_s)
        self.schedules.append(schedule)
        self.due[self._key(schedule)] = 0.0
        self._save()
        self.tick()
        return schedule

    def remove(self, folder: str, *, save: bool = True) -> None:
        for schedule in [s for s in self.schedules if s.folder == folder]:
            self.schedules.remove(schedule)
            self.due.pop(self._key(schedule), None)
            job = self.jobs.pop(self._key(schedule), None)
            if job is not None and job.state.active:
                self.window_.queue.cancel(job)
        if save:
            self._save()

    def _save(self) -> None:
        settings = self.window_.ctx.settings
        others = [item for item in settings.extra.get(SETTINGS_KEY, []) or []
                  if isinstance(item, dict) and item.get("api_url") != self.client.api_url]
        settings.extra[SETTINGS_KEY] = others + [s.to_json() for s in self.schedules]
        self.window_.ctx.save()
        self.changed.emit()

    # -- running ----------------------------------------------------------------------------------------------

    def stop(self) -> None:
        """No more rounds; a round in flight is paused, not cancelled, so its ``.big.part`` is kept and the round
        after the restart resumes it (the queue cancels jobs it cannot persist, which would drop it)."""
        self.timer.stop()
        for job in self.jobs.values():
            if job.state.active:
                job.cancel_token.pause(self.tr("the window was closed"))

    def tick(self) -> None:
        now = time.monotonic()
        queue = self.window_.queue
        for schedule in list(self.schedules):
            key = self._key(schedule)
            job = self.jobs.get(key)
            if job is not None and (job.state.active or job.state is JobState.PAUSED):
                continue
            if self.due.get(key, 0.0) > now:
                continue
            try:
                self.jobs[key] = queue.add(self._job(schedule))
            except RuntimeError:  # the queue is shutting down
                return
            self.due[key] = float("inf")  # set when the round ends

    def _job(self, schedule: Schedule) -> Job:
        client = self.client
        folder, target = schedule.folder, Path(schedule.target)

        def work(cancel, probe):
            from core import sync

            return sync.sync(client, folder, target, observer=probe, cancel=cancel)

        job = Job(JobKind.DOWNLOAD, self.tr("Keep up to date: {0}").format(folder), work,
                  detail=f"{folder} → {target}", target=target)
        job.on_done = lambda j, s=schedule: self._finished(s, j)
        return job

    def _finished(self, schedule: Schedule, job: Job) -> None:
        key = self._key(schedule)
        if key not in self.due:  # removed meanwhile
            return
        self.due[key] = time.monotonic() + schedule.period_s
        next_at = time.strftime("%H:%M", time.localtime(time.time() + schedule.period_s))
        result = job.result
        if job.state is JobState.DONE and result is not None:
            parts = [self.tr("%n new", "", len(result.downloaded))]
            if result.deleted:
                parts.append(self.tr("%n deleted", "", len(result.deleted)))
            if result.conflicts:
                parts.append(self.tr("%n kept (changed locally)", "", len(result.conflicts)))
            if result.plan.refused or result.failed:
                parts.append(self.tr("%n not synced", "", len(result.plan.refused) + len(result.failed)))
            job.message = self.tr("{0}; next sync at {1}").format(", ".join(parts), next_at)
            if result.downloaded:
                names = ", ".join(result.downloaded[:3]) + ("…" if len(result.downloaded) > 3 else "")
                self.arrived.emit(self.tr("New in {0}: {1}").format(schedule.folder, names))
        elif job.state is JobState.FAILED:
            job.message = self.tr("{0}; next try at {1}").format(job.message, next_at)
        self.window_.queue.job_changed.emit(job)


def edit_schedule(window, folder: str, *, dialog_hook=None) -> Schedule | None:
    """Ask (``KeepUpToDateDialog``) and apply: set, change or remove the folder's schedule. ``dialog_hook``
    (tests) fills the dialog and returns whether it was accepted instead of showing it modally."""
    from gui.dialogs.keep_up_to_date import KeepUpToDateDialog  # the dialog module reads this one's limits

    scheduler: SyncScheduler = window.sync_scheduler
    dialog = KeepUpToDateDialog(folder, scheduler.find(folder), window)
    accepted = dialog_hook(dialog) if dialog_hook is not None else dialog.exec() == QDialog.DialogCode.Accepted
    if not accepted:
        return scheduler.find(folder)
    if not dialog.enabled_box.isChecked():
        scheduler.remove(folder)
        window.statusBar().showMessage(window.tr("{0} is no longer kept up to date").format(folder), 5000)
        return None
    target = dialog.dir_edit.text().strip()
    if not target:
        return scheduler.find(folder)
    schedule = scheduler.set(folder, target, dialog.period_spin.value() * 60)
    window.statusBar().showMessage(
        window.tr("{0} is kept up to date in {1}").format(folder, schedule.target), 5000)
    return schedule


def install(window, menu) -> None:
    """The window's hooks: the scheduler (once per window), the "Keep folder up to date…" action in ``menu``
    (acting on the Resources panel's folder) and, when the resource table has no menu of its own, in its
    context menu too."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction

    if getattr(window, "sync_scheduler", None) is None:
        window.sync_scheduler = SyncScheduler(window)
        window.sync_scheduler.arrived.connect(lambda text: _tell(window, text))
    action = QAction(window.tr("&Keep folder up to date…"), window)
    action.setObjectName("keepUpToDateAction")
    action.triggered.connect(lambda: _edit_current(window))
    menu.addAction(action)
    window.keep_up_to_date_action = action
    table = window.resources_panel.table
    if table.contextMenuPolicy() == Qt.ContextMenuPolicy.DefaultContextMenu:
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    if table.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu:
        table.addAction(action)


def _edit_current(window) -> None:
    folder = window.resources_panel.folder()
    try:
        validate_folder(folder)
    except InvalidNameError as exc:
        window.statusBar().showMessage(str(exc), 5000)
        return
    edit_schedule(window, folder)


def _tell(window, text: str) -> None:
    window.statusBar().showMessage(text, 15000)
    window.notifier.notify("Azaion Admin", text)
