"""Suites: the production and stage suite folders (``suite``, ``suite-stage``) side by side, each with refresh,
"download installer", and for uploaders and admins upload and clear (typed confirmation). Installer downloads
and uploads run in the transfer queue like every other transfer."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
)

from core.progress import human_bytes
from core.resource_rows import ResourceRow, listing_rows
from gui import context_menu
from gui.assets import icon
from gui.dialogs.clear_folder import CONFIRM_WORD, ClearFolderDialog
from gui.fit import StatusLabel
from gui.models import ResourceTableModel
from gui.overwrite import plan_names
from gui.panels.admin import refusal_text
from gui.panels.base import Panel
from gui.panels.resources import plan_downloads, resource_table
from gui.panels.session import PanelSession
from gui.workers.jobs import Job, JobState, download_job, installer_job, upload_job

log = logging.getLogger("azaion.gui.suites")

PRODUCTION_FOLDER = "suite"
STAGE_FOLDER = "suite-stage"


class SuiteBox(QGroupBox):
    """One suite: its folder listing and actions."""

    def __init__(self, panel: SuitesPanel, folder: str, stage: bool) -> None:
        super().__init__()
        self.panel = panel
        self.folder = folder
        self.stage = stage
        self.setObjectName("suiteBox")
        self.loading = False
        self.loaded = False
        self.model, self.proxy, self.table = resource_table(self, f"table-{folder}")
        header = self.table.horizontalHeader()
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.hideColumn(ResourceTableModel.CACHED)
        self.table.doubleClicked.connect(lambda _i: self.download_selected())
        context_menu.activate_on_enter(self.table, lambda _i: self.download_selected())
        self.status = StatusLabel()
        self.status.setObjectName(f"status-{folder}")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # long paths elide

        self.refresh_button = QPushButton(icon("refresh"), self.tr("Refresh"))
        self.installer_button = QPushButton(icon("installer"), self.tr("Download installer…"))
        self.installer_button.setObjectName(f"installer-{folder}")
        self.download_button = QPushButton(icon("download"), self.tr("Download…"))
        self.upload_button = QPushButton(icon("upload"), self.tr("Upload…"))
        self.clear_button = QPushButton(icon("clear"), self.tr("Clear…"))
        self.refresh_button.clicked.connect(self.refresh)
        self.installer_button.clicked.connect(lambda: self.download_installer())
        self.download_button.clicked.connect(lambda: self.download_selected())
        self.upload_button.clicked.connect(lambda: self.upload())
        self.clear_button.clicked.connect(lambda: self.clear())
        self.context_menu = context_menu.install(  # the box's buttons, enabled as they are
            self.table, lambda: [self.download_button, self.upload_button, None, self.refresh_button,
                                 self.installer_button, None, self.clear_button]
        )
        may_upload = panel.session.role.can_upload()
        for button in (self.upload_button, self.clear_button):
            button.setEnabled(may_upload)
            if not may_upload:
                button.setToolTip(self.tr("Only resource uploaders and administrators may change the suites"))

        row1 = QHBoxLayout()
        row1.addWidget(self.installer_button)
        row1.addStretch(1)
        row1.addWidget(self.refresh_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.download_button)
        row2.addWidget(self.upload_button)
        row2.addStretch(1)
        row2.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row1)
        layout.addWidget(self.table, 1)
        layout.addLayout(row2)
        layout.addWidget(self.status)

    def set_title(self, title: str) -> None:
        self.setTitle(title)

    # -- listing --------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        client = self.panel.session.client
        folder = self.folder
        self.loading = True
        self.refresh_button.setEnabled(False)
        self.status.setText(self.tr("Loading {0}…").format(folder))
        self.panel.session.runner.run_latest(  # a late answer to an older refresh must not replace a newer one
            ("suite-listing", self.stage), lambda: listing_rows(client, folder),
            self._on_listed, self._on_failed, name=f"list-{folder}",
        )

    def _on_listed(self, rows: list[ResourceRow]) -> None:
        self.loading = False
        self.loaded = True
        self.refresh_button.setEnabled(True)
        self.model.set_rows(rows)
        self.status.setText(self.tr("{0}: %n item(s)", "", len(rows)).format(self.folder))
        self.panel.session.note_answer()

    def _on_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.refresh_button.setEnabled(True)
        self.panel.session.note_error(exc)
        self.report(self.tr("Could not list {0}: {1}").format(self.folder, refusal_text(exc)))

    def _on_clear_failed(self, exc: BaseException) -> None:
        self.panel.session.note_error(exc)
        self.report(self.tr("Could not clear {0}: {1}").format(self.folder, refusal_text(exc)))

    def report(self, text: str) -> None:
        """An action's result: in the box and in the window's status bar, like every admin action."""
        self.status.setText(text)
        self.panel.session.show_status(text, 10000)

    def selected_rows(self) -> list[ResourceRow]:
        return [self.model.row_at(self.proxy.mapToSource(i).row()) for i in self.table.selectionModel().selectedRows()]

    def names(self) -> list[str]:
        return [row.name for row in self.model.rows()]

    # -- actions --------------------------------------------------------------------------------------------

    def download_installer(self, target_dir: Path | None = None) -> Job | None:
        target_dir = target_dir or self.panel.ask_directory(self.tr("Save the installer in"))
        if target_dir is None:
            return None
        title = self.tr("Stage installer") if self.stage else self.tr("Production installer")
        detail = (self.tr("stage installer → {0}") if self.stage
                  else self.tr("production installer → {0}")).format(Path(target_dir))
        job = installer_job(self.panel.session.client, Path(target_dir), self.stage, title, detail)
        job.on_done = lambda j: self.panel.installer_done(j, self)
        self.panel.session.queue.add(job)
        text = self.tr("Downloading the stage installer…") if self.stage else self.tr(
            "Downloading the production installer…"
        )
        self.report(text)
        return job

    def download_selected(self, target_dir: Path | None = None) -> list[Job]:
        rows = self.selected_rows()
        if not rows:
            self.status.setText(self.tr("Select the files to download."))
            return []
        target_dir = target_dir or self.panel.ask_directory(self.tr("Download to"))
        if target_dir is None:
            return []
        jobs = []
        for row, output_name, replace in plan_downloads(self, rows, Path(target_dir)):
            job = download_job(
                self.panel.session.client, self.folder, row.name, Path(target_dir), plain=row.plain,
                output_name=output_name, replace=replace, size=row.size,
            )
            jobs.append(self.panel.session.queue.add(job))
        return jobs

    def upload(self, paths: list[Path] | None = None) -> list[Job]:
        if paths is None:
            files, _ = QFileDialog.getOpenFileNames(self, self.tr("Upload to {0}").format(self.folder))
            paths = [Path(f) for f in files]
        jobs = []
        by_name = {path.name: path for path in paths}
        listed = {row.name for row in self.model.rows()}  # this box's listing: no request per file
        for name, upload_name, _replace in plan_names(self, list(by_name), listed.__contains__, self.folder):
            path = by_name[name]
            job = upload_job(self.panel.session.client, path, self.folder, upload_name)
            job.on_done = lambda j: QTimer.singleShot(0, self.refresh) if j.state is JobState.DONE else None
            jobs.append(self.panel.session.queue.add(job))
        if jobs:
            self.status.setText(self.tr("Queued %n upload(s)", "", len(jobs)))
        return jobs

    def clear(self, confirm_text: str | None = None) -> bool:
        if not self.panel.session.role.can_upload():
            return False
        if confirm_text is None:
            dialog = ClearFolderDialog(self.folder, self)
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.confirmed():
                return False
        elif confirm_text.strip() != CONFIRM_WORD:
            return False
        client = self.panel.session.client
        folder = self.folder
        self.panel.session.runner.run(
            lambda: client.clear_folder(folder),
            lambda _r: (self.report(self.tr("Cleared {0}").format(folder)), self.refresh()),
            self._on_clear_failed, name=f"clear-{folder}",
        )
        return True


class SuitesPanel(Panel):
    key = "suites"
    icon_name = "suites"

    def __init__(self, session: PanelSession) -> None:
        super().__init__(session)
        self.production = SuiteBox(self, PRODUCTION_FOLDER, stage=False)
        self.stage = SuiteBox(self, STAGE_FOLDER, stage=True)
        self.production.set_title(self.tr("Production ({0})").format(PRODUCTION_FOLDER))
        self.stage.set_title(self.tr("Stage ({0})").format(STAGE_FOLDER))
        self.refresh_button = QPushButton(icon("refresh"), self.tr("&Refresh both"))
        self.refresh_button.clicked.connect(self.refresh)
        self.last_installer: Job | None = None
        top = QHBoxLayout()
        hint = QLabel(self.tr("The platform suites and their installers, production and stage side by side."))
        hint.setWordWrap(True)
        top.addWidget(hint, 1)
        top.addWidget(self.refresh_button)
        sides = QHBoxLayout()
        sides.addWidget(self.production, 1)
        sides.addWidget(self.stage, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(sides, 1)

    def title(self) -> str:
        return self.tr("Suites")

    def boxes(self) -> tuple[SuiteBox, SuiteBox]:
        return self.production, self.stage

    def activated(self) -> None:
        for box in self.boxes():
            if not box.loaded and not box.loading:
                box.refresh()

    def refresh(self) -> None:
        for box in self.boxes():
            box.refresh()

    def ask_directory(self, caption: str) -> Path | None:
        qs = self.session.qsettings
        last = str(qs.value("suites/last_dir", str(Path.home())))
        chosen = QFileDialog.getExistingDirectory(self, caption, last)
        if not chosen:
            return None
        qs.setValue("suites/last_dir", chosen)
        return Path(chosen)

    def installer_done(self, job: Job, box: SuiteBox) -> None:
        self.last_installer = job
        if job.state is JobState.DONE and job.result is not None:
            result = job.result
            text = self.tr("Saved {0} ({1}) in {2}").format(result.path.name, human_bytes(result.size),
                                                            result.path.parent)
            box.status.setToolTip(str(result.path))
        elif job.state is JobState.FAILED:
            text = self.tr("Installer download failed: {0}").format(job.message)
        else:
            text = self.tr("Installer download cancelled")
        box.report(text)


__all__ = ["SuiteBox", "SuitesPanel"]

