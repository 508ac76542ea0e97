"""Server text is shown as text, never as HTML: a 409 message, an email or a folder error containing ``<img src=...>``
or ``<a href=...>`` must not render an image or a link in a label or its tooltip (QLabel and QToolTip guess the
format, and anything that looks like a tag is taken as HTML)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.models import RoleEnum
from gui.fit import StatusLabel, plain_tip

HOSTILE = "<img src='file:///etc/passwd'><a href='https://evil.example/'>Click to re-enter your password</a>"


def test_every_run_time_label_is_plain_text(qtbot, logged_in):
    controller, _creds = logged_in(RoleEnum.Admin)
    window = controller.window
    labels = window.findChildren(StatusLabel)
    assert len(labels) > 8
    for label in labels:
        label.setText(HOSTILE)
        assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName() or type(label.parent()).__name__


def test_a_tooltip_quoting_the_server_shows_the_tags_as_text(qtbot):
    label = StatusLabel(single_line=True)
    qtbot.addWidget(label)
    label.setText(HOSTILE * 10)
    tip = label.toolTip()
    assert "<img" not in tip and "<a " not in tip and "&lt;img" in tip
    assert plain_tip("no tags here") == "no tags here"
