"""Issue 13 item 5: a download into a folder holding the name, or an upload of a name the server's folder lists,
asks first (Replace / Keep both / Skip, "apply to all" for several); without an answer nothing is replaced."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QCheckBox, QMessageBox, QPushButton

from core.fileio import OutputExistsError
from core.models import RoleEnum
from gui.overwrite import keep_both_name
from gui.workers.jobs import JobState, download_job
from tests.gui.conftest import queue_uploads, wait_jobs, write_random

OLD = b"the user's own file, not to be lost\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Answerer:
    """Answers each overwrite question as it opens (from outside the dialog's exec loop, like a user):
    ``answers`` are (button object name or "escape", tick "apply to all")."""

    def __init__(self, qtbot, answers: list[tuple[str, bool]]) -> None:
        self.qtbot = qtbot
        self.answers = list(answers)
        self.questions: list[str] = []
        self.had_apply_all: list[bool] = []
        self.timer = QTimer()
        self.timer.setInterval(30)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def _poll(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.objectName() == "overwriteQuestion" and widget.isVisible():
                if not self.answers:
                    return
                button, apply_all = self.answers.pop(0)
                self.questions.append(widget.text())
                check = widget.findChild(QCheckBox, "applyToAll")
                self.had_apply_all.append(check is not None)
                if apply_all:
                    check.setChecked(True)
                if button == "escape":
                    self.qtbot.keyClick(widget, Qt.Key.Key_Escape)
                else:
                    widget.findChild(QPushButton, button).click()
                return

    def stop(self) -> None:
        self.timer.stop()


@pytest.fixture
def answer(qtbot, modal_watch):
    """``answer(answers)``: an Answerer of the overwrite questions, announced to the GUI tests' modal watch (which
    fails a test on any question it did not announce)."""
    modal_watch.expect("overwriteQuestion")
    made: list[Answerer] = []

    def make(answers: list[tuple[str, bool]]) -> Answerer:
        made.append(Answerer(qtbot, answers))
        return made[-1]

    yield make
    for answerer in made:
        answerer.stop()


def _folder_with(make_client, new_folder, tmp_path: Path, names: list[str]) -> tuple[str, dict[str, bytes]]:
    folder = new_folder("ow")
    uploader = make_client(role=RoleEnum.ResourceUploader)
    sources = {}
    for name in names:
        path = write_random(tmp_path / "src" / name, 50_000)
        uploader.upload_big_small_resource(path, name, folder)
        sources[name] = path.read_bytes()
    return folder, sources


def _open_folder(qtbot, window, folder: str) -> None:
    panel = window.resources_panel
    window.show_panel("resources")
    panel.set_folder(folder)
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.loading and panel.loaded_folder == folder, timeout=20000)


def _select_all(panel) -> None:
    panel.table.selectAll()


def test_download_asks_replace_keep_both_skip_per_file(answer, qtbot, logged_in, make_client, new_folder, tmp_path):
    names = ["a.bin", "b.tar.gz", "c.bin", "d.bin"]
    folder, sources = _folder_with(make_client, new_folder, tmp_path, names)
    out = tmp_path / "out"
    out.mkdir()
    for name in names[:3]:  # d.bin is new: no question for it
        (out / name).write_bytes(OLD)
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    panel = window.resources_panel
    _open_folder(qtbot, window, folder)
    _select_all(panel)
    answers = answer([("replaceButton", False), ("keepBothButton", False), ("skipButton", False)])
    jobs = panel.download_selected(out)
    answers.stop()
    assert len(answers.questions) == 3 and not answers.answers
    assert answers.had_apply_all == [True, True, False]  # offered while other existing names remain
    assert len(jobs) == 3  # a (replace), b (keep both), d (new); c skipped
    wait_jobs(qtbot, jobs)
    assert all(j.state is JobState.DONE for j in jobs), [j.message for j in jobs]
    assert (out / "a.bin").read_bytes() == sources["a.bin"]
    assert (out / "b.tar.gz").read_bytes() == OLD
    assert (out / "b (1).tar.gz").read_bytes() == sources["b.tar.gz"]
    assert (out / "c.bin").read_bytes() == OLD
    assert (out / "d.bin").read_bytes() == sources["d.bin"]
    assert sorted(p.name for p in out.iterdir()) == ["a.bin", "b (1).tar.gz", "b.tar.gz", "c.bin", "d.bin"]


@pytest.mark.parametrize("button", ["replaceButton", "keepBothButton", "skipButton"])
def test_download_apply_to_all_asks_once(answer, button, qtbot, logged_in, make_client, new_folder, tmp_path):
    names = ["a.bin", "b.bin", "c.bin"]
    folder, sources = _folder_with(make_client, new_folder, tmp_path, names)
    out = tmp_path / "out"
    out.mkdir()
    for name in names:
        (out / name).write_bytes(OLD)
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    panel = window.resources_panel
    _open_folder(qtbot, window, folder)
    _select_all(panel)
    answers = answer([(button, True), ("skipButton", False), ("skipButton", False)])
    jobs = panel.download_selected(out)
    answers.stop()
    assert len(answers.questions) == 1
    wait_jobs(qtbot, jobs)
    assert all(j.state is JobState.DONE for j in jobs), [j.message for j in jobs]
    for name in names:
        stem = name.removesuffix(".bin")
        if button == "replaceButton":
            assert (out / name).read_bytes() == sources[name]
        else:
            assert (out / name).read_bytes() == OLD
        if button == "keepBothButton":
            assert (out / f"{stem} (1).bin").read_bytes() == sources[name]
    assert len(jobs) == {"replaceButton": 3, "keepBothButton": 3, "skipButton": 0}[button]


def test_without_an_answer_nothing_is_replaced(answer, qtbot, logged_in, make_client, new_folder, tmp_path):
    folder, _ = _folder_with(make_client, new_folder, tmp_path, ["a.bin", "b.bin"])
    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.bin", "b.bin"):
        (out / name).write_bytes(OLD)
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    panel = window.resources_panel
    _open_folder(qtbot, window, folder)
    _select_all(panel)
    answers = answer([("escape", False), ("escape", False)])
    jobs = panel.download_selected(out)
    answers.stop()
    assert len(answers.questions) == 2 and jobs == []
    # A double click (the last download folder) asks as well.
    answers = answer([("escape", False)])
    panel.table.doubleClicked.emit(panel.proxy.index(0, 0))
    answers.stop()
    assert len(answers.questions) == 1
    assert window.queue.jobs == []
    # A job that was not told to replace (a restored one, or a file that appeared after the question) refuses.
    job = download_job(window.client, folder, "a.bin", out)
    window.queue.add(job)
    wait_jobs(qtbot, [job])
    assert job.state is JobState.FAILED and isinstance(job.error, OutputExistsError), job.message
    for name in ("a.bin", "b.bin"):
        assert (out / name).read_bytes() == OLD
    assert sorted(p.name for p in out.iterdir()) == ["a.bin", "b.bin"]


def test_enter_and_a_double_click_download_into_the_last_folder_and_ask(
    answer, qtbot, logged_in, make_client, new_folder, tmp_path
):
    """Enter on the current row (a keyboard user tabbed into the table: the row is current, not selected) does
    what a real double click does: download into the last folder, asking first about the file there."""
    from PySide6.QtCore import QItemSelectionModel

    folder, sources = _folder_with(make_client, new_folder, tmp_path, ["a.bin"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.bin").write_bytes(OLD)
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    panel = window.resources_panel
    window.qsettings.setValue("resources/last_download_dir", str(out))
    _open_folder(qtbot, window, folder)
    panel.table.setFocus()
    panel.table.selectionModel().setCurrentIndex(panel.proxy.index(0, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    assert panel.selected_rows() == []

    answers = answer([("skipButton", False)])
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert len(answers.questions) == 1 and "a.bin" in answers.questions[0]
    assert window.queue.jobs == [] and (out / "a.bin").read_bytes() == OLD

    answers = answer([("keepBothButton", False)])
    viewport, at = panel.table.viewport(), panel.table.visualRect(panel.proxy.index(0, 0)).center()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=at)  # a double click's first press, as a mouse sends
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=at)
    assert len(answers.questions) == 1
    (job,) = window.queue.jobs
    wait_jobs(qtbot, [job])
    assert job.state is JobState.DONE, job.message
    assert (out / "a.bin").read_bytes() == OLD and (out / "a (1).bin").read_bytes() == sources["a.bin"]


def test_upload_of_a_listed_name_asks(answer, qtbot, logged_in, make_client, new_folder, tmp_path):
    folder, sources = _folder_with(make_client, new_folder, tmp_path, ["x.bin", "y.bin", "z.bin"])
    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    window.upload_panel.set_folder(folder)
    new = {n: write_random(tmp_path / "new" / n, 40_000) for n in ("x.bin", "y.bin", "z.bin", "w.bin")}
    # The Resources panel does not show this folder: the panel lists it once, then asks.
    answers = answer([("replaceButton", False), ("keepBothButton", False), ("skipButton", False)])
    jobs = queue_uploads(qtbot, window, list(new.values()))
    answers.stop()
    assert len(answers.questions) == 3
    assert sorted(j.title for j in jobs) == ["w.bin", "x.bin", "y (1).bin"]
    wait_jobs(qtbot, jobs)
    assert all(j.state is JobState.DONE for j in jobs), [j.message for j in jobs]
    reader = make_client(role=RoleEnum.Operator)

    def server(name: str) -> bytes:
        return reader.load_big_small_resource(name, folder)

    assert server("x.bin") == new["x.bin"].read_bytes()
    assert server("y.bin") == sources["y.bin"]
    assert server("y (1).bin") == new["y.bin"].read_bytes()
    assert server("z.bin") == sources["z.bin"]
    assert server("w.bin") == new["w.bin"].read_bytes()


def test_upload_uses_the_resources_listing_and_apply_to_all(
    answer, qtbot, logged_in, make_client, new_folder, tmp_path
):
    folder, sources = _folder_with(make_client, new_folder, tmp_path, ["x.bin", "y.bin"])
    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    _open_folder(qtbot, window, folder)  # the shown listing answers: no listing request before asking
    window.upload_panel.set_folder(folder)
    new = [write_random(tmp_path / "new" / n, 30_000) for n in ("x.bin", "y.bin")]
    answers = answer([("skipButton", True)])
    jobs = window.upload_panel.enqueue_paths(new)  # synchronous: the listing is the panel's
    answers.stop()
    assert jobs == [] and len(answers.questions) == 1
    reader = make_client(role=RoleEnum.Operator)
    assert reader.load_big_small_resource("x.bin", folder) == sources["x.bin"]


def test_keep_both_names():
    taken = {"a (1).bin", "b.tar.gz"}
    assert keep_both_name("a.bin", taken.__contains__) == "a (2).bin"
    assert keep_both_name("b.tar.gz", taken.__contains__) == "b (1).tar.gz"
    assert keep_both_name(".env", taken.__contains__) == ".env (1)"
    assert keep_both_name("noext", taken.__contains__) == "noext (1)"
    long = "n" * 250 + ".bin"
    assert len(keep_both_name(long, taken.__contains__).encode()) <= 255
