"""core.paths: platformdirs folders that follow the XDG variables at call time and are created 0700."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from core import paths

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="XDG layout is Linux-specific")


def test_folders_follow_xdg_at_call_time(isolated_home: dict[str, Path]) -> None:
    assert paths.config_dir() == isolated_home["XDG_CONFIG_HOME"] / "azaion-admin"
    assert paths.cache_dir() == isolated_home["XDG_CACHE_HOME"] / "azaion-admin"
    assert paths.log_dir() == isolated_home["XDG_STATE_HOME"] / "azaion-admin" / "log"
    assert paths.data_dir() == isolated_home["XDG_DATA_HOME"] / "azaion-admin"


def test_folders_change_when_environment_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = paths.config_dir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "other"))
    second = paths.config_dir()
    assert second == tmp_path / "other" / "azaion-admin"
    assert first != second


@pytest.mark.parametrize("func", [paths.config_dir, paths.cache_dir, paths.log_dir, paths.data_dir])
def test_created_on_demand_with_mode_0700(func) -> None:
    path = func()
    assert path.is_dir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert func() == path  # a second call with the folder present is fine


def test_existing_folder_mode_is_left_alone(isolated_home: dict[str, Path]) -> None:
    existing = isolated_home["XDG_DATA_HOME"] / "azaion-admin"
    existing.mkdir(parents=True, mode=0o755)
    existing.chmod(0o755)
    assert paths.data_dir() == existing
    assert stat.S_IMODE(existing.stat().st_mode) == 0o755
