"""The sandbox's S3 over https (``Sandbox(tls=True)``), as production CDNs are: a private CA made at start,
trusted by the client through its ``ca_bundle`` option, never by turning verification off. The sandbox's own
seeding (a real client upload, with multipart-free PutObject) and a 12 MiB two-part upload go through it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from core.api_client import ApiClient
from core.errors import ConfigError
from core.models import Credentials, RoleEnum
from sandbox.seed import SAMPLE_FOLDER, SAMPLE_NAME, sample_bytes
from sandbox.server import Sandbox
from tests.conftest import USED_SECRETS

MiB = 1 << 20


def client(sb: Sandbox, role: RoleEnum, cache: Path, **cdn_options) -> ApiClient:
    email, password = f"t-{uuid.uuid4().hex[:8]}@tls.local", "pw-" + uuid.uuid4().hex
    USED_SECRETS.add(password)
    sb.state.add_user(email, password, role)
    api = ApiClient(sb.api_url, cache_dir=cache, hardware=f"hw-{uuid.uuid4().hex[:6]}",
                    cdn_options={"max_attempts": 1, **cdn_options})
    api.set_credentials(Credentials(email, password))
    USED_SECRETS.add(api.login().raw)
    return api


def test_https_sandbox_upload_and_download_with_its_private_ca(tmp_path):
    with Sandbox(tls=True) as sb:
        assert sb.s3_url.startswith("https://") and Path(sb.ca_bundle).is_file()
        reader = client(sb, RoleEnum.Operator, tmp_path / "r", ca_bundle=sb.ca_bundle)
        reader.download_big_small_resource(SAMPLE_NAME, SAMPLE_FOLDER, tmp_path / "sample")  # seeded over https
        assert (tmp_path / "sample").read_bytes() == sample_bytes()
        data = bytes(range(256)) * (12 * MiB // 256)
        uploader = client(sb, RoleEnum.ResourceUploader, tmp_path / "u", ca_bundle=sb.ca_bundle)
        uploader.upload_big_small_resource(data, "tls.bin", "models")
        client(sb, RoleEnum.Operator, tmp_path / "r2", ca_bundle=sb.ca_bundle).download_big_small_resource(
            "tls.bin", "models", tmp_path / "tls.bin")
        assert (tmp_path / "tls.bin").read_bytes() == data
        untrusting = client(sb, RoleEnum.Operator, tmp_path / "x")
        with pytest.raises(ConfigError, match="certificate is not trusted"):  # at once: no retries
            untrusting.download_big_small_resource(SAMPLE_NAME, SAMPLE_FOLDER, tmp_path / "no")
        assert not (tmp_path / "no").exists()
        # The CLI trusts the CA through AWS_CA_BUNDLE (the README's way); without it, exit 1 naming the reason.
        email, password = f"t-{uuid.uuid4().hex[:8]}@tls.local", "pw-" + uuid.uuid4().hex
        USED_SECRETS.add(password)
        sb.state.add_user(email, password, RoleEnum.Operator)
        env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}
        env["AZAION_PASSWORD"] = password
        args = [sys.executable, "-m", "cli.main", "--api", sb.api_url, "--email", email, "download",
                SAMPLE_NAME, "--folder", SAMPLE_FOLDER, "-o"]
        res = subprocess.run([*args, str(tmp_path / "cli.bin")], capture_output=True, text=True, timeout=120,
                             env={**env, "AWS_CA_BUNDLE": sb.ca_bundle})
        assert res.returncode == 0, res.stderr
        assert (tmp_path / "cli.bin").read_bytes() == sample_bytes()
        res = subprocess.run([*args, str(tmp_path / "cli2.bin")], capture_output=True, text=True, timeout=120,
                             env=env)
        assert res.returncode == 1 and "certificate is not trusted" in res.stderr, res.stderr
        assert not (tmp_path / "cli2.bin").exists()
        folder = sb._tls_dir
    assert not Path(folder).exists()  # the CA and key go with the sandbox
