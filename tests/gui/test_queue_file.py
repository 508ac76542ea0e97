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
DOWNLOAD = {"kind": "download", "folder": "models", "name": "m", "target_dir": "/data", "api_url": API}


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
    json.dumps([GOOD, {**GOOD, "progress": "half"}]),
    json.dumps([GOOD, {**GOOD, "progress": [5, 2]}]),
    json.dumps([GOOD, {**GOOD, "progress": [-1, 10]}]),
    json.dumps([GOOD, {**GOOD, "progress": [1.5, 10]}]),
    json.dumps([GOOD, {"kind": "download", "folder": "models", "name": "m", "target_dir": ["x"], "api_url": API}]),
    json.dumps([GOOD, {**DOWNLOAD, "replace": "no"}]),
    json.dumps([GOOD, {**DOWNLOAD, "output_name": "../m (1)"}]),
    json.dumps([GOOD, {**DOWNLOAD, "progress": [1, 2, 3]}]),
    json.dumps([GOOD, {**GOOD, "output_name": "m (1)"}]),  # only a download has an output name
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


def test_a_saved_entry_with_its_progress_is_restored_where_it_stopped(qapp, tmp_path):
    """``_persist`` writes ``progress: [done, total]`` so a restored row shows where it stopped (issue 13): the
    loader's validation accepts that shape."""
    store = tmp_path / "queue.json"
    store.write_text(json.dumps([{**GOOD, "progress": [300, 1000]}]))
    queue = TransferQueue(1)
    (job,) = queue.attach(SimpleNamespace(api_url=API), store)
    assert (job.title, job.state, job.done, job.total) == ("model.bin", JobState.PAUSED, 300, 1000)
    assert not store.with_name("queue.json.invalid").exists()
    queue.shutdown()


def test_a_saved_download_keeps_its_output_name_replace_and_progress(qapp, tmp_path):
    """Both optional rules hold together: a Keep both / Replace download (``output_name``, ``replace``) with its
    ``progress`` is valid and comes back as saved."""
    store = tmp_path / "queue.json"
    spec = {**DOWNLOAD, "output_name": "m (1)", "replace": "yes", "progress": [7, 9]}
    store.write_text(json.dumps([spec]))
    queue = TransferQueue(1)
    (job,) = queue.attach(SimpleNamespace(api_url=API), store)
    assert (job.state, job.done, job.total, job.spec["output_name"]) == (JobState.PAUSED, 7, 9, "m (1)")
    assert json.loads(store.read_text()) == [spec]
    assert not store.with_name("queue.json.invalid").exists()
    queue.shutdown()
