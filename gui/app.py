"""``azaion-admin``: the desktop application. ``--sandbox`` starts the reference server in-process and opens the
login dialog prefilled for it."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, QTimer, Signal
from PySide6.QtWidgets import QApplication

from gui.assets import icon
from gui.dialogs.login import LoginDialog, login_error_text
from gui.logview import QtLogHandler
from gui.session import AppContext, LoginResult
from gui.theme import apply_theme, install_translator
from gui.workers.task import TaskRunner

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger("azaion.gui")

APP_NAME = "Azaion Admin"


class AppController(QObject):
    """Login → main window → logout → login … ; owns the task runner and the live log handler."""

    window_shown = Signal(object)
    login_shown = Signal(object)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = TaskRunner(self)
        self.log_handler = QtLogHandler()
        self.log_handler.install()
        self.login_dialog: LoginDialog | None = None
        self.window: MainWindow | None = None
        self.auto_login_running = False
        self._closed = False
        from gui import crash

        crash.install()  # an uncaught error in a slot: logged and shown, the app keeps running

    # -- flow -----------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Log in with remembered credentials if there are some, else show the login dialog."""
        settings = self.ctx.settings
        try:
            profile = settings.current()
        except Exception:
            profile = None
        if profile is not None and profile.api_url and profile.email and not self.ctx.is_sandbox:
            self.auto_login_running = True
            pid, url, email = profile.id, profile.api_url, profile.email

            def work() -> LoginResult | None:
                password = self.ctx.remembered_password(pid, email)
                if not password:
                    return None
                return self.ctx.login(pid, url, email, password, remember=True)

            self.runner.run(work, self._on_auto_login, self._on_auto_login_failed, name="auto-login")
            return
        self.show_login()

    def _on_auto_login(self, result: LoginResult | None) -> None:
        self.auto_login_running = False
        if result is None:
            self.show_login()
        else:
            log.info("Logged in with the remembered password of %s", result.email)
            self._on_logged_in(result)

    def _on_auto_login_failed(self, exc: BaseException) -> None:
        self.auto_login_running = False
        self.show_login(login_error_text(exc))

    def show_login(self, error: str = "") -> LoginDialog:
        if self.login_dialog is not None:
            self.login_dialog.deleteLater()
        dialog = LoginDialog(self.ctx, self.runner)
        dialog.logged_in.connect(self._on_logged_in)
        dialog.rejected.connect(self._on_login_rejected)
        if error:
            dialog.show_error(error)
        self.login_dialog = dialog
        dialog.show()
        self.login_shown.emit(dialog)
        return dialog

    def _on_login_rejected(self) -> None:
        if self.window is None:
            QCoreApplication.quit()

    def _on_logged_in(self, result: LoginResult) -> None:
        from gui.main_window import MainWindow

        self.ctx.record_login(result)
        window = MainWindow(self.ctx, result, self.runner, self.log_handler)
        window.logout_requested.connect(self.logout)
        self.window = window
        window.show()
        from gui.errors_text import keyring_warning_text, settings_error_text

        if result.keyring_warning and not self.ctx.keyring_warning_shown:
            self.ctx.keyring_warning_shown = True
            window.show_banner(keyring_warning_text(result.keyring_warning))
        if self.ctx.settings_error:
            window.show_banner(settings_error_text(self.ctx.settings_error))
        self.window_shown.emit(window)

    def logout(self) -> None:
        window = self.window
        if window is None:
            return
        session = window.session
        self.ctx.forget(session.profile_id, session.email)
        session.client.logout()
        log.info("Logged out %s", session.email)
        window.shutdown()
        self.window = None
        window.close()
        window.deleteLater()
        self.show_login()

    def shutdown(self) -> None:
        """Cancel and join every worker; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self.window is not None:
            self.window.shutdown()
            self.window.close()
        if self.login_dialog is not None:
            self.login_dialog.close()
        self.runner.shutdown()
        self.log_handler.uninstall()


GIL_SWITCH_INTERVAL = 0.001


def configure_runtime() -> float:
    """Process policy of the GUI: a 1 ms GIL switch interval (default 5 ms), so the GUI thread gets the
    interpreter back quickly while transfer threads run Python code. Returns the previous interval."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    return previous


LOG_OPEN_DELAY_MS = 200


def open_log_file(level: int = logging.INFO) -> None:
    """Start writing the log file (and the records held since the start, core.logs.hold_records). Called just
    after the first window is up, so its ~7 ms of imports do not delay the login dialog."""
    from core.logs import setup_logging

    try:
        setup_logging(level=level)
    except Exception as exc:  # the app works without its log file; say so where someone may see it
        print(f"Azaion Admin: cannot write the log file: {exc}", file=sys.stderr)


def install_sigterm_quit(app: QCoreApplication, shutdown: Callable[[], None]) -> Callable[[], bool]:
    """SIGTERM (the session manager ending the session, ``kill``) quits through the event loop, as closing the
    window does, but without asking: ``shutdown`` (the controller's) pauses and persists transfers (their temp
    files with plaintext are removed, what resumes them is kept) and joins the workers, then the loop exits (not
    ``quit()``, which would send the windows close events and ask about running transfers). Without this the
    process died mid-write. Python runs a signal handler only when the interpreter gets control, which it does not while
    Qt waits for events, so the signal is also written to a socket (``signal.set_wakeup_fd``) that a
    QSocketNotifier watches: that wakes the loop at once. Returns a function telling whether SIGTERM came."""
    came = [False]
    if threading.current_thread() is not threading.main_thread():
        return lambda: came[0]
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(4096)

    notifier.activated.connect(drain)
    signal.set_wakeup_fd(writer.fileno())

    def finish() -> None:
        log.info("SIGTERM: closing (transfers are paused and kept for the next start)")
        shutdown()
        QCoreApplication.exit(0)

    def on_term(signum: int, frame: object) -> None:
        if not came[0]:
            came[0] = True
            QTimer.singleShot(0, finish)  # from the event loop, not from inside the signal handler

    signal.signal(signal.SIGTERM, on_term)
    app._azaion_sigterm = (reader, writer, notifier)  # type: ignore[attr-defined] - kept alive with the app
    return lambda: came[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="azaion-admin", description="Azaion Admin desktop application")
    parser.add_argument("--sandbox", action="store_true", help="start a local sandbox server and connect to it")
    parser.add_argument("--debug", action="store_true", help="log debug messages")
    parser.add_argument("files", nargs="*", help="files to upload (an app already running is given them)")
    args, qt_args = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))

    from core.logs import hold_records

    level = logging.DEBUG if args.debug else logging.INFO
    hold_records(level)  # the log file opens once the first window is up (open_log_file)
    configure_runtime()
    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    from gui import gc_guard

    gc_guard.install(app)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("Azaion")
    app.setWindowIcon(icon("app"))
    app.setQuitOnLastWindowClosed(True)

    from core import paths
    from gui.single_instance import InstanceServer, hand_over, on_activated, server_name

    instance_name = server_name(paths.data_dir())
    if hand_over(instance_name, args.files):  # one app per user and data folder: it comes to the front
        log.info("Azaion Admin is already running: brought it to the front")
        return 0
    instance = InstanceServer(instance_name)
    instance.listen()

    sandbox = None
    ctx = AppContext.load()
    apply_theme(app, ctx.settings.theme)
    install_translator(app, ctx.settings.language)
    if args.sandbox:
        from sandbox.server import Sandbox

        sandbox = Sandbox().start()
        log.info("Sandbox running: API %s, S3 %s", sandbox.api_url, sandbox.s3_url)
        ctx.attach_sandbox(sandbox)

    controller = AppController(ctx)
    instance.activated.connect(on_activated(controller))
    pending = [str(f) for f in args.files]  # files given to the first start: offered for upload once logged in

    def first_files(_window: object) -> None:
        files, pending[:] = list(pending), []
        if files:
            on_activated(controller)(files)

    controller.window_shown.connect(first_files)
    app.aboutToQuit.connect(controller.shutdown)
    terminated = install_sigterm_quit(app, controller.shutdown)
    QTimer.singleShot(0, controller.start)
    QTimer.singleShot(LOG_OPEN_DELAY_MS, lambda: open_log_file(level))
    try:
        code = app.exec()
    finally:
        controller.shutdown()
        if sandbox is not None:
            sandbox.stop()
    return 128 + signal.SIGTERM if terminated() else int(code)


if __name__ == "__main__":  # python -m gui.app: the same entry point as azaion-admin (options checked first)
    from gui.launcher import main as launch

    sys.exit(launch())
