"""The Image unlock panel's versions box (gui/panels/image_versions.py) with REAL podman in an isolated store: the
versions present newest first with completeness, size and use, the disk used; removing a version asks first and a
declined question removes nothing; "keep the last N" lists what it will remove and what it keeps (a version a
container uses) before removing; the work runs in a worker (the box is busy and the table unchanged right after
the click)."""

from __future__ import annotations

from core.models import RoleEnum
from sandbox.tarball import service_images
from tests.gui.test_unlock import _use_podman
from tests.images.conftest import PREFIX, SERVICES


def test_versions_box_lists_removes_and_keeps_the_last_n(qtbot, logged_in, store):
    store.load(service_images(SERVICES, PREFIX, "1.0.0") + service_images(["loader"], PREFIX, "1.1.0")
               + service_images(SERVICES, PREFIX, "2.0.0"))
    stopped = f"hk-{id(store):x}"
    store.cli.run(["create", "--name", stopped, f"{PREFIX}annotations:1.0.0", "/bin/true"])
    box = None
    try:
        controller, _ = logged_in(RoleEnum.Operator)
        window = controller.window
        _use_podman(qtbot, window, store)
        window.show_panel("unlock")
        box = window.unlock_panel.versions_box
        qtbot.waitUntil(lambda: box.table.rowCount() == 3 and not box.busy, timeout=60000)
        rows = [[box.table.item(r, c).text() for c in range(4)] for r in range(3)]
        assert [r[0] for r in rows] == ["2.0.0", "1.1.0", "1.0.0"]  # newest first
        assert rows[0][1] == "complete (4/4)" and rows[1][1] == "1/4, missing: annotations, detections, gps-denied"
        assert rows[2][3] == "yes, stopped container" and rows[0][3] == "—"
        assert box.disk_label.text().startswith("3 versions, ")

        asked: list[str] = []
        answer = [False]
        box.confirm = lambda title, text: asked.append(text) or answer[0]
        assert box.select_version("1.1.0")
        before = store.images()
        assert box.remove_selected() is False and store.images() == before  # declined: nothing removed
        assert asked == ["Remove the images of version 1.1.0 (" + rows[1][2] + ") from this computer?"]

        answer[0] = True
        assert box.remove_selected() is True
        assert box.busy and box.table.rowCount() == 3  # the removal runs in a worker
        qtbot.waitUntil(lambda: box.table.rowCount() == 2 and not box.busy, timeout=60000)
        assert store.images() == before - {f"{PREFIX}loader:1.1.0"}
        assert box.status.text().startswith("Removed 1 version: 1.1.0")

        box.keep_spin.setValue(0)
        assert box.prune() is True
        qtbot.waitUntil(lambda: len(asked) == 3, timeout=60000)  # the plan (a dry run) came back: asked first
        assert asked[2].startswith("Remove the images of 1 version: 2.0.0?")
        assert f"Kept 1.0.0: in use: {PREFIX}annotations:1.0.0 is used by stopped container {stopped}" in asked[2]
        qtbot.waitUntil(lambda: box.table.rowCount() == 1 and not box.busy, timeout=60000)
        assert store.images() == {f"{PREFIX}{s}:1.0.0" for s in SERVICES}
        assert "Kept 1.0.0: in use" in box.status.text()
    finally:
        if box is not None:
            qtbot.waitUntil(lambda: not box.busy, timeout=60000)  # no worker still removing when the container goes
        store.cli.run(["rm", "-f", stopped])
