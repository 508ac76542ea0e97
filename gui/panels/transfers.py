"""Transfers: the queue of uploads, downloads and unlocks with progress, speed, ETA and state."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect
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

from gui.assets import icon
from gui.fit import StatusLabel, fit_sections
from gui.models import FRACTION_ROLE, JOB_ROLE, TransfersModel
from gui.panels.base import Panel
from gui.workers.jobs import JobState


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a native progress bar with the byte counts as text."""

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # noqa: ANN001
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

    def __init__(self, window) -> None:  # noqa: ANN001
        super().__init__(window)
        self.queue = window.queue
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
        header.setSectionResizeMode(TransfersModel.PROGRESS, QHeaderView.ResizeMode.Stretch)
        fit_sections(header, {TransfersModel.DIRECTION: 13, TransfersModel.SPEED: 13, TransfersModel.ETA: 9,
                              TransfersModel.STATE: 18})

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
        self.retry_button = QPushButton(icon("retry"), self.tr("Retry failed"))
        self.clear_button = QPushButton(icon("clear"), self.tr("Clear finished"))
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 16)
        self.concurrency.setValue(self.queue.concurrency)
        self.concurrency.setToolTip(self.tr("How many transfers run at the same time"))
        self.summary = StatusLabel()
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.pause_button.clicked.connect(lambda: self._each_selected(self.queue.pause))
        self.resume_button.clicked.connect(lambda: self._each_selected(self.queue.resume))
        self.discard_button.clicked.connect(lambda: self._each_selected(self.queue.discard))
        self.retry_button.clicked.connect(self.queue.retry_failed)
        self.clear_button.clicked.connect(self.queue.clear_finished)
        self.concurrency.valueChanged.connect(self._on_concurrency)
        self.queue.active_changed.connect(self._update_summary)
        self.queue.job_finished.connect(lambda _j: self._update_summary())

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(QLabel(self.tr("At once")))
        buttons.addWidget(self.concurrency)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.resume_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update_summary()

    def title(self) -> str:
        return self.tr("Transfers")

    def _on_concurrency(self, value: int) -> None:
        self.queue.set_concurrency(value)
        self.window_.ctx.settings.concurrency = value
        self.window_.ctx.save()

    def selected_jobs(self) -> list:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        return [self.model.job_at(row) for row in sorted(rows)]

    def _each_selected(self, action) -> None:  # noqa: ANN001
        for job in self.selected_jobs():
            action(job)

    def cancel_selected(self) -> None:
        self._each_selected(self.queue.cancel)

    def _update_summary(self, *_args) -> None:  # noqa: ANN002
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
