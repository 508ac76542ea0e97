"""The hostile rig: a real sandbox (API + moto S3) reached only through two hostile fronts (tests/hostile/server.py),
plus a third server on ANOTHER loopback host (127.0.0.2) that stands for "somewhere else" and records what it
receives. By default the fronts are faithful proxies, so the client speaks the real protocol (valid tokens,
cdn.yaml pointing at the S3 front, real encrypted parts); a test tells a front to misbehave per method and path:

    def test_x(hostile):
        hostile.api.on("POST", "/login", redirect(hostile.elsewhere.url + "/login"))
        client = hostile.client(login=False)
        ...
        assert hostile.elsewhere.seen == []

Rules and recordings are cleared before and after every test (``hostile`` is function-scoped over a module rig).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.hostile.server import HostileServer

ELSEWHERE_HOST = "127.0.0.2"  # another host on loopback: another origin than the fronts on 127.0.0.1


@dataclass
class HostileRig:
    sandbox: object
    api: HostileServer  # front of the sandbox API (its URL is the client's API URL)
    s3: HostileServer  # front of moto (cdn.yaml's host)
    elsewhere: HostileServer  # another origin, no upstream: answers 200 {} and records
    tmp: Path | None = None
    made: list = field(default_factory=list)

    def clear(self) -> None:
        for server in (self.api, self.s3, self.elsewhere):
            server.clear()

    def account(self, role=None, enabled: bool = True):
        """A fresh account on the sandbox (random password, recorded for the secrets scan)."""
        from core.models import Credentials, RoleEnum
        from tests.conftest import USED_SECRETS

        email = f"h-{uuid.uuid4().hex[:10]}@test.local"
        password = "pw-" + secrets.token_urlsafe(12)
        USED_SECRETS.add(password)
        self.sandbox.state.add_user(email, password, role if role is not None else RoleEnum.ResourceUploader,
                                    enabled=enabled)
        return Credentials(email, password)

    def client(self, creds=None, *, login: bool = True, **kwargs):
        """An ApiClient on the API front, with its own cache and journal folders; ``kwargs`` go to ApiClient
        (e.g. ``limits=`` for short deadlines, ``retry_policy=``)."""
        from core.api_client import ApiClient
        from tests.conftest import USED_SECRETS

        assert self.tmp is not None
        n = len(self.made)
        kwargs.setdefault("cache_dir", self.tmp / f"cache-{n}")
        kwargs.setdefault("journal_dir", self.tmp / f"journal-{n}")
        kwargs.setdefault("hardware", f"CPU: Hostile {uuid.uuid4().hex[:6]}. GPU: None. Memory: 1. DriveSerial: H")
        client = ApiClient(self.api.url, **kwargs)
        client.set_credentials(creds or self.account())
        if login:
            USED_SECRETS.add(client.login().raw)
        self.made.append(client)
        return client

    def cli_env(self, creds, **extra: str) -> dict[str, str]:
        """Environment for a real ``azaion`` subprocess: isolated XDG folders under the test's tmp, the account."""
        assert self.tmp is not None
        env = dict(os.environ)
        for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
            env[var] = str(self.tmp / "cli" / var.lower())
        env.update({"AZAION_EMAIL": creds.email, "AZAION_PASSWORD": creds.password, **extra})
        return env

    def cli_cmd(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "cli.main", "--api", self.api.url, *args]

    def cli(self, creds, *args: str, timeout: float = 120, env: dict[str, str] | None = None,
            **popen) -> subprocess.CompletedProcess:
        """Run ``azaion --api <front> ARGS`` to the end (``timeout`` is the test's own bound)."""
        return subprocess.run(self.cli_cmd(*args), env=env or self.cli_env(creds), capture_output=True, text=True,
                              timeout=timeout, **popen)

    def popen(self, creds, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen(self.cli_cmd(*args), env=env or self.cli_env(creds), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def seed(self, name: str, data: bytes, folder: str = "models") -> None:
        """Upload a big/small resource through the fronts (as they are now: call before arming rules)."""
        self.client().upload_big_small_resource(data, name, folder)


@pytest.fixture(scope="module")
def hostile_rig():
    from sandbox.server import Sandbox

    s3 = HostileServer()
    api = HostileServer()
    elsewhere = HostileServer(host=ELSEWHERE_HOST)
    sb = Sandbox(seed=False, cdn_url=s3.url).start()
    s3.upstream = sb.s3_url
    api.upstream = sb.api_url
    try:
        yield HostileRig(sb, api, s3, elsewhere)
    finally:
        sb.stop()
        for server in (api, s3, elsewhere):
            server.stop()


@pytest.fixture
def hostile(hostile_rig, tmp_path):
    """The rig, faithful again, with this test's tmp folder for clients and CLI runs."""
    from tests.conftest import USED_SECRETS

    hostile_rig.clear()
    hostile_rig.tmp = tmp_path
    hostile_rig.made = []
    yield hostile_rig
    for client in hostile_rig.made:
        if client.token is not None:
            USED_SECRETS.add(client.token.raw)
    hostile_rig.clear()
