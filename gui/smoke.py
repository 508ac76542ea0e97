"""``azaion-admin --smoke-test``: prove that this installation works, above all the frozen (PyInstaller) bundle.

Offscreen, it checks one thing per line and stops with a non-zero exit status at the first failure:

* bundle      – frozen or not; when frozen, resources are read from inside the bundle
* paths       – the log file and settings go to the platformdirs folders, never next to the executable
* qt          – a QApplication starts; the desktop platform plugin (xcb / windows / cocoa) is bundled
* resources   – every icon renders (needs Qt's SVG plugins) and the style sheet loads
* translations– ``resources/translations`` holds the Ukrainian and English ``.qm``; every ``.qm`` loads and each
                translates a known string
* keyring     – the backend is a real keyring (not fail / null / a plain file) and takes a probe entry
* tls         – certifi's CA bundle exists at the path requests and botocore use, and OpenSSL can load it
* sandbox     – the in-process sandbox (Flask API + moto S3) starts
* login-dialog– the real login dialog is built and shown
* login       – logging in through that dialog (worker thread, AppContext.login, remember me → keyring)
* list        – the ``models`` folder lists the seeded sample
* download    – big/small download + decrypt gives exactly ``sandbox.seed.sample_bytes()``
* transfer-process – the same download in a transfer process (this executable with ``--transfer-worker``, as the
                queue runs large transfers: core/transfer_process.py) gives the same bytes
* files       – logs and settings were written to the platformdirs folders; nothing appeared in the bundle

``--smoke-test=startup`` only starts the application the normal way and exits as soon as the login dialog is shown
(the packaging cold-start measurement; gui/startup_probe.py).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from gui.startup_probe import TIMEOUT_S
from gui.startup_probe import say as _say

log = logging.getLogger("azaion.smoke")

SMOKE_EMAIL = "operator@sandbox.local"
DESKTOP_PLATFORM_PLUGIN = {"linux": "qxcb", "win32": "qwindows", "darwin": "qcocoa"}


class SmokeFailure(Exception):
    def __init__(self, check: str, message: str) -> None:
        super().__init__(f"{check}: {message}")
        self.check = check
        self.message = message




class _Checks:
    def __init__(self) -> None:
        self.count = 0

    def ok(self, check: str, detail: str) -> None:
        self.count += 1
        _say(f"ok   {check:<13} {detail}")

    def require(self, check: str, condition: object, message: str) -> None:
        if not condition:
            raise SmokeFailure(check, message)


def _bundle_roots() -> list[Path]:
    """Folders that must stay untouched: the executable's folder and, when frozen, the unpacked bundle."""
    roots = [Path(sys.executable).resolve().parent]
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass and not _inside(Path(meipass), roots):
        roots.append(Path(meipass).resolve())
    return roots


def _snapshot(roots: Sequence[Path]) -> dict[str, tuple[int, int]]:
    files: dict[str, tuple[int, int]] = {}
    for root in roots:
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                files[path] = (st.st_size, st.st_mtime_ns)
    return files


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved == root or root in resolved.parents for root in roots)


_UNHANDLED: list[BaseException] = []


def _record_unhandled(exc_type, exc, tb) -> None:
    """sys.excepthook while the smoke test runs: an exception escaping a Qt slot (printed and otherwise ignored by
    PySide) fails the current check at once instead of leaving it to time out."""
    _UNHANDLED.append(exc)
    sys.__excepthook__(exc_type, exc, tb)


def _wait(app, condition: Callable[[], bool], timeout: float, check: str, what: str) -> None:
    from PySide6.QtCore import QEventLoop

    deadline = time.monotonic() + timeout
    while not condition():
        if _UNHANDLED:
            exc = _UNHANDLED[0]
            raise SmokeFailure(check, f"unhandled {type(exc).__name__} while waiting for {what}: {exc}")
        if time.monotonic() > deadline:
            raise SmokeFailure(check, f"timed out after {timeout:.0f} s waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def _start_watchdog(timeout: float) -> threading.Event:
    done = threading.Event()

    def watch() -> None:
        if not done.wait(timeout):
            _say(f"FAIL smoke test: did not finish within {timeout:.0f} s")
            logging.shutdown()
            os._exit(3)

    threading.Thread(target=watch, name="smoke-watchdog", daemon=True).start()
    return done


# -- individual checks -------------------------------------------------------------------------------------


def check_bundle(c: _Checks) -> None:
    from gui.assets import resources_dir

    meipass = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and meipass:
        c.require("bundle", _inside(resources_dir(), [Path(meipass).resolve()]),
                  f"resources are read from {resources_dir()}, outside the bundle {meipass}")
        c.ok("bundle", f"frozen, {meipass}")
    else:
        c.ok("bundle", f"not frozen (Python {sys.version.split()[0]}, resources {resources_dir()})")


def check_paths(c: _Checks) -> Path:
    from core import paths
    from core.logs import setup_logging

    roots = _bundle_roots()
    log_file = setup_logging()
    folders = {"log": paths.log_dir(), "config": paths.config_dir(), "cache": paths.cache_dir(),
               "data": paths.data_dir()}
    c.require("paths", log_file.parent.resolve() == folders["log"].resolve(),
              f"the log file {log_file} is not in the platformdirs log folder {folders['log']}")
    for name, folder in folders.items():
        c.require("paths", not _inside(folder, roots), f"the {name} folder {folder} is inside {roots}")
    c.ok("paths", f"log {log_file}, config {folders['config']}")
    return log_file


def check_qt(c: _Checks, qt_args: Sequence[str]):
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtWidgets import QApplication

    from gui.app import APP_NAME

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("Azaion")
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    wanted = DESKTOP_PLATFORM_PLUGIN.get(sys.platform)
    if wanted:
        found = [p.name for p in (plugins / "platforms").glob("*") if wanted in p.name]
        c.require("qt", found, f"the {wanted} platform plugin is missing from {plugins / 'platforms'}")
    c.ok("qt", f"PySide6 {pyside_version}, platform {app.platformName()}, plugins {plugins}")
    return app


def check_resources(c: _Checks, app) -> None:
    from PySide6.QtGui import QIcon

    from gui.assets import icon, resource_path, resources_dir, style_sheet

    icons_dir = resource_path("icons")
    c.require("resources", icons_dir.is_dir(), f"no icons folder at {icons_dir}")
    names = sorted(p.stem for p in icons_dir.glob("*.svg"))
    c.require("resources", "app" in names, f"no app icon in {icons_dir}")
    for name in names:
        c.require("resources", not QIcon(str(icons_dir / f"{name}.svg")).pixmap(32, 32).isNull(),
                  f"icon {name}.svg does not render (Qt SVG image/icon-engine plugin missing?)")
    c.require("resources", not icon("app").isNull(), "gui.assets.icon('app') is empty")
    qss = style_sheet()
    c.require("resources", qss.strip(), f"the style sheet {resource_path('styles', 'app.qss')} is missing or empty")
    app.setStyleSheet(qss)
    app.setStyleSheet("")
    c.ok("resources", f"{len(names)} icons render, app.qss {len(qss)} chars, from {resources_dir()}")


# What the shipped catalogues must do: (file, context, source, n, expected). The Ukrainian one holds every string;
# the English one only the plural forms (without it English would show "1 user(s)").
TRANSLATION_PROBES = (
    ("azaion_uk.qm", "LoginDialog", "Log in", -1, "Увійти"),
    ("azaion_en.qm", "UsersPanel", "%n user(s)", 1, "%n user"),  # QTranslator leaves %n to QCoreApplication
)


def check_translations(c: _Checks, app) -> None:
    """The shipped catalogues are there, load, and translate a known string (a frozen app without them would
    start in English and look fine, so this is the only place the loss shows)."""
    from PySide6.QtCore import QTranslator

    from gui.assets import resource_path

    folder = resource_path("translations")
    c.require("translations", folder.is_dir(), f"no translations folder at {folder}")
    qms = sorted(folder.glob("*.qm"))
    translators = {}
    for qm in qms:
        translator = QTranslator(app)
        c.require("translations", translator.load(str(qm)), f"{qm.name} does not load")
        translators[qm.name] = translator
    for name, context, source, n, expected in TRANSLATION_PROBES:
        translator = translators.get(name)
        c.require("translations", translator is not None, f"{name} is missing from {folder}")
        got = translator.translate(context, source, None, n)
        c.require("translations", got == expected,
                  f"{name} translates {context}/{source!r} as {got!r}, expected {expected!r}")
    for translator in translators.values():
        translator.deleteLater()
    c.ok("translations", f"{folder} ({len(qms)} .qm loaded, {len(TRANSLATION_PROBES)} known strings translated)")


def check_keyring(c: _Checks) -> None:
    from core.credential_store import CredentialStore, backend_problem

    store = CredentialStore()
    name = store.backend_name()
    try:
        import keyring

        problem = backend_problem(keyring.get_keyring())
    except Exception as exc:  # reported as a failed check
        problem = f"the keyring could not be initialised ({type(exc).__name__}: {exc})"
    c.require("keyring", problem is None, f"{problem} (backend {name})")
    c.require("keyring", store.is_usable(), f"{store.problem} (backend {name})")
    c.ok("keyring", f"{name}, probe entry stored and read back")


def check_tls(c: _Checks) -> None:
    import ssl

    import botocore.httpsession
    import certifi
    import requests.utils

    path = Path(certifi.where())
    c.require("tls", path.is_file(), f"certifi's CA bundle {path} does not exist")
    try:
        text = path.read_text(encoding="ascii")
    except OSError as exc:
        raise SmokeFailure("tls", f"certifi's CA bundle {path} cannot be read: {exc}") from exc
    c.require("tls", "BEGIN CERTIFICATE" in text, f"{path} holds no certificates")
    for user, used in (("requests", requests.utils.DEFAULT_CA_BUNDLE_PATH),
                       ("botocore", botocore.httpsession.DEFAULT_CA_BUNDLE)):
        c.require("tls", used and Path(used).is_file(), f"{user}'s CA bundle {used} does not exist")
    context = ssl.create_default_context(cafile=str(path))
    count = context.cert_store_stats().get("x509_ca", 0)
    c.require("tls", count > 50, f"OpenSSL loaded only {count} CA certificates from {path}")
    c.ok("tls", f"{count} CAs from {path} ({ssl.OPENSSL_VERSION})")


def _full(qt_args: Sequence[str]) -> int:
    import hashlib
    import tempfile

    started = time.monotonic()
    c = _Checks()
    roots = _bundle_roots()
    before = _snapshot(roots)
    sandbox = controller = None
    settings_backup: tuple[Path, bytes | None] | None = None
    try:
        check_bundle(c)
        log_file = check_paths(c)
        from core.settings import default_settings_path

        settings_file = default_settings_path()
        settings_backup = (settings_file, settings_file.read_bytes() if settings_file.is_file() else None)
        app = check_qt(c, qt_args)
        check_resources(c, app)
        check_translations(c, app)
        check_keyring(c)
        check_tls(c)

        from gui.app import AppController, configure_runtime
        from gui.assets import icon
        from gui.session import SANDBOX_PROFILE, AppContext
        from gui.theme import apply_theme, install_translator
        from sandbox.seed import SAMPLE_FOLDER, SAMPLE_NAME, sample_bytes
        from sandbox.server import Sandbox
        from sandbox.state import DEMO_PASSWORD

        t0 = time.monotonic()
        try:
            sandbox = Sandbox().start()
        except Exception as exc:
            raise SmokeFailure("sandbox", f"{type(exc).__name__}: {exc}") from exc
        c.ok("sandbox", f"API {sandbox.api_url}, S3 {sandbox.s3_url} ({time.monotonic() - t0:.1f} s)")

        configure_runtime()
        app.setWindowIcon(icon("app"))
        ctx = AppContext.load()
        apply_theme(app, ctx.settings.theme)
        install_translator(app, ctx.settings.language)
        ctx.attach_sandbox(sandbox)
        controller = AppController(ctx)
        shown: list[object] = []
        controller.window_shown.connect(shown.append)
        dialog = controller.show_login()
        _wait(app, dialog.isVisible, 10, "login-dialog", "the login dialog to show")
        c.require("login-dialog", dialog.windowTitle(), "the login dialog has no title")
        c.ok("login-dialog", f"shown: {dialog.windowTitle()!r}")

        t0 = time.monotonic()
        dialog.select_profile(SANDBOX_PROFILE)
        dialog.email_edit.setText(SMOKE_EMAIL)
        dialog.password_edit.setText(DEMO_PASSWORD)
        dialog.remember_box.setChecked(True)
        dialog.start_login()
        _wait(app, lambda: bool(shown) or dialog.error_label.isVisible(), 60, "login", "the login to finish")
        c.require("login", shown, f"the login dialog says: {dialog.error_label.text()}")
        c.require("login", not _UNHANDLED, f"unhandled {_UNHANDLED[0]!r}" if _UNHANDLED else "")
        result = dialog.result_value
        c.require("login", result is not None and result.remembered,
                  f"the password was not saved to the keyring: {getattr(result, 'keyring_warning', None)}")
        c.ok("login", f"{result.email} as {result.user.role.name}, main window shown, password remembered "
                      f"({time.monotonic() - t0:.1f} s)")

        client = result.client
        entries = [e.name for e in client.list_files(SAMPLE_FOLDER)]
        c.require("list", any(n.startswith(SAMPLE_NAME) for n in entries),
                  f"{SAMPLE_FOLDER} lists {entries}, not {SAMPLE_NAME}")
        c.ok("list", f"{SAMPLE_FOLDER}: {', '.join(entries)}")

        t0 = time.monotonic()
        expected = sample_bytes()
        with tempfile.TemporaryDirectory(prefix="azaion-smoke-") as tmp:
            out = Path(tmp) / SAMPLE_NAME
            try:
                client.download_big_small_resource(SAMPLE_NAME, SAMPLE_FOLDER, out)
            except Exception as exc:
                raise SmokeFailure("download", f"{type(exc).__name__}: {exc}") from exc
            got = out.read_bytes()
        c.require("download", got == expected,
                  f"the decrypted {SAMPLE_NAME} differs from the seed ({len(got)} vs {len(expected)} bytes)")
        c.ok("download", f"{SAMPLE_NAME} {len(got)} bytes decrypted, sha256 {hashlib.sha256(got).hexdigest()[:16]}… "
                         f"matches the seed ({time.monotonic() - t0:.1f} s)")

        t0 = time.monotonic()
        from core.cancel import CancelToken
        from core.observer import SILENT
        from core.transfer_process import run_in_process, worker_command

        with tempfile.TemporaryDirectory(prefix="azaion-smoke-") as tmp:
            out = Path(tmp) / SAMPLE_NAME
            client.cache.discard(SAMPLE_FOLDER, SAMPLE_NAME)  # from the CDN, not the copy the download above kept
            try:
                report = run_in_process(client.process_spec(), "download",
                                        {"name": SAMPLE_NAME, "folder": SAMPLE_FOLDER, "target": out},
                                        observer=SILENT, cancel=CancelToken())
            except Exception as exc:
                raise SmokeFailure("transfer-process", f"{type(exc).__name__}: {exc}") from exc
            got = out.read_bytes()
        c.require("transfer-process", got == expected and report.source == "cdn",
                  f"the transfer process's {SAMPLE_NAME} differs from the seed ({len(got)} bytes, {report.source})")
        c.ok("transfer-process", f"{' '.join(Path(a).name for a in worker_command())}: {len(got)} bytes from the "
                                 f"CDN ({time.monotonic() - t0:.1f} s)")

        controller.logout()  # forgets the remembered password again
        controller.shutdown()
        controller = None
        for handler in logging.getLogger().handlers:
            handler.flush()
        c.require("files", log_file.is_file() and log_file.stat().st_size > 0, f"the log file {log_file} is empty")
        c.require("files", settings_file.is_file(), f"no settings were written to {settings_file}")
        after = _snapshot(roots)
        changed = sorted(p for p in after if before.get(p) != after[p])
        c.require("files", not changed, f"files were written next to the executable: {changed[:5]}")
        c.ok("files", f"log {log_file.stat().st_size} bytes, {settings_file.name} in {settings_file.parent}; "
                      f"{len(after)} bundle files unchanged")
    except SmokeFailure as exc:
        _say(f"FAIL {exc.check}: {exc.message}")
        return 1
    except Exception as exc:  # any surprise is a failed smoke test, said clearly
        log.exception("smoke test crashed")
        _say(f"FAIL unexpected {type(exc).__name__}: {exc}")
        return 1
    finally:
        if controller is not None:
            controller.shutdown()
        if sandbox is not None:
            sandbox.stop()
        if settings_backup is not None:  # leave the user's settings as they were
            path, data = settings_backup
            try:
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(data)
            except OSError as exc:
                log.warning("could not restore %s: %s", path, exc)
    _say(f"smoke test passed: {c.count} checks in {time.monotonic() - started:.1f} s")
    return 0


def run_smoke(mode: str, qt_args: Sequence[str] = ()) -> int:
    """Entry point of ``azaion-admin --smoke-test[=startup]``; returns the exit status."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if mode == "startup":
        from gui.startup_probe import run_startup

        return run_startup(qt_args)
    done = _start_watchdog(TIMEOUT_S)
    previous_hook, sys.excepthook = sys.excepthook, _record_unhandled
    try:
        code = _full(qt_args)
    finally:
        sys.excepthook = previous_hook
        done.set()
    if code != 0:
        # A failed run may leave Qt objects and threads in any state: do not risk a crash in interpreter teardown
        # hiding the clear exit status.
        logging.shutdown()
        if sys.stdout is not None:
            sys.stdout.flush()
        os._exit(code)
    return code
