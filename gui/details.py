"""The "Details" disclosure of an error line: the sentence a person reads is short; the technical text (the
exception and its causes) is one click away, selectable and copyable, and is also in the log."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QToolButton, QWidget

log = logging.getLogger("azaion.gui.errors")


class DetailsButton(QToolButton):
    """A small "Details…" button beside an error line; hidden while there are no details."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsButton")
        self.setText(self.tr("Details…"))
        self.setToolTip(self.tr("Show the technical details of this error"))
        self.summary = ""
        self.details = ""
        self.clicked.connect(lambda: self.show_details())
        self.hide()

    def set_details(self, summary: str = "", details: str = "") -> None:
        self.summary, self.details = summary, details
        self.setVisible(bool(details))

    def show_details(self) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Azaion Admin — Error details"), self.summary,
                          QMessageBox.StandardButton.Close, self.window())
        from PySide6.QtCore import Qt  # here: the Qt namespace costs ~15 ms the login dialog need not wait for

        box.setTextFormat(Qt.TextFormat.PlainText)  # the summary may quote the server: never HTML
        box.setDetailedText(self.details)  # Qt's own "Show Details…" disclosure, selectable text
        box.setObjectName("errorDetails")
        box.open()
        return box


def show_error(label, button: DetailsButton, exc: BaseException, what: str = "") -> str:
    """Put ``exc``'s one-sentence summary (after ``what``, e.g. "Could not list models:") on ``label`` and its
    technical detail behind ``button``; the detail goes to the log too. Returns the text shown."""
    from gui.errors_text import error_summary

    summary, details = error_summary(exc)
    text = f"{what} {summary}".strip() if what else summary
    label.setText(text)
    button.set_details(text, details)
    log.info("%s (details: %s)", text, details.replace("\n", " | "))
    return text
