"""SIGTERM to the GUI process (what a session manager sends when the session ends) during a download: the app
quits through its event loop like a closed window, so the transfer is paused and persisted, the temp file holding
decrypted plaintext is removed, the ``.big.part`` is kept, and a later run resumes it. A real GUI process (offscreen
Qt, the real AppController, main window and transfer queue, the app's own SIGTERM wiring) against the hostile rig,
whose CDN front trickles the big part so the signal lands mid-download."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from tests.hostile.server import trickle

CHILD = textwrap.dedent("""
    import os, sys
    from PySide6.QtWidgets import QApplication
    from gui.app import AppController, configure_runtime, install_sigterm_quit
    from gui.session import AppContext
    from gui.workers.jobs import download_job

    api_url, name, target = sys.argv[1:4]
    configure_runtime()
    app = QApplication([sys.argv[0]])
    ctx = AppContext.load()
    controller = AppController(ctx)
    app.aboutToQuit.connect(controller.shutdown)
    terminated = install_sigterm_quit(app, controller.shutdown)
    result = ctx.login("default", api_url, os.environ["AZAION_EMAIL"], os.environ["AZAION_PASSWORD"], remember=False)
    controller._on_logged_in(result)
    controller.window.queue.add(download_job(result.client, "models", name, target))
    print("READY", flush=True)
    code = app.exec()
    controller.shutdown()
    sys.exit(128 + signal.SIGTERM if terminated() else code)
""").replace("import os, sys", "import os, signal, sys")


def _files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_sigterm_to_the_gui_pauses_the_download_and_removes_plaintext(hostile, tmp_path):
    data = os.urandom(400_000)
    name = "gui-term.bin"
    hostile.seed(name, data)
    creds = hostile.account()
    hostile.s3.on("GET", f"/models/{name}.big", trickle(from_upstream=True, every=0.2, nbytes=8192), times=1)
    target = tmp_path / "downloads"
    target.mkdir()
    env = hostile.cli_env(creds, QT_QPA_PLATFORM="offscreen")
    cache = hostile.tmp / "cli" / "xdg_cache_home"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, hostile.api.url, name, str(target)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end and proc.poll() is None:
            part = [p for p in _files(cache) if p.name.endswith(".big.part") and p.stat().st_size > 20_000]
            if part and list(target.glob(".azaion-*")):
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        assert list(target.glob(".azaion-*")), "the download's temp file never appeared"
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read()
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert elapsed < 5, f"{elapsed:.1f} s"  # the queue pauses and joins its workers; a cancel is within 1 s
    assert list(target.iterdir()) == [], "plaintext (temp file or output) left behind"
    parts = [p for p in _files(cache) if p.name.endswith(".big.part")]
    assert parts and parts[0].stat().st_size > 20_000, "the partial download was not kept for resume"
    assert [p for p in _files(cache) if p.name.startswith(".azaion-")] == []
    queue = json.loads((hostile.tmp / "cli" / "xdg_data_home" / "azaion-admin" / "transfers" / "queue.json")
                       .read_text())
    assert [(q["kind"], q["name"]) for q in queue] == [("download", name)], queue
    out = target / name
    again = hostile.cli(creds, "download", name, "--folder", "models", "-o", str(out), timeout=120)
    assert again.returncode == 0, again.stderr
    assert "resuming" in again.stderr and out.read_bytes() == data
