"""The big/small protocol's rules in one place (docs/protocol.md, "Big/small resources"): where a ciphertext is
split, what the two parts are called, and the names of the metadata, form fields and headers that bind them.

Every other module asks here rather than spelling ``".big"`` or ``"small-sha256"`` itself, so a rule is changed
(or read) in one place; tests/test_protocol_names.py keeps the client's source free of such literals. The
reference server (sandbox/) implements the same rules on its own, on purpose: it shares no code with the client.
Local files named after a part (the cache's ``{name}.big`` and ``.big.part``, the staged ``{id}.big``/``.small``)
are built with these helpers too, so they follow the part they hold.
"""

from __future__ import annotations

from typing import NamedTuple

SMALL_MAX = 3072
"""The largest small part, in bytes."""

BIG_SUFFIX = ".big"
"""A resource ``name``'s big part is the CDN object ``{name}.big`` in the bucket named after its folder."""

SMALL_SUFFIX = ".small"
"""A resource ``name``'s small part is the API file ``{name}.small`` in its folder."""

SHA256_META = "sha256"
"""The big part's object metadata: lower-case hex SHA-256 of the object (whole-object uploads only)."""

SMALL_SHA256_META = "small-sha256"
"""The big part's object metadata: SHA-256 of the small part it was uploaded with; binds the two parts."""

BIG_SHA256_FIELD = "bigSha256"
BIG_SIZE_FIELD = "bigSize"
"""Form fields sent with a small part: the API's record of its big part (docs/protocol.md, "Tamper evidence")."""

BIG_SHA256_HEADER = "X-Big-Sha256"
BIG_SIZE_HEADER = "X-Big-Size"
"""The same record, returned by the API with the small part."""


class BigRecord(NamedTuple):
    """The API's record of a small part's big part: SHA-256 (lower-case hex) and size, each None if not given."""

    sha256: str | None
    size: int | None


def split_point(cipher_len: int) -> int:
    """min(3072, floor(30% of the ciphertext)), in integers so huge sizes cannot round the wrong way."""
    return min(SMALL_MAX, (cipher_len * 3) // 10)


def big_key(name: str) -> str:
    """The CDN key (and cache file name) of ``name``'s big part."""
    return name + BIG_SUFFIX


def small_name(name: str) -> str:
    """The API file name of ``name``'s small part."""
    return name + SMALL_SUFFIX


def is_small_name(stored: str) -> bool:
    """Whether an API file name is a small part's (``{name}.small`` with a non-empty ``name``)."""
    return stored.endswith(SMALL_SUFFIX) and len(stored) > len(SMALL_SUFFIX)


def name_of_small(stored: str) -> str | None:
    """The resource name of a small part's file name, or None if ``stored`` is not one (not validated)."""
    return stored[: -len(SMALL_SUFFIX)] if is_small_name(stored) else None


def name_of_big(key: str) -> str | None:
    """The resource name of a big part's key, or None if ``key`` is not one (not validated)."""
    return key[: -len(BIG_SUFFIX)] if key.endswith(BIG_SUFFIX) and len(key) > len(BIG_SUFFIX) else None
