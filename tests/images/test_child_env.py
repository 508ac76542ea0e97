"""No secret of ours reaches a child process (issue 11): ``AZAION_PASSWORD`` and whatever else the user's shell
exports (``MY_API_TOKEN``, ``AWS_SECRET_ACCESS_KEY``, a ``CONTAINERS_``-prefixed password...) must not be in the
environment of docker/podman (the real CLI's ``unlock`` and ``images``), of the hardware queries (``check``), or of
the GUI's ``docker --version``. The commands are wrappers that write their environment to a file and then run
the real tool: the real podman must still work with what it is given (PATH, HOME, CONTAINERS_STORAGE_CONF, the
private TMPDIR, DOCKER_CONFIG...)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from core.models import RoleEnum
from tests.conftest import USED_SECRETS
from tests.images.conftest import PREFIX, SERVICES, new_version

TOKEN = "tok-" + secrets.token_hex(12)
AWS_SECRET = "aws-" + secrets.token_hex(12)
PODMAN_SECRET = "pod-" + secrets.token_hex(12)
SECRET_VARS = {
    "MY_API_TOKEN": TOKEN,
    "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
    "CONTAINERS_REGISTRY_PASSWORD": PODMAN_SECRET,
    "GITHUB_TOKEN": TOKEN,
}
USED_SECRETS.update({TOKEN, AWS_SECRET, PODMAN_SECRET})  # the dumps are scanned too: none may hold them


def _dumping(tmp_path: Path, name: str, real: str | None) -> tuple[Path, Path]:
    """A program ``name`` that appends its environment (NUL-separated, one dump per run) to a file and then runs
    ``real`` with its arguments (or prints a fixed line when ``real`` is None). The file's path is written into
    the script: an environment variable would be scrubbed."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    dump = tmp_path / f"{name}.env"
    script = bindir / name
    tail = f'exec "{real}" "$@"\n' if real else "echo '00:02.0 VGA compatible controller: Fake GPU (env dump)'\n"
    script.write_text(f'#!/bin/sh\n{{ env -0; printf "\\036"; }} >> "{dump}"\n{tail}')
    script.chmod(0o755)
    return script, dump


def _dumps(dump: Path) -> list[dict[str, str]]:
    runs = []
    for block in dump.read_bytes().split(b"\x1e"):
        entries = [e.decode("utf-8", "replace") for e in block.split(b"\0") if e]
        if entries:
            runs.append(dict(e.split("=", 1) for e in entries if "=" in e))
    return runs


def _assert_clean(runs: list[dict[str, str]], password: str) -> None:
    assert runs, "the wrapper never ran"
    for env in runs:
        leaked = [k for k, v in env.items() if k in SECRET_VARS or k == "AZAION_PASSWORD"
                  or any(s in v for s in (password, TOKEN, AWS_SECRET, PODMAN_SECRET))]
        assert leaked == [], f"secrets reached the child: {leaked}"
        assert env.get("PATH") == os.environ["PATH"] or env.get("PATH", "").endswith(os.environ["PATH"])
        assert env.get("HOME") == os.environ["HOME"]


def _cli(sandbox, *args: str, password: str, email: str, extra: dict[str, str] | None = None):
    env = {**os.environ, **SECRET_VARS, "AZAION_PASSWORD": password, "AZAION_EMAIL": email, **(extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "--api", sandbox.api_url, *args],
        capture_output=True, text=True, env=env, timeout=300,
    )


def test_unlock_and_images_run_docker_with_a_scrubbed_environment(sandbox, store, make_account, publish, tmp_path):
    """``azaion unlock`` (--version, load, the check) and ``azaion images`` through a dumping wrapper around the
    real podman: every run of it lacks the password and the other secrets, keeps what podman needs (PATH, HOME,
    CONTAINERS_STORAGE_CONF, DOCKER_CONFIG, LC_ALL) and gets its private TMPDIR; and the images really load."""
    docker, dump = _dumping(tmp_path, "docker-envdump", store.docker)
    version = new_version()
    archive = tmp_path / "images.tar.enc"
    publish(archive, version)
    creds = make_account(RoleEnum.Operator)
    extra = {"DOCKER_CONFIG": str(tmp_path / "docker-config"), "LC_ALL": "C.UTF-8"}
    res = _cli(sandbox, "unlock", str(archive), "--tag", version, "--docker", str(docker),
               "--prefix", PREFIX, password=creds.password, email=creds.email, extra=extra)
    assert res.returncode == 0, res.stderr
    assert [line.split() for line in res.stdout.splitlines()] == [["ok", f"{PREFIX}{s}:{version}"] for s in SERVICES]
    again = _cli(sandbox, "images", "--tag", version, "--docker", str(docker), "--prefix", PREFIX,
                 password=creds.password, email=creds.email, extra=extra)
    assert again.returncode == 0, again.stderr
    runs = _dumps(dump)
    assert len(runs) >= 3  # --version, load, images (x2)
    _assert_clean(runs, creds.password)
    for env in runs:
        assert env["CONTAINERS_STORAGE_CONF"] == os.environ["CONTAINERS_STORAGE_CONF"]
        assert env["DOCKER_CONFIG"] == extra["DOCKER_CONFIG"] and env["LC_ALL"] == "C.UTF-8"
        assert Path(env["TMPDIR"]).parent == store.tmp  # the private per-call folder, under our TMPDIR
    assert "AZAION_EMAIL" not in runs[0]


def test_check_runs_the_hardware_queries_with_a_scrubbed_environment(sandbox, make_account, tmp_path):
    """``azaion check`` collects the hardware string: ``lspci`` (first on PATH, a dumping fake) must not get the
    password or the other secrets either."""
    lspci, dump = _dumping(tmp_path, "lspci", None)
    creds = make_account(RoleEnum.Operator)
    res = _cli(sandbox, "check", password=creds.password, email=creds.email,
               extra={"PATH": f"{lspci.parent}{os.pathsep}{os.environ['PATH']}"})
    assert res.returncode == 0, res.stderr
    runs = _dumps(dump)
    _assert_clean(runs, creds.password)
    assert runs[0]["PATH"].startswith(str(lspci.parent))


def test_gui_docker_version_runs_with_a_scrubbed_environment(store, tmp_path, monkeypatch):
    """The GUI's ``docker --version`` probe (the unlock panel's docker line) gets the same environment."""
    from gui.workers.images import docker_info

    docker, dump = _dumping(tmp_path, "docker-envdump", store.docker)
    password = "pw-" + secrets.token_hex(12)
    USED_SECRETS.add(password)
    monkeypatch.setenv("AZAION_PASSWORD", password)
    for name, value in SECRET_VARS.items():
        monkeypatch.setenv(name, value)
    info = docker_info(str(docker))
    assert info.version and "podman" in info.version.lower()
    _assert_clean(_dumps(dump), password)
