"""Image unlock: pick or drop the encrypted archive, check docker, unlock (fragment → decrypt → docker load →
check) as a queue job with its progress shown here too (bytes decrypted, images loaded), and show which service
images of the version are present (✓/✗), with docker's own output in a collapsible log. Admins also lock: pick
the version and the images, choose the output file, and the fragment is published.

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
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
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
AUTO_IMAGE = Qt.ItemDataRole.UserRole + 1  # lock list items made from the settings' service list


def _image(settings, service: str, version: str) -> str:  # core.settings.Settings
    """``{prefix}{service}:{version}`` as typed so far (core.images.names.image_name also validates, which a
    half-typed version would fail): the table, the lock list and the loaded-images match all name images so."""
    return f"{settings.image_prefix}{service}:{version}"


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

        self.lock_box = self._build_lock_box()
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
        self.lock_job: Job | None = None
        self.lock_feed: image_jobs.ImageFeed | None = None
        # Every unlock started here (job id → archive, version, feed): Retry in Transfers makes one current again.
        self._unlocks: dict[int, tuple[Path, str, image_jobs.ImageFeed]] = {}
        self.status_text = ""
        self.docker_info: image_jobs.DockerInfo | None = None
        self.session.queue.job_changed.connect(self._on_job_changed)
        self.session.queue.jobs_removed.connect(self._forget_removed)
        self._show_progress(0, None)
        self.settings_changed()

    def _build_lock_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Encrypt images into an archive and publish its key fragment for the version"))
        box.setObjectName("lockBox")
        self.lock_images = QListWidget()
        self.lock_images.setObjectName("lockImages")
        self.lock_images.setToolTip(self.tr("Checked images go into the archive; double-click a name to edit it"))
        self.lock_images.itemChanged.connect(lambda _item: self._update_buttons())
        self.lock_images.setMaximumHeight(self.fontMetrics().height() * 8)
        self.add_image_edit = QLineEdit()
        self.add_image_edit.setObjectName("addImageEdit")
        self.add_image_edit.setPlaceholderText(self.tr("Another image, e.g. registry/name:tag"))
        self.add_image_edit.returnPressed.connect(self._add_image_from_edit)
        self.add_image_button = QPushButton(self.tr("A&dd image"))
        self.add_image_button.clicked.connect(self._add_image_from_edit)
        self.lock_output_edit = QLineEdit()
        self.lock_output_edit.setObjectName("lockOutputEdit")
        self.lock_output_edit.setPlaceholderText(self.tr("Where to write the encrypted archive"))
        self.lock_output_edit.textChanged.connect(lambda _t: self._update_buttons())
        self.lock_output_button = QPushButton(icon("file"), self.tr("Sa&ve as…"))
        self.lock_output_button.clicked.connect(self._pick_lock_output)
        self.lock_button = QPushButton(icon("lock"), self.tr("L&ock"))
        self.lock_button.setObjectName("lockButton")
        self.lock_button.clicked.connect(lambda: self.start_lock())
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_image_edit, 1)
        add_row.addWidget(self.add_image_button)
        out_row = QHBoxLayout()
        out_row.addWidget(self.lock_output_edit, 1)
        out_row.addWidget(self.lock_output_button)
        out_row.addWidget(self.lock_button)
        form = QFormLayout(box)
        form.addRow(self.tr("Images"), self.lock_images)
        form.addRow("", add_row)
        form.addRow(self.tr("Output file"), out_row)
        box.hide()  # opened with the "Lock images" toggle, which only administrators see
        return box

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
        may_lock = self.session.role.can_manage_users()
        self.lock_button.setEnabled(
            may_lock and have_docker and version and bool(self.picked_images()) and not self._running(self.lock_job)
        )
        self.lock_button.setToolTip(
            self.tr("Encrypt the checked images into the archive and publish its key fragment")
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
        self._fill_lock_images()
        self._update_buttons()

    def _fill_services(self) -> None:
        settings = self.session.settings
        version = self.version_edit.text().strip() or "<version>"
        self.services.setRowCount(len(settings.services))
        for row, service in enumerate(settings.services):
            self.services.setItem(row, 0, QTableWidgetItem(service))
            self.services.setItem(row, 1, QTableWidgetItem(_image(settings, service, version)))
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

    # -- lock image list ------------------------------------------------------------------------------------

    def _fill_lock_images(self) -> None:
        """The settings' service images for the version (checked unless unchecked before); added names stay."""
        settings = self.session.settings
        version = self.version_edit.text().strip()
        self.lock_images.blockSignals(True)
        unchecked: set[int] = set()
        for row in reversed(range(self.lock_images.count())):
            item = self.lock_images.item(row)
            if item.data(AUTO_IMAGE) is not None:
                if item.checkState() != Qt.CheckState.Checked:
                    unchecked.add(int(item.data(AUTO_IMAGE)))
                self.lock_images.takeItem(row)
        if version:
            for index, service in enumerate(settings.services):
                item = self._image_item(_image(settings, service, version), index not in unchecked)
                item.setData(AUTO_IMAGE, index)
                self.lock_images.insertItem(index, item)
        self.lock_images.blockSignals(False)

    def _image_item(self, name: str, checked: bool = True) -> QListWidgetItem:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        return item

    def add_lock_image(self, name: str) -> None:
        name = name.strip()
        if name and name not in self.picked_images():
            self.lock_images.addItem(self._image_item(name))
        self._update_buttons()

    def _add_image_from_edit(self) -> None:
        self.add_lock_image(self.add_image_edit.text())
        self.add_image_edit.clear()

    def picked_images(self) -> list[str]:
        names = []
        for row in range(self.lock_images.count()):
            item = self.lock_images.item(row)
            if item.checkState() == Qt.CheckState.Checked and item.text().strip():
                names.append(item.text().strip())
        return names

    def _pick_lock_output(self) -> bool:
        version = self.version_edit.text().strip()
        last = str(self.session.qsettings.value("unlock/last_lock_dir", str(Path.home())))
        chosen, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the encrypted archive"), str(Path(last) / f"azaion-images-{version}.tar.enc")
        )
        if not chosen:
            return False
        self.lock_output_edit.setText(chosen)
        self.session.qsettings.setValue("unlock/last_lock_dir", str(Path(chosen).parent))
        return True

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
        if feed is self.current_feed or feed is self.lock_feed:
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
        return {s: True for s in settings.services if normalize(_image(settings, s, version)) in names}

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

    def start_lock(self, out_path: Path | None = None) -> Job | None:
        """Admins: ``docker save`` of the checked images → encrypted archive at the output file; the fragment is
        published for the version."""
        version = self.version_edit.text().strip()
        images = self.picked_images()
        if not version or not images:
            self.status_text = self.tr("Enter the version and check at least one image to lock.")
            self._update_buttons()
            return None
        if out_path is not None:
            self.lock_output_edit.setText(str(out_path))
        if not self.lock_output_edit.text().strip() and not self._pick_lock_output():
            return None
        target = Path(self.lock_output_edit.text().strip())
        feed = self._new_feed()
        self.lock_feed = feed
        job = image_jobs.lock_job(self.session.client, version, images, target, self.session.settings, feed)
        job.on_done = lambda j: self._on_lock_done(j, feed)
        self.lock_job = job
        self.output.clear()
        self.status_text = self.tr("Locking %n image(s) into {0}…", "", len(images)).format(target.name)
        feed.start()
        self.session.queue.add(job)
        self._update_buttons()
        return job

    def _on_lock_done(self, job: Job, feed: image_jobs.ImageFeed) -> None:
        feed.stop()
        if job.state is JobState.DONE:
            report = job.result
            count = len(getattr(report, "images", ()) or ())
            self.status_text = self.tr("Locked %n image(s) into {0}; key fragment published for {1}", "", count).format(
                getattr(report, "output", job.target), getattr(report, "version", ""))
        else:
            self.status_text = self.tr("Lock: {0}: {1} — no archive written, no fragment published").format(
                job.state_text(), job.message)
        self._append(self.status_text)
        self._update_buttons()

    def _append_lines(self, lines: list[str]) -> None:
        for line in lines:
            self._append(line)

    def _append(self, text: str) -> None:
        self.output.appendPlainText(text.rstrip("\n"))

    def shutdown(self) -> None:
        self.fetch.shutdown()
