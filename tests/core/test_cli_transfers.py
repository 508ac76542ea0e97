"""``azaion transfers``: incomplete uploads as a user sees and aborts them (like S3 Browser's "uncompleted
multipart uploads"): this machine's journals and the multipart uploads pending on the CDN, including orphans no
journal knows. A real CLI subprocess against the sandbox; orphans are made with the sandbox's own S3 client."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from core.cancel import CancelToken
from core.errors import PausedError
from core.models import RoleEnum

MiB = 1 << 20


@pytest.fixture
def cli(sandbox, tmp_path):
    """``run(creds, *args)``: the CLI with this test's own XDG folders (its journals, cache and log)."""
    xdg = {v: tmp_path / v.lower() for v in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}

    def run(creds, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, **{k: str(v) for k, v in xdg.items()},
               "AZAION_EMAIL": creds.email, "AZAION_PASSWORD": creds.password}
        return subprocess.run([sys.executable, "-m", "core.cli.main", "--api", sandbox.api_url, *args],
                              capture_output=True, text=True, env=env, timeout=120)

    run.journal_dir = xdg["XDG_DATA_HOME"] / "azaion-admin" / "transfers"
    return run


@pytest.fixture
def folder(sandbox):
    name = f"tr-{uuid.uuid4().hex[:8]}"
    sandbox.s3_client().create_bucket(Bucket=name)
    return name


def pending_keys(sandbox, folder: str) -> dict[str, str]:
    uploads = sandbox.s3_client().list_multipart_uploads(Bucket=folder).get("Uploads", [])
    return {u["UploadId"]: u["Key"] for u in uploads}


def make_orphan(sandbox, folder: str, key: str) -> str:
    """What a crashed client on another machine leaves: a multipart upload with one part and no journal here."""
    s3 = sandbox.s3_client()
    upload_id = s3.create_multipart_upload(Bucket=folder, Key=key)["UploadId"]
    s3.upload_part(Bucket=folder, Key=key, UploadId=upload_id, PartNumber=1, Body=b"x" * 1024)
    return upload_id


def paused_upload(make_client, creds, cli, tmp_path, folder: str, name: str):
    """A journaled upload paused half way, in the journal folder the CLI reads."""
    from core.hardware import get_hardware_string

    client = make_client(creds, journal_dir=cli.journal_dir, cache_dir=tmp_path / "staging-cache",
                         hardware=get_hardware_string())  # the machine the CLI binds the account to
    src = tmp_path / name
    src.write_bytes(os.urandom(17 * MiB))  # 3 parts of 8 MiB
    token = CancelToken()
    stages: list[str] = []

    def progress(done: int, total: int) -> None:
        if stages and stages[-1] == "uploading" and done > 4 * MiB:
            token.pause()

    with pytest.raises(PausedError):
        client.upload_big_small_resource(src, name, folder, progress=progress, on_stage=stages.append, cancel=token)
    (journal,) = client.journals.all()
    assert journal.upload_id
    return client, journal


def one_error_line(res: subprocess.CompletedProcess) -> str:
    lines = res.stderr.splitlines()
    assert res.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    return lines[0]


def test_ls_shows_journals_and_cdn_uploads_then_abort_each(sandbox, make_account, make_client, cli, folder, tmp_path):
    creds = make_account(RoleEnum.ResourceUploader)
    client, journal = paused_upload(make_client, creds, cli, tmp_path, folder, "journaled.bin")
    orphan_id = make_orphan(sandbox, folder, "orphan.bin.big")

    res = cli(creds, "transfers", "ls", "--folder", folder)
    assert res.returncode == 0, res.stderr
    rows = [line.split("\t") for line in res.stdout.splitlines()]
    local = [r for r in rows if r[0] == "local"]
    cdn = {r[1]: r for r in rows if r[0] == "cdn"}
    assert [(r[1], r[2]) for r in local] == [(journal.id, f"{folder}/journaled.bin")]
    assert set(cdn) == {f"{folder}/journaled.bin.big", f"{folder}/orphan.bin.big"}
    assert cdn[f"{folder}/journaled.bin.big"][2:] [::2] == [journal.upload_id, journal.id]  # known to the journal
    assert cdn[f"{folder}/orphan.bin.big"][2] == orphan_id and cdn[f"{folder}/orphan.bin.big"][4] == "orphan"
    assert all(r[3].endswith("Z") and r[3][:2] == "20" for r in cdn.values())  # initiated, ISO 8601 UTC

    everywhere = cli(creds, "transfers", "ls")  # no --folder: every bucket the uploader key lists
    assert everywhere.returncode == 0 and f"cdn\t{folder}/orphan.bin.big\t{orphan_id}\t" in everywhere.stdout

    # An orphan is aborted by (a prefix of) its upload id, without any journal.
    res = cli(creds, "transfers", "abort", orphan_id[:16], "--folder", folder)
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"aborted {folder}/orphan.bin.big (upload {orphan_id})\n"
    assert pending_keys(sandbox, folder) == {journal.upload_id: "journaled.bin.big"}

    # A journaled one by FOLDER/KEY: through its journal, so the staged files go too.
    staged = [journal.staged_big, journal.staged_small]
    res = cli(creds, "transfers", "abort", f"{folder}/journaled.bin.big")
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"aborted {folder}/journaled.bin.big (upload {journal.upload_id})\n"
    assert pending_keys(sandbox, folder) == {}
    assert client.journals.all() == [] and not any(os.path.exists(p) for p in staged)

    res = cli(creds, "transfers", "ls", "--folder", folder)
    assert res.returncode == 0 and res.stdout == ""


def test_abort_by_journal_id_and_unknown_ids(sandbox, make_account, make_client, cli, folder, tmp_path):
    creds = make_account(RoleEnum.Admin)
    client, journal = paused_upload(make_client, creds, cli, tmp_path, folder, "j.bin")
    res = cli(creds, "transfers", "abort", "no-such-upload", "--folder", folder)
    assert "no incomplete upload matches 'no-such-upload'" in one_error_line(res)
    assert pending_keys(sandbox, folder) == {journal.upload_id: "j.bin.big"}  # nothing else was touched
    res = cli(creds, "transfers", "abort", f"{folder}/absent.big")
    assert "no incomplete upload matches" in one_error_line(res)
    res = cli(creds, "transfers", "abort")
    assert "abort needs an id" in one_error_line(res)

    res = cli(creds, "transfers", "abort", journal.id[:10])
    assert res.returncode == 0 and res.stdout == f"aborted {folder}/j.bin (journal {journal.id})\n", res.stderr
    assert pending_keys(sandbox, folder) == {} and client.journals.all() == []


def test_clean_aborts_old_orphans_only(sandbox, make_account, cli, folder):
    """Age is the last activity (start or newest part): moto reports every upload as started in 2010, but the
    part just uploaded keeps it alive under the default 7 days."""
    creds = make_account(RoleEnum.ResourceUploader)
    orphan_id = make_orphan(sandbox, folder, "old.bin.big")
    res = cli(creds, "transfers", "clean", "--folder", folder)  # default age (7 days): a fresh one may be live
    assert res.returncode == 0 and res.stdout == "", res.stderr
    assert pending_keys(sandbox, folder) == {orphan_id: "old.bin.big"}
    res = cli(creds, "transfers", "clean", "--folder", folder, "--older-than-days", "0")
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"cleaned {folder}/old.bin.big (upload {orphan_id}, no journal)\n"
    assert pending_keys(sandbox, folder) == {}


def test_roles_without_uploader_keys_get_a_clear_error(sandbox, make_account, cli, folder):
    orphan_id = make_orphan(sandbox, folder, "kept.bin.big")
    operator = make_account(RoleEnum.Operator)
    res = cli(operator, "transfers", "ls", "--folder", folder)
    line = one_error_line(res)
    assert "ResourceUploader, Admin or ApiAdmin" in line and "Operator" in line
    assert res.stdout == ""  # no half listing before the error
    res = cli(operator, "transfers", "abort", orphan_id, "--folder", folder)
    assert "ResourceUploader, Admin or ApiAdmin" in one_error_line(res)
    assert pending_keys(sandbox, folder) == {orphan_id: "kept.bin.big"}
    local = cli(operator, "transfers", "ls", "--local")
    assert local.returncode == 0 and local.stdout == "", local.stderr
    clean = cli(operator, "transfers", "clean", "--older-than-days", "0")
    assert clean.returncode == 0 and "not looked for" in clean.stderr
    assert pending_keys(sandbox, folder) == {orphan_id: "kept.bin.big"}
