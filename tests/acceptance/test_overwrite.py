"""A download onto a file that exists asks first (issue 13 item 5: a double click replaced the user's file in the
last download folder). Through the real X server: the question is a window of its own that takes the keyboard,
Skip leaves the file as it was, Keep both saves the download beside it."""

from __future__ import annotations

from sandbox.seed import SAMPLE_NAME
from tests.acceptance.xsession import wait_for

MINE = b"the user's own file, not to be replaced\n"


def test_a_download_onto_an_existing_file_asks_first(xsession, start_app, shot, tmp_path):
    out = tmp_path / "downloads"
    out.mkdir()
    (out / SAMPLE_NAME).write_bytes(MINE)
    app = start_app(gui_ini=f"[resources]\nlast_download_dir={out}\n")  # the last download folder
    dialog = xsession.wait_window("Log in", app.pid, timeout=60)
    xsession.activate(dialog)
    xsession.key("Return")
    main = xsession.main_window(app.pid, timeout=30)
    xsession.activate(main)
    assert wait_for(lambda: "Listed models" in app.log_text(), 30), "the Resources panel did not list models"
    # The keyboard's double click: filter to the row, Tab into the table, Enter (downloads into the last folder).
    xsession.key("ctrl+f")
    xsession.type(SAMPLE_NAME)
    xsession.key("Tab", "Return")

    question = xsession.wait_window("File exists", app.pid, timeout=15)
    assert xsession.title(question) == "Azaion Admin — File exists"
    assert wait_for(lambda: xsession.xdotool("getactivewindow", check=False).strip() == question, 5), \
        "the question does not have the keyboard"
    box, window = xsession.geometry(question), xsession.geometry(main)
    assert 0 <= box.x and box.x + box.width <= xsession.width and box.y + box.height <= xsession.height
    assert window.x <= box.x + box.width // 2 <= window.x + window.width  # over the main window, not lost
    shot("overwrite-question", question)
    xsession.key("alt+s")  # Skip
    assert wait_for(lambda: xsession.windows("File exists", app.pid) == [], 5), "Skip did not close the question"
    wait_for(lambda: False, 1)  # a download, if one were queued, would start now
    assert (out / SAMPLE_NAME).read_bytes() == MINE
    assert sorted(p.name for p in out.iterdir()) == [SAMPLE_NAME]
    assert "Started download" not in app.log_text()

    xsession.key("Return")  # again (the table has the focus back): Keep both
    question = xsession.wait_window("File exists", app.pid, timeout=15)
    xsession.key("alt+k")
    kept = out / SAMPLE_NAME.replace(".bin", " (1).bin")
    assert wait_for(lambda: kept.exists() and kept.stat().st_size > 0, 30), app.log_text()[-2000:]
    assert (out / SAMPLE_NAME).read_bytes() == MINE
    assert app.alive()
