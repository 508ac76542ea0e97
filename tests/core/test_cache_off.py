"""The "cache downloads" setting off (``cache_downloads`` in settings.json, ``--no-cache`` for one CLI run, the
Settings dialog's check box): transfers neither read nor write the cache folder. What a user expects of it, as of
a browser's "don't keep a cache": nothing new appears there, a copy from before is neither used nor changed, and
downloads and uploads still work (and still verify every byte). Against the sandbox; the CLI as a subprocess."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading

import pytest

from core.cancel import CancelToken
from core.errors import PausedError, UnreachableError

FOLDER = "models"


def files_under(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_upload_and_download_leave_nothing_in_the_cache(make_client, tmp_path):
    data = random.Random(1).randbytes(3 << 20)
    cache = tmp_path / "off-cache"
    client = make_client(cache_dir=cache, cache_downloads=False)
    assert client.transfers.keep_cache is False
    client.upload_big_small_resource(data, "off.bin", FOLDER)
    report = client.download_big_small_resource("off.bin", FOLDER, tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == data
    assert report.source == "cdn" and report.cache_event is None and report.big_sha256
    assert client.cache.staged() == [] and client.journals.all() == []
    assert [p for p in files_under(cache) if p.parent.name != "locks"] == []
    # Turned on again (live, as the Settings dialog does): the next download keeps its copy.
    client.transfers.keep_cache = True
    assert client.download_big_small_resource("off.bin", FOLDER, tmp_path / "again.bin").source == "cdn"
    assert client.cache.lookup(FOLDER, "off.bin") is not None


def test_a_copy_cached_before_is_neither_used_nor_changed(make_client, tmp_path):
    data = random.Random(2).randbytes(400_000)
    client = make_client()
    client.upload_big_small_resource(data, "before.bin", FOLDER)  # the cache keeps the uploaded big part
    cached = client.cache.lookup(FOLDER, "before.bin")
    rotten = bytearray(cached.path.read_bytes())
    rotten[len(rotten) // 2] ^= 0x01
    cached.path.write_bytes(bytes(rotten))
    client.transfers.keep_cache = False
    report = client.download_big_small_resource("before.bin", FOLDER, tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == data
    assert report.source == "cdn" and report.cache_event is None  # the rotten copy was never read
    assert cached.path.read_bytes() == bytes(rotten)  # nor replaced


def test_without_the_cdn_the_error_says_the_cache_is_off(make_client, tmp_path):
    from tests.core.test_resources import _cut_off_cdn

    data = random.Random(3).randbytes(300_000)
    client = make_client()
    client.upload_big_small_resource(data, "offline.bin", FOLDER)
    client.transfers.keep_cache = False
    _cut_off_cdn(client)
    client.transfers.retry_policy = type(client.retry_policy)(attempts=1)
    try:
        client.download_big_small_resource("offline.bin", FOLDER, tmp_path / "out.bin")
    except UnreachableError as exc:
        assert "the download cache is off" in str(exc)
    else:
        raise AssertionError("a download with the CDN unreachable and the cache off must fail")
    assert not (tmp_path / "out.bin").exists()
    assert [p.name for p in tmp_path.glob(".azaion-*")] == []


def test_turning_the_cache_on_mid_download_does_not_reach_that_download(make_client, tmp_path):
    """The setting is read once per transfer: switched on (Settings → OK) while a download with the cache off is
    under way, that download still takes no entry lock and writes no part or entry. Another process holds the
    entry's lock here: had the download started using the cache, it would write beside that process unlocked."""
    data = random.Random(5).randbytes(4 << 20)
    uploader = make_client()
    uploader.upload_big_small_resource(data, "race.bin", FOLDER)
    client = make_client(cache_downloads=False)
    other = client.cache.entry_lock(FOLDER, "race.bin")  # as a cache-on download in another process holds it
    try:
        def on_stage(stage: str) -> None:
            if stage == "downloading":
                client.transfers.keep_cache = True

        finished = threading.Event()
        result = {}

        def run() -> None:
            try:
                result["report"] = client.download_big_small_resource(
                    "race.bin", FOLDER, tmp_path / "out.bin", on_stage=on_stage)
            finally:
                finished.set()

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        assert finished.wait(60), "the download waited for the entry lock: it switched to the cache mid-way"
        worker.join()
        assert (tmp_path / "out.bin").read_bytes() == data and result["report"].source == "cdn"
        assert client.cache.lookup(FOLDER, "race.bin") is None and client.cache.partials() == []
    finally:
        other.release()


def test_a_paused_download_with_the_cache_off_says_it_will_start_over(make_client, tmp_path):
    """Pause (or SIGTERM in the CLI, which pauses with a reason) keeps nothing when the cache is off: the message
    must not promise a resume, and running it again downloads the whole resource, correctly."""
    data = random.Random(6).randbytes(8 << 20)
    make_client().upload_big_small_resource(data, "paused.bin", FOLDER)
    client = make_client(cache_downloads=False)
    token = CancelToken()

    def progress(done: int, _total) -> None:
        if done >= 4 << 20:
            token.pause("terminated (SIGTERM)")

    with pytest.raises(PausedError) as caught:
        client.download_big_small_resource("paused.bin", FOLDER, tmp_path / "out.bin", progress=progress,
                                           cancel=token)
    said = str(caught.value)
    assert "run it again to resume" not in said and "starts over" in said and "SIGTERM" in said
    assert not (tmp_path / "out.bin").exists() and client.cache.partials() == []
    events = []
    client.download_big_small_resource("paused.bin", FOLDER, tmp_path / "out.bin", on_event=events.append)
    assert (tmp_path / "out.bin").read_bytes() == data
    assert not [e for e in events if "resuming" in e], events


def _cli(sandbox, creds, xdg, *args):
    env = {**os.environ, **{k: str(v) for k, v in xdg.items()},
           "AZAION_EMAIL": creds.email, "AZAION_PASSWORD": creds.password}
    return subprocess.run([sys.executable, "-m", "cli.main", "--api", sandbox.api_url, *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_cli_no_cache_flag_and_setting(sandbox, make_client, make_account, tmp_path):
    creds = make_account()
    data = random.Random(4).randbytes(2 << 20)
    make_client().upload_big_small_resource(data, "cli-off.bin", FOLDER)  # another account binds another machine
    xdg = {v: tmp_path / v.lower() for v in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}
    cdn_cache = xdg["XDG_CACHE_HOME"] / "azaion-admin" / "cdn"

    def cached_bigs() -> list:
        return [p.name for p in files_under(cdn_cache) if p.name.endswith(".big")]

    run = _cli(sandbox, creds, xdg, "download", "cli-off.bin", "--folder", FOLDER, "-o", str(tmp_path / "a.bin"),
               "--no-cache")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "a.bin").read_bytes() == data and cached_bigs() == []
    # The setting does the same for every run; without either, the CLI keeps its copy.
    settings = xdg["XDG_CONFIG_HOME"] / "azaion-admin" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"version": 1, "cache_downloads": False}))
    run = _cli(sandbox, creds, xdg, "download", "cli-off.bin", "--folder", FOLDER, "-o", str(tmp_path / "b.bin"))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "b.bin").read_bytes() == data and cached_bigs() == []
    settings.write_text(json.dumps({"version": 1, "cache_downloads": True}))
    run = _cli(sandbox, creds, xdg, "download", "cli-off.bin", "--folder", FOLDER, "-o", str(tmp_path / "c.bin"))
    assert run.returncode == 0, run.stderr
    assert cached_bigs() == ["cli-off.bin.big"]
    # The listing says what the run would use: cached, unless this run has the cache off.
    for flag, cached in ((), True), (("--no-cache",), False):
        run = _cli(sandbox, creds, xdg, "ls", FOLDER, "--json", *flag)
        assert run.returncode == 0, run.stderr
        (row,) = [r for r in json.loads(run.stdout)["resources"] if r["name"] == "cli-off.bin"]
        assert row["cached"] is cached, (flag, row)
    # A wrong type is refused with the key named, and nothing is downloaded.
    settings.write_text(json.dumps({"version": 1, "cache_downloads": "no"}))
    run = _cli(sandbox, creds, xdg, "download", "cli-off.bin", "--folder", FOLDER, "-o", str(tmp_path / "d.bin"))
    assert run.returncode != 0 and "cache_downloads" in run.stderr
    assert not (tmp_path / "d.bin").exists()
