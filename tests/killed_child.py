"""Run a transfer in a child process that SIGKILLs itself half way through a stage: what a killed app leaves
behind (journals, staged files, ``.big.part`` files, temp files) is then checked by the test in the parent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

_PRELUDE = (
    "import json, os, signal\n"
    "from pathlib import Path\n"
    "from core.api_client import ApiClient\n"
    "from core.bandwidth import LIMITER\n"
    "from core.models import Credentials\n"
    "c = ApiClient(os.environ['T_API'], cache_dir=os.environ['T_CACHE'], journal_dir=os.environ['T_JOURNAL'],"
    " hardware=os.environ['T_HW'], cdn_options=json.loads(os.environ['T_CDN_OPTIONS']))\n"
    "if os.environ['T_RATE']:\n"
    "    LIMITER.set_rate(os.environ['T_RATE'])\n"
    "c.set_credentials(Credentials(os.environ['T_EMAIL'], os.environ['T_PW']))\n"
    "stages = []\n"
    "def die_half_way(done, total):\n"
    "    if stages and stages[-1] == os.environ['T_STAGE'] and total and done > total // 2:\n"
    "        os.kill(os.getpid(), signal.SIGKILL)\n"
)


def run_killed(client, script: str, stage: str, *, cdn_options: dict | None = None, rate: str = "",
               ca_bundle: str | None = None) -> None:
    """Run ``script`` with ``c`` a client like ``client`` (same cache, journals, machine and account) and
    ``die_half_way`` a progress callback that SIGKILLs the child past half of ``stage`` (the script passes
    ``on_stage=stages.append``). ``rate`` caps the child's bandwidth: with parts sent while a file is encrypted,
    an uncapped upload on loopback can be over before its first progress report. ``ca_bundle`` reaches the child
    as AWS_CA_BUNDLE, as a user sets it. The password goes through the environment, never argv."""
    env = {**os.environ, "T_API": client.api_url, "T_CACHE": str(client.cache.root),
           "T_JOURNAL": str(client.journals.root), "T_HW": client.hardware, "T_EMAIL": client.credentials.email,
           "T_PW": client.credentials.password, "T_STAGE": stage, "T_CDN_OPTIONS": json.dumps(cdn_options or {}),
           "T_RATE": rate}
    if ca_bundle:
        env["AWS_CA_BUNDLE"] = ca_bundle
    proc = subprocess.run([sys.executable, "-c", _PRELUDE + script], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
