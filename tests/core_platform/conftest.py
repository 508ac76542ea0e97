"""Fixtures of the platform-module tests: every test gets its own HOME and XDG folders, and tests that
reconfigure logging put the suite-wide logging set-up back afterwards."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

XDG_VARS = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """HOME and XDG_* point into this test's tmp_path; returns the folders by variable name."""
    base = tmp_path / "isolated"
    dirs = {"HOME": base / "home"} | {var: base / var.lower() for var in XDG_VARS}
    for var, path in dirs.items():
        monkeypatch.setenv(var, str(path))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    return dirs


@pytest.fixture
def restore_logging():
    """Remember the handlers core.logs.setup_logging installed before the test and re-install them after."""
    from core import logs

    root = logging.getLogger()
    before = [h for h in root.handlers if getattr(h, "_azaion_handler", False)]
    files = [Path(h.baseFilename) for h in before if isinstance(h, logging.FileHandler)]
    console = any(type(h) is logging.StreamHandler for h in before)
    level = logging.getLogger("azaion").level
    yield
    logs.shutdown_logging()
    if files:
        logs.setup_logging(level=level or logging.INFO, log_dir=files[0].parent, console=console)
    else:
        logging.getLogger("azaion").setLevel(level)
