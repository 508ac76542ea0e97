"""``azaion-admin --version``, ``--help`` and a wrong option answer on the terminal (exit 0 / 0 / 2) without
importing Qt or opening a window: run through the entry point pyproject declares (and the frozen app's entry
script), with no display at all, so a Qt start could not even succeed."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('\\nQT-IMPORTED\\n' if any(m.split('.')[0] == 'PySide6' "
    "for m in sys.modules) else '\\nNO-QT\\n'))\n"
    "{load}\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def entry_point() -> str:
    """``from module import function`` for [project.scripts] azaion-admin (or gui-scripts)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    target = {**project.get("scripts", {}), **project.get("gui-scripts", {})}["azaion-admin"]
    module, _, func = target.partition(":")
    return f"from {module} import {func} as main"


FROZEN_SCRIPT = str(ROOT / "packaging" / "entry_gui.py")
FROZEN_ENTRY = f"import runpy; main = runpy.run_path({FROZEN_SCRIPT!r})['main']"


def run(load: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return subprocess.run([sys.executable, "-c", PROBE.format(load=load), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # a hung GUI would hit this bound


@pytest.mark.parametrize("load", [entry_point(), FROZEN_ENTRY], ids=["pyproject", "frozen"])
def test_version_help_and_wrong_options_answer_without_qt(load):
    from core import __version__

    version = run(load, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"azaion-admin {__version__}"
    assert version.stderr.strip().endswith("NO-QT")

    helped = run(load, "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: azaion-admin")
    assert "--sandbox" in helped.stdout and helped.stderr.strip().endswith("NO-QT")

    for wrong in (["--bogus"], ["--sandbox", "--no-such-option=1"], ["-x"]):
        res = run(load, *wrong)
        assert res.returncode == 2, (wrong, res.stderr)
        assert "unrecognized arguments" in res.stderr and res.stderr.strip().endswith("NO-QT")


def test_qt_options_and_files_still_reach_the_app():
    """What the launcher lets through: Qt's own options (with their values, -opt and --opt) and files."""
    from gui.launcher import build_parser, split_qt_options

    ours, qt = split_qt_options(["-platform", "offscreen", "--style=Fusion", "-reverse", "--debug", "a.bin"])
    assert qt == ["-platform", "offscreen", "--style=Fusion", "-reverse"] and ours == ["--debug", "a.bin"]
    assert build_parser().parse_args(ours).files == ["a.bin"]
    ours, qt = split_qt_options(["-platform", "offscreen", "--oops", "--", "-file.bin"])
    assert ours == ["--oops", "--", "-file.bin"]


def test_launcher_options_match_the_app():
    """Every option gui/app.py reads is one the launcher knows (else the launcher would refuse it)."""
    import re

    from gui.launcher import build_parser

    app_options = set(re.findall(r'add_argument\("(--[a-z-]+)"', (ROOT / "gui" / "app.py").read_text()))
    known = {s for action in build_parser()._actions for s in action.option_strings}
    assert app_options and app_options <= known
