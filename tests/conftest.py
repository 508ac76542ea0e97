"""Shared fixtures: every test run is isolated (XDG dirs in a temp folder), talks to a real sandbox (Flask API +
moto S3 on loopback) and records the secrets it used so the final scan can prove none reached a log or setting."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

SESSION_DIR = Path(tempfile.mkdtemp(prefix="azaion-tests-"))
for _var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(SESSION_DIR / _var.lower())
os.environ.pop("AZAION_PASSWORD", None)
os.environ.pop("AZAION_EMAIL", None)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

USED_SECRETS: set[str] = set()
"""Passwords and tokens used by tests; tests/test_zz_secrets.py scans logs and settings for them."""


def pytest_configure(config: pytest.Config) -> None:
    from core.logs import setup_logging

    config.addinivalue_line(
        "markers", "planted_secret(*paths): the test plants secrets in these tmp_path files; the scan must find them"
    )
    setup_logging()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave nothing behind: each run wrote ~350 MB here, and runs that kept it filled the disk of the machine CI
    runs on. AZAION_KEEP_TEST_FILES=1 keeps it (logs, settings, caches) for a look after the run."""
    if os.environ.get("AZAION_KEEP_TEST_FILES"):
        print(f"\nkept the suite's session folder: {SESSION_DIR}")
        return
    shutil.rmtree(SESSION_DIR, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The secrets scan must see everything the suite wrote: run it last."""
    items.sort(key=lambda item: item.get_closest_marker("scan_last") is not None)


@pytest.fixture(autouse=True)
def scan_tmp_path_for_secrets(request: pytest.FixtureRequest):
    """Every test's tmp_path (and so the XDG folders, logs and settings tests create in it) is scanned for the
    test passwords and tokens when the test ends, before pytest removes it (tmp_path_retention_policy). Only
    text-like files are read (tests/secret_scan.py), so multi-GB payloads cost a stat each."""
    if "tmp_path" not in request.fixturenames:
        yield
        return
    from tests.secret_scan import scan_tree

    root: Path = request.getfixturevalue("tmp_path")  # torn down after this fixture, so still there below
    yield
    found = scan_tree(root, USED_SECRETS)
    planted = request.node.get_closest_marker("planted_secret")
    if planted is not None:  # the self-test: the scan must find exactly what was planted, which is then removed
        for path, _what in found:
            path.unlink(missing_ok=True)
        assert sorted({str(p.relative_to(root)) for p, _ in found}) == sorted(planted.args)
        return
    assert found == [], f"a test password or token was written to disk: {found}"


@pytest.fixture(scope="session")
def sandbox():
    from sandbox.server import Sandbox

    sb = Sandbox().start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def make_account(sandbox):
    """Create a fresh account on the sandbox (unique email, random password) so tests never share bindings."""
    from core.models import Credentials, RoleEnum

    def make(role: RoleEnum = RoleEnum.ResourceUploader, enabled: bool = True) -> Credentials:
        email = f"t-{uuid.uuid4().hex[:10]}@test.local"
        password = "pw-" + secrets.token_urlsafe(12)
        USED_SECRETS.add(password)
        sandbox.state.add_user(email, password, role, enabled=enabled)
        return Credentials(email, password)

    return make


@pytest.fixture
def make_client(sandbox, make_account, tmp_path):
    """A logged-in ApiClient with its own cache folder and machine identity."""
    from core.api_client import ApiClient
    from core.models import RoleEnum

    made = []

    def make(creds=None, *, role: RoleEnum = RoleEnum.ResourceUploader, hardware: str | None = None,
             cache_dir: Path | None = None, login: bool = True, api_url: str | None = None, **kwargs):
        creds = creds or make_account(role)
        client = ApiClient(
            api_url or sandbox.api_url,
            cache_dir=cache_dir or tmp_path / f"cache-{len(made)}",
            hardware=hardware or f"CPU: Test {uuid.uuid4().hex[:6]}. GPU: None. Memory: 1024. DriveSerial: T1",
            **kwargs,
        )
        client.set_credentials(creds)
        if login:
            USED_SECRETS.add(client.login().raw)
        made.append(client)
        return client

    yield make
    for client in made:
        if client.token is not None:
            USED_SECRETS.add(client.token.raw)
