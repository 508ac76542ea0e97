"""`azaion unlock / lock / images / fetch-archive` as a user runs them: real subprocesses, real podman in an
isolated store, against the session's (seeded) sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from core.models import RoleEnum
from sandbox.images import SAMPLE_VERSION
from sandbox.state import DEMO_PASSWORD
from tests.images.conftest import PREFIX, SERVICES, files_under, new_version, podman_children


def azaion(sandbox, *args, email, password=DEMO_PASSWORD, env=None, timeout=180):
    full_env = {**os.environ, "AZAION_PASSWORD": password, "AZAION_EMAIL": email, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "--api", sandbox.api_url, *args],
        capture_output=True, text=True, env=full_env, timeout=timeout,
    )


def lines(res):
    return [line.split() for line in res.stdout.splitlines()]


def test_fresh_sandbox_sample_unlocks_with_default_settings(sandbox, store, tmp_path):
    """fetch-archive + unlock with nothing configured but the docker command (settings.json says podman):
    the default service list and prefix match the sandbox's sample archive."""
    config = tmp_path / "config"
    (config / "azaion-admin").mkdir(parents=True)
    (config / "azaion-admin" / "settings.json").write_text(json.dumps({"docker_command": store.docker}))
    env = {"XDG_CONFIG_HOME": str(config)}
    archive = tmp_path / "sample.tar.enc"
    operator = "operator@sandbox.local"
    got = azaion(sandbox, "fetch-archive", SAMPLE_VERSION, "-o", str(archive), email=operator, env=env)
    assert got.returncode == 0, got.stderr
    assert archive.is_file() and f"to {archive}" in got.stdout

    before = azaion(sandbox, "images", "--tag", SAMPLE_VERSION, email=operator, env=env)
    assert before.returncode == 1
    assert lines(before) == [["missing", f"{PREFIX}{s}:{SAMPLE_VERSION}"] for s in SERVICES]

    res = azaion(sandbox, "unlock", str(archive), "--tag", SAMPLE_VERSION, email=operator, env=env)
    assert res.returncode == 0, res.stderr
    assert lines(res) == [["ok", f"{PREFIX}{s}:{SAMPLE_VERSION}"] for s in SERVICES]
    assert "Traceback" not in res.stderr
    assert store.images() == {f"{PREFIX}{s}:{SAMPLE_VERSION}" for s in SERVICES}

    after = azaion(sandbox, "images", "--tag", SAMPLE_VERSION, "--docker", store.docker, email=operator)
    assert after.returncode == 0 and lines(after) == lines(res)
    assert podman_children() == []


def test_overrides_and_missing_service_exit_status(sandbox, store, tmp_path):
    archive = tmp_path / "sample.tar.enc"
    op = "validator@sandbox.local"
    assert azaion(sandbox, "fetch-archive", SAMPLE_VERSION, "-o", str(archive), email=op).returncode == 0
    res = azaion(sandbox, "unlock", str(archive), "--tag", SAMPLE_VERSION, "--docker", store.docker,
                 "--services", "loader,radar", "--prefix", PREFIX, email=op)
    assert res.returncode == 1, res.stderr
    assert lines(res) == [["ok", f"{PREFIX}loader:{SAMPLE_VERSION}"], ["missing", f"{PREFIX}radar:{SAMPLE_VERSION}"]]
    other = azaion(sandbox, "images", "--tag", SAMPLE_VERSION, "--docker", store.docker, "--services",
                   "annotations", "--prefix", "other/", email=op)
    assert other.returncode == 1 and lines(other) == [["missing", f"other/annotations:{SAMPLE_VERSION}"]]


def test_lock_then_unlock_via_cli(sandbox, store, tmp_path, make_account):
    from sandbox.tarball import service_images

    version = new_version()
    store.load(service_images(["loader", "annotations"], PREFIX, version))
    out = tmp_path / "out" / "locked.tar.enc"
    images = [f"{PREFIX}loader:{version}", f"{PREFIX}annotations:{version}"]
    admin = make_account(RoleEnum.Admin)
    res = azaion(sandbox, "lock", "--tag", version, "-o", str(out), "--docker", store.docker, *images,
                 email=admin.email, password=admin.password)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("locked 2 image(s) into") and sandbox.state.get_fragment(version) is not None
    store.clear()
    op = make_account(RoleEnum.Operator)
    res = azaion(sandbox, "unlock", str(out), "--tag", version, "--docker", store.docker,
                 "--services", "loader,annotations", email=op.email, password=op.password)
    assert res.returncode == 0, res.stderr
    assert [row[0] for row in lines(res)] == ["ok", "ok"]


def test_cli_errors_are_one_line(sandbox, store, tmp_path, make_account):
    archive = tmp_path / "a.tar.enc"
    op = "operator@sandbox.local"
    assert azaion(sandbox, "fetch-archive", SAMPLE_VERSION, "-o", str(archive), email=op).returncode == 0
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 1
    bad = tmp_path / "bad.tar.enc"
    bad.write_bytes(data)
    cases = [
        (["unlock", str(bad), "--tag", SAMPLE_VERSION, "--docker", store.docker], op, "tampered"),
        (["unlock", str(archive), "--tag", SAMPLE_VERSION, "--docker", "no-such-docker"], op, "not found"),
        (["unlock", str(archive), "--tag", "0.0.0-none", "--docker", store.docker], op, "No key fragment"),
        (["unlock", str(tmp_path / "nope.enc"), "--tag", "1", "--docker", store.docker], op, "no such archive"),
        (["lock", "--tag", "1", "-o", str(tmp_path / "x.enc"), "--docker", store.docker, "a:1"], op,
         "Admin or ApiAdmin"),
        (["fetch-archive", "0.0.0-none", "-o", str(tmp_path / "y.enc")], op, "error: "),
        (["images", "--tag", "bad/version", "--docker", store.docker], op, "not a valid image tag"),
    ]
    for args, email, message in cases:
        res = azaion(sandbox, *args, email=email)
        assert res.returncode == 1, (args, res.stdout, res.stderr)
        err = res.stderr.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], (args, res.stderr)
    assert store.images() == set()
    assert sorted(p.name for p in files_under(tmp_path) if "containers" not in p.parts) == ["a.tar.enc", "bad.tar.enc"]
