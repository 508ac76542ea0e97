"""Streaming AES-256-CBC: format, interop with openssl, chunk boundaries, and clear errors on bad input."""

import io
import os
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cancel import CancelToken
from core.crypto import (
    CHUNK,
    StreamDecryptor,
    StreamEncryptor,
    ciphertext_size,
    decrypt_bytes,
    decrypt_stream,
    encrypt_bytes,
    encrypt_stream,
    text_key,
)
from core.errors import CancelledError, IntegrityError

KEY = text_key("unit-test-key")


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 31, 32, 33, 3071, 3072, 3073, CHUNK - 1, CHUNK, CHUNK + 1])
def test_round_trip_and_exact_size(n):
    data = os.urandom(n)
    blob = encrypt_bytes(data, KEY)
    assert len(blob) == ciphertext_size(n)
    assert decrypt_bytes(blob, KEY) == data


def test_random_iv_each_time():
    assert encrypt_bytes(b"same", KEY)[:16] != encrypt_bytes(b"same", KEY)[:16]


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5000), piece=st.integers(min_value=1, max_value=700))
def test_any_feeding_pattern(data, piece):
    blob = encrypt_bytes(data, KEY)
    out = bytearray()
    dec = StreamDecryptor(KEY, out.extend, chunk=64)
    for i in range(0, len(blob), piece):
        dec.update(blob[i : i + piece])
    dec.finalize()
    assert bytes(out) == data
    enc_out = bytearray()
    enc = StreamEncryptor(KEY, enc_out.extend, iv=blob[:16], chunk=64)
    for i in range(0, len(data), piece):
        enc.update(data[i : i + piece])
    enc.finalize()
    assert bytes(enc_out) == blob


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is installed by make test")
def test_openssl_interop(tmp_path):
    """The format is plain IV + AES-256-CBC/PKCS7: openssl decrypts ours and we decrypt openssl's."""
    data = os.urandom(3 * CHUNK + 123)
    blob = encrypt_bytes(data, KEY)
    (tmp_path / "c").write_bytes(blob[16:])
    plain = subprocess.run(
        ["openssl", "enc", "-d", "-aes-256-cbc", "-K", KEY.hex(), "-iv", blob[:16].hex(), "-in", str(tmp_path / "c")],
        check=True, capture_output=True,
    ).stdout
    assert plain == data
    iv = os.urandom(16)
    theirs = subprocess.run(
        ["openssl", "enc", "-e", "-aes-256-cbc", "-K", KEY.hex(), "-iv", iv.hex()],
        input=data, check=True, capture_output=True,
    ).stdout
    assert decrypt_bytes(iv + theirs, KEY) == data


def test_wrong_key_is_integrity_error():
    # The format has no MAC: a wrong key shows only as bad padding of the last block, and about 1 random IV in
    # 200 decrypts to valid padding (the test failed that often with a random IV). A fixed IV keeps it exact.
    blob = encrypt_bytes(b"x" * 1000, KEY, iv=bytes(range(16)))
    with pytest.raises(IntegrityError, match="wrong key|corrupt"):
        decrypt_bytes(blob, text_key("other"))


@pytest.mark.parametrize("cut", [0, 5, 16, 17, 40])
def test_truncated_is_integrity_error(cut):
    blob = encrypt_bytes(b"y" * 100, KEY)
    with pytest.raises(IntegrityError, match="truncated|corrupt|wrong key"):
        decrypt_bytes(blob[:cut] if cut < 20 else blob[:-cut // 8 - 1], KEY)


def test_tampered_last_block_detected():
    blob = bytearray(encrypt_bytes(b"z" * 64, KEY))
    blob[-17] ^= 0xFF  # flips the padding byte of the decrypted last block
    with pytest.raises(IntegrityError):
        decrypt_bytes(bytes(blob), KEY)


def test_stream_helpers_and_cancel():
    data = os.urandom(2 * CHUNK + 7)
    enc = io.BytesIO()
    encrypt_stream(io.BytesIO(data), enc, KEY)
    dec = io.BytesIO()
    decrypt_stream(io.BytesIO(enc.getvalue()), dec, KEY)
    assert dec.getvalue() == data
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        encrypt_stream(io.BytesIO(data), io.BytesIO(), KEY, cancel=token)


def test_key_must_be_32_bytes():
    with pytest.raises(ValueError):
        encrypt_bytes(b"a", b"short")
