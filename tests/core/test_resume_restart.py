"""Integrity before use and what interrupted transfers leave behind: a tampered cached big part is caught BEFORE
any plaintext reaches the output; staged files of an upload killed while encrypting, stale ``.big.part`` files
and the partly decrypted temp file of a killed download are cleaned up, and nothing a live process holds is."""

from __future__ import annotations

import hashlib
import os
import random
import time
from pathlib import Path

import pytest

from core import resources, transfers
from core.fileio import hold, release
from core.observer import Callbacks
from tests.killed_child import run_killed

FOLDER = "models"
MiB = 1 << 20
DAY = 86400


def data_of(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def age(path: Path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


# ---- integrity of the cache ------------------------------------------------------------------------------


def test_tampered_cached_part_is_caught_before_any_plaintext_is_written(make_client):
    client = make_client()
    data = data_of(3 * MiB, 1)
    client.upload_big_small_resource(data, "flip.bin", FOLDER)
    cached = client.cache.lookup(FOLDER, "flip.bin")
    with open(cached.path, "r+b") as fh:
        fh.seek(cached.size // 2)
        byte = fh.read(1)
        fh.seek(cached.size // 2)
        fh.write(bytes([byte[0] ^ 0x01]))
    trace: list[tuple] = []
    writes = bytearray()

    def sink(view: memoryview) -> None:
        trace.append(("write", len(view)))
        writes.extend(view)

    report = client.transfers.download(
        "flip.bin", FOLDER, sink, discard_output=lambda: trace.append(("discard",)),
        observer=Callbacks(on_stage=lambda s: trace.append(("stage", s)),
                           on_event=lambda m: trace.append(("event", m))),
    )
    first_write = next(i for i, t in enumerate(trace) if t[0] == "write")
    before = trace[:first_write]
    assert ("stage", "verifying") in before and ("stage", "downloading") in before
    assert ("stage", "decrypting") not in trace, "the tampered copy must never be decrypted"
    assert any(t[0] == "event" and "was corrupt; replaced from the CDN" in t[1] for t in before)
    assert bytes(writes) == data  # every byte that reached the output is the right one, written once
    assert report.source == "cdn" and report.cache_event == "corrupt"
    fixed = client.cache.lookup(FOLDER, "flip.bin")
    assert fixed.sha256 == hashlib.sha256(fixed.path.read_bytes()).hexdigest() == report.big_sha256
    # and the re-fetched copy serves the next download from the cache, verified first, then decrypted
    trace.clear()
    again = client.transfers.download("flip.bin", FOLDER, lambda v: trace.append(("write", len(v))),
                                      observer=Callbacks(on_stage=lambda s: trace.append(("stage", s))))
    assert again.source == "cache" and trace[0] == ("stage", "connecting") and trace[1] == ("stage", "verifying")


def test_cached_part_is_decrypted_from_the_file_that_was_verified(make_client, tmp_path):
    """Between "verifying" and "decrypting" the cache entry is replaced by other bytes (as a concurrent commit's
    os.replace would) and then removed: what is decrypted is still the verified file (one open for both), so
    the download succeeds from the cache with the right content; verifying reports progress."""
    client = make_client()
    data = data_of(3 * MiB, 21)
    client.upload_big_small_resource(data, "swap.bin", FOLDER)
    cached = client.cache.lookup(FOLDER, "swap.bin")
    seen: list[tuple] = []

    def on_stage(stage: str) -> None:
        seen.append(("stage", stage))
        if stage == "decrypting":
            other = cached.path.with_name("other")
            other.write_bytes(os.urandom(cached.size))
            os.replace(other, cached.path)
            cached.path.unlink()

    out = tmp_path / "o.bin"
    report = client.transfers.download_to_path("swap.bin", FOLDER, out, observer=Callbacks(
        lambda d, t: seen.append(("progress", d, t)), on_stage))
    assert report.source == "cache" and out.read_bytes() == data
    verifying = seen[seen.index(("stage", "verifying")) + 1:seen.index(("stage", "decrypting"))]
    assert verifying and verifying[-1] == ("progress", cached.size, cached.size)


def test_cache_verification_honours_cancel(tmp_path):
    from core.cancel import CancelToken
    from core.errors import CancelledError

    path = tmp_path / "f"
    path.write_bytes(b"x" * (3 * MiB))
    seen = []
    hasher = hashlib.sha256()
    with open(path, "rb") as fh:  # how _decrypt_cached hashes the cached part before decrypting it
        resources.pump(fh, hasher.update, total=3 * MiB, progress=lambda d, _t: seen.append(d), cancel=CancelToken())
    assert hasher.hexdigest() == hashlib.sha256(b"x" * (3 * MiB)).hexdigest() and seen == [MiB, 2 * MiB, 3 * MiB]
    token = CancelToken()
    token.cancel()
    with open(path, "rb") as fh, pytest.raises(CancelledError):
        resources.pump(fh, hashlib.sha256().update, cancel=token)


# ---- orphans ---------------------------------------------------------------------------------------------


def test_upload_killed_while_encrypting_leaves_staged_files_the_cleanup_removes(make_client, tmp_path):
    from core.journal import UploadJournal

    client = make_client(journal_dir=tmp_path / "journals")
    src = tmp_path / "orphan.bin"
    # Below the multipart threshold: staged whole before its one PUT, so there is a moment with staged files and
    # no journal yet (a larger file's journal is written before its first byte is encrypted: it resumes instead).
    src.write_bytes(data_of(6 * MiB, 2))
    run_killed(client, f"c.upload_big_small_resource({str(src)!r}, 'orphan.bin', 'models', "
                       "progress=die_half_way, on_stage=stages.append)", "encrypting")
    staging = client.cache.root / ".staging"
    orphans = sorted(staging.iterdir())
    assert [p.suffix for p in orphans] == [".big"] and client.journals.all() == []
    assert orphans[0].stat().st_size < 6 * MiB  # killed half-way through the encryption (its writer may lag)
    # beside it: a staged upload of a live process (no journal yet, locked) and a paused one (journal kept)
    live = staging / "livelivelivelivelive0000.big"
    held = hold(live)
    paused = staging / "pausedpausedpausedpaused.big"
    paused.write_bytes(b"p")
    client.journals.save(UploadJournal(id=paused.stem, api_url=client.api_url, folder=FOLDER, name="p.bin",
                                       source=str(src), source_size=1, source_mtime_ns=0, source_fingerprint="",
                                       staged_big=str(paused), staged_small=str(staging / f"{paused.stem}.small")))
    try:
        for p in (orphans[0], live, paused):
            age(p, 3600)
        assert transfers.clean_stale_uploads(client, max_age_days=7) == []  # no stale journal, but orphans go
        assert sorted(p.name for p in staging.iterdir()) == sorted([live.name, paused.name])
    finally:
        release(held)
    assert transfers.clean_orphans(client, max_age_days=7) == [live]  # its process is gone now
    assert [p.name for p in staging.iterdir()] == [paused.name]


def test_killed_download_leftovers_removed_by_the_next_download_and_stale_parts_by_the_cleanup(
    sandbox, make_client, tmp_path
):
    data = data_of(24 * MiB, 3)
    make_client().upload_big_small_resource(data, "killed.bin", FOLDER)
    client = make_client(journal_dir=tmp_path / "journals")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "killed.bin"
    run_killed(client, f"c.download_big_small_resource('killed.bin', 'models', {str(target)!r}, "
                       "progress=die_half_way, on_stage=stages.append)", "downloading")
    leftovers = list(out_dir.glob(".azaion-killed.bin-*.tmp"))
    assert len(leftovers) == 1 and leftovers[0].stat().st_size > 0 and not target.exists()
    assert len(client.cache.partials()) == 1  # the resumable part, kept on purpose
    # Beside it: a same-target temp file a live process is writing, another target's, and a user's file.
    live = out_dir / ".azaion-killed.bin-live0000.tmp"
    held = hold(live)
    other = out_dir / ".azaion-other.bin-x0000000.tmp"
    other.write_bytes(b"o")
    users = out_dir / "killed.bin.tmp"
    users.write_bytes(b"u")
    other.chmod(0o600)
    # Files with our prefix that the cleanup must keep: a user's (not our temp-name shape, not 0600, not this
    # user's), a folder, and one whose writer could not lock it (core/fileio.py LOCK_FAILED_MODE).
    shaped_like_ours = [out_dir / f".azaion-killed.bin-{tail}.tmp"
                        for tail in ("my notes", "abcd1234", "efgh5678", "dir00000", "lockfail")]
    notes, readable, foreign, folder, unlockable = shaped_like_ours
    for p, mode in ((notes, 0o600), (readable, 0o644), (foreign, 0o600), (unlockable, 0o700)):
        p.write_bytes(b"mine")
        p.chmod(mode)
    if os.getuid() == 0:
        os.chown(foreign, 12345, 12345)
    else:
        foreign.chmod(0o640)
    folder.mkdir()
    for p in (*leftovers, live, other, users, *shaped_like_ours):
        age(p, 60)
    events = []
    try:
        client.download_big_small_resource("killed.bin", FOLDER, target, on_event=events.append)
    finally:
        release(held)
    assert target.read_bytes() == data
    assert any(e.startswith("resuming the interrupted download of models/killed.bin") for e in events)
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        [target.name, live.name, other.name, users.name, *(p.name for p in shaped_like_ours)])

    # Stale-age cleanup of interrupted downloads and of our temp files in the cache.
    from core.cancel import CancelToken
    from core.errors import PausedError

    client.cache.discard(FOLDER, "killed.bin")
    token = CancelToken()
    with pytest.raises(PausedError):
        client.download_big_small_resource("killed.bin", FOLDER, tmp_path / "o2",
                                           progress=lambda d, t: d > 4 * MiB and token.pause(), cancel=token)
    part, meta = client.cache.partial_paths(FOLDER, "killed.bin")
    assert part.exists() and meta.exists()
    cache_tmp = client.cache.root / FOLDER / ".azaion-killed.bin.sha256-dead0000.tmp"
    cache_tmp.write_bytes(b"half a sidecar")
    fresh_tmp = client.cache.root / FOLDER / ".azaion-x-young000.tmp"
    fresh_tmp.write_bytes(b"just created")
    for p in (cache_tmp, fresh_tmp):
        p.chmod(0o600)
    age(cache_tmp, 60)
    age(fresh_tmp, -3600)  # "just created" for the whole test, however slow the machine: under 5 s old
    assert transfers.clean_orphans(client, max_age_days=7) == [cache_tmp]  # the part is younger than 7 days
    assert part.exists() and meta.exists() and fresh_tmp.exists()
    age(part, 8 * DAY)
    age(meta, 8 * DAY)
    assert sorted(transfers.clean_orphans(client, max_age_days=7)) == sorted([part, meta])
    assert client.cache.partials() == [] and fresh_tmp.exists()


def test_a_temp_file_that_could_not_be_locked_is_never_cleaned_up(tmp_path):
    """If ``lock_shared`` fails (here: another open file holds an exclusive lock, so LOCK_SH|LOCK_NB really
    fails), the file is marked 0700 and the cleanup keeps it even when old and unlocked; release makes it 0600."""
    import fcntl

    from core.fileio import lock_shared, remove_leftovers, temp_glob

    path = tmp_path / ".azaion-out.bin-abcdefgh.tmp"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    blocker = os.open(path, os.O_RDONLY)
    fcntl.flock(blocker, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        assert lock_shared(fd) is False
    finally:
        os.close(blocker)  # from here on nobody holds a lock: only the mode says "in use"
    assert path.stat().st_mode & 0o777 == 0o700
    age(path, 3600)
    assert remove_leftovers(tmp_path, temp_glob(".azaion-out.bin-")) == [] and path.exists()
    release(fd)
    assert path.stat().st_mode & 0o777 == 0o600
    assert remove_leftovers(tmp_path, temp_glob(".azaion-out.bin-")) == [path] and not path.exists()


def test_a_stale_part_that_cannot_be_removed_does_not_stop_the_cleanup(make_client, tmp_path, caplog):
    """A folder named like an interrupted download's part (unlink raises IsADirectoryError, root or not) is
    logged and skipped: clean_stale_uploads, which every CLI upload runs first, must not fail because of it."""
    client = make_client(journal_dir=tmp_path / "journals")
    folder = client.cache.root / FOLDER
    folder.mkdir(parents=True)
    blocker = folder / "blocked.bin.big.part"
    blocker.mkdir()
    stale = folder / "stale.bin.big.part"
    stale.write_bytes(b"old")
    for p in (blocker, stale):
        age(p, 8 * DAY)
    with caplog.at_level("WARNING", logger="azaion.transfers"):
        assert transfers.clean_stale_uploads(client, max_age_days=7) == []
    assert blocker.is_dir() and not stale.exists()
    assert any("could not remove" in r.getMessage() and "blocked.bin.big.part" in r.getMessage()
               for r in caplog.records)


def test_temp_files_of_a_process_killed_while_saving_a_journal_are_cleaned_up(make_client, tmp_path):
    """The journal of an upload is saved atomically (temp file, rename); a kill mid-save leaves the temp file in
    the journal folder. The upload of that id removes its own when it ends (however young: unlocked means dead),
    and the orphan cleanup removes any (a few seconds old, unlocked) — only our temp-name shape, 0600."""
    from core.journal import JournalStore

    client = make_client(journal_dir=tmp_path / "journals")
    src = tmp_path / "j.bin"
    src.write_bytes(data_of(MiB, 31))
    jid = JournalStore.upload_id(client.api_url, FOLDER, "j.bin", src)
    client.journals.dir.mkdir(parents=True)
    own = client.journals.dir / f".azaion-{jid}.json-dead0000.tmp"
    other = client.journals.dir / ".azaion-0123456789abcdef01234567.json-dead0000.tmp"
    users = client.journals.dir / ".azaion-notes.tmp"
    for p in (own, other, users):
        p.write_bytes(b"{half a journal")
        p.chmod(0o600)
    client.upload_big_small_resource(src, "j.bin", FOLDER)
    assert not own.exists() and other.exists()
    age(other, 60)
    age(users, 60)
    assert transfers.clean_orphans(client, max_age_days=7) == [other]
    assert sorted(p.name for p in client.journals.dir.iterdir()) == [users.name]


def test_an_aborted_upload_loses_its_staged_files_before_its_journal(make_client, tmp_path, monkeypatch):
    """Whoever sees the journal gone (the GUI's Discard, `transfers ls`, a process killed half-way through the
    removal) finds no staged file left that no journal records."""
    from core.cancel import CancelToken
    from core.errors import PausedError

    client = make_client(journal_dir=tmp_path / "journals")
    src = tmp_path / "aborted.bin"
    src.write_bytes(data_of(20 * MiB, 7))
    token = CancelToken()
    with pytest.raises(PausedError):
        client.upload_big_small_resource(src, "aborted.bin", FOLDER, cancel=token,
                                         progress=lambda d, t: d > 2 * MiB and token.pause())
    [journal] = client.journals.all()
    staged = [Path(journal.staged_big), Path(journal.staged_small)]
    assert all(p.exists() for p in staged)
    removed: list[Path] = []
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        removed.append(Path(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    transfers.abort_upload(client, journal.id)
    journal_file = client.journals.path(journal.id)
    assert journal_file in removed and set(staged) <= set(removed)
    assert removed.index(journal_file) > max(removed.index(p) for p in staged), removed
    assert client.journals.all() == [] and client.cache.staged() == []
