"""Logging in with the keyboard alone, as a first-time user does, through a real X server."""

from __future__ import annotations

from sandbox.state import DEMO_PASSWORD
from tests.acceptance.xsession import wait_for


def test_keyboard_only_login_after_a_failed_attempt(xsession, start_app, shot):
    """Defect: after "Wrong email or password." Cancel had become the default button; retyping the password and
    pressing Enter quit the app (the in-process sandbox too)."""
    app = start_app()
    dialog = xsession.wait_window("Log in", app.pid, timeout=60)
    xsession.activate(dialog)
    before = xsession.geometry(dialog)
    xsession.type("not-the-password")  # the password field has the focus, its text selected: typing replaces it
    xsession.key("Return")
    assert wait_for(lambda: "Login failed" in app.log_text(), 30), "the login did not fail"
    wait_for(lambda: False, 0.5)
    assert xsession.geometry(dialog).height > before.height, "no error line appeared"
    shot("login-failed")
    assert app.alive() and xsession.windows("Log in", app.pid) == [dialog]
    xsession.type(DEMO_PASSWORD)  # focus back on the password, selected
    xsession.key("Return")
    main = xsession.main_window(app.pid, timeout=30)
    assert app.alive(), app.output()
    assert "SANDBOX" in xsession.title(main)
    assert wait_for(lambda: xsession.windows("Log in", app.pid) == [], 5)


def test_unreachable_server_error_keeps_the_dialog_size(xsession, start_app, shot):
    """A 2,000-character URL that nobody answers: the dialog says so in one line and keeps its width, and
    Enter after the error still logs in (to the sandbox, chosen again with the keyboard)."""
    app = start_app()
    dialog = xsession.wait_window("Log in", app.pid, timeout=60)
    xsession.activate(dialog)
    before = xsession.geometry(dialog)
    xsession.key("shift+Tab", "shift+Tab", "shift+Tab", "End")  # Server: the last entry, "Custom URL…"
    xsession.key("ctrl+a")
    xsession.type("http://127.0.0.1:9/")
    xsession.xdotool("key", "--delay", "0", "--repeat", "2000", "a")
    xsession.key("Return")
    assert wait_for(lambda: "Login failed" in app.log_text(), 60), "the login did not fail"
    wait_for(lambda: False, 1)  # the error line is shown with the log line; let the window manager catch up
    after = xsession.geometry(dialog)
    shot("login-unreachable")
    assert after.width == before.width, f"the dialog widened from {before.width} to {after.width} px"
    assert after.height < xsession.height // 2, f"the dialog grew to {after.height} px high"
    assert app.alive()
