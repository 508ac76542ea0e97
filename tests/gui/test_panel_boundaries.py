"""Panels stand on their own: they take a PanelSession (gui/panels/session.py), never the main window, and tell
the window things through signals; gui modules use each other's public names only.

Before, every panel kept the window (``self.window_``) and used it about a hundred times (its client, runner,
queue, status bar, connection indicator, even another panel), and the window called panels' private methods; a
panel could not be built or tested without a whole MainWindow. The static checks read the source with ``ast``
(comments and docstrings do not count; a name in code or in a string annotation does); the live test builds the
Resources and Upload panels with a session and no window against the sandbox.
"""

from __future__ import annotations

import ast
from pathlib import Path

from PySide6.QtCore import QSettings

from core.models import RoleEnum
from tests.gui.conftest import wait_jobs, write_random

ROOT = Path(__file__).resolve().parents[2]
PANELS = ROOT / "gui" / "panels"
WINDOW_MODULES = {"gui.main_window", "gui.app"}
WINDOW_NAMES = {"window_", "MainWindow", "main_window", "AppController"}


def _annotation_names(tree: ast.AST) -> list[ast.AST]:
    """The parsed contents of string annotations (``"MainWindow"``), which ``ast`` leaves as constants."""
    parsed = []
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            annotations.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            annotations.append(node.returns)
        for annotation in annotations:
            for sub in ast.walk(annotation):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    try:
                        parsed.append(ast.parse(sub.value, mode="eval"))
                    except SyntaxError:
                        pass
    return parsed


def window_references(source: str) -> list[str]:
    """Where a panel module refers to the main window: imports of gui.main_window / gui.app, the names
    ``window_``, ``MainWindow`` (also in string annotations), and ``.window()`` (the top-level widget)."""
    tree = ast.parse(source)
    found = []
    for root in [tree, *_annotation_names(tree)]:
        for node in ast.walk(root):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Import):
                found += [f"{line}: import {a.name}" for a in node.names if a.name in WINDOW_MODULES]
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if module in WINDOW_MODULES or any(f"{module}.{a.name}" in WINDOW_MODULES for a in node.names):
                    found.append(f"{line}: from {module} import ...")
            elif isinstance(node, ast.Name) and node.id in WINDOW_NAMES:
                found.append(f"{line}: {node.id}")
            elif isinstance(node, ast.Attribute) and node.attr in WINDOW_NAMES:
                found.append(f"{line}: .{node.attr}")
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "window"
                  and not node.args):
                found.append(f"{line}: .window()")
    return found


def private_imports(source: str) -> list[str]:
    """Underscore names one module of ours imports from another (``from gui.app import _install_translator``,
    ``from core.credential_store import _backend_problem``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("core", "cli", "gui", "sandbox")
                and not node.level):
            found += [f"{node.lineno}: {node.module}.{a.name}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
    return found


def test_no_panel_refers_to_the_main_window():
    bad = {}
    for path in sorted(PANELS.glob("*.py")):
        found = window_references(path.read_text(encoding="utf-8"))
        if found:
            bad[path.name] = found
    assert bad == {}, f"panels that refer to the main window (use the PanelSession or a signal): {bad}"


def test_the_static_checks_see_what_they_look_for():
    assert window_references("def f(self):\n    return self.window_.client\n") == ["2: .window_"]
    assert window_references("from gui.main_window import MainWindow\n")[0] == "1: from gui.main_window import ..."
    assert window_references("def f(w: 'MainWindow') -> None: ...\n") == ["1: MainWindow"]
    assert window_references("from gui import main_window\n")
    assert window_references("x = self.window().statusBar()\n") == ["1: .window()"]
    assert window_references('"""Uses the main window and window_ in prose only."""\n# self.window_\n') == []
    assert private_imports("from gui.app import _install_translator, main\n") == ["1: gui.app._install_translator"]
    assert private_imports("from core.x import _y\nfrom gui.app import main\n") == ["1: core.x._y"]
    assert private_imports("from os import _exit\nfrom gui.app import main\n") == []


def test_no_module_imports_another_ones_private_names():
    bad = {}
    for path in sorted(p for pkg in ("core", "cli", "gui", "sandbox") for p in (ROOT / pkg).rglob("*.py")):
        found = private_imports(path.read_text(encoding="utf-8"))
        if found:
            bad[str(path.relative_to(ROOT))] = found
    assert bad == {}, f"modules importing another module's private names (make them public): {bad}"


def test_resources_and_upload_panels_work_with_a_session_and_no_window(qtbot, themed, make_client, new_folder,
                                                                       tmp_path):
    from gui.panels.resources import ResourcesPanel
    from gui.panels.session import PanelSession
    from gui.panels.upload import UploadPanel
    from gui.session import AppContext
    from gui.workers.queue import TransferQueue
    from gui.workers.task import TaskRunner

    client = make_client(role=RoleEnum.ResourceUploader)
    runner, queue = TaskRunner(), TransferQueue(2)
    session = PanelSession(ctx=AppContext(), user=client.get_user(), client=client, runner=runner, queue=queue,
                           qsettings=QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat))
    said: dict[str, list] = {"status": [], "errors": [], "answers": [], "browsed": [], "uploaded": []}
    session.status_message.connect(lambda text, ms: said["status"].append((text, ms)))
    session.error_noted.connect(lambda exc: said["errors"].append(exc))
    session.answered.connect(lambda: said["answers"].append(True))
    try:
        resources, upload = ResourcesPanel(session), UploadPanel(session)
        for panel in (resources, upload):
            qtbot.addWidget(panel)
        resources.folder_browsed.connect(said["browsed"].append)
        upload.uploaded.connect(lambda job, folder: said["uploaded"].append((job, folder)))
        assert resources.window() is resources and upload.window() is upload  # top-level: in no window
        assert upload.allowed() == (True, "")

        folder = new_folder("bounds")
        upload.set_folder(folder)
        upload.enqueue_paths([write_random(tmp_path / "src" / "one.bin", 50_000)])
        qtbot.waitUntil(lambda: upload.batches == 1, timeout=30000)  # after the folder's listing (no Resources)
        (job,) = upload.last_jobs
        wait_jobs(qtbot, [job])
        qtbot.waitUntil(lambda: said["uploaded"] == [(job, folder)], timeout=10000)
        text, ms = said["status"][-1]  # "file(s)" or "file": the English plural forms may be installed
        assert text.startswith("Queued 1 file") and text.endswith(f"for upload to {folder}.") and ms == 5000

        resources.set_folder(folder)
        resources.refresh()
        assert said["browsed"] == [folder]
        qtbot.waitUntil(lambda: resources.loaded_folder == folder and not resources.loading, timeout=30000)
        assert resources.names(folder) == {"one.bin"} and said["answers"]
        (row,) = resources.model.rows()
        (download,) = resources.download_rows([row], tmp_path / "out")
        assert said["status"][-1][0].startswith("Queued 1 download") and said["status"][-1][1] == 5000
        wait_jobs(qtbot, [download])
        assert (tmp_path / "out" / "one.bin").read_bytes() == (tmp_path / "src" / "one.bin").read_bytes()

        good, client.api_url = client.api_url, "http://127.0.0.1:9"
        try:
            resources.refresh()
            qtbot.waitUntil(lambda: bool(said["errors"]), timeout=30000)
        finally:
            client.api_url = good
        assert "Could not list" in resources.status_label.text()
    finally:
        queue.shutdown()
        runner.shutdown()
