"""Transfers that survive the field: every fault mode on the CDN link, for upload and download of a 64 MiB
resource, completes correctly and RESUMES (bytes on the wire stay within 1.2x the object plus one part)."""

from __future__ import annotations

import hashlib
import random

import pytest

from core.crypto import ciphertext_size
from core.protocol import split_point
from tests.faults.conftest import SUMMARY, assert_clean, assert_no_leftovers

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


FAULT_AT = 40 * MiB  # past 60% of the object: restarting from zero there would resend 40 MiB
BOUND = 1.2 * BIG + PART
assert FAULT_AT + BIG > BOUND, "the faults must fire late enough that a restart would break the byte bound"
STATUSES = (500, 503)

# Each fault fires at a byte position of the whole transfer through the CDN proxy (tests/faults/proxy.py).
FAULTS = {
    "cut": lambda p, d: (p.cut_after(FAULT_AT, d), p.cut_after(FAULT_AT + 12 * MiB, d)),
    "stall": lambda p, d: p.stall(4, after=FAULT_AT, direction=d),  # > the 3 s read timeout
    "refuse": lambda p, d: p.link_down(FAULT_AT, d, seconds=1.5),  # and at least the first reconnection
    "5xx burst": lambda p, d: p.link_down(FAULT_AT, d, statuses=STATUSES),
}


def assert_fired(proxy, mode: str) -> None:
    """Every armed fault really happened, where it was meant to, and did what the mode says."""
    assert proxy.pending() == [], f"faults that never fired: {proxy.pending()}"
    assert proxy.fired_at and min(pos for _kind, _d, pos in proxy.fired_at) >= FAULT_AT
    fired = proxy.fired
    if mode == "cut":
        assert fired.get("cut") == 2, fired
    elif mode == "stall":
        assert fired.get("stall") == 1, fired
    elif mode == "refuse":
        assert fired.get("down") == 1 and fired.get("refused", 0) >= 1, fired
    else:
        assert fired.get("down") == 1 and fired.get("http 500") == 1 and fired.get("http 503") == 1, fired


@pytest.mark.parametrize("mode", list(FAULTS))
def test_upload_through_fault(rig, field_client, source, tmp_path, mode):
    # Two parts in flight: when the whole link drops, at most two partly sent parts are lost (eight would be
    # up to the whole object, which no resume can save).
    client = field_client(concurrency=2)
    name = f"up-{mode.replace(' ', '')}.bin"
    retries, events = [], []
    FAULTS[mode](rig.s3, "up")
    report = client.upload_big_small_resource(source, name, "models", on_retry=lambda *a: retries.append(a),
                                              on_event=events.append)
    sent = rig.s3.bytes_up
    assert_fired(rig.s3, mode)
    faults = rig.s3.faults_fired
    rig.s3.clear()
    out = tmp_path / "check.bin"
    field_client(cache=tmp_path / "other-cache").download_big_small_resource(name, "models", out)
    ok = sha(out) == sha(source)
    SUMMARY.append({"case": f"upload, {mode}", "faults": faults, "completed": ok,
                    "resent": max(0, sent - BIG), "loss": 0 if ok else 1})
    assert ok
    assert sent <= BOUND, f"{sent / MiB:.1f} MiB sent for a {BIG / MiB:.1f} MiB part: restarted?"
    assert retries, "the fault must have reached the client's retry loop"
    assert any("resuming the upload" in e for e in events), events
    assert report.big_size == BIG and not report.resumed
    assert_clean(rig, client, name, out)


@pytest.mark.parametrize("mode", list(FAULTS))
def test_download_through_fault(rig, field_client, source, tmp_path, mode):
    name = f"down-{mode.replace(' ', '')}.bin"
    field_client(cache=tmp_path / "up-cache").upload_big_small_resource(source, name, "models")
    client = field_client()
    rig.s3.reset_counters()
    retries, events = [], []
    FAULTS[mode](rig.s3, "down")
    out = tmp_path / "out.bin"
    report = client.download_big_small_resource(name, "models", out, on_retry=lambda *a: retries.append(a),
                                                on_event=events.append)
    got = rig.s3.bytes_down
    assert_fired(rig.s3, mode)
    faults = rig.s3.faults_fired
    rig.s3.clear()
    ok = sha(out) == sha(source)
    SUMMARY.append({"case": f"download, {mode}", "faults": faults, "completed": ok,
                    "resent": max(0, got - BIG), "loss": 0 if ok else 1})
    assert ok and report.source == "cdn"
    assert got <= BOUND, f"{got / MiB:.1f} MiB received for {BIG / MiB:.1f} MiB: restarted?"
    assert retries, "the fault must have reached the client's retry loop"
    resumed = [e for e in events if e.startswith(f"resuming the download of models/{name} at ")]
    assert resumed and all(int(e.rsplit(" at ", 1)[1].split()[0]) >= 30 * MiB for e in resumed), events
    assert client.cache.lookup("models", name) is not None
    assert_clean(rig, client, name, out)


def test_api_link_cut_mid_request_and_mid_response(rig, field_client, source, tmp_path):
    """The API connection is cut inside the small part's upload (request body) and inside its download (response
    body): both calls retry by themselves and the resource round-trips."""
    src = tmp_path / "api-cut.bin"
    src.write_bytes(source.read_bytes()[: 4 * MiB])
    client = field_client()
    retries = []

    def cut_small_upload(stage: str) -> None:
        if stage == "finalizing":  # the next API request is the small part's POST: cut it mid-body
            rig.api.cut_after(rig.api.bytes_up + 600, "up")

    client.upload_big_small_resource(src, "api-cut.bin", "models", on_stage=cut_small_upload,
                                     on_retry=lambda *a: retries.append(a))
    assert rig.api.fired == {"cut": 1} and retries, (rig.api.fired, retries)
    reader = field_client(cache=tmp_path / "reader-cache")
    rig.clear()

    def cut_small_download(stage: str) -> None:
        if stage == "connecting":  # the next API answer is the small part: cut it after its head
            rig.api.cut_after(rig.api.bytes_down + 200, "down")

    out = tmp_path / "o"
    down_retries = []
    reader.download_big_small_resource("api-cut.bin", "models", out, on_stage=cut_small_download,
                                       on_retry=lambda *a: down_retries.append(a))
    assert rig.api.fired == {"cut": 1} and down_retries, (rig.api.fired, down_retries)
    assert out.read_bytes() == src.read_bytes()
    SUMMARY.append({"case": "API link cut mid-request and mid-response", "faults": 2, "completed": True,
                    "resent": 0, "loss": 0})
    assert_clean(rig, client, "api-cut.bin")
    assert_clean(rig, reader, "api-cut.bin", out)


def test_api_link_5xx_burst(rig, field_client, source, tmp_path):
    """The API answers 500 and 503 for the small part's upload and its download; both retry and succeed."""
    src = tmp_path / "api-5xx.bin"
    src.write_bytes(source.read_bytes()[: 4 * MiB])
    client = field_client()
    retries = []

    def burst(stage: str) -> None:
        if stage in ("finalizing", "connecting"):
            rig.api.drop_connections()  # the next API request needs a new connection: it gets the burst
            rig.api.http_errors((500, 503))

    client.upload_big_small_resource(src, "api-5xx.bin", "models", on_stage=burst,
                                     on_retry=lambda *a: retries.append(a))
    assert rig.api.fired == {"http 500": 1, "http 503": 1} and len(retries) >= 2, (rig.api.fired, retries)
    reader = field_client(cache=tmp_path / "reader-cache")
    rig.clear()
    out = tmp_path / "o"
    retries.clear()
    reader.download_big_small_resource("api-5xx.bin", "models", out, on_stage=burst,
                                       on_retry=lambda *a: retries.append(a))
    assert rig.api.fired == {"http 500": 1, "http 503": 1} and len(retries) >= 2, (rig.api.fired, retries)
    assert out.read_bytes() == src.read_bytes()
    SUMMARY.append({"case": "API 500+503 burst on upload and download", "faults": 4, "completed": True,
                    "resent": 0, "loss": 0})
    assert_clean(rig, client, "api-5xx.bin")
    assert_clean(rig, reader, "api-5xx.bin", out)


def test_api_goes_away_mid_session(rig, field_client, tmp_path):
    client = field_client()
    client.upload_big_small_resource(b"api-away" * 1000, "api-away.bin", "models")
    rig.clear()
    # Longer than urllib3's own tries of one request (waits 0, 1, 2 s: ~3 s): a 3 s outage could end just before
    # its last try (a flake: no outer retry at all), 5 s always reaches the client's retry loop.
    rig.api.refuse_for(5.0)
    rig.api.drop_connections()
    retries = []
    out = tmp_path / "o"
    client.download_big_small_resource("api-away.bin", "models", out, on_retry=lambda *a: retries.append(a))
    assert out.read_bytes() == b"api-away" * 1000
    assert rig.api.fired.get("refused", 0) >= 1 and retries, (rig.api.fired, retries)
    SUMMARY.append({"case": "API unreachable for 5 s mid-session", "faults": rig.api.faults_fired,
                    "completed": True, "resent": 0, "loss": 0})
    assert_clean(rig, client, "api-away.bin", out)


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
    assert_clean(rig, client, "token.bin", out)


def _upload_until_paused(client, src, name: str, after: int = 24 * MiB) -> None:
    """Upload ``src`` as ``models/name`` and pause it once more than ``after`` bytes of its parts were sent."""
    from core.cancel import CancelToken
    from core.errors import PausedError

    token = CancelToken()
    stages: list[str] = []

    def progress(done, total):
        if stages[-1] == "uploading" and done > after:
            token.pause()

    with pytest.raises(PausedError):
        client.upload_big_small_resource(src, name, "models", progress=progress, on_stage=stages.append,
                                         cancel=token)


def test_paused_upload_resumes_and_changed_source_restarts(rig, field_client, source, tmp_path):
    src = tmp_path / "pause.bin"
    src.write_bytes(source.read_bytes())
    client = field_client(concurrency=2)  # parts finish two at a time, so some are done at the pause
    _upload_until_paused(client, src, "pause.bin")
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
    _upload_until_paused(client, src, "pause.bin")
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


def test_an_abort_the_cdn_answers_with_an_error_is_tried_again(rig, field_client, source, tmp_path, caplog):
    """A paused upload whose source then changed starts over and aborts the old multipart upload. The CDN may
    answer that abort with an error: moto answered 500 when a part of the paused upload was still being received
    (a CI run left the upload on the CDN that way). The abort is tried again, and nothing is left."""
    import logging

    src = tmp_path / "abort.bin"
    src.write_bytes(source.read_bytes())
    client = field_client(concurrency=2)
    _upload_until_paused(client, src, "abort.bin")
    (journal,) = client.journals.all()
    assert journal.upload_id
    with open(src, "r+b") as fh:
        fh.seek(5)
        fh.write(b"changed")
    rig.s3.drop_connections()  # so the next S3 request (the abort) opens a connection, which gets the 500
    rig.s3.reset_counters()
    rig.s3.http_errors([500])
    with caplog.at_level(logging.INFO, logger="azaion.cdn"):
        report = client.upload_big_small_resource(src, "abort.bin", "models")
    assert rig.s3.fired.get("http 500") == 1
    assert any("aborting the multipart upload of models/abort.bin.big failed" in r.getMessage()
               for r in caplog.records)
    assert not report.resumed
    pending = rig.sandbox.s3_client().list_multipart_uploads(Bucket="models").get("Uploads", [])
    assert [u for u in pending if u["UploadId"] == journal.upload_id] == []
    assert_clean(rig, client, "abort.bin")


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
    assert any("resuming the interrupted download" in e for e in events)
    assert rig.s3.bytes_down < BIG - 25 * MiB
    assert_clean(rig, second, "dpause.bin", tmp_path / "o")


def test_incomplete_uploads_listed_aborted_and_stale_cleaned(rig, field_client, source, tmp_path):
    import time

    from core import transfers

    client = field_client(concurrency=2)
    ids = []
    for name in ("inc-a.bin", "inc-b.bin"):
        src = tmp_path / name
        src.write_bytes(source.read_bytes()[: 40 * MiB])
        _upload_until_paused(client, src, name, after=28 * MiB)  # parts 1-2 surely confirmed by 28 MiB
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
    assert_no_leftovers(client.cache.root, client.journals.root)


@pytest.mark.parametrize("mode", ["cut", "stall"])
def test_download_with_the_cache_off_resumes_in_memory_through_a_fault(rig, field_client, source, tmp_path, mode):
    """The "cache downloads" setting off: no part file to resume from, yet a cut or stalled link mid-download
    continues from the bytes this run received (one ranged GET, the hash and decryptor carried on), and nothing
    at all is written into the cache folder."""
    name = f"nocache-{mode}.bin"
    field_client(cache=tmp_path / "up-cache").upload_big_small_resource(source, name, "models")
    client = field_client(cache=tmp_path / "cache")
    client.transfers.keep_cache = False
    rig.s3.reset_counters()
    events = []
    FAULTS[mode](rig.s3, "down")
    out = tmp_path / "out.bin"
    report = client.download_big_small_resource(name, "models", out, on_event=events.append)
    got = rig.s3.bytes_down
    assert_fired(rig.s3, mode)
    rig.s3.clear()
    assert sha(out) == sha(source) and report.source == "cdn"
    assert got <= BOUND, f"{got / MiB:.1f} MiB received for {BIG / MiB:.1f} MiB: restarted from zero?"
    resumed = [e for e in events if e.startswith(f"resuming the download of models/{name} at ")]
    assert resumed and all(int(e.rsplit(" at ", 1)[1].split()[0]) >= 30 * MiB for e in resumed), events
    written = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] if (tmp_path / "cache").exists() else []
    assert written == [], f"the cache is off, yet the download wrote {written}"
    assert_clean(rig, client, name, out)


def test_a_download_in_a_transfer_process_resumes_through_a_cut_and_says_so(rig, field_client, source, tmp_path):
    """The GUI runs large downloads in a transfer process (core/transfer_process.py): through a cut link, the
    child resumes as a thread would, and its "resuming" report reaches the application's observer."""
    from core.api_client import ApiClient
    from core.cancel import CancelToken
    from core.observer import Callbacks
    from core.transfer_process import run_in_process

    name = "in-process-cut.bin"
    uploader = field_client(cache=tmp_path / "up-cache")
    uploader.upload_big_small_resource(source, name, "models")
    client = ApiClient(rig.api.url, cache_dir=tmp_path / "cache", journal_dir=tmp_path / "journal",
                       hardware=uploader.hardware)  # the account is bound to that machine
    client.set_credentials(uploader.credentials)
    client.login()
    rig.s3.reset_counters()
    events: list[str] = []
    FAULTS["cut"](rig.s3, "down")
    out = tmp_path / "out.bin"
    report = run_in_process(client.process_spec(), "download", {"name": name, "folder": "models", "target": out},
                            observer=Callbacks(on_event=events.append), cancel=CancelToken())
    got = rig.s3.bytes_down
    assert_fired(rig.s3, "cut")
    rig.s3.clear()
    assert sha(out) == sha(source) and report.source == "cdn"
    assert got <= BOUND, f"{got / MiB:.1f} MiB received for {BIG / MiB:.1f} MiB: restarted from zero?"
    assert any(e.startswith(f"resuming the download of models/{name} at ") for e in events), events
    assert_clean(rig, client, name, out)
