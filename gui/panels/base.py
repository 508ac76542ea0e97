from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from gui.main_window import MainWindow


class Panel(QWidget):
    """A page of the main window. ``key`` names it in QSettings; ``allowed()`` says if the role may use it."""

    key = "panel"
    icon_name = "file"

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window_ = window
        self.setObjectName(f"panel-{self.key}")

    def title(self) -> str:
        return self.key.capitalize()

    def allowed(self) -> tuple[bool, str]:
        """(may the current role use this panel, why not)."""
        return True, ""

    def activated(self) -> None:
        """Called when the panel becomes visible."""
