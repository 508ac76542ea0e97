"""The system-tray icon, where the desktop has a tray: Show, Pause all and Quit, and a place for transfers to keep
running after the window is closed ("Keep transfers running in the tray?").

Whether a tray exists is asked through :func:`tray_available` (``QSystemTrayIcon.isSystemTrayAvailable``), which
tests replace: the offscreen platform of the pytest-qt suite has no tray.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QSystemTrayIcon

from gui.assets import icon


def tray_available() -> bool:
    """Does the desktop show tray icons (an XEmbed or StatusNotifierItem host on Linux; always on Windows)?"""
    return QSystemTrayIcon.isSystemTrayAvailable()


class CloseChoice(Enum):
    KEEP = "keep"  # hide the window, transfers go on, the tray icon stays
    QUIT = "quit"  # stop (pause what can be resumed) and quit
    CANCEL = "cancel"  # keep the window open


class Tray(QObject):
    """The tray icon and its menu. ``show_window``, ``pause_all`` and ``quit`` are the window's."""

    def __init__(self, parent: QObject, show_window: Callable[[], None], pause_all: Callable[[], None],
                 quit_app: Callable[[], None]) -> None:
        super().__init__(parent)
        self.icon = QSystemTrayIcon(icon("app"), self)
        self.icon.setToolTip("Azaion Admin")
        self.menu = QMenu()
        self.show_action = QAction(self.menu)
        self.pause_action = QAction(self.menu)
        self.quit_action = QAction(self.menu)
        self.show_action.triggered.connect(lambda: show_window())
        self.pause_action.triggered.connect(lambda: pause_all())
        self.quit_action.triggered.connect(lambda: quit_app())
        self.menu.addAction(self.show_action)
        self.menu.addAction(self.pause_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self._show_window = show_window
        self.retranslate()
        self.set_active(0)
        self.icon.show()

    def ask_keep_running(self, window: QMainWindow, count: int) -> CloseChoice:
        """The question when the window is closed with transfers running (and so a tray exists)."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Azaion Admin — Work in progress"),
                          self.tr("%n transfer(s) are still running or queued. Keep transfers running in the tray?",
                                  "", count),
                          QMessageBox.StandardButton.NoButton, window)
        box.setInformativeText(self.tr("Stop and quit pauses uploads and downloads (they can be resumed after the "
                                       "next login) and cancels other work."))
        keep = box.addButton(self.tr("&Keep running"), QMessageBox.ButtonRole.AcceptRole)
        stop = box.addButton(self.tr("&Stop and quit"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        if clicked is keep:
            return CloseChoice.KEEP
        if clicked is stop:
            return CloseChoice.QUIT
        return CloseChoice.CANCEL

    def retranslate(self) -> None:
        self.show_action.setText(self.tr("&Show Azaion Admin"))
        self.pause_action.setText(self.tr("&Pause all transfers"))
        self.quit_action.setText(self.tr("&Quit"))

    def set_active(self, count: int) -> None:
        """The tooltip says how many transfers are running; Pause all is enabled while there are any."""
        self.pause_action.setEnabled(count > 0)
        self.icon.setToolTip(
            "Azaion Admin — " + self.tr("%n transfer(s) running", "", count)
            if count else "Azaion Admin")

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self._show_window()

    def close(self) -> None:
        self.icon.hide()
        self.menu.deleteLater()
