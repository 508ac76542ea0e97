"""GUI test fixtures: a per-test config/cache/data folder (scanned for secrets when the test ends, then removed),
an app controller against the session sandbox, helpers to drive the login dialog, and real podman with an
isolated store (``store``, from tests/podman_store.py) for the Image unlock panel."""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import SESSION_DIR, USED_SECRETS
from tests.podman_store import podman, store  # noqa: F401 - the isolated podman store, shared with tests/images
from tests.secret_scan import find_secrets, written_files


@pytest.fixture(autouse=True)
def gui_dirs(monkeypatch: pytest.MonkeyPatch):
    """Per-test settings, cache and data folders; scanned for secrets when the test ends, then removed (the
    caches of the transfer tests hold hundreds of MB)."""
    base = SESSION_DIR / "gui" / uuid.uuid4().hex[:8]
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(base / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "data"))  # transfer journals and the persisted queue
    yield base
    found = find_secrets(written_files(base), USED_SECRETS) if base.exists() else []
    shutil.rmtree(base, ignore_errors=True)
    assert found == [], "a test password or token was written to disk"


class ModalWatch:
    """Fails a test instead of letting it hang on a question it did not expect. Every ``TICK_MS`` (timers fire
    inside a dialog's ``exec`` loop too) it looks for an open modal dialog; one whose object name the test did not
    announce (``expect``), or an announced one left open for ``GRACE_S`` (nobody answered it), is recorded with its
    text and rejected (Skip / No / Cancel: the answer that changes nothing), and the test fails at its end."""

    TICK_MS = 100
    GRACE_S = 20.0

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.expected: set[str] = set()
        self.unexpected: list[str] = []
        self._seen: dict[int, float] = {}  # id(dialog) -> when it was first seen open
        self.timer = QTimer()
        self.timer.setInterval(self.TICK_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def expect(self, object_name: str) -> None:
        """The test opens (and answers) modal dialogs with this object name."""
        self.expected.add(object_name)

    @staticmethod
    def open_modals() -> list:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QDialog

        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QDialog) and w.isVisible() and w.windowModality() != Qt.WindowModality.NonModal]

    @staticmethod
    def describe(dialog) -> str:
        from PySide6.QtWidgets import QLabel, QMessageBox

        if isinstance(dialog, QMessageBox):
            texts = [dialog.text(), dialog.informativeText()]
        else:
            texts = [label.text() for label in dialog.findChildren(QLabel)]
        shown = " | ".join(t for t in texts if t)
        return f"{type(dialog).__name__} {dialog.objectName()!r} {dialog.windowTitle()!r}: {shown}"

    def check(self) -> None:
        now = time.monotonic()
        for dialog in self.open_modals():
            first = self._seen.setdefault(id(dialog), now)
            if dialog.objectName() in self.expected and now - first < self.GRACE_S:
                continue
            why = "unanswered for %.0f s" % (now - first) if dialog.objectName() in self.expected else "unexpected"
            self.unexpected.append(f"{why}: {self.describe(dialog)}")
            dialog.reject()

    def stop(self) -> None:
        self.timer.stop()
        self.timer.deleteLater()


@pytest.fixture(autouse=True)
def modal_watch(qapp):
    """Each GUI test runs under a ModalWatch (``modal_watch.expect(name)`` announces a question the test
    answers): an unexpected modal question is closed and fails the test, with its text, instead of hanging it."""
    watch = ModalWatch()
    yield watch
    watch.check()  # one left open at the end (a test that opened it without announcing and never spun the loop)
    watch.stop()
    if watch.unexpected:
        pytest.fail("a modal question was open that the test did not expect (closed by the watch):\n"
                    + "\n".join(watch.unexpected), pytrace=False)


@pytest.fixture
def themed(qapp):
    import sys

    from gui import gc_guard
    from gui.app import configure_runtime
    from gui.theme import apply_theme

    apply_theme(qapp, "system")
    gc_guard.install(qapp)  # as the app does: cycles are collected in the GUI thread only
    previous = configure_runtime()
    yield qapp
    sys.setswitchinterval(previous)


@pytest.fixture(autouse=True)
def collect_in_gui_thread():
    """Automatic collection is off (gui/gc_guard.py); collect after each test here, in the GUI thread."""
    yield
    import gc

    gc.collect()


def require_keyring_or_skip(credential_store) -> None:
    if credential_store.is_usable():
        return
    if os.environ.get("AZAION_REQUIRE_KEYRING"):
        pytest.fail("AZAION_REQUIRE_KEYRING is set but the keyring is not usable: "
                    f"{credential_store.last_warning or ''} (backend {credential_store.backend_name()})")
    pytest.skip("no usable system keyring here (run under scripts/with-keyring.sh)")


@pytest.fixture
def app_factory(qtbot, themed, sandbox):
    """``make(profile_id='test')``: an AppController whose current profile points at the sandbox (not in
    sandbox mode, so remembered credentials and settings behave as with a real server)."""
    from gui.app import AppController
    from gui.session import AppContext
    from gui.tray import CloseChoice

    made: list[AppController] = []

    def make(*, sandbox_mode: bool = False, start: bool = True) -> AppController:
        ctx = AppContext.load()
        if sandbox_mode:
            ctx.attach_sandbox(sandbox)
        else:
            ctx.settings.add_or_update_profile("test", name="Test sandbox", api_url=sandbox.api_url)
            ctx.settings.current_profile = "test"
            ctx.save()
        controller = AppController(ctx)
        made.append(controller)
        if start:
            controller.start()
        return controller

    yield make
    for controller in made:
        window = controller.window
        if window is not None:
            window.confirm_close = lambda _n: True
            window.ask_keep_running = lambda _w, _n: CloseChoice.QUIT  # a tray (tests/gui/test_tray.py): no modal
            token = window.client.token
            if token is not None:
                USED_SECRETS.add(token.raw)
        controller.shutdown()
        for w in (controller.window, controller.login_dialog):
            if w is not None:
                w.close()


def type_login(qtbot, dialog, email: str, password: str, remember: bool = False) -> None:
    from PySide6.QtCore import Qt

    dialog.email_edit.clear()
    qtbot.keyClicks(dialog.email_edit, email)
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, password)
    if remember != dialog.remember_box.isChecked():
        qtbot.mouseClick(dialog.remember_box, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)


@pytest.fixture
def logged_in(qtbot, app_factory, make_account):
    """``make(role)``: a controller logged in through the dialog as a fresh account; returns (controller, creds)."""
    from core.models import RoleEnum
    from gui.tray import CloseChoice

    def make(role: RoleEnum = RoleEnum.ResourceUploader, creds=None):
        creds = creds or make_account(role)
        controller = app_factory()
        qtbot.waitUntil(lambda: controller.login_dialog is not None or controller.window is not None, timeout=10000)
        assert controller.login_dialog is not None
        type_login(qtbot, controller.login_dialog, creds.email, creds.password)
        qtbot.waitUntil(lambda: controller.window is not None, timeout=20000)
        window = controller.window
        window.confirm_close = lambda _n: True
        window.ask_keep_running = lambda _w, _n: CloseChoice.QUIT
        qtbot.addWidget(window)
        return controller, creds

    return make


def wait_jobs(qtbot, jobs, timeout: int = 60000) -> None:
    qtbot.waitUntil(lambda: all(j.state.finished for j in jobs), timeout=timeout)


class GateProbe:
    """Stands in for ProgressProbe: when progress first reaches ``fraction`` of the total, or with ``stage`` when
    the job enters that stage, it sets ``reached`` and holds the worker thread until ``release`` is set, so a test
    can act at an exact point of a job (which stays RUNNING meanwhile)."""

    def __init__(self, fraction: float = 0.5, stage: str | None = None, wait: float = 30) -> None:
        from gui.workers.progress import ProgressProbe

        self._inner = ProgressProbe()
        self.fraction, self.stage, self.wait = fraction, stage, wait
        self.reached = threading.Event()
        self.release = threading.Event()

    def progress(self, done: int, total: int | None) -> None:
        self._inner.progress(done, total)
        if self.stage is None and total and done >= total * self.fraction:
            self._hold()

    def on_stage(self, stage: str) -> None:
        self._inner.on_stage(stage)
        if stage == self.stage:
            self._hold()

    def _hold(self) -> None:
        if not self.reached.is_set():
            self.reached.set()
            self.release.wait(self.wait)

    def __getattr__(self, name: str):
        return getattr(self._inner, name)


def gate_probes(monkeypatch: pytest.MonkeyPatch, **options):
    """Fixture body: jobs created meanwhile get a GateProbe(**options); yields the list of probes made and
    releases them all at the end."""
    import gui.workers.jobs as jobs

    made: list[GateProbe] = []

    def make() -> GateProbe:
        made.append(GateProbe(**options))
        return made[-1]

    monkeypatch.setattr(jobs, "ProgressProbe", make)
    yield made
    for probe in made:
        probe.release.set()


@pytest.fixture
def gate_probe(monkeypatch):
    """Jobs created while this fixture is active are held half way (GateProbe); returns the list of probes made."""
    yield from gate_probes(monkeypatch)


def write_random(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    chunk = os.urandom(1 << 20)
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            n = min(left, len(chunk))
            fh.write(chunk[:n])
            left -= n
    return path


@pytest.fixture
def new_folder(sandbox):
    """``make(prefix)``: a fresh folder name with its CDN bucket created on the sandbox's S3."""

    def make(prefix: str = "gui") -> str:
        folder = f"{prefix}-{uuid.uuid4().hex[:8]}"
        sandbox.s3_client().create_bucket(Bucket=folder)
        return folder

    return make


def upload_until_uploading(qtbot, window, folder: str, source: Path):
    """One upload of ``source`` into ``folder`` through the Upload panel, returned once it is sending."""
    window.upload_panel.set_folder(folder)
    (job,) = queue_uploads(qtbot, window, [source])
    qtbot.waitUntil(lambda: job.stage == "uploading" and job.done > 0, timeout=60000)
    return job


def queue_uploads(qtbot, window, paths) -> list:
    """Upload ``paths`` through the Upload panel and return the jobs queued: the panel first learns which names
    the target folder holds (one listing, in a worker, unless the Resources panel shows that folder)."""
    panel = window.upload_panel
    before = panel.batches
    panel.enqueue_paths(list(paths))
    qtbot.waitUntil(lambda: panel.batches > before, timeout=30000)
    return panel.last_jobs
