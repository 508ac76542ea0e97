"""Answers of the wrong shape from a hostile server end in a clear ProtocolError, never in an "unexpected" crash:
a login token that is not a string or whose claims are nested 100,000 deep, JSON answers nested as deep."""

from __future__ import annotations

import base64

import pytest

from core.errors import ProtocolError, ServerError
from tests.hostile.server import json_reply, reply


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("token", [5, None, ["a"], {"a": 1},
                                   _b64(b'{"alg":"HS256"}') + "." + _b64(b'{"a":' + DEEP + b"}") + ".c2ln"],
                         ids=["int", "null", "list", "object", "claims nested 100k deep"])
def test_login_token_of_the_wrong_shape(hostile, token):
    hostile.api.on("POST", "/login", json_reply({"token": token}))
    client = hostile.client(login=False)
    with pytest.raises(ProtocolError, match="token"):
        client.login()


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
