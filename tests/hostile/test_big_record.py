"""The API's big-part record as the client meets it from a server that misbehaves (docs/protocol.md, "Tamper
evidence"): a malformed record is refused before anything is written; an upload whose pair cannot be read back
succeeds and says it was not checked."""

from __future__ import annotations

import pytest

from core.errors import ProtocolError
from tests.hostile.server import reply, set_header


@pytest.mark.parametrize("value", ["not-hex", "a" * 63, "g" * 64])
def test_a_malformed_big_record_is_refused_before_output(hostile, tmp_path, value):
    hostile.seed("rec.bin", b"r" * 20_000)
    hostile.api.on("POST", "/resources/get/models", set_header("X-Big-Sha256", value))
    client = hostile.client()
    with pytest.raises(ProtocolError, match="big-part record is malformed"):
        client.download_big_small_resource("rec.bin", "models", tmp_path / "o")
    assert not (tmp_path / "o").exists()
    assert client.cache.lookup("models", "rec.bin") is None and client.cache.leftovers() == []


def test_an_upload_that_cannot_read_its_pair_back_says_so(hostile, tmp_path):
    client = hostile.client()
    client.cdn  # noqa: B018 - cdn.yaml fetched before the API's reads are refused
    hostile.api.on("POST", "/resources/get/models", reply(404, b'{"statusCode":404,"message":"gone"}'))
    events: list[str] = []
    report = client.upload_big_small_resource(b"u" * 20_000, "unver.bin", "models", on_event=events.append)
    assert report.outcome == "unverified"
    assert any("could not read the pair back" in e for e in events)
    hostile.clear()
    assert hostile.client().load_big_small_resource("unver.bin", "models") == b"u" * 20_000
