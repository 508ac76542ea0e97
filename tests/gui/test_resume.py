"""Unfinished transfers survive a restart: the queue persists them, they come back Paused, Resume finishes
them without re-encrypting, Discard forgets them and aborts the multipart upload. Retry waits are visible."""

from __future__ import annotations

import json

from core.models import RoleEnum
from gui.workers.jobs import JobState
from gui.workers.queue import TransferQueue
from tests.gui.conftest import upload_until_uploading, wait_jobs, write_random
from tests.waiting import wait_until

MiB = 1 << 20


def test_quit_pauses_and_restart_restores_paused_then_resume_completes(qtbot, logged_in, new_folder, tmp_path,
                                                                       sandbox):
    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    client = window.client
    store = tmp_path / "queue.json"
    window.queue.attach(client, store)
    folder = new_folder("resume")
    source = write_random(tmp_path / "resume.bin", 48 * MiB)
    job = upload_until_uploading(qtbot, window, folder, source)
    assert window.queue.shutdown() is True  # what quitting the app does
    assert job.state is JobState.PAUSED
    saved = json.loads(store.read_text())
    assert [(s["kind"], s["name"], s["folder"]) for s in saved] == [("upload", "resume.bin", folder)]
    assert len(client.journals.all()) == 1  # the resumable state is kept on purpose

    restarted = TransferQueue(2)
    (again,) = restarted.attach(client, store)
    assert again.state is JobState.PAUSED and again.title == "resume.bin"
    assert again.state_text() == "Paused"
    # where it stopped, not an empty bar (the summary counting it: test_transfer_actions_follow_the_selection…)
    assert again.total == job.total and 0 < again.done == job.done <= again.total and again.fraction > 0
    restarted.resume(again)
    wait_jobs(qtbot, [again], timeout=120000)
    assert again.state is JobState.DONE, again.message
    assert again.result.resumed is True  # the parts on the server were kept (the staged copy, or the same IV)
    assert "resume.bin.small" in [e.name for e in client.list_files(folder)]
    out = tmp_path / "back.bin"
    client.cache.discard(folder, "resume.bin")
    client.download_big_small_resource("resume.bin", folder, out)
    assert out.read_bytes() == source.read_bytes()
    assert client.journals.all() == [] and client.cache.staged() == []
    assert json.loads(store.read_text()) == []
    restarted.shutdown()


def test_discard_forgets_and_aborts_the_multipart_upload(qtbot, logged_in, new_folder, tmp_path, sandbox):
    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    client = window.client
    window.queue.attach(client, tmp_path / "queue.json")
    folder = new_folder("discard")
    job = upload_until_uploading(qtbot, window, folder, write_random(tmp_path / "d.bin", 48 * MiB))
    window.show_panel("transfers")
    panel = window.transfers_panel
    panel.table.selectRow(window.queue.row_of(job))
    panel.pause_button.click()
    qtbot.waitUntil(lambda: job.state is JobState.PAUSED, timeout=30000)
    assert len(client.journals.all()) == 1
    uploads = sandbox.s3_client().list_multipart_uploads(Bucket=folder).get("Uploads", [])
    assert [u["Key"] for u in uploads] == ["d.bin.big"]
    panel.table.selectRow(window.queue.row_of(job))
    panel.discard_button.click()
    assert job not in window.queue.jobs
    assert wait_until(lambda: client.journals.all() == [], timeout=20)
    assert wait_until(lambda: sandbox.s3_client().list_multipart_uploads(Bucket=folder).get("Uploads", []) == [],
                      timeout=20)
    assert client.cache.staged() == []


def test_retry_wait_is_visible_in_the_state_column():
    from core.errors import UnreachableError
    from gui.workers.jobs import Job, JobKind

    job = Job(JobKind.DOWNLOAD, "x", lambda c, p: None)
    job.state = JobState.RUNNING
    job.probe.on_retry(3, 6, 8.0, UnreachableError("link down"))
    assert job.state_text() == "Retrying in 8 s (attempt 3 of 6)"  # was "Retrying: retrying in 8 s, …", cut
    job.probe.retry = (3, 6, 0.0, "old")  # the wait is over: back to the normal text
    assert job.state_text() == "Running"


def test_cycles_are_collected_in_the_gui_thread_only(qapp):
    import gc
    import threading

    from gui import gc_guard

    collector = gc_guard.install(qapp)
    assert gc_guard.install(qapp) is collector and not gc.isenabled()
    seen = []

    def make_garbage():
        for _ in range(50_000):
            a = []
            a.append(a)  # a cycle: only the collector frees it
        seen.append(gc.get_count()[0])

    t = threading.Thread(target=make_garbage)
    t.start()
    t.join()
    assert seen[0] > gc.get_threshold()[0]  # the worker crossed the threshold and nothing collected there
    assert collector.check() > 0  # the GUI-thread timer's check frees the cycles
