"""Log: the application's log records, live, with a level filter and a button to open the log folder."""

from __future__ import annotations

import logging

from PySide6.QtCore import QT_TRANSLATE_NOOP, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QFont, QTextCursor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from core.paths import log_dir
from gui.assets import icon
from gui.logview import QtLogHandler
from gui.panels.base import Panel
from gui.panels.session import PanelSession

LEVELS = (
    (QT_TRANSLATE_NOOP("LogPanel", "Debug"), logging.DEBUG),
    (QT_TRANSLATE_NOOP("LogPanel", "Info"), logging.INFO),
    (QT_TRANSLATE_NOOP("LogPanel", "Warning"), logging.WARNING),
    (QT_TRANSLATE_NOOP("LogPanel", "Error"), logging.ERROR),
)


class LogPanel(Panel):
    key = "log"
    icon_name = "log"

    def __init__(self, session: PanelSession, handler: QtLogHandler) -> None:
        super().__init__(session)
        self.handler = handler
        self.view = QPlainTextEdit()
        self.view.setObjectName("logView")
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(5000)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.view.setFont(mono)
        self.level_combo = QComboBox()
        for name, level in LEVELS:
            self.level_combo.addItem(self.tr(name), level)
        self.level_combo.setCurrentIndex(1)
        self.level_combo.currentIndexChanged.connect(self._refill)
        self.open_button = QPushButton(icon("open-folder"), self.tr("&Open log folder"))
        self.open_button.clicked.connect(self.open_log_folder)
        top = QHBoxLayout()
        level_label = QLabel(self.tr("&Level"))
        level_label.setBuddy(self.level_combo)
        top.addWidget(level_label)
        top.addWidget(self.level_combo)
        top.addStretch(1)
        top.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        handler.emitter.record.connect(self.append_record)
        self._refill()

    def title(self) -> str:
        return self.tr("Log")

    def level(self) -> int:
        return int(self.level_combo.currentData())

    def _refill(self) -> None:
        level = self.level()
        self.view.setPlainText("\n".join(text for lv, text in list(self.handler.buffer) if lv >= level))
        self.view.moveCursor(QTextCursor.MoveOperation.End)
        self.view.moveCursor(QTextCursor.MoveOperation.StartOfLine)  # newest line, not scrolled sideways
        self.view.horizontalScrollBar().setValue(0)

    def refresh(self) -> None:
        """F5: show the records again (with the current level filter)."""
        self._refill()

    @Slot(int, str)
    def append_record(self, level: int, text: str) -> None:
        if level >= self.level():
            self.view.appendPlainText(text)

    def text(self) -> str:
        return self.view.toPlainText()

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir())))
