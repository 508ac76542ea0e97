"""cdn.yaml's shape and values are validated: a hostile or broken file is one clear ConfigError naming the key
(exit 1 in the CLI), never RecursionError or botocore's InvalidRegionError (exit 3, "unexpected")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core.cdn_config import CdnConfig
from core.errors import ConfigError
from core.models import RoleEnum

GOOD = {
    "host": "https://cdn.example.com",
    "region": "eu-central-1",
    "downloader_access_key": "DOWNKEY",
    "downloader_access_secret": "down/secret+1",
    "uploader_access_key": "UPKEY",
    "uploader_access_secret": "up/secret+2",
}


def text(**changes: object) -> str:
    import yaml

    data = {**GOOD, **changes}
    return yaml.safe_dump({k: v for k, v in data.items() if v is not None})


def test_a_cdn_yaml_without_uploader_keys_is_valid_and_cannot_upload():
    config = CdnConfig.parse(text(uploader_access_key=None, uploader_access_secret=None))
    assert not config.can_upload and config.downloader_access_key == "DOWNKEY"
    assert CdnConfig.parse(text()).can_upload


def test_buckets_named_in_cdn_yaml():
    assert CdnConfig.parse(text(buckets=["models", "suite", "models"])).buckets == ("models", "suite")


@pytest.mark.parametrize(
    "bad,message",
    [
        ("[" * 100_000 + "]" * 100_000, "cdn.yaml"),
        ("[" * 20_000 + "]" * 20_000, "nested too deeply"),  # under the size bound: the parser's recursion
        ("host: " + "{a: " * 10_000 + "1" + "}" * 10_000, "nested too deeply"),
        (text(region="us-east-1/../../x"), "region"),
        (text(region="us-east-1\r\nX-Injected: 1"), "region"),
        (text(region="US EAST"), "region"),
        (text(downloader_access_key="KEY\r\nX-Injected: 1"), "downloader_access_key"),
        (text(uploader_access_secret="has space"), "uploader_access_secret"),
        (text(uploader_access_secret=None), "uploader_access_secret"),
        (text(host="https://user:pw@cdn.example.com"), "user name or password"),
        (text(host="https://cdn.example.com:99999"), "invalid port"),
        (text(host="https://cdn.example.com/a b"), "spaces or control"),
        (text(buckets="models"), "buckets"),
        (text(buckets=["../etc"]), "bucket"),
        (text(buckets=["Models"]), "bucket"),
        (text(buckets=[{"a": 1}]), "bucket"),
        (text() + "# " + "x" * 70_000 + "\n", "more than a CDN configuration"),
    ],
    ids=["deep-100k", "deep-list", "deep-map", "region-path", "region-crlf", "region-space", "key-crlf", "secret-space",
         "half-uploader", "userinfo", "port", "host-space", "buckets-str", "bucket-dots", "bucket-case",
         "bucket-map", "huge"],
)
def test_bad_cdn_yaml_is_a_clear_config_error(bad, message):
    with pytest.raises(ConfigError, match=message):
        CdnConfig.parse(bad)


@pytest.mark.parametrize("bad", ["[" * 100_000, text(region="us-east-1/../../x")], ids=["deep", "region"])
def test_cli_reports_a_bad_served_cdn_yaml_as_a_failure_not_a_crash(sandbox, make_account, tmp_path, bad):
    """Exit 1 with the reason (the CLI's exit 3 means a bug); nothing uploaded. The stored file is removed after."""
    creds = make_account(RoleEnum.ResourceUploader)
    src = tmp_path / "x.bin"
    src.write_bytes(b"x" * 1000)
    sandbox.state.put_file("config", "cdn.yaml", bad.encode())
    try:
        res = subprocess.run(
            [sys.executable, "-m", "cli.main", "--api", sandbox.api_url, "--email", creds.email, "upload",
             str(src), "--folder", "models", "--name", f"cfg-{tmp_path.name}.bin"],
            capture_output=True, text=True, timeout=120, env={**os.environ, "AZAION_PASSWORD": creds.password},
        )
    finally:
        sandbox.state.clear_folder("config")
    assert res.returncode == 1, res.stderr
    assert "cdn.yaml" in res.stderr and "Traceback" not in res.stderr
