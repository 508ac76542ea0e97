"""The sandbox's own implementation of the key derivations and the encryption format of docs/protocol.md
("Hardware", "Keys and encryption format", "Big/small resources", "Image archives").

Written from the protocol's text, not from the client's code: the reference server must not agree with the
client by construction, or a wrong derivation in either would pass every test. The known-answer vectors in
docs/protocol.md ("Known-answer vectors") are checked against both (tests/sandbox/test_known_answers.py).
Whole payloads in memory only: the sandbox serves small parts, cdn.yaml and a few KiB of sample archive.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

IV_SIZE = 16
BLOCK_SIZE = 16
SPLIT_LIMIT = 3072
"""The small part is at most this many bytes (``min(3072, floor(0.3 * len(C)))``)."""
DEFAULT_RESOURCE_KEY_TEXT = "-#%@AzaionKey@%#---234sdfklgvhjbnn"


class DecryptError(ValueError):
    """The bytes are not IV + whole blocks, or their padding is wrong for the key."""


def text_key(text: str) -> bytes:
    """A text key becomes the 32-byte AES key: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def hardware_hash(hardware: str) -> str:
    """``base64(SHA-384(UTF-8("Azaion_" + hardware + "_%$$$)0_")))``."""
    salted = "Azaion_" + hardware + "_%$$$)0_"
    return base64.b64encode(hashlib.sha384(salted.encode("utf-8")).digest()).decode("ascii")


def user_key(email: str, password: str, hardware: str) -> bytes:
    """Per-user key: the text ``{email}-{password}-{hardware hash}-#%@AzaionKey@%#---``; ``hardware`` is the
    canonical hardware string (hashed here)."""
    return text_key(email + "-" + password + "-" + hardware_hash(hardware) + "-#%@AzaionKey@%#---")


def resource_key(text: str = DEFAULT_RESOURCE_KEY_TEXT) -> bytes:
    """Shared key of big/small resources (a deployment may set another text)."""
    return text_key(text)


def fragment_key(fragment: bytes) -> bytes:
    """Image archive key: SHA-256 of the raw fragment bytes (not a text key)."""
    return hashlib.sha256(fragment).digest()


def encrypt(plaintext: bytes, key: bytes, iv: bytes | None = None) -> bytes:
    """IV (16 random bytes unless given) followed by AES-256-CBC of the PKCS7-padded plaintext."""
    if iv is None:
        iv = os.urandom(IV_SIZE)
    if len(iv) != IV_SIZE:
        raise ValueError("the IV must be 16 bytes")
    padder = padding.PKCS7(BLOCK_SIZE * 8).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES256(key), modes.CBC(iv)).encryptor()
    return iv + encryptor.update(padded) + encryptor.finalize()


def decrypt(blob: bytes, key: bytes) -> bytes:
    """Inverse of ``encrypt``; DecryptError when ``blob`` is not valid ciphertext for ``key``."""
    if len(blob) < IV_SIZE + BLOCK_SIZE or (len(blob) - IV_SIZE) % BLOCK_SIZE:
        raise DecryptError("not an IV followed by whole AES blocks")
    decryptor = Cipher(algorithms.AES256(key), modes.CBC(blob[:IV_SIZE])).decryptor()
    padded = decryptor.update(blob[IV_SIZE:]) + decryptor.finalize()
    unpadder = padding.PKCS7(BLOCK_SIZE * 8).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise DecryptError("bad padding: wrong key or damaged data") from None


def ciphertext_size(plain_size: int) -> int:
    """``16 + 16 * (floor(n / 16) + 1)``: PKCS7 always adds 1 to 16 bytes."""
    return IV_SIZE + BLOCK_SIZE * (plain_size // BLOCK_SIZE + 1)


def split_point(cipher_size: int) -> int:
    """Length of the small part of an encrypted resource of ``cipher_size`` bytes."""
    return min(SPLIT_LIMIT, (cipher_size * 3) // 10)


def split(ciphertext: bytes) -> tuple[bytes, bytes]:
    """(small part, big part) of an encrypted resource: ``C[:s]`` and ``C[s:]``."""
    s = split_point(len(ciphertext))
    return ciphertext[:s], ciphertext[s:]
