"""Unlock and lock against the sandbox with REAL podman in an isolated store: round trips, every bad input,
cancel, and proof that the app writes no plaintext tar."""

from __future__ import annotations

import hashlib
import json
import os
import tarfile

import psutil
import pytest

from core.cancel import CancelToken
from core.crypto import IV_SIZE
from core.errors import (
    ArchiveFormatError,
    CancelledError,
    DockerError,
    DockerNotFoundError,
    IntegrityError,
    LocalIOError,
    NotFoundError,
    PermissionDeniedError,
)
from core.images import (
    check_images,
    check_images_loaded,
    decrypt_archive,
    docker_load,
    download_key_fragment,
    fetch_key_fragment,
    lock_images,
    publish_key_fragment,
    unlock_archive,
)
from core.models import RoleEnum
from sandbox.tarball import ImageSpec, docker_archive_bytes, service_images
from tests.images.conftest import (
    PREFIX,
    SERVICES,
    DirWatch,
    WriteAudit,
    expected,
    files_under,
    new_version,
    podman_children,
)


def _unlock(store, archive, version, client, **kwargs):
    kwargs.setdefault("services", SERVICES)
    kwargs.setdefault("prefix", PREFIX)
    kwargs.setdefault("docker", store.docker)
    return unlock_archive(archive, version, client=client, **kwargs)


def _assert_clean(store, folder, archive=None):
    """Nothing loaded, no temporary file anywhere, no podman process left (alive or zombie)."""
    assert store.images() == set()
    assert files_under(store.tmp) == [], "the private TMPDIR must be removed"
    left = [p for p in files_under(folder) if archive is None or p != archive]
    assert left == [], f"files left behind: {left}"
    assert podman_children() == []


# ---- round trips ------------------------------------------------------------------------------------------


def test_lock_then_unlock_round_trip(sandbox, store, make_client, tmp_path):
    version = new_version()
    store.load(service_images(SERVICES, PREFIX, version))
    images = [f"{PREFIX}{s}:{version}" for s in SERVICES]
    admin = make_client(role=RoleEnum.Admin)
    out = tmp_path / "out" / f"{version}.tar.enc"
    stages = []
    report = lock_images(version, images, out, client=admin, docker=store.docker, on_stage=stages.append)
    assert stages == ["saving", "publishing"]
    assert out.is_file() and report.archive_bytes == out.stat().st_size
    assert report.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    published = sandbox.state.get_fragment(version)
    assert published is not None and published.sha256 == report.sha256 and len(published.fragment) == 32
    assert [p.name for p in files_under(out.parent)] == [out.name]  # the temp file was renamed into place

    store.clear()
    assert not check_images_loaded(version, services=SERVICES, prefix=PREFIX, docker=store.docker)

    operator = make_client(role=RoleEnum.Operator)
    progress, names, stages = [], [], []
    result = _unlock(store, out, version, operator, progress=lambda d, t: progress.append((d, t)),
                     on_image=names.append, on_stage=stages.append)
    assert result.all_present and result.missing == []
    assert [s.label for s in result.services] == ["ok"] * 4
    assert {n.removeprefix("localhost/") for n in names} == set(images) == {s.image for s in result.services}
    assert stages == ["fragment", "decrypting", "loading", "checking"]
    assert progress[-1] == (out.stat().st_size, out.stat().st_size)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    assert store.images() == expected(version)
    assert check_images_loaded(version, services=SERVICES, prefix=PREFIX, docker=store.docker)
    assert podman_children() == []
    assert files_under(store.tmp) == []


def test_one_service_missing_is_named(sandbox, store, make_client, tmp_path):
    version = new_version()
    present = [s for s in SERVICES if s != "loader"]
    store.load(service_images(present, PREFIX, version))
    admin = make_client(role=RoleEnum.ApiAdmin)
    out = tmp_path / "three.tar.enc"
    lock_images(version, [f"{PREFIX}{s}:{version}" for s in present], out, client=admin, docker=store.docker)
    store.clear()
    report = _unlock(store, out, version, make_client(role=RoleEnum.Validator))
    assert not report.all_present
    assert [(s.service, s.image) for s in report.missing] == [("loader", f"{PREFIX}loader:{version}")]
    assert not check_images_loaded(version, services=SERVICES, prefix=PREFIX, docker=store.docker)
    check = check_images(version, services=SERVICES, prefix=PREFIX, docker=store.docker)
    assert [s.service for s in check.missing] == ["loader"]


def test_seed_compatible_functions(sandbox, store, make_client, tmp_path, publish):
    """download_key_fragment + decrypt_archive (the tar, for users who want it) + docker_load + check."""
    version = new_version()
    archive = tmp_path / "a.tar.enc"
    fragment, digest = publish(archive, version)
    client = make_client(role=RoleEnum.CompanionPC)
    assert download_key_fragment(sandbox.api_url, client.token.raw, version) == fragment
    url = f"{sandbox.api_url}/binary-split/key-fragment/{version}"
    assert download_key_fragment(url, client.token.raw) == fragment  # the seed's form: no version argument
    kf = fetch_key_fragment(client, version)
    assert kf.fragment == fragment and kf.sha256 == digest and "bytes" in repr(kf) and fragment.hex() not in repr(kf)
    tar_path = tmp_path / "plain" / "images.tar"
    decrypt_archive(archive, fragment, tar_path, expected_sha256=digest)
    assert oct(tar_path.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(tar_path) as tf:
        manifest = json.load(tf.extractfile("manifest.json"))
    assert sorted(m["RepoTags"][0] for m in manifest) == sorted(f"{PREFIX}{s}:{version}" for s in SERVICES)
    loaded = docker_load(tar_path, docker=store.docker)
    assert {n.removeprefix("localhost/") for n in loaded} == {f"{PREFIX}{s}:{version}" for s in SERVICES}
    assert check_images_loaded(version, services=SERVICES, prefix=PREFIX, docker=store.docker)
    assert files_under(store.tmp) == []


def test_decrypt_archive_leaves_nothing_on_tamper(tmp_path, publish):
    version = new_version()
    archive = tmp_path / "a.tar.enc"
    fragment, digest = publish(archive, version)
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(data)
    with pytest.raises(IntegrityError, match="tampered"):
        decrypt_archive(archive, fragment, tmp_path / "out" / "x.tar", expected_sha256=digest)
    assert files_under(tmp_path / "out") == []


# ---- every bad input: typed error, nothing loaded, no temp file, process reaped ---------------------------


def _flip(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(data)


def _truncate(path, n):
    data = path.read_bytes()
    path.write_bytes(data[:-n])


CASES = {
    "wrong fragment": (ArchiveFormatError, "wrong key fragment"),
    "truncated by a block": (IntegrityError, "tampered"),
    "truncated mid-block": (IntegrityError, "truncated"),
    "truncated to the IV": (IntegrityError, "truncated"),
    "flipped byte in the middle": (IntegrityError, "tampered"),
    "flipped byte at the end": (IntegrityError, "tampered"),
    "flipped byte in the IV": (IntegrityError, "tampered"),
    "not a tar": (ArchiveFormatError, "not an image archive"),
    "no fragment published": (NotFoundError, "No key fragment"),
    "role None": (PermissionDeniedError, "may not unlock images"),
    "docker not found": (DockerNotFoundError, "not found"),
    "docker path not found": (DockerNotFoundError, "not found"),
    "docker load fails": (DockerError, "podman load failed"),
    "archive missing": (LocalIOError, "no such archive"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input(case, sandbox, store, make_client, tmp_path, publish):
    version = new_version()
    folder = tmp_path / "archives"
    folder.mkdir()
    archive = folder / f"{version}.tar.enc"
    specs = service_images(SERVICES, PREFIX, version)
    role, docker = RoleEnum.Operator, store.docker
    if case == "not a tar":
        publish(archive, version, os.urandom(300_000))
    elif case == "docker load fails":  # a valid tar, but no image archive: podman itself rejects it
        tar = docker_archive_bytes([ImageSpec("x:1")])
        import io

        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
            info = tarfile.TarInfo("hello.txt")
            info.size = len(tar)
            tf.addfile(info, io.BytesIO(tar))
        publish(archive, version, buf.getvalue())
    elif case == "no fragment published":
        publish(archive, version, specs)
        version_asked = new_version()
    else:
        publish(archive, version, specs)
    size = archive.stat().st_size
    if case == "wrong fragment":
        sandbox.state.put_fragment(version, os.urandom(32), hashlib.sha256(archive.read_bytes()).hexdigest())
    elif case == "truncated by a block":
        _truncate(archive, 16)
    elif case == "truncated mid-block":
        _truncate(archive, 5)
    elif case == "truncated to the IV":
        archive.write_bytes(archive.read_bytes()[:IV_SIZE])
    elif case == "flipped byte in the middle":
        _flip(archive, size // 2)
    elif case == "flipped byte at the end":
        _flip(archive, size - 1)
    elif case == "flipped byte in the IV":
        _flip(archive, 3)
    elif case == "role None":
        role = RoleEnum.NONE
    elif case == "docker not found":
        docker = "no-such-docker-command"
    elif case == "docker path not found":
        docker = str(tmp_path / "bin" / "podman")
    elif case == "archive missing":
        archive.unlink()
    client = make_client(role=role)
    error, message = CASES[case]
    with pytest.raises(error, match=message) as info:
        _unlock(store, archive, version_asked if case == "no fragment published" else version, client,
                docker=docker)
    assert "\n" not in str(info.value)
    if case == "docker load fails":
        assert info.value.stderr.strip() and info.value.returncode not in (0, None)
    _assert_clean(store, folder, archive if archive.exists() else None)


def test_flip_in_tar_padding_loads_silently_without_the_hash(sandbox, store, make_client, tmp_path, publish):
    """Why the hash exists: a flipped ciphertext byte whose damage lands in tar padding decrypts, unpads and
    loads without complaint. With the published SHA-256, unlock kills podman before EOF and nothing loads."""
    version = new_version()
    (tmp_path / "archives").mkdir()
    archive = tmp_path / "archives" / "a.tar.enc"
    specs = service_images(SERVICES, PREFIX, version)
    fragment, digest = publish(archive, version, specs)
    tar = docker_archive_bytes(specs)
    with tarfile.open(fileobj=__import__("io").BytesIO(tar)) as tf:
        member = tf.getmember("manifest.json")
    pad_start = member.offset_data + member.size
    pad_end = member.offset_data + -(-member.size // 512) * 512
    block = -(-pad_start // 16)  # first whole 16-byte plaintext block inside the padding
    assert (block + 2) * 16 <= pad_end, "the manifest's padding must hold two whole blocks"
    _flip(archive, IV_SIZE + block * 16 + 3)  # garbles plaintext block `block`, flips a byte in block+1

    client = make_client(role=RoleEnum.Operator)
    with pytest.raises(IntegrityError, match="tampered"):
        _unlock(store, archive, version, client)
    _assert_clean(store, archive.parent, archive)

    # The same bytes with only the padding check (no hash): podman loads every image.
    report = _unlock(store, archive, version, None, fragment=fragment)
    assert report.all_present


def test_unauthorised_lock_publishes_nothing(sandbox, store, make_client, tmp_path):
    version = new_version()
    store.load(service_images(["loader"], PREFIX, version))
    out = tmp_path / "out" / "x.tar.enc"
    operator = make_client(role=RoleEnum.Operator)
    with pytest.raises(PermissionDeniedError, match="Admin or ApiAdmin"):
        lock_images(version, [f"{PREFIX}loader:{version}"], out, client=operator, docker=store.docker)
    with pytest.raises(PermissionDeniedError):  # the server refuses too, whatever the client thinks
        publish_key_fragment(operator, version, b"x" * 32, "0" * 64)
    assert sandbox.state.get_fragment(version) is None
    assert not out.exists() and podman_children() == []


def test_lock_of_missing_image_leaves_nothing(sandbox, store, make_client, tmp_path):
    version = new_version()
    store.load(service_images(["loader"], PREFIX, version))
    out = tmp_path / "out"
    out.mkdir()
    old = out / "x.tar.enc"
    old.write_bytes(b"previous archive")
    admin = make_client(role=RoleEnum.Admin)
    with pytest.raises(DockerError, match="image not known") as info:
        lock_images(version, [f"{PREFIX}loader:{version}", f"{PREFIX}nope:{version}"], old, client=admin,
                    docker=store.docker)
    assert info.value.stderr
    assert files_under(out) == [old] and old.read_bytes() == b"previous archive"
    assert sandbox.state.get_fragment(version) is None
    assert podman_children() == [] and files_under(store.tmp) == []


def test_lock_rejects_option_like_image_names(make_client, store, tmp_path):
    admin = make_client(role=RoleEnum.Admin)
    with pytest.raises(ValueError, match="not valid"):
        lock_images(new_version(), ["--output=/etc/passwd"], tmp_path / "x", client=admin, docker=store.docker)


# ---- cancel ----------------------------------------------------------------------------------------------


def test_cancel_half_way_through_a_large_archive(sandbox, store, make_client, tmp_path, publish):
    version = new_version()
    (tmp_path / "archives").mkdir()
    archive = tmp_path / "archives" / "big.tar.enc"
    specs = service_images(SERVICES, PREFIX, version)
    specs[0] = ImageSpec(specs[0].repo_tag, random_size=32 << 20, seed=7)
    publish(archive, version, specs)
    size = archive.stat().st_size
    token = CancelToken()
    seen = {"max": 0, "pids": []}

    def progress(done, total):
        seen["max"] = max(seen["max"], done)
        if done >= total // 2 and not token.cancelled:
            seen["pids"] = [p.pid for p in podman_children()]
            token.cancel()

    client = make_client(role=RoleEnum.Operator)
    with pytest.raises(CancelledError):
        _unlock(store, archive, version, client, progress=progress, cancel=token)
    assert size // 2 <= seen["max"] < size, "decryption must stop soon after the cancel"
    assert seen["pids"], "podman load was running when the cancel came"
    for pid in seen["pids"]:
        assert not psutil.pid_exists(pid), "the docker process must be killed and reaped"
    _assert_clean(store, archive.parent, archive)


def test_lock_cancel_leaves_nothing(sandbox, store, make_client, tmp_path):
    version = new_version()
    store.load([ImageSpec(f"{PREFIX}loader:{version}", random_size=24 << 20, seed=3)])
    out = tmp_path / "out" / "x.tar.enc"
    token = CancelToken()

    def progress(done, total):
        if done >= 4 << 20:
            token.cancel()

    admin = make_client(role=RoleEnum.Admin)
    with pytest.raises(CancelledError):
        lock_images(version, [f"{PREFIX}loader:{version}"], out, client=admin, docker=store.docker,
                    progress=progress, cancel=token)
    assert files_under(tmp_path / "out") == []
    assert sandbox.state.get_fragment(version) is None
    assert podman_children() == [] and files_under(store.tmp) == []


# ---- no plaintext on disk ---------------------------------------------------------------------------------


def test_unlock_writes_no_plaintext_tar(sandbox, store, make_client, tmp_path, publish):
    """The app opens no file for writing during unlock (audit hook on this process), and the only plaintext
    that ever appears on disk is podman's own stdin spool inside the private TMPDIR, removed afterwards."""
    version = new_version()
    out_dir = tmp_path / "archives"
    out_dir.mkdir()
    archive = out_dir / "a.tar.enc"
    specs = service_images(SERVICES, PREFIX, version)
    specs[1] = ImageSpec(specs[1].repo_tag, random_size=16 << 20, seed=11)
    publish(archive, version, specs)
    client = make_client(role=RoleEnum.Operator)
    with DirWatch(store.tmp, out_dir) as watch, WriteAudit() as audit:
        report = _unlock(store, archive, version, client)
    assert report.all_present
    written = [p for p in audit.opened if ".log" not in os.path.basename(p) and p != os.devnull]
    assert written == [], f"the app opened files for writing during unlock: {written}"
    assert set(files_under(out_dir)) == {archive}

    def podmans(p):  # written by podman inside the private TMPDIR the app gave it
        return any(d.name.startswith("azaion-docker-") for d in p.parents if store.tmp in d.parents)

    outside = [p for p in watch.seen if store.tmp in p.parents and not podmans(p)]
    assert outside == []
    assert [p for p in watch.seen if out_dir in p.parents] == [archive]
    assert watch.seen[archive] is False
    spools = [p for p in watch.seen if podmans(p) and watch.seen[p]]
    assert spools, "the watch should have seen podman's own plaintext spool in the private TMPDIR"
    assert files_under(store.tmp) == [], "podman's spool and the private TMPDIR are gone"


def test_docker_dying_mid_stream_is_reported_and_reaped(sandbox, store, make_client, tmp_path, publish, monkeypatch):
    """podman exits at once (its storage.conf puts the store under a regular file) while we still write: the
    broken pipe becomes a DockerError with podman's own words, and podman is reaped."""
    version = new_version()
    (tmp_path / "archives").mkdir()
    archive = tmp_path / "archives" / "a.tar.enc"
    specs = service_images(SERVICES, PREFIX, version)
    specs[0] = ImageSpec(specs[0].repo_tag, random_size=8 << 20, seed=1)
    publish(archive, version, specs)
    broken = tmp_path / "broken.conf"
    (tmp_path / "a-file").write_text("")
    broken.write_text(f'[storage]\ndriver = "vfs"\ngraphroot = "{tmp_path / "a-file" / "g"}"\n'
                      f'runroot = "{tmp_path / "run2"}"\n')
    monkeypatch.setenv("CONTAINERS_STORAGE_CONF", str(broken))
    client = make_client(role=RoleEnum.Operator)
    with pytest.raises(DockerError, match="podman load failed") as info:
        _unlock(store, archive, version, client)
    assert "not a directory" in info.value.stderr
    monkeypatch.setenv("CONTAINERS_STORAGE_CONF", str(store.conf))
    _assert_clean(store, archive.parent, archive)


def test_timeouts_kill_and_reap(sandbox, store, make_client, tmp_path, publish):
    """A tool that makes no progress for stall_timeout (here: we feed it slowly) is killed before EOF, and one
    that does not finish within finish_timeout after EOF is killed too; both are reaped, errors are typed."""
    import time

    version = new_version()
    (tmp_path / "archives").mkdir()
    archive = tmp_path / "archives" / "a.tar.enc"
    specs = service_images(SERVICES, PREFIX, version)
    specs[0] = ImageSpec(specs[0].repo_tag, random_size=8 << 20, seed=2)
    publish(archive, version, specs)
    client = make_client(role=RoleEnum.Operator)
    with pytest.raises(DockerError, match="made no progress"):
        _unlock(store, archive, version, client, stall_timeout=0.2, progress=lambda d, t: time.sleep(0.4))
    _assert_clean(store, archive.parent, archive)
    with pytest.raises(DockerError, match="did not finish within"):
        _unlock(store, archive, version, client, finish_timeout=0.001)
    assert podman_children() == [] and files_under(store.tmp) == []
