"""After the suite: no test password or token may appear in any log, setting or cache file the suite wrote."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SESSION_DIR, USED_SECRETS

JWT = re.compile(rb"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*")


@pytest.mark.scan_last
def test_no_secret_in_written_files():
    files = [p for p in SESSION_DIR.rglob("*") if p.is_file() and p.stat().st_size < 64 << 20]
    logs = [p for p in files if ".log" in p.name]
    assert logs, "the suite should have written at least one log file"
    assert any(p.stat().st_size > 0 for p in logs)
    assert len(USED_SECRETS) > 5, "the fixtures should have recorded the passwords and tokens they used"
    found = []
    for path in files:
        data = path.read_bytes()
        if JWT.search(data):
            found.append((path, "a JWT"))
        for secret in USED_SECRETS:
            if secret.encode() in data:
                found.append((path, "a test password or token"))
    assert found == []
