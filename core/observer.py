"""What a transfer tells whoever runs it, as one object: its progress, its stage, a retry it waits for, and
things the user should be told (a stale cache replaced, a resume, a start over).

These were four callbacks (``progress``, ``on_stage``, ``on_retry``, ``on_event``) passed side by side through
every layer of an upload, a download and a sync; a new kind of report meant a new parameter in each of them. An
observer is passed once (with the cancel token beside it: cancelling is the caller's order, not a report). The
GUI's job probe (gui/workers/progress.py) and the CLI's progress line (cli/progress.py) are observers; a caller
with loose functions wraps them in ``Callbacks``. Every method may be called from the transfer's threads, so an
observer that keeps state guards it (the GUI's probe holds a lock) and does little work per call.
"""

from __future__ import annotations

from collections.abc import Callable

from core.errors import AzaionError

ProgressFn = Callable[[int, "int | None"], object]
StageFn = Callable[[str], object]
RetryFn = Callable[[int, int, float, AzaionError], object]
EventFn = Callable[[str], object]


class TransferObserver:
    """Override what you need; each method does nothing by default."""

    __slots__ = ()

    def progress(self, done: int, total: int | None) -> None:
        """Bytes done of ``total`` (None: not known) in the current stage."""

    def on_stage(self, stage: str) -> None:
        """The transfer entered ``stage`` ("connecting", "verifying", "decrypting", "downloading", "encrypting",
        "uploading", "finalizing"); progress restarts with each."""

    def on_retry(self, attempt: int, attempts: int, delay: float, error: AzaionError) -> None:
        """A transient failure: attempt ``attempt`` of ``attempts`` starts in ``delay`` seconds."""

    def on_event(self, message: str) -> None:
        """Something the user should be told (resumed, started over, a stale cached copy replaced)."""


SILENT = TransferObserver()
"""The observer of a caller who wants no reports."""


class Callbacks(TransferObserver):
    """Loose functions as an observer (the seed's methods still take the four keyword callbacks); a missing one
    does nothing."""

    __slots__ = ("_event", "_progress", "_retry", "_stage")

    def __init__(
        self,
        progress: ProgressFn | None = None,
        on_stage: StageFn | None = None,
        on_retry: RetryFn | None = None,
        on_event: EventFn | None = None,
    ) -> None:
        self._progress, self._stage, self._retry, self._event = progress, on_stage, on_retry, on_event

    def progress(self, done: int, total: int | None) -> None:
        if self._progress is not None:
            self._progress(done, total)

    def on_stage(self, stage: str) -> None:
        if self._stage is not None:
            self._stage(stage)

    def on_retry(self, attempt: int, attempts: int, delay: float, error: AzaionError) -> None:
        if self._retry is not None:
            self._retry(attempt, attempts, delay, error)

    def on_event(self, message: str) -> None:
        if self._event is not None:
            self._event(message)
