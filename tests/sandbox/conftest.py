"""Fixtures for the sandbox tests: one started Sandbox(seed=False) on free loopback ports, real HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from core.models import RoleEnum
from sandbox.server import Sandbox
from sandbox.state import DEMO_PASSWORD

HW = "CPU: Sandbox Test CPU. GPU: Unknown. Memory: 16318908. DriveSerial: TEST-0001"


@pytest.fixture(scope="package")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=False) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _no_leftover_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sb" in request.fixturenames:
        request.getfixturevalue("sb").state.clear_faults()


class Api:
    """Thin requests wrapper: base URL plus an optional bearer token."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base = base
        self.token = token

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return requests.request(method, self.base + path, headers=headers, timeout=10, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.call("DELETE", path, **kwargs)


def login(sandbox: Sandbox, email: str, password: str = DEMO_PASSWORD) -> Api:
    resp = requests.post(f"{sandbox.api_url}/login", json={"email": email, "password": password}, timeout=10)
    assert resp.status_code == 200, resp.text
    return Api(sandbox.api_url, resp.json()["token"])


@pytest.fixture
def new_account(sb: Sandbox):
    """Factory for fresh accounts, so tests never share hardware bindings or enabled flags."""

    def make(role: RoleEnum = RoleEnum.Operator, password: str | None = None) -> tuple[str, str]:
        password = password or "pw-" + uuid.uuid4().hex
        email = f"t-{uuid.uuid4().hex[:10]}@sandbox.local"
        sb.state.add_user(email, password, role)
        return email, password

    return make
