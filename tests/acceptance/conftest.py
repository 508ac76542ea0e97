"""Fixtures of the acceptance suite: one X session (Xvfb 1400x900 + openbox) for the whole run, and the real app
started per test in its own folders. A failing test leaves a screenshot of the whole screen and the app's output
in build/acceptance-failures/; AZAION_SCREENSHOT_DIR=<folder> also keeps the screenshots the tests take on
purpose (README's pictures come from there)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.acceptance.xsession import AppProcess, XSession, missing_tools
from tests.conftest import SESSION_DIR

ROOT = Path(__file__).resolve().parents[2]
FAILURES = ROOT / "build" / "acceptance-failures"
SHOTS = Path(os.environ.get("AZAION_SCREENSHOT_DIR") or SESSION_DIR / "acceptance-shots")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def xsession():
    missing = missing_tools()
    if missing:
        message = f"the acceptance suite needs {', '.join(missing)} (make system-deps installs them)"
        if os.environ.get("CI") or os.environ.get("AZAION_REQUIRE_ACCEPTANCE"):
            pytest.fail(message)
        pytest.skip(message)
    session = XSession(1400, 900).start()
    yield session
    session.stop()


@pytest.fixture
def shot(xsession):
    """``shot(name, window="root")``: a screenshot of the screen (or of one window), kept in SHOTS; returns its
    path (look at it)."""

    def take(name: str, window: str = "root") -> Path:
        return xsession.screenshot(SHOTS / f"{name}.png", window)

    return take


@pytest.fixture
def start_app(request, xsession, tmp_path):
    """``start_app(*args, gui_ini="")``: the real ``azaion-admin --sandbox`` process (with that gui.ini); stopped
    (and, when the test failed, photographed first) at the end."""
    started: list[AppProcess] = []

    def start(*args: str, gui_ini: str = "") -> AppProcess:
        home = tmp_path / f"app{len(started)}"
        home.mkdir()
        if gui_ini:  # the window's own settings (QSettings' gui.ini), as a previous session left them
            config = home / "config" / "azaion-admin"
            config.mkdir(mode=0o700, parents=True)
            (config / "gui.ini").write_text(gui_ini)
        app = AppProcess(xsession, home, *args)
        started.append(app)
        return app

    yield start
    failed = any(getattr(request.node, f"rep_{when}", None) is not None
                 and getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))
    if failed:
        FAILURES.mkdir(parents=True, exist_ok=True)
        xsession.screenshot(FAILURES / f"{request.node.name}.png")
    for app in started:
        if failed:
            shutil.copyfile(app.output_file, FAILURES / f"{request.node.name}-{app.pid}.txt")
        app.stop()
