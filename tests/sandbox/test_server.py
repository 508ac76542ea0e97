"""Sandbox lifecycle: loopback only, S3 buckets, cdn_url override, clean stop, seeding and the CLI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from core.crypto import decrypt_bytes
from core.keys import resource_key, user_key
from core.protocol import split_point
from sandbox.s3 import BUCKETS
from sandbox.server import Sandbox
from sandbox.state import DEMO_ACCOUNTS
from tests.sandbox.conftest import HW, login

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_refuses_non_loopback_hosts(host: str) -> None:
    with pytest.raises(ValueError):
        Sandbox(host=host, seed=False)


def test_s3_endpoint_has_the_buckets(sb: Sandbox) -> None:
    names = {b["Name"] for b in sb.s3_client().list_buckets()["Buckets"]}  # the admin key
    assert names >= set(BUCKETS) == {"models", "suite", "suite-stage", "config", "images"}


def test_cdn_url_override_is_advertised() -> None:
    sandbox = Sandbox(seed=False, cdn_url="http://127.0.0.1:9/")
    assert yaml.safe_load(sandbox.cdn_yaml())["host"] == "http://127.0.0.1:9"


def test_stop_releases_ports_quickly_and_is_idempotent() -> None:
    sandbox = Sandbox(seed=False).start()
    ports = [int(url.rsplit(":", 1)[1]) for url in (sandbox.api_url, sandbox.s3_url)]
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 2
    sandbox.stop()
    for port in ports:
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            pass


def test_busy_fixed_port_raises_instead_of_hanging(sb: Sandbox) -> None:
    busy = int(sb.api_url.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        Sandbox(seed=False, s3_port=busy).start()
    with pytest.raises(OSError):
        Sandbox(seed=False, api_port=busy).start()


def test_seeded_sample_resource_matches_the_wire_format() -> None:
    pytest.importorskip("core.api_client")
    from sandbox.seed import SAMPLE_NAME, SEED_ACCOUNT, sample_bytes

    with Sandbox(seed=True) as seeded:
        small = seeded.state.get_file("models", f"{SAMPLE_NAME}.small")
        obj = seeded.s3_client().get_object(Bucket="models", Key=f"{SAMPLE_NAME}.big")
        big = obj["Body"].read()
        import hashlib

        assert obj["Metadata"]["sha256"] == hashlib.sha256(big).hexdigest()
        assert obj["Metadata"]["small-sha256"] == hashlib.sha256(small).hexdigest()
        assert len(small) == split_point(len(small) + len(big)) == 3072
        assert decrypt_bytes(small + big, resource_key()) == sample_bytes()
        assert 190_000 < len(sample_bytes()) < 210_000
        seeder = seeded.state.get_user(SEED_ACCOUNT)
        assert seeder.hardware is None and seeder.last_login is None
        api = login(seeded, SEED_ACCOUNT)
        resp = api.post(
            "/resources/get/models", json={"password": "sandbox", "hardware": HW, "fileName": f"{SAMPLE_NAME}.small"}
        )
        assert decrypt_bytes(resp.content, user_key(SEED_ACCOUNT, "sandbox", HW)) == small


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM semantics differ on Windows")
def test_cli_prints_urls_and_accounts_then_stops_on_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen(
        [sys.executable, "-c", "from sandbox.cli import run; raise SystemExit(run())"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            lines = []
            while len(lines) < 2 + len(DEMO_ACCOUNTS):
                line = proc.stdout.readline()
                assert line, f"sandbox exited early: {proc.stderr.read()}"
                lines.append(line.strip())
            assert lines[0].startswith("API: http://127.0.0.1:")
            assert lines[1].startswith("S3: http://127.0.0.1:")
            for (email, role), line in zip(DEMO_ACCOUNTS, lines[2:], strict=True):
                assert line.split() == [email, role.label, "sandbox"]
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=10)
            assert proc.returncode == 0, err
        finally:
            if proc.poll() is None:
                proc.kill()
