"""The app's last line of defence: an exception nobody caught (in a slot, a timer, an event handler) is logged
with its traceback and shown in a dialog with "Copy details" and "Open log folder"; the app keeps running.

PySide6 hands such exceptions to ``sys.excepthook`` and carries on; the default hook only prints to a console a
desktop user never sees. ``install`` replaces the default hook only (a test runner's own hook stays)."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("azaion.gui.crash")

_showing: list[QMessageBox] = []


def _tr(text: str) -> str:
    return QCoreApplication.translate("Crash", text)


def install() -> bool:
    """Route uncaught exceptions to ``report`` unless another hook (pytest-qt's, a debugger's) is in place."""
    if sys.excepthook is not sys.__excepthook__:
        return False
    sys.excepthook = report
    return True


def report(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> QMessageBox | None:
    """Log the traceback and show it in a dialog (one at a time: a second error while it is open is logged)."""
    if issubclass(kind, KeyboardInterrupt | SystemExit):
        sys.__excepthook__(kind, exc, tb)
        return None
    details = "".join(traceback.format_exception(kind, exc, tb))
    log.error("Unexpected error (the app keeps running)", exc_info=(kind, exc, tb))  # traceback: multi-line
    if QApplication.instance() is None or _showing:
        return None
    from core.paths import log_dir

    box = QMessageBox(QMessageBox.Icon.Critical, _tr("Azaion Admin — Unexpected error"),
                      _tr("Something went wrong inside the app. It keeps running, but the last action may not have finished. Please report the details (they are in the log too)."),  # noqa: E501
                      QMessageBox.StandardButton.Close, QApplication.activeWindow())
    box.setObjectName("crashDialog")
    from PySide6.QtCore import Qt  # here: installing the hook must not build the Qt namespace (~15 ms at start)

    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setDetailedText(details)
    copy = box.addButton(_tr("Copy details"), QMessageBox.ButtonRole.ActionRole)
    folder = box.addButton(_tr("Open log folder"), QMessageBox.ButtonRole.ActionRole)
    # Action buttons would close the box; these act and leave it open.
    copy.clicked.disconnect()
    folder.clicked.disconnect()
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(details))
    folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir()))))
    box.copy_button, box.folder_button = copy, folder  # type: ignore[attr-defined]
    box.finished.connect(lambda _r: _showing.remove(box) if box in _showing else None)
    _showing.append(box)
    box.open()
    return box
