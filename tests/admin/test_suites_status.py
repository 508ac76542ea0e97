"""Suites actions report their result in the window's status bar (like every admin action), with the server's 409
Message when it refuses, and nothing is lost on a refusal."""

from __future__ import annotations

from core.models import RoleEnum

REFUSAL = '{"ErrorCode": 80, "Message": "The folder is being written to."}'


def _open_suites(qtbot, logged_in, role):
    controller, _ = logged_in(role)
    window = controller.window
    window.show_panel("suites")
    panel = window.suites_panel
    qtbot.waitUntil(lambda: panel.production.loaded and panel.stage.loaded, timeout=20000)
    qtbot.waitUntil(lambda: window.runner.busy == 0, timeout=10000)
    return window, panel


def test_refused_and_done_clear_show_in_the_status_bar(qtbot, logged_in, sandbox):
    window, panel = _open_suites(qtbot, logged_in, RoleEnum.ResourceUploader)
    box = panel.stage
    before = sandbox.state.list_files("suite-stage")
    assert before

    sandbox.state.fail_next(409, 1, REFUSAL)
    assert box.clear("CLEAR") is True
    qtbot.waitUntil(lambda: window.runner.busy == 0, timeout=10000)
    expected = "Could not clear suite-stage: The folder is being written to."
    assert box.status.text() == expected
    assert window.statusBar().currentMessage() == expected
    assert sandbox.state.list_files("suite-stage") == before  # refused: nothing removed

    try:
        assert box.clear("CLEAR") is True
        qtbot.waitUntil(lambda: sandbox.state.list_files("suite-stage") == [], timeout=20000)
        qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Cleared suite-stage", timeout=10000)
    finally:
        sandbox.state.put_file("suite-stage", "readme.txt", b"restored for other tests\n")


def test_refresh_failure_and_installer_download_show_in_the_status_bar(qtbot, logged_in, sandbox, tmp_path):
    window, panel = _open_suites(qtbot, logged_in, RoleEnum.Operator)
    box = panel.production
    sandbox.state.fail_next(409, 1, '{"ErrorCode": 90, "Message": "The suite is being published."}')
    box.refresh()
    qtbot.waitUntil(lambda: not box.loading, timeout=10000)
    expected = "Could not list suite: The suite is being published."
    assert box.status.text() == expected and window.statusBar().currentMessage() == expected

    job = box.download_installer(tmp_path)
    assert job.detail == f"production installer → {tmp_path}"
    qtbot.waitUntil(lambda: job.state.finished, timeout=30000)
    served = sandbox.state.get_installer(False)
    assert (tmp_path / served.filename).read_bytes() == served.data
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith(f"Saved {served.filename} "),
                    timeout=10000)
    assert window.statusBar().currentMessage() == box.status.text()
