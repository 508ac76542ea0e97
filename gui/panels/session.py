"""What a panel may use and what it may say: the logged-in session's services (client, role, runner, transfer
queue, settings, QSettings, notifier) and three signals for the window (a status-bar message, a failed request,
an answer from the server).

Panels take this object instead of the main window, so a panel neither knows the window nor reaches into it or
into another panel; the window connects the signals (gui/main_window.py) and wires panel to panel with their own
signals. A panel can therefore be built and tested without a MainWindow (tests/gui/test_panel_boundaries.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal

if TYPE_CHECKING:
    from core.api_client import ApiClient
    from core.models import RoleEnum, User
    from core.settings import Settings
    from gui.notify import Notifier
    from gui.session import AppContext
    from gui.workers.queue import TransferQueue
    from gui.workers.task import TaskRunner


class PanelSession(QObject):
    """The panels' view of the logged-in session. Attributes are fixed for its life (a new login builds a new
    window and a new session); ``settings`` is read through ``ctx`` so a Settings dialog's changes show."""

    status_message = Signal(str, int)
    """A line for the window's status bar and how long to show it (ms)."""
    error_noted = Signal(object)
    """A request failed with this exception (the window's connection indicator may say Offline)."""
    answered = Signal()
    """The server answered a request (the connection indicator says Connected)."""

    def __init__(
        self, *, ctx: AppContext, user: User, client: ApiClient, runner: TaskRunner, queue: TransferQueue,
        qsettings: QSettings, notifier: Notifier | None = None, parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user = user
        self.client = client
        self.runner = runner
        self.queue = queue
        self.qsettings = qsettings
        self.notifier = notifier

    @property
    def role(self) -> RoleEnum:
        return self.user.role

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def show_status(self, text: str, timeout_ms: int) -> None:
        self.status_message.emit(text, timeout_ms)

    def note_error(self, exc: BaseException) -> None:
        self.error_noted.emit(exc)

    def note_answer(self) -> None:
        self.answered.emit()

    def notify(self, title: str, text: str, failed: bool = False) -> None:
        """A desktop notification (gui/notify.py), if the session has a notifier."""
        if self.notifier is not None:
            self.notifier.notify(title, text, failed=failed)
