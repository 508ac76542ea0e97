"""Transfers in a process of their own (core/transfer_process.py, core/transfer_worker.py), against the sandbox
with real child processes: what the application sees must be what it saw when the transfer ran in a thread (the
report, the stages, the error class and text, pause and resume), the secrets must stay out of the child's argv and
environment, the bandwidth cap must reach it, and no way of ending either process may lose the resumable state
or leave a child running."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import transfer_process
from core.bandwidth import LIMITER, OFF
from core.cancel import CancelToken
from core.errors import AzaionError, CancelledError, NotFoundError, PausedError
from core.fileio import OutputExistsError
from core.observer import TransferObserver
from core.resources import DownloadReport, UploadReport
from core.transfer_process import run_in_process
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="reads /proc and sends POSIX signals")

FOLDER = "models"
MiB = 1 << 20


class Recorder(TransferObserver):
    """Every report, with the transfer process's pid when one is running (there is at most one per test)."""

    def __init__(self, on_progress=None) -> None:
        self.stages: list[str] = []
        self.events: list[str] = []
        self.progress_calls: list[tuple[int, int | None]] = []
        self.pids: set[int] = set()
        self._on_progress = on_progress

    def progress(self, done: int, total: int | None) -> None:
        self.progress_calls.append((done, total))
        self.pids |= set(transfer_process._running)
        if self._on_progress is not None:
            self._on_progress(self, done, total)

    def on_stage(self, stage: str) -> None:
        self.stages.append(stage)

    def on_event(self, message: str) -> None:
        self.events.append(message)


@pytest.fixture
def capped():
    yield LIMITER.set_rate
    LIMITER.set_limit(OFF)


def journals_of(client, name: str) -> list:
    """The upload journals of ``name`` (the journal folder is the test session's, shared with other tests)."""
    return [j for j in client.journals.all() if j.name == name]


@pytest.fixture(autouse=True)
def no_journal_left(make_client):
    """What a test leaves resumable on purpose is aborted afterwards, so later tests start with no journal."""
    from core.transfers import abort_upload

    client = make_client(login=False)
    before = {j.id for j in client.journals.all()}
    yield
    for journal in client.journals.all():
        if journal.id not in before:
            abort_upload(client, journal.id)


def _source(tmp_path: Path, size: int, seed: int = 1) -> Path:
    path = tmp_path / f"src-{seed}.bin"
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie of a killed parent is reaped by init; until then it is not running either
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except OSError:
        return True


def test_upload_and_download_in_a_process_report_as_in_a_thread(make_client, tmp_path):
    client = make_client()
    source = _source(tmp_path, 3 * MiB + 17)
    seen = Recorder()
    report = run_in_process(client.process_spec(), "upload", {"path": source, "name": "p.bin", "folder": FOLDER},
                            observer=seen, cancel=CancelToken())
    assert isinstance(report, UploadReport)
    assert (report.name, report.plain_size, report.outcome) == ("p.bin", source.stat().st_size, "uploaded")
    assert seen.stages == ["encrypting", "uploading", "finalizing"]
    assert seen.progress_calls[-1][0] == seen.progress_calls[-1][1]
    assert len(seen.pids) == 1
    assert client.cache.lookup(FOLDER, "p.bin") is not None  # the child's cache is the client's
    out = tmp_path / "out" / "p.bin"
    out.parent.mkdir()
    seen = Recorder()
    got = run_in_process(client.process_spec(), "download", {"name": "p.bin", "folder": FOLDER, "target": out},
                         observer=seen, cancel=CancelToken())
    assert isinstance(got, DownloadReport) and got.output == out and got.source == "cache"
    assert out.read_bytes() == source.read_bytes()
    assert journals_of(client, "p.bin") == []
    # The same errors, class and text, as the same call in a thread.
    with pytest.raises(OutputExistsError) as in_process:
        run_in_process(client.process_spec(), "download", {"name": "p.bin", "folder": FOLDER, "target": out},
                       observer=Recorder(), cancel=CancelToken())
    with pytest.raises(OutputExistsError) as in_thread:
        client.transfers.download_to_path("p.bin", FOLDER, out, replace=False)
    assert str(in_process.value) == str(in_thread.value)
    with pytest.raises(NotFoundError) as missing:
        run_in_process(client.process_spec(), "download",
                       {"name": "absent.bin", "folder": FOLDER, "target": tmp_path / "absent.bin"},
                       observer=Recorder(), cancel=CancelToken())
    assert "absent.bin" in str(missing.value)
    assert not (tmp_path / "absent.bin").exists()


def test_no_secret_in_the_childs_argv_or_environment(make_client, tmp_path, monkeypatch, capped):
    client = make_client()
    monkeypatch.setenv("AZAION_PASSWORD", client.credentials.password)
    monkeypatch.setenv("CI_DEPLOY_TOKEN", client.token.raw)
    capped(2 * MiB)
    seen_by_proc: dict[str, bytes] = {}

    def look(recorder: Recorder, done: int, total: int | None) -> None:
        for pid in recorder.pids:
            if pid not in seen_by_proc:
                seen_by_proc[pid] = (Path(f"/proc/{pid}/cmdline").read_bytes()
                                     + Path(f"/proc/{pid}/environ").read_bytes())

    source = _source(tmp_path, 4 * MiB)
    run_in_process(client.process_spec(), "upload", {"path": source, "name": "s.bin", "folder": FOLDER},
                   observer=Recorder(look), cancel=CancelToken())
    assert len(seen_by_proc) == 1
    (seen,) = seen_by_proc.values()
    for secret in (client.credentials.password, client.token.raw):
        assert secret.encode() not in seen
    assert b"AZAION_PASSWORD" not in seen and b"CI_DEPLOY_TOKEN" not in seen
    assert b"PATH=" in seen  # the rest of the environment is there


def test_the_bandwidth_cap_reaches_the_child(make_client, tmp_path, capped):
    """The application's cap holds for a transfer in a process: over any 2 s on the network it moves at most
    10 % above the cap (a slow machine moves fewer bytes, never more; tests/core/test_bandwidth.py's bound)."""
    client = make_client()
    capped(4 * MiB)
    samples: list[tuple[float, int]] = []

    def sample(recorder: Recorder, done: int, total: int | None) -> None:
        if recorder.stages and recorder.stages[-1] == "uploading":
            samples.append((time.monotonic(), done))

    run_in_process(client.process_spec(), "upload", {"path": _source(tmp_path, 24 * MiB), "name": "b.bin",
                                                     "folder": FOLDER},
                   observer=Recorder(sample), cancel=CancelToken())
    assert samples[-1][1] >= 23 * MiB
    worst = 0.0
    for i, (t0, b0) in enumerate(samples):
        for t1, b1 in samples[i + 1:]:
            if t1 - t0 >= 2.0:
                worst = max(worst, (b1 - b0) / (t1 - t0))
                break
    assert 0 < worst <= 4 * MiB * 1.1, worst


def test_pause_keeps_the_upload_resumable_and_cancel_leaves_nothing(make_client, tmp_path, capped):
    client = make_client()
    source = _source(tmp_path, 24 * MiB, seed=3)
    capped(4 * MiB)
    cancel = CancelToken()

    def pause_when_sending(recorder: Recorder, done: int, total: int | None) -> None:
        if recorder.stages[-1:] == ["uploading"] and done >= 4 * MiB:
            cancel.pause()

    args = {"path": source, "name": "r.bin", "folder": FOLDER}
    with pytest.raises(PausedError):
        run_in_process(client.process_spec(), "upload", args, observer=Recorder(pause_when_sending), cancel=cancel)
    assert len(journals_of(client, "r.bin")) == 1
    LIMITER.set_limit(OFF)
    report = run_in_process(client.process_spec(), "upload", args, observer=Recorder(), cancel=CancelToken())
    assert report.resumed
    assert journals_of(client, "r.bin") == []
    client.cache.discard_partial(FOLDER, "r.bin")
    out = tmp_path / "r.out"
    client.transfers.keep_cache = False  # read it back from the CDN, not from the cache the upload filled
    client.transfers.download_to_path("r.bin", FOLDER, out)
    assert out.read_bytes() == source.read_bytes()

    capped(4 * MiB)
    cancel = CancelToken()

    def cancel_when_sending(recorder: Recorder, done: int, total: int | None) -> None:
        if recorder.stages[-1:] == ["uploading"] and done >= 4 * MiB:
            cancel.cancel()

    with pytest.raises(CancelledError) as stopped:
        run_in_process(client.process_spec(), "upload", dict(args, name="c.bin"),
                       observer=Recorder(cancel_when_sending), cancel=cancel)
    assert not isinstance(stopped.value, PausedError)
    assert journals_of(client, "c.bin") == [] and client.cache.staged() == []


def test_a_killed_child_is_a_clear_error_and_its_upload_resumes(make_client, tmp_path, capped):
    client = make_client()
    source = _source(tmp_path, 24 * MiB, seed=4)
    capped(4 * MiB)
    killed: list[int] = []

    def kill_when_sending(recorder: Recorder, done: int, total: int | None) -> None:
        if recorder.stages[-1:] == ["uploading"] and done >= 4 * MiB and not killed:
            (pid,) = recorder.pids
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)

    args = {"path": source, "name": "k.bin", "folder": FOLDER}
    with pytest.raises(AzaionError) as ended:
        run_in_process(client.process_spec(), "upload", args, observer=Recorder(kill_when_sending),
                       cancel=CancelToken())
    assert "ended without an answer" in str(ended.value) and "-9" in str(ended.value)
    assert _gone(killed[0]) and not transfer_process._running
    LIMITER.set_limit(OFF)
    report = run_in_process(client.process_spec(), "upload", args, observer=Recorder(), cancel=CancelToken())
    assert report.resumed


PARENT = """
import json, sys
from core.bandwidth import LIMITER
from core.cancel import CancelToken
from core.observer import TransferObserver
from core import transfer_process
spec = json.loads(sys.stdin.readline())
LIMITER.set_rate(4 << 20)
class Say(TransferObserver):
    def on_stage(self, stage):
        if stage == "uploading":
            print(min(transfer_process._running), flush=True)
transfer_process.run_in_process(spec, "upload", {"path": sys.argv[1], "name": "orphan.bin", "folder": "models"},
                                observer=Say(), cancel=CancelToken())
"""


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_when_the_application_dies_the_child_pauses_and_ends(make_client, tmp_path, how):
    """The application killed (or terminated without its handlers: a plain script) mid-upload: its transfer
    process sees stdin close, keeps the journal and ends; the upload resumes from it."""
    client = make_client()
    source = _source(tmp_path, 24 * MiB, seed=5)
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(source)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=transfer_process.worker_env())
    assert parent.stdin is not None and parent.stdout is not None
    parent.stdin.write(json.dumps(client.process_spec()) + "\n")
    parent.stdin.flush()
    child = int(parent.stdout.readline())
    parent.send_signal(how)
    parent.wait(30)
    assert wait_until(lambda: _gone(child), timeout=60), "the orphaned transfer process did not end"
    assert len(journals_of(client, "orphan.bin")) == 1
    report = run_in_process(client.process_spec(), "upload", {"path": source, "name": "orphan.bin",
                                                              "folder": FOLDER},
                            observer=Recorder(), cancel=CancelToken())
    assert report.resumed and report.plain_size == source.stat().st_size


def test_process_spec_only_for_clients_that_can_be_rebuilt(make_client):
    from core.http_limits import Limits

    assert make_client(login=False, limits=Limits.from_env()).process_spec() is None
    assert make_client().process_spec()["client"]["cache_downloads"] is True


def test_the_child_dies_with_the_waiting_thread_interrupted(make_client, tmp_path, capped):
    """If the thread following the child is interrupted (KeyboardInterrupt in a plain script), the child is
    killed rather than left running."""
    client = make_client()
    capped(4 * MiB)
    pids: list[int] = []

    def interrupt(recorder: Recorder, done: int, total: int | None) -> None:
        if recorder.stages[-1:] == ["uploading"] and done >= 4 * MiB:
            pids.extend(recorder.pids)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_in_process(client.process_spec(), "upload", {"path": _source(tmp_path, 24 * MiB), "name": "i.bin",
                                                         "folder": FOLDER},
                       observer=Recorder(interrupt), cancel=CancelToken())
    assert pids and _gone(pids[0]) and not transfer_process._running


def test_a_core_package_in_the_current_folder_is_not_what_runs(make_client, tmp_path, monkeypatch):
    """The app started from a folder that holds another ``core`` package: ``python -m`` would import that one
    first (with the credentials on its stdin) unless the child runs in our code's folder."""
    client = make_client()
    foreign = tmp_path / "elsewhere"
    (foreign / "core").mkdir(parents=True)
    marker = tmp_path / "foreign-core-ran"
    (foreign / "core" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.chdir(foreign)
    source = _source(tmp_path, MiB)
    report = run_in_process(client.process_spec(), "upload", {"path": source, "name": "cwd.bin", "folder": FOLDER},
                            observer=Recorder(), cancel=CancelToken())
    assert report.outcome == "uploaded" and not marker.exists()


def test_the_childs_log_reaches_ours_at_our_levels(make_client, tmp_path, caplog):
    import logging

    client = make_client()
    client.upload_big_small_resource(random.Random(9).randbytes(MiB), "logged.bin", FOLDER)
    client.cache.discard(FOLDER, "logged.bin")
    caplog.set_level(logging.INFO, logger="azaion")
    caplog.clear()
    run_in_process(client.process_spec(), "download", {"name": "logged.bin", "folder": FOLDER,
                                                       "target": tmp_path / "logged.bin"},
                   observer=Recorder(), cancel=CancelToken())
    relayed = [r for r in caplog.records if r.module == "transfer_process" and r.name != "azaion.worker"]
    said = [r.getMessage() for r in relayed if r.levelno == logging.INFO]
    assert any("logged.bin" in m for m in said), said  # the child's INFO lines (its root logger is at WARNING)
    assert not [r for r in caplog.records if r.name.startswith(("botocore", "urllib3"))]


def test_the_cap_is_shared_with_a_transfer_in_a_thread(make_client, tmp_path, capped):
    """One upload in a thread here and one in a transfer process, at once under a 4 MiB/s cap: while both send,
    together they move at most 10 % above the cap (each alone would take all of it: 8 MiB/s together)."""
    import threading

    client = make_client()
    capped(4 * MiB)
    sources = [_source(tmp_path, 24 * MiB, seed=s) for s in (11, 12)]
    sent: dict[str, list[tuple[float, int]]] = {"thread": [], "process": []}

    def sampler(kind: str):
        def sample(recorder: Recorder, done: int, total: int | None) -> None:
            if recorder.stages[-1:] == ["uploading"]:
                sent[kind].append((time.monotonic(), done))
        return Recorder(sample)

    thread = threading.Thread(target=lambda: client.transfers.upload(sources[0], "shared-a.bin", FOLDER,
                                                                      observer=sampler("thread")))
    thread.start()
    run_in_process(client.process_spec(), "upload", {"path": sources[1], "name": "shared-b.bin", "folder": FOLDER},
                   observer=sampler("process"), cancel=CancelToken())
    thread.join()
    start = max(series[0][0] for series in sent.values())
    end = min(series[-1][0] for series in sent.values())
    assert end - start >= 2.0, "the two uploads hardly overlapped"

    def at(series: list[tuple[float, int]], when: float) -> int:
        return max((done for t, done in series if t <= when), default=0)

    moved = sum(at(series, end) - at(series, start) for series in sent.values())
    rate = moved / (end - start)
    assert rate <= 4 * MiB * 1.1 + 2 * MiB / (end - start), f"{rate / MiB:.1f} MiB/s together under a 4 MiB/s cap"


def test_a_child_that_does_not_stop_in_time_is_killed_and_the_job_is_paused(make_client, tmp_path, capped,
                                                                            monkeypatch):
    """Cancel asked of a child that does not answer (stopped here with SIGSTOP): after ``STOP_GRACE`` it is
    killed. What it had sent stays (a journal), so the outcome is a pause the user can Resume or Discard, not a
    cancel that claims nothing is left."""
    monkeypatch.setattr(transfer_process, "STOP_GRACE", 1.0)
    client = make_client()
    capped(4 * MiB)
    cancel = CancelToken()
    frozen: list[int] = []

    def freeze_then_cancel(recorder: Recorder, done: int, total: int | None) -> None:
        if recorder.stages[-1:] == ["uploading"] and done >= 4 * MiB and not frozen:
            (pid,) = recorder.pids
            frozen.append(pid)
            os.kill(pid, signal.SIGSTOP)
            cancel.cancel()

    with pytest.raises(PausedError) as stopped:
        run_in_process(client.process_spec(), "upload", {"path": _source(tmp_path, 24 * MiB), "name": "t.bin",
                                                         "folder": FOLDER},
                       observer=Recorder(freeze_then_cancel), cancel=cancel)
    assert "did not stop within" in str(stopped.value)
    assert _gone(frozen[0]) and len(journals_of(client, "t.bin")) == 1


def test_sigterm_to_the_child_pauses_the_upload(make_client, tmp_path, capped):
    client = make_client()
    capped(4 * MiB)

    def terminate(recorder: Recorder, done: int, total: int | None) -> None:
        if recorder.stages[-1:] == ["uploading"] and done >= 4 * MiB:
            for pid in recorder.pids:
                os.kill(pid, signal.SIGTERM)

    with pytest.raises(PausedError) as stopped:
        run_in_process(client.process_spec(), "upload", {"path": _source(tmp_path, 24 * MiB), "name": "term.bin",
                                                         "folder": FOLDER},
                       observer=Recorder(terminate), cancel=CancelToken())
    assert "terminated (SIGTERM)" in str(stopped.value)
    assert len(journals_of(client, "term.bin")) == 1


def test_an_os_error_crosses_with_its_errno_and_cause(make_client, tmp_path):
    """A download into a "folder" that is a file: the same error as in a thread, its cause chain included (the
    GUI's Details and its errno headline read it)."""
    client = make_client()
    client.upload_big_small_resource(random.Random(4).randbytes(MiB), "nodir.bin", FOLDER)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / "nodir.bin"
    with pytest.raises(AzaionError) as in_thread:
        client.transfers.download_to_path("nodir.bin", FOLDER, target, replace=False)
    with pytest.raises(AzaionError) as in_process:
        run_in_process(client.process_spec(), "download", {"name": "nodir.bin", "folder": FOLDER, "target": target},
                       observer=Recorder(), cancel=CancelToken())
    assert type(in_process.value) is type(in_thread.value) and str(in_process.value) == str(in_thread.value)
    cause, expected = in_process.value.__cause__, in_thread.value.__cause__ or in_thread.value.__context__
    assert type(cause) is type(expected) and getattr(cause, "errno", None) == getattr(expected, "errno", None)


@pytest.mark.parametrize("data", [
    None, [], "text", {"module": "core.errors"}, {"module": "os", "type": "system", "args": ["id"]},
    {"module": "core.errors", "type": "ServerError", "args": [1], "attrs": {"__class__": "x", "__dict__": 1}},
    {"module": "core.errors", "type": "DockerError", "args": "x", "attrs": []},
    {"module": "core..x", "type": "Y"}, {"module": "core.errors", "type": "AzaionError", "cause": "bad"},
])
def test_malformed_error_messages_become_a_plain_error(data):
    from core.worker_messages import exception_from_data

    exc = exception_from_data(data)
    assert isinstance(exc, AzaionError) and type(exc).__module__ == "core.errors"


def test_only_transfer_reports_are_built_from_a_message():
    from core.worker_messages import report_from_data

    for data in ({"module": "core.models", "type": "Credentials", "fields": {"email": "a@b", "password": "p"}},
                 {"module": "core.resources", "type": "UploadReport", "fields": {"name": "x"}},
                 {"module": "subprocess", "type": "Popen", "fields": {}}, "x"):
        with pytest.raises(AzaionError):
            report_from_data(data)
