"""The release bundles install pinned, hashed dependencies on both platforms: the Linux lock
(packaging/requirements.lock, `make package`) and the Windows lock (packaging/requirements-windows.lock, the
Windows workflow) pin the same version of every package they share, each pin carries hashes, every dependency the
project declares for the bundle is pinned, and the Windows workflow installs nothing unpinned."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "requirements.lock"
WINDOWS = ROOT / "packaging" / "requirements-windows.lock"
WORKFLOW = ROOT / ".github" / "workflows" / "windows-release.yml"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    """name -> version of each pin; asserts each pin is followed by at least one sha256 hash."""
    text = lock.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    pin = r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)(?: ;[^\\\n]*)?"  # name==version ; markers
    hashes = r"((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)"
    for match in re.finditer(pin + hashes, text, re.M):
        name, version, digests = match.groups()
        assert digests, f"{lock.name}: {name}=={version} has no hash"
        found[_norm(name)] = version
    return found


def test_each_lock_pins_every_bundled_dependency_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"]) + project["optional-dependencies"]["sandbox"] \
        + project["optional-dependencies"]["package"]
    for lock in (LINUX, WINDOWS):
        pinned = pins(lock)
        for requirement in wanted:
            if "sys_platform" in requirement or "platform_system" in requirement:
                continue
            name = _norm(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group())
            assert name in pinned, f"{lock.name} does not pin {name} (regenerate it: docs/development.md)"


def test_the_two_locks_pin_the_same_versions():
    linux, windows = pins(LINUX), pins(WINDOWS)
    differ = {n: (linux[n], windows[n]) for n in linux.keys() & windows.keys() if linux[n] != windows[n]}
    assert not differ, f"regenerate both locks together (docs/development.md): {differ}"
    assert "pywin32-ctypes" in windows and "secretstorage" not in windows  # resolved for Windows, not copied


def test_the_windows_workflow_installs_only_from_the_lock():
    installs = [line.strip() for line in WORKFLOW.read_text(encoding="utf-8").splitlines()
                if re.search(r"\bpip install\b", line)]
    assert installs, "the workflow installs nothing?"
    for line in installs:
        hashed = "--require-hashes" in line and "requirements-windows.lock" in line
        assert hashed or "--no-deps" in line, f"unpinned install in the Windows workflow: {line}"
