"""The main window's size changes only when the user changes it: no text, language or expanded section may widen
it (it grew to 2567 px on a 1400 px screen with a long error and stayed so)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLabel

from core.models import RoleEnum

LONG_WORDS = " ".join(["HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded"] * 30)  # ~2,000 chars
LONG_TOKEN = "x" * 2000  # no place to wrap


def _settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(20)


def test_no_label_text_widens_the_main_window(qtbot, logged_in):
    controller, _creds = logged_in(RoleEnum.Admin)
    window = controller.window
    window.show()
    window.resize(1000, 700)
    _settle(qtbot)
    width = window.width()
    labels = [label for label in window.findChildren(QLabel) if not label.isHidden()]
    assert len(labels) > 8
    for text in (LONG_WORDS, LONG_TOKEN):
        for label in labels:
            label.setText(text)
        window.statusBar().showMessage(text)
        window.show_banner(text)
        for panel in window.panels:
            window.stack.setCurrentWidget(panel)
            _settle(qtbot)
            assert window.width() == width, f"{panel.key}: window widened to {window.width()} by a label's text"
    assert window.minimumWidth() <= width


def test_long_messages_keep_every_button_inside_the_window(qtbot, logged_in):
    """The labels that show run-time messages wrap or elide: with a 2,000-character text in each, every panel's
    buttons stay inside the window (the window not growing is not enough if its contents overflow it)."""
    from PySide6.QtWidgets import QAbstractButton

    from gui.fit import StatusLabel

    controller, _creds = logged_in(RoleEnum.Admin)
    window = controller.window
    window.show()
    window.resize(1000, 700)
    _settle(qtbot)
    labels = window.findChildren(StatusLabel)
    names = {label.objectName() for label in labels}
    assert {"resourcesStatus"} <= names and len(labels) >= 12
    for text in (LONG_WORDS, LONG_TOKEN):
        for label in labels:
            label.setText(text)
        for panel in window.panels:
            window.stack.setCurrentWidget(panel)
            _settle(qtbot)
            assert window.width() == 1000
            for button in panel.findChildren(QAbstractButton):
                if button.isVisibleTo(window):
                    right = button.mapTo(window, button.rect().topRight()).x()
                    assert right <= window.width(), f"{panel.key}: {button.text()!r} off the window at x={right}"


def test_language_switch_keeps_the_window_size(qtbot, logged_in):
    controller, _creds = logged_in(RoleEnum.Admin)
    window = controller.window
    window.show()
    window.resize(900, 600)
    _settle(qtbot)
    size = window.size()
    window.change_language("uk")
    qtbot.waitUntil(lambda: not window._retranslate_pending, timeout=10000)
    _settle(qtbot)
    try:
        for panel in window.panels:
            window.stack.setCurrentWidget(panel)
            _settle(qtbot)
            assert window.size() == size, f"{panel.key}: {window.size()} after switching to Ukrainian"
    finally:
        window.change_language("en")
