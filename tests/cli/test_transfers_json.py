"""``azaion transfers ls --json``: this machine's journals and the CDN's pending multipart uploads as one document."""

from __future__ import annotations

import json

from core.models import RoleEnum
from tests.core.test_cli_transfers import cli, folder, make_orphan, paused_upload  # noqa: F401 - fixtures


def test_transfers_ls_json(sandbox, make_account, make_client, cli, folder, tmp_path):  # noqa: F811
    creds = make_account(RoleEnum.ResourceUploader)
    _client, journal = paused_upload(make_client, creds, cli, tmp_path, folder, "half.bin")
    orphan = make_orphan(sandbox, folder, "lost.bin.big")

    res = cli(creds, "transfers", "ls", "--json", "--folder", folder)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert set(doc) == {"local", "cdn_checked", "cdn"} and doc["cdn_checked"] is True
    (local,) = doc["local"]
    assert set(local) == {"id", "folder", "name", "source", "size", "parts_done", "parts_total", "updated"}
    assert (local["id"], local["folder"], local["name"]) == (journal.id, folder, "half.bin")
    assert local["parts_total"] == 3 and 0 <= local["parts_done"] < 3
    by_id = {p["upload_id"]: p for p in doc["cdn"]}
    assert by_id[orphan] == {"folder": folder, "key": "lost.bin.big", "upload_id": orphan,
                             "initiated": by_id[orphan]["initiated"], "journal_id": None}
    assert by_id[journal.upload_id]["journal_id"] == journal.id

    only_local = json.loads(cli(creds, "transfers", "ls", "--local", "--json").stdout)
    assert only_local["cdn_checked"] is False and only_local["cdn"] == [] and len(only_local["local"]) == 1

    wrong = cli(creds, "transfers", "clean", "--json")
    assert wrong.returncode != 0 and wrong.stdout == "" and "--json" in wrong.stderr
