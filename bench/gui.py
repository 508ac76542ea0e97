"""GUI benchmarks: event-loop stalls during each kind of work the queue runs (download+decrypt, encrypt+upload, a
"Keep up to date" round, an image unlock), filter latency over 10,000 resources, and cold start to a shown login
dialog versus a bare PySide6 window.

``run(size_mib=1024) -> list[dict]`` rows: measurement, ours, reference, ratio, target, passed. Every measurement
runs in a fresh subprocess (``python -m bench.gui --child ...``) with Qt offscreen and private XDG folders; the
sandbox runs in its own process so its Python threads do not compete with the GUI for the interpreter lock.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MiB = 1 << 20
STALL_TARGET_MS = 50.0
STALL_P99_TARGET_MS = 16.0  # one frame at 60 Hz
FILTER_TARGET_MS = 50.0
START_TARGET_RATIO = 1.5
UNLOCK_MAX_MIB = 500  # the image unlock's archive, as bench/images.py's default


def _env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        env[var] = str(base / var.lower())
    return env


def _child(args: list[str], base: Path, timeout: float = 1800) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.gui", "--child", *args], cwd=ROOT, env=_env(base), capture_output=True,
        text=True, timeout=timeout,
    )
    if proc.returncode:
        raise RuntimeError(f"bench.gui child {args} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _row(measurement: str, ours: float, reference: float, target: str, passed: bool | None) -> dict[str, Any]:
    ratio = ours / reference if reference else float("inf")
    return {"measurement": measurement, "ours": round(ours, 3), "reference": round(reference, 3),
            "ratio": round(ratio, 3), "target": target, "passed": passed}


def run(size_mib: int = 1024, start_repeats: int = 5) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="azaion-bench-gui-") as tmp:
        base = Path(tmp)
        stall = _child(["stall", str(size_mib)], base / "stall")
        for kind, what in (("download", "download+decrypt"), ("upload", "encrypt+upload"),
                           ("sync", "Keep up to date round"), ("unlock", "image unlock")):
            mib = min(size_mib, UNLOCK_MAX_MIB) if kind == "unlock" else size_mib
            rows.append(_row(f"event-loop largest stall during {mib} MiB {what} (ms; ref: idle)",
                             stall[f"{kind}_max_ms"], stall["idle_max_ms"], f"< {STALL_TARGET_MS:.0f} ms",
                             stall[f"{kind}_max_ms"] < STALL_TARGET_MS))
            rows.append(_row(f"event-loop p99 gap during {mib} MiB {what} (ms; ref: idle)",
                             stall[f"{kind}_p99_ms"], stall["idle_p99_ms"], f"< {STALL_P99_TARGET_MS:.0f} ms",
                             stall[f"{kind}_p99_ms"] < STALL_P99_TARGET_MS))
        for phase, what in (("sending", "while its parts are sent"),
                            ("assembling", "after its last part (the sandbox's S3 joins the parts)")):
            seconds, ref_seconds = stall[f"upload_{phase}_seconds"], stall[f"boto3_{phase}_seconds"]
            for stat, name in (("max", "largest stall"), ("p99", "p99 gap")):
                rows.append(_row(f"  {name} during the upload {what}, {seconds:.1f} s (ms; ref: the same phase of "
                                 f"plain boto3 in another process at the transfer process's nice, {ref_seconds:.1f} s)",
                                 stall[f"upload_{phase}_{stat}_ms"], stall[f"boto3_{phase}_{stat}_ms"], "", None))
        filt = _child(["filter"], base / "filter")
        rows.append(_row("filter 10,000 resources, worst keystroke (ms; ref: QSortFilterProxyModel fixed string)",
                         filt["ours_ms"], filt["reference_ms"], f"< {FILTER_TARGET_MS:.0f} ms",
                         filt["ours_ms"] < FILTER_TARGET_MS))
        _precompile()
        ours, ref = [], []
        for i in range(start_repeats):  # alternate so drift hits both
            ref.append(_cold_start("bare", base / f"bare-{i}"))
            ours.append(_cold_start("login", base / f"login-{i}"))
        o, r = statistics.median(ours), statistics.median(ref)
        rows.append(_row("cold start to a shown login dialog (s; ref: bare PySide6 window)", o, r,
                         f"≤ {START_TARGET_RATIO}×", o / r <= START_TARGET_RATIO))
    return rows


def _precompile() -> None:
    """Bytecode for our packages, as an installed app has it (pip compiles on install, PyInstaller bundles .pyc;
    PySide6's own modules, all the bare window imports, are compiled in site-packages). Without it, a shell with
    PYTHONDONTWRITEBYTECODE set compiled ~30 of our modules from source on every start: 37 ms of a 0.42 s start
    here, charged to ours only."""
    import compileall

    for package in ("core", "gui", "bench"):
        compileall.compile_dir(ROOT / package, quiet=1)


def _cold_start(kind: str, base: Path) -> float:
    start = time.perf_counter()
    _child(["start", kind], base, timeout=120)
    return time.perf_counter() - start


# ---- children -----------------------------------------------------------------------------------------------


def _heartbeat(app, seconds: float | None = None, until=None, interval_ms: int = 5, phase=None,
               phases: list[str] | None = None):
    """The event loop's gaps between 5 ms timer beats until ``until()`` (or for ``seconds``); with ``phase``, the
    phase it names at each beat goes into ``phases`` beside the gap."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(interval_ms)

    def beat() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now
        if phases is not None:
            phases.append(phase())

    timer.timeout.connect(beat)
    timer.start()
    # The app's own event loop (QEventLoop.exec, as QApplication.exec runs it), not a Python loop around
    # processEvents(), which itself needs the interpreter every half millisecond.
    loop = QEventLoop()
    end = time.monotonic() + (seconds or 1e9)

    def check() -> None:
        if time.monotonic() >= end or (until and until()):
            loop.quit()

    checker = QTimer()
    checker.setInterval(20)
    checker.timeout.connect(check)
    checker.start()
    loop.exec()
    checker.stop()
    timer.stop()
    return gaps


def _stats(gaps: list[float]) -> tuple[float, float]:
    ordered = sorted(gaps[1:] or [0.0])
    return ordered[-1], ordered[max(0, int(len(ordered) * 0.99) - 1)]


def _start_sandbox() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "sandbox"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("API: "):
            return proc, line.split(" ", 1)[1].strip()
    raise RuntimeError("the sandbox did not start")


def child_stall(size_mib: int) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    from core.api_client import ApiClient
    from core.models import RoleEnum
    from gui.app import configure_runtime
    from gui.logview import QtLogHandler
    from gui.main_window import MainWindow
    from gui.session import AppContext
    from gui.workers.jobs import download_job, upload_job
    from gui.workers.task import TaskRunner
    from sandbox.state import DEMO_PASSWORD

    configure_runtime()
    sandbox, api = _start_sandbox()
    work = Path(tempfile.mkdtemp(prefix="azaion-bench-stall-"))
    try:
        source = work / "stall.bin"
        chunk = os.urandom(MiB)
        with open(source, "wb") as fh:
            for _ in range(size_mib):
                fh.write(chunk)
        uploader = ApiClient(api, cache_dir=work / "up-cache", hardware="bench-uploader")
        uploader.set_credentials_from_dict("uploader@sandbox.local", DEMO_PASSWORD)
        uploader.login()
        uploader.upload_big_small_resource(source, "stall.bin", "models")
        app = QApplication([])
        ctx = AppContext()
        ctx.client_factory = lambda url: ApiClient(url, cache_dir=work / "gui-cache", hardware="bench-gui")
        result = ctx.login("bench", api, "operator@sandbox.local", DEMO_PASSWORD, remember=False)
        assert result.user.role == RoleEnum.Operator
        runner = TaskRunner()
        window = MainWindow(ctx, result, runner, QtLogHandler())
        window.confirm_close = lambda _n: True
        window.show()
        window.show_panel("transfers")
        idle = _heartbeat(app, seconds=2.0)
        out = work / "out"
        out.mkdir()
        job = window.queue.add(download_job(window.client, "models", "stall.bin", out, size=size_mib * MiB))
        started = time.monotonic()
        gaps = _heartbeat(app, until=lambda: job.state.finished)
        elapsed = time.monotonic() - started
        if job.message:
            raise RuntimeError(job.message)
        # The other direction through the same window: encrypt + stage + multipart upload (an admin's job).
        window.client = uploader
        up = window.queue.add(upload_job(uploader, source, "models", "stall-up.bin"))
        up_started = time.monotonic()
        # Where the gaps fall: while parts go out (our process encrypting and sending, the sandbox's S3 receiving)
        # or after the last part is on the wire, while the sandbox's S3 joins the parts alone (the client waits),
        # then the small part goes to the API ("finalizing").
        up_phases: list[str] = []

        def up_phase() -> str:
            sent = up.stage == "uploading" and up.total and up.done >= up.total
            return "assembling" if sent or up.stage == "finalizing" else "sending"

        up_gaps = _heartbeat(app, until=lambda: up.state.finished, phases=up_phases, phase=up_phase)
        up_elapsed = time.monotonic() - up_started
        if up.message and not up.state.name == "DONE":
            raise RuntimeError(up.message)
        # A "Keep up to date" round of the folder into an empty one (the scheduler's own job): the upload's object
        # comes from the CDN, the downloaded one from the cache.
        synced = work / "synced"
        window.sync_scheduler.set("models", synced, 3600)
        (round_job,) = window.sync_scheduler.jobs.values()
        sync_started = time.monotonic()
        sync_gaps = _heartbeat(app, until=lambda: round_job.state.finished)
        sync_elapsed = time.monotonic() - sync_started
        if round_job.state.name != "DONE":
            raise RuntimeError(round_job.message)
        ref_phases: list[str] = []
        ref_gaps = _reference_upload(app, api, source, work, ref_phases)
        unlock_gaps, unlock_elapsed = _stall_unlock(app, window, api, work, min(size_mib, UNLOCK_MAX_MIB))
        window.shutdown()
        runner.shutdown()
        result: dict[str, Any] = {"download_seconds": elapsed, "upload_seconds": up_elapsed,
                                  "sync_seconds": sync_elapsed, "unlock_seconds": unlock_elapsed,
                                  "beats": len(gaps)}
        for kind, series in (("idle", idle), ("download", gaps), ("upload", up_gaps), ("sync", sync_gaps),
                             ("unlock", unlock_gaps)):
            result[f"{kind}_max_ms"], result[f"{kind}_p99_ms"] = _stats(series)
        for kind, gaps_, phases_ in (("upload", up_gaps, up_phases), ("boto3", ref_gaps, ref_phases)):
            for phase in ("sending", "assembling"):
                series = [0.0] + [g for g, p in zip(gaps_[1:], phases_[1:], strict=True) if p == phase]
                result[f"{kind}_{phase}_max_ms"], result[f"{kind}_{phase}_p99_ms"] = _stats(series)
                result[f"{kind}_{phase}_seconds"] = sum(series) / 1000
        return result
    finally:
        sandbox.terminate()
        sandbox.wait(30)
        import shutil

        shutil.rmtree(work, ignore_errors=True)


def _reference_upload(app, api: str, source: Path, work: Path, phases: list[str]) -> list[float]:
    """The event loop's gaps while plain boto3 uploads the same file to the same sandbox from another process at
    the transfer process's nice value (core/transfer_worker.py): what this machine does to the GUI during an upload
    that no client code of ours is part of. ``phases`` gets "setup" (imports, login), "sending" and "assembling"
    (from CompleteMultipartUpload on) beside each gap, from the marks bench/worker.py leaves."""
    from core.transfer_worker import NICE
    from sandbox.state import DEMO_PASSWORD

    marks = work / "ref-marks"
    marks.mkdir()
    spec = {"op": "boto-upload", "api_url": api, "email": "uploader@sandbox.local", "password": DEMO_PASSWORD,
            "hardware": "bench-uploader", "folder": "models", "cache": str(work / "ref-cache"), "src": str(source),
            "warm": str(source), "key": "stall-ref.bin", "marks": str(marks)}
    errors = work / "ref-stderr.txt"
    with open(errors, "wb") as err:  # a file, not a pipe nobody reads while the event loop runs
        proc = subprocess.Popen([sys.executable, "-m", "bench.worker"], cwd=ROOT, stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=err, text=True,
                                preexec_fn=lambda: os.nice(NICE))  # the spec (with the password) on stdin, not argv

    def phase() -> str:
        return ("assembling" if (marks / "serial").exists() else "sending" if (marks / "start").exists()
                else "setup")

    assert proc.stdin is not None
    proc.stdin.write(json.dumps(spec))
    proc.stdin.close()
    gaps = _heartbeat(app, until=lambda: proc.poll() is not None, phases=phases, phase=phase)
    if proc.wait():
        raise RuntimeError(f"the reference upload failed:\n{errors.read_text()[-4000:]}")
    return gaps


def _stall_unlock(app, window, api: str, work: Path, size_mib: int) -> tuple[list[float], float]:
    """An image unlock through the Image unlock panel: an archive of ``size_mib`` whose key fragment an admin
    published, loaded by podman into a private store (bench/images.py builds both)."""
    import shutil

    from bench.images import PREFIX, SERVICE, VERSION, _clear, _make_archive, _store
    from core.api_client import ApiClient
    from core.images.fragments import publish_key_fragment
    from sandbox.state import DEMO_PASSWORD

    podman = shutil.which("podman")
    if podman is None:
        raise RuntimeError("podman is not installed (make bench installs it on Debian)")
    unlock_dir = work / "unlock"
    (unlock_dir / "tmp").mkdir(parents=True)
    spec = _make_archive(unlock_dir, size_mib)
    os.unlink(spec["raw"])  # the copy without its IV is for openssl (bench/images.py), not used here
    admin = ApiClient(api, cache_dir=work / "admin-cache", hardware="bench-admin")
    admin.set_credentials_from_dict("admin@sandbox.local", DEMO_PASSWORD)
    admin.login()
    publish_key_fragment(admin, VERSION, bytes.fromhex(spec["fragment"]), spec["sha256"])
    os.environ["CONTAINERS_STORAGE_CONF"] = str(_store(unlock_dir))
    os.environ["TMPDIR"] = str(unlock_dir / "tmp")
    settings = window.ctx.settings
    settings.docker_command, settings.services, settings.image_prefix = podman, [SERVICE], PREFIX
    panel = window.unlock_panel
    panel.set_archive(spec["archive"])
    panel.version_edit.setText(VERSION)
    job = panel.start_unlock()
    if job is None:
        raise RuntimeError("the Image unlock panel did not start the unlock")
    started = time.monotonic()
    gaps = _heartbeat(app, until=lambda: job.state.finished)
    elapsed = time.monotonic() - started
    if job.state.name != "DONE":
        raise RuntimeError(f"unlock: {job.message}")
    _clear(podman, dict(os.environ))
    return gaps, elapsed


def child_filter() -> dict[str, Any]:
    from datetime import UTC, datetime

    from PySide6.QtCore import QSortFilterProxyModel, Qt
    from PySide6.QtWidgets import QApplication, QTableView

    from gui.models import ResourceFilterProxy, ResourceRow, ResourceTableModel

    app = QApplication([])
    now = datetime.now(UTC)
    rows = [ResourceRow(f"model-{i:05d}-v{i % 7}.bin", i * 1000, now, i % 3 == 0, False) for i in range(10_000)]

    def measure(proxy, set_text) -> float:
        model = ResourceTableModel()
        proxy.setSourceModel(model)
        view = QTableView()
        view.setModel(proxy)
        view.setSortingEnabled(True)
        view.resize(900, 600)
        view.show()
        model.set_rows(rows)
        app.processEvents()
        worst = 0.0
        text = ""
        for ch in "model-01" + "\b" * 8 + "v3":
            text = text[:-1] if ch == "\b" else text + ch
            start = time.perf_counter()
            set_text(proxy, text)
            app.processEvents()
            worst = max(worst, time.perf_counter() - start)
        view.close()
        return worst * 1000

    ours = measure(ResourceFilterProxy(), lambda p, t: p.set_search(t))

    def naive(p, t) -> None:
        p.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        p.setFilterFixedString(t)

    reference = measure(QSortFilterProxyModel(), naive)
    return {"ours_ms": ours, "reference_ms": reference}


def child_start(kind: str) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication([])
    if kind == "bare":
        widget = QWidget()
        widget.setWindowTitle("bare")
        widget.show()
    else:
        from gui.app import AppController
        from gui.session import AppContext
        from gui.theme import apply_theme

        ctx = AppContext.load()
        apply_theme(app, ctx.settings.theme)
        controller = AppController(ctx)
        widget = controller.show_login()
    while not widget.isVisible():
        app.processEvents()
    app.processEvents()
    return {"shown": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gui")
    parser.add_argument("--child", nargs="+")
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "stall":
            out = child_stall(int(rest[0]))
        elif kind == "filter":
            out = child_filter()
        else:
            out = child_start(rest[0])
        print(json.dumps(out), flush=True)
        return 0
    for row in run(args.size_mib):
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
