"""URL checks: TLS everywhere except loopback, so a typo cannot send a password in clear text."""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlsplit

from core.errors import ConfigError


def is_loopback_host(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_base_url(url: str, what: str = "API URL") -> str:
    """Return the URL without a trailing slash; refuse non-HTTP(S) and plain HTTP to non-loopback hosts."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what} {url!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(f"{what} {url!r} uses plain http; only https is allowed except on this machine (loopback)")
    if parts.query or parts.fragment:
        raise ConfigError(f"{what} {url!r} must not carry a query or fragment")
    return text.rstrip("/")


def segment(value: str) -> str:
    """Quote one path segment (folder, email, version) so it cannot add path components."""
    return quote(str(value), safe="@")
