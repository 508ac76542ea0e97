"""The status bar's connection indicator follows the last request's outcome: every answer the server gives
(whatever its status: the server was reached) says Connected, a request that could not reach it says Offline
(MainWindow.note_error). Panels that forget to report are covered: the answer is seen on the API client's HTTP
session itself, in whichever worker thread made the call, and handed to the GUI thread as a queued signal."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal


class ConnectionWatch(QObject):
    answered = Signal()

    def __init__(self, client: Any, parent: QObject | None = None) -> None:  # core's ApiClient
        super().__init__(parent)
        self._hooks: list | None = None
        session = getattr(client, "_session", None)  # core.api_client: one requests.Session per client
        hooks = getattr(session, "hooks", None)
        if isinstance(hooks, dict):
            self._hooks = hooks.setdefault("response", [])
            self._hooks.append(self._on_response)

    def _on_response(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            self.answered.emit()
        except RuntimeError:  # the window is gone; the client lives on until the next login
            pass
        return response

    def detach(self) -> None:
        if self._hooks is not None and self._on_response in self._hooks:
            self._hooks.remove(self._on_response)
        self._hooks = None
