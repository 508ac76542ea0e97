"""The Image unlock panel's "Versions on this computer" box: the platform's image versions present locally (size,
complete or which services are missing, which container uses them), the disk they use, removing one version
(confirmed first) and "keep the last N" (the versions to remove listed and confirmed first). The same as
``azaion images ls|rm|prune``: core/images/housekeeping.py does the work, in a worker thread; a version a
container uses is never removed and the box says why it was kept.

Its own module so the unlock panel (gui/panels/unlock.py) only adds the box and refreshes it."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.progress import human_bytes
from gui.assets import icon
from gui.fit import StatusLabel
from gui.panels.session import PanelSession
from gui.workers.task import describe_exception

log = logging.getLogger("azaion.gui.image_versions")

VERSION_ROLE = Qt.ItemDataRole.UserRole + 1


class ImageVersionsBox(QGroupBox):
    """Versions present, disk used, Remove version…, Keep the last N. ``refresh()`` re-reads the store."""

    changed = Signal()  # the inventory shown was replaced (a refresh or a removal finished)

    def __init__(self, session: PanelSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Image versions on this computer"))
        self.setObjectName("imageVersionsBox")
        self.session = session
        self.inventory = None  # core.images.housekeeping.Inventory once read
        self.busy = False

        self.table = QTableWidget(0, 4)
        self.table.setObjectName("imageVersionsTable")
        self.table.setHorizontalHeaderLabels([self.tr("Version"), self.tr("Services"), self.tr("Size"),
                                              self.tr("In use")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMaximumHeight(self.fontMetrics().height() * 10)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.disk_label = QLabel()
        self.disk_label.setObjectName("imageDiskUsed")
        self.status = StatusLabel()
        self.status.setObjectName("imageVersionsStatus")
        self.status.setWordWrap(True)
        self.refresh_button = QPushButton(icon("refresh"), self.tr("Refresh"))
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.remove_button = QPushButton(self.tr("Remove version…"))
        self.remove_button.setObjectName("removeVersionButton")
        self.remove_button.clicked.connect(lambda: self.remove_selected())
        self.keep_spin = QSpinBox()
        self.keep_spin.setObjectName("keepVersions")
        self.keep_spin.setRange(0, 99)
        self.keep_spin.setValue(2)
        self.keep_spin.setPrefix(self.tr("Keep the last "))
        self.prune_button = QPushButton(self.tr("Remove older…"))
        self.prune_button.setObjectName("pruneButton")
        self.prune_button.clicked.connect(lambda: self.prune())

        buttons = QHBoxLayout()
        buttons.addWidget(self.disk_label, 1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.keep_spin)
        buttons.addWidget(self.prune_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self._update_buttons()

    # -- reading --------------------------------------------------------------------------------------------

    def _store(self) -> dict:
        settings = self.session.settings
        return {"docker": settings.docker_command, "services": list(settings.services),
                "prefix": settings.image_prefix}

    def refresh(self, note: str = "") -> None:
        """Re-read the versions present (in a worker; a later refresh supersedes an earlier one)."""
        from core.images.housekeeping import inventory

        store = self._store()
        self._set_busy(True)
        self.session.runner.run_latest(
            "image-versions", lambda: inventory(**store), lambda inv: self._on_inventory(inv, note),
            lambda exc: self._on_failed(exc, note), name="image-versions",
        )

    def _on_inventory(self, inv, note: str = "") -> None:
        self.inventory = inv
        self.table.setRowCount(len(inv.versions))
        total = len(inv.services)
        for row, version in enumerate(reversed(inv.versions)):  # newest first
            name = QTableWidgetItem(version.version)
            name.setData(VERSION_ROLE, version.version)
            if version.complete:
                services = QTableWidgetItem(self.tr("complete ({0}/{1})").format(len(version.images), total))
                services.setIcon(icon("ok"))
            else:
                services = QTableWidgetItem(self.tr("{0}/{1}, missing: {2}").format(
                    len(version.images), total, ", ".join(version.missing)))
                services.setIcon(icon("fail"))
            size = QTableWidgetItem(human_bytes(version.size))
            size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            users = version.users
            if users:
                running = any(c.running for _, c in users)
                use = QTableWidgetItem(self.tr("yes, running") if running else self.tr("yes, stopped container"))
                use.setToolTip("\n".join(f"{image.name}: {c.described}" for image, c in users))
            else:
                use = QTableWidgetItem("—")
            for column, item in enumerate((name, services, size, use)):
                self.table.setItem(row, column, item)
        self.disk_label.setText(self.tr("%n version(s), {0} of images", "", len(inv.versions)).format(
            human_bytes(inv.disk_used)))
        self.status.setText(note)
        self._set_busy(False)
        self.changed.emit()

    def _on_failed(self, exc: BaseException, note: str = "") -> None:
        said = self.tr("Could not read the image versions: {0}").format(describe_exception(exc))
        self.status.setText(f"{note} {said}".strip())
        self._set_busy(False)
        self.changed.emit()

    # -- removing -------------------------------------------------------------------------------------------

    def selected_version(self) -> str | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        item = self.table.item(rows.pop(), 0)
        return item.data(VERSION_ROLE) if item is not None else None

    def select_version(self, version: str) -> bool:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(VERSION_ROLE) == version:
                self.table.selectRow(row)
                return True
        return False

    def confirm(self, title: str, text: str) -> bool:
        """Asked before anything is removed (tests answer it by replacing this method)."""
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def remove_selected(self) -> bool:
        """Remove the selected version's images after confirmation; False when nothing was started."""
        version = self.selected_version()
        if version is None or self.busy:
            return False
        group = self.inventory.version(version) if self.inventory is not None else None
        size = human_bytes(group.size) if group is not None else "?"
        if not self.confirm(self.tr("Remove image version"),
                            self.tr("Remove the images of version {0} ({1}) from this computer?").format(
                                version, size)):
            return False
        from core.images.housekeeping import remove_version

        store = self._store()
        self._set_busy(True)
        self.status.setText(self.tr("Removing version {0}…").format(version))
        self.session.runner.run(lambda: remove_version(version, **store), self._on_removed,
                                lambda exc: self._on_failed(exc), name="image-remove")
        return True

    def prune(self) -> bool:
        """Keep the last N: ask core which versions would go (dry run, in a worker), confirm, then remove them."""
        if self.busy:
            return False
        from core.images.housekeeping import prune

        keep = self.keep_spin.value()
        store = self._store()
        self._set_busy(True)
        self.session.runner.run(lambda: prune(keep, dry_run=True, **store),
                                lambda plan: self._confirm_prune(keep, plan), lambda exc: self._on_failed(exc),
                                name="image-prune-plan")
        return True

    def _confirm_prune(self, keep: int, plan) -> None:
        self._set_busy(False)
        if not plan.removed_versions:
            self.status.setText(self._kept_text(plan, self.tr("Nothing to remove.")))
            return
        question = self.tr("Remove the images of %n version(s): {0}?", "", len(plan.removed_versions)).format(
            ", ".join(plan.removed_versions))
        if plan.kept:
            question += "\n\n" + self._kept_text(plan)
        if not self.confirm(self.tr("Keep the last {0} versions").format(keep), question):
            self.status.setText(self.tr("Nothing was removed."))
            return
        from core.images.housekeeping import prune

        store = self._store()
        self._set_busy(True)
        self.status.setText(self.tr("Removing %n version(s)…", "", len(plan.removed_versions)))
        self.session.runner.run(lambda: prune(keep, **store), self._on_removed, lambda exc: self._on_failed(exc),
                                name="image-prune")

    def _kept_text(self, result, lead: str = "") -> str:
        lines = [lead] if lead else []
        lines += [self.tr("Kept {0}: {1}").format(k.version, k.reason) for k in result.kept]
        return "\n".join(lines)

    def _on_removed(self, result) -> None:
        parts = []
        if result.removed_versions:
            parts.append(self.tr("Removed %n version(s): {0} (up to {1} freed).", "", len(result.removed_versions))
                         .format(", ".join(result.removed_versions), human_bytes(result.freed)))
        for image, message in result.failed:
            parts.append(self.tr("Could not remove {0}: {1}").format(image.name, message))
        note = self._kept_text(result, " ".join(parts))
        self.refresh(note)

    # -- state ----------------------------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        have = bool(self.inventory is not None and self.inventory.versions)
        self.refresh_button.setEnabled(not self.busy)
        self.remove_button.setEnabled(not self.busy and self.selected_version() is not None)
        self.prune_button.setEnabled(not self.busy and have)
        self.keep_spin.setEnabled(not self.busy)

