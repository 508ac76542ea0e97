"""The main window keeps the size the user gave it: after a long error and after switching to Ukrainian
(it grew to 2567 px on a 1400 px screen and never shrank)."""

from __future__ import annotations

from tests.acceptance.xsession import wait_for


def _login(xsession, start_app):
    app = start_app()
    dialog = xsession.wait_window("Log in", app.pid, timeout=60)
    xsession.activate(dialog)
    xsession.key("Return")  # the sandbox's admin, prefilled
    main = xsession.main_window(app.pid, timeout=30)
    xsession.activate(main)
    return app, main


def test_window_width_unchanged_after_long_error_and_ukrainian(xsession, start_app, shot):
    app, main = _login(xsession, start_app)
    before = xsession.geometry(main)
    assert before.width < xsession.width
    shot("main-window")
    # A folder name with a path separator after 250 letters: an error naming it, one word with nowhere to wrap.
    xsession.key("alt+o", "ctrl+a")
    xsession.xdotool("key", "--delay", "0", "--repeat", "250", "x")
    xsession.type("/")
    xsession.key("Return")
    wait_for(lambda: False, 1.5)  # the error is shown at once; give the window manager time to apply a resize
    shot("main-window-long-error")
    assert xsession.geometry(main).width == before.width
    # Settings (Ctrl+,) → General tab (Ctrl+Tab) → Language (Alt+L) → the last entry, Українська → OK (Enter).
    english_title = xsession.title(main)
    xsession.key("ctrl+comma")
    settings = xsession.wait_window("Settings", app.pid, timeout=10)
    xsession.activate(settings)
    xsession.key("ctrl+Tab", "alt+l", "End", "Return")
    assert wait_for(lambda: xsession.title(main) != english_title, 15), "the language did not change"
    wait_for(lambda: False, 1.5)
    shot("main-window-ukrainian")
    after = xsession.geometry(main)
    assert (after.width, after.height) == (before.width, before.height)
    assert app.alive()
