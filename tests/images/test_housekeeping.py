"""``azaion images ls|rm|prune`` (core/images/housekeeping.py) with REAL podman in an isolated store
(tests/podman_store.py): versions grouped with sizes and completeness, other images never listed or touched,
a version a container uses (running or stopped) never removed, the kept ones reported with the reason."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from sandbox.tarball import ImageSpec, service_images
from tests.images.conftest import PREFIX, SERVICES, podman_children

ALL = ",".join(SERVICES)


def azaion(store, *args: str) -> subprocess.CompletedProcess:
    """The CLI with the store's docker and the test's services/prefix (the store's environment is inherited)."""
    return subprocess.run([sys.executable, "-m", "cli.main", "images", *args, "--docker", store.docker,
                           "--services", ALL, "--prefix", PREFIX], capture_output=True, text=True, timeout=180)


def inspect_size(store, name: str) -> int:
    return int(store.cli.run(["image", "inspect", "--format", "{{.Size}}", name]).stdout.strip())


@pytest.fixture
def containers(store, monkeypatch):
    """``run(image)`` starts a container (sleeping) from ``image``; ``create(image)`` makes a stopped one. Private
    podman state (containers.conf's tmp_dir) and the host's /usr mounted read-only for ``sleep``; runc with
    cgroupfs where it is installed (crun refuses this machine's hybrid cgroups). All removed at the end."""
    engine = store.root / "engine"
    engine.mkdir()
    runtime = shutil.which("runc")
    conf = store.root / "containers.conf"
    conf.write_text(f'[engine]\ntmp_dir = "{engine}"\ncgroup_manager = "cgroupfs"\n'
                    + (f'runtime = "{runtime}"\n' if runtime else ""))
    monkeypatch.setenv("CONTAINERS_CONF", str(conf))
    names: list[str] = []
    mounts = [arg for d in ("/usr", "/lib", "/lib64") if Path(d).exists() for arg in ("-v", f"{d}:{d}:ro")]

    def start(image: str, *, running: bool) -> str:
        name = f"hk-{uuid.uuid4().hex[:8]}"
        # podman raises the limits by default, which this machine does not allow: lower ones always work
        limit = [] if not running else ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
        verb = ["run", "-d"] if running else ["create"]
        store.cli.run([*verb, "--name", name, "--network", "none", *limit, *mounts, image, "/usr/bin/sleep", "600"],
                      timeout=120)
        names.append(name)
        return name

    class Containers:
        def run(self, image: str) -> str:
            return start(image, running=True)

        def create(self, image: str) -> str:
            return start(image, running=False)

        def remove(self, name: str) -> None:
            store.cli.run(["rm", "-f", "-t", "0", name], timeout=120)
            names.remove(name)

    yield Containers()
    for name in names:
        subprocess.run([store.docker, "rm", "-f", "-t", "0", name], capture_output=True, timeout=120)


def load_versions(store, complete: list[str], partial: dict[str, list[str]]) -> None:
    specs: list[ImageSpec] = []
    for version in complete:
        specs += service_images(SERVICES, PREFIX, version)
    for version, services in partial.items():
        specs += service_images(services, PREFIX, version)
    specs += [ImageSpec("other/thing:1.0", {"x": b"not ours"}), ImageSpec(f"{PREFIX}radar:1.9.0", {"r": b"r"})]
    store.load(specs)


def test_images_ls_groups_versions_with_sizes_and_completeness(store):
    load_versions(store, ["1.10.0", "1.9.0"], {"2.0.0": ["loader", "annotations"]})
    res = azaion(store, "ls", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert [v["version"] for v in doc["versions"]] == ["1.9.0", "1.10.0", "2.0.0"]  # natural order, oldest first
    by = {v["version"]: v for v in doc["versions"]}
    assert by["1.9.0"]["complete"] and by["1.10.0"]["complete"] and not by["2.0.0"]["complete"]
    assert by["2.0.0"]["missing"] == ["detections", "gps-denied"]
    for v in doc["versions"]:
        assert [i["name"] for i in v["images"]] == [f"{PREFIX}{i['service']}:{v['version']}" for i in v["images"]]
        for image in v["images"]:
            assert image["size"] == inspect_size(store, image["name"]) > 0
            assert image["containers"] == [] and len(image["id"]) == 64
        assert v["size"] == sum(i["size"] for i in v["images"]) and v["in_use"] is False
    assert doc["disk_used"] == sum(v["size"] for v in doc["versions"])
    names = {i["name"] for v in doc["versions"] for i in v["images"]}
    assert not any("other/thing" in n or "radar" in n for n in names)  # not the platform's: never listed

    text = azaion(store, "ls")
    assert text.returncode == 0
    rows = [line.split("\t") for line in text.stdout.splitlines()]
    assert [r[0] for r in rows] == ["1.9.0", "1.10.0", "2.0.0"]
    assert rows[2][1] == "incomplete (missing: detections, gps-denied)" and rows[2][3] == "2/4 services"
    assert rows[0][1] == "complete" and rows[0][4] == "-"
    assert "3 version(s)" in text.stderr


def test_rm_and_prune_never_remove_what_a_container_uses(store, containers):
    load_versions(store, ["1.8.0", "1.9.0", "1.10.0", "2.0.0"], {})
    running = containers.run(f"{PREFIX}loader:1.8.0")
    stopped = containers.create(f"{PREFIX}detections:1.9.0")
    before = store.images()

    listed = json.loads(azaion(store, "ls", "--json").stdout)
    use = {v["version"]: (v["in_use"], v["running"]) for v in listed["versions"]}
    assert use == {"1.8.0": (True, True), "1.9.0": (True, False), "1.10.0": (False, False), "2.0.0": (False, False)}

    rm = azaion(store, "rm", "--tag", "1.8.0")
    assert rm.returncode == 1, rm.stderr  # asked to remove it and could not
    assert rm.stdout == f"kept 1.8.0: in use: {PREFIX}loader:1.8.0 is used by running container {running}\n"
    assert store.images() == before

    dry = azaion(store, "prune", "--keep", "1", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would remove version 1.10.0" in dry.stdout.splitlines() and store.images() == before

    pruned = azaion(store, "prune", "--keep", "1", "--json")
    assert pruned.returncode == 0, pruned.stderr
    doc = json.loads(pruned.stdout)
    assert doc["removed_versions"] == ["1.10.0"] and doc["failed"] == [] and doc["dry_run"] is False
    assert sorted(doc["removed_images"]) == sorted(f"{PREFIX}{s}:1.10.0" for s in SERVICES)
    assert doc["freed"] > 0
    kept = {k["version"]: k["reason"] for k in doc["kept"]}
    assert kept == {
        "2.0.0": "the newest version",
        "1.8.0": f"in use: {PREFIX}loader:1.8.0 is used by running container {running}",
        "1.9.0": f"in use: {PREFIX}detections:1.9.0 is used by stopped container {stopped}",
    }
    assert store.images() == before - {f"{PREFIX}{s}:1.10.0" for s in SERVICES}
    state = store.cli.run(["container", "inspect", "--format", "{{.State.Running}}", running]).stdout.strip()
    assert state == "true"  # the running container was not disturbed

    containers.remove(running)
    gone = azaion(store, "rm", "--tag", "1.8.0")
    assert gone.returncode == 0, gone.stderr
    assert gone.stdout.splitlines()[-1] == "removed version 1.8.0"
    rest = azaion(store, "prune", "--keep", "0")
    assert rest.returncode == 0, rest.stderr
    assert store.images() == {"other/thing:1.0", f"{PREFIX}radar:1.9.0"} | {f"{PREFIX}{s}:1.9.0" for s in SERVICES}
    assert podman_children() == []


def test_bad_requests_remove_nothing(store):
    load_versions(store, ["1.0.0"], {})
    before = store.images()
    for args, message in ((["rm", "--tag", "9.9.9"], "no image of version 9.9.9 is present (versions present: 1.0.0)"),
                          (["rm", "--tag", "../x"], "is not a valid image tag")):
        res = azaion(store, *args)
        assert res.returncode == 1 and res.stdout == "", res.stderr
        assert res.stderr.startswith("error: ") and message in res.stderr
    missing = subprocess.run([sys.executable, "-m", "cli.main", "images", "ls", "--docker", "/no/such/docker"],
                             capture_output=True, text=True, timeout=60, env={**os.environ})
    assert missing.returncode == 1 and "not found" in missing.stderr
    assert store.images() == before
