from __future__ import annotations

from PySide6.QtWidgets import QWidget

from gui.panels.session import PanelSession


class Panel(QWidget):
    """A page of the main window. ``key`` names it in QSettings; ``allowed()`` says if the role may use it.

    A panel works with what its ``session`` (gui/panels/session.py) holds and tells the window things through
    the session's signals or its own; it never refers to the window."""

    key = "panel"
    icon_name = "file"

    def __init__(self, session: PanelSession) -> None:
        super().__init__()
        self.session = session
        self.setObjectName(f"panel-{self.key}")

    def title(self) -> str:
        return self.key.capitalize()

    def allowed(self) -> tuple[bool, str]:
        """(may the current role use this panel, why not)."""
        return True, ""

    def activated(self) -> None:
        """Called when the panel becomes visible."""
