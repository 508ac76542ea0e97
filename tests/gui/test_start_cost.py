"""What the login dialog waits for at start. PySide6 builds every enum of the Qt namespace (93 of them, ~15 ms
here) on the first use of ``Qt``; the login dialog does not need one, so the start must not pay for it before
the dialog shows (the bench's cold start is 1.5x a bare window at most). Checked in a fresh interpreter: this one
has long used ``Qt``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

START = """
import json
import PySide6.QtCore as QtCore
from PySide6.QtWidgets import QApplication
from gui.app import AppController
from gui.session import AppContext
from gui.theme import apply_theme

app = QApplication([])
ctx = AppContext.load()
apply_theme(app, ctx.settings.theme)
dialog = AppController(ctx).show_login()
while not dialog.isVisible():
    app.processEvents()
app.processEvents()
shown = "Qt" in vars(QtCore)
dialog.show_error("<b>refused</b>: wrong password")
print(json.dumps({"built_before_shown": shown, "error_format": dialog.error_label.textFormat().name}))
"""


def test_the_login_dialog_shows_without_building_the_qt_namespace(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        env[var] = str(tmp_path / var.lower())
    proc = subprocess.run([sys.executable, "-c", START], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["built_before_shown"] is False
    # Deferring the namespace must not defer the plain-text rule: the first error is shown as text, not HTML.
    assert result["error_format"] == "PlainText"
