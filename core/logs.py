"""Logging set-up: a daily rotating file (30 days kept) and an optional console handler, both behind a filter
that redacts secrets.

The ``RedactingFilter`` rewrites each record's final message (and its exception and stack text) before any
handler formats it:

* every string registered with ``register_secret`` (core/redaction.py, 4 characters or longer) -> ``***``
* ``Bearer <anything>`` -> ``Bearer ***``
* JWT-looking strings (``eyJ….….…``) -> ``***``
* values of JSON / dict / ``key=value`` fields named password, token, secret (``access_token``,
  ``"Password"``, …) -> ``***``
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

from core import paths
from core.redaction import redact
from core.text import one_line

LOG_FILE_NAME = "azaion-admin.log"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ROOT_LOGGER = "azaion"
BACKUP_DAYS = 30
CHATTY_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")

class RedactingFilter(logging.Filter):
    """Masks secrets in the final message and in exception / stack text, and keeps the message on one line (control
    characters shown as escapes; tracebacks stay as they are); never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw text
            message = str(record.msg)
        record.msg = one_line(redact(message))  # one record, one line: server text cannot forge another
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_setup_lock = threading.Lock()
_HANDLER_MARK = "_azaion_handler"


def _own_handlers(logger: logging.Logger) -> list[logging.Handler]:
    return [h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)]


class _HeldRecords(logging.Handler):
    """The records logged before the log file is open (``hold_records``); ``setup_logging`` writes them. A record
    that reaches it after that (it was on its way meanwhile) is passed on instead of held. ``emit`` runs under
    the handler's lock, as does the hand-over, so a record logged during the hand-over waits and follows the held
    ones: their order is kept."""

    LIMIT = 10_000

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.dropped = 0
        self.forward: list[logging.Handler] | None = None
        setattr(self, _HANDLER_MARK, True)

    def emit(self, record: logging.LogRecord) -> None:
        if self.forward is not None:
            _pass_on([record], self.forward)
        elif len(self.records) < self.LIMIT:
            self.records.append(record)
        else:
            self.dropped += 1

    def hand_over(self, handlers: list[logging.Handler]) -> None:
        with self.lock:  # type: ignore[union-attr]  # Handler.__init__ always creates it
            records, self.records, self.forward = self.records, [], handlers
            if self.dropped:
                records.append(logging.LogRecord(
                    ROOT_LOGGER, logging.WARNING, __file__, 0,
                    "%d log records from before the log file was open were dropped (kept at most %d)",
                    (self.dropped, self.LIMIT), None))
            _pass_on(records, handlers)


def _pass_on(records: list[logging.LogRecord], handlers: list[logging.Handler]) -> None:
    for record in records:
        for handler in handlers:
            if record.levelno >= handler.level:
                handler.handle(record)


def set_levels(level: int) -> None:
    """Library records reach the handlers from WARNING up; the client's own from ``level``."""
    root = logging.getLogger()
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    logging.getLogger(ROOT_LOGGER).setLevel(level)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def hold_records(level: int = logging.INFO) -> None:
    """Keep log records in memory until ``setup_logging`` opens the log file. The GUI opens it just after its
    first window is up: the rotating file handler's module and what it imports (socket, pickle, queue) cost
    ~7 ms of start time. ``setup_logging`` also runs at exit if nothing called it, so no record is lost."""
    root = logging.getLogger()
    with _setup_lock:
        if any(isinstance(h, _HeldRecords) for h in root.handlers):
            return
        root.addHandler(_HeldRecords())
        set_levels(level)
    import atexit

    atexit.register(_release_at_exit, level)


def _release_at_exit(level: int) -> None:
    if any(isinstance(h, _HeldRecords) for h in logging.getLogger().handlers):
        try:
            setup_logging(level)
        except Exception as exc:  # exiting anyway: say why the held records are not in the log file
            print(f"could not write the log file: {exc}", file=sys.stderr)


def setup_logging(level: int = logging.INFO, log_dir: Path | None = None, console: bool = False) -> Path:
    """Log the ``azaion`` hierarchy at ``level`` (and warnings of libraries) to ``log_dir/azaion-admin.log``,
    rotated at midnight with 30 days kept, shared safely with other processes (the GUI and CLI runs write the
    same file: ``SharedTimedRotatingFileHandler``); ``console`` adds a stderr handler. Calling it again replaces the
    handlers it added before instead of adding more; records held by ``hold_records`` are written first.
    Returns the log file path."""
    from core.logrotate import SharedTimedRotatingFileHandler  # not at import time: see hold_records

    directory = paths.ensure_private_dir(log_dir) if log_dir is not None else paths.log_dir()
    log_file = Path(directory) / LOG_FILE_NAME
    root = logging.getLogger()
    with _setup_lock:
        held = [h for h in root.handlers if isinstance(h, _HeldRecords)]
        formatter = logging.Formatter(LOG_FORMAT)
        redactor = RedactingFilter()
        file_handler = SharedTimedRotatingFileHandler(
            log_file, when="midnight", backupCount=BACKUP_DAYS, encoding="utf-8"
        )
        handlers: list[logging.Handler] = [file_handler]
        if console:
            handlers.append(logging.StreamHandler(sys.stderr))
        for handler in handlers:
            handler.setFormatter(formatter)
            handler.addFilter(redactor)
            setattr(handler, _HANDLER_MARK, True)
        for handler in held:
            handler.hand_over(handlers)
        old = _own_handlers(root)
        # One assignment swaps the handlers, so no record finds neither the old nor the new ones; a record already
        # going through the old list reaches the held handler, which passes it on.
        root.handlers = [h for h in root.handlers if h not in old] + handlers
        for handler in old:
            handler.close()
        set_levels(level)
        logging.captureWarnings(True)
    return log_file


def shutdown_logging() -> None:
    """Remove and close the handlers ``setup_logging`` added (tests, application exit)."""
    root = logging.getLogger()
    with _setup_lock:
        for handler in _own_handlers(root):
            root.removeHandler(handler)
            handler.close()


def get_logger(name: str) -> logging.Logger:
    """The logger ``azaion.<name>`` (``name`` may already start with ``azaion``)."""
    if name == ROOT_LOGGER or name.startswith(ROOT_LOGGER + "."):
        return logging.getLogger(name)
    return logging.getLogger(f"{ROOT_LOGGER}.{name}")
