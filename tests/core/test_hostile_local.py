"""Hostile local files: links planted in the cache, staging and journal folders, folders that are not ours, and
journals, sidecars and records of interrupted downloads that are stale, foreign or of the wrong shape. Nothing is
written, truncated, grown, read out or deleted through them, a folder that is not ours is refused with a clear
error, and an invalid journal is set aside (``.invalid``) with a warning, never trusted and never fatal."""

from __future__ import annotations

import hashlib
import json
import os
import random
import stat
from pathlib import Path

import pytest

from core import transfers
from core.errors import LocalIOError
from core.journal import JournalStore

FOLDER = "models"
MiB = 1 << 20


def data_of(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def cache_folder(client) -> Path:
    folder = client.cache.root / FOLDER
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def staging_folder(client) -> Path:
    folder = client.cache.root / ".staging"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@pytest.fixture
def victim(tmp_path):
    """A user's file that links point at: it must come out of every test unchanged."""
    path = tmp_path / "victim.txt"
    path.write_bytes(b"the user's precious file\n")
    yield path
    assert path.read_bytes() == b"the user's precious file\n"


@pytest.fixture
def uploaded(make_client, tmp_path):
    """(client, data): a 3 MiB resource uploaded by another client, so this client's cache starts empty."""
    data = data_of(3 * MiB, 5)
    name = f"h-{random.randrange(1 << 30):x}.bin"
    make_client(cache_dir=tmp_path / "uploader-cache").upload_big_small_resource(data, name, FOLDER)
    client = make_client(journal_dir=tmp_path / "journals")
    return client, data, name


# ---- links planted in the cache ------------------------------------------------------------------------------


def test_planted_part_link_never_grows_its_target(uploaded, victim, tmp_path):
    """A ``.big.part`` link with a record that makes it look resumable (the object's own ETag): the download
    starts over in a file of its own."""
    client, data, name = uploaded
    folder = cache_folder(client)
    part, meta = client.cache.partial_paths(FOLDER, name)
    part.symlink_to(victim)
    info = client.cdn.head(FOLDER, f"{name}.big")
    meta.write_text(json.dumps({"etag": info.etag, "size": info.size, "sha256": info.sha256}))
    out = tmp_path / "out.bin"
    client.download_big_small_resource(name, FOLDER, out)
    assert out.read_bytes() == data
    assert not part.is_symlink() and not part.exists() and sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{name}.big", f"{name}.big.sha256"])


def test_planted_links_to_the_cache_entry_are_not_followed(uploaded, victim, tmp_path):
    """A ``.big`` link (with a sidecar holding the victim's hash) is a cache miss, replaced by the CDN copy; a
    sidecar link is a miss too. Neither victim is read as a cache entry nor changed."""
    client, data, name = uploaded
    big, sidecar = client.cache.paths(FOLDER, name)
    cache_folder(client)
    big.symlink_to(victim)
    sidecar.write_text(hashlib.sha256(victim.read_bytes()).hexdigest() + "\n")
    assert client.cache.lookup(FOLDER, name) is None
    out = tmp_path / "out.bin"
    client.download_big_small_resource(name, FOLDER, out)
    assert out.read_bytes() == data and not big.is_symlink()
    sidecar.unlink()
    sidecar.symlink_to(victim)
    assert client.cache.lookup(FOLDER, name) is None
    client.download_big_small_resource(name, FOLDER, out)
    assert out.read_bytes() == data and not sidecar.is_symlink()


def test_planted_lock_link_is_refused_and_its_target_not_created(uploaded, tmp_path, victim):
    client, _data, name = uploaded
    big, _ = client.cache.paths(FOLDER, name)
    cache_folder(client)
    absent = tmp_path / "would-be-created"
    lock = big.with_name(big.name + ".lock")
    lock.symlink_to(absent)
    with pytest.raises(LocalIOError, match="symbolic link"):
        client.download_big_small_resource(name, FOLDER, tmp_path / "out.bin")
    assert not absent.exists() and not (tmp_path / "out.bin").exists()
    lock.unlink()
    lock.symlink_to(victim)
    with pytest.raises(LocalIOError, match="symbolic link"):
        client.download_big_small_resource(name, FOLDER, tmp_path / "out.bin")


def test_planted_staging_links_never_truncate_or_send_their_targets(make_client, tmp_path, victim):
    """The staged big and small part of the upload about to start are links to user files: the upload writes
    new files of its own (never through the links) and succeeds; the targets are unchanged and not uploaded."""
    client = make_client(journal_dir=tmp_path / "journals")
    src = tmp_path / "s.bin"
    data = data_of(2 * MiB, 6)
    src.write_bytes(data)
    jid = JournalStore.upload_id(client.api_url, FOLDER, "s.bin", src)
    staging = staging_folder(client)
    (staging / f"{jid}.big").symlink_to(victim)
    (staging / f"{jid}.small").symlink_to(victim)
    client.upload_big_small_resource(src, "s.bin", FOLDER)
    out = tmp_path / "out.bin"
    client.cache.discard(FOLDER, "s.bin")
    client.download_big_small_resource("s.bin", FOLDER, out)
    assert out.read_bytes() == data and list(staging.iterdir()) == []


def test_resume_with_staged_links_starts_over_and_leaves_their_targets(make_client, tmp_path, victim):
    """A journal that says the staging is complete, but its staged files are links: not resumed (a link is
    never read as the small part, which would send a user file to the server), started over."""
    client = make_client(journal_dir=tmp_path / "journals")
    src = tmp_path / "r.bin"
    data = data_of(MiB, 7)
    src.write_bytes(data)
    jid = JournalStore.upload_id(client.api_url, FOLDER, "r.bin", src)
    staging = staging_folder(client)
    st = src.stat()
    from core.journal import UploadJournal, source_fingerprint

    client.journals.save(UploadJournal(
        id=jid, api_url=client.api_url, folder=FOLDER, name="r.bin", source=str(src.resolve()),
        source_size=st.st_size, source_mtime_ns=st.st_mtime_ns, source_fingerprint=source_fingerprint(src, st.st_size),
        staged_big=str(staging / f"{jid}.big"), staged_small=str(staging / f"{jid}.small"),
        staged_size=victim.stat().st_size, staged_sha256=hashlib.sha256(victim.read_bytes()).hexdigest()))
    (staging / f"{jid}.big").symlink_to(victim)
    (staging / f"{jid}.small").symlink_to(victim)
    events: list[str] = []
    report = client.upload_big_small_resource(src, "r.bin", FOLDER, on_event=events.append)
    assert report.resumed is False and any("starting over" in e for e in events)
    out = tmp_path / "out.bin"
    client.cache.discard(FOLDER, "r.bin")
    client.download_big_small_resource("r.bin", FOLDER, out)
    assert out.read_bytes() == data and list(staging.iterdir()) == [] and client.journals.all() == []


# ---- folders that are not ours ---------------------------------------------------------------------------


def _not_ours(path: Path, how: str, elsewhere: Path) -> None:
    if how == "link":
        elsewhere.mkdir(mode=0o700)
        path.symlink_to(elsewhere, target_is_directory=True)
    elif how == "world-writable":
        path.mkdir(mode=0o700)
        path.chmod(0o777)
    elif how == "group-writable":
        path.mkdir(mode=0o700)
        path.chmod(0o770)
    else:  # another user's
        if os.getuid() != 0:
            pytest.skip("making a folder of another user needs root")
        path.mkdir(mode=0o700)
        os.chown(path, 12345, 12345)


@pytest.mark.parametrize("how", ["link", "world-writable", "other-user"])
@pytest.mark.parametrize("which", ["cache-root", "cache-folder", "staging", "journals"])
def test_a_folder_that_is_not_ours_is_refused_clearly(make_client, tmp_path, how, which):
    """Refused before anything is sent or written: the upload's folder checks come first, and a download
    refuses a cache (root or folder) that is not ours."""
    data = data_of(MiB, 8)
    make_client(cache_dir=tmp_path / "uploader-cache").upload_big_small_resource(data, "n.bin", FOLDER)
    cache = tmp_path / "cache"
    journals = tmp_path / "journals"
    target = {"cache-root": cache, "cache-folder": cache / FOLDER, "staging": cache / ".staging",
              "journals": journals / "uploads"}[which]
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    _not_ours(target, how, elsewhere)
    client = make_client(cache_dir=cache, journal_dir=journals)
    src = tmp_path / "up.bin"
    src.write_bytes(data_of(MiB, 18))
    with pytest.raises(LocalIOError, match=f"refusing to use {target}"):
        client.upload_big_small_resource(src, "up.bin", FOLDER)
    assert "up.bin.small" not in [e.name for e in client.list_files(FOLDER)]
    out = tmp_path / "out.bin"
    if which.startswith("cache"):
        with pytest.raises(LocalIOError, match=f"refusing to use {target}"):
            client.download_big_small_resource("n.bin", FOLDER, out)
        assert not out.exists()
    else:  # a download needs neither
        client.download_big_small_resource("n.bin", FOLDER, out)
        assert out.read_bytes() == data
    if how == "link":
        assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("which", ["cache-root", "cache-folder", "staging", "journals"])
def test_our_group_writable_folder_is_made_private_and_used(make_client, tmp_path, which):
    """Earlier versions made these folders with the umask's mode (0775 under umask 002): an upgrade there must
    work, with the folder tightened to 0700 instead of refused."""
    data = data_of(MiB, 8)
    cache, journals = tmp_path / "cache", tmp_path / "journals"
    target = {"cache-root": cache, "cache-folder": cache / FOLDER, "staging": cache / ".staging",
              "journals": journals / "uploads"}[which]
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _not_ours(target, "group-writable", tmp_path / "elsewhere")
    client = make_client(cache_dir=cache, journal_dir=journals)
    src = tmp_path / "up.bin"
    src.write_bytes(data)
    client.upload_big_small_resource(src, "g.bin", FOLDER)
    out = tmp_path / "out.bin"
    client.download_big_small_resource("g.bin", FOLDER, out)
    assert out.read_bytes() == data
    assert stat.S_IMODE(target.stat().st_mode) == 0o700


# ---- journals, sidecars and records that are not what they claim -----------------------------------------


def _journal(client, src: Path, jid: str, **fields) -> dict:
    staging = client.cache.root / ".staging"
    st = src.stat()
    data = {"id": jid, "api_url": client.api_url, "folder": FOLDER, "name": src.name, "source": str(src),
            "source_size": st.st_size, "source_mtime_ns": st.st_mtime_ns, "source_fingerprint": "",
            "staged_big": str(staging / f"{jid}.big"), "staged_small": str(staging / f"{jid}.small"),
            "staged_size": 10, "staged_sha256": "", "upload_id": None, "part_size": 8 * MiB, "parts": {},
            "checksum_algorithm": "", "checksums": {}, "created": 1.0, "updated": 1.0}
    data.update(fields)
    return data


BAD_JOURNALS = {
    "staged paths at user files": lambda v, s: {"staged_big": str(v), "staged_small": str(s)},
    "staged in another folder named like ours": lambda v, s: {"staged_big": str(v.parent / "x.big")},
    "zero part size": lambda v, s: {"part_size": 0},
    "part size as text": lambda v, s: {"part_size": "8"},
    "parts as a list": lambda v, s: {"parts": ["etag"]},
    "staged size as text": lambda v, s: {"staged_size": "10"},
    "negative size": lambda v, s: {"source_size": -1},
    "name with a separator": lambda v, s: {"name": "../x.bin"},
    "updated as text": lambda v, s: {"updated": "yesterday"},
    "unknown field": lambda v, s: {"evil": 1},
    "bool as a number": lambda v, s: {"staged_size": True},
    "part number out of range": lambda v, s: {"parts": {"0": "e"}},
}


@pytest.mark.parametrize("case", sorted(BAD_JOURNALS))
def test_an_invalid_journal_is_set_aside_never_trusted_never_fatal(make_client, tmp_path, victim, case, caplog):
    client = make_client(journal_dir=tmp_path / "journals")
    other = tmp_path / "other.txt"
    other.write_bytes(b"another user file")
    src = tmp_path / "j.bin"
    data = data_of(MiB, 9)
    src.write_bytes(data)
    jid = JournalStore.upload_id(client.api_url, FOLDER, "j.bin", src)
    client.journals.dir.mkdir(parents=True, mode=0o700)
    path = client.journals.path(jid)
    path.write_text(json.dumps(_journal(client, src, jid, **BAD_JOURNALS[case](victim, other))))
    with caplog.at_level("WARNING", logger="azaion.journal"):
        assert transfers.incomplete_uploads(client) == []  # `transfers ls`: no crash, nothing listed
    assert not path.exists() and path.with_name(path.name + ".invalid").exists()
    assert any("set aside the invalid upload journal" in r.getMessage() for r in caplog.records)
    path.with_name(path.name + ".invalid").rename(path)  # as if a later upload met it first
    events: list[str] = []
    client.upload_big_small_resource(src, "j.bin", FOLDER, on_event=events.append)
    assert any("set aside" in e for e in events)
    assert other.read_bytes() == b"another user file" and client.journals.all() == []
    out = tmp_path / "out.bin"
    client.download_big_small_resource("j.bin", FOLDER, out)
    assert out.read_bytes() == data


@pytest.mark.parametrize("content", [b"{" * 100_000, b"[]", b"\xff\xfe", b'{"id": 1}', b"x" * (9 * MiB)])
def test_unreadable_journals_are_set_aside(make_client, tmp_path, content):
    client = make_client(journal_dir=tmp_path / "journals")
    client.journals.dir.mkdir(parents=True, mode=0o700)
    path = client.journals.path("0123456789abcdef01234567")
    path.write_bytes(content)
    assert transfers.incomplete_uploads(client) == [] and transfers.clean_stale_uploads(client, 7) == []
    assert path.with_name(path.name + ".invalid").exists() and not path.exists()


@pytest.mark.parametrize("sidecar", [b"zz" * 32, b"a" * 64 + b"\n" + b"b" * 63,
                                     b"a" * 64 + b"\n" + b"b" * 64 + b"\nmore", b"a" * 64 + b"\n" + b"x" * 10_000])
def test_a_bad_sidecar_is_a_cache_miss(uploaded, tmp_path, sidecar):
    """Not two SHA-256 lines: a miss (the CDN copy replaces it), never reported as a corrupt cached copy."""
    client, data, name = uploaded
    out = tmp_path / "out.bin"
    client.download_big_small_resource(name, FOLDER, out)
    _, side = client.cache.paths(FOLDER, name)
    side.write_bytes(sidecar)
    assert client.cache.lookup(FOLDER, name) is None
    report = client.download_big_small_resource(name, FOLDER, out)
    assert out.read_bytes() == data and report.source == "cdn" and client.cache.lookup(FOLDER, name) is not None


@pytest.mark.parametrize("record", [{"size": "5"}, {"size": -1}, {"size": 5.5}, {"size": True}, {"sha256": 7},
                                    {"sha256": "zz"}, {"more": 1}])
def test_a_bad_record_of_an_interrupted_download_starts_over(uploaded, tmp_path, record):
    """A record with the object's own ETag but another field of the wrong type or range is not trusted: its
    bytes are not replayed (they would fail the hash: a false "corrupt or tampered"), the download starts over."""
    client, data, name = uploaded
    part, meta = client.cache.partial_paths(FOLDER, name)
    cache_folder(client)
    part.write_bytes(b"\x00" * 1000)
    info = client.cdn.head(FOLDER, f"{name}.big")
    meta.write_text(json.dumps({"etag": info.etag, "size": info.size, "sha256": info.sha256, **record}))
    out = tmp_path / "out.bin"
    client.transfers.download_to_path(name, FOLDER, out)
    assert out.read_bytes() == data and not part.exists() and not meta.exists()


def test_the_orphan_cleanup_never_follows_links_and_removes_dead_locks(make_client, tmp_path, victim):
    """A staged link with no journal is removed as a link (its target untouched); a folder reached through a link
    inside the cache is not searched (a temp-shaped file there stays); a lock file nobody holds (its process was
    killed) goes, one that is held or was just made stays."""
    import fcntl
    import time

    client = make_client(journal_dir=tmp_path / "journals")
    staging = staging_folder(client)
    stray = staging / ("0" * 24 + ".big")
    stray.symlink_to(victim)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    looks_ours = elsewhere / ".azaion-x.bin-abcdefgh.tmp"
    looks_ours.write_bytes(b"someone else's")
    looks_ours.chmod(0o600)
    folder = cache_folder(client)
    (folder / "sub").symlink_to(elsewhere, target_is_directory=True)
    dead, live, young = (folder / f"{n}.bin.big.lock" for n in ("dead", "live", "young"))
    for p in (dead, live, young):
        p.write_bytes(b"")
        p.chmod(0o600)
    old = time.time() - 60
    for p in (looks_ours, stray, dead, live):
        os.utime(p, (old, old), follow_symlinks=False)
    held = os.open(live, os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)  # as a live transfer holds its lock
    try:
        removed = transfers.clean_orphans(client, max_age_days=7)
    finally:
        os.close(held)
    assert sorted(removed) == sorted([stray, dead])
    assert looks_ours.exists() and young.exists() and not stray.is_symlink()
