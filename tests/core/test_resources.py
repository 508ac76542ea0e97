"""Big/small resources end to end against the sandbox: real Flask API, real moto S3 through boto3."""

from __future__ import annotations

import hashlib
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.crypto import ciphertext_size, decrypt_bytes
from core.errors import NotFoundError
from core.keys import resource_key
from core.protocol import split_point

FOLDER = "models"
MiB = 1 << 20


def data_of(size: int, seed: int = 0) -> bytes:
    return random.Random(seed * 7919 + size).randbytes(size)


def stored_parts(sandbox, name: str, folder: str = FOLDER) -> tuple[bytes, bytes, dict]:
    small = sandbox.state.get_file(folder, f"{name}.small")
    obj = sandbox.s3_client().get_object(Bucket=folder, Key=f"{name}.big")
    return small, obj["Body"].read(), obj["Metadata"]


def check_round_trip(sandbox, make_client, tmp_path, size: int) -> None:
    data = data_of(size)
    name = f"rt-{size}-{os.urandom(3).hex()}.bin"
    uploader = make_client()
    report = uploader.upload_big_small_resource(data, name, FOLDER)
    total = ciphertext_size(size)
    small, big, meta = stored_parts(sandbox, name)
    assert len(small) == split_point(total) == min(3072, (total * 3) // 10)
    assert len(small) + len(big) == total
    assert report.small_size == len(small) and report.big_size == len(big)
    # The big part's SHA-256 is the API's record (sent with the small part); an object written in one PUT also has
    # it in its metadata, a multipart one (its parts sent while it is encrypted) does not (docs/protocol.md).
    reader = make_client()  # another account, another machine, empty cache
    assert reader.load_part(f"{name}.small", FOLDER)[1].sha256 == hashlib.sha256(big).hexdigest()
    assert meta.get("sha256", "") == ("" if len(big) >= 8 * MiB else hashlib.sha256(big).hexdigest())
    assert meta["small-sha256"] == hashlib.sha256(small).hexdigest()  # binds the two parts
    assert decrypt_bytes(small + big, resource_key()) == data
    out = tmp_path / f"out-{size}"
    got = reader.download_big_small_resource(name, FOLDER, out)
    assert got.source == "cdn" and got.cache_event is None
    assert out.read_bytes() == data
    assert reader.load_big_small_resource(name, FOLDER) == data
    assert reader.last_download_report.source == "cache"


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 3071, 3072, 3073, 10_239, 10_240, 10_241, MiB])
def test_round_trip_sizes(sandbox, make_client, tmp_path, size):
    check_round_trip(sandbox, make_client, tmp_path, size)


@pytest.mark.slow
def test_round_trip_64_mib_from_file(sandbox, make_client, tmp_path):
    src = tmp_path / "big.bin"
    with open(src, "wb") as fh:
        for i in range(64):
            fh.write(data_of(MiB, i))
    uploader = make_client()
    uploader.upload_big_small_resource(src, "big64.bin", FOLDER)
    small, big, meta = stored_parts(sandbox, "big64.bin")
    assert len(small) == 3072 and len(small) + len(big) == ciphertext_size(64 * MiB)
    out = tmp_path / "big.out"
    make_client().download_big_small_resource("big64.bin", FOLDER, out)
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(src.read_bytes()).digest()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(min_value=0, max_value=10_240))
def test_property_any_size_round_trips(sandbox, make_client, size):
    data = os.urandom(size)
    name = f"prop-{os.urandom(4).hex()}"
    client = make_client()
    client.upload_big_small_resource(data, name, FOLDER)
    small, big, _ = stored_parts(sandbox, name)
    assert len(small) == min(3072, (ciphertext_size(size) * 3) // 10)
    assert client.cache.lookup(FOLDER, name) is not None
    client.cache.discard(FOLDER, name)
    assert client.load_big_small_resource(name, FOLDER) == data


def test_upload_writes_cache_and_download_uses_it(make_client, tmp_path):
    client = make_client()
    data = data_of(50_000, 1)
    client.upload_big_small_resource(data, "cached.bin", FOLDER)
    cached = client.cache.lookup(FOLDER, "cached.bin")
    assert cached is not None and oct(cached.path.stat().st_mode & 0o777) == "0o600"
    report = client.download_big_small_resource("cached.bin", FOLDER, tmp_path / "o")
    assert report.source == "cache" and (tmp_path / "o").read_bytes() == data


def test_stale_cache_detected_replaced_reported(make_client, tmp_path, caplog):
    writer, reader = make_client(), make_client()
    writer.upload_big_small_resource(data_of(40_000, 1), "stale.bin", FOLDER)
    reader.download_big_small_resource("stale.bin", FOLDER, tmp_path / "v1")
    writer.upload_big_small_resource(data_of(40_000, 2), "stale.bin", FOLDER)
    with caplog.at_level("WARNING", logger="azaion.resources"):
        report = reader.download_big_small_resource("stale.bin", FOLDER, tmp_path / "v2")
    assert report.source == "cdn" and report.cache_event == "stale" and "stale" in report.message
    assert (tmp_path / "v2").read_bytes() == data_of(40_000, 2)
    assert any("stale" in r.getMessage() for r in caplog.records)
    again = reader.download_big_small_resource("stale.bin", FOLDER, tmp_path / "v3")
    assert again.source == "cache" and again.cache_event is None


def test_corrupt_cache_detected_and_refetched(make_client, tmp_path):
    client = make_client()
    data = data_of(300_000, 3)
    client.upload_big_small_resource(data, "corrupt.bin", FOLDER)
    part = client.cache.lookup(FOLDER, "corrupt.bin").path
    raw = bytearray(part.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    part.write_bytes(bytes(raw))
    report = client.download_big_small_resource("corrupt.bin", FOLDER, tmp_path / "o")
    assert report.cache_event == "corrupt" and report.source == "cdn"
    assert (tmp_path / "o").read_bytes() == data
    assert client.cache.lookup(FOLDER, "corrupt.bin").path.read_bytes() != bytes(raw)


def _cut_off_cdn(client) -> None:
    """Point the client's CDN at a loopback port nobody listens on (a real refused connection)."""
    import dataclasses
    import socket

    from core.cdn import CDNManager

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    cfg = dataclasses.replace(client.cdn.config, host=f"http://127.0.0.1:{dead}")
    client._cdn = CDNManager(cfg, max_attempts=1, connect_timeout=1)


def test_cdn_unreachable_with_valid_cache_works(make_client, tmp_path):
    client = make_client()
    data = data_of(20_000, 4)
    client.upload_big_small_resource(data, "offline.bin", FOLDER)
    _cut_off_cdn(client)
    report = client.download_big_small_resource("offline.bin", FOLDER, tmp_path / "o")
    assert report.source == "cache" and (tmp_path / "o").read_bytes() == data


def test_cdn_unreachable_without_cache_is_clear(make_client, tmp_path):
    from core.errors import UnreachableError

    make_client().upload_big_small_resource(data_of(20_000, 5), "nocache.bin", FOLDER)
    client = make_client()
    _cut_off_cdn(client)
    with pytest.raises(UnreachableError, match="cannot reach the CDN.*not in the local cache"):
        client.download_big_small_resource("nocache.bin", FOLDER, tmp_path / "o")
    assert list(tmp_path.iterdir()) == [tmp_path / "cache-1"] or not (tmp_path / "o").exists()
    assert not (tmp_path / "o").exists()
    assert client.cache.leftovers() == []


def test_missing_resource_is_not_found(make_client, tmp_path):
    with pytest.raises(NotFoundError):
        make_client().download_big_small_resource("never-uploaded.bin", FOLDER, tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_tampered_cdn_object_rejected(sandbox, make_client, tmp_path):
    from core.errors import IntegrityError

    client = make_client()
    client.upload_big_small_resource(data_of(30_000, 6), "tamper.bin", FOLDER)
    s3 = sandbox.s3_client()
    obj = s3.get_object(Bucket=FOLDER, Key="tamper.bin.big")
    body = bytearray(obj["Body"].read())
    body[100] ^= 0xFF
    s3.put_object(Bucket=FOLDER, Key="tamper.bin.big", Body=bytes(body), Metadata=obj["Metadata"])
    reader = make_client()
    with pytest.raises(IntegrityError, match="SHA-256"):
        reader.download_big_small_resource("tamper.bin", FOLDER, tmp_path / "o")
    assert not (tmp_path / "o").exists()
    assert reader.cache.lookup(FOLDER, "tamper.bin") is None and reader.cache.leftovers() == []


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_big_part_without_its_small_part_is_refused_not_mixed(sandbox, make_client, tmp_path):
    """v2's upload dies after its big part reached the CDN (the API is unreachable for the small part): the API
    still serves v1's small part. Old small + new big decrypts with valid padding (old first 3 KB, 16 bytes of
    garbage, new rest); the big part's ``small-sha256`` makes the download refuse the pair, after retrying the
    small part, from the CDN and from a cache alike: no output, no temp file, nothing committed to the cache."""
    from core.errors import AzaionError, IntegrityError
    from core.retry import RetryPolicy

    fast = RetryPolicy(attempts=3, base=0.05, cap=0.1)
    v1, v2 = data_of(9 * MiB, 11), data_of(9 * MiB, 12)  # multipart (threshold 8 MiB), split 3072
    uploader = make_client(retry_policy=fast)
    uploader.upload_big_small_resource(v1, "pair.bin", FOLDER)
    cached_reader = make_client(retry_policy=fast)
    cached_reader.download_big_small_resource("pair.bin", FOLDER, tmp_path / "warm.bin")
    v1_cached = cached_reader.cache.lookup(FOLDER, "pair.bin")
    assert v1_cached is not None and v1_cached.small_sha256 is not None

    api = uploader.api_url
    dead_api = f"http://127.0.0.1:{_closed_port()}"

    def cut_api_at_finalizing(stage: str) -> None:
        if stage == "finalizing":
            uploader.api_url = dead_api  # a real refused connection, for the small part only

    with pytest.raises(AzaionError, match="the big part of models/pair.bin was uploaded but the small part was not"):
        uploader.upload_big_small_resource(v2, "pair.bin", FOLDER, on_stage=cut_api_at_finalizing)
    uploader.api_url = api
    small, big, meta = stored_parts(sandbox, "pair.bin")
    assert meta["small-sha256"] != hashlib.sha256(small).hexdigest()
    mixed = decrypt_bytes(small + big, resource_key())  # what a download gave before: "success"
    assert mixed[:3056] == v1[:3056] and mixed[3072:] == v2[3072:]

    fresh_reader = make_client(retry_policy=fast)
    for reader, name in ((fresh_reader, "cdn"), (cached_reader, "cache")):
        out_dir = tmp_path / f"out-{name}"
        out_dir.mkdir()
        retries = []
        with pytest.raises(IntegrityError, match=(
                "the two parts of models/pair.bin do not match: an upload of it is under way or did not finish; "
                "try again later or upload it again")):
            reader.download_big_small_resource("pair.bin", FOLDER, out_dir / "pair.bin",
                                               on_retry=lambda *a, r=retries: r.append(a))
        assert len(retries) == fast.attempts - 1  # the small part was asked again before giving up
        assert list(out_dir.iterdir()) == []
        assert reader.cache.leftovers() == [] and reader.cache.partials() == []
    assert fresh_reader.cache.lookup(FOLDER, "pair.bin") is None
    assert cached_reader.cache.lookup(FOLDER, "pair.bin") == v1_cached
    with pytest.raises(AzaionError):
        cached_reader.load_big_small_resource("pair.bin", FOLDER)

    # Offline, the cached v1 big part does not take the API's small part on trust either (its sidecar records
    # v1's): here the small part matches, so the cache serves v1; after v2 completes, it is stale.
    _cut_off_cdn(cached_reader)
    assert cached_reader.load_big_small_resource("pair.bin", FOLDER) == v1
    uploader.upload_big_small_resource(v2, "pair.bin", FOLDER)  # the upload done again: the pair matches
    with pytest.raises(IntegrityError, match="cached copy of models/pair.bin is stale and the CDN cannot be reached"):
        cached_reader.load_big_small_resource("pair.bin", FOLDER)
    assert fresh_reader.download_big_small_resource("pair.bin", FOLDER, tmp_path / "v2.bin").source == "cdn"
    assert (tmp_path / "v2.bin").read_bytes() == v2


def test_objects_uploaded_before_the_parts_were_bound_still_download(sandbox, make_client, tmp_path):
    """No ``small-sha256`` in the metadata (an object uploaded by an earlier version): downloaded unchecked."""
    data = data_of(40_000, 13)
    make_client().upload_big_small_resource(data, "legacy.bin", FOLDER)
    s3 = sandbox.s3_client()
    obj = s3.get_object(Bucket=FOLDER, Key="legacy.bin.big")
    old_meta = {"sha256": obj["Metadata"]["sha256"]}
    s3.put_object(Bucket=FOLDER, Key="legacy.bin.big", Body=obj["Body"].read(), Metadata=old_meta)
    reader = make_client()
    assert reader.download_big_small_resource("legacy.bin", FOLDER, tmp_path / "o").source == "cdn"
    assert (tmp_path / "o").read_bytes() == data
    assert reader.cache.lookup(FOLDER, "legacy.bin").small_sha256 is None
    assert reader.load_big_small_resource("legacy.bin", FOLDER) == data
    assert reader.last_download_report.source == "cache"
