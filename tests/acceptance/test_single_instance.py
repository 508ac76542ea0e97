"""A second start of the app (same user, same data folder) brings the running window to the front, hands it its
command line (a file to upload) and exits 0, instead of a second app writing the same queue file."""

from __future__ import annotations

import time

from sandbox.state import DEMO_PASSWORD
from tests.acceptance.xsession import AppProcess, wait_for


def test_a_second_start_activates_the_first_window(xsession, start_app, shot, tmp_path):
    first = start_app()
    dialog = xsession.wait_window("Log in", first.pid, timeout=60)
    xsession.activate(dialog)
    xsession.type(DEMO_PASSWORD)
    xsession.key("Return")
    main = xsession.main_window(first.pid, timeout=30)
    xsession.xdotool("windowminimize", "--sync", main)
    assert wait_for(lambda: xsession.xdotool("getactivewindow", check=False).strip() != main, 5)
    dropped = tmp_path / "dropped.bin"
    dropped.write_bytes(b"x" * 1000)

    # The same folders: the same user's app.
    second = AppProcess(xsession, first.home, str(dropped), output="second-output.txt")
    try:
        started = time.monotonic()
        try:
            code = second.proc.wait(30)
        except Exception:
            raise AssertionError(f"the second start did not exit: {second.output()}") from None
        took = time.monotonic() - started
        assert code == 0, second.output()
        assert "already running" in second.output() or "already running" in first.log_text()
        assert took < 20, took  # behaviour bound (no sandbox, no login): generous for this loaded machine
    finally:
        second.stop()
    assert wait_for(lambda: xsession.xdotool("getactivewindow", check=False).strip() == main, 10), \
        "the first window did not come to the front"
    assert first.alive()
    assert wait_for(lambda: "A later start asked to come to the front (1 file(s))" in first.log_text(), 10)
    shot("second-start")
    assert xsession.windows("^Azaion Admin", second.pid) == []
