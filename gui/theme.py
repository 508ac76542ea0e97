"""Appearance: theme (system / light / dark) with the style sheet, and the interface language.

``system`` follows the platform's colour scheme (``QStyleHints.colorScheme``) and switches when it changes;
``light`` and ``dark`` override it. The dark palette is applied with the Fusion style, which honours palettes on
every platform. Icons use mid-tone colours that stay readable on both (tests/admin checks the contrast).

Languages: English is the source; ``resources/translations/azaion_<code>.qm`` holds the others (Ukrainian).
``set_language`` swaps the installed translators (ours and Qt's own, for standard buttons) at run time.
"""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from gui.assets import style_sheet, translation_file

log = logging.getLogger("azaion.gui.theme")

THEMES = ("system", "light", "dark")
LANGUAGES = ("system", "en", "uk")
SOURCE_LANGUAGE = "en"

_default_style: str | None = None
_current_theme = "system"
_watching_system = False
_applying = False

DARK_WINDOW = QColor(45, 47, 51)
DARK_BASE = QColor(30, 31, 34)

# Colours the base style sheet hard-codes for light backgrounds, adjusted for a dark palette.
_DARK_QSS = """
QLabel#errorLabel, QLabel[error="true"] { color: #ff8a80; }
QLabel[ok="true"] { color: #7bd88f; }
"""
# Fusion draws input frames and check boxes in the window colour darkened by 40 %: on the dark palette that is
# the colour of the field itself (contrast about 1.1:1), so borders and the login's check box vanished. These
# borders have 3:1 against the window and the fields (WCAG 2.1 "non-text contrast"); a check box given a border
# by a style sheet loses Fusion's check mark, hence the image.
DARK_BORDER = "#8a8f98"
_DARK_INPUTS_QSS = """
QLineEdit, QAbstractSpinBox, QPlainTextEdit, QTextEdit {{ border: 1px solid {border}; border-radius: 3px;
    padding: 1px 2px; }}
QLineEdit:focus, QAbstractSpinBox:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border-color: palette(highlight); }}
QLineEdit:disabled, QAbstractSpinBox:disabled {{ border-color: #5a5e66; }}
QCheckBox::indicator {{ border: 1px solid {border}; border-radius: 2px; background: palette(base); width: 13px;
    height: 13px; }}
QCheckBox::indicator:checked {{ image: url({check}); }}
QCheckBox::indicator:disabled {{ border-color: #5a5e66; }}
"""


def _dark_qss() -> str:
    from gui.assets import resource_path

    check = resource_path("styles", "check-dark.svg")  # dark only: not among the icons.as_posix()
    return _DARK_QSS + _DARK_INPUTS_QSS.format(border=DARK_BORDER, check=check)


_LIGHT_QSS = """
QLabel[error="true"] { color: #c0392b; }
QLabel[ok="true"] { color: #2e7d4f; }
"""
_COMMON_QSS = """
QToolBar#usersToolbar { spacing: 0.2em; border: none; }
QListWidget#navigation { outline: 0; }
QLabel#meLabel { color: palette(mid); }
QFrame#chartCard { border: 1px solid palette(mid); border-radius: 6px; }
QGroupBox#suiteBox { font-weight: bold; }
"""


def _dark_palette() -> QPalette:
    p = QPalette()
    window, base, text, mid = DARK_WINDOW, DARK_BASE, QColor(225, 228, 232), QColor(80, 84, 90)
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorRole.AlternateBase, QColor(38, 40, 44))
    p.setColor(QPalette.ColorRole.ToolTipBase, QColor(60, 63, 68))
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, QColor(55, 58, 63))
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.Mid, mid)
    p.setColor(QPalette.ColorRole.Dark, QColor(25, 26, 28))
    p.setColor(QPalette.ColorRole.Light, QColor(70, 73, 78))
    p.setColor(QPalette.ColorRole.Midlight, QColor(62, 65, 70))
    p.setColor(QPalette.ColorRole.Shadow, QColor(10, 10, 10))
    p.setColor(QPalette.ColorRole.Highlight, QColor(42, 110, 190))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
    p.setColor(QPalette.ColorRole.Link, QColor(110, 170, 240))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor(140, 144, 150))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 124, 130))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, QColor(38, 40, 44))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor(48, 50, 54))
    return p


def _platform_has_color_scheme(app: QGuiApplication) -> bool:
    """Whether the platform can report a colour scheme at all. Asking costs ~15 ms on the first call (PySide6
    builds every enum of the Qt namespace), time a start does not have: the offscreen and minimal platforms never
    have a scheme, and on Linux/BSD only a platform theme (chosen by Qt from these variables) provides one."""
    if app.platformName() in ("offscreen", "minimal", "minimalegl", "vnc"):
        return False
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return any(os.environ.get(v) for v in ("QT_QPA_PLATFORMTHEME", "XDG_CURRENT_DESKTOP", "DESKTOP_SESSION"))
    return True


def system_prefers_dark(app: QGuiApplication | None = None) -> bool:
    app = app or QGuiApplication.instance()
    if app is None or not _platform_has_color_scheme(app):
        return False
    hints = app.styleHints()
    if not hasattr(hints, "colorScheme"):
        return False
    from PySide6.QtCore import Qt  # here, not at import: see _platform_has_color_scheme

    return hints.colorScheme() == Qt.ColorScheme.Dark


def effective_theme(theme: str, app: QGuiApplication | None = None) -> str:
    """``light`` or ``dark``: the setting, or for ``system`` what the platform asks for."""
    if theme in ("light", "dark"):
        return theme
    return "dark" if system_prefers_dark(app) else "light"


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the current palette is a dark one (window colour darker than mid-grey)."""
    if palette is None:
        app = QGuiApplication.instance()
        if app is None:
            return False
        palette = app.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def current_theme() -> str:
    return _current_theme


def _native_dark_style(name: str) -> bool:
    """Styles that draw the platform's own dark mode (Qt's macOS and Windows 11 styles)."""
    return name.lower() in ("macos", "windows11")


def apply_theme(app: QApplication, theme: str) -> None:
    """Apply ``theme`` (``system``, ``light`` or ``dark``); ``system`` keeps following the platform."""
    global _default_style, _current_theme, _applying
    if _applying:
        return
    _applying = True
    try:
        if _default_style is None:
            _default_style = app.style().name()
        theme = theme if theme in THEMES else "system"
        _current_theme = theme
        hints = app.styleHints()
        if theme == "system":
            if hasattr(hints, "unsetColorScheme"):
                hints.unsetColorScheme()
            dark = system_prefers_dark(app)
            if dark and not _native_dark_style(_default_style):
                app.setStyle("Fusion")
                app.setPalette(_dark_palette())
            else:
                app.setStyle(_default_style)
                app.setPalette(app.style().standardPalette())
        elif theme == "dark":
            app.setStyle("Fusion")
            app.setPalette(_dark_palette())
            if hasattr(hints, "setColorScheme"):
                from PySide6.QtCore import Qt

                hints.setColorScheme(Qt.ColorScheme.Dark)
        else:
            app.setStyle("Fusion")
            app.setPalette(app.style().standardPalette())
            if hasattr(hints, "setColorScheme"):
                from PySide6.QtCore import Qt

                hints.setColorScheme(Qt.ColorScheme.Light)
        extra = _dark_qss() if is_dark(app.palette()) else _LIGHT_QSS
        app.setStyleSheet(style_sheet() + _COMMON_QSS + extra)
        _watch_system(app)
    finally:
        _applying = False


def _watch_system(app: QApplication) -> None:
    global _watching_system
    hints = app.styleHints()
    if _watching_system or not hasattr(hints, "colorSchemeChanged"):
        return
    _watching_system = True
    hints.colorSchemeChanged.connect(lambda _scheme: _on_system_scheme_changed())


def _on_system_scheme_changed() -> None:
    app = QApplication.instance()
    if app is not None and _current_theme == "system" and not _applying:
        log.info("The system colour scheme changed; following it")
        apply_theme(app, "system")


# ---- language ---------------------------------------------------------------------------------------------------


def resolve_language(language: str) -> str:
    """``system`` → the system locale's language (``uk`` for ``uk_UA``); other values as they are."""
    if language and language != "system":
        return language
    code = QLocale.system().name().split("_")[0]
    return SOURCE_LANGUAGE if code in ("", "C", "POSIX") else code


def install_translator(app: QCoreApplication, language: str) -> None:
    """At start-up, before the first dialog: only the app's own catalogue for the language setting (the login
    dialog's strings), without Qt's own; ``ensure_language``/``set_language`` replace it with the full set."""
    code = QLocale.system().name().split("_")[0] if language == "system" else language
    path = translation_file(code)
    if path is None:
        return
    translator = QTranslator(app)
    if translator.load(str(path)):
        app.installTranslator(translator)


def current_language() -> str:
    return _current_language


_current_language = SOURCE_LANGUAGE


_language_applied = False


def ensure_language(language: str) -> str:
    """Apply the language setting once per process (the first dialog or window does it), so plural forms and
    Qt's own strings are translated however the application was started."""
    if not _language_applied:
        return set_language(language)
    return _current_language


def set_language(language: str, app: QCoreApplication | None = None) -> str:
    """Install the translators for ``language`` (``system``, ``en``, ``uk``…) and remove the previous ones,
    including any the application installed at start-up. Returns the language in effect (``en`` when there is
    no translation for the one asked). Widgets built afterwards use it; built ones get a LanguageChange event."""
    global _current_language, _language_applied
    app = app or QCoreApplication.instance()
    if app is None:
        return SOURCE_LANGUAGE
    _language_applied = True
    code = resolve_language(language)
    for old in app.findChildren(QTranslator):
        app.removeTranslator(old)
        old.deleteLater()
    path = translation_file(code)
    if path is None and code != SOURCE_LANGUAGE:
        log.info("No translation for %r; using English", code)
        code, path = SOURCE_LANGUAGE, translation_file(SOURCE_LANGUAGE)
    ours = QTranslator(app)
    if path is None or not ours.load(str(path)):
        if path is not None:
            log.warning("Could not load the translation %s", path)
        ours.deleteLater()
        _current_language = SOURCE_LANGUAGE
        return _current_language
    if code == SOURCE_LANGUAGE:  # English is the source; its catalogue only holds plural forms
        app.installTranslator(ours)
        _current_language = code
        return code
    qt_own = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_own.load(QLocale(code), "qtbase", "_", qt_dir):
        app.installTranslator(qt_own)
    else:
        qt_own.deleteLater()
    app.installTranslator(ours)
    _current_language = code
    return code
