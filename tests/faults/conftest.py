"""A sandbox whose API and S3 endpoints are both reached through fault proxies, and the suite's summary table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.faults.proxy import FaultProxy

MiB = 1 << 20
SUMMARY: list[dict] = []


@dataclass
class Rig:
    sandbox: object
    s3: FaultProxy
    api: FaultProxy

    def clear(self) -> None:
        for p in (self.s3, self.api):
            p.clear()
            p.reset_counters()

    def faults(self) -> int:
        return self.s3.faults_fired + self.api.faults_fired


def assert_no_leftovers(cache_root: Path, journal_dir: Path | None = None, *outputs: Path,
                        staged_ok: bool = False) -> None:
    """Nothing an interrupted transfer could leave: no temp file (``.azaion-*``) in the cache or beside any
    output, no staged upload (unless paused on purpose), no half-downloaded part, no cache entry without its
    sidecar (or the reverse), no journal."""
    files = [p for p in cache_root.rglob("*") if p.is_file()] if cache_root.exists() else []
    assert [p for p in files if p.name.startswith(".azaion-")] == [], "temp files left in the cache"
    assert [p for p in files if p.name.endswith((".part", ".part.json"))] == [], "half-downloaded part left"
    if not staged_ok:
        assert [p for p in files if p.parent.name == ".staging"] == [], "staged upload files left"
    bigs = {p for p in files if p.name.endswith(".big") and p.parent.name != ".staging"}
    sidecars = {p.with_name(p.name[: -len(".sha256")]) for p in files if p.name.endswith(".big.sha256")}
    assert bigs == sidecars, f"half-written cache entries: {bigs ^ sidecars}"
    if journal_dir is not None and not staged_ok:
        assert [p.name for p in journal_dir.rglob("*") if p.is_file()] == [], "journals left"
    for out in outputs:
        assert [p.name for p in out.parent.glob(".azaion-*")] == [], f"temp files left beside {out}"


def assert_clean(rig: Rig, client, name: str, *outputs: Path, folder: str = "models") -> None:
    """``assert_no_leftovers`` for a client, and no multipart upload of ``name`` left on the CDN."""
    assert_no_leftovers(client.cache.root, client.journals.root, *outputs)
    assert client.cache.leftovers() == [] and client.cache.partials() == [] and client.cache.staged() == []
    assert client.journals.all() == []
    uploads = rig.sandbox.s3_client().list_multipart_uploads(Bucket=folder).get("Uploads", [])
    assert [u for u in uploads if u["Key"] == f"{name}.big"] == [], "multipart upload left on the CDN"


@pytest.fixture(scope="module")
def rig():
    from sandbox.server import Sandbox

    s3, api = FaultProxy(), FaultProxy()
    sb = Sandbox(seed=False, cdn_url=s3.url).start()
    s3.target_port = urlsplit(sb.s3_url).port
    api.target_port = urlsplit(sb.api_url).port
    try:
        yield Rig(sb, s3, api)
    finally:
        sb.stop()
        s3.stop()
        api.stop()


@pytest.fixture
def field_client(rig, tmp_path):
    """A client tuned for a bad link: short timeouts, few in-request retries, fast outer backoff (for test time)."""
    from core.api_client import ApiClient
    from core.models import Credentials, RoleEnum
    from core.retry import RetryPolicy
    from tests.conftest import USED_SECRETS

    def make(cache: Path | None = None, journal: Path | None = None, concurrency: int = 8):
        email, password = f"f-{uuid.uuid4().hex[:8]}@test.local", "pw-" + uuid.uuid4().hex
        USED_SECRETS.add(password)
        rig.sandbox.state.add_user(email, password, RoleEnum.ResourceUploader)
        client = ApiClient(
            rig.api.url,
            cache_dir=cache or tmp_path / "cache",
            journal_dir=journal or tmp_path / "journal",
            hardware="CPU: Field. GPU: None. Memory: 1. DriveSerial: F",
            timeout=(2.0, 5.0),
            retry_policy=RetryPolicy(attempts=8, base=0.5, cap=2.0),  # >= 8 s in all: outlives the 3 s outages
            # One attempt per request (botocore counts max_attempts as RETRIES: 0 = one attempt): every fault
            # reaches the client's own retry loop, which resumes (and
            # reports it), instead of botocore silently resending a whole part.
            cdn_options={"max_attempts": 0, "connect_timeout": 2, "read_timeout": 3, "max_concurrency": concurrency},
        )
        client.set_credentials(Credentials(email, password))
        client.login()
        return client

    rig.clear()
    yield make
    rig.clear()


def pytest_terminal_summary(terminalreporter) -> None:
    if not SUMMARY:
        return
    tr = terminalreporter
    tr.section("fault injection summary")
    tr.write_line(f"{'case':<44} {'faults':>6} {'outcome':>11} {'bytes resent':>13} {'data loss':>9}")
    for row in SUMMARY:
        outcome = row.get("outcome") or ("completed" if row["completed"] else "FAILED")
        tr.write_line(
            f"{row['case']:<44} {row['faults']:>6} {outcome:>11} "
            f"{row['resent'] / MiB:>9.1f} MiB {row['loss']:>9}"
        )
    total = sum(r["faults"] for r in SUMMARY)
    done = sum(1 for r in SUMMARY if r["completed"] and not r.get("outcome"))
    tr.write_line(f"{len(SUMMARY)} cases, {total} faults injected, {done} transfers completed, "
                  f"data loss {sum(r['loss'] for r in SUMMARY)}")
