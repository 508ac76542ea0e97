"""Help → About: what is running and where it keeps things — version, server, the settings file, logs and cache
folders — and the licences of the parts the app bundles (a support request starts here)."""

from __future__ import annotations

import html
import platform
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QCoreApplication, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

BUNDLED = (
    ("Qt / PySide6", "LGPL-3.0"),
    ("requests, urllib3", "Apache-2.0, MIT"),
    ("boto3, botocore, s3transfer", "Apache-2.0"),
    ("cryptography", "Apache-2.0 or BSD-3-Clause"),
    ("PyJWT, PyYAML, keyring, platformdirs", "MIT"),
    ("moto, Flask, Werkzeug (the sandbox)", "Apache-2.0, BSD-3-Clause"),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("About", text)


def app_version() -> str:
    try:
        return metadata.version("azaion-admin")
    except metadata.PackageNotFoundError:  # a frozen build without metadata
        return "unknown"


def about_text(server: str, settings_file: str, log_folder: str, cache_folder: str) -> str:
    rows = [(_tr("Version"), app_version()), (_tr("Server"), server), (_tr("Settings file"), settings_file),
            (_tr("Log folder"), log_folder), (_tr("Cache folder"), cache_folder),
            (_tr("Runtime"), f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {pyside_version}")]
    table = "".join(f"<tr><td><b>{html.escape(k)}</b>&nbsp;</td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    parts = "".join(f"<li>{html.escape(name)}: {html.escape(lic)}</li>" for name, lic in BUNDLED)
    intro = _tr("Desktop client of the Azaion platform.")
    licences = _tr("Bundled parts and their licences")
    return (f"<h3>Azaion Admin</h3><p>{html.escape(intro)}</p><table>{table}</table>"
            f"<p><b>{html.escape(licences)}</b></p><ul>{parts}</ul>")


def show_about(parent: QWidget, server: str, settings_file: str, log_folder: str, cache_folder: str) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("aboutDialog")
    box.setWindowTitle(_tr("About Azaion Admin"))
    box.setTextFormat(box.textFormat().RichText)
    box.setText(about_text(server, settings_file, log_folder, cache_folder))
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.open()
    return box
