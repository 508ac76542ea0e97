"""Tamper evidence that does not depend on who can write the CDN (docs/protocol.md, "Tamper evidence"): the
small part's upload carries the big part's SHA-256 and size to the API, which returns them with the small part;
a download checks the CDN object against them before a byte is written. A key holder who is not an uploader
through the API (here: the sandbox's admin S3 client) can forge a self-consistent object, new bytes that decrypt
validly after the real small part with sha256/small-sha256 metadata to match, but not the API's record."""

from __future__ import annotations

import hashlib
import random

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from core.crypto import decrypt_bytes
from core.errors import IntegrityError
from core.keys import resource_key

FOLDER = "models"


def data_of(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def forge(sandbox, name: str, tail: bytes, *, keep_sha_meta: bool = False) -> bytes:
    """Replace ``name``'s big part with one that continues the CBC chain of the real small part (the shared
    resource key, as the issue's Operator did): it decrypts with valid padding to the original's first bytes
    followed by ``tail``. Its metadata matches the forged bytes (or keeps the original SHA-256)."""
    s3 = sandbox.s3_client()
    small = sandbox.state.get_file(FOLDER, f"{name}.small")
    old = s3.get_object(Bucket=FOLDER, Key=f"{name}.big")
    old_meta = old["Metadata"]
    assert old_meta["small-sha256"] == hashlib.sha256(small).hexdigest()
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(resource_key()), modes.CBC(small[-16:])).encryptor()
    forged = enc.update(padder.update(tail) + padder.finalize()) + enc.finalize()
    meta = dict(old_meta)
    if not keep_sha_meta:
        meta["sha256"] = hashlib.sha256(forged).hexdigest()
    s3.put_object(Bucket=FOLDER, Key=f"{name}.big", Body=forged, Metadata=meta)
    return decrypt_bytes(small + forged, resource_key())


def assert_nothing_written(client, tmp_path, name: str) -> None:
    assert not (tmp_path / "o").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(("cache-", "journal-"))) == []
    assert client.cache.lookup(FOLDER, name) is None
    part, meta = client.cache.partial_paths(FOLDER, name)
    assert not part.exists() and not meta.exists()
    assert client.cache.leftovers() == []


@pytest.mark.parametrize("keep_sha_meta", [False, True], ids=["self-consistent-metadata", "original-sha256"])
def test_a_big_part_replaced_outside_the_api_is_refused_before_output(sandbox, make_client, tmp_path,
                                                                      keep_sha_meta):
    name = f"forged-{int(keep_sha_meta)}.bin"
    data = data_of(40_000, 1)
    make_client().upload_big_small_resource(data, name, FOLDER)
    mixed = forge(sandbox, name, b"attacker's payload " * 1000, keep_sha_meta=keep_sha_meta)
    assert mixed != data  # the forgery decrypts: only the API's record tells it apart
    reader = make_client()
    with pytest.raises(IntegrityError, match="recorded with the API.*tampered"):
        reader.download_big_small_resource(name, FOLDER, tmp_path / "o")
    assert_nothing_written(reader, tmp_path, name)
    stored = sandbox.state.get_stored(FOLDER, f"{name}.small")
    assert stored.big_sha256 and stored.big_size == 40_016 + 16 - 3072


def test_a_valid_cache_entry_is_not_replaced_by_a_forgery(sandbox, make_client, tmp_path):
    """A reader that cached the genuine big part meets the forged object: the cache is stale by the CDN's
    metadata, the forged object is refused by the API's record, and the output is not written."""
    name = "cached-forged.bin"
    make_client().upload_big_small_resource(data_of(30_000, 2), name, FOLDER)
    reader = make_client()
    reader.download_big_small_resource(name, FOLDER, tmp_path / "first")
    forge(sandbox, name, b"x" * 5000)
    with pytest.raises(IntegrityError, match="recorded with the API"):
        reader.download_big_small_resource(name, FOLDER, tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_a_legacy_pair_without_the_apis_record_still_downloads(sandbox, make_client, tmp_path):
    """A small part uploaded without the record (an older client, or a server that does not keep it): the
    object's own metadata is the only check, as before."""
    name = "legacy.bin"
    data = data_of(25_000, 3)
    make_client().upload_big_small_resource(data, name, FOLDER)
    small = sandbox.state.get_file(FOLDER, f"{name}.small")
    sandbox.state.put_file(FOLDER, f"{name}.small", small)  # no record
    assert sandbox.state.get_stored(FOLDER, f"{name}.small").big_sha256 is None
    reader = make_client()
    reader.download_big_small_resource(name, FOLDER, tmp_path / "o")
    assert (tmp_path / "o").read_bytes() == data


def test_the_server_keeps_and_returns_the_record(sandbox, make_client):
    """What the protocol asks of the API: the form fields are stored with the small part and come back as
    X-Big-Sha256/X-Big-Size; malformed fields are refused; a plain upload has none."""
    import requests

    client = make_client()
    client.upload_big_small_resource(data_of(20_000, 4), "rec.bin", FOLDER)
    obj = sandbox.s3_client().head_object(Bucket=FOLDER, Key="rec.bin.big")
    _data, record = client.load_part("rec.bin.small", FOLDER)
    assert record.sha256 == obj["Metadata"]["sha256"] and record.size == obj["ContentLength"]
    token = client.token.raw
    for fields in ({"bigSha256": "zz"}, {"bigSha256": "a" * 64, "bigSize": "-1"}, {"bigSize": "5"}):
        resp = requests.post(f"{sandbox.api_url}/resources/{FOLDER}", headers={"Authorization": f"Bearer {token}"},
                             files={"data": ("bad.small", b"x", "application/octet-stream")}, data=fields,
                             timeout=30)
        assert resp.status_code == 400, fields
        assert sandbox.state.get_file(FOLDER, "bad.small") is None
    client.upload_file("plain.small", b"abc", FOLDER)
    assert client.load_part("plain.small", FOLDER)[1].sha256 is None
