"""The Image unlock panel's lock box (administrators): the images to put into an encrypted archive (the settings'
service images for the version, checked, plus any added by name), the output file, and Lock, which queues
``docker save`` → encrypt → publish the key fragment for the version as a job (``core.images.lock_images``).

Its own module so the unlock panel (gui/panels/unlock.py) only adds the box, shows it to administrators and
passes on what it reports: the box asks the panel for the version and whether docker was found, and tells it a
status line (``reported``) and when a lock starts (``started``: the panel clears docker's output)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from gui.assets import icon
from gui.panels.session import PanelSession
from gui.workers import images as image_jobs
from gui.workers.jobs import Job, JobState

AUTO_IMAGE = Qt.ItemDataRole.UserRole + 1  # lock list items made from the settings' service list


def service_image(settings, service: str, version: str) -> str:  # core.settings.Settings
    """``{prefix}{service}:{version}`` as typed so far (core.images.names.image_name also validates, which a
    half-typed version would fail): the services table, the lock list and the loaded-images match all name
    images so."""
    return f"{settings.image_prefix}{service}:{version}"


class ImageLockBox(QGroupBox):
    """Images, output file, Lock. ``fill_images()`` when the version or the settings change; ``update_buttons()``
    when docker's availability may have changed."""

    reported = Signal(str, bool)
    """A status line for the panel; True: docker's output log gets it too."""
    started = Signal()
    """A lock was queued (its docker output follows)."""

    def __init__(self, session: PanelSession, version: Callable[[], str], docker_ready: Callable[[], bool],
                 new_feed: Callable[[], image_jobs.ImageFeed], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.version = version
        self.docker_ready = docker_ready
        self.new_feed = new_feed
        self.job: Job | None = None
        self.feed: image_jobs.ImageFeed | None = None
        self.setTitle(self.tr("Encrypt images into an archive and publish its key fragment for the version"))
        self.setObjectName("lockBox")
        self.lock_images = QListWidget()
        self.lock_images.setObjectName("lockImages")
        self.lock_images.setToolTip(self.tr("Checked images go into the archive; double-click a name to edit it"))
        self.lock_images.itemChanged.connect(lambda _item: self.update_buttons())
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
        self.lock_output_edit.textChanged.connect(lambda _t: self.update_buttons())
        self.lock_output_button = QPushButton(icon("file"), self.tr("Sa&ve as…"))
        self.lock_output_button.clicked.connect(self.pick_output)
        self.lock_button = QPushButton(icon("lock"), self.tr("L&ock"))
        self.lock_button.setObjectName("lockButton")
        self.lock_button.clicked.connect(lambda: self.start())
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_image_edit, 1)
        add_row.addWidget(self.add_image_button)
        out_row = QHBoxLayout()
        out_row.addWidget(self.lock_output_edit, 1)
        out_row.addWidget(self.lock_output_button)
        out_row.addWidget(self.lock_button)
        form = QFormLayout(self)
        form.addRow(self.tr("Images"), self.lock_images)
        form.addRow("", add_row)
        form.addRow(self.tr("Output file"), out_row)
        self.hide()  # opened with the panel's "Lock images" toggle, which only administrators see

    # -- state ----------------------------------------------------------------------------------------------

    def running(self) -> bool:
        return self.job is not None and not self.job.state.finished

    def update_buttons(self) -> None:
        may_lock = self.session.role.can_manage_users()
        self.lock_button.setEnabled(
            may_lock and self.docker_ready() and bool(self.version()) and bool(self.picked_images())
            and not self.running()
        )
        self.lock_button.setToolTip(
            self.tr("Encrypt the checked images into the archive and publish its key fragment")
            if may_lock
            else self.tr("Only administrators may lock (publish) image archives")
        )

    # -- image list -----------------------------------------------------------------------------------------

    def fill_images(self) -> None:
        """The settings' service images for the version (checked unless unchecked before); added names stay."""
        settings = self.session.settings
        version = self.version()
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
                item = self._image_item(service_image(settings, service, version), index not in unchecked)
                item.setData(AUTO_IMAGE, index)
                self.lock_images.insertItem(index, item)
        self.lock_images.blockSignals(False)

    def _image_item(self, name: str, checked: bool = True) -> QListWidgetItem:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        return item

    def add_image(self, name: str) -> None:
        name = name.strip()
        if name and name not in self.picked_images():
            self.lock_images.addItem(self._image_item(name))
        self.update_buttons()

    def _add_image_from_edit(self) -> None:
        self.add_image(self.add_image_edit.text())
        self.add_image_edit.clear()

    def picked_images(self) -> list[str]:
        names = []
        for row in range(self.lock_images.count()):
            item = self.lock_images.item(row)
            if item.checkState() == Qt.CheckState.Checked and item.text().strip():
                names.append(item.text().strip())
        return names

    def pick_output(self) -> bool:
        version = self.version()
        last = str(self.session.qsettings.value("unlock/last_lock_dir", str(Path.home())))
        chosen, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the encrypted archive"), str(Path(last) / f"azaion-images-{version}.tar.enc")
        )
        if not chosen:
            return False
        self.lock_output_edit.setText(chosen)
        self.session.qsettings.setValue("unlock/last_lock_dir", str(Path(chosen).parent))
        return True

    # -- lock -----------------------------------------------------------------------------------------------

    def start(self, out_path: Path | None = None) -> Job | None:
        """``docker save`` of the checked images → encrypted archive at the output file; the fragment is
        published for the version."""
        version = self.version()
        images = self.picked_images()
        if not version or not images:
            self.reported.emit(self.tr("Enter the version and check at least one image to lock."), False)
            return None
        if out_path is not None:
            self.lock_output_edit.setText(str(out_path))
        if not self.lock_output_edit.text().strip() and not self.pick_output():
            return None
        target = Path(self.lock_output_edit.text().strip())
        feed = self.new_feed()
        self.feed = feed
        job = image_jobs.lock_job(self.session.client, version, images, target, self.session.settings, feed)
        job.on_done = lambda j: self._on_done(j, feed)
        self.job = job
        self.started.emit()
        feed.start()
        self.session.queue.add(job)
        self.reported.emit(self.tr("Locking %n image(s) into {0}…", "", len(images)).format(target.name), False)
        return job

    def _on_done(self, job: Job, feed: image_jobs.ImageFeed) -> None:
        feed.stop()
        if job.state is JobState.DONE:
            report = job.result
            count = len(getattr(report, "images", ()) or ())
            text = self.tr("Locked %n image(s) into {0}; key fragment published for {1}", "", count).format(
                getattr(report, "output", job.target), getattr(report, "version", ""))
        else:
            text = self.tr("Lock: {0}: {1} — no archive written, no fragment published").format(
                job.state_text(), job.message)
        self.reported.emit(text, True)
