"""The queue's large transfers run in transfer processes (gui/workers/jobs.py ``PROCESS_MIN_BYTES``,
core/transfer_process.py). Through the real window: an upload dropped on the Upload panel and a download from the
Resources panel each run in a child, show their stages and progress, pause on quit and resume after a restart as
before, and fail with the message the same failure gives in a thread. The threshold is lowered so that files of a
few MiB take that path."""

from __future__ import annotations

import json

import pytest

from core import transfer_process
from core.bandwidth import LIMITER, OFF
from core.models import RoleEnum
from gui.workers import jobs as jobs_module
from gui.workers.jobs import JobState, download_job
from gui.workers.queue import TransferQueue
from tests.gui.conftest import upload_until_uploading, wait_jobs, write_random
from tests.waiting import wait_until

MiB = 1 << 20


@pytest.fixture
def in_processes(monkeypatch):
    monkeypatch.setattr(jobs_module, "PROCESS_MIN_BYTES", MiB)
    yield
    LIMITER.set_limit(OFF)


def test_an_upload_runs_in_a_process_pauses_on_quit_and_resumes(qtbot, logged_in, new_folder, tmp_path,
                                                                 in_processes):
    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    client = window.client
    store = tmp_path / "queue.json"
    window.queue.attach(client, store)
    folder = new_folder("proc")
    source = write_random(tmp_path / "proc.bin", 12 * MiB)
    LIMITER.set_rate(2 * MiB)
    job = upload_until_uploading(qtbot, window, folder, source)
    (pid,) = transfer_process._running
    assert window.queue.shutdown() is True  # what quitting the app does
    assert job.state is JobState.PAUSED, job.message
    assert not transfer_process._running and wait_until(lambda: not _alive(pid), timeout=10)
    assert len(client.journals.all()) == 1
    assert [s["name"] for s in json.loads(store.read_text())] == ["proc.bin"]

    LIMITER.set_limit(OFF)
    restarted = TransferQueue(2)
    (again,) = restarted.attach(client, store)
    restarted.resume(again)
    wait_jobs(qtbot, [again], timeout=120000)
    assert again.state is JobState.DONE, again.message
    assert again.result.resumed is True and again.result.plain_size == source.stat().st_size
    assert client.journals.all() == []
    restarted.shutdown()


def test_a_download_from_the_listing_runs_in_a_process_and_fails_as_in_a_thread(
        qtbot, logged_in, new_folder, tmp_path, in_processes, monkeypatch):
    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    client = window.client
    folder = new_folder("procdl")
    source = write_random(tmp_path / "dl.bin", 3 * MiB)
    client.upload_big_small_resource(source, "dl.bin", folder)
    client.cache.discard(folder, "dl.bin")
    panel = window.resources_panel
    window.show_panel("resources")
    panel.set_folder(folder)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.loaded_folder == folder and not panel.loading, timeout=30000)
    (row,) = [r for r in panel.model.rows() if r.name == "dl.bin"]
    assert row.size is not None and row.size >= MiB
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    started: list[list[str]] = []
    command = transfer_process.worker_command
    monkeypatch.setattr(transfer_process, "worker_command", lambda: started.append(command()) or command())
    (job,) = panel.download_rows([row], out_dir)
    assert job.spec["size"] == str(row.size)  # kept for a restart, as text like the saved transfer's other fields
    wait_jobs(qtbot, [job])
    assert job.state is JobState.DONE, job.message
    assert (out_dir / "dl.bin").read_bytes() == source.read_bytes()
    assert len(started) == 1 and job.result.source == "cdn" and job.result.output == out_dir / "dl.bin"
    assert job.total == job.done > 0  # the child's progress reached the row

    # The output exists now: the same job fails with the message the same failure gives in a thread.
    again = window.queue.add(download_job(client, folder, "dl.bin", out_dir, size=row.size))
    threaded = window.queue.add(download_job(client, folder, "dl.bin", out_dir))
    wait_jobs(qtbot, [again, threaded])
    assert again.state is threaded.state is JobState.FAILED
    assert again.message == threaded.message and "already exists" in again.message
    assert len(started) == 2  # the first of the two ran in a process, the other (no size known) in a thread


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
