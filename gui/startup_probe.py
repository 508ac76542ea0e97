"""``azaion-admin --smoke-test=startup``: start the application the normal way, print ``login dialog shown`` once
the login dialog is up, and quit (the packaging cold-start measurement). A module of its own, so the measured start
imports nothing the real start does not (``gui.smoke`` is a large module)."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Sequence

log = logging.getLogger("azaion.smoke")

TIMEOUT_S = 180.0


def say(line: str) -> None:
    """One line to stdout (if there is one: a windowed Windows exe has none) and to the log file."""
    log.info("smoke: %s", line)
    stream = sys.stdout
    if stream is not None:
        stream.write(line + "\n")
        stream.flush()


def _since_process_start() -> float | None:
    """Seconds since this process was started (Linux, 10 ms resolution), else None."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def run_startup(qt_args: Sequence[str]) -> int:
    """Start like ``main`` does, print ``login dialog shown`` once it is, and quit. A second line breaks the time
    down: from process start to here (bootloader, interpreter, ``gui.app``'s imports), then each step."""
    phases: list[tuple[str, float]] = []
    mark = time.perf_counter()
    boot = _since_process_start()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases.append((name, now - mark))
        mark = now

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from core.logs import hold_records
    from gui.app import (
        APP_NAME,
        LOG_OPEN_DELAY_MS,
        AppController,
        configure_runtime,
        open_log_file,
    )
    from gui.assets import icon
    from gui.session import AppContext
    from gui.theme import apply_theme, install_translator

    mark = time.perf_counter()  # gui.app has imported all of these already
    hold_records()
    configure_runtime()
    phase("logging")
    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    from gui import gc_guard

    gc_guard.install(app)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("Azaion")
    app.setWindowIcon(icon("app"))
    phase("QApplication")
    ctx = AppContext.load()
    apply_theme(app, ctx.settings.theme)
    install_translator(app, ctx.settings.language)
    phase("settings+theme")
    controller = AppController(ctx)
    shown: list[object] = []

    def on_shown(dialog: object) -> None:
        shown.append(dialog)
        phase("login dialog")
        QTimer.singleShot(0, done)

    def done() -> None:  # as the bare-window baseline does: the marker from the event loop, then quit
        say("login dialog shown")
        app.quit()

    controller.login_shown.connect(on_shown)
    QTimer.singleShot(0, controller.start)
    QTimer.singleShot(LOG_OPEN_DELAY_MS, open_log_file)  # as main does: after the dialog is up
    QTimer.singleShot(int(TIMEOUT_S * 1000), app.quit)
    try:
        app.exec()
    finally:
        controller.shutdown()
    if not shown:
        say("FAIL startup: the login dialog was not shown")
        return 1
    steps = ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in phases)
    say(f"startup phases: before main (bootloader, Python, imports) {boot * 1000:.0f} ms, {steps}"
         if boot is not None else f"startup phases: {steps}")
    return 0
