"""Bad input of every kind ends in a clear typed error and leaves nothing partial behind."""

from __future__ import annotations

import threading

import pytest

from core.cancel import CancelToken
from core.errors import CancelledError, ConfigError, IntegrityError, InvalidNameError, LocalIOError
from core.models import RoleEnum

MiB = 1 << 20


@pytest.mark.parametrize("name", ["../evil", "a/b", "..", "c:\\x", "x\x00", "/abs"])
def test_path_like_names_fail_before_any_io(make_client, tmp_path, name):
    client = make_client(login=False)  # no credentials: any request would fail differently
    client._credentials = None
    with pytest.raises(InvalidNameError):
        client.download_big_small_resource(name, "models", tmp_path / "o")
    with pytest.raises(InvalidNameError):
        client.upload_big_small_resource(b"x", name, "models")
    with pytest.raises(InvalidNameError):
        client.list_files(name)
    assert list(tmp_path.iterdir()) == []


def test_server_listing_unsafe_names_are_dropped(sandbox, make_client):
    client = make_client()
    sandbox.state.put_file("lst", "fine.txt", b"1")
    sandbox.state._folders["lst"]["../../etc/passwd"] = sandbox.state._folders["lst"]["fine.txt"]
    names = [e.name for e in client.list_files("lst")]
    assert names == ["fine.txt"]


@pytest.fixture
def private_sandbox():
    from sandbox.server import Sandbox

    with Sandbox(seed=False) as sb:
        yield sb


@pytest.mark.parametrize(
    "text,message",
    [(b"host: [oops", "not valid YAML"), (b"host: http://127.0.0.1:1\n", "missing required key")],
)
def test_malformed_cdn_yaml(private_sandbox, make_client, text, message):
    private_sandbox.state.put_file("config", "cdn.yaml", text)
    client = make_client(api_url=private_sandbox.api_url, login=False)
    client.set_credentials(_account(private_sandbox))
    with pytest.raises(ConfigError, match=message):
        client.upload_big_small_resource(b"data", "x.bin", "models")
    assert client.cache.leftovers() == []


def _account(sb):
    from core.models import Credentials

    sb.state.add_user("u@test.local", "pw-u-123", RoleEnum.ResourceUploader)
    return Credentials("u@test.local", "pw-u-123")


def test_garbage_instead_of_ciphertext(sandbox, make_client, tmp_path):
    client = make_client()
    client.upload_big_small_resource(b"payload" * 100, "garb.bin", "models")
    sandbox.state.garbage_next_get()
    with pytest.raises(IntegrityError, match="does not decrypt"):
        client.download_big_small_resource("garb.bin", "models", tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_upload_of_missing_file(make_client, tmp_path):
    with pytest.raises(LocalIOError, match="no such file"):
        make_client().upload_big_small_resource(tmp_path / "nope.bin", "nope.bin", "models")
    with pytest.raises(LocalIOError, match="folder"):
        make_client().upload_big_small_resource(tmp_path, "dir.bin", "models")


def test_download_into_missing_folder_creates_it_atomically(make_client, tmp_path):
    client = make_client()
    client.upload_big_small_resource(b"abc", "deep.bin", "models")
    out = tmp_path / "a" / "b" / "deep.bin"
    client.download_big_small_resource("deep.bin", "models", out)
    assert out.read_bytes() == b"abc"


def _cancel_after(token: CancelToken, threshold: int):
    def progress(done, total):
        if done >= threshold:
            token.cancel()

    return progress


def test_cancelled_upload_leaves_nothing(sandbox, make_client, tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"\x5a" * (48 * MiB))
    client = make_client(cdn_options={"max_concurrency": 2})
    token = CancelToken()
    stages = []
    cancel_in_upload = _cancel_after(token, 12 * MiB)

    def progress(done, total):
        if stages[-1] == "uploading":  # a quarter into the CDN upload, after encryption finished
            cancel_in_upload(done, total)

    with pytest.raises(CancelledError):
        client.upload_big_small_resource(src, "cancel-up.bin", "models", progress=progress,
                                         on_stage=stages.append, cancel=token)
    assert stages == ["encrypting", "uploading"]
    s3 = sandbox.s3_client()
    assert s3.list_objects_v2(Bucket="models", Prefix="cancel-up.bin").get("KeyCount", 0) == 0
    assert s3.list_multipart_uploads(Bucket="models").get("Uploads", []) == [] or all(
        u["Key"] != "cancel-up.bin.big" for u in s3.list_multipart_uploads(Bucket="models")["Uploads"]
    )
    assert sandbox.state.get_file("models", "cancel-up.bin.small") is None
    assert client.cache.leftovers() == [] and client.cache.lookup("models", "cancel-up.bin") is None
    assert client.cache.staged() == [] and client.journals.all() == []


def test_cancelled_download_leaves_nothing(make_client, tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"\xa5" * (32 * MiB))
    make_client().upload_big_small_resource(src, "cancel-down.bin", "models")
    client = make_client()
    token = CancelToken()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(CancelledError):
        client.download_big_small_resource("cancel-down.bin", "models", out_dir / "f.bin",
                                           progress=_cancel_after(token, 8 * MiB), cancel=token)
    assert list(out_dir.iterdir()) == []
    assert client.cache.leftovers() == [] and client.cache.lookup("models", "cancel-down.bin") is None
    assert client.cache.partials() == []


def test_cancel_from_another_thread_stops_upload(make_client, tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"\x01" * (32 * MiB))
    client = make_client()
    token = CancelToken()
    started = threading.Event()

    def progress(done, total):
        started.set()

    timer = threading.Thread(target=lambda: (started.wait(10), token.cancel()))
    timer.start()
    with pytest.raises(CancelledError):
        client.upload_big_small_resource(src, "thread-cancel.bin", "models", progress=progress, cancel=token)
    timer.join()
    assert client.cache.leftovers() == []
