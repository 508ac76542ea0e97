"""``core.sync`` against the sandbox: new, changed, removed and unchanged resources, what is never touched (files
the user changed or made), names the server must not get to choose, the state file and the folder's lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from core import sync
from core.errors import InvalidNameError

MiB = 1 << 20


@pytest.fixture
def folder(sandbox):
    """A fresh folder (API and CDN bucket) per test: a sync takes the whole folder."""
    name = f"sync-{uuid.uuid4().hex[:8]}"
    sandbox.s3_client().create_bucket(Bucket=name)
    return name


class Fetches:
    """Counts what a sync really fetched: small parts from the API, big-part GETs (and their bytes) from the CDN."""

    def __init__(self, client, monkeypatch) -> None:
        self.small: list[str] = []
        self.big: list[str] = []
        self.big_bytes = 0
        cdn = client.cdn
        real_stream, real_load = cdn.stream, client.load_part

        def stream(bucket, key, sink, **kw):
            self.big.append(key)

            def counting(view):
                self.big_bytes += len(view)
                return sink(view)

            return real_stream(bucket, key, counting, **kw)

        def load_part(filename, folder, **kw):
            if filename.endswith(".small"):
                self.small.append(filename)
            return real_load(filename, folder, **kw)

        monkeypatch.setattr(cdn, "stream", stream)
        monkeypatch.setattr(client, "load_part", load_part)


def test_new_then_unchanged_fetches_nothing(make_client, folder, tmp_path, monkeypatch):
    client = make_client()
    a, b = os.urandom(300_000), os.urandom(5000)
    client.upload_big_small_resource(a, "a.bin", folder)
    client.upload_big_small_resource(b, "b.cfg", folder)
    reader = make_client(cache_dir=tmp_path / "reader-cache")
    fetched = Fetches(reader, monkeypatch)
    target = tmp_path / "mirror"

    result = sync.sync(reader, folder, target)
    assert sorted(result.downloaded) == ["a.bin", "b.cfg"] and result.complete
    assert (target / "a.bin").read_bytes() == a and (target / "b.cfg").read_bytes() == b
    assert sorted(fetched.big) == ["a.bin.big", "b.cfg.big"]
    state = json.loads((target / sync.STATE_NAME).read_text())
    assert sorted(state["files"]) == ["a.bin", "b.cfg"]
    assert (target / sync.STATE_NAME).stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in target.iterdir()) == [sync.STATE_NAME, "a.bin", "b.cfg"]  # no temp, no lock

    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in target.iterdir() if p.name != sync.STATE_NAME}
    fetched.small.clear(), fetched.big.clear()
    result = sync.sync(reader, folder, target)
    assert result.downloaded == [] and sorted(result.plan.unchanged) == ["a.bin", "b.cfg"]
    assert fetched.big == [] and fetched.small == []  # not even the small parts: the listings decide
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in target.iterdir()
            if p.name != sync.STATE_NAME} == before


def test_changed_resource_is_fetched_again(make_client, folder, tmp_path, monkeypatch):
    client = make_client()
    client.upload_big_small_resource(os.urandom(100_000), "m.onnx", folder)
    client.upload_big_small_resource(os.urandom(100_000), "same.onnx", folder)
    reader = make_client(cache_dir=tmp_path / "reader-cache")  # the uploader's cache already has every version
    target = tmp_path / "mirror"
    sync.sync(reader, folder, target)
    new = os.urandom(120_000)
    client.upload_big_small_resource(new, "m.onnx", folder)  # a new version of one name
    fetched = Fetches(reader, monkeypatch)
    plan = sync.plan_sync(reader, folder, target)
    assert [(i.name, i.reason) for i in plan.download] == [("m.onnx", "changed")] and plan.unchanged == ["same.onnx"]
    result = sync.sync(reader, folder, target)
    assert result.downloaded == ["m.onnx"] and (target / "m.onnx").read_bytes() == new
    assert fetched.big == ["m.onnx.big"]


def test_removed_resources_are_deleted_only_with_delete_and_only_sync_s_files(
        make_client, sandbox, folder, tmp_path):
    client = make_client()
    for name in ("keep.bin", "gone.bin", "edited.bin"):
        client.upload_big_small_resource(os.urandom(20_000), name, folder)
    target = tmp_path / "mirror"
    sync.sync(client, folder, target)
    mine = target / "notes.txt"
    mine.write_text("the user's own file")
    (target / "edited.bin").write_bytes(b"the user changed this")
    for name in ("gone.bin", "edited.bin"):
        with sandbox.state._lock:  # the sandbox has no API to remove one file
            del sandbox.state._folders[folder][name + ".small"]
        sandbox.s3_client().delete_object(Bucket=folder, Key=name + ".big")

    plan = sync.plan_sync(client, folder, target, delete=True)  # what --dry-run --delete shows
    assert plan.delete == ["gone.bin"] and [i.name for i in plan.conflicts] == ["edited.bin"]
    result = sync.sync(client, folder, target)  # without delete: nothing removed
    assert (target / "gone.bin").exists() and result.deleted == []

    result = sync.sync(client, folder, target, delete=True)
    assert result.deleted == ["gone.bin"] and not (target / "gone.bin").exists()
    assert mine.read_text() == "the user's own file"  # never sync's: never deleted
    assert (target / "edited.bin").read_bytes() == b"the user changed this"  # changed by the user: kept, reported
    assert [i.name for i in result.conflicts] == ["edited.bin"] and not result.complete
    assert (target / "keep.bin").exists()
    state = json.loads((target / sync.STATE_NAME).read_text())
    assert "gone.bin" not in state["files"]


def test_locally_edited_file_is_reported_not_overwritten_unless_forced(make_client, folder, tmp_path):
    client = make_client()
    client.upload_big_small_resource(b"v1" * 5000, "cfg.json", folder)
    target = tmp_path / "mirror"
    sync.sync(client, folder, target)
    (target / "cfg.json").write_bytes(b"v1" * 4999 + b"v!")  # same size: only the content tells
    client.upload_big_small_resource(b"v2" * 5000, "cfg.json", folder)
    (target / "theirs.bin").write_bytes(b"a file the user put here")
    client.upload_big_small_resource(b"server" * 100, "theirs.bin", folder)

    result = sync.sync(client, folder, target)
    assert result.downloaded == [] and not result.complete
    assert sorted((i.name, i.reason) for i in result.conflicts) == [
        ("cfg.json", "changed locally since it was synced"),
        ("theirs.bin", "a file of this name is in the folder and sync did not write it"),
    ]
    assert (target / "cfg.json").read_bytes() == b"v1" * 4999 + b"v!"
    assert (target / "theirs.bin").read_bytes() == b"a file the user put here"

    os.utime(target / "cfg.json")  # touched, not changed: still the user's edit, still not replaced
    assert [i.name for i in sync.sync(client, folder, target).conflicts] == ["cfg.json", "theirs.bin"]

    result = sync.sync(client, folder, target, force=True)
    assert sorted(result.downloaded) == ["cfg.json", "theirs.bin"] and result.complete
    assert (target / "cfg.json").read_bytes() == b"v2" * 5000


def test_touched_but_unchanged_file_is_not_a_conflict(make_client, folder, tmp_path, monkeypatch):
    client = make_client()
    client.upload_big_small_resource(os.urandom(10_000), "t.bin", folder)
    target = tmp_path / "mirror"
    sync.sync(client, folder, target)
    later = time.time() + 100
    os.utime(target / "t.bin", (later, later))
    fetched = Fetches(client, monkeypatch)
    result = sync.sync(client, folder, target)
    assert result.complete and result.downloaded == [] and fetched.big == []


def test_dry_run_plan_changes_nothing(make_client, folder, tmp_path):
    client = make_client()
    client.upload_big_small_resource(os.urandom(10_000), "one.bin", folder)
    target = tmp_path / "mirror"
    plan = sync.plan_sync(client, folder, target, delete=True)
    assert [i.to_json() for i in plan.download] == [{"name": "one.bin", "reason": "new"}]
    assert not target.exists()  # not even created
    target.mkdir()
    plan = sync.plan_sync(client, folder, target)
    assert list(target.iterdir()) == []
    assert set(plan.to_json()) == {"folder", "dir", "download", "delete", "conflicts", "refused", "skipped",
                                   "unchanged"}


@pytest.mark.parametrize("name", [
    ".bashrc",  # hidden: a server must not choose a dot-file in the user's folder
    sync.STATE_NAME,  # would replace the state
    ".azaion-x.tmp",  # the shape of core's temp files
    "trail.",  # Windows drops the dot
    "zero\u200bwidth",  # invisible format character
    "x" * 240,  # longer than a resource name may be
])
def test_hostile_names_from_the_server_are_refused(make_client, sandbox, folder, tmp_path, name):
    client = make_client()
    client.upload_big_small_resource(b"fine", "fine.txt", folder)
    sandbox.state.put_file(folder, name + ".small", b"\0" * 16)  # the server lists what no upload could make
    sandbox.s3_client().put_object(Bucket=folder, Key=name + ".big", Body=b"\0" * 32)
    target = tmp_path / "mirror"
    target.mkdir()
    (target / sync.STATE_NAME).write_text(json.dumps(
        {"version": 1, "api_url": client.api_url, "folder": folder, "files": {}}))
    state_before = (target / sync.STATE_NAME).read_bytes()
    result = sync.sync(client, folder, target)
    assert [i.name for i in result.plan.refused] == [name] and not result.complete
    assert result.downloaded == ["fine.txt"]
    assert sorted(p.name for p in target.iterdir()) == [sync.STATE_NAME, "fine.txt"]
    assert name not in json.loads((target / sync.STATE_NAME).read_text())["files"]
    assert state_before != (target / sync.STATE_NAME).read_bytes()  # the state is sync's, not the server's


def test_names_one_file_on_case_insensitive_systems_are_refused(make_client, folder, tmp_path):
    client = make_client()
    client.upload_big_small_resource(b"1", "Model.bin", folder)
    client.upload_big_small_resource(b"2", "model.bin", folder)
    result = sync.sync(client, folder, tmp_path / "mirror")
    assert len(result.downloaded) == 1 and [i.name for i in result.plan.refused] == ["model.bin"]


def test_local_name_rules():
    assert sync.local_name("weights-v2.onnx") == "weights-v2.onnx"
    for bad in (".hidden", ".azaion-sync.lock", "a\u202egpj.exe", "a/b", "..", "NUL.txt"):
        with pytest.raises(InvalidNameError):
            sync.local_name(bad)


@pytest.mark.parametrize("content", [
    b"{not json",
    b"[" * 100 + b"]" * 100,  # nested too deep
    b'{"version": 2, "api_url": "x", "folder": "f", "files": {}}',
    # a valid record under a name that is a path: --delete would remove DIR/../escape
    b'{"version": 1, "api_url": "API", "folder": "FOLDER", "files": {"../escape": {"version": {"small_size": 1,'
    b' "small_modified": null, "big_etag": "e", "big_size": 2}, "size": 1, "mtime_ns": 1, "sha256": "' + b"0" * 64
    + b'"}}}',
    b'{"version": 1, "api_url": "API", "folder": "FOLDER", "files": {"a": {"version": {}, "size": 1,'
    b' "mtime_ns": 1, "sha256": "x"}}}',
    b'{"version": 1, "api_url": "API", "folder": "other", "files": {}}',  # another folder's
])
def test_invalid_state_is_a_clear_error_and_nothing_changes(make_client, folder, tmp_path, content):
    client = make_client()
    client.upload_big_small_resource(b"data", "d.bin", folder)
    target = tmp_path / "mirror"
    target.mkdir()
    text = content.replace(b"API", client.api_url.encode()).replace(b"FOLDER", folder.encode())
    (target / sync.STATE_NAME).write_bytes(text)
    with pytest.raises(sync.SyncStateError, match="sync state|kept up to date from"):
        sync.sync(client, folder, target)
    assert sorted(p.name for p in target.iterdir()) == [sync.STATE_NAME]
    assert (target / sync.STATE_NAME).read_bytes() == text


def test_second_sync_of_a_folder_refuses_while_another_process_syncs_it(make_client, folder, tmp_path):
    client = make_client()
    client.upload_big_small_resource(b"data", "d.bin", folder)
    target = tmp_path / "mirror"
    target.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from core import sync\n"
         "lock = sync.lock_target(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)", str(target)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(sync.SyncBusyError, match="another sync of .* is running"):
            sync.sync(client, folder, target)
        assert not (target / "d.bin").exists()
    finally:
        holder.kill()
        holder.wait()
    assert sync.sync(client, folder, target).downloaded == ["d.bin"]  # the OS dropped the dead holder's lock


def test_plain_files_are_skipped(make_client, sandbox, folder, tmp_path):
    client = make_client()
    client.upload_big_small_resource(b"r", "res.bin", folder)
    sandbox.state.put_file(folder, "notes.txt", b"plain")
    result = sync.sync(client, folder, tmp_path / "m")
    assert result.plan.skipped == ["notes.txt"] and result.downloaded == ["res.bin"] and result.complete


def test_state_names_the_files_sync_wrote(tmp_path: Path):
    state = sync.SyncState("http://127.0.0.1:1", "models")
    state.files["a"] = sync.Synced({"small_size": 1, "small_modified": None, "big_etag": '"e"', "big_size": 2},
                                   3, 4, "0" * 64)
    tmp_path.mkdir(exist_ok=True)
    sync.save_state(tmp_path, state)
    again = sync.load_state(tmp_path, "http://127.0.0.1:1/", "models")
    assert again.files == state.files


def test_temp_files_a_killed_sync_left_are_removed_and_nothing_else(make_client, folder, tmp_path):
    client = make_client()
    client.upload_big_small_resource(b"r", "r.bin", folder)
    target = tmp_path / "mirror"
    target.mkdir()
    stale = target / ".azaion-gone.bin-abcd1234.tmp"  # core's temp shape, no live process holds it
    stale.write_bytes(b"half")
    stale.chmod(0o600)
    os.utime(stale, (time.time() - 60, time.time() - 60))
    theirs = target / ".azaion-notes.txt"  # not our temp shape: the user's
    theirs.write_text("mine")
    sync.sync(client, folder, target)
    assert not stale.exists() and theirs.read_text() == "mine"


def test_delete_never_empties_the_folder_on_an_empty_listing(make_client, sandbox, folder, tmp_path):
    client = make_client()
    client.upload_big_small_resource(b"a", "a.bin", folder)
    target = tmp_path / "mirror"
    sync.sync(client, folder, target)
    sandbox.state.clear_folder(folder)  # the API lists nothing (a fault, or a folder being refilled)
    result = sync.sync(client, folder, target, delete=True)
    assert result.deleted == [] and (target / "a.bin").read_bytes() == b"a"
    assert [i.name for i in result.conflicts] == ["a.bin"] and "lists nothing" in result.conflicts[0].reason


def test_without_list_rights_each_big_part_is_asked_with_a_head(make_client, folder, tmp_path, monkeypatch):
    """S3 policies may allow GetObject without ListBucket: the listing's refusal falls back to a HEAD each."""
    from core.errors import PermissionDeniedError

    client = make_client()
    client.upload_big_small_resource(os.urandom(20_000), "h.bin", folder)
    reader = make_client(cache_dir=tmp_path / "reader-cache")
    target = tmp_path / "mirror"
    sync.sync(reader, folder, target)

    def refused(*args, **kwargs):
        raise PermissionDeniedError("the CDN refused access to the bucket (AccessDenied)")

    monkeypatch.setattr(sync, "list_big_parts", refused)
    heads = []
    real_head = reader.cdn.head
    monkeypatch.setattr(reader.cdn, "head", lambda b, k: heads.append(k) or real_head(b, k))
    plan = sync.plan_sync(reader, folder, target)
    assert plan.unchanged == ["h.bin"] and heads == ["h.bin.big"]
    client.upload_big_small_resource(os.urandom(20_000), "h.bin", folder)
    assert [i.reason for i in sync.plan_sync(reader, folder, target).download] == ["changed"]


def test_force_never_replaces_a_folder_or_link(make_client, folder, tmp_path):
    client = make_client()
    client.upload_big_small_resource(b"d", "d.bin", folder)
    client.upload_big_small_resource(b"l", "l.bin", folder)
    target = tmp_path / "mirror"
    target.mkdir()
    (target / "d.bin").mkdir()
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not sync's")
    (target / "l.bin").symlink_to(elsewhere)
    result = sync.sync(client, folder, target, force=True)
    assert result.downloaded == [] and sorted(i.name for i in result.conflicts) == ["d.bin", "l.bin"]
    assert elsewhere.read_text() == "not sync's" and (target / "d.bin").is_dir()
