"""Upload: a drop zone (the whole main window accepts drops too), file/folder pickers and the target folder.
Each file becomes an item in the transfer queue; folders expand to the files inside them."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
)

from core.errors import AzaionError
from core.listing import classify
from core.names import validate_folder, validate_name
from gui.assets import icon
from gui.fit import StatusLabel
from gui.overwrite import plan_names
from gui.panels.base import Panel
from gui.panels.resources import DEFAULT_FOLDERS
from gui.panels.session import PanelSession
from gui.workers.jobs import upload_job
from gui.workers.task import describe_exception

log = logging.getLogger("azaion.gui.upload")


def paths_from_mime(mime: QMimeData) -> list[Path]:
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as they are; folders to every regular file below them (sorted, hidden files included)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    candidate = Path(root) / name
                    if candidate.is_file():
                        files.append(candidate)
        elif path.is_file():
            files.append(path)
    return files


class DropZone(QFrame):
    paths_dropped = Signal(list)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setProperty("dragActive", False)
        label = QLabel(self.tr("Drop files or folders here\n(or anywhere on the window)"))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pic = QLabel()
        pic.setPixmap(icon("upload").pixmap(48, 48))
        pic.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(pic)
        layout.addWidget(label)
        layout.addStretch(1)
        self.setMinimumHeight(self.fontMetrics().height() * 8)

    def _set_active(self, active: bool) -> None:
        self.setProperty("dragActive", active)
        self.style().unpolish(self)
        self.style().polish(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.isEnabled() and paths_from_mime(event.mimeData()):
            event.acceptProposedAction()
            self._set_active(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self._set_active(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_active(False)
        paths = paths_from_mime(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.paths_dropped.emit(paths)


class UploadPanel(Panel):
    key = "upload"
    icon_name = "upload"

    uploaded = Signal(object, str)
    """(job, folder): an upload queued here ended (in the GUI thread); the window refreshes a listing of it."""

    def __init__(self, session: PanelSession) -> None:
        super().__init__(session)
        self.folder_combo = QComboBox()
        self.folder_combo.setObjectName("uploadFolder")
        self.folder_combo.setEditable(True)
        self.folder_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.folder_combo.setMinimumContentsLength(16)
        for name in DEFAULT_FOLDERS:
            self.folder_combo.addItem(icon("folder"), name)
        last = session.qsettings.value("upload/last_folder", "models")
        self.folder_combo.setCurrentText(str(last))
        self.drop_zone = DropZone()
        self.drop_zone.paths_dropped.connect(self.enqueue_paths)
        self.add_files_button = QPushButton(icon("file"), self.tr("Add f&iles…"))
        self.add_folder_button = QPushButton(icon("folder"), self.tr("Add fold&er…"))
        self.add_files_button.clicked.connect(self.pick_files)
        self.add_folder_button.clicked.connect(self._pick_folder)
        self.batches = 0
        self.known_names: Callable[[str], set[str] | None] = lambda _folder: None
        """The names a listing already shown holds for a folder, or None (the window wires in the Resources
        panel's): a folder shown there is not listed again before queueing."""
        self.last_jobs: list = []
        self.recent = QListWidget()
        self.recent.setObjectName("recentUploads")
        self.status_label = StatusLabel()
        self.status_label.setWordWrap(True)

        top = QHBoxLayout()
        target_label = QLabel(self.tr("&Target folder"))
        target_label.setBuddy(self.folder_combo)
        target_label.setMinimumWidth(target_label.sizeHint().width())  # never cut, however narrow the window
        top.addWidget(target_label)
        top.addWidget(self.folder_combo)
        top.addStretch(1)
        top.addWidget(self.add_files_button)
        top.addWidget(self.add_folder_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.drop_zone, 2)
        layout.addWidget(self.status_label)
        layout.addWidget(QLabel(self.tr("Queued in this session")))
        layout.addWidget(self.recent, 1)

    def title(self) -> str:
        return self.tr("Upload")

    def allowed(self) -> tuple[bool, str]:
        if self.session.role.can_upload():
            return True, ""
        return False, self.tr("Your role ({0}) may not upload; ask an administrator.").format(
            self.session.role.label
        )

    def folder(self) -> str:
        return self.folder_combo.currentText().strip()

    def set_folder(self, folder: str) -> None:
        self.folder_combo.setCurrentText(folder)

    def pick_files(self) -> None:
        """Ask for files and queue them (Add files…, and the window's Ctrl+U)."""
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Files to upload"))
        self.enqueue_paths([Path(f) for f in files])

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder to upload"))
        if folder:
            self.enqueue_paths([Path(folder)])

    def enqueue_paths(self, paths: list[Path], listed: set[str] | None = None, *, folder: str | None = None) -> list:
        """Queue an upload per file (folders expanded) to the target folder, asking first about each name the
        folder's listing holds (``listed``: the Resources panel's if it shows that folder, else one listing is
        fetched and this is called again). Returns the jobs queued now; ``batches`` counts finished calls."""
        allowed, why = self.allowed()
        if not allowed:
            self.status_label.setText(why)
            return []
        folder = folder or self.folder()
        try:
            validate_folder(folder)
        except AzaionError as exc:
            self.status_label.setText(str(exc))
            return []
        files = expand_paths(paths)
        if files and listed is None:
            listed = self.known_names(folder)
            if listed is None:  # one listing of the target folder (not a request per file), then ask and queue
                self.status_label.setText(self.tr("Checking which names exist in {0}…").format(folder))
                self.session.runner.run(
                    lambda client=self.session.client: listed_names(client, folder),
                    lambda names: self.enqueue_paths(paths, names, folder=folder),
                    lambda exc: self._on_check_failed(folder, exc), name=f"check-{folder}",
                )
                return []
        jobs, skipped, valid = [], [], {}
        for path in files:
            try:
                validate_name(path.name, "file name")
            except AzaionError:
                skipped.append(path.name)
                continue
            valid.setdefault(path.name, path)
        listed = listed or set()
        for name, upload_name, _replace in plan_names(self, list(valid), listed.__contains__, folder):
            path = valid[name]
            job = upload_job(self.session.client, path, folder, upload_name)
            job.on_done = lambda j, f=folder: QTimer.singleShot(0, lambda: self.uploaded.emit(j, f))
            jobs.append(self.session.queue.add(job))
            self.recent.insertItem(0, f"{path.name} → {folder}/{upload_name}")
        self.session.qsettings.setValue("upload/last_folder", folder)
        text = self.tr("Queued %n file(s) for upload to {0}.", "", len(jobs)).format(folder)
        if skipped:
            text += " " + self.tr("Skipped names that cannot be uploaded: {0}").format(", ".join(skipped))
        if not files:
            text = self.tr("Nothing to upload: no files found.")
        self.status_label.setText(text)
        self.session.show_status(text, 5000)
        log.info("Queued %d upload(s) to %s", len(jobs), folder)
        self.last_jobs = jobs
        self.batches += 1
        return jobs

    def _on_check_failed(self, folder: str, exc: BaseException) -> None:
        self.session.note_error(exc)
        self.status_label.setText(
            self.tr("Nothing queued: could not list {0} to check for existing names: {1}").format(
                folder, describe_exception(exc)
            )
        )
        self.batches += 1


def listed_names(client, folder: str) -> set[str]:
    """The names a folder's listing holds, as the Resources panel shows them (core.listing)."""
    return {item.name for item in classify(client.list_files(folder))}
