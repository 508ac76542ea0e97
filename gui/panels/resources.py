"""Resources: folder list, a filterable sortable table, download, refresh and (admins) clear folder."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.names import validate_folder
from core.resource_rows import ResourceRow, listing_rows
from gui import context_menu
from gui.assets import icon
from gui.details import DetailsButton, show_error
from gui.dialogs.clear_folder import CONFIRM_WORD, ClearFolderDialog
from gui.fit import StatusLabel, fit_sections
from gui.models import ResourceFilterProxy, ResourceTableModel
from gui.overwrite import plan_names
from gui.panels.base import Panel
from gui.panels.session import PanelSession
from gui.workers.jobs import download_job

log = logging.getLogger("azaion.gui.resources")

DEFAULT_FOLDERS = ("models", "suite", "suite-stage")


def plan_downloads(parent: QWidget, rows: list[ResourceRow], target_dir: Path) -> list[tuple[ResourceRow, str, bool]]:
    """Each row to download with the name to save it as and whether it may replace a file there, after asking
    about the names that exist in ``target_dir`` (gui/overwrite.py); skipped rows are left out."""
    by_name = {row.name: row for row in rows}
    plan = plan_names(parent, list(by_name), lambda n: os.path.lexists(target_dir / n), str(target_dir))
    return [(by_name[name], output, replace) for name, output, replace in plan]


def resource_table(owner: QWidget, object_name: str) -> tuple[ResourceTableModel, ResourceFilterProxy, QTableView]:
    """The model, filter proxy and read-only, sortable row-selecting table a folder listing is shown in (the
    Resources panel and each Suites box); the caller sizes the columns."""
    model = ResourceTableModel(owner)
    proxy = ResourceFilterProxy(owner)
    proxy.setSourceModel(model)
    table = QTableView()
    table.setObjectName(object_name)
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return model, proxy, table


class ResourcesPanel(Panel):
    key = "resources"
    icon_name = "resources"

    folder_browsed = Signal(str)
    """The user asked for another folder's listing: the default upload target (the window tells Upload)."""

    def __init__(self, session: PanelSession) -> None:
        super().__init__(session)
        self.folder_combo = QComboBox()
        self.folder_combo.setObjectName("folderCombo")
        self.folder_combo.setEditable(True)
        self.folder_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.folder_combo.setMinimumContentsLength(16)
        self.refresh_button = QPushButton(icon("refresh"), self.tr("&Refresh"))
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("searchEdit")
        self.search_edit.setPlaceholderText(self.tr("Filter by name…"))
        self.search_edit.setClearButtonEnabled(True)

        self.model, self.proxy, self.table = resource_table(self, "resourceTable")
        self.table.setWordWrap(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        char = self.fontMetrics().averageCharWidth()
        fit_sections(header, {1: 15, 2: 20, 3: 17})  # size: "≈ 200.0 KiB" was cut
        self.table.doubleClicked.connect(self._on_double_click)
        context_menu.activate_on_enter(self.table, self._on_double_click)

        self.download_button = QPushButton(icon("download"), self.tr("&Download…"))
        self.download_button.setObjectName("downloadButton")
        self.clear_button = QPushButton(icon("clear"), self.tr("C&lear folder…"))
        self.clear_button.setObjectName("clearButton")
        self.status_label = StatusLabel()
        self.status_label.setObjectName("resourcesStatus")
        self.details_button = DetailsButton()

        top = QHBoxLayout()
        folder_label = QLabel(self.tr("F&older"))
        folder_label.setBuddy(self.folder_combo)
        top.addWidget(folder_label)
        top.addWidget(self.folder_combo)
        top.addWidget(self.refresh_button)
        top.addSpacing(char * 2)
        top.addWidget(self.search_edit, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.details_button)
        bottom.addWidget(self.clear_button)
        bottom.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.refresh_button.clicked.connect(self.refresh)
        self.folder_combo.activated.connect(lambda _i: self.refresh())
        self.folder_combo.lineEdit().returnPressed.connect(self.refresh)
        self.search_edit.textChanged.connect(self._on_search)
        self.download_button.clicked.connect(lambda: self.download_selected())
        self.clear_button.clicked.connect(lambda: self.clear_folder())
        self.context_menu = context_menu.install(  # the buttons' actions, enabled as they are
            self.table, lambda: [self.download_button, None, self.refresh_button, None, self.clear_button]
        )
        self.proxy.modelReset.connect(self._update_status)
        self.proxy.layoutChanged.connect(self._update_status)
        self.proxy.rowsInserted.connect(self._update_status)
        self.proxy.rowsRemoved.connect(self._update_status)

        self.loading = False
        self.loaded_folder: str | None = None
        self._browsed: str | None = None  # the folder last asked for (refresh)
        self._fill_folders()
        self.apply_role()

    def title(self) -> str:
        return self.tr("Resources")

    # -- folders --------------------------------------------------------------------------------------------

    def _fill_folders(self) -> None:
        qs = self.session.qsettings
        known = qs.value("resources/known_folders", list(DEFAULT_FOLDERS))
        if isinstance(known, str):
            known = [known]
        last = qs.value("resources/last_folder", "models")
        self.folder_combo.clear()
        for name in dict.fromkeys([*known, *DEFAULT_FOLDERS]):
            self.folder_combo.addItem(icon("folder"), name)
        self.folder_combo.setCurrentText(str(last))

    def folder(self) -> str:
        return self.folder_combo.currentText().strip()

    def set_folder(self, folder: str) -> None:
        self.folder_combo.setCurrentText(folder)

    def _remember_folder(self, folder: str) -> None:
        qs = self.session.qsettings
        if self.folder_combo.findText(folder) < 0:
            self.folder_combo.addItem(icon("folder"), folder)
        known = [self.folder_combo.itemText(i) for i in range(self.folder_combo.count())]
        qs.setValue("resources/known_folders", known)
        qs.setValue("resources/last_folder", folder)

    def apply_role(self) -> None:
        role = self.session.role
        can_clear = role.can_upload()
        self.clear_button.setEnabled(can_clear)
        self.clear_button.setToolTip(
            self.tr("Clear every file in this folder")
            if can_clear
            else self.tr("Only resource uploaders and administrators may clear folders")
        )

    # -- listing --------------------------------------------------------------------------------------------

    def activated(self) -> None:
        if self.loaded_folder is None and not self.loading:
            self.refresh()

    def refresh(self) -> None:
        folder = self.folder()
        try:
            validate_folder(folder)
        except Exception as exc:
            show_error(self.status_label, self.details_button, exc)
            return
        if folder != self._browsed:
            # the folder the user browses is the default upload target: said when they ask for it, not when its
            # listing answers (later, perhaps after they picked another upload folder), and not again for a
            # refresh of the same folder (after a download), which is no new choice
            self._browsed = folder
            self.folder_browsed.emit(folder)
        self.loading = True
        self.refresh_button.setEnabled(False)
        self.status_label.setText(self.tr("Loading {0}…").format(folder))
        self.details_button.set_details()
        client = self.session.client

        def work() -> list[ResourceRow]:
            return listing_rows(client, folder)

        self.session.runner.run_latest(  # only the latest listing may fill the table
            "resources-listing", work, lambda rows: self._on_listed(folder, rows),
            lambda exc: self._on_list_failed(folder, exc), name=f"list-{folder}",
        )

    def _on_listed(self, folder: str, rows: list[ResourceRow]) -> None:
        log.info("Listed %s: %d item(s)", folder, len(rows))
        self.loading = False
        self.refresh_button.setEnabled(True)
        self.loaded_folder = folder
        self.model.set_rows(rows)
        self._remember_folder(folder)
        self.session.note_answer()
        self._update_status()

    def _on_list_failed(self, folder: str, exc: BaseException) -> None:
        self.loading = False
        self.refresh_button.setEnabled(True)
        self.session.note_error(exc)
        show_error(self.status_label, self.details_button, exc, self.tr("Could not list {0}:").format(folder))

    def _on_clear_failed(self, folder: str, exc: BaseException) -> None:
        self.session.note_error(exc)
        show_error(self.status_label, self.details_button, exc, self.tr("Could not clear {0}:").format(folder))

    def set_rows(self, rows: list[ResourceRow], folder: str = "") -> None:
        """Show these rows (benchmarks, tests) without asking the server."""
        self.loaded_folder = folder or self.folder()
        self.model.set_rows(rows)

    def _on_search(self, text: str) -> None:
        self.proxy.set_search(text)
        self._update_status()

    def _update_status(self) -> None:
        if self.loading:
            return
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        folder = self.loaded_folder or self.folder()
        self.details_button.set_details()
        if shown == total:
            self.status_label.setText(self.tr("{0}: %n item(s)", "", total).format(folder))
        else:
            self.status_label.setText(self.tr("{0}: {1} of %n item(s)", "", total).format(folder, shown))

    # -- download -------------------------------------------------------------------------------------------

    def selected_rows(self) -> list[ResourceRow]:
        rows = []
        for index in self.table.selectionModel().selectedRows():
            source = self.proxy.mapToSource(index)
            rows.append(self.model.row_at(source.row()))
        return rows

    def select_name(self, name: str) -> bool:
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            if index.data() == name:
                self.table.selectRow(r)
                return True
        return False

    def _on_double_click(self, index: QModelIndex) -> None:
        row = self.model.row_at(self.proxy.mapToSource(index).row())
        last = self.session.qsettings.value("resources/last_download_dir", "")
        self.download_rows([row], Path(last) if last and Path(last).is_dir() else None)

    def ask_download_dir(self) -> Path | None:
        last = str(self.session.qsettings.value("resources/last_download_dir", str(Path.home())))
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Download to"), last)
        return Path(chosen) if chosen else None

    def download_selected(self, target_dir: Path | None = None) -> list:
        rows = self.selected_rows()
        if not rows:
            self.status_label.setText(self.tr("Select one or more resources to download."))
            return []
        return self.download_rows(rows, target_dir)

    def download_rows(self, rows: list[ResourceRow], target_dir: Path | None = None) -> list:
        if target_dir is None:
            target_dir = self.ask_download_dir()
            if target_dir is None:
                return []
        self.session.qsettings.setValue("resources/last_download_dir", str(target_dir))
        folder = self.loaded_folder or self.folder()
        jobs = []
        for row, output_name, replace in plan_downloads(self, rows, Path(target_dir)):
            job = download_job(
                self.session.client, folder, row.name, Path(target_dir), plain=row.plain, output_name=output_name,
                replace=replace, size=row.size,
            )
            job.on_done = lambda _j: QTimer.singleShot(0, self.refresh_if_idle)
            jobs.append(self.session.queue.add(job))
        self.session.show_status(self.tr("Queued %n download(s)", "", len(jobs)), 5000)
        return jobs

    def names(self, folder: str) -> set[str] | None:
        """The names the last listing of ``folder`` showed (None if the shown listing is of another folder)."""
        if self.loaded_folder != folder or self.loading:
            return None
        return {row.name for row in self.model.rows()}

    def refresh_if_idle(self) -> None:
        """Reload the shown folder unless a listing is under way (after a transfer into it)."""
        if not self.loading and self.loaded_folder:
            self.refresh()

    # -- clear folder ---------------------------------------------------------------------------------------

    def clear_folder(self, confirm_text: str | None = None) -> bool:
        """Ask for the typed confirmation (or take ``confirm_text``), then clear the folder on the server."""
        if not self.session.role.can_upload():
            return False
        folder = self.loaded_folder or self.folder()
        if confirm_text is None:
            dialog = ClearFolderDialog(folder, self)
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.confirmed():
                return False
        elif confirm_text.strip() != CONFIRM_WORD:
            return False
        client = self.session.client
        log.info("Clearing folder %s", folder)
        self.session.runner.run(
            lambda: client.clear_folder(folder),
            lambda _r: self.refresh(),
            lambda exc: self._on_clear_failed(folder, exc),
            name=f"clear-{folder}",
        )
        return True
