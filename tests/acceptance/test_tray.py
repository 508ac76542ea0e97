"""The tray through a real X server: trayer (a small XEmbed system-tray host from Debian) runs beside openbox, the
real app finds the tray, and closing its window (Alt+F4, openbox's Close) while an upload runs asks whether to
keep it running in the tray; Enter keeps it (the window goes, the app and the upload stay), and a click on the
tray icon brings the window back."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.acceptance.xsession import wait_for


@pytest.fixture
def tray_host(xsession):
    """trayer docked at the bottom right of the screen, for this test only."""
    trayer = shutil.which("trayer")
    if trayer is None:
        message = "the tray acceptance test needs trayer (make system-deps installs it)"
        if os.environ.get("CI") or os.environ.get("AZAION_REQUIRE_ACCEPTANCE"):
            pytest.fail(message)
        pytest.skip(message)
    proc = subprocess.Popen([trayer, "--edge", "bottom", "--align", "right", "--widthtype", "request",
                             "--height", "32", "--SetDockType", "true", "--expand", "false"],
                            env=xsession.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for(lambda: bool(xsession.windows("^panel$")), 10), "trayer did not show its panel"
    yield xsession.windows("^panel$")[0]
    proc.terminate()
    proc.wait(10)


def test_close_keeps_the_upload_running_in_the_tray(xsession, tray_host, start_app, shot, tmp_path):
    big = tmp_path / "tray-upload.bin"
    with open(big, "wb") as fh:  # sparse: nothing to write, 1 GiB to send (it runs for a while)
        fh.truncate(1 << 30)
    app = start_app()
    dialog = xsession.wait_window("Log in", app.pid, timeout=60)
    xsession.activate(dialog)
    xsession.key("Return")
    main = xsession.main_window(app.pid, timeout=30)
    assert wait_for(lambda: "System tray found" in app.log_text(), 10), "the app did not find the tray"
    xsession.activate(main)
    xsession.key("ctrl+2", "ctrl+u")  # Upload files…
    picker = xsession.wait_window("Upload|files|Files", app.pid, timeout=15)
    xsession.activate(picker)
    xsession.type(str(big))
    xsession.key("Return")
    assert wait_for(lambda: "Started upload tray-upload.bin" in app.log_text(), 30), "the upload did not start"

    xsession.activate(main)
    xsession.key("alt+F4")  # openbox: Close
    question = xsession.wait_window("Work in progress", app.pid, timeout=15)
    shot("tray-keep-running-question")
    xsession.activate(question)
    xsession.key("Return")  # the default button: Keep running
    assert wait_for(lambda: xsession.windows("^Azaion Admin", app.pid) == [], 10), "the window stayed"
    assert wait_for(lambda: "Window hidden to the tray" in app.log_text(), 5)
    wait_for(lambda: False, 1)
    assert app.alive(), app.output()
    assert "Finished upload" not in app.log_text() and "Pausing upload" not in app.log_text()
    shot("tray-window-hidden")

    panel = xsession.geometry(tray_host)
    xsession.xdotool("mousemove", str(panel.x + panel.width // 2), str(panel.y + panel.height // 2), "click", "1")
    assert wait_for(lambda: "Window shown from the tray" in app.log_text(), 10), "the tray icon did not answer"
    xsession.main_window(app.pid, timeout=10)
    assert app.alive()
