"""A short tour as an administrator, by keyboard, with a screenshot of each stop (README's pictures): Users,
Image unlock, and an upload running in Transfers with its speed and time left."""

from __future__ import annotations

from tests.acceptance.xsession import wait_for


def test_admin_tour_with_an_upload_in_transfers(xsession, start_app, shot, tmp_path):
    big = tmp_path / "tour-upload.bin"
    with open(big, "wb") as fh:  # sparse: nothing to write, 1 GiB to send
        fh.truncate(1 << 30)
    app = start_app()
    dialog = xsession.wait_window("Log in", app.pid, timeout=60)
    xsession.activate(dialog)
    xsession.key("Return")
    main = xsession.main_window(app.pid, timeout=30)
    xsession.activate(main)
    size = xsession.geometry(main)
    shot("readme-resources", main)
    xsession.key("ctrl+7")  # Users: the same key for every role
    wait_for(lambda: False, 2)
    shot("readme-users", main)
    xsession.key("ctrl+3")  # Image unlock
    wait_for(lambda: False, 1)
    shot("readme-unlock", main)
    xsession.key("ctrl+2", "ctrl+u")  # Upload files…: the file dialog
    picker = xsession.wait_window("Upload|files|Files", app.pid, timeout=15)
    xsession.activate(picker)
    xsession.type(str(big))
    xsession.key("Return")
    assert wait_for(lambda: "Started upload tour-upload.bin" in app.log_text(), 30), "the upload did not start"
    xsession.activate(main)
    xsession.key("ctrl+5")  # Transfers
    wait_for(lambda: False, 8)  # encrypting, then uploading: the speed shows once its window spans 2 s
    shot("readme-transfers", main)
    assert xsession.geometry(main).width == size.width
    assert app.alive()
