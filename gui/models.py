"""Item models: resources of a folder (with a filter/sort proxy) and the transfer queue."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from core.progress import human_bytes, human_duration
from core.resource_rows import ResourceRow
from gui.workers.jobs import Job, JobState
from gui.workers.queue import TransferQueue

log = logging.getLogger("azaion.gui.models")

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FRACTION_ROLE = Qt.ItemDataRole.UserRole + 2
JOB_ROLE = Qt.ItemDataRole.UserRole + 3
ROW_ROLE = Qt.ItemDataRole.UserRole + 4

Index = QModelIndex | QPersistentModelIndex


def _tr(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def kind_text(row: ResourceRow) -> str:
    return _tr("Resources", "file") if row.plain else _tr("Resources", "resource")


class ResourceTableModel(QAbstractTableModel):
    NAME, SIZE, MODIFIED, CACHED = range(4)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[ResourceRow] = []
        self._headers = [
            _tr("Resources", "Name"),
            _tr("Resources", "Size"),
            _tr("Resources", "Modified"),
            _tr("Resources", "Cached locally"),
        ]

    def set_rows(self, rows: list[ResourceRow]) -> None:
        self.beginResetModel()
        self._rows = self._sorted(list(rows))
        self.endResetModel()

    _sort_column = 0
    _sort_order = Qt.SortOrder.AscendingOrder

    def _key(self, column: int):
        if column == self.SIZE:
            return lambda r: (r.size is None, r.size or 0)
        if column == self.MODIFIED:
            return lambda r: (r.modified is None, r.modified.timestamp() if r.modified else 0.0)
        if column == self.CACHED:
            return lambda r: (r.plain, not r.cached, r.name.casefold())
        return lambda r: r.name.casefold()

    def _sorted(self, rows: list[ResourceRow]) -> list[ResourceRow]:
        rows.sort(key=self._key(self._sort_column), reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
        return rows

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorted in Python in one pass (a proxy would call back into Python for every comparison)."""
        self._sort_column = column if 0 <= column < 4 else 0
        self._sort_order = order
        self.beginResetModel()
        self._rows = self._sorted(self._rows)
        self.endResetModel()

    def rows(self) -> list[ResourceRow]:
        return list(self._rows)

    def row_at(self, row: int) -> ResourceRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NAME:
                return row.name
            if col == self.SIZE:
                if row.size is None:
                    return "—"
                return f"≈ {human_bytes(row.size)}" if row.approx else human_bytes(row.size)
            if col == self.MODIFIED:
                return row.modified.astimezone().strftime("%Y-%m-%d %H:%M") if row.modified else "—"
            if col == self.CACHED:
                if row.plain:
                    return "—"
                return _tr("Resources", "yes") if row.cached else _tr("Resources", "no")
        elif role == SORT_ROLE:
            if col == self.NAME:
                return row.name.casefold()
            if col == self.SIZE:
                return row.size if row.size is not None else -1
            if col == self.MODIFIED:
                return row.modified.timestamp() if row.modified else 0.0
            return int(row.cached)
        elif role == Qt.ItemDataRole.ToolTipRole and col == self.NAME:
            return f"{row.name} ({kind_text(row)})"
        elif role == Qt.ItemDataRole.TextAlignmentRole and col == self.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        elif role == ROW_ROLE:
            return row
        return None


class ResourceFilterProxy(QSortFilterProxyModel):
    """Case-insensitive substring filter on the name. The match set is computed in one pass over the source
    rows in Python (fast), so the per-row check the proxy makes is a set lookup."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._accepted: set[int] | None = None
        self.setSortRole(SORT_ROLE)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_search(self, text: str) -> None:
        needle = text.strip().casefold()
        if needle == self._needle:
            return
        self._needle = needle
        self._recompute()
        # One rebuild and one layoutChanged: an incremental row-filter update emits a rowsRemoved/rowsInserted
        # per range, which makes the view relayout thousands of times for a big change (2x slower at 10k rows).
        self.invalidate()

    def search(self) -> str:
        return self._needle

    def _recompute(self) -> None:
        source = self.sourceModel()
        if not self._needle or source is None:
            self._accepted = None
            return
        rows = source.rows() if hasattr(source, "rows") else []
        needle = self._needle
        self._accepted = {i for i, r in enumerate(rows) if needle in r.name.casefold()}

    def setSourceModel(self, model) -> None:
        super().setSourceModel(model)
        model.modelReset.connect(self._recompute)
        self._recompute()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is delegated to the source model; the proxy keeps source order and only filters."""
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        accepted = self._accepted
        return accepted is None or source_row in accepted


def job_destination(job: Job) -> str:
    """Where the transfer goes: the download's folder on this computer, the upload's folder on the server (two
    uploads of one file name to two folders looked identical)."""
    _source, arrow, destination = job.detail.partition(" → ")
    return destination if arrow else ""


class TransfersModel(QAbstractTableModel):
    ITEM, LOCATION, DIRECTION, PROGRESS, SPEED, ETA, STATE = range(7)

    def __init__(self, queue: TransferQueue, parent=None) -> None:
        super().__init__(parent)
        self.queue = queue
        self._headers = [
            _tr("Transfers", "Item"),
            _tr("Transfers", "Destination"),
            _tr("Transfers", "Direction"),
            _tr("Transfers", "Progress"),
            _tr("Transfers", "Speed"),
            _tr("Transfers", "ETA"),
            _tr("Transfers", "State"),
        ]
        queue.job_added.connect(self._on_added)
        queue.job_changed.connect(self._on_changed)
        queue.jobs_removed.connect(self._on_reset)

    def _on_added(self, job: Job) -> None:
        row = self.queue.row_of(job)
        self.beginInsertRows(QModelIndex(), row, row)
        self.endInsertRows()

    def _on_changed(self, job: Job) -> None:
        row = self.queue.row_of(job)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def _on_reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def job_at(self, row: int) -> Job:
        return self.queue.jobs[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.queue.jobs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 7

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.queue.jobs):
            return None
        job = self.queue.jobs[index.row()]
        col = index.column()
        if role == JOB_ROLE:
            return job
        if role == FRACTION_ROLE and col == self.PROGRESS:
            return job.fraction
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.ITEM:
                return job.title
            if col == self.LOCATION:
                return job_destination(job)
            if col == self.DIRECTION:
                return job.direction_text()
            if col == self.PROGRESS:
                if job.total:
                    return f"{human_bytes(job.done)} / {human_bytes(job.total)}"
                return ""
            if col == self.SPEED:
                speed = job.speed()
                if speed is not None:
                    return f"{human_bytes(speed)}/s"
                return "…" if job.state is JobState.RUNNING else "—"  # measuring / not moving (was "?")
            if col == self.ETA:
                if job.state is not JobState.RUNNING:
                    return "—"
                eta = job.eta()
                return human_duration(eta) if eta is not None else "…"
            if col == self.STATE:
                if job.state in (JobState.QUEUED, JobState.FAILED) and job.message:
                    # why it waits (the cache is being cleared) or why it failed: in the row, not only a tooltip
                    return f"{job.state_text()}: {job.message}"
                return job.state_text()
        if role == Qt.ItemDataRole.ToolTipRole:
            if job.state is JobState.FAILED and job.error is not None:  # the sentence, then the technical text
                from gui.errors_text import technical_detail

                return f"{job.message}\n\n{technical_detail(job.error)}"
            if job.message and job.state in (JobState.FAILED, JobState.QUEUED):
                return job.message
            return job.detail or job.title
        return None
