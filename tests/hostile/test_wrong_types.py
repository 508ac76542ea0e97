"""Answers nested too deep for Python's JSON parser (RecursionError, which is not a ValueError) end in a clear
ProtocolError or ServerError, never in an "unexpected" crash."""

from __future__ import annotations

import pytest

from core.errors import ProtocolError, ServerError
from tests.hostile.server import reply

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(("method", "path", "call"), [
    ("GET", "/resources/list/models", lambda c: c.list_files("models")),
    ("GET", "/users/current", lambda c: c.get_user()),
    ("POST", "/login", lambda c: c.login()),
])
def test_json_nested_too_deep(hostile, method, path, call):
    client = hostile.client()
    hostile.api.on(method, path, reply(200, DEEP))
    with pytest.raises(ProtocolError, match="not JSON|no token"):
        call(client)


def test_error_body_nested_too_deep(hostile):
    client = hostile.client()
    hostile.api.on("GET", "/resources/list/models", reply(500, DEEP[:60_000]))
    with pytest.raises(ServerError, match="server error 500"):
        client.list_files("models")
