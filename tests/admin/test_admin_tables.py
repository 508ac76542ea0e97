"""Admin data at full width: the users table's columns fit their contents (Drive took the spare width while
email, last login, CPU and GPU were cut), pie charts name slices without cutting them, roles have human names."""

from __future__ import annotations

from core.models import RoleEnum
from gui.panels.users_model import UsersTableModel

HW = ("CPU: Intel(R) Xeon(R) W-2245 CPU @ 3.90GHz. GPU: NVIDIA RTX A4000 Laptop GPU. Memory: 65536000. "
      "DriveSerial: WD-123")


def test_users_columns_fit_their_contents(qtbot, logged_in, add_users):
    add_users([HW, HW], domain="a-rather-long-domain-name-for-the-email-column.example")
    controller, _ = logged_in(RoleEnum.Admin)
    window = controller.window
    window.resize(1400, 800)
    window.show_panel("users")
    panel = window.users_panel
    qtbot.waitUntil(lambda: panel.loaded and not panel.loading and panel.model.rowCount() > 2, timeout=20000)
    table, header = panel.table, panel.table.horizontalHeader()
    cap = panel.fontMetrics().averageCharWidth() * panel.MAX_COLUMN_CHARS
    for col in (UsersTableModel.EMAIL, UsersTableModel.ROLE, UsersTableModel.LAST_LOGIN, UsersTableModel.CPU,
                UsersTableModel.GPU):
        need = min(cap, max(table.sizeHintForColumn(col), header.sectionSizeHint(col)))
        assert header.sectionSize(col) >= need, (col, header.sectionSize(col), need)
    drive = UsersTableModel.DRIVE
    assert header.sectionSize(drive) <= max(table.sizeHintForColumn(drive), header.sectionSizeHint(drive)) + 2
    roles = {panel.model.index(r, UsersTableModel.ROLE).data() for r in range(panel.model.rowCount())}
    assert "Administrator" in roles and not roles & {"ResourceUploader", "CompanionPC", "ApiAdmin"}


def test_pie_chart_names_slices_in_full(qtbot):
    from PySide6.QtCore import Qt

    from gui.charts import PieChart

    chart = PieChart("CPU")
    qtbot.addWidget(chart)
    chart.resize(420, 320)
    chart.set_counts([("Intel(R) Xeon(R) W-2245 CPU @ 3.90GHz", 3), ("AMD Ryzen 9 7950X 16-Core Processor", 2)])
    chart.show()
    assert chart.chart_.legend().alignment() == Qt.AlignmentFlag.AlignBottom
    piece = chart.series.slices()[0]
    piece.hovered.emit(True)
    assert not piece.isLabelVisible()  # a label in the plot area was cut to "3 × A…"; the tooltip is not
    assert chart.hover_text(piece, 60.0) == "3 × Intel(R) Xeon(R) W-2245 CPU @ 3.90GHz (60%)"
    piece.hovered.emit(False)
