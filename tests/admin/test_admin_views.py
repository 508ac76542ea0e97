"""Hardware charts, suites and installers, keyboard access, language switch, themes and icon contrast."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from core.models import RoleEnum
from gui.assets import resources_dir
from gui.theme import apply_theme, is_dark, set_language

FLEET = [
    "CPU: Intel Core i7-10700. GPU: NVIDIA GeForce RTX 3060. Memory: 16318908. DriveSerial: A1",  # 15.6 GiB, KB
    "CPU: Intel Core i7-10700. GPU: NVIDIA GeForce RTX 3060. Memory: 16384. DriveSerial: A2",  # MB
    "CPU: Intel Core i7-10700. GPU: Intel UHD 630. Memory: 8 GB. DriveSerial: A3",
    "CPU: AMD Ryzen 5 5600X. GPU: NVIDIA GeForce RTX 3060. Memory: 32. DriveSerial: A4",  # GB
    "CPU: AMD Ryzen 5 5600X, GPU: Unknown, Memory: 33554432, DriveSerial: A5",  # legacy commas, KB
    None,  # not bound yet
]


@pytest.fixture
def english():
    yield
    set_language("en")


@pytest.fixture
def restore_theme(qapp):
    yield
    apply_theme(qapp, "system")


def test_hardware_charts_show_the_right_slices_and_counts(qtbot, logged_in, add_users):
    domain, emails = add_users(FLEET)
    controller, _ = logged_in(RoleEnum.Admin)
    window = controller.window
    panel = window.hardware_panel
    window.show_panel("hardware")
    panel.search_edit.setText(domain)
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.loading and len(panel.users) == len(FLEET), timeout=20000)

    assert panel.cpu_chart.counts() == [("Intel Core i7-10700", 3), ("AMD Ryzen 5 5600X", 2)]
    assert panel.gpu_chart.counts() == [("NVIDIA GeForce RTX 3060", 3), ("Intel UHD 630", 1), ("Unknown", 1)]
    assert panel.memory_chart.counts() == [("16 GB", 2), ("32 GB", 2), ("8 GB", 1)]
    assert panel.cpu_chart.legend_texts() == ["3 × Intel Core i7-10700", "2 × AMD Ryzen 5 5600X"]
    assert sum(s.value() for s in panel.memory_chart.series.slices()) == 5
    assert panel.summary.text() == "6 users, 5 with a bound machine — 1 not bound yet (not in the charts)"

    # A slice lists the users it counts (click or the keyboard-reachable combo).
    panel.memory_chart.series.slices()[1].clicked.emit()
    assert [panel.details.item(i).text() for i in range(panel.details.count())] == [emails[3], emails[4]]
    combo = panel.slice_combo
    index = next(i for i in range(combo.count()) if combo.itemText(i) == "CPU: Intel Core i7-10700 — 3")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert [panel.details.item(i).text() for i in range(panel.details.count())] == emails[:3]


def test_many_models_fold_into_other(qtbot, logged_in, add_users):
    domain, emails = add_users([f"CPU: Model {i:02d}. GPU: G. Memory: 8192. DriveSerial: S{i}" for i in range(11)]
                               + ["CPU: Model 00. GPU: G. Memory: 8192. DriveSerial: X"])
    controller, _ = logged_in(RoleEnum.Admin)
    panel = controller.window.hardware_panel
    panel.search_edit.setText(domain)
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.loading and len(panel.users) == 12, timeout=20000)
    counts = panel.cpu_chart.counts()
    assert len(counts) == 8 and counts[0] == ("Model 00", 2) and counts[-1] == ("Other", 4)
    assert sum(n for _, n in counts) == 12
    assert len(panel.users_in_slice("cpu", "Other")) == 4


def test_suites_side_by_side_and_installer_downloads(qtbot, logged_in, sandbox, tmp_path):
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    window.show_panel("suites")
    panel = window.suites_panel
    qtbot.waitUntil(lambda: panel.production.loaded and panel.stage.loaded, timeout=20000)
    assert "readme.txt" in panel.production.names() and "readme.txt" in panel.stage.names()
    assert panel.production.title() == "Production (suite)" and panel.stage.title() == "Stage (suite-stage)"
    assert not panel.production.upload_button.isEnabled()  # an operator may not change the suites

    jobs = []
    for box, stage in ((panel.production, False), (panel.stage, True)):
        target = tmp_path / ("stage" if stage else "prod")
        target.mkdir()
        jobs.append((box.download_installer(target), target, stage))
    qtbot.waitUntil(lambda: all(job.state.finished for job, _, _ in jobs), timeout=30000)
    for job, target, stage in jobs:
        served = sandbox.state.get_installer(stage)
        assert job.state.value == "done", job.message
        assert (target / served.filename).read_bytes() == served.data
        assert [p.name for p in target.iterdir()] == [served.filename]
    stage_name = sandbox.state.get_installer(True).filename
    assert panel.stage.status.text() == f"Saved {stage_name} (4.0 KiB) in {tmp_path / 'stage'}"
    assert panel.stage.status.toolTip() == str(tmp_path / "stage" / stage_name)
    assert any(j.title == "Production installer" for j in window.queue.jobs)


def test_suite_upload_and_typed_clear(qtbot, logged_in, sandbox, tmp_path):
    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    panel = window.suites_panel
    box = panel.stage
    window.show_panel("suites")
    qtbot.waitUntil(lambda: box.loaded, timeout=20000)
    src = tmp_path / "notes.txt"
    src.write_bytes(b"stage notes")
    (job,) = box.upload([src])
    qtbot.waitUntil(lambda: job.state.finished, timeout=30000)
    qtbot.waitUntil(lambda: "notes.txt" in box.names(), timeout=20000)
    assert sandbox.state.get_file("suite-stage", "notes.txt.small") is not None
    assert box.clear("clear") is False  # must be typed exactly
    assert box.clear("CLEAR") is True
    qtbot.waitUntil(lambda: sandbox.state.list_files("suite-stage") == [], timeout=20000)
    qtbot.waitUntil(lambda: box.names() == [], timeout=20000)
    sandbox.state.put_file("suite-stage", "readme.txt", b"restored for other tests\n")


def test_keyboard_shortcuts(qtbot, logged_in, monkeypatch):
    controller, _ = logged_in(RoleEnum.Admin)
    window = controller.window
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)

    qtbot.keyClick(window, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)  # Users, fixed per panel
    assert window.current_panel() is window.users_panel
    panel = window.users_panel
    qtbot.waitUntil(lambda: panel.loaded and not panel.loading, timeout=20000)
    seq = window.runner.calls("users-listing")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.runner.calls("users-listing") == seq + 1
    qtbot.waitUntil(lambda: not panel.loading, timeout=20000)

    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is panel.search_edit

    picked = []
    monkeypatch.setattr(window.upload_panel, "pick_files", lambda: picked.append(True))
    qtbot.keyClick(window, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert picked == [True] and window.current_panel() is window.upload_panel

    window.show_panel("resources")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.resources_panel.search_edit

    # Panel actions have shortcuts that work while the users panel has focus.
    window.show_panel("users")
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    from gui.dialogs.users import CreateUserDialog

    dialogs = panel.findChildren(CreateUserDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialogs[0].reject()
    text = window.shortcuts_text()
    for keys in ("F5\tRefresh", "Ctrl+U\tUpload files…", "Ctrl+F\tFind", "Del\tUsers: Delete…"):
        assert keys in text, text


def test_switching_language_retranslates_the_window(qtbot, logged_in, english):
    controller, _ = logged_in(RoleEnum.Admin)
    window = controller.window
    window.show_panel("users")

    def nav() -> list[str]:
        return [window.nav.item(i).text() for i in range(window.nav.count())]

    assert nav()[:4] == ["Resources", "Upload", "Image unlock", "Suites"]
    old_panel = window.users_panel
    window.ctx.settings.language = "uk"
    window.settings_applied(language_before="en")
    qtbot.waitUntil(lambda: nav()[0] == "Ресурси", timeout=10000)
    # The old widgets are deleted by Qt in this (the GUI) thread, not left to Python's garbage collector.
    qtbot.waitUntil(lambda: not shiboken6.isValid(old_panel), timeout=5000)
    assert nav() == ["Ресурси", "Вивантаження", "Розблокування образів", "Набори", "Користувачі", "Обладнання",
                     "Передавання", "Журнал"]
    assert window.current_panel().key == "users"  # the same panel stays shown
    assert window.users_panel.new_action.text() == "&Новий користувач…"
    assert window.refresh_action.text() == "&Оновити"
    assert window.role_label.text() == "Адміністратор"
    assert window.connection_label.text() == "Під'єднано"
    qtbot.waitUntil(lambda: window.users_panel.loaded and not window.users_panel.loading, timeout=20000)
    assert re.fullmatch(r"\d+ користувач(і|ів)?", window.users_panel.count_label.text())

    window.ctx.settings.language = "en"
    window.settings_applied(language_before="uk")
    qtbot.waitUntil(lambda: nav()[0] == "Resources", timeout=10000)
    assert window.users_panel.new_action.text() == "&New user…"
    # The rebuilt window holds each shortcut once (a leftover action would make F5 ambiguous).
    assert [a.text() for a in window.actions() if a.shortcut() == QKeySequence("F5")] == ["&Refresh"]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    seq = window.runner.calls("users-listing")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.runner.calls("users-listing") == seq + 1


def test_login_dialog_in_ukrainian(qtbot, app_factory, english):
    set_language("uk")
    controller = app_factory()
    qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=10000)
    dialog = controller.login_dialog
    assert dialog.windowTitle() == "Azaion Admin — Вхід"
    assert dialog.login_button.text() == "Увійти"
    assert dialog.remember_box.text() == "Запам'ятати мене на цьому комп'ютері"


def test_dark_theme_and_following_the_system(qtbot, logged_in, restore_theme, monkeypatch):
    import gui.theme as theme

    controller, _ = logged_in(RoleEnum.Admin)
    window = controller.window
    app = QApplication.instance()
    apply_theme(app, "dark")
    assert is_dark() and theme.current_theme() == "dark"
    chart = window.hardware_panel.cpu_chart
    qtbot.waitUntil(lambda: is_dark(chart.palette()), timeout=5000)
    chart.apply_palette()
    assert chart.chart_.backgroundBrush().color().lightness() < 128
    apply_theme(app, "light")
    assert not is_dark()

    # "system" follows the platform's colour scheme, also when it changes while running.
    monkeypatch.setattr(theme, "system_prefers_dark", lambda app=None: True)
    apply_theme(app, "system")
    assert is_dark()
    monkeypatch.setattr(theme, "system_prefers_dark", lambda app=None: False)
    theme._on_system_scheme_changed()
    assert not is_dark()
    apply_theme(app, "dark")
    monkeypatch.setattr(theme, "system_prefers_dark", lambda app=None: False)
    theme._on_system_scheme_changed()  # an explicit choice is not overridden by the system
    assert is_dark()


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


ICONS = sorted(p.name for p in (resources_dir() / "icons").glob("*.svg") if p.name != "app.svg")  # logo: own background


@pytest.mark.parametrize("svg", ICONS)
def test_icons_are_readable_on_light_and_dark(svg):
    text = (Path(resources_dir()) / "icons" / svg).read_text()
    colours = {c.lower() for c in re.findall(r'(?:stroke|fill)="(#[0-9a-fA-F]{6})"', text)}
    assert colours, svg
    backgrounds = {"light window": "#efefef", "light base": "#ffffff", "dark window": "#2d2f33",
                   "dark base": "#1e1f22"}
    for colour in colours:
        for name, bg in backgrounds.items():
            assert _contrast(colour, bg) >= 3.0, f"{svg}: {colour} on {name} ({bg})"


def _translations_build():
    import importlib.util

    path = resources_dir() / "translations" / "build.py"
    spec = importlib.util.spec_from_file_location("azaion_translations_build", path)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build


def test_compiled_translations_match_their_sources():
    """The committed .qm files are what lrelease makes of the committed .ts files (the build needs no Qt tools)."""
    assert _translations_build().stale_qm() == []


def test_every_interface_string_is_translated():
    """Every string of gui/ is in the catalogues and translated (after changing strings: build.py update,
    translate, build.py release)."""
    assert _translations_build().catalogue_problems() == []
