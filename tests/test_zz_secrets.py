"""After the suite: no test password or token may appear in any log, setting or cache file the suite wrote (GUI
tests' folders were scanned the same way when each test ended, then removed; see tests/gui/conftest.py)."""

from __future__ import annotations

import pytest

from tests.conftest import SESSION_DIR, USED_SECRETS
from tests.secret_scan import find_secrets, written_files


@pytest.mark.scan_last
def test_no_secret_in_written_files():
    files = written_files(SESSION_DIR)
    logs = [p for p in files if ".log" in p.name]
    assert logs, "the suite should have written at least one log file"
    assert any(p.stat().st_size > 0 for p in logs)
    assert len(USED_SECRETS) > 5, "the fixtures should have recorded the passwords and tokens they used"
    assert find_secrets(files, USED_SECRETS) == []
