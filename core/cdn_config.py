"""cdn.yaml: parsed with safe_load and validated (shape, types and values) so a bad or hostile file gives one clear
ConfigError naming the key, never a crash deep inside yaml or botocore (RecursionError, InvalidRegionError ...).

The uploader section is optional: a server serves it only to the roles that may upload (docs/protocol.md), and a
client without it can list and download but says clearly that it cannot upload."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import yaml

from core.errors import ConfigError
from core.urls import normalize_base_url

MAX_BYTES = 64 * 1024
"""A real cdn.yaml is a few hundred bytes; anything this big is not one (and is not fed to the YAML parser)."""
REQUIRED = ("host", "downloader_access_key", "downloader_access_secret")
UPLOADER = ("uploader_access_key", "uploader_access_secret")
DEFAULT_REGION = "us-east-1"
REGION_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # AWS (us-east-1), Ceph zonegroups (default, eu) ...
KEY_RE = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no space: keys travel in an HTTP header
BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")  # S3's bucket naming rules (the simple subset)


@dataclass(frozen=True)
class CdnConfig:
    host: str
    downloader_access_key: str
    downloader_access_secret: str = field(repr=False)
    uploader_access_key: str = ""
    uploader_access_secret: str = field(default="", repr=False)
    region: str = DEFAULT_REGION
    buckets: tuple[str, ...] = ()
    """Buckets the server names (optional): searched for pending uploads when ListBuckets shows nothing."""

    @property
    def can_upload(self) -> bool:
        """Whether the server gave this account the uploader keys (only the roles that may upload get them)."""
        return bool(self.uploader_access_key and self.uploader_access_secret)

    @classmethod
    def parse(cls, text: bytes | str) -> CdnConfig:
        if len(text) > MAX_BYTES:
            raise ConfigError(f"cdn.yaml is {len(text)} bytes, more than a CDN configuration can be ({MAX_BYTES})")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            at = f" at line {where.line + 1}" if where is not None else ""
            raise ConfigError(f"cdn.yaml is not valid YAML{at}") from None
        except RecursionError:
            raise ConfigError("cdn.yaml is nested too deeply to be a CDN configuration") from None
        if not isinstance(data, dict):
            raise ConfigError("cdn.yaml must be a mapping of keys to values")
        missing = [key for key in REQUIRED if key not in data]
        if missing:
            raise ConfigError(f"cdn.yaml is missing required key(s): {', '.join(missing)}")
        present = [key for key in UPLOADER if data.get(key) is not None]
        if len(present) == 1:
            other = next(key for key in UPLOADER if key not in present)
            raise ConfigError(f"cdn.yaml has {present[0]!r} but not {other!r}")
        for key in (*REQUIRED, *present, "region"):
            if key in data and (not isinstance(data[key], str) or not data[key].strip()):
                raise ConfigError(f"cdn.yaml key {key!r} must be a non-empty string")
        for key in ("downloader_access_key", "downloader_access_secret", *present):
            if len(data[key]) > 256 or not KEY_RE.fullmatch(data[key]):
                raise ConfigError(f"cdn.yaml key {key!r} must be up to 256 printable ASCII characters without spaces")
        region = data.get("region", DEFAULT_REGION)
        if len(region) > 64 or not REGION_RE.fullmatch(region):
            raise ConfigError(f"cdn.yaml region {_shown(region)} is not a region name (like us-east-1)")
        return cls(
            host=_host(data["host"]),
            downloader_access_key=data["downloader_access_key"],
            downloader_access_secret=data["downloader_access_secret"],
            uploader_access_key=data.get("uploader_access_key") or "",
            uploader_access_secret=data.get("uploader_access_secret") or "",
            region=region,
            buckets=_buckets(data.get("buckets")),
        )


def _shown(value: str) -> str:
    """A value from the file as it may appear in a message: quoted, control characters escaped, cut short."""
    return repr(value[:80])


def _host(value: str) -> str:
    """https, or http on loopback only (normalize_base_url); a bare origin with a valid port and no userinfo."""
    host = normalize_base_url(value, "cdn.yaml host")
    parts = urlsplit(host)
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in host):
        raise ConfigError(f"cdn.yaml host {_shown(value)} contains spaces or control characters")
    if parts.username is not None or parts.password is not None:
        raise ConfigError("cdn.yaml host must not carry a user name or password")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise ConfigError(f"cdn.yaml host {_shown(value)} has an invalid port") from None
    return host


def _buckets(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > 100:
        raise ConfigError("cdn.yaml key 'buckets' must be a list of up to 100 bucket names")
    for name in value:
        if not isinstance(name, str) or not BUCKET_RE.fullmatch(name) or ".." in name:
            raise ConfigError(f"cdn.yaml bucket {_shown(str(name))} is not a valid bucket name")
    return tuple(dict.fromkeys(value))
