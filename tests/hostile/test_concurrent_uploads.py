"""Concurrent uploads of one name converge (docs/protocol.md, "Concurrent uploads"). The per-name lock covers one
machine: two clients here have their own cache, journal folder and machine identity, so nothing serialises them.
The API front holds upload A's final small-part POST while upload B runs to the end; before, the server kept B's
big part with A's small part and every later download failed. Now A reads the pair back, sends its parts again
(the last writer wins) and says so; or, if B finished after A's small part, A reports that B superseded it."""

from __future__ import annotations

import random
import threading

from core.models import RoleEnum
from tests.hostile.server import hold

FOLDER = "models"
ROUNDS = 10


def _run(client, data: bytes, name: str, out: dict, key: str) -> None:
    events: list[str] = []
    try:
        out[key] = (client.upload_big_small_resource(data, name, FOLDER, on_event=events.append), events)
    except BaseException as exc:
        out[key] = (exc, events)


def _race(hostile, front, method: str, pattern: str, first, second, data_first: bytes, data_second: bytes,
          name: str) -> dict:
    """``first``'s request ``method pattern`` on ``front`` is held until ``second``'s whole upload is done."""
    arrived, release = threading.Event(), threading.Event()
    front.on(method, pattern, hold(arrived, release), times=1)
    out: dict = {}
    t = threading.Thread(target=_run, args=(first, data_first, name, out, "first"))
    t.start()
    try:
        assert arrived.wait(60), "the first upload's request never arrived"
        _run(second, data_second, name, out, "second")
    finally:
        release.set()
        t.join(120)
    assert not t.is_alive()
    return out


def test_a_late_small_part_post_is_repaired_and_the_pair_downloads(hostile, tmp_path):
    name = "race.bin"
    a, b = hostile.client(), hostile.client()
    reader = hostile.client(hostile.account(RoleEnum.Operator))
    for rnd in range(ROUNDS):
        rng = random.Random(rnd)
        first, second = (a, b) if rnd % 2 == 0 else (b, a)
        data_first, data_second = rng.randbytes(20_000 + rnd * 1000), rng.randbytes(30_000 + rnd * 997)
        out = _race(hostile, hostile.api, "POST", f"/resources/{FOLDER}", first, second, data_first, data_second,
                    name)
        report_first, events_first = out["first"]
        report_second, events_second = out["second"]
        assert not isinstance(report_first, BaseException), report_first
        assert not isinstance(report_second, BaseException), report_second
        got = reader.load_big_small_resource(name, FOLDER)
        assert got in (data_first, data_second)
        assert got == data_first, f"round {rnd}: the downloaded pair is not the last writer's input"
        # B finished while A's small part was in flight: A's small part landed last, so A re-sent its big part
        # and its pair is the one on the server; both say what happened.
        assert report_second.outcome == "uploaded"
        assert report_first.outcome == "repaired", (rnd, events_first)
        assert any("sending this upload's parts again" in e for e in events_first)
        assert any("are the ones on the server now" in e for e in events_first)


def test_an_upload_finished_after_this_ones_small_part_supersedes_it(hostile, tmp_path):
    """A's read-back is held (its HEAD on the CDN front) until B's upload is done: B wrote last, its pair is
    consistent, so A leaves it and says it was superseded."""
    name = "race2.bin"
    a, b = hostile.client(), hostile.client()
    reader = hostile.client(hostile.account(RoleEnum.Operator))
    for rnd in range(3):
        rng = random.Random(100 + rnd)
        data_a, data_b = rng.randbytes(22_000), rng.randbytes(26_000)
        out = _race(hostile, hostile.s3, "HEAD", f"/{FOLDER}/{name}.big", a, b, data_a, data_b, name)
        report_a, events_a = out["first"]
        report_b, _ = out["second"]
        assert not isinstance(report_a, BaseException), report_a
        assert report_b.outcome == "uploaded"
        assert report_a.outcome == "superseded", events_a
        assert any("superseded" in e for e in events_a)
        assert reader.load_big_small_resource(name, FOLDER) == data_b
