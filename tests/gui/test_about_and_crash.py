"""Help → About names what a support request needs; an uncaught error in a slot is logged with its traceback and
shown with "Copy details" and "Open log folder", and the app keeps running (this was only in the smoke test)."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from core.models import RoleEnum


def test_about_names_version_server_paths_and_licences(qtbot, logged_in):
    from core.paths import log_dir

    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    assert window.about_action in window.menuBar().actions()[-1].menu().actions()
    box = window.show_about()
    text = box.text()
    for part in ("0.1.0", window.client.api_url, "settings.json", str(log_dir()), str(window.ctx.cache_root()),
                 "LGPL-3.0", "Apache-2.0"):
        assert part in text, part
    box.close()


def test_uncaught_error_in_a_slot_is_logged_and_shown_and_the_app_keeps_running(qtbot, logged_in, caplog,
                                                                                 monkeypatch, modal_watch):
    from gui import crash

    modal_watch.expect("crashDialog")  # the dialog this test looks at
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    assert crash.install() and sys.excepthook is crash.report

    def broken_slot() -> None:
        raise ZeroDivisionError("a bug in a slot")

    with caplog.at_level(logging.ERROR, logger="azaion.gui.crash"):
        QTimer.singleShot(0, broken_slot)  # as Qt calls a slot: the exception goes to sys.excepthook
        qtbot.waitUntil(lambda: bool(crash._showing), timeout=5000)
    box = crash._showing[0]
    assert "ZeroDivisionError: a bug in a slot" in box.detailedText() and "broken_slot" in box.detailedText()
    logged = [r for r in caplog.records if r.exc_info and str(r.exc_info[1]) == "a bug in a slot"]
    assert logged and "broken_slot" in logging.Formatter().formatException(logged[0].exc_info)  # the traceback
    box.copy_button.click()
    assert "ZeroDivisionError" in QApplication.clipboard().text()
    assert box.isVisible()  # copying leaves the dialog open
    box.close()
    qtbot.waitUntil(lambda: not crash._showing, timeout=5000)
    window.refresh_current()  # still working
    assert window.isVisible() and controller.window is window
