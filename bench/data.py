"""Input files for the benchmark: made once per run in a temp dir, deleted by the caller."""

from __future__ import annotations

import os
from pathlib import Path

from core.crypto import IV_SIZE, encrypt_stream

BLOCK = 4 << 20


def make_plain(path: Path, size: int) -> Path:
    """Random bytes (incompressible, so nothing along the way can take a shortcut), written in 4 MiB blocks."""
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            n = min(BLOCK, left)
            fh.write(os.urandom(n))
            left -= n
    return path


def make_cipher(plain: Path, cipher: Path, raw: Path, key: bytes) -> bytes:
    """Encrypt ``plain`` in the platform format (IV + CBC) into ``cipher``, and write the same ciphertext
    without its IV into ``raw`` for openssl. Returns the IV."""
    with open(plain, "rb") as src, open(cipher, "wb") as dst:
        encrypt_stream(src, dst, key)
    with open(cipher, "rb") as src, open(raw, "wb") as dst:
        iv = src.read(IV_SIZE)
        while chunk := src.read(BLOCK):
            dst.write(chunk)
    return iv
