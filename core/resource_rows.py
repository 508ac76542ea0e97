"""A folder's rows with sizes and dates, before anything is downloaded: what ``azaion ls -l`` / ``ls --json`` print
and what the desktop app's Resources panel shows (its ``listing_rows`` follows the same rule). Qt-free, so the
CLI and the GUI read one source.

The API's listing gives names (``x.small`` for a big/small resource ``x``, core.listing) and sometimes the small
part's size and a date. A resource's size comes from its cached big part, else from ONE listing of the folder's
bucket on the CDN (core.cdn_listing.list_objects, never a HEAD per row); it is the plaintext size to within 15
bytes (padding, core.cdn_listing.plain_size), so it is marked approximate. Its date is the API's, else the big
part's. Without the CDN listing (no ListBucket right, CDN down) the sizes stay unknown (None)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core.cdn_listing import ObjectSummary, list_objects, plain_size
from core.errors import AzaionError
from core.listing import listed
from core.models import ResourceEntry
from core.protocol import big_key

if TYPE_CHECKING:
    from core.api_client import ApiClient
    from core.cache import ResourceCache

log = logging.getLogger("azaion.listing")

SMALL_PART_MAX = 3072
"""docs/protocol.md: the small part is ``min(3072, floor(0.3 * C))`` bytes of a ``C``-byte encrypted blob."""


@dataclass(frozen=True)
class ResourceRow:
    """One listed name. ``plain`` rows are API files (no ``.small``); others are big/small resources."""

    name: str
    size: int | None
    modified: datetime | None
    cached: bool
    plain: bool
    approx: bool = False
    """``size`` is the plaintext size to within 15 bytes below (from the encrypted parts' sizes)."""

    @property
    def kind(self) -> str:
        return "file" if self.plain else "resource"


def small_size_for(big_size: int) -> int:
    """The small part's size for a big part of ``big_size`` bytes when the API did not say: the split point is
    ``min(3072, floor(0.3 * C))`` of a blob of ``C`` bytes, so ``C - small`` is ``big_size``."""
    return SMALL_PART_MAX if big_size >= 7168 else (big_size * 3 + 6) // 7


def rows_from_listing(
    entries: Iterable[ResourceEntry],
    cache: ResourceCache | None = None,
    folder: str = "",
    objects: Mapping[str, ObjectSummary] | None = None,
) -> list[ResourceRow]:
    """Listing entries to rows by the rule of ``azaion ls`` (core.listing.listed), sizes and dates filled in from
    the cache and ``objects`` (the folder bucket's listing) where the API gave none."""
    rows = []
    for item in listed(entries):
        entry = item.entry
        if item.plain:
            rows.append(ResourceRow(entry.name, entry.size, entry.modified, False, True))
            continue
        name = item.name
        big = objects.get(big_key(name)) if objects else None
        part = cache.lookup(folder, name) if cache is not None else None
        big_size = part.size if part is not None else big.size if big is not None else None
        size = None
        if big_size is not None:
            size = plain_size(big_size, entry.size if entry.size is not None else small_size_for(big_size))
        modified = entry.modified
        if modified is None and big is not None:
            modified = big.modified
        rows.append(ResourceRow(name, size, modified, part is not None, False, approx=size is not None))
    return rows


def listing_rows(client: ApiClient, folder: str, search: str = "") -> list[ResourceRow]:
    """A folder's rows: the API's listing and, only when some resource's size or date is still unknown, one
    listing of the folder's bucket on the CDN. A failing CDN listing leaves those sizes unknown (logged)."""
    entries = client.list_files(folder, search)
    # The cache off (the cache_downloads setting, --no-cache): a copy there is not used, so not shown as cached.
    cache = client.cache if client.transfers.keep_cache else None
    rows = rows_from_listing(entries, cache, folder)
    if not any(not r.plain and (r.size is None or r.modified is None) for r in rows):
        return rows
    try:
        objects = list_objects(client.cdn, folder)
    except AzaionError as exc:
        log.info("sizes of %s unknown: the CDN listing failed: %s", folder, exc)
        return rows
    return rows_from_listing(entries, cache, folder, objects)
