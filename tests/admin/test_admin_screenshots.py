"""Screenshots of every panel (with the admin ones) and the admin dialogs in the light and the dark theme, with real
sandbox data, written to $AZAION_SCREENSHOT_DIR/{light,dark}/ when it is set (else into the suite's session folder,
removed after the run)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication

from core.models import RoleEnum
from gui.theme import apply_theme, is_dark, set_language
from tests.conftest import SESSION_DIR

# Rendered on every run (the non-blank checks always apply); kept for a reviewer when the variable names a folder.
SHOT_DIR = os.environ.get("AZAION_SCREENSHOT_DIR") or str(SESSION_DIR / "screenshots")

FLEET = [
    "CPU: Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz. GPU: NVIDIA GeForce RTX 3060. Memory: 16318908. DriveSerial: S4EW1",
    "CPU: Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz. GPU: NVIDIA GeForce RTX 3060. Memory: 16384. DriveSerial: S4EW2",
    "CPU: Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz. GPU: Intel UHD Graphics 630. Memory: 8 GB. DriveSerial: S4EW3",
    "CPU: AMD Ryzen 5 5600X 6-Core Processor. GPU: NVIDIA GeForce RTX 3060. Memory: 33554432. DriveSerial: WD-7",
    "CPU: AMD Ryzen 5 5600X 6-Core Processor. GPU: AMD Radeon RX 6600. Memory: 32768. DriveSerial: WD-8",
    "CPU: Intel(R) Xeon(R) W-2245 CPU @ 3.90GHz. GPU: NVIDIA RTX A4000. Memory: 65536000. DriveSerial: SN-9",
    "CPU: ARM Cortex-A78AE (Jetson Orin). GPU: NVIDIA Ampere (Orin). Memory: 7990000. DriveSerial: EMMC-1",
    "CPU: ARM Cortex-A78AE (Jetson Orin). GPU: NVIDIA Ampere (Orin). Memory: 7990000. DriveSerial: EMMC-2",
    None,
]


def _save(widget, theme: str, name: str) -> Path:
    QApplication.processEvents()
    image = widget.grab().toImage()
    path = Path(SHOT_DIR) / theme / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(path)), path
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 1, f"{path} is blank"
    return path


def test_admin_screenshots_light_and_dark(qtbot, logged_in, add_users, sandbox, tmp_path):
    domain, emails = add_users(FLEET, domain="fleet.example")  if sandbox.state.get_user("u00@fleet.example") \
        is None else ("fleet.example", [f"u{i:02d}@fleet.example" for i in range(len(FLEET))])
    sandbox.state.set_enabled(emails[4], False)
    sandbox.state.set_role(emails[0], RoleEnum.Validator)
    sandbox.state.set_role(emails[6], RoleEnum.CompanionPC)
    sandbox.state.set_role(emails[7], RoleEnum.CompanionPC)
    from datetime import UTC, datetime, timedelta

    for i, email in enumerate(emails[:6]):
        sandbox.state.set_last_login(email, datetime(2026, 11, 20, 9, 0, tzinfo=UTC) + timedelta(hours=7 * i))
    sandbox.state.put_file("suite", "AzaionSuite-1.4.2-release-notes.txt", b"notes\n")
    sandbox.state.put_file("suite-stage", "AzaionSuite-1.5.0-rc1-changes.txt", b"changes\n")

    controller, creds = logged_in(RoleEnum.Admin)
    window = controller.window
    window.resize(1280, 760)
    app = QApplication.instance()

    users = window.users_panel
    window.show_panel("users")
    qtbot.waitUntil(lambda: users.loaded and not users.loading, timeout=20000)
    users.search_edit.setText(domain)
    users.refresh()
    qtbot.waitUntil(lambda: not users.loading and users.model.rowCount() == len(FLEET), timeout=20000)
    users.select_emails([emails[1]])
    users.show_message(f"Enabled {emails[1]}")

    hardware = window.hardware_panel
    window.show_panel("hardware")
    hardware.search_edit.setText(domain)
    hardware.refresh()
    qtbot.waitUntil(lambda: not hardware.loading and len(hardware.users) == len(FLEET), timeout=20000)
    hardware.show_slice("cpu", "Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz")

    suites = window.suites_panel
    window.show_panel("suites")
    qtbot.waitUntil(lambda: suites.production.loaded and suites.stage.loaded, timeout=20000)
    job = suites.production.download_installer(tmp_path)
    qtbot.waitUntil(lambda: job.state.finished, timeout=20000)

    resources = window.resources_panel
    window.show_panel("resources")
    resources.set_folder("models")
    resources.refresh()
    qtbot.waitUntil(lambda: resources.loaded_folder == "models" and not resources.loading, timeout=20000)

    try:
        for theme in ("light", "dark"):
            apply_theme(app, theme)
            assert is_dark() == (theme == "dark")
            qtbot.wait(50)
            for key in ("resources", "upload", "unlock", "suites", "users", "hardware", "transfers", "log"):
                window.show_panel(key)
                qtbot.wait(30)
                _save(window, theme, f"panel-{key}")
            window.show_panel("users")
            dialog = users.open_create_dialog()
            dialog.email_edit.setText("new.operator@example.com")
            dialog.password_edit.setText("short")
            dialog.repeat_edit.setText("short")
            qtbot.waitUntil(dialog.isVisible)
            _save(dialog, theme, "dialog-new-user")
            dialog.reject()
            users.select_emails([emails[2]])
            role_dialog = users.change_role_selected()
            _save(role_dialog, theme, "dialog-change-role")
            role_dialog.reject()

        # Ukrainian, light theme: the same window rebuilt in the other language.
        apply_theme(app, "light")
        window.change_language("uk")
        qtbot.waitUntil(lambda: window.nav.item(0).text() == "Ресурси", timeout=10000)
        users, hardware = window.users_panel, window.hardware_panel
        window.show_panel("users")
        users.search_edit.setText(domain)
        qtbot.waitUntil(lambda: not users.loading and users.model.rowCount() == len(FLEET), timeout=20000)
        users.select_emails([emails[3]])
        _save(window, "uk", "panel-users")
        window.show_panel("hardware")
        hardware.search_edit.setText(domain)
        hardware.refresh()
        qtbot.waitUntil(lambda: not hardware.loading and len(hardware.users) == len(FLEET), timeout=20000)
        _save(window, "uk", "panel-hardware")
        window.show_panel("suites")
        qtbot.waitUntil(lambda: window.suites_panel.production.loaded, timeout=20000)
        _save(window, "uk", "panel-suites")
    finally:
        set_language("en")
        apply_theme(app, "system")
