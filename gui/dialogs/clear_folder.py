"""Clearing a folder deletes every file in it on the server: the user types a word to confirm (the Resources
panel and each Suites box ask so)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout

from gui.dialogs.buttons import set_primary

CONFIRM_WORD = "CLEAR"


class ClearFolderDialog(QDialog):
    """Typed confirmation: the OK button enables only when the user types CLEAR."""

    def __init__(self, folder: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Azaion Admin — Clear folder"))
        text = QLabel(
            self.tr("This deletes every file in the folder “{0}” on the server. Type {1} to confirm.").format(
                folder, CONFIRM_WORD
            )
        )
        text.setWordWrap(True)
        self.edit = QLineEdit()
        self.edit.setObjectName("confirmEdit")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Clear folder"))
        self.ok.setEnabled(False)
        self.edit.textChanged.connect(lambda t: self.ok.setEnabled(t.strip() == CONFIRM_WORD))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.edit)
        layout.addWidget(self.buttons)
        set_primary(self.buttons, self.ok)

    def confirmed(self) -> bool:
        return self.edit.text().strip() == CONFIRM_WORD
