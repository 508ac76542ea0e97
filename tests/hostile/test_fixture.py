"""The hostile rig itself: faithful by default (a real round trip through both fronts), and each behaviour does
what it says on a raw socket (so the client tests that use them test the client, not the fixture)."""

from __future__ import annotations

import http.client
import json
import os
import time

from tests.hostile.server import endless, redirect, reply, stall, trickle


def test_faithful_round_trip_through_both_fronts(hostile):
    data = os.urandom(50_000)
    hostile.seed("fixture.bin", data)
    client = hostile.client()
    assert client.load_big_small_resource("fixture.bin", "models") == data
    assert hostile.api.requests("POST", "/login") and hostile.api.requests("POST", "/resources/get/models")
    assert hostile.s3.requests("GET", "/models/fixture.bin.big")
    assert hostile.elsewhere.seen == []


def _raw(server, method="GET", path="/x", body=b"", timeout=5.0):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    conn.request(method, path, body=body)
    return conn, conn.getresponse()


def test_behaviours_on_the_wire(hostile):
    api = hostile.api
    api.on("POST", "/login", redirect(hostile.elsewhere.url + "/login", 308), times=1)
    conn, resp = _raw(api, "POST", "/login", b'{"a": 1}')
    assert resp.status == 308 and resp.getheader("Location") == hostile.elsewhere.url + "/login"
    conn.close()
    conn, resp = _raw(api, "POST", "/login", b"{}")  # times=1: back to the sandbox's answer
    assert resp.status == 400 and json.loads(resp.read())["ErrorCode"] == 90
    conn.close()

    api.on("GET", "/resources/list/*", endless(b"x" * 1000))
    conn, resp = _raw(api, "GET", "/resources/list/models")
    assert resp.getheader("Transfer-Encoding") == "chunked"
    assert len(resp.read(200_000)) == 200_000
    conn.close()

    api.on("GET", "/slow", trickle(b"abc", every=0.3))
    started = time.monotonic()
    conn, resp = _raw(api, "GET", "/slow")
    assert resp.read() == b"abc" and time.monotonic() - started >= 0.6
    conn.close()

    api.on("GET", "/quiet", stall())
    conn = http.client.HTTPConnection(api.host, api.port, timeout=0.5)
    conn.request("GET", "/quiet")
    try:
        conn.getresponse()
        raise AssertionError("a stalled answer came")
    except TimeoutError:
        pass
    conn.close()

    hostile.elsewhere.on("*", "*", reply(201, "made"))
    conn, resp = _raw(hostile.elsewhere, "PUT", "/any", b"secret")
    assert resp.status == 201 and resp.read() == b"made"
    assert hostile.elsewhere.requests("PUT", "/any")[0].body == b"secret"
    assert [s.path for s in api.seen] == ["/login", "/login", "/resources/list/models", "/slow", "/quiet"]
