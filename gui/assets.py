"""Icons, style sheets and translations shipped in ``resources/``, found next to the package or inside a frozen
(PyInstaller) build, where ``sys._MEIPASS`` is the unpacked bundle."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from PySide6.QtGui import QIcon


def resources_dir() -> Path:
    """The ``resources`` folder: ``sys._MEIPASS/resources`` when frozen, else the repository's."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidate = Path(frozen_root) / "resources"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


@functools.cache
def icon(name: str) -> QIcon:
    """``resources/icons/{name}.svg`` as a QIcon (an empty icon if the file is missing)."""
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path.is_file() else QIcon()


def style_sheet() -> str:
    path = resource_path("styles", "app.qss")
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def translation_file(language: str) -> Path | None:
    path = resource_path("translations", f"azaion_{language}.qm")
    return path if path.is_file() else None
