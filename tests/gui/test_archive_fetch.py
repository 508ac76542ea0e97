"""Image unlock → "Fetch from server" against the sandbox's CDN (core.images.fetch_archive, as `azaion
fetch-archive`): the archive lands in the cache (or a chosen folder) and fills the archive field; progress with
speed and time left while it runs; Cancel leaves no file, partial or temporary; a server refusal (not published,
a hash that does not match) is one translated sentence with Details and leaves nothing; an existing file in the
user's folder is replaced only when they agree."""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest

from core.images.archive import archive_key
from core.models import RoleEnum
from sandbox.images import ARCHIVE_BUCKET, SAMPLE_VERSION, sample_archive
from tests.gui.conftest import GateProbe

MiB = 1 << 20


def _publish(sandbox, size: int, sha256: str | None = None) -> tuple[str, bytes]:
    version = f"9.7.{uuid.uuid4().int % 100000}-gui"
    body = os.urandom(size)
    sandbox.s3_client().put_object(Bucket=ARCHIVE_BUCKET, Key=archive_key(version), Body=body,
                                   Metadata={"sha256": sha256 or hashlib.sha256(body).hexdigest()})
    return version, body


def _panel(qtbot, logged_in, version: str):
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    window.show_panel("unlock")
    panel = window.unlock_panel
    panel.version_edit.setText(version)
    return window, panel


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_fetch_into_the_cache_fills_the_archive_field(qtbot, logged_in):
    window, panel = _panel(qtbot, logged_in, SAMPLE_VERSION)
    fetch = panel.fetch
    assert fetch.button.isEnabled() and fetch.button.text() == "&Fetch from server"
    fetch.button.click()
    qtbot.waitUntil(lambda: not fetch.running, timeout=20000)
    expected = fetch.cache_dir() / f"{SAMPLE_VERSION}.tar.enc"
    assert panel.archive_edit.text() == str(expected), fetch.status.full_text()
    assert expected.read_bytes() == sample_archive()
    assert panel.version_edit.text() == SAMPLE_VERSION
    assert fetch.status.full_text() == f"Fetched the archive of {SAMPLE_VERSION} to {expected}"
    assert not fetch.details.isVisible() and not fetch.progress.isVisible()
    assert _leftovers(fetch.cache_dir()) == [expected.name]  # no temporary file left beside it


def test_cancel_leaves_no_file(qtbot, logged_in, sandbox, monkeypatch, tmp_path):
    import gui.panels.archive_fetch as archive_fetch

    version, _body = _publish(sandbox, 24 * MiB)
    gates: list[GateProbe] = []
    monkeypatch.setattr(archive_fetch, "ProgressProbe", lambda: gates.append(GateProbe(0.25)) or gates[-1])
    window, panel = _panel(qtbot, logged_in, version)
    fetch = panel.fetch
    target = tmp_path / "archives"
    target.mkdir()
    assert fetch.start(target)
    assert not fetch.button.isEnabled() and fetch.cancel_button.isVisible()
    qtbot.waitUntil(lambda: gates[0].reached.is_set(), timeout=20000)
    qtbot.waitUntil(lambda: " of 24.0 MiB" in fetch.status.full_text(), timeout=5000)
    qtbot.wait(2500)  # the rate window spans 2 s: then speed and time left are shown (0 B/s while held)
    assert "/s, " in fetch.status.full_text() and " left" in fetch.status.full_text(), fetch.status.full_text()
    assert 200 <= fetch.progress.value() < 1000
    fetch.cancel_button.click()
    gates[0].release.set()
    qtbot.waitUntil(lambda: not fetch.running, timeout=10000)
    assert fetch.status.full_text() == "Fetch cancelled: nothing was saved"
    assert _leftovers(target) == [] and panel.archive_edit.text() == ""
    assert fetch.button.isEnabled() and not fetch.cancel_button.isVisible()


@pytest.mark.parametrize("case", ["not published", "wrong hash"])
def test_a_server_refusal_is_one_sentence_with_details_and_saves_nothing(qtbot, logged_in, sandbox, case,
                                                                         tmp_path):
    if case == "not published":
        version = f"0.0.{uuid.uuid4().int % 100000}-none"
        said = f"Could not fetch the archive of {version}: The server does not have it."
    else:
        version, _ = _publish(sandbox, 64 * 1024, sha256="0" * 64)
        said = f"Could not fetch the archive of {version}: The data failed its integrity check and was not kept."
    window, panel = _panel(qtbot, logged_in, version)
    fetch = panel.fetch
    target = tmp_path / "archives"
    target.mkdir()
    assert fetch.start(target)
    qtbot.waitUntil(lambda: not fetch.running, timeout=20000)
    text = fetch.status.full_text()
    assert text.startswith(said), text
    assert "\n" not in text and "Traceback" not in text
    assert fetch.details.isVisible() and fetch.details.details  # the technical text behind Details
    assert _leftovers(target) == [] and panel.archive_edit.text() == ""
    box = fetch.details.show_details()
    qtbot.addWidget(box)
    assert box.detailedText() == fetch.details.details
    box.close()


def test_an_existing_file_is_replaced_only_when_agreed(qtbot, logged_in, sandbox, tmp_path):
    version, body = _publish(sandbox, 32 * 1024)
    window, panel = _panel(qtbot, logged_in, version)
    fetch = panel.fetch
    existing = tmp_path / archive_key(version)
    existing.write_bytes(b"the user's own copy")
    asked = []
    fetch.confirm_replace = lambda path: asked.append(path) or False
    assert not fetch.start(tmp_path)
    assert asked == [existing] and existing.read_bytes() == b"the user's own copy"
    assert "was kept" in fetch.status.full_text()
    fetch.confirm_replace = lambda path: asked.append(path) or True
    assert fetch.start(tmp_path)
    qtbot.waitUntil(lambda: not fetch.running, timeout=20000)
    assert existing.read_bytes() == body and panel.archive_edit.text() == str(existing)


def test_an_invalid_version_is_refused_before_any_request(qtbot, logged_in, tmp_path):
    window, panel = _panel(qtbot, logged_in, "../../etc")
    fetch = panel.fetch
    assert not fetch.start(tmp_path)
    assert fetch.status.full_text().startswith(
        "Cannot fetch this version: version '../../etc' is not a valid image tag")
    assert _leftovers(tmp_path) == []
    panel.version_edit.setText("")
    assert not fetch.button.isEnabled()
