"""Key derivations of the platform (documented in docs/protocol.md, section "Keys")."""

from __future__ import annotations

import base64
import hashlib

from core.crypto import text_key

DEFAULT_RESOURCE_KEY = "-#%@AzaionKey@%#---234sdfklgvhjbnn"
"""The shared resource key of the platform; a deployment overrides it in settings (``resource_key``)."""


def hardware_hash(hardware: str) -> str:
    """Stable, non-reversible id of a machine's canonical hardware string."""
    digest = hashlib.sha384(f"Azaion_{hardware}_%$$$)0_".encode()).digest()
    return base64.b64encode(digest).decode("ascii")


def user_key_text(email: str, password: str, hw_hash: str) -> str:
    return f"{email}-{password}-{hw_hash}-#%@AzaionKey@%#---"


def user_key(email: str, password: str, hardware: str) -> bytes:
    """Per-user key for what the API serves: bound to the account, its password and this machine."""
    return text_key(user_key_text(email, password, hardware_hash(hardware)))


def resource_key(override: str | None = None) -> bytes:
    """Shared key for big/small resources (the whole resource is encrypted with it before the split)."""
    return text_key(override or DEFAULT_RESOURCE_KEY)


def fragment_key(fragment: bytes) -> bytes:
    """Image archives are keyed by SHA-256 of the key fragment served by the API."""
    return hashlib.sha256(fragment).digest()
