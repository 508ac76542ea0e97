"""The sandbox's seeded sample archive, its fragment endpoint, and the pure helpers (names, tar builder)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time

import pytest

from core.errors import InvalidNameError
from core.images import KeyFragment, decrypt_archive, fetch_key_fragment
from core.images.archive import is_tar_header
from core.images.names import normalize, parse_loaded, validate_version
from core.models import RoleEnum
from core.settings import DEFAULT_SERVICES, Settings
from sandbox.images import SAMPLE_VERSION, sample_archive
from sandbox.tarball import ImageSpec, docker_archive_bytes, service_images


def test_sandbox_publishes_the_sample_fragment(sandbox, make_client, tmp_path):
    client = make_client(role=RoleEnum.Operator)
    kf = fetch_key_fragment(client, SAMPLE_VERSION)
    data = client.download_from_cdn("images", f"{SAMPLE_VERSION}.tar.enc")
    assert data == sample_archive() and hashlib.sha256(data).hexdigest() == kf.sha256
    (tmp_path / "s.enc").write_bytes(data)
    decrypt_archive(tmp_path / "s.enc", kf, tmp_path / "s.tar")
    with tarfile.open(tmp_path / "s.tar") as tf:
        manifest = json.load(tf.extractfile("manifest.json"))
    prefix = Settings().image_prefix
    assert [m["RepoTags"] for m in manifest] == [[f"{prefix}{s}:{SAMPLE_VERSION}"] for s in DEFAULT_SERVICES]


def test_sample_archive_is_small_deterministic_and_fast():
    sample_archive.cache_clear()
    started = time.perf_counter()
    first = sample_archive()
    assert time.perf_counter() - started < 1.0
    sample_archive.cache_clear()
    assert sample_archive() == first and len(first) < 64 * 1024


def test_tar_builder_streams_big_layers_deterministically():
    spec = ImageSpec("a/b:1", files={"x.txt": b"hi"}, random_size=3 << 20, seed=5)
    one, two = docker_archive_bytes([spec]), docker_archive_bytes([spec])
    assert one == two and len(one) > 3 << 20
    with tarfile.open(fileobj=io.BytesIO(one)) as tf:
        manifest = json.load(tf.extractfile("manifest.json"))
        layer = tf.extractfile(manifest[0]["Layers"][0]).read()
        config = json.load(tf.extractfile(manifest[0]["Config"]))
    assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(layer).hexdigest()]
    assert is_tar_header(one[:512]) and not is_tar_header(b"\0" * 512) and not is_tar_header(bytes(range(256)) * 2)
    assert [m.repo_tag for m in service_images(["a", "b"], "p/", "1")] == ["p/a:1", "p/b:1"]


@pytest.mark.parametrize("name,want", [
    ("localhost/azaion/loader:1.0", "azaion/loader:1.0"),
    ("docker.io/azaion/loader:1.0", "azaion/loader:1.0"),
    ("docker.io/library/redis", "redis:latest"),
    ("registry.example.com:5000/azaion/loader:2", "registry.example.com:5000/azaion/loader:2"),
    ("azaion/loader@sha256:abc", "azaion/loader@sha256:abc"),
])
def test_normalize(name, want):
    assert normalize(name) == want


def test_parse_loaded_lines():
    assert parse_loaded("Loaded image: localhost/a/b:1") == ["localhost/a/b:1"]
    assert parse_loaded("Loaded image(s): a:1, b:2") == ["a:1", "b:2"]
    assert parse_loaded("Loaded image ID: sha256:abcd") == ["sha256:abcd"]
    assert parse_loaded("Getting image source signatures") == []


@pytest.mark.parametrize("bad", ["", "a/b", "-x", ".x", "a b", "x" * 129, "1:2"])
def test_bad_versions_are_refused(bad):
    with pytest.raises(InvalidNameError):
        validate_version(bad)


def test_key_fragment_repr_hides_the_secret():
    kf = KeyFragment(b"\x01" * 32, "a" * 64)
    assert "\\x01" not in repr(kf) and "01" * 4 not in repr(kf)
