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
        return subprocess.run([sys.executable, "-m", "cli.main", "--api", sandbox.api_url, *args],
                              capture_output=True, text=True, env=env, timeout=120)

    run.journal_dir = xdg["XDG_DATA_HOME"] / "azaion-admin" / "transfers"
    run.xdg = xdg
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
    from core.bandwidth import LIMITER, OFF
    from core.hardware import get_hardware_string

    client = make_client(creds, journal_dir=cli.journal_dir, cache_dir=tmp_path / "staging-cache",
                         hardware=get_hardware_string(),  # the machine the CLI binds the account to
                         cdn_options={"max_concurrency": 1})
    src = tmp_path / name
    src.write_bytes(os.urandom(17 * MiB))  # 3 parts of 8 MiB
    token = CancelToken()
    stages: list[str] = []

    def progress(done: int, total: int) -> None:
        if stages and stages[-1] == "uploading" and done > 4 * MiB:
            token.pause()

    # One sender under a 16 MiB/s cap: the parts go out while the file is encrypted, and unbounded on loopback
    # all three could be on the CDN before the first progress report past 4 MiB (seen under load)
    LIMITER.set_rate("16M")
    try:
        with pytest.raises(PausedError):
            client.upload_big_small_resource(src, name, folder, progress=progress, on_stage=stages.append,
                                             cancel=token)
    finally:
        LIMITER.set_limit(OFF)
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


def test_the_gui_and_the_cli_never_drive_one_journal_at_once(sandbox, make_account, make_client, cli, folder,
                                                             tmp_path):
    """A paused upload is being resumed (here by core in this process, as the GUI does) when the CLI is asked to
    abort it and to upload the same file again. The abort is refused clearly (nothing is touched); the upload
    says it waits for the other, then runs once the resume is done (last writer wins). Both end well."""
    import threading

    creds = make_account(RoleEnum.ResourceUploader)
    client, journal = paused_upload(make_client, creds, cli, tmp_path, folder, "both.bin")
    src = tmp_path / "both.bin"
    driving, go_on = threading.Event(), threading.Event()
    result: dict = {}

    def on_event(message: str) -> None:
        if message.startswith("resuming the interrupted upload"):
            driving.set()
            go_on.wait(60)

    def resume() -> None:
        try:
            result["report"] = client.upload_big_small_resource(src, "both.bin", folder, on_event=on_event)
        except Exception as exc:  # reported by the assert below
            result["error"] = exc

    gui = threading.Thread(target=resume)
    gui.start()
    try:
        assert driving.wait(60)
        res = cli(creds, "transfers", "abort", journal.id, "--local")
        assert "is running in another process" in one_error_line(res)
        assert pending_keys(sandbox, folder) == {journal.upload_id: "both.bin.big"} and client.journals.all()
        env = {**os.environ, **{k: str(v) for k, v in cli.xdg.items()},
               "AZAION_EMAIL": creds.email, "AZAION_PASSWORD": creds.password}
        second = subprocess.Popen([sys.executable, "-m", "cli.main", "--api", sandbox.api_url, "upload",
                                   str(src), "--folder", folder], stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, env=env)
        first_line = second.stderr.readline()
        assert "another upload of" in first_line and "waiting for it to finish" in first_line, first_line
        assert second.poll() is None  # it waits: it does not drive the journal too
    finally:
        go_on.set()
        gui.join(120)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "error" not in result and result["report"].resumed is True
    assert client.journals.all() == [] and pending_keys(sandbox, folder) == {}
    back = tmp_path / "back.bin"
    from core.hardware import get_hardware_string

    checker = make_client(creds, cache_dir=tmp_path / "checker", hardware=get_hardware_string())
    checker.download_big_small_resource("both.bin", folder, back)
    assert back.read_bytes() == src.read_bytes()


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


class _S3Front:
    """An S3 endpoint in front of the sandbox's (moto), passing everything through except:

    * ListMultipartUploads is paged as S3 documents it (``max-uploads``, ``key-marker`` + ``upload-id-marker``,
      ``IsTruncated``, ``NextKeyMarker``/``NextUploadIdMarker``); moto 5.2 ignores max-uploads and always
      answers with every upload, so paging could not be tested against it alone;
    * AbortMultipartUpload of a key containing ``deny_abort`` is refused with 403 AccessDenied, as by a CDN whose
      policy lets the key list uploads but not abort them."""

    def __init__(self, upstream: str, *, admin: tuple[str, str], deny_abort: str | None = None) -> None:
        """``admin``: the sandbox's admin key pair, to sign the whole-listing request the front makes in place
        of a client's page request (the client's signature covers the query the front drops)."""
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlsplit

        up = urlsplit(upstream)
        front = self
        self.list_calls = 0

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def _relay(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query, keep_blank_values=True)
                if self.command == "DELETE" and "uploadId" in query and deny_abort and deny_abort in url.path:
                    self._answer(403, [("Content-Type", "application/xml")],
                                 b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                                 b"<Message>Access Denied</Message><RequestId>front</RequestId></Error>")
                    return
                listing = self.command == "GET" and "uploads" in query
                path = url.path + "?uploads" if listing else self.path  # prefix and paging: done here
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else None
                # The Host header is kept: the client's SigV4 signature covers it.
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                if listing:
                    headers = _signed_headers("GET", upstream.rstrip("/") + path, admin)
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                try:
                    conn.request(self.command, path, body=data, headers=headers)
                    resp = conn.getresponse()
                    payload = resp.read()
                finally:
                    conn.close()
                if listing and resp.status == 200:
                    front.list_calls += 1
                    payload = _page_uploads(payload, query)
                self._answer(resp.status, resp.getheaders(), payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def _signed_headers(method: str, url: str, key: tuple[str, str]) -> dict[str, str]:
    """SigV4 headers for a body-less request with ``key`` (the sandbox's S3 checks every signature)."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url)
    S3SigV4Auth(Credentials(*key), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def _page_uploads(xml: bytes, query: dict[str, list[str]]) -> bytes:
    """One page of a full ListMultipartUploadsResult: uploads in key order (then start order) after the markers,
    at most max-uploads of them, with the markers of the next page when more are left."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    if ns:
        ET.register_namespace("", ns[1:-1])

    def text(node, tag: str) -> str:
        return node.findtext(f"{ns}{tag}") or ""

    def put(tag: str, value: str) -> None:
        node = root.find(f"{ns}{tag}")
        if node is None:
            node = ET.SubElement(root, f"{ns}{tag}")
        node.text = value

    uploads = root.findall(f"{ns}Upload")
    for node in uploads:
        root.remove(node)
    prefix = query.get("prefix", [""])[0]
    ordered = sorted((u for u in uploads if text(u, "Key").startswith(prefix)),  # stable: one key's uploads
                     key=lambda u: text(u, "Key"))  # keep their start order
    key_marker = query.get("key-marker", [""])[0]
    id_marker = query.get("upload-id-marker", [""])[0]
    if key_marker:
        ids = [(text(u, "Key"), text(u, "UploadId")) for u in ordered]
        if id_marker and (key_marker, id_marker) in ids:
            ordered = ordered[ids.index((key_marker, id_marker)) + 1:]
        else:
            ordered = [u for u in ordered if text(u, "Key") > key_marker]
    limit = int(query.get("max-uploads", ["1000"])[0])
    page, rest = ordered[:limit], ordered[limit:]
    put("Prefix", prefix)
    put("MaxUploads", str(limit))
    put("IsTruncated", "true" if rest else "false")
    if rest:
        put("NextKeyMarker", text(page[-1], "Key"))
        put("NextUploadIdMarker", text(page[-1], "UploadId"))
    root.extend(page)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@pytest.fixture
def s3_front(sandbox, monkeypatch):
    """``make(**options)``: an _S3Front that the sandbox's cdn.yaml names as the CDN for this test."""
    made: list[_S3Front] = []

    def make(**options) -> _S3Front:
        front = _S3Front(sandbox.s3_url, admin=tuple(sandbox.s3_users.admin), **options)
        made.append(front)
        monkeypatch.setattr(sandbox, "cdn_url", front.url)
        return front

    yield make
    for front in made:
        front.close()


def test_pending_uploads_are_listed_page_after_page(sandbox, make_account, make_client, folder, s3_front):
    """S3 lists at most 1000 uploads per call; every page is followed (KeyMarker and UploadIdMarker), shown here
    with pages of 2: six uploads (one key has two), three calls."""
    ids = {make_orphan(sandbox, folder, f"k{i}.big"): f"k{i}.big" for i in range(5)}
    ids[make_orphan(sandbox, folder, "k2.big")] = "k2.big"
    front = s3_front()
    cdn = make_client(make_account(RoleEnum.ResourceUploader)).cdn
    listed = cdn.pending_uploads(folder, page_size=2)
    assert sorted(u["UploadId"] for u in listed) == sorted(ids) and front.list_calls == 3
    assert [u["Key"] for u in listed] == sorted(ids.values())
    same_key = cdn.pending_uploads(folder, "k2.big", page_size=1)  # one key's two uploads: pages of one
    assert sorted(u["UploadId"] for u in same_key) == sorted(i for i, k in ids.items() if k == "k2.big")
    assert front.list_calls == 3 + 2


def test_clean_reports_uploads_it_could_not_abort(sandbox, make_account, cli, folder, s3_front):
    """An orphan the CDN refuses to abort is not hidden: a `warning:` line on stderr naming it and why, exit 1;
    the others are still cleaned."""
    locked = make_orphan(sandbox, folder, "locked.bin.big")
    free = make_orphan(sandbox, folder, "free.bin.big")
    s3_front(deny_abort="locked")
    res = cli(make_account(RoleEnum.ResourceUploader), "transfers", "clean", "--folder", folder,
              "--older-than-days", "0")
    assert res.returncode == 1, res.stderr
    assert res.stdout == f"cleaned {folder}/free.bin.big (upload {free}, no journal)\n"
    (line,) = res.stderr.splitlines()
    assert line.startswith(f"warning: could not abort {folder}/locked.bin.big (upload {locked}): "), line
    assert "denied" in line.lower(), line
    assert pending_keys(sandbox, folder) == {locked: "locked.bin.big"}  # still there, as the warning says
