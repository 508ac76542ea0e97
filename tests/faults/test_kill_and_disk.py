"""The app killed mid-upload resumes on the next run; a full disk fails clearly and leaves the cache intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

from core.models import RoleEnum
from tests.conftest import USED_SECRETS
from tests.faults.conftest import SUMMARY, assert_no_leftovers

MiB = 1 << 20


def test_sigkill_mid_upload_then_rerun_resumes(rig, tmp_path):
    email, password = f"k-{uuid.uuid4().hex[:8]}@test.local", "pw-" + uuid.uuid4().hex
    USED_SECRETS.add(password)
    rig.sandbox.state.add_user(email, password, RoleEnum.ResourceUploader)
    src = tmp_path / "kill.bin"
    with open(src, "wb") as fh:
        for _ in range(160):
            fh.write(os.urandom(MiB))
    xdg = {v: str(tmp_path / v.lower()) for v in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                                                    "XDG_STATE_HOME")}
    env = {**os.environ, **xdg, "AZAION_PASSWORD": password, "AZAION_EMAIL": email}
    cmd = [sys.executable, "-m", "cli.main", "--api", rig.api.url, "upload", str(src), "--folder", "models"]
    journal_dir = tmp_path / "xdg_data_home" / "azaion-admin" / "transfers" / "uploads"
    rig.clear()
    rig.s3.rate = 6 * MiB  # per connection: the 8 parallel parts of the first wave take ~1.3 s
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    done_parts = 0
    while time.monotonic() < deadline and proc.poll() is None:
        for path in journal_dir.glob("*.json"):
            try:
                done_parts = len(json.loads(path.read_text())["parts"])
            except (OSError, ValueError, KeyError):
                pass
        if done_parts >= 8:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the upload ended before it could be killed: {proc.communicate()}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    rig.s3.rate = None
    journal = json.loads(next(journal_dir.glob("*.json")).read_text())
    assert journal["upload_id"] and len(journal["parts"]) >= 8
    # Parts go out while the file is encrypted, so the staging may still have been running: the staged file is then
    # a prefix, and the resume encrypts again with the journal's IV, checking each part the server holds against
    # the CRC32 the journal confirmed for it (sent again only if unknown); else it sends the rest from the copy.
    assert os.path.getsize(journal["staged_big"]) <= journal["staged_size"] and len(journal["iv"]) == 32
    assert set(journal["parts"]) <= set(journal["checksums"])
    big = journal["staged_size"]
    rig.s3.reset_counters()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "resuming" in again.stderr
    resent = rig.s3.bytes_up
    assert resent <= big - 8 * 8 * MiB + 8 * MiB, f"{resent / MiB:.1f} MiB sent again: not resumed"
    out = tmp_path / "back.bin"
    down = subprocess.run(
        [sys.executable, "-m", "cli.main", "--api", rig.api.url, "download", "kill.bin", "--folder", "models",
         "-o", str(out)], env={**env, "XDG_CACHE_HOME": str(tmp_path / "fresh-cache")}, capture_output=True,
        text=True, timeout=300,
    )
    assert down.returncode == 0, down.stderr
    assert out.read_bytes() == src.read_bytes()
    assert list(journal_dir.glob("*.json")) == []
    uploads = rig.sandbox.s3_client().list_multipart_uploads(Bucket="models").get("Uploads", [])
    assert [u for u in uploads if u["Key"] == "kill.bin.big"] == []
    # Neither run left staged files, temp files, parts or journals, in the uploader's cache or the reader's.
    assert not os.path.exists(journal["staged_big"]) and not os.path.exists(journal["staged_small"])
    assert_no_leftovers(tmp_path / "xdg_cache_home", journal_dir, src)
    assert_no_leftovers(tmp_path / "fresh-cache", None, out)
    remaining = big - len(journal["parts"]) * 8 * MiB
    SUMMARY.append({"case": "client SIGKILLed mid-upload, run again", "faults": 1, "completed": True,
                    "resent": max(0, resent - remaining), "loss": 0})


def test_disk_full_download_fails_clearly_and_keeps_the_cache(rig, field_client, tmp_path):
    """RLIMIT_FSIZE makes the kernel refuse writes past 2 MiB, as a full disk would (in a child process)."""
    cache = tmp_path / "cache"
    client = field_client(cache=cache)
    client.upload_big_small_resource(b"\x01" * (1 * MiB), "keep.bin", "models")  # cached, 1 MiB
    client.upload_big_small_resource(b"\x02" * (5 * MiB), "full.bin", "models", )
    client.cache.discard("models", "full.bin")
    keep = client.cache.lookup("models", "keep.bin")
    creds = client.credentials
    script = f"""
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (2 << 20, 2 << 20))
from core.api_client import ApiClient
from core.errors import LocalIOError
from core.models import Credentials
c = ApiClient({client.api_url!r}, cache_dir={str(cache)!r}, journal_dir={str(tmp_path / 'j')!r},
              hardware={client.hardware!r})
c.set_credentials(Credentials({creds.email!r}, {creds.password!r}))
try:
    c.download_big_small_resource("full.bin", "models", {str(tmp_path / 'full.out')!r})
except LocalIOError as e:
    print("ERR", e); sys.exit(3)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "disk full" in proc.stdout
    assert not (tmp_path / "full.out").exists()
    assert [p.name for p in tmp_path.rglob(".azaion-*")] == []
    assert_no_leftovers(cache, tmp_path / "j", tmp_path / "full.out")
    assert client.cache.lookup("models", "full.bin") is None and client.cache.partials() == []
    assert client.cache.lookup("models", "keep.bin") == keep
    assert client.load_big_small_resource("keep.bin", "models") == b"\x01" * MiB
    assert client.last_download_report.source == "cache"
    SUMMARY.append({"case": "disk full while downloading", "faults": 1, "completed": True,
                    "outcome": "clear error", "resent": 0, "loss": 0})
