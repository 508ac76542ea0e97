"""core.logs: rotating file logging with secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import time
from pathlib import Path

import pytest

from core import logs, redaction

pytestmark = pytest.mark.usefixtures("restore_logging")

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhQGIuYyIsImV4cCI6MX0.c2lnbmF0dXJlX2J5dGVz"


def own_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_azaion_handler", False)]


def flush() -> None:
    for handler in own_handlers():
        handler.flush()


def test_rotating_file_handler_configuration(tmp_path: Path) -> None:
    log_file = logs.setup_logging(log_dir=tmp_path / "logs")
    assert log_file == tmp_path / "logs" / "azaion-admin.log"
    (handler,) = own_handlers()
    assert isinstance(handler, logging.handlers.TimedRotatingFileHandler)
    assert handler.when == "MIDNIGHT"
    assert handler.backupCount == 30
    assert handler.encoding == "utf-8"
    assert Path(handler.baseFilename) == log_file
    assert any(isinstance(f, logs.RedactingFilter) for f in handler.filters)
    assert handler.formatter._fmt == "%(asctime)s %(levelname)s %(name)s: %(message)s"
    for name in ("botocore", "urllib3", "s3transfer"):
        assert logging.getLogger(name).level == logging.WARNING


def test_default_log_dir_follows_xdg_state_home(isolated_home: dict[str, Path]) -> None:
    log_file = logs.setup_logging()
    assert log_file == isolated_home["XDG_STATE_HOME"] / "azaion-admin" / "log" / "azaion-admin.log"


def test_setup_is_idempotent(tmp_path: Path) -> None:
    logs.setup_logging(log_dir=tmp_path)
    logs.setup_logging(log_dir=tmp_path)
    assert len(own_handlers()) == 1
    logs.setup_logging(log_dir=tmp_path, console=True)
    logs.setup_logging(log_dir=tmp_path, console=True)
    handlers = own_handlers()
    assert len(handlers) == 2
    assert all(any(isinstance(f, logs.RedactingFilter) for f in h.filters) for h in handlers)
    logs.get_logger("once").warning("exactly once")
    flush()
    assert (tmp_path / "azaion-admin.log").read_text().count("exactly once") == 1


def test_levels_and_names(tmp_path: Path) -> None:
    log_file = logs.setup_logging(level=logging.DEBUG, log_dir=tmp_path)
    logger = logs.get_logger("api")
    assert logger.name == "azaion.api"
    assert logs.get_logger("azaion.cdn").name == "azaion.cdn"
    logger.debug("debug line from the client")
    logging.getLogger("some.library").warning("library warning")
    logging.getLogger("some.library").info("library info, not logged")
    flush()
    text = log_file.read_text()
    assert " DEBUG azaion.api: debug line from the client" in text
    assert " WARNING some.library: library warning" in text
    assert "library info" not in text


def test_server_text_cannot_forge_a_log_line_or_reach_the_terminal(tmp_path: Path) -> None:
    """A message quoting a server's words (a 409 body, an S3 error, a user's email) stays one line of the log:
    no forged record after a line break, no escape sequence for whoever runs ``tail -f`` on the file."""
    log_file = logs.setup_logging(level=logging.DEBUG, log_dir=tmp_path)
    hostile = "refused\r\n2026-12-03 10:00:00,000 INFO azaion.api: Logged in as admin\x1b]0;owned\x07\u202e"
    logs.get_logger("api").warning("The server said: %s", hostile)
    flush()
    lines = log_file.read_text(encoding="utf-8").splitlines()
    ours = [line for line in lines if "The server said" in line]
    assert len(ours) == 1 and not any(line.startswith("2026-12-03 10:00:00") for line in lines)
    assert "\x1b" not in log_file.read_text(encoding="utf-8") and "\u202e" not in log_file.read_text(encoding="utf-8")
    assert "refused\\r\\n2026-12-03" in ours[0] and "\\x1b]0;owned\\x07\\u202e" in ours[0]


def test_secrets_are_redacted_in_file_and_traceback(tmp_path: Path) -> None:
    log_file = logs.setup_logging(level=logging.DEBUG, log_dir=tmp_path)
    password = "Pa55-word-registered"
    redaction.register_secret(password)
    redaction.register_secret("abc")  # too short: ignored, would mangle ordinary words
    redaction.register_secret("")
    log = logs.get_logger("test.redact")
    log.info("login with %s for user", password)
    log.info("request headers: %s", {"Authorization": "Bearer opaque-token-value-123"})
    log.info("token is %s", JWT)
    log.info("body %s", {"email": "a@b.c", "password": "dict-password-1"})
    log.info('json body {"email": "a@b.c", "password": "json-password-2", "token": "plain-token-3"}')
    log.info("form body email=a@b.c&password=form-password-4")
    log.info("abc stays readable")
    try:
        raise RuntimeError(f"server refused {password} with Bearer {JWT}")
    except RuntimeError:
        log.exception("call failed for %s", {"password": "exc-password-5"})
    logging.getLogger("urllib3").warning("Authorization: Bearer lib-token-6")
    flush()
    text = log_file.read_text(encoding="utf-8")
    for leaked in (
        password,
        "opaque-token-value-123",
        JWT,
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "dict-password-1",
        "json-password-2",
        "plain-token-3",
        "form-password-4",
        "exc-password-5",
        "lib-token-6",
    ):
        assert leaked not in text, leaked
    assert "login with *** for user" in text
    assert "Bearer ***" in text
    assert "token is ***" in text
    assert "'password': '***'" in text
    assert '"password": "***", "token": "***"' in text
    assert "password=***" in text
    assert "abc stays readable" in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: server refused *** with Bearer ***" in text


def test_redact_helper() -> None:
    assert redaction.redact("Authorization: Bearer x.y.z") == "Authorization: Bearer ***"
    assert redaction.redact("token_margin_s=60") == "token_margin_s=60"
    assert redaction.redact("{'access_token': 'q'}") == "{'access_token': '***'}"
    assert redaction.redact("plain text") == "plain text"


def test_records_held_before_the_log_file_opens_are_written_first_and_redacted(tmp_path: Path) -> None:
    """The GUI holds records until its first window is up (core.logs.hold_records): none may be lost, their order
    is kept, the level rules apply, and they are redacted like any other record."""
    secret = "held-password-7"
    logs.hold_records(logging.INFO)
    redaction.register_secret(secret)
    try:
        early = logs.get_logger("early")
        early.info("first, before the file is open")
        early.debug("below the level: dropped")
        early.warning("second, with %s inside", secret)
        logging.getLogger("botocore").info("library chatter below WARNING: dropped")
        log_file = logs.setup_logging(log_dir=tmp_path)
        early.info("third, after")
        flush()
    finally:
        redaction.unregister_secret(secret)
    text = log_file.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if "azaion.early" in line]
    assert [line.split(": ", 1)[1] for line in lines] == [
        "first, before the file is open", "second, with *** inside", "third, after"]
    assert "dropped" not in text and secret not in text
    assert not [h for h in logging.getLogger().handlers if type(h).__name__ == "_HeldRecords"]


def test_held_records_reach_the_log_file_at_exit_when_it_was_never_opened(isolated_home: dict[str, Path]) -> None:
    """A process that ends before the GUI opens its log file (quit at once, or a failure) still writes them."""
    import subprocess
    import sys

    code = ("import logging; from core import logs; logs.hold_records(logging.INFO); "
            "logs.get_logger('early').info('held until exit')")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2], timeout=60)
    log_file = isolated_home["XDG_STATE_HOME"] / "azaion-admin" / "log" / "azaion-admin.log"
    assert "azaion.early: held until exit" in log_file.read_text(encoding="utf-8")


def test_held_records_beyond_the_limit_are_counted_not_lost_silently(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(logs._HeldRecords, "LIMIT", 3)
    logs.hold_records(logging.INFO)
    for i in range(5):
        logs.get_logger("early").info("held %d", i)
    log_file = logs.setup_logging(log_dir=tmp_path)
    flush()
    text = log_file.read_text(encoding="utf-8")
    assert [f"held {i}" in text for i in range(5)] == [True, True, True, False, False]
    assert "2 log records from before the log file was open were dropped (kept at most 3)" in text


def test_no_record_is_lost_or_reordered_while_the_log_file_opens(tmp_path: Path) -> None:
    """A worker thread logs while the GUI thread opens the log file: every record arrives, in order, once."""
    import threading

    logs.hold_records(logging.INFO)
    worker = logs.get_logger("worker")
    started, stop = threading.Event(), threading.Event()

    def chatter() -> None:
        i = 0
        while not stop.is_set() or i < 2000:
            worker.info("n=%d", i)
            i += 1
            started.set()

    thread = threading.Thread(target=chatter)
    thread.start()
    started.wait(5)
    log_file = logs.setup_logging(log_dir=tmp_path)
    stop.set()
    thread.join(30)
    flush()
    numbers = [int(line.rsplit("n=", 1)[1]) for line in log_file.read_text(encoding="utf-8").splitlines()
               if "azaion.worker: n=" in line]
    assert numbers == list(range(len(numbers))) and len(numbers) >= 2000


# -- one log file, several processes (the GUI and CLI runs) --------------------------------------------------


def _emit(handler: logging.Handler, message: str) -> None:
    handler.handle(logging.LogRecord("azaion.rotation", logging.INFO, __file__, 0, message, None, None))


def _day(due: int) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(due - 1))  # the day a rotation due at ``due`` closes


def test_two_processes_rotating_the_same_log_file_lose_nothing(tmp_path: Path) -> None:
    # The GUI and a CLI run both write azaion-admin.log and both rotate it at midnight: the second one to rotate
    # must not delete the first one's rotated file nor rename the new file over it. Two handlers on the same file
    # are what two processes have: two open files (one per process), one name.
    log_file = logs.setup_logging(log_dir=tmp_path)
    (gui,) = own_handlers()
    cli = type(gui)(log_file, when="midnight", backupCount=logs.BACKUP_DAYS, encoding="utf-8")
    try:
        _emit(gui, "gui before midnight")
        _emit(cli, "cli before midnight")
        due = int(time.time()) - 1  # midnight has just passed for both
        gui.rolloverAt = cli.rolloverAt = due
        _emit(gui, "gui after midnight")
        _emit(cli, "cli after midnight")
        gui.flush()
        cli.flush()
    finally:
        cli.close()
    rotated = sorted(tmp_path.glob("azaion-admin.log.*"))
    assert [p.name for p in rotated] == [f"azaion-admin.log.{_day(due)}"]
    old, new = rotated[0].read_text(), log_file.read_text()
    assert "gui before midnight" in old and "cli before midnight" in old
    assert "gui after midnight" in new and "cli after midnight" in new
    everything = old + new
    assert all(everything.count(m) == 1 for m in ("gui before", "cli before", "gui after", "cli after"))


def test_a_rotation_refused_while_another_process_holds_the_file_keeps_logging_and_retries(tmp_path: Path) -> None:
    # On Windows renaming a file another process has open fails (WinError 32, a sharing violation): no record may
    # be lost, the rename is retried a minute later (not at every record) and the rotated file is named for the
    # day it was due. The sharing violation cannot happen on Linux: the handler's rotator (the logging module's
    # hook around os.rename) raises what Windows raises.
    log_file = logs.setup_logging(log_dir=tmp_path)
    (handler,) = own_handlers()
    attempts: list[str] = []

    def held_by_another_process(source: str, dest: str) -> None:
        attempts.append(dest)
        raise PermissionError(13, "The process cannot access the file because it is being used by another "
                                  "process", source)

    handler.rotator = held_by_another_process
    _emit(handler, "record 1, before midnight")
    due = int(time.time()) - 1
    handler.rolloverAt = due
    _emit(handler, "record 2, rotation refused")
    _emit(handler, "record 3, within the retry minute")
    handler.flush()
    assert len(attempts) == 1
    assert handler.rolloverAt >= time.time() + 30  # the retry waits about a minute (60 s; slack for a slow machine)
    text = log_file.read_text()
    assert all(f"record {n}" in text for n in (1, 2, 3))
    assert text.count("in use by another process") == 1
    assert list(tmp_path.glob("azaion-admin.log.*")) == []

    handler.rotator = None  # the other process has closed the file; a minute later:
    handler.rolloverAt = int(time.time()) - 1
    _emit(handler, "record 4, after the rotation")
    handler.flush()
    rotated = tmp_path / f"azaion-admin.log.{_day(due)}"
    assert rotated.is_file()
    old = rotated.read_text()
    assert all(f"record {n}" in old for n in (1, 2, 3)) and "record 4" not in old
    assert "record 4" in log_file.read_text() and "record 1" not in log_file.read_text()


def test_rotation_never_replaces_an_existing_rotated_file(tmp_path: Path) -> None:
    log_file = logs.setup_logging(log_dir=tmp_path)
    (handler,) = own_handlers()
    due = int(time.time()) - 1
    earlier = tmp_path / f"azaion-admin.log.{_day(due)}"
    earlier.write_text("rotated earlier by another process\n")
    _emit(handler, "today's record")
    handler.rolloverAt = due
    _emit(handler, "tomorrow's record")
    handler.flush()
    assert earlier.read_text() == "rotated earlier by another process\n"
    assert "today's record" in (tmp_path / f"{earlier.name}.1").read_text()
    assert "tomorrow's record" in log_file.read_text()
