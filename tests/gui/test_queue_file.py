"""The saved transfer queue (``queue.json``) is read back only as far as it is valid: a file of another shape,
nested too deep, or with an entry of the wrong types or a bad name, is set aside as ``queue.json.invalid`` with a
warning, its valid entries still come back, and nothing crashes."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from gui.workers.jobs import JobState
from gui.workers.queue import TransferQueue

API = "http://127.0.0.1:1"
GOOD = {"kind": "upload", "path": "/data/model.bin", "folder": "models", "name": "model.bin", "api_url": API}


@pytest.mark.parametrize("content", [
    "[" * 100_000,  # RecursionError in json
    '{"kind": "upload"}',
    "not json",
    json.dumps([GOOD, {**GOOD, "path": 5}]),
    json.dumps([GOOD, {**GOOD, "name": "../../.bashrc"}]),
    json.dumps([GOOD, {**GOOD, "folder": None}]),
    json.dumps([GOOD, {**GOOD, "path": "relative/x.bin"}]),
    json.dumps([GOOD, {**GOOD, "kind": "unlock"}]),
    json.dumps([GOOD, {**GOOD, "extra": 1}]),
    json.dumps([GOOD, {"kind": "download", "folder": "models", "name": "m", "target_dir": ["x"], "api_url": API}]),
])
def test_an_invalid_saved_queue_is_set_aside_and_its_valid_entries_restored(qapp, tmp_path, content, caplog):
    store = tmp_path / "queue.json"
    store.write_text(content)
    queue = TransferQueue(1)
    with caplog.at_level("WARNING", logger="azaion.gui.queue"):
        restored = queue.attach(SimpleNamespace(api_url=API), store)
    expected = [GOOD] if content.startswith("[{") else []
    assert [(j.title, j.state) for j in restored] == [(s["name"], JobState.PAUSED) for s in expected]
    assert store.with_name("queue.json.invalid").read_text() == content
    assert json.loads(store.read_text()) == [{**s, "progress": [0, 0]} for s in expected]  # saved again
    assert any("Set aside the saved transfers" in r.getMessage() for r in caplog.records)
    queue.shutdown()
