"""Image unlock: pick or drop the encrypted archive, check docker, unlock (fragment → decrypt → docker load →
check) as a queue job, and show which service images of the version are present.

The unlock itself lives in ``core.images`` (written separately); ``gui/images_adapter.py`` is the only place that
touches it, and reports it as unavailable when it is missing or incomplete.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
)

from gui import images_adapter
from gui.assets import icon
from gui.panels.base import Panel
from gui.panels.upload import DropZone
from gui.workers.jobs import Job, JobKind, JobState

log = logging.getLogger("azaion.gui.unlock")

_VERSION = re.compile(r"(\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.]+)?)")


def version_from_filename(name: str) -> str:
    """``azaion-images-1.4.2.tar.enc`` → ``1.4.2``; empty when the name holds no dotted version."""
    stem = Path(name).name
    for suffix in (".enc", ".aes", ".bin", ".tar", ".gz"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    match = _VERSION.search(stem)
    return match.group(1).rstrip(".-") if match else ""


class UnlockPanel(Panel):
    key = "unlock"
    icon_name = "unlock"

    def __init__(self, window) -> None:  # noqa: ANN001
        super().__init__(window)
        self.archive_edit = QLineEdit()
        self.archive_edit.setObjectName("archiveEdit")
        self.archive_edit.setPlaceholderText(self.tr("Encrypted image archive"))
        self.archive_edit.textChanged.connect(self._on_archive_changed)
        self.pick_button = QPushButton(icon("file"), self.tr("C&hoose…"))
        self.pick_button.clicked.connect(self._pick)
        self.version_edit = QLineEdit()
        self.version_edit.setObjectName("versionEdit")
        self.version_edit.textChanged.connect(self._fill_services)
        self.docker_label = QLabel()
        self.docker_label.setObjectName("dockerLabel")
        self.availability = QLabel()
        self.availability.setObjectName("unlockAvailability")
        self.availability.setWordWrap(True)
        self.drop_zone = DropZone()
        self.drop_zone.setMinimumHeight(self.fontMetrics().height() * 5)
        self.drop_zone.paths_dropped.connect(lambda paths: self.set_archive(paths[0]))

        self.unlock_button = QPushButton(icon("unlock"), self.tr("&Unlock"))
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.clicked.connect(self.start_unlock)
        self.lock_button = QPushButton(icon("lock"), self.tr("L&ock…"))
        self.lock_button.setObjectName("lockButton")
        self.lock_button.clicked.connect(self.start_lock)
        self.check_button = QPushButton(icon("refresh"), self.tr("Chec&k images"))
        self.check_button.clicked.connect(self.start_check)

        self.services = QTableWidget(0, 3)
        self.services.setObjectName("servicesTable")
        self.services.setHorizontalHeaderLabels([self.tr("Service"), self.tr("Expected image"), self.tr("Present")])
        self.services.verticalHeader().hide()
        self.services.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.services.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)

        self.log_toggle = QToolButton()
        self.log_toggle.setText(self.tr("Docker &output"))
        self.log_toggle.setCheckable(True)
        self.log_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.log_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.output = QPlainTextEdit()
        self.output.setObjectName("dockerOutput")
        self.output.setReadOnly(True)
        self.output.hide()
        self.log_toggle.toggled.connect(self._toggle_log)

        pick_row = QHBoxLayout()
        pick_row.addWidget(self.archive_edit, 1)
        pick_row.addWidget(self.pick_button)
        form = QFormLayout()
        archive_label = QLabel(self.tr("&Archive"))
        archive_label.setBuddy(self.archive_edit)
        form.addRow(archive_label, pick_row)
        form.addRow(self.tr("&Version"), self.version_edit)
        form.addRow(self.tr("Docker"), self.docker_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.availability, 1)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.lock_button)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.drop_zone)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.services, 1)
        layout.addWidget(self.log_toggle)
        layout.addWidget(self.output, 1)

        self.relay = images_adapter.OutputRelay(self)
        self.relay.line.connect(self._append)
        self.current_job: Job | None = None
        self.status_text = ""
        self.docker_info: images_adapter.DockerInfo | None = None
        self.settings_changed()

    def title(self) -> str:
        return self.tr("Image unlock")

    # -- state ----------------------------------------------------------------------------------------------

    def settings_changed(self) -> None:
        self._fill_services()
        self._check_docker()
        self._update_buttons()

    def _toggle_log(self, shown: bool) -> None:
        self.output.setVisible(shown)
        self.log_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def _check_docker(self) -> None:
        command = self.window_.ctx.settings.docker_command
        self.docker_label.setText(self.tr("checking {0}…").format(command))
        self.window_.runner.run_latest(  # a settings change re-checks; only the latest command's answer is shown
            "docker-version", lambda: images_adapter.docker_info(command), self._on_docker,
            lambda exc: self._on_docker(None), name="docker-version",
        )

    def _on_docker(self, info: images_adapter.DockerInfo | None) -> None:
        self.docker_info = info
        command = self.window_.ctx.settings.docker_command
        if info is None or not info.path:
            self.docker_label.setText(self.tr("✗ “{0}” was not found on this computer").format(command))
        else:
            version = info.version or self.tr("version unknown")
            self.docker_label.setText(f"✓ {info.path} — {version}")
        self._update_buttons()

    def _update_buttons(self) -> None:
        available, why = images_adapter.availability()
        running = self.current_job is not None and not self.current_job.state.finished
        have_docker = bool(self.docker_info and self.docker_info.path)
        if not available:
            self.availability.setText(self.tr("Image unlock is not available in this build: {0}").format(why))
        elif not have_docker:
            self.availability.setText(self.tr("Install Docker (or set the docker command in Settings) to unlock."))
        else:
            self.availability.setText(self.status_text)
        ready = available and have_docker and bool(self.archive_edit.text()) and bool(self.version_edit.text())
        self.unlock_button.setEnabled(ready and not running)
        self.unlock_button.setToolTip(self.availability.text())
        self.check_button.setEnabled(available and have_docker and bool(self.version_edit.text()))
        may_lock = self.window_.role.can_manage_users()
        self.lock_button.setEnabled(available and may_lock and images_adapter.can_lock())
        self.lock_button.setToolTip(
            self.tr("Encrypt an image archive and publish its key fragment")
            if may_lock
            else self.tr("Only administrators may lock (publish) image archives")
        )

    def _on_archive_changed(self, text: str) -> None:
        version = version_from_filename(text)
        if version:
            self.version_edit.setText(version)
        self._update_buttons()

    def set_archive(self, path: Path | str) -> None:
        self.archive_edit.setText(str(path))

    def _pick(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Encrypted image archive"))
        if chosen:
            self.set_archive(chosen)

    def _fill_services(self, *_args) -> None:  # noqa: ANN002
        settings = self.window_.ctx.settings
        version = self.version_edit.text().strip() or "<version>"
        self.services.setRowCount(len(settings.services))
        for row, service in enumerate(settings.services):
            self.services.setItem(row, 0, QTableWidgetItem(service))
            self.services.setItem(row, 1, QTableWidgetItem(f"{settings.image_prefix}{service}:{version}"))
            self.services.setItem(row, 2, QTableWidgetItem("—"))
        self._update_buttons()

    def show_presence(self, present: dict[str, bool]) -> None:
        for row in range(self.services.rowCount()):
            service = self.services.item(row, 0).text()
            ok = present.get(service)
            item = QTableWidgetItem("✓" if ok else ("✗" if ok is not None else "—"))
            item.setIcon(icon("ok") if ok else icon("fail") if ok is not None else icon("file"))
            self.services.setItem(row, 2, item)

    # -- actions --------------------------------------------------------------------------------------------

    def start_unlock(self) -> Job | None:
        archive = Path(self.archive_edit.text().strip())
        version = self.version_edit.text().strip()
        settings = self.window_.ctx.settings
        try:
            work = images_adapter.unlock_work(self.window_.client, archive, version, settings, self.append_output)
        except images_adapter.UnlockUnavailable as exc:
            self.availability.setText(str(exc))
            return None
        job = Job(JobKind.UNLOCK, archive.name, work, detail=f"{archive} → docker ({version})")
        job.on_done = self._on_unlock_done
        self.current_job = job
        self.output.clear()
        self.window_.queue.add(job)
        self._update_buttons()
        return job

    def _on_unlock_done(self, job: Job) -> None:
        if job.state is JobState.DONE and isinstance(job.result, dict):
            self.show_presence(job.result)
            self.status_text = self.tr("Unlocked: all service images present") if all(job.result.values()) else (
                self.tr("Unlocked, but some service images are missing")
            )
        else:
            self.status_text = f"{job.state_text()}: {job.message}"
            if job.message:
                self.append_output(job.message)
        self.availability.setText(self.status_text)
        self._update_buttons()

    def start_check(self) -> None:
        settings = self.window_.ctx.settings
        version = self.version_edit.text().strip()
        self.window_.runner.run(
            lambda: images_adapter.check_images(settings, version),
            self.show_presence,
            lambda exc: self.append_output(str(exc)),
            name="check-images",
        )

    def start_lock(self, out_path: Path | None = None) -> Job | None:
        """Admins: docker save of this version's service images → encrypted archive; fragment published."""
        version = self.version_edit.text().strip()
        if not version:
            self.availability.setText(self.tr("Enter the version to lock."))
            return None
        if out_path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("Save the encrypted archive"), f"azaion-images-{version}.tar.enc"
            )
            if not chosen:
                return None
            out_path = Path(chosen)
        try:
            work = images_adapter.lock_work(
                self.window_.client, version, out_path, self.window_.ctx.settings, self.append_output
            )
        except images_adapter.UnlockUnavailable as exc:
            self.availability.setText(str(exc))
            return None
        job = Job(JobKind.UNLOCK, f"lock {version}", work, detail=f"docker save → {out_path}")
        job.on_done = lambda j: self.append_output(j.message or self.tr("Lock finished"))
        self.window_.queue.add(job)
        return job

    def append_output(self, text: str) -> None:
        """Thread-safe: from a worker the relay's signal is queued to the GUI thread."""
        self.relay.line.emit(text)

    def _append(self, text: str) -> None:
        self.output.appendPlainText(text.rstrip("\n"))

    def shutdown(self) -> None:
        pass
