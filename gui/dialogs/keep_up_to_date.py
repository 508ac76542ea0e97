""""Keep up to date" for one folder: on or off, the local folder and the period; gui/sync_schedule.py applies the
answer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from gui.schedules import DEFAULT_PERIOD_S, MAX_PERIOD_S, MIN_PERIOD_S, Schedule


class KeepUpToDateDialog(QDialog):
    """Keep one folder up to date: on/off, the local folder and the period (minutes)."""

    def __init__(self, folder: str, schedule: Schedule | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keepUpToDateDialog")
        self.setWindowTitle(self.tr("Keep {0} up to date").format(folder))
        self.enabled_box = QCheckBox(self.tr("&Keep this folder up to date on this computer"))
        self.enabled_box.setChecked(True)
        self.dir_edit = QLineEdit(schedule.target if schedule else str(Path.home() / "Azaion" / folder))
        self.dir_edit.setObjectName("syncDirEdit")
        browse = QPushButton(self.tr("&Browse…"))
        browse.clicked.connect(self._browse)
        self.period_spin = QSpinBox()
        self.period_spin.setObjectName("syncPeriodSpin")
        self.period_spin.setRange(MIN_PERIOD_S // 60, MAX_PERIOD_S // 60)
        self.period_spin.setSuffix(self.tr(" min"))
        self.period_spin.setValue((schedule.period_s if schedule else DEFAULT_PERIOD_S) // 60)
        row = QHBoxLayout()
        row.addWidget(self.dir_edit, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow(self.enabled_box)
        form.addRow(self.tr("Local &folder"), row)
        form.addRow(self.tr("&Every"), self.period_spin)
        note = QLabel(self.tr("New and changed resources are downloaded; files you change there are never "
                              "overwritten."))
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.enabled_box.toggled.connect(lambda on: (self.dir_edit.setEnabled(on), self.period_spin.setEnabled(on)))

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Local folder"), self.dir_edit.text())
        if chosen:
            self.dir_edit.setText(chosen)
