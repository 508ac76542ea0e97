"""After the suite: no test password or token may appear in any log, setting or cache file the suite wrote.
Each test's tmp_path was scanned the same way when the test ended (tests/conftest.py), and GUI tests' folders too
(tests/gui/conftest.py); this scans the session folder and what is left in pytest's base temp folder (module and
session temp folders, failed tests' tmp_path)."""

from __future__ import annotations

import secrets

import pytest

from tests.conftest import SESSION_DIR, USED_SECRETS
from tests.secret_scan import TEXT_LIMIT, find_secrets, scan_tree, text_files, written_files


@pytest.mark.scan_last
def test_no_secret_in_written_files(tmp_path_factory):
    files = written_files(SESSION_DIR)
    logs = [p for p in files if ".log" in p.name]
    assert logs, "the suite should have written at least one log file"
    assert any(p.stat().st_size > 0 for p in logs)
    assert len(USED_SECRETS) > 5, "the fixtures should have recorded the passwords and tokens they used"
    assert find_secrets(files, USED_SECRETS) == []
    assert scan_tree(tmp_path_factory.getbasetemp(), USED_SECRETS) == []


@pytest.mark.planted_secret("xdg_state_home/azaion-admin/log/azaion-admin.log", "settings.json", "notes")
def test_tmp_path_scan_finds_planted_secrets(tmp_path):
    """The per-test scan sees logs, settings and other small text files under tmp_path (the fixture checks that
    it finds exactly these three, then removes them), and skips binary and oversized non-log files."""
    secret = "pw-planted-" + secrets.token_urlsafe(9)
    USED_SECRETS.add(secret)
    log = tmp_path / "xdg_state_home" / "azaion-admin" / "log" / "azaion-admin.log"
    log.parent.mkdir(parents=True)
    log.write_text(f"INFO login with {secret}\n")
    (tmp_path / "settings.json").write_text('{"token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}')
    (tmp_path / "notes").write_text(f"plain text without a suffix {secret}")
    (tmp_path / "payload.bin").write_bytes(b"\0\1\2" + secret.encode())  # binary: a resource payload, skipped
    (tmp_path / "huge.dat").write_bytes(b"a" * TEXT_LIMIT + secret.encode())  # too big to be a log or setting
    picked = {p.name for p in text_files(tmp_path)}
    assert picked == {"azaion-admin.log", "settings.json", "notes"}
