"""Transfers that survive the field: every fault mode on the CDN link, for upload and download of a 64 MiB
resource, completes correctly and RESUMES (bytes on the wire stay within 1.2x the object plus one part)."""

from __future__ import annotations

import hashlib
import random

import pytest

from core.crypto import ciphertext_size
from core.resources import split_point
from tests.faults.conftest import SUMMARY

MiB = 1 << 20
SIZE = 64 * MiB
PART = 8 * MiB
BIG = ciphertext_size(SIZE) - split_point(ciphertext_size(SIZE))


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("src") / "field.bin"
    rng = random.Random(7)
    with open(path, "wb") as fh:
        for _ in range(SIZE // MiB):
            fh.write(rng.randbytes(MiB))
    return path


def sha(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(MiB), b""):
            h.update(block)
    return h.hexdigest()


def assert_clean(rig, client, name: str) -> None:
    assert client.cache.leftovers() == [] and client.cache.partials() == [] and client.cache.staged() == []
    assert client.journals.all() == []
    uploads = rig.sandbox.s3_client().list_multipart_uploads(Bucket="models").get("Uploads", [])
    assert [u for u in uploads if u["Key"] == f"{name}.big"] == []


FAULTS = {
    "cut": lambda p, d: p.cut_after(3 * MiB if d == "up" else 20 * MiB, d, count=2),
    "stall": lambda p, d: p.stall(5, after=2 * MiB if d == "up" else 10 * MiB, direction=d),
    "refuse": lambda p, d: p.refuse_for(2.5),
    "5xx burst": lambda p, d: p.http_errors(503, 4),
}


@pytest.mark.parametrize("mode", list(FAULTS))
def test_upload_through_fault(rig, field_client, source, tmp_path, mode):
    client = field_client()
    name = f"up-{mode.replace(' ', '')}.bin"
    retries = []
    FAULTS[mode](rig.s3, "up")
    report = client.upload_big_small_resource(source, name, "models", on_retry=lambda *a: retries.append(a))
    rig.s3.clear()
    sent = rig.s3.bytes_up
    out = tmp_path / "check.bin"
    field_client(cache=tmp_path / "other-cache").download_big_small_resource(name, "models", out)
    ok = sha(out) == sha(source)
    SUMMARY.append({"case": f"upload, {mode}", "faults": rig.s3.faults_fired, "completed": ok,
                    "resent": max(0, sent - BIG), "loss": 0 if ok else 1})
    assert ok
    assert rig.s3.faults_fired >= 1, "the fault must really have been injected"
    assert sent <= 1.2 * BIG + PART, f"{sent / MiB:.1f} MiB sent for a {BIG / MiB:.1f} MiB part: restarted?"
    assert report.big_size == BIG
    assert_clean(rig, client, name)


@pytest.mark.parametrize("mode", list(FAULTS))
def test_download_through_fault(rig, field_client, source, tmp_path, mode):
    name = f"down-{mode.replace(' ', '')}.bin"
    field_client(cache=tmp_path / "up-cache").upload_big_small_resource(source, name, "models")
    client = field_client()
    rig.s3.reset_counters()
    events = []
    FAULTS[mode](rig.s3, "down")
    out = tmp_path / "out.bin"
    report = client.download_big_small_resource(name, "models", out, on_event=events.append)
    rig.s3.clear()
    got = rig.s3.bytes_down
    ok = sha(out) == sha(source)
    SUMMARY.append({"case": f"download, {mode}", "faults": rig.s3.faults_fired, "completed": ok,
                    "resent": max(0, got - BIG), "loss": 0 if ok else 1})
    assert ok and report.source == "cdn"
    assert rig.s3.faults_fired >= 1
    assert got <= 1.2 * BIG + PART, f"{got / MiB:.1f} MiB received for {BIG / MiB:.1f} MiB: restarted?"
    assert client.cache.lookup("models", name) is not None
    assert_clean(rig, client, name)


def test_api_goes_away_mid_session(rig, field_client, tmp_path):
    client = field_client()
    client.upload_big_small_resource(b"api-away" * 1000, "api-away.bin", "models")
    rig.api.refuse_for(3.0)
    rig.api.drop_connections()
    retries = []
    out = tmp_path / "o"
    client.download_big_small_resource("api-away.bin", "models", out, on_retry=lambda *a: retries.append(a))
    assert out.read_bytes() == b"api-away" * 1000
    SUMMARY.append({"case": "API unreachable for 3 s mid-session", "faults": rig.api.faults_fired,
                    "completed": True, "resent": 0, "loss": 0})


def test_expired_token_mid_transfer(rig, field_client, source, tmp_path):
    """Every token is revoked while the big part is on its way; the commit (small part) re-logs in by itself."""
    client = field_client()
    stages, fired = [], []

    def progress(done, total):
        if stages and stages[-1] == "uploading" and done > total // 2 and not fired:
            fired.append(True)
            rig.sandbox.state.revoke_tokens()

    before = client.token.raw
    client.upload_big_small_resource(source, "token.bin", "models", progress=progress, on_stage=stages.append)
    assert fired and client.token.raw != before
    rig.sandbox.state.revoke_tokens()
    out = tmp_path / "o"
    client.download_big_small_resource("token.bin", "models", out)
    assert sha(out) == sha(source)
    SUMMARY.append({"case": "token revoked mid-upload and before download", "faults": 2, "completed": True,
                    "resent": 0, "loss": 0})


def test_paused_upload_resumes_and_changed_source_restarts(rig, field_client, source, tmp_path):
    from core.cancel import CancelToken
    from core.errors import PausedError

    src = tmp_path / "pause.bin"
    src.write_bytes(source.read_bytes())
    client = field_client(concurrency=2)  # parts finish two at a time, so some are done at the pause
    token = CancelToken()
    stages = []

    def progress(done, total):
        if stages[-1] == "uploading" and done > 24 * MiB:
            token.pause()

    with pytest.raises(PausedError):
        client.upload_big_small_resource(src, "pause.bin", "models", progress=progress, on_stage=stages.append,
                                         cancel=token)
    journals = client.journals.all()
    assert len(journals) == 1 and journals[0].upload_id and journals[0].parts
    pending = rig.sandbox.s3_client().list_multipart_uploads(Bucket="models").get("Uploads", [])
    assert any(u["UploadId"] == journals[0].upload_id for u in pending)  # kept on purpose
    rig.s3.reset_counters()
    events = []
    report = client.upload_big_small_resource(src, "pause.bin", "models", on_event=events.append)
    assert report.resumed and any("resuming" in e for e in events)
    assert rig.s3.bytes_up < BIG - len(journals[0].parts) * PART + PART
    assert_clean(rig, client, "pause.bin")
    # A paused upload whose source then changes starts over, and says so.
    token = CancelToken()
    stages.clear()
    with pytest.raises(PausedError):
        client.upload_big_small_resource(src, "pause.bin", "models", progress=progress, on_stage=stages.append,
                                         cancel=token)
    with open(src, "r+b") as fh:
        fh.seek(5)
        fh.write(b"changed")
    events.clear()
    report = client.upload_big_small_resource(src, "pause.bin", "models", on_event=events.append)
    assert not report.resumed and any("starting over" in e for e in events)
    out = tmp_path / "o"
    field_client(cache=tmp_path / "c2").download_big_small_resource("pause.bin", "models", out)
    assert sha(out) == sha(src)
    assert_clean(rig, client, "pause.bin")


def test_interrupted_download_resumes_in_a_new_process_state(rig, field_client, source, tmp_path):
    """A .part left by an earlier run (here: a pause) is replayed from disk and continued with one ranged GET."""
    from core.cancel import CancelToken
    from core.errors import PausedError

    field_client(cache=tmp_path / "u").upload_big_small_resource(source, "dpause.bin", "models")
    cache = tmp_path / "dcache"
    first = field_client(cache=cache)
    token = CancelToken()
    with pytest.raises(PausedError):
        first.download_big_small_resource("dpause.bin", "models", tmp_path / "o",
                                          progress=lambda d, t: d > 30 * MiB and token.pause(), cancel=token)
    assert not (tmp_path / "o").exists() and first.cache.partials()
    rig.s3.reset_counters()
    second = field_client(cache=cache)  # a fresh client: nothing in memory, only what is on disk
    events = []
    second.download_big_small_resource("dpause.bin", "models", tmp_path / "o", on_event=events.append)
    assert sha(tmp_path / "o") == sha(source)
    assert any("resuming" in e for e in events)
    assert rig.s3.bytes_down < BIG - 25 * MiB
    assert second.cache.partials() == []


def test_incomplete_uploads_listed_aborted_and_stale_cleaned(rig, field_client, source, tmp_path):
    import time

    from core import transfers
    from core.cancel import CancelToken
    from core.errors import PausedError

    client = field_client(concurrency=2)
    ids = []
    for name in ("inc-a.bin", "inc-b.bin"):
        src = tmp_path / name
        src.write_bytes(source.read_bytes()[: 40 * MiB])
        token = CancelToken()
        stages = []

        def progress(done, total, token=token, stages=stages):
            if stages[-1] == "uploading" and done > 20 * MiB:
                token.pause()

        with pytest.raises(PausedError):
            client.upload_big_small_resource(src, name, "models", progress=progress, on_stage=stages.append,
                                             cancel=token)
    listed = transfers.incomplete_uploads(client)
    assert sorted(u.name for u in listed) == ["inc-a.bin", "inc-b.bin"]
    assert all(u.parts_done >= 2 and u.parts_total == 5 for u in listed)
    ids = {u.name: u.id for u in listed}
    s3 = rig.sandbox.s3_client()
    transfers.abort_upload(client, ids["inc-a.bin"][:8])
    keys = [u["Key"] for u in s3.list_multipart_uploads(Bucket="models").get("Uploads", [])]
    assert "inc-a.bin.big" not in keys and "inc-b.bin.big" in keys
    assert transfers.clean_stale_uploads(client, max_age_days=1) == []  # fresh: kept
    journal = client.journals.load(ids["inc-b.bin"])
    journal.updated = time.time() - 3 * 86400
    import json
    from dataclasses import asdict

    client.journals.path(journal.id).write_text(json.dumps(asdict(journal)))
    cleaned = transfers.clean_stale_uploads(client, max_age_days=1)
    assert [j.name for j in cleaned] == ["inc-b.bin"]
    keys = [u["Key"] for u in s3.list_multipart_uploads(Bucket="models").get("Uploads", [])]
    assert "inc-b.bin.big" not in keys
    assert client.journals.all() == [] and client.cache.staged() == []
