"""The known-answer vectors of docs/protocol.md ("Known-answer vectors"), checked against both implementations:
the client's (core) and the reference server's own (sandbox/crypto.py). The vectors are read from the document,
so the page a third party implements from is the one that is tested."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from core import crypto as client_crypto
from core import keys as client_keys
from core.errors import IntegrityError
from core.hardware import format_hardware_string
from core.protocol import split_point as client_split_point
from core.settings import DEFAULT_SERVICES, Settings
from sandbox import crypto as server_crypto
from sandbox import images as server_images

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
KINDS = ("hardware", "user_key", "text_key", "image_key", "encryption", "ciphertext_size", "split")


def load_vectors() -> dict[str, list[Any]]:
    text = PROTOCOL.read_text(encoding="utf-8")
    section = text.split("\n## Known-answer vectors\n", 1)[1]
    match = re.search(r"^```json\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert match, "docs/protocol.md: no ```json block under 'Known-answer vectors'"
    return json.loads(match.group(1))


VECTORS = load_vectors()


def cases(kind: str) -> list[Any]:
    return VECTORS[kind]


def test_every_kind_of_vector_is_there() -> None:
    """An emptied or renamed list would make its tests pass vacuously."""
    assert set(VECTORS) == set(KINDS)
    assert all(len(VECTORS[kind]) >= 2 for kind in KINDS), {kind: len(VECTORS[kind]) for kind in KINDS}


@pytest.mark.parametrize("v", cases("hardware"))
def test_hardware_string_and_hash(v: dict[str, Any]) -> None:
    # Only the client builds hardware strings (the server receives them); both hash them.
    assert format_hardware_string(v["cpu"], v["gpu"], v["memory_kb"], v["serial"]) == v["string"]
    assert client_keys.hardware_hash(v["string"]) == v["hash"]
    assert server_crypto.hardware_hash(v["string"]) == v["hash"]


@pytest.mark.parametrize("v", cases("user_key"))
def test_per_user_key(v: dict[str, Any]) -> None:
    assert client_keys.hardware_hash(v["hardware"]) == v["hardware_hash"]
    assert server_crypto.hardware_hash(v["hardware"]) == v["hardware_hash"]
    assert client_keys.user_key_text(v["email"], v["password"], v["hardware_hash"]) == v["text"]
    assert client_crypto.text_key(v["text"]).hex() == v["key"]
    assert client_keys.user_key(v["email"], v["password"], v["hardware"]).hex() == v["key"]
    assert server_crypto.user_key(v["email"], v["password"], v["hardware"]).hex() == v["key"]


@pytest.mark.parametrize("v", cases("text_key"))
def test_text_key(v: dict[str, Any]) -> None:
    assert client_crypto.text_key(v["text"]).hex() == v["key"]
    assert server_crypto.text_key(v["text"]).hex() == v["key"]


def test_default_resource_key_is_the_first_text_key() -> None:
    first = cases("text_key")[0]
    assert client_keys.resource_key().hex() == first["key"]
    assert server_crypto.resource_key().hex() == first["key"]


@pytest.mark.parametrize("v", cases("image_key"))
def test_image_key_from_fragment(v: dict[str, Any]) -> None:
    fragment = bytes.fromhex(v["fragment"])
    assert client_keys.fragment_key(fragment).hex() == v["key"]
    assert server_crypto.fragment_key(fragment).hex() == v["key"]


@pytest.mark.parametrize("v", cases("encryption"))
def test_encryption(v: dict[str, Any]) -> None:
    key, iv = bytes.fromhex(v["key"]), bytes.fromhex(v["iv"])
    plain, blob = bytes.fromhex(v["plaintext"]), bytes.fromhex(v["ciphertext"])
    assert client_crypto.encrypt_bytes(plain, key, iv=iv) == blob
    assert server_crypto.encrypt(plain, key, iv=iv) == blob
    # The client's streaming encryptor fed one byte at a time gives the same bytes.
    out = bytearray()
    enc = client_crypto.StreamEncryptor(key, out.extend, iv=iv)
    for i in range(len(plain)):
        enc.update(plain[i : i + 1])
    enc.finalize()
    assert bytes(out) == blob
    assert client_crypto.decrypt_bytes(blob, key) == plain
    assert server_crypto.decrypt(blob, key) == plain
    assert client_crypto.decrypt_stream(io.BytesIO(blob), sink := io.BytesIO(), key) == len(blob)
    assert sink.getvalue() == plain


@pytest.mark.parametrize("v", cases("encryption"))
def test_a_flipped_last_byte_is_refused_by_both(v: dict[str, Any]) -> None:
    key, blob = bytes.fromhex(v["key"]), bytearray(bytes.fromhex(v["ciphertext"]))
    blob[-1] ^= 0x01
    with pytest.raises(IntegrityError):
        client_crypto.decrypt_bytes(bytes(blob), key)
    with pytest.raises(server_crypto.DecryptError):
        server_crypto.decrypt(bytes(blob), key)


@pytest.mark.parametrize(("plain_size", "size"), cases("ciphertext_size"))
def test_ciphertext_size(plain_size: int, size: int) -> None:
    assert client_crypto.ciphertext_size(plain_size) == size
    assert server_crypto.ciphertext_size(plain_size) == size


@pytest.mark.parametrize(("cipher_size", "small"), cases("split"))
def test_split_point(cipher_size: int, small: int) -> None:
    assert client_split_point(cipher_size) == small
    assert server_crypto.split_point(cipher_size) == small


def test_sandbox_split_cuts_where_the_rule_says() -> None:
    blob = bytes(range(256)) * 40  # 10240 bytes: the small part is exactly 3072
    small, big = server_crypto.split(blob)
    assert (small, big) == (blob[:3072], blob[3072:])


def test_sandbox_sample_images_use_the_client_defaults() -> None:
    """The sandbox keeps its own copy of the default services and prefix; the sample must unlock with defaults."""
    assert server_images.SAMPLE_SERVICES == DEFAULT_SERVICES
    assert server_images.SAMPLE_PREFIX == Settings().image_prefix
