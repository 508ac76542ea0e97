"""Transfers: the queue of uploads, downloads and unlocks with progress, speed, ETA and state."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QRect, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
)

from gui import context_menu
from gui.assets import icon
from gui.fit import StatusLabel, fit_sections
from gui.models import FRACTION_ROLE, JOB_ROLE, TransfersModel
from gui.panels.base import Panel
from gui.panels.session import PanelSession
from gui.workers.jobs import JobState


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a native progress bar with the byte counts as text."""

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        fraction = index.data(FRACTION_ROLE)
        job = index.data(JOB_ROLE) or index.siblingAtColumn(0).data(JOB_ROLE)
        bar = QStyleOptionProgressBar()
        margin = max(2, option.rect.height() // 8)
        bar.rect = QRect(option.rect.adjusted(margin, margin, -margin, -margin))
        bar.minimum = 0
        bar.maximum = 1000
        bar.progress = int((fraction or 0.0) * 1000)
        bar.text = index.data() or (f"{fraction * 100:.0f}%" if fraction is not None else "")
        bar.textVisible = True
        bar.state = option.state | QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        if fraction is None and job is not None and job.state is JobState.RUNNING:
            bar.maximum = 0  # busy indicator when the total is unknown
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)


class TransfersPanel(Panel):
    key = "transfers"
    icon_name = "transfers"

    def __init__(self, session: PanelSession) -> None:
        super().__init__(session)
        self.queue = session.queue
        self.opened_folders: list[Path] = []  # what Show in folder opened
        self.open_url = QDesktopServices.openUrl  # tests replace it: no file manager in a test run
        self.model = TransfersModel(self.queue, self)
        self.table = QTableView()
        self.table.setObjectName("transfersTable")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(TransfersModel.PROGRESS, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TransfersModel.ITEM, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(TransfersModel.LOCATION, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # paths: both ends matter
        self.table.setWordWrap(False)
        fit_sections(header, {TransfersModel.DIRECTION: 13, TransfersModel.PROGRESS: 26, TransfersModel.SPEED: 13,
                              TransfersModel.ETA: 9, TransfersModel.STATE: 18})

        self.cancel_button = QPushButton(icon("cancel"), self.tr("Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.pause_button = QPushButton(self.tr("Pause"))
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setToolTip(self.tr("Stop the selected transfers but keep what they have done"))
        self.resume_button = QPushButton(self.tr("Resume"))
        self.resume_button.setObjectName("resumeButton")
        self.discard_button = QPushButton(self.tr("Discard"))
        self.discard_button.setObjectName("discardButton")
        self.discard_button.setToolTip(self.tr("Forget the selected paused or failed transfers and what they kept"))
        self.show_button = QPushButton(icon("open-folder"), self.tr("Show in folder"))
        self.show_button.setObjectName("showInFolderButton")
        self.show_button.setToolTip(self.tr("Open the folder of the selected finished download"))
        self.show_button.clicked.connect(lambda: self.show_in_folder())
        self.retry_button = QPushButton(icon("retry"), self.tr("Retry failed"))
        self.clear_button = QPushButton(icon("clear"), self.tr("Clear finished"))
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 16)
        self.concurrency.setValue(self.queue.concurrency)
        self.concurrency.setToolTip(self.tr("How many transfers run at the same time"))
        self.summary = StatusLabel()
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.context_menu = context_menu.install(  # the buttons' actions; Delete cancels the selected transfers
            self.table, lambda: [self.pause_button, self.resume_button, self.cancel_button, self.discard_button, None,
                                 self.show_button, None, self.retry_button, self.clear_button],
            delete=self.cancel_button,
        )
        self.pause_button.clicked.connect(lambda: self._each_selected(self.queue.pause))
        self.resume_button.clicked.connect(lambda: self._each_selected(self.queue.resume))
        self.discard_button.clicked.connect(lambda: self._each_selected(self.queue.discard))
        self.retry_button.clicked.connect(self.queue.retry_failed)
        self.clear_button.clicked.connect(self.queue.clear_finished)
        self.concurrency.valueChanged.connect(self._on_concurrency)
        self.queue.active_changed.connect(self._update_summary)
        self.queue.job_finished.connect(lambda _j: self._update_summary())
        # Restored (paused) transfers arrive through job_added before anything runs: count them too.
        self.queue.job_added.connect(lambda _j: self._update_summary())
        self.queue.jobs_removed.connect(self._update_summary)
        self.queue.job_changed.connect(lambda _j: self._update_buttons())
        self.queue.jobs_removed.connect(self._update_buttons)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.show_in_folder())
        context_menu.activate_on_enter(self.table, lambda _i: self.show_in_folder())

        buttons = QHBoxLayout()  # the summary has its own line: beside seven buttons it was squeezed to a word a line
        buttons.addWidget(QLabel(self.tr("At once")))
        buttons.addWidget(self.concurrency)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.resume_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        self._update_summary()
        self._update_buttons()

    def title(self) -> str:
        return self.tr("Transfers")

    def _on_concurrency(self, value: int) -> None:
        self.queue.set_concurrency(value)
        self.session.settings.concurrency = value
        self.session.ctx.save()

    def selected_jobs(self) -> list:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        return [self.model.job_at(row) for row in sorted(rows) if row < len(self.queue.jobs)]

    def _each_selected(self, action) -> None:
        for job in self.selected_jobs():
            action(job)

    def _update_buttons(self) -> None:
        """Pause, Resume, Cancel, Discard and Show in folder act on the selection: enabled only when one of the
        selected transfers can take them (they were enabled with nothing selected and silently did nothing)."""
        jobs = self.selected_jobs()
        self.pause_button.setEnabled(any(j.resumable and j.state.active for j in jobs))
        self.resume_button.setEnabled(any(j.state is JobState.PAUSED for j in jobs))
        self.cancel_button.setEnabled(any(j.state.active for j in jobs))
        self.discard_button.setEnabled(any(j.state in (JobState.PAUSED, JobState.FAILED) for j in jobs))
        self.show_button.setEnabled(self._folder_of(jobs) is not None)

    @staticmethod
    def _folder_of(jobs: list) -> Path | None:
        """The local folder of a single selected finished download (or lock), else None."""
        if len(jobs) != 1 or jobs[0].state is not JobState.DONE or jobs[0].target is None:
            return None
        target = Path(jobs[0].target)
        folder = target if target.is_dir() else target.parent
        return folder if folder.is_dir() else None

    def show_in_folder(self) -> Path | None:
        """Open the selected finished download's folder in the file manager."""
        folder = self._folder_of(self.selected_jobs())
        if folder is not None:
            self.opened_folders.append(folder)
            self.open_url(QUrl.fromLocalFile(str(folder)))
        return folder

    def cancel_selected(self) -> None:
        self._each_selected(self.queue.cancel)

    def _update_summary(self, *_args) -> None:
        jobs = self.queue.jobs
        active = sum(1 for j in jobs if j.state.active)
        failed = sum(1 for j in jobs if j.state is JobState.FAILED)
        paused = sum(1 for j in jobs if j.state is JobState.PAUSED)
        text = self.tr("{0} active, {1} in the list").format(active, len(jobs))
        if paused:
            text += " — " + self.tr("{0} paused").format(paused)
        if failed:
            text += " — " + self.tr("{0} failed").format(failed)
        self.summary.setText(text)
