"""core.credential_store against real keyring backends (no mocks of keyring).

The Secret Service test runs a child process inside scripts/with-keyring.sh: a private D-Bus session with an
unlocked gnome-keyring, HOME and XDG folders in a temporary folder. The no-backend tests use keyring's own
``fail.Keyring`` backend (what keyring picks when nothing is available) and its ``null`` / empty chainer ones.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from core.credential_store import CredentialStore

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SESSION_SCRIPT = REPO / "scripts" / "with-keyring.sh"
CHILD = HERE / "keyring_child.py"


def run_child(mode: str, password: str, env_extra: dict[str, str], wrap: bool) -> dict:
    env = dict(os.environ)
    env.update(env_extra)
    env["AZAION_TEST_PASSWORD"] = password
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    argv = [sys.executable, str(CHILD), mode]
    if wrap:
        argv = ["sh", str(SESSION_SCRIPT), *argv]
    proc = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"child failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result from child:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(lines[-1])


def files_containing(root: Path, needle: str) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if needle.encode() in data or needle.encode("utf-16-le") in data:
                hits.append(path)
    return hits


# -- real Secret Service (gnome-keyring in a private D-Bus session) ------------------------------------------


def require_keyring_tools() -> None:
    """Fail (not skip) when the real Secret Service cannot be started: the test must not pass silently."""
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not installed: the keyring tests need a real Secret Service "
            "(Debian packages 'dbus' and 'gnome-keyring'; `make test` installs them)"
        )


def test_secret_service_round_trip(tmp_path: Path) -> None:
    require_keyring_tools()
    password = "pw-" + secrets.token_urlsafe(16)
    session_home = tmp_path / "keyring-session"
    result = run_child("secretservice", password, {"KEYRING_SESSION_HOME": str(session_home)}, wrap=True)

    assert "SecretService" in result["backend"]
    assert result["usable"] is True
    assert result["saved"] is True
    assert result["last_warning"] is None
    assert result["loaded_matches"] is True
    assert result["direct_matches"] is True  # keyring.get_password in the same session sees it
    assert result["fresh_store_matches"] is True  # it is in the keyring, not only in memory
    assert result["after_forget_is_none"] is True
    assert result["direct_after_forget_is_none"] is True
    # gnome-keyring encrypts its file with the keyring password: the secret is not in any file in clear.
    assert list(session_home.rglob("*.keyring")), "gnome-keyring did not create its keyring file"
    assert files_containing(session_home, password) == []


def test_a_password_too_long_for_windows_credential_manager_is_not_stored(tmp_path: Path) -> None:
    # Credential Manager holds 2560 bytes (UTF-16: 1280 characters): a longer password stays in memory, in every
    # keyring (here the real Secret Service), with a clear warning; the older remembered one is removed so it
    # cannot come back, and the keyring stays usable for the next password.
    require_keyring_tools()
    password = "long-" + "p" * 1276  # 1281 characters: 2562 bytes as UTF-16
    session_home = tmp_path / "keyring-session"
    result = run_child("toolong", password, {"KEYRING_SESSION_HOME": str(session_home)}, wrap=True)

    assert "SecretService" in result["backend"]
    assert result["short_saved"] is True
    assert result["saved"] is False
    assert "too long for the system keyring (2562 bytes" in result["last_warning"]
    assert "at most 2560" in result["last_warning"] and "in memory for this session only" in result["last_warning"]
    assert result["still_usable"] is True
    assert result["loaded_matches"] is True
    assert result["direct"] is None and result["fresh_store"] is None
    assert result["edge_saved"] is True and result["edge_direct_matches"] is True
    assert result["wide_saved"] is False and result["wide_direct"] is None
    assert files_containing(session_home, password) == []


# -- no usable backend -----------------------------------------------------------------------------------------


def test_no_backend_in_a_child_process_keeps_password_in_memory_only(
    isolated_home: dict[str, Path], tmp_path: Path
) -> None:
    password = "pw-" + secrets.token_urlsafe(16)
    env = {var: str(path) for var, path in isolated_home.items()}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    result = run_child("nobackend", password, env, wrap=False)

    assert result["backend"] == "keyring.backends.fail.Keyring"
    assert result["usable"] is False
    assert result["saved"] is False
    assert "No usable system keyring" in result["last_warning"]
    assert "in memory for this session only" in result["last_warning"]
    assert result["loaded_matches"] is True  # same process: from memory
    assert result["direct_is_none"] is True
    assert result["fresh_store_matches"] is False  # nothing persisted anywhere
    assert result["after_forget_is_none"] is True

    log_file = Path(result["log_file"])
    settings_file = Path(result["settings_file"])
    assert log_file.is_file() and settings_file.is_file()
    assert "No usable system keyring" in log_file.read_text()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert log_file in written and settings_file in written
    assert files_containing(tmp_path, password) == []


@pytest.fixture
def global_keyring():
    """Restore keyring's process-wide backend after a test that changes it."""
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def test_no_backend_in_process_with_fail_keyring(global_keyring, tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    store = CredentialStore()
    password = "pw-" + secrets.token_urlsafe(16)
    assert store.backend_name() == "keyring.backends.fail.Keyring"
    assert store.is_usable() is False
    assert store.save("production", "a@b.c", password) is False
    assert store.last_warning and "kept in memory for this session only" in store.last_warning
    assert store.load("production", "a@b.c") == password
    assert store.load("production", "other@b.c") is None
    assert CredentialStore().load("production", "a@b.c") is None
    store.forget("production", "a@b.c")
    assert store.load("production", "a@b.c") is None
    assert files_containing(tmp_path, password) == []


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring()],
    ids=["fail", "null"],
)
def test_unusable_backends(backend: KeyringBackend) -> None:
    store = CredentialStore(backend=backend)
    assert store.is_usable() is False
    assert store.save("p", "e@x.y", "secret-1234") is False
    assert store.load("p", "e@x.y") == "secret-1234"


def test_chainer_without_backends_is_unusable(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring.backend

    monkeypatch.setattr(keyring.backend, "_limit", lambda kr: False)  # keyring's own filter hook: allow none
    backend = chainer.ChainerBackend()
    assert list(backend.backends) == []
    store = CredentialStore(backend=backend)
    assert store.is_usable() is False
    assert "ChainerBackend()" in store.backend_name()


def test_locked_secret_service_is_unusable_and_falls_back_to_memory(tmp_path: Path) -> None:
    require_keyring_tools()
    password = "pw-" + secrets.token_urlsafe(16)
    session_home = tmp_path / "keyring-session"
    result = run_child("locked", password, {"KEYRING_SESSION_HOME": str(session_home)}, wrap=True)

    assert result["collection_locked"] is True
    assert "SecretService" in result["backend"]
    assert result["usable"] is False
    assert result["saved"] is False
    assert "locked" in result["last_warning"] and "in memory for this session only" in result["last_warning"]
    assert result["loaded_matches"] is True
    assert result["fresh_store_matches"] is False
    assert result["after_forget_is_none"] is True
    assert files_containing(session_home, password) == []


def test_service_names() -> None:
    assert CredentialStore().service_for("stage") == "azaion-admin:stage"
    assert CredentialStore("other").service_for("x") == "other:x"
