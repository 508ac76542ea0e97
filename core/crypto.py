"""Streaming AES-256-CBC in the platform's format: 16-byte IV, then CBC ciphertext of PKCS7-padded plaintext.

Why it is written this way: ``update_into`` with buffers allocated once runs at ~2 GB/s and keeps memory flat;
``update()`` allocates per call and the PKCS7 (un)padder on big chunks is 2-3x slower, so padding is applied
only to the last (partial) block and the unpadder only sees the final block.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import BinaryIO

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

from core.cancel import NEVER, CancelToken, ProgressCallback, no_progress
from core.errors import IntegrityError

IV_SIZE = 16
BLOCK = 16
CHUNK = 1 << 20  # 1 MiB: measured sweet spot (16 MiB is 1.5x slower)

Sink = Callable[[memoryview], object]


def text_key(text: str) -> bytes:
    """A text key becomes the 32-byte AES key by SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def ciphertext_size(plain_size: int) -> int:
    """Exact size of IV + ciphertext for ``plain_size`` bytes (PKCS7 always adds 1..16 bytes)."""
    return IV_SIZE + (plain_size // BLOCK + 1) * BLOCK


def _check_key(key: bytes) -> None:
    if len(key) != 32:
        raise ValueError("AES-256 needs a 32-byte key (derive text keys with text_key)")


class StreamEncryptor:
    """Feed plaintext with ``update``; every produced byte (IV first) goes to ``sink``."""

    def __init__(self, key: bytes, sink: Sink, iv: bytes | None = None, chunk: int = CHUNK) -> None:
        _check_key(key)
        self._iv = iv if iv is not None else os.urandom(IV_SIZE)
        if len(self._iv) != IV_SIZE:
            raise ValueError("IV must be 16 bytes")
        self._ctx = Cipher(algorithms.AES(key), modes.CBC(self._iv)).encryptor()
        self._sink = sink
        self._chunk = chunk
        self._buf = bytearray(chunk + BLOCK)
        self._out = memoryview(self._buf)
        self._tail = b""  # < 16 bytes of plaintext not yet encrypted, padded at finalize
        self._started = False
        self._done = False

    @property
    def iv(self) -> bytes:
        return self._iv

    def _start(self) -> None:
        if not self._started:
            self._started = True
            self._sink(memoryview(self._iv))

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._start()
        mv = memoryview(data)
        if self._tail:
            need = BLOCK - len(self._tail)
            self._tail += bytes(mv[:need])
            mv = mv[need:]
            if len(self._tail) < BLOCK:
                return
            n = self._ctx.update_into(self._tail, self._buf)
            self._sink(self._out[:n])
            self._tail = b""
        usable = len(mv) - len(mv) % BLOCK
        pos = 0
        while pos < usable:
            end = min(pos + self._chunk, usable)
            n = self._ctx.update_into(mv[pos:end], self._buf)
            self._sink(self._out[:n])
            pos = end
        if usable < len(mv):
            self._tail = bytes(mv[usable:])

    def finalize(self) -> None:
        if self._done:
            return
        self._start()
        padder = padding.PKCS7(BLOCK * 8).padder()
        last = padder.update(self._tail) + padder.finalize()
        n = self._ctx.update_into(last, self._buf)
        self._ctx.finalize()
        self._sink(self._out[:n])
        self._done = True


class StreamDecryptor:
    """Feed IV + ciphertext in pieces of any size; plaintext goes to ``sink``. The last block is held back so
    the padding can be checked; a wrong key, truncation or tampering at the end raises IntegrityError."""

    def __init__(self, key: bytes, sink: Sink, chunk: int = CHUNK) -> None:
        _check_key(key)
        self._key = key
        self._sink = sink
        self._chunk = chunk
        self._iv = b""
        self._ctx: CipherContext | None = None
        self._buf = bytearray(chunk + BLOCK)
        self._out = memoryview(self._buf)
        self._held = b""
        self.consumed = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        mv = memoryview(data)
        self.consumed += len(mv)
        if self._ctx is None:
            need = IV_SIZE - len(self._iv)
            self._iv += bytes(mv[:need])
            mv = mv[need:]
            if len(self._iv) < IV_SIZE:
                return
            self._ctx = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).decryptor()
        pos = 0
        total = len(mv)
        while pos < total:
            end = min(pos + self._chunk, total)
            n = self._ctx.update_into(mv[pos:end], self._buf)
            pos = end
            if n == 0:
                continue
            if self._held:
                self._sink(memoryview(self._held))
            if n > BLOCK:
                self._sink(self._out[: n - BLOCK])
            self._held = bytes(self._out[n - BLOCK : n])

    def finalize(self) -> None:
        if self._ctx is None:
            raise IntegrityError("encrypted data is truncated: shorter than its 16-byte IV")
        try:
            self._ctx.finalize()
        except ValueError:
            raise IntegrityError("encrypted data is truncated or corrupt: not a whole number of blocks") from None
        if not self._held:
            raise IntegrityError("encrypted data is truncated: no ciphertext after the IV")
        unpadder = padding.PKCS7(BLOCK * 8).unpadder()
        try:
            last = unpadder.update(self._held) + unpadder.finalize()
        except ValueError:
            raise IntegrityError("decryption failed: wrong key, or the data is corrupt or tampered") from None
        if last:
            self._sink(memoryview(last))
        self._held = b""


def pump(
    src: BinaryIO,
    feed: Callable[[memoryview], object],
    *,
    total: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER,
    chunk: int = CHUNK,
) -> int:
    """Read ``src`` in fixed chunks into one reused buffer and hand each filled view to ``feed``."""
    buf = bytearray(chunk)
    view = memoryview(buf)
    done = 0
    readinto = getattr(src, "readinto", None)
    while True:
        cancel.raise_if_cancelled()
        if readinto is not None:
            n = readinto(buf)
            if not n:
                break
            feed(view[:n])
        else:
            data = src.read(chunk)
            if not data:
                break
            n = len(data)
            feed(memoryview(data))
        done += n
        progress(done, total)
    return done


def encrypt_stream(
    src: BinaryIO,
    dst: BinaryIO,
    key: bytes,
    *,
    total: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER,
) -> int:
    """Encrypt ``src`` into ``dst``; returns the plaintext byte count."""
    enc = StreamEncryptor(key, dst.write)
    n = pump(src, enc.update, total=total, progress=progress, cancel=cancel)
    enc.finalize()
    return n


def decrypt_stream(
    src: BinaryIO,
    dst: BinaryIO,
    key: bytes,
    *,
    total: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER,
) -> int:
    """Decrypt ``src`` into ``dst``; returns the ciphertext byte count. Raises IntegrityError on bad data."""
    dec = StreamDecryptor(key, dst.write)
    n = pump(src, dec.update, total=total, progress=progress, cancel=cancel)
    dec.finalize()
    return n


def encrypt_bytes(data: bytes, key: bytes, iv: bytes | None = None) -> bytes:
    """Small payloads only (API parts, cdn.yaml)."""
    out = bytearray()
    enc = StreamEncryptor(key, out.extend, iv=iv)
    enc.update(data)
    enc.finalize()
    return bytes(out)


def decrypt_bytes(data: bytes, key: bytes) -> bytes:
    """Small payloads only; raises IntegrityError when the bytes are not valid ciphertext for ``key``."""
    out = bytearray()
    dec = StreamDecryptor(key, out.extend)
    dec.update(data)
    dec.finalize()
    return bytes(out)
