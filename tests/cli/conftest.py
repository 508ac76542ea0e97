"""The `azaion` CLI as scripts run it: real subprocesses, each test with its own XDG folders (settings, cache,
journals, log), against the session's sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest

XDG = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")

Run = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def xdg_env(tmp_path) -> dict[str, str]:
    return {var: str(tmp_path / var.lower()) for var in XDG}


@pytest.fixture
def run_cli(xdg_env) -> Run:
    """``run_cli(*args, creds=None, env=None, input=None)``: ``python -m cli.main ARGS`` (no --api added), the
    account's email and password in the environment when ``creds`` is given."""

    def run(*args: str, creds=None, env: dict[str, str] | None = None, input: str | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess:
        full = {k: v for k, v in os.environ.items() if k not in ("AZAION_PASSWORD", "AZAION_EMAIL")}
        full.update(xdg_env)
        full.update(env or {})
        if creds is not None:
            full["AZAION_EMAIL"] = creds.email
            full["AZAION_PASSWORD"] = creds.password
        return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True,
                              env=full, input=input, timeout=timeout)

    return run
