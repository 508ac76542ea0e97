"""Text that fits the window instead of widening it.

A QLabel asks its layout for the width of its whole text, and a top-level window grows to its layout's minimum
size: one long error (a URL, a 2,000-character server message, a Ukrainian sentence) widened the main window past
the screen and it never shrank. Two rules, used everywhere a text is set at run time:

* ``StatusLabel`` (messages, summaries, status-bar fields) asks for almost no width: it wraps at spaces (or, in
  single-line mode, elides at the right edge), shortens words too long to wrap and very long texts, and keeps the
  whole text in its tooltip.
* ``hold_size(window)``: a main window's size is the user's; its layout no longer forces a minimum size on it
  (an explicit, modest minimum instead).
"""

from __future__ import annotations

import re

# Qt classes used only after the login dialog shows are reached through their modules (QtGui.QPainter): a class's
# first import builds its enums, and the Qt namespace's 93 enums take ~15 ms, which the dialog need not wait for.
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

MAX_WORD = 100
"""Longer words (URLs, hashes, paths, a run of one character) are shortened in the middle: no place to wrap."""
MAX_CHARS = 400
"""Longer texts are cut (the whole text stays in the tooltip and, for errors, in Details and the log)."""
_WORD = re.compile(r"\S{" + str(MAX_WORD + 1) + ",}")


def plain_tip(text: str) -> str:
    """A tooltip that shows ``text`` as it is: Qt reads a tooltip that looks like HTML as HTML, so the text is
    escaped inside an explicit rich-text paragraph that keeps its line breaks."""
    if "<" not in text:  # no tag: Qt shows it as plain text already
        return text
    import html

    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def shorten(text: str, max_word: int = MAX_WORD, max_chars: int = MAX_CHARS) -> str:
    """``text`` with over-long words elided in the middle and the whole cut to ``max_chars``."""
    half = max_word // 2
    text = _WORD.sub(lambda m: m.group(0)[:half] + "…" + m.group(0)[-half + 1:], text)
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


class StatusLabel(QLabel):
    """A label for texts set at run time that never asks for more width than ``chars`` average characters
    (its minimum: a few characters). Multi-line: wraps; single-line: elides at the right edge."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, single_line: bool = False,
                 chars: int = 40) -> None:
        super().__init__(parent)
        self._full = ""
        self._own_tip = False
        self._chars = chars
        self._single = single_line
        self.setWordWrap(not single_line)
        policy = self.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Preferred)
        self.setSizePolicy(policy)
        self.setText(text)

    def setText(self, text: str) -> None:  # Qt's name
        self._full = text or ""
        if self._full:
            # Run-time texts quote the server (a 409 message, an email): never read as HTML, which would render
            # <img src=...> or links. The tooltip gets the same treatment (plain_tip). Set with the text, not at
            # construction, so an empty label does not build the Qt namespace; Qt ignores an unchanged format.
            self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        shown = shorten(self._full, max_chars=MAX_CHARS if not self._single else 2 * MAX_CHARS)
        super().setText(shown)
        # The whole text as the tooltip when it is cut (or may be elided); a tooltip the caller set stays.
        tip = self._full if shown != self._full or self._single else ""
        if tip or self._own_tip:
            self.setToolTip(plain_tip(tip))
        self._own_tip = bool(tip)

    def clear(self) -> None:
        self.setText("")

    def text(self) -> str:
        """The text as set (what is drawn may be shortened: ``shown_text``)."""
        return self._full

    def full_text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), self.fontMetrics().averageCharWidth() * self._chars), hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().averageCharWidth() * 4), hint.height())

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        if not self._single:
            super().paintEvent(event)
            return
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.shown_text(), QtCore.Qt.TextElideMode.ElideRight, rect.width())
        painter = QtGui.QPainter(self)
        self.style().drawItemText(painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), text,
                                  self.foregroundRole())
        painter.end()


def fit_sections(header: QtWidgets.QHeaderView, widths: dict[int, int]) -> None:
    """Interactive columns ``{column: average characters}``, each at least as wide as its header's text (in
    Ukrainian "Cached locally" is "В локальному кеші" and was cut)."""
    char = header.fontMetrics().averageCharWidth()
    for col, chars in widths.items():
        header.setSectionResizeMode(col, QtWidgets.QHeaderView.ResizeMode.Interactive)
        header.resizeSection(col, max(char * chars, header.sectionSizeHint(col)))


def hold_size(window: QtWidgets.QMainWindow, min_chars: int = 90, min_lines: int = 24) -> None:
    """The window's size changes only when the user changes it: its layout stops raising the window's minimum
    size to what the contents ask for (QLayout.SetNoConstraint), and a modest explicit minimum replaces it."""
    layout = window.layout()
    if layout is not None:
        layout.setSizeConstraint(QtWidgets.QLayout.SizeConstraint.SetNoConstraint)
    metrics = window.fontMetrics()
    window.setMinimumSize(metrics.averageCharWidth() * min_chars, metrics.height() * min_lines)
