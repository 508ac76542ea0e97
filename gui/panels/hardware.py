"""Hardware (Admin, ApiAdmin): pie charts of the users' CPU models, GPU models and memory sizes (memory in GB,
read the way the web admin reads it), over all users or those whose email matches a filter. Clicking a slice
lists the users it counts."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
)

from core import users as users_api
from core.models import User
from gui.assets import icon
from gui.charts import PieChart
from gui.fit import StatusLabel
from gui.panels.admin import refusal_text
from gui.panels.base import Panel
from gui.panels.session import PanelSession

log = logging.getLogger("azaion.gui.hardware")

SLICE_LIMIT = 8


class HardwarePanel(Panel):
    key = "hardware"
    icon_name = "chart"

    def __init__(self, session: PanelSession) -> None:
        super().__init__(session)
        self.users: list[User] = []
        self.stats: users_api.HardwareStats | None = None
        self.loading = False
        self.loaded = False

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("hardwareSearch")
        self.search_edit.setPlaceholderText(self.tr("Only users whose email contains…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(300)
        self.search_timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(lambda _t: self.search_timer.start())
        self.refresh_button = QPushButton(icon("refresh"), self.tr("&Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        self.summary = StatusLabel()
        self.summary.setObjectName("hardwareSummary")

        self.other = self.tr("Other")
        self.unknown = self.tr("Unknown")
        self.cpu_chart = PieChart(self.tr("CPU"))
        self.gpu_chart = PieChart(self.tr("GPU"))
        self.memory_chart = PieChart(self.tr("Memory"))
        self.charts = {"cpu": self.cpu_chart, "gpu": self.gpu_chart, "memory": self.memory_chart}
        for name, chart in self.charts.items():
            chart.setObjectName(f"{name}Chart")
            chart.other_label = self.other
            chart.slice_clicked.connect(lambda label, n=name: self.show_slice(n, label))
            chart.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.details_box = QGroupBox(self.tr("Users in the selected slice"))
        self.details = QListWidget()
        self.details.setObjectName("sliceUsers")
        box_layout = QVBoxLayout(self.details_box)
        self.details_hint = QLabel(self.tr("Click a slice, or choose it here, to list its users."))
        self.details_hint.setWordWrap(True)
        self.slice_combo = QComboBox()
        self.slice_combo.setObjectName("sliceCombo")
        self.slice_combo.activated.connect(self._on_slice_chosen)
        box_layout.addWidget(self.details_hint)
        box_layout.addWidget(self.slice_combo)
        box_layout.addWidget(self.details, 1)

        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.refresh_button)
        grid = QGridLayout()
        grid.addWidget(self.cpu_chart, 0, 0)
        grid.addWidget(self.gpu_chart, 0, 1)
        grid.addWidget(self.memory_chart, 1, 0)
        grid.addWidget(self.details_box, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid, 1)
        layout.addWidget(self.summary)

    def title(self) -> str:
        return self.tr("Hardware")

    def allowed(self) -> tuple[bool, str]:
        if self.session.role.can_manage_users():
            return True, ""
        return False, self.tr("Only administrators see the users' hardware")

    def activated(self) -> None:
        if not self.loaded and not self.loading:
            self.refresh()

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    # -- data -----------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.search_timer.stop()
        search = self.search_edit.text().strip()
        client = self.session.client
        self.loading = True
        self.refresh_button.setEnabled(False)
        self.summary.setText(self.tr("Loading…"))
        self.session.runner.run_latest("hardware-users", lambda: users_api.list_users(client, search),
                                       self._on_loaded, self._on_failed, name="hardware-users")

    def _on_loaded(self, users: list[User]) -> None:
        self.loading = False
        self.loaded = True
        self.refresh_button.setEnabled(True)
        self.set_users(users)
        self.session.note_answer()

    def _on_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.refresh_button.setEnabled(True)
        self.session.note_error(exc)
        self.summary.setText(self.tr("Could not load the users: {0}").format(refusal_text(exc)))

    def set_users(self, users: list[User]) -> None:
        """Build the charts from these users (also used by tests and screenshots)."""
        self.users = list(users)
        stats = users_api.hardware_stats(self.users)
        self.stats = stats

        def localise(counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
            named = [(self.unknown if label == users_api.UNKNOWN_LABEL else label, n) for label, n in counts]
            return users_api.top_slices(named, SLICE_LIMIT, self.other)

        titles = {"cpu": self.tr("CPU"), "gpu": self.tr("GPU"), "memory": self.tr("Memory")}
        for name, counts in (("cpu", stats.cpu), ("gpu", stats.gpu), ("memory", stats.memory)):
            chart = self.charts[name]
            chart.set_counts(localise(counts))
            chart.set_title(titles[name] if counts else self.tr("{0} — no bound machines").format(titles[name]))
        text = self.tr("%n user(s)", "", stats.users) + ", " + self.tr("%n with a bound machine", "", stats.bound)
        if stats.unbound:
            text += " — " + self.tr("%n not bound yet (not in the charts)", "", stats.unbound)
        self.summary.setText(text)
        self.details.clear()
        self.slice_combo.clear()
        self.slice_combo.addItem(self.tr("Choose a slice…"), None)
        for name, chart in self.charts.items():
            for label, count in chart.counts():
                self.slice_combo.addItem(f"{titles[name]}: {label} — {count}", f"{name}\t{label}")

    def _on_slice_chosen(self, index: int) -> None:
        data = self.slice_combo.itemData(index)
        if data:
            name, label = str(data).split("\t", 1)
            self.show_slice(name, label)

    def users_in_slice(self, chart: str, label: str) -> list[str]:
        shown = {lbl for lbl, _ in self.charts[chart].counts()}
        emails = []
        for user in self.users:
            hw = users_api.parse_hardware(user.hardware)
            if hw is None:
                continue
            value = {"cpu": hw.cpu, "gpu": hw.gpu, "memory": hw.memory_label}[chart] or self.unknown
            if value == label or (label == self.other and value not in shown):
                emails.append(user.email)
        return sorted(emails, key=str.casefold)

    def show_slice(self, chart: str, label: str) -> None:
        self.details.clear()
        emails = self.users_in_slice(chart, label)
        self.details_box.setTitle(self.tr("{0}: {1}").format(self.charts[chart].title(), label))
        self.details.addItems(emails)
        self.details_hint.setText(self.tr("%n user(s)", "", len(emails)))
        for position in range(self.slice_combo.count()):
            if self.slice_combo.itemData(position) == f"{chart}\t{label}":
                self.slice_combo.setCurrentIndex(position)
                break
