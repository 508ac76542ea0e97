"""``azaion --bwlimit RATE`` and the settings' cap, as a user runs the CLI (a real subprocess against the sandbox).

A cap is shown to apply by a lower bound on the time a download takes (a slow machine only makes it longer);
the bytes-per-window accuracy is tests/core/test_bandwidth.py's."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time

import pytest

from core.models import RoleEnum
from core.settings import Settings, settings_to_dict

MiB = 1 << 20
SIZE = 3 * MiB


def azaion(sandbox, *args, creds=None, config=None, timeout=120):
    env = dict(os.environ)
    if creds is not None:
        env["AZAION_PASSWORD"], env["AZAION_EMAIL"] = creds.password, creds.email
    if config is not None:
        env["XDG_CONFIG_HOME"] = str(config)
        env["XDG_CACHE_HOME"] = str(config.parent / "cache")  # a cold cache: a timed download must use the network
    return subprocess.run([sys.executable, "-m", "cli.main", "--api", sandbox.api_url, *args],
                          capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def resource(sandbox, tmp_path_factory):
    from core.api_client import ApiClient
    from tests.conftest import USED_SECRETS

    email, password = f"bw-{os.urandom(4).hex()}@test.local", "pw-" + os.urandom(8).hex()
    USED_SECRETS.add(password)
    sandbox.state.add_user(email, password, RoleEnum.ResourceUploader)
    client = ApiClient(sandbox.api_url, cache_dir=tmp_path_factory.mktemp("bwcache"), hardware="bw-cli-uploader")
    from core.models import Credentials

    client.set_credentials(Credentials(email, password))
    USED_SECRETS.add(client.login().raw)
    name = f"bwcli-{os.urandom(3).hex()}.bin"
    data = random.Random(1).randbytes(SIZE)
    client.upload_big_small_resource(data, name, "models")
    return name, data


@pytest.mark.parametrize(("value", "says"), [
    ("fast", "not a bandwidth rate: 'fast'"),
    ("2M:1M", "separate upload:download rates are not supported"),
    ("25:00,1M 18:00,off", "not a time of day"),
    ("08:00,1M Xyz-18:00,off", "is not a day"),
    ("10", "below the lowest cap"),
])
def test_a_bad_bwlimit_is_a_usage_error(sandbox, tmp_path, value, says):
    res = azaion(sandbox, "--bwlimit", value, "download", "x.bin", "--folder", "models", "-o",
                 str(tmp_path / "x.bin"))
    assert res.returncode == 2, res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: argument --bwlimit:") and says in lines[0], res.stderr
    assert list(tmp_path.iterdir()) == []  # nothing started


def test_bwlimit_caps_a_download(sandbox, make_account, tmp_path, resource):
    name, data = resource
    creds = make_account(RoleEnum.Operator)
    started = time.monotonic()
    res = azaion(sandbox, "--bwlimit", "1M", "download", name, "--folder", "models", "-o",
                 str(tmp_path / "out.bin"), creds=creds)
    elapsed = time.monotonic() - started
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "out.bin").read_bytes() == data
    assert elapsed >= 2.5  # 3 MiB at 1 MiB/s, less the bucket's 0.1 s burst and the small part


def test_the_settings_cap_applies_and_bwlimit_overrides_it(sandbox, make_account, tmp_path, resource):
    name, data = resource
    creds = make_account(RoleEnum.Operator)
    config = tmp_path / "config"
    (config / "azaion-admin").mkdir(parents=True)
    settings = settings_to_dict(Settings(bwlimit="1M"))
    (config / "azaion-admin" / "settings.json").write_text(json.dumps(settings))
    started = time.monotonic()
    res = azaion(sandbox, "download", name, "--folder", "models", "-o", str(tmp_path / "a.bin"), creds=creds,
                 config=config)
    assert res.returncode == 0, res.stderr
    assert time.monotonic() - started >= 2.5
    assert (tmp_path / "a.bin").read_bytes() == data
    # --bwlimit wins over the settings (a timetable form here: any time of day, 4M)
    res = azaion(sandbox, "--bwlimit", "00:00,4M", "download", name, "--folder", "models", "-o",
                 str(tmp_path / "b.bin"), creds=creds, config=config)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "b.bin").read_bytes() == data


def test_a_bad_cap_in_the_settings_is_named(sandbox, make_account, tmp_path):
    creds = make_account(RoleEnum.Operator)
    config = tmp_path / "config"
    (config / "azaion-admin").mkdir(parents=True)
    settings = settings_to_dict(Settings())
    settings["bwlimit"] = "lots"
    (config / "azaion-admin" / "settings.json").write_text(json.dumps(settings))
    res = azaion(sandbox, "ls", "models", creds=creds, config=config)
    assert res.returncode == 1
    assert "key 'bwlimit'" in res.stderr and "not a bandwidth rate: 'lots'" in res.stderr, res.stderr
