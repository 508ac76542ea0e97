"""Sizes and dates of a folder's resources before anything is downloaded: ONE listing of the folder's bucket
(``ListObjectsV2``, paged by ``ContinuationToken`` past 1000 keys) with the downloader key, not a HEAD per row.

A resource's plaintext size is not exactly derivable from its parts: the encrypted blob is
``16 + 16 * (floor(n / 16) + 1)`` bytes for ``n`` plaintext bytes (docs/protocol.md, "Keys and encryption
format"), so ``n`` lies in ``[C - 32, C - 17]`` for a blob of ``C`` bytes (big part + small part). ``plain_size``
gives the upper end (``C - 17``), which is off by at most 15 bytes: shown as an approximate size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.cdn import TRANSPORT_ERRORS, CDNManager, translate
from core.errors import ProtocolError
from core.http_limits import Watch

MAX_PAGES = 1000
"""A bucket of up to a million keys; a server that keeps answering "more" beyond that is not believed."""


@dataclass(frozen=True)
class ObjectSummary:
    size: int
    modified: datetime | None


def list_objects(cdn: CDNManager, bucket: str, *, page_size: int | None = None) -> dict[str, ObjectSummary]:
    """Every key of ``bucket`` with its size and last-modified time (the downloader key's ``s3:ListBucket``).
    Each page is one bounded request (the CDN's request deadline); errors are core's (``translate``)."""
    kwargs: dict = {"Bucket": bucket}
    if page_size:
        kwargs["MaxKeys"] = page_size
    found: dict[str, ObjectSummary] = {}
    for _ in range(MAX_PAGES):
        with Watch(cdn.limits.request, what=f"list the CDN bucket {bucket}") as watch:
            try:
                resp = cdn.downloader.list_objects_v2(**kwargs)
            except TRANSPORT_ERRORS as exc:
                raise watch.failure(exc, translate(exc, bucket, reading=True)) from exc
        for item in resp.get("Contents") or []:
            key, size = item.get("Key"), item.get("Size")
            if isinstance(key, str) and isinstance(size, int) and size >= 0:
                modified = item.get("LastModified")
                found[key] = ObjectSummary(size, modified if isinstance(modified, datetime) else None)
        token = resp.get("NextContinuationToken")
        if not resp.get("IsTruncated") or not token or token == kwargs.get("ContinuationToken"):
            return found
        kwargs["ContinuationToken"] = token
    raise ProtocolError(f"the CDN listing of {bucket} did not end after {MAX_PAGES} pages")


def plain_size(big_size: int, small_size: int) -> int:
    """The plaintext size a resource of these parts has, to within 15 bytes below (see the module docstring)."""
    return max(0, big_size + small_size - 17)
