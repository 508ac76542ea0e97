"""Image unlock's "Fetch from server": download the chosen version's encrypted archive from the CDN (the CLI's
``azaion fetch-archive``, ``core.images.fetch_archive``) into the cache or a chosen folder, then hand its path to
the panel so Unlock can proceed.

The download runs in a TaskRunner thread with a cancel token; core reports bytes to a ProgressProbe and a ~10 Hz
timer in the GUI thread shows them with speed and time left (``core.progress.RateMeter``), so the number of
repaints does not depend on how often core calls back. ``fetch_archive`` writes a temporary file and renames it
only after the SHA-256 check: a cancelled or failed fetch leaves nothing behind. Errors are one translated
sentence with the technical text behind Details (gui/details.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolButton,
    QWidget,
)

from core.cancel import CancelToken
from core.errors import CancelledError
from core.progress import RateMeter, human_bytes, human_duration
from gui.assets import icon
from gui.details import DetailsButton, show_error
from gui.fit import StatusLabel
from gui.notify import LONG_WORK_SECONDS
from gui.panels.session import PanelSession
from gui.workers.progress import ProgressProbe

log = logging.getLogger("azaion.gui.fetch")

TICK_MS = 100
STEPS = 1000
CACHE_SUBDIR = ".image-archives"
"""Below the server's cache folder (``{cache_dir}/cdn/{server_id}``, docs/protocol.md): per server, and cleared
with the rest by Settings → Clear cache. A resource folder cannot be named so (no leading dot)."""


class ArchiveFetch(QWidget):
    """Fetch button (click: into the cache; its menu: into a folder…), progress with speed and time left, Cancel,
    and the outcome line with Details. ``fetched(path)`` when the archive is saved and checked."""

    fetched = Signal(str)

    def __init__(self, session: PanelSession, version: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.version = version
        self.confirm_replace: Callable[[Path], bool] = self._ask_replace  # tests answer without a modal box
        self.token: CancelToken | None = None
        self.probe: ProgressProbe | None = None
        self.meter = RateMeter()
        self.target: Path | None = None
        self.started_at = 0.0
        self.last_path: Path | None = None

        self.button = QToolButton()
        self.button.setObjectName("fetchArchiveButton")
        self.button.setIcon(icon("download"))
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setText(self.tr("&Fetch from server"))
        self.button.setToolTip(self.tr("Download this version's encrypted archive from the server into the cache"))
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.button.clicked.connect(lambda: self.start())
        menu = QMenu(self.button)
        self.into_cache_action = menu.addAction(self.tr("Fetch into the cache"))
        self.into_cache_action.triggered.connect(lambda: self.start())
        self.into_folder_action = menu.addAction(self.tr("Fetch into a folder…"))
        self.into_folder_action.triggered.connect(self._pick_folder)
        self.button.setMenu(menu)
        self.cancel_button = QPushButton(self.tr("Cancel fetch"))
        self.cancel_button.setObjectName("fetchCancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.setObjectName("fetchProgress")
        self.progress.setRange(0, STEPS)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status = StatusLabel(single_line=True)
        self.status.setObjectName("fetchStatus")
        self.details = DetailsButton()

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.status, 1)
        row.addWidget(self.details)
        row.addWidget(self.cancel_button)

        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.update_enabled()

    # -- state ----------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.token is not None

    def update_enabled(self, *_args) -> None:
        ready = bool(self.version()) and not self.running
        self.button.setEnabled(ready)
        if not self.version():
            self.button.setToolTip(self.tr("Enter the version to fetch its archive from the server"))
        else:
            self.button.setToolTip(
                self.tr("Download this version's encrypted archive from the server into the cache"))

    def cache_dir(self) -> Path:
        return Path(self.session.client.cache.root) / CACHE_SUBDIR

    # -- actions --------------------------------------------------------------------------------------------

    def _pick_folder(self) -> None:
        last = str(self.session.qsettings.value("unlock/last_fetch_dir", str(Path.home())))
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Folder for the image archive"), last)
        if chosen:
            self.session.qsettings.setValue("unlock/last_fetch_dir", chosen)
            self.start(Path(chosen))

    def _ask_replace(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self, self.tr("Azaion Admin — Replace file?"),
            self.tr("{0} already exists in {1}. Replace it with the archive from the server?").format(
                path.name, path.parent),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def start(self, folder: Path | None = None) -> bool:
        """Fetch the version's archive into ``folder`` (None: the cache, where an older copy is replaced; in a
        folder of the user's an existing file is replaced only when they agree)."""
        from core.errors import InvalidNameError
        from core.images.archive import archive_key

        version = self.version()
        if self.running or not version:
            return False
        try:
            name = archive_key(version)
        except InvalidNameError as exc:
            show_error(self.status, self.details, exc, self.tr("Cannot fetch this version:"))
            return False
        into_cache = folder is None
        directory = self.cache_dir() if into_cache else Path(folder)
        target = directory / name
        replace = into_cache  # the cache's copy is ours; in the user's folder only what they agreed to replace
        if not into_cache and target.exists():
            if not self.confirm_replace(target):
                self.status.setText(self.tr("Not fetched: {0} was kept").format(target))
                return False
            replace = True
        if into_cache:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        token, probe = CancelToken(), ProgressProbe()
        self.token, self.probe, self.target = token, probe, target
        self.meter = RateMeter()
        self.started_at = time.monotonic()
        client = self.session.client

        def work() -> Path:
            from core.images import fetch_archive

            return fetch_archive(client, version, target, progress=probe.progress, cancel=token, replace=replace)

        self.details.set_details()
        self.status.setText(self.tr("Fetching the archive of {0}…").format(version))
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.timer.start()
        self.update_enabled()
        log.info("Fetching the image archive of %s into %s", version, target)
        self.session.runner.run(work, lambda path: self._done(path, version), lambda exc: self._failed(exc, version),
                                name="fetch-archive")
        return True

    def cancel(self) -> None:
        if self.token is not None:
            self.token.cancel()
            self.status.setText(self.tr("Cancelling…"))

    def shutdown(self) -> None:
        self.cancel()
        self.timer.stop()

    # -- progress and outcome -------------------------------------------------------------------------------

    def _tick(self) -> None:
        probe = self.probe
        if probe is None:
            return
        done, total, _stage, _version = probe.snapshot()
        self.meter.update(done)
        if total:
            self.progress.setValue(round(STEPS * min(done, total) / total))
            speed = self.meter.speed()
            eta = self.meter.eta(done, total)
            text = self.tr("{0} of {1}").format(human_bytes(done), human_bytes(total))
            if speed is not None:
                text += " · " + self.tr("{0}/s, {1} left").format(human_bytes(speed), human_duration(eta))
            self.status.setText(text)

    def _finish(self) -> float:
        self._tick()
        self.timer.stop()
        self.token = self.probe = None
        self.progress.hide()
        self.cancel_button.hide()
        self.update_enabled()
        return time.monotonic() - self.started_at

    def _done(self, path: Path, version: str) -> None:
        took = self._finish()
        self.last_path = Path(path)
        text = self.tr("Fetched the archive of {0} to {1}").format(version, path)
        self.status.setText(text)
        self.fetched.emit(str(path))
        if took >= LONG_WORK_SECONDS:
            self.session.notify(self.tr("Image archive fetched"), str(Path(path).name))

    def _failed(self, exc: BaseException, version: str) -> None:
        took = self._finish()
        if isinstance(exc, CancelledError):
            self.status.setText(self.tr("Fetch cancelled: nothing was saved"))
            return
        text = show_error(self.status, self.details, exc, self.tr("Could not fetch the archive of {0}:").format(
            version))
        if took >= LONG_WORK_SECONDS:
            self.session.notify(self.tr("Image archive not fetched"), text, failed=True)
