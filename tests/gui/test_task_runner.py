"""TaskRunner.run_latest: with two refreshes in flight, only the newer one's answer reaches the panel, whichever
thread finishes last (the older listing is held back here until the newer one has answered)."""

from __future__ import annotations

import threading

import pytest

from gui.workers.task import TaskRunner


@pytest.fixture
def runner(qapp):
    r = TaskRunner()
    yield r
    r.shutdown()


def test_older_answer_arriving_last_is_dropped(qtbot, runner):
    release_old = threading.Event()
    seen: list[str] = []

    def old() -> str:
        release_old.wait(10)
        return "old"

    runner.run_latest("listing", old, seen.append, seen.append, name="old")
    runner.run_latest("listing", lambda: "new", seen.append, seen.append, name="new")
    qtbot.waitUntil(lambda: seen == ["new"], timeout=5000)
    release_old.set()
    qtbot.waitUntil(lambda: runner.busy == 0, timeout=5000)
    assert seen == ["new"]
    assert runner.calls("listing") == 2


def test_older_failure_arriving_last_is_dropped(qtbot, runner):
    release_old = threading.Event()
    ok: list[str] = []
    errors: list[BaseException] = []

    def old() -> str:
        release_old.wait(10)
        raise ConnectionError("the old request failed")

    runner.run_latest("listing", old, ok.append, errors.append)
    runner.run_latest("listing", lambda: "new", ok.append, errors.append)
    qtbot.waitUntil(lambda: ok == ["new"], timeout=5000)
    release_old.set()
    qtbot.waitUntil(lambda: runner.busy == 0, timeout=5000)
    assert errors == []


def test_keys_are_independent_and_plain_run_always_answers(qtbot, runner):
    seen: list[str] = []
    runner.run_latest(("suite", False), lambda: "production", seen.append)
    runner.run_latest(("suite", True), lambda: "stage", seen.append)
    runner.run(lambda: "plain", seen.append)
    runner.run(lambda: "plain again", seen.append)
    qtbot.waitUntil(lambda: runner.busy == 0, timeout=5000)
    assert sorted(seen) == ["plain", "plain again", "production", "stage"]
    assert runner.calls(("suite", False)) == 1 and runner.calls("never") == 0
