"""The interface language: taken from the system locale when the setting is "system"; errors raised by core and the
built-in profile names are shown in it too."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import (
    CancelledError,
    ConflictError,
    HardwareMismatchError,
    IntegrityError,
    LocalIOError,
    NotFoundError,
    PausedError,
    PermissionDeniedError,
    UnreachableError,
    WrongCredentialsError,
)
from core.fileio import describe_os_error
from core.settings import Profile
from gui.theme import set_language

ROOT = Path(__file__).resolve().parents[2]

# What the application does at start (gui/app.py main): load the settings, install the translator for the
# language they name, then build the login dialog (which applies the language once more, gui/theme.py).
_PROBE = """
import json, sys
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication
from gui.dialogs.login import LoginDialog
from gui.theme import install_translator
from gui.session import AppContext
from gui.workers.task import TaskRunner

app = QApplication([sys.argv[0]])
ctx = AppContext.load()
if len(sys.argv) > 1:
    ctx.settings.language = sys.argv[1]
install_translator(app, ctx.settings.language)
dialog = LoginDialog(ctx, TaskRunner())
combo = dialog.profile_combo
print(json.dumps({"setting": ctx.settings.language, "locale": QLocale.system().name(),
                  "title": dialog.windowTitle(), "button": dialog.login_button.text(),
                  "profiles": [combo.itemText(i) for i in range(combo.count())]}))
"""


def _start(tmp_path: Path, locale: str, *args: str) -> dict:
    """A fresh application process under ``locale`` (LANG / LC_ALL / LANGUAGE, as a desktop session sets them),
    with its own empty settings folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "XDG_"))}
    env.update(LANG=locale, LC_ALL=locale, LANGUAGE=locale.split(".")[0], QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(ROOT))
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        env[var] = str(tmp_path / locale / var.lower())
    result = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_system_locale_picks_the_language(tmp_path):
    uk = _start(tmp_path, "uk_UA.UTF-8")
    assert uk["setting"] == "system" and uk["locale"] == "uk_UA"  # a fresh install follows the system
    assert uk["title"] == "Azaion Admin — Вхід" and uk["button"] == "Увійти"
    assert uk["profiles"] == ["Робочий", "Тестовий", "Пісочниця (не запущено)", "Власна URL-адреса…"]

    en = _start(tmp_path, "en_US.UTF-8")
    assert en["locale"] == "en_US" and en["title"] == "Azaion Admin — Log in" and en["button"] == "Log in"
    assert en["profiles"] == ["Production", "Stage", "Sandbox (not running)", "Custom URL…"]

    # a language without a catalogue falls back to English; an explicit setting wins over the system locale
    assert _start(tmp_path, "de_DE.UTF-8")["button"] == "Log in"
    assert _start(tmp_path, "uk_UA.UTF-8", "en")["button"] == "Log in"


@pytest.fixture
def ukrainian(qapp):
    set_language("uk")
    yield
    set_language("en")


HW_MESSAGE = "This account is bound to another machine. Ask an administrator to reset its hardware."
UNREACHABLE = UnreachableError("cannot reach the server http://127.0.0.1:9 (list models): connection refused")


def _disk_full() -> LocalIOError:
    try:
        raise describe_os_error(OSError(errno.ENOSPC, "No space left on device"), "/data/x.bin")
    except LocalIOError as exc:
        return exc


def test_error_texts_in_english_are_the_core_messages(qapp):
    from gui.errors_text import error_text
    from gui.workers.task import describe_exception

    set_language("en")
    for exc in (_disk_full(), IntegrityError("models/a.bin: checksum mismatch"),
                NotFoundError("models/a.bin: not found")):
        assert error_text(exc) == describe_exception(exc) == str(exc)
    assert error_text(UNREACHABLE) == str(UNREACHABLE)
    assert describe_exception(UNREACHABLE).startswith("Cannot reach the server. Check the server address")
    assert error_text(ConflictError(80, "The folder is being written to.")) == "The folder is being written to."
    assert error_text(HardwareMismatchError(30, HW_MESSAGE)) == HW_MESSAGE
    assert error_text(PermissionDeniedError("")) == "Permission denied: your role may not do this"
    assert error_text(ValueError("synthetic")) == "ValueError: synthetic"


def test_error_texts_in_ukrainian(ukrainian):
    from gui.errors_text import error_text
    from gui.panels.admin import refusal_text
    from gui.workers.task import describe_exception

    assert error_text(UNREACHABLE) == f"Не вдається з'єднатися із сервером ({UNREACHABLE})"
    # what panels show: one sentence, the technical text in the log and behind Details
    assert describe_exception(UNREACHABLE) == ("Не вдається зв'язатися із сервером. Перевірте адресу сервера й "
                                               "мережеве з'єднання, потім спробуйте ще раз.")
    assert error_text(_disk_full()) == "Диск заповнено (disk full (or file too large) while writing /data/x.bin)"
    assert error_text(IntegrityError("a.bin: checksum mismatch")).startswith("Дані пошкоджено або змінено")
    assert error_text(NotFoundError("models/a.bin: not found")) == "Не знайдено (models/a.bin: not found)"
    assert error_text(CancelledError("unlock cancelled by the user; nothing was loaded")) == "Скасовано"
    assert error_text(PausedError("paused")) == "Призупинено"
    assert refusal_text(PermissionDeniedError("list users: your role may not do this")).startswith(
        "Доступ заборонено: ваша роль не дозволяє цієї дії (")
    # 409: the documented Messages translated; other wording appended as sent; unknown codes shown as sent
    assert refusal_text(HardwareMismatchError(30, HW_MESSAGE)) == (
        "Цей обліковий запис прив'язано до іншого комп'ютера. Попросіть адміністратора скинути прив'язку до "
        "обладнання.")
    assert error_text(WrongCredentialsError(10, "Invalid login")) == (
        "Неправильна електронна пошта або пароль. (Invalid login)")
    assert refusal_text(ConflictError(80, "Invalid name: a/b")) == "Invalid name: a/b"
    assert refusal_text(ConflictError(99, "")) == "Сервер відхилив запит"  # a 409 without a Message
    assert error_text(ValueError("synthetic")) == "ValueError: synthetic"


def test_every_error_headline_and_documented_refusal_is_translated(ukrainian):
    from PySide6.QtCore import QCoreApplication

    from gui import errors_text

    sources = [text for _kind, text in errors_text._HEADLINES] + list(errors_text.CONFLICT_MESSAGES.values())
    sources += list(errors_text._OS_HEADLINES.values()) + ["The server refused the request"]
    sources += [text for _kind, text in errors_text._ADVICE] + [errors_text._UNEXPECTED]
    untranslated = [s for s in sources if QCoreApplication.translate(errors_text.CONTEXT, s) == s]
    assert untranslated == []


def test_login_refusal_in_ukrainian(qtbot, app_factory, make_account, sandbox, ukrainian):
    from tests.gui.conftest import type_login

    creds = make_account()
    sandbox.state.set_hardware(creds.email, "CPU: Elsewhere. GPU: None. Memory: 1. DriveSerial: X")
    controller = app_factory()
    dialog = controller.login_dialog
    type_login(qtbot, dialog, creds.email, creds.password)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=20000)
    assert dialog.error_label.text().startswith("Цей обліковий запис прив'язано до іншого комп'ютера.")


def test_profile_names(qapp):
    from gui.profile_names import profile_display_name
    from gui.session import AppContext

    ctx = AppContext.load()
    try:
        set_language("uk")
        assert [ctx.profile_label(p) for p in ("production", "stage", "sandbox")] == [
            "Робочий", "Тестовий", "Пісочниця"]
        # a profile the user made, or a built-in one the user renamed, shows its own name
        assert profile_display_name(Profile(id="custom-1", name="Production", api_url="https://x")) == "Production"
        assert profile_display_name(Profile(id="stage", name="Staging EU", api_url="https://x")) == "Staging EU"
        assert ctx.profile_label("no-such-profile") == "no-such-profile"
    finally:
        set_language("en")
    assert ctx.profile_label("production") == "Production"


def test_notices_from_core_in_both_languages(qapp):
    from gui.errors_text import keyring_warning_text, settings_error_text

    warning = "No usable system keyring (locked); the password is kept in memory for this session only."
    error = "/x/settings.json: the settings file is not valid JSON (line 1, column 2: Expecting value)"
    set_language("en")
    assert keyring_warning_text(warning) == warning and settings_error_text(error) == error
    try:
        set_language("uk")
        assert keyring_warning_text(warning) == ("Немає придатного системного сховища паролів: пароль зберігається "
                                                 f"в пам'яті лише до кінця цього сеансу ({warning})")
        assert settings_error_text(error).startswith("Не вдалося прочитати файл налаштувань: ")
        assert settings_error_text(error).endswith(f"({error})")
    finally:
        set_language("en")


def test_unreadable_settings_banner_in_ukrainian(qtbot, logged_in, ukrainian):
    """A settings file that cannot be read: the main window says so in the interface language (and the file is
    left as it was)."""
    from core.settings import default_settings_path

    path = default_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    controller, _ = logged_in()
    banner = controller.window.banner
    assert not banner.isHidden()
    assert banner.text().startswith("Не вдалося прочитати файл налаштувань: ")
    assert str(path) in banner.text()
    assert path.read_text(encoding="utf-8") == "{not json"
