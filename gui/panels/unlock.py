"""Image unlock: pick or drop the encrypted archive, check docker, unlock (fragment → decrypt → docker load →
check) as a queue job with its progress shown here too (bytes decrypted, images loaded), and show which service
images of the version are present (✓/✗), with docker's own output in a collapsible log. Admins also lock: pick
the version and the images, choose the output file, and the fragment is published (the lock box,
gui/panels/image_lock.py).

The work runs in ``core.images``; ``gui/workers/images.py`` turns its callbacks into signals.
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
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
)

from core.progress import human_bytes
from gui.assets import icon
from gui.fit import StatusLabel
from gui.panels.archive_fetch import ArchiveFetch
from gui.panels.base import Panel
from gui.panels.image_lock import ImageLockBox, service_image
from gui.panels.image_versions import ImageVersionsBox
from gui.panels.session import PanelSession
from gui.panels.upload import DropZone
from gui.workers import images as image_jobs
from gui.workers.jobs import Job, JobState
from gui.workers.task import describe_exception

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



PROGRESS_STEPS = 1000  # QProgressBar holds an int: archives beyond 2 GiB are shown in thousandths


class ArchiveDropZone(DropZone):
    """The upload drop zone, saying what this panel takes: one archive (the window routes drops here too)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        for label in self.findChildren(QLabel):
            if label.text():
                label.setText(self.tr("Drop the encrypted image archive here\n(or anywhere on the window while this "
                                      "panel is shown)"))


class UnlockPanel(Panel):
    key = "unlock"
    icon_name = "unlock"

    def __init__(self, session: PanelSession) -> None:
        super().__init__(session)
        self.archive_edit = QLineEdit()
        self.archive_edit.setObjectName("archiveEdit")
        self.archive_edit.setPlaceholderText(self.tr("Encrypted image archive"))
        self.archive_edit.textChanged.connect(self._on_archive_changed)
        self.pick_button = QPushButton(icon("file"), self.tr("C&hoose…"))
        self.pick_button.clicked.connect(self._pick)
        self.version_edit = QLineEdit()
        self.version_edit.setObjectName("versionEdit")
        self.version_edit.textChanged.connect(self._on_version_changed)
        self.docker_label = StatusLabel()
        self.docker_label.setObjectName("dockerLabel")
        self.availability = StatusLabel()
        self.availability.setObjectName("unlockAvailability")
        self.availability.setWordWrap(True)
        self.drop_zone = ArchiveDropZone()
        self.drop_zone.setMinimumHeight(self.drop_zone.layout().sizeHint().height())
        self.drop_zone.paths_dropped.connect(self.drop_paths)

        self.unlock_button = QPushButton(icon("unlock"), self.tr("&Unlock"))
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.clicked.connect(self.start_unlock)
        self.check_button = QPushButton(icon("refresh"), self.tr("Chec&k images"))
        self.check_button.clicked.connect(lambda: self.start_check())  # not clicked(bool): "False Checked: …"

        self.progress = QProgressBar()
        self.progress.setObjectName("unlockProgress")
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.progress_label = StatusLabel()
        self.progress_label.setObjectName("unlockProgressLabel")
        self.progress_done = 0
        self.progress_total: int | None = None
        self.images_loaded: list[str] = []

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

        self.lock_box = ImageLockBox(  # administrators: gui/panels/image_lock.py
            self.session, lambda: self.version_edit.text().strip(),
            lambda: bool(self.docker_info and self.docker_info.path), self._new_feed,
        )
        self.lock_box.reported.connect(self._on_lock_report)
        self.lock_box.started.connect(self.output.clear)
        self.lock_toggle = QToolButton()
        self.lock_toggle.setObjectName("lockToggle")
        self.lock_toggle.setText(self.tr("&Lock images (administrators)"))
        self.lock_toggle.setCheckable(True)
        self.lock_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.lock_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.lock_toggle.toggled.connect(self._toggle_lock)
        self.lock_toggle.setVisible(self.session.role.can_manage_users())

        self.versions_box = ImageVersionsBox(session, self)  # versions present, disk used, remove, keep the last N

        pick_row = QHBoxLayout()
        pick_row.addWidget(self.archive_edit, 1)
        pick_row.addWidget(self.pick_button)
        form = QFormLayout()
        archive_label = QLabel(self.tr("&Archive"))
        archive_label.setBuddy(self.archive_edit)
        form.addRow(archive_label, pick_row)
        form.addRow(self.tr("&Version"), self.version_edit)
        self.fetch = ArchiveFetch(self.session, lambda: self.version_edit.text().strip())  # gui/panels/archive_fetch.py
        self.fetch.fetched.connect(self.set_archive)
        self.version_edit.textChanged.connect(self.fetch.update_enabled)
        form.addRow("", self.fetch)
        form.addRow(self.tr("Docker"), self.docker_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.availability, 1)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.unlock_button)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.progress_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.drop_zone)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addLayout(progress_row)
        layout.addWidget(self.services, 2)
        layout.addWidget(self.versions_box)
        layout.addWidget(self.lock_toggle)
        layout.addWidget(self.lock_box)
        layout.addWidget(self.log_toggle)
        layout.addWidget(self.output, 1)

        self.current_job: Job | None = None
        self.current_feed: image_jobs.ImageFeed | None = None
        # Every unlock started here (job id → archive, version, feed): Retry in Transfers makes one current again.
        self._unlocks: dict[int, tuple[Path, str, image_jobs.ImageFeed]] = {}
        self.status_text = ""
        self.docker_info: image_jobs.DockerInfo | None = None
        self.session.queue.job_changed.connect(self._on_job_changed)
        self.session.queue.jobs_removed.connect(self._forget_removed)
        self._show_progress(0, None)
        self.settings_changed()

    def title(self) -> str:
        return self.tr("Image unlock")

    # -- state ----------------------------------------------------------------------------------------------

    def settings_changed(self) -> None:
        self._on_version_changed()
        self._check_docker()
        self.versions_box.refresh()  # the docker command, services or prefix may have changed
        self._update_buttons()

    def _toggle_lock(self, shown: bool) -> None:
        self.lock_box.setVisible(shown and self.session.role.can_manage_users())
        self.lock_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def _toggle_log(self, shown: bool) -> None:
        self.output.setVisible(shown)
        self.log_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def _check_docker(self) -> None:
        command = self.session.settings.docker_command
        self.docker_label.setText(self.tr("checking {0}…").format(command))
        self.session.runner.run_latest(  # a settings change re-checks; only the latest command's answer is shown
            "docker-version", lambda: image_jobs.docker_info(command), self._on_docker,
            lambda exc: self._on_docker(None), name="docker-version",
        )

    def _on_docker(self, info: image_jobs.DockerInfo | None) -> None:
        self.docker_info = info
        command = self.session.settings.docker_command
        if info is None or not info.path:
            self.docker_label.setText(self.tr("✗ “{0}” was not found on this computer").format(command))
        else:
            version = info.version or self.tr("version unknown")
            self.docker_label.setText(f"✓ {info.path} — {version}")
        self._update_buttons()

    def _running(self, job: Job | None) -> bool:
        return job is not None and not job.state.finished

    def _update_buttons(self) -> None:
        have_docker = bool(self.docker_info and self.docker_info.path)
        version = bool(self.version_edit.text().strip())
        if not have_docker:
            self.availability.setText(self.tr("Install Docker (or set the docker command in Settings) to unlock."))
        else:
            self.availability.setText(self.status_text)
        ready = have_docker and bool(self.archive_edit.text().strip()) and version
        self.unlock_button.setEnabled(ready and not self._running(self.current_job))
        self.unlock_button.setToolTip(self.availability.text())
        self.check_button.setEnabled(have_docker and version)
        self.lock_box.update_buttons()

    def _on_lock_report(self, text: str, logged: bool) -> None:
        """The lock box's status line: shown like the panel's own (and in docker's output when it says so)."""
        self.status_text = text
        if logged:
            self._append(text)
        self._update_buttons()

    def _on_archive_changed(self, text: str) -> None:
        version = version_from_filename(text)
        if version:
            self.version_edit.setText(version)
        self._update_buttons()

    def set_archive(self, path: Path | str) -> None:
        self.archive_edit.setText(str(path))

    def drop_paths(self, paths: list[Path]) -> bool:
        """A drop on the panel or on the window while the panel is shown: the first file is the archive."""
        files = [Path(p) for p in paths if Path(p).is_file()]
        if not files:
            return False
        self.set_archive(files[0])
        return True

    def _pick(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Encrypted image archive"))
        if chosen:
            self.set_archive(chosen)

    def _on_version_changed(self, *_args) -> None:
        self._fill_services()
        self.lock_box.fill_images()
        self._update_buttons()

    def _fill_services(self) -> None:
        settings = self.session.settings
        version = self.version_edit.text().strip() or "<version>"
        self.services.setRowCount(len(settings.services))
        for row, service in enumerate(settings.services):
            self.services.setItem(row, 0, QTableWidgetItem(service))
            self.services.setItem(row, 1, QTableWidgetItem(service_image(settings, service, version)))
            self.services.setItem(row, 2, QTableWidgetItem("—"))

    def show_presence(self, present: dict[str, bool], why: str = "") -> None:
        for row in range(self.services.rowCount()):
            service = self.services.item(row, 0).text()
            ok = present.get(service)
            item = QTableWidgetItem("✓" if ok else ("✗" if ok is not None else "—"))
            item.setIcon(icon("ok") if ok else icon("fail") if ok is not None else icon("file"))
            if ok is False and why:
                item.setToolTip(why)
            self.services.setItem(row, 2, item)

    # -- progress -------------------------------------------------------------------------------------------

    def _on_job_changed(self, job: Job) -> None:
        """The panel shows the unlock the user last started: a job retried in Transfers (QUEUED again) becomes
        the current one, with its archive and version; other jobs' updates do not touch the panel."""
        if job.state is JobState.QUEUED and job.id in self._unlocks:
            self._show_started(job)
        if job is self.current_job:
            if job.state is JobState.RUNNING and self.current_feed is not None:
                self.current_feed.start()  # a no-op while running; after Retry the job and its feed are reused
            self._show_progress(job.done, job.total)

    def _show_started(self, job: Job) -> None:
        """Make ``job`` (just started, or retried) the unlock the panel shows, from a clean slate: its archive and
        version, an empty log, unchecked services, no progress."""
        archive, version, feed = self._unlocks[job.id]
        self.current_job, self.current_feed = job, feed
        feed.reset()  # a retried job reuses its feed
        if self.archive_edit.text() != str(archive):
            self.archive_edit.setText(str(archive))
        if self.version_edit.text() != version:
            self.version_edit.setText(version)
        self.output.clear()
        self.images_loaded = []
        self._fill_services()
        self._show_progress(0, None)
        self.status_text = self.tr("Unlocking {0}…").format(archive.name)
        self._update_buttons()

    def _forget_removed(self) -> None:
        """Jobs cleared from Transfers cannot be retried: drop what the panel kept for them."""
        alive = {j.id for j in self.session.queue.jobs}
        for job_id in [i for i in self._unlocks if i not in alive]:
            _archive, _version, feed = self._unlocks.pop(job_id)
            if feed is not self.current_feed:
                feed.stop()
                feed.deleteLater()

    def _show_progress(self, done: int, total: int | None) -> None:
        self.progress_done, self.progress_total = done, total
        if total:
            self.progress.setValue(round(PROGRESS_STEPS * min(done, total) / total))
        else:
            self.progress.setValue(0)
        loaded = len(self.images_loaded)
        if total:
            text = self.tr("{0} of {1} decrypted · %n image(s) loaded", "", loaded).format(
                human_bytes(done), human_bytes(total))
        elif loaded:
            text = self.tr("%n image(s) loaded", "", loaded)
        else:
            text = ""
        self.progress_label.setText(text)

    def _on_images_loaded(self, feed: image_jobs.ImageFeed, names: list[str]) -> None:
        if feed is not self.current_feed:
            return  # an unlock the panel no longer shows
        self.images_loaded = list(names)
        self._show_progress(self.progress_done, self.progress_total)

    # -- actions --------------------------------------------------------------------------------------------

    def _new_feed(self) -> image_jobs.ImageFeed:
        feed = image_jobs.ImageFeed(self)
        feed.output.connect(lambda lines, f=feed: self._on_feed_output(f, lines))
        return feed

    def _on_feed_output(self, feed: image_jobs.ImageFeed, lines: list[str]) -> None:
        if feed is self.current_feed or feed is self.lock_box.feed:
            self._append_lines(lines)

    def start_unlock(self) -> Job | None:
        archive = Path(self.archive_edit.text().strip())
        version = self.version_edit.text().strip()
        if not archive.name or not version:
            return None
        feed = self._new_feed()
        feed.loaded.connect(lambda names, f=feed: self._on_images_loaded(f, names))
        job = image_jobs.unlock_job(self.session.client, archive, version, self.session.settings, feed)
        job.on_done = lambda j: self._on_unlock_done(j, feed)
        self._unlocks[job.id] = (archive, version, feed)
        self._show_started(job)
        feed.start()
        self.session.queue.add(job)
        return job

    def _on_unlock_done(self, job: Job, feed: image_jobs.ImageFeed) -> None:
        feed.stop()  # every line docker printed is in the log before our own words (kept: Retry reuses it)
        self.versions_box.refresh()  # a version may have arrived
        if job is not self.current_job:
            return  # the panel shows the unlock started after this one
        self._show_progress(job.done, job.total)
        if job.state is JobState.DONE and isinstance(job.result, dict):
            self.show_presence(job.result)
            self.status_text = self.tr("Unlocked: all service images present") if all(job.result.values()) else (
                self.tr("Unlocked, but some service images are missing")
            )
        elif job.stage == "checking" or feed.images():
            # docker load had finished (the check after it failed), or docker reported images before it
            # stopped: something was loaded. Mark what it reported, then ask docker again for every service.
            self.show_presence(self._presence_from_loaded(feed.images()))
            said = self.tr("{0}: {1} — %n image(s) were loaded.", "", len(feed.images())).format(
                job.state_text(), job.message)
            self.status_text = said + " " + self.tr("Checking the service images again…")
            if job.message:
                self._append(job.message)
            self.start_check(said)
        else:
            # Failed before docker load completed: unlock kills docker before its input ends, so nothing of this
            # archive was loaded.
            expected = {self.services.item(r, 0).text(): False for r in range(self.services.rowCount())}
            self.show_presence(expected, job.message)
            self.status_text = self.tr("{0}: {1} — nothing was loaded").format(job.state_text(), job.message)
            if job.message:
                self._append(job.message)
        if job.state is JobState.FAILED and not self.log_toggle.isChecked():
            self.log_toggle.setChecked(True)
        self._update_buttons()

    def _presence_from_loaded(self, loaded: list[str]) -> dict[str, bool]:
        """✓ for the services whose image docker said it loaded; the others stay unknown until checked."""
        from core.images.names import normalize  # not at import: core.images loads the crypto stack

        settings = self.session.settings
        version = self.version_edit.text().strip()
        names = {normalize(n) for n in loaded}
        return {s: True for s in settings.services if normalize(service_image(settings, s, version)) in names}

    def start_check(self, note: str = "") -> None:
        """Ask docker which service images of the version are present; the answer (or why there is none) is shown
        on the panel, after ``note``."""
        settings = self.session.settings
        version = self.version_edit.text().strip()
        self.session.runner.run(
            lambda: image_jobs.check_images(settings, version),
            lambda present: self._on_checked(present, note),
            lambda exc: self._on_check_failed(exc, note),
            name="check-images",
        )

    def _on_checked(self, present: dict[str, bool], note: str) -> None:
        self.show_presence(present)
        said = self.tr("Checked: all service images present") if all(present.values()) else (
            self.tr("Checked: some service images are missing"))
        self.status_text = f"{note} {said}".strip()
        self._update_buttons()

    def _on_check_failed(self, exc: BaseException, note: str = "") -> None:
        said = self.tr("Could not check the service images: {0}").format(describe_exception(exc))
        self.status_text = f"{note} {said}".strip()
        self._append(said)
        stderr = getattr(exc, "stderr", "")
        if stderr:
            self._append(stderr)
        self._update_buttons()

    def _append_lines(self, lines: list[str]) -> None:
        for line in lines:
            self._append(line)

    def _append(self, text: str) -> None:
        self.output.appendPlainText(text.rstrip("\n"))

    def shutdown(self) -> None:
        self.fetch.shutdown()
