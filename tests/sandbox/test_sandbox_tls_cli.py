"""``python -m sandbox --tls`` (and ``azaion sandbox --tls``): the API and S3 over https with one private CA made
at start, whose file the sandbox prints; the real CLI, trusting it through AWS_CA_BUNDLE (CDN) and
REQUESTS_CA_BUNDLE (API) as the README says, uploads and downloads; without the CA it refuses the API's
certificate and writes nothing. SIGTERM stops the sandbox and removes the CA and its key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.seed import SAMPLE_FOLDER, SAMPLE_NAME, sample_bytes
from sandbox.state import DEMO_ACCOUNTS, DEMO_PASSWORD

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM semantics differ on Windows")
@pytest.mark.parametrize("command", [("sandbox",), ("cli.main", "sandbox")], ids=["python-m-sandbox", "azaion-sandbox"])
def test_sandbox_tls_serves_api_and_s3_over_https_with_its_printed_ca(tmp_path, command) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    env["PYTHONPATH"] = str(REPO)
    with subprocess.Popen([sys.executable, "-m", *command, "--tls"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        try:
            lines: dict[str, str] = {}
            while "Press Ctrl+C to stop." not in lines:
                line = proc.stdout.readline()
                assert line, f"sandbox exited early: {proc.stderr.read()}"
                head, _, rest = line.strip().partition(": ")
                lines[head if rest else line.strip()] = rest
            api, s3, ca = lines["API"], lines["S3"], lines["CA"]
            assert api.startswith("https://127.0.0.1:") and s3.startswith("https://127.0.0.1:")
            assert Path(ca).is_file() and "BEGIN CERTIFICATE" in Path(ca).read_text()
            assert lines["Trust it in the client"] == (f"AWS_CA_BUNDLE={ca} REQUESTS_CA_BUNDLE={ca} azaion --api "
                                                       f"{api} ...")
            tls_dir = Path(ca).parent

            uploader = next(email for email, role in DEMO_ACCOUNTS if role.label == "ResourceUploader")
            xdg = {v: str(tmp_path / v.lower()) for v in
                   ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}
            base = {**env, **xdg, "AZAION_PASSWORD": DEMO_PASSWORD}
            trusting = {**base, "AWS_CA_BUNDLE": ca, "REQUESTS_CA_BUNDLE": ca}

            def azaion(*args: str, env: dict) -> subprocess.CompletedProcess:
                return subprocess.run([sys.executable, "-m", "cli.main", "--api", api, "--email", uploader, *args],
                                      cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

            res = azaion("download", SAMPLE_NAME, "--folder", SAMPLE_FOLDER, "-o", str(tmp_path / "s"), env=trusting)
            assert res.returncode == 0, res.stderr
            assert (tmp_path / "s").read_bytes() == sample_bytes()
            src = tmp_path / "tls-up.bin"
            src.write_bytes(os.urandom(300_000))
            res = azaion("upload", str(src), "--folder", "models", env=trusting)
            assert res.returncode == 0, res.stderr
            res = azaion("download", "tls-up.bin", "--folder", "models", "-o", str(tmp_path / "back"), env=trusting)
            assert res.returncode == 0, res.stderr
            assert (tmp_path / "back").read_bytes() == src.read_bytes()

            res = azaion("download", SAMPLE_NAME, "--folder", SAMPLE_FOLDER, "-o", str(tmp_path / "no"), env=base)
            assert res.returncode == 1 and "certificate" in res.stderr.lower(), res.stderr
            assert not (tmp_path / "no").exists()

            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=15)
            assert proc.returncode == 0, err
            assert not tls_dir.exists()  # the CA and the key go with the sandbox
        finally:
            if proc.poll() is None:
                proc.kill()
