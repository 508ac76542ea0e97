"""cdn.yaml: parsed with safe_load and validated so a bad file gives one clear message naming the key."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from core.errors import ConfigError
from core.urls import normalize_base_url

REQUIRED = (
    "host",
    "downloader_access_key",
    "downloader_access_secret",
    "uploader_access_key",
    "uploader_access_secret",
)


@dataclass(frozen=True)
class CdnConfig:
    host: str
    downloader_access_key: str
    downloader_access_secret: str = field(repr=False)
    uploader_access_key: str = ""
    uploader_access_secret: str = field(default="", repr=False)
    region: str = "us-east-1"

    @classmethod
    def parse(cls, text: bytes | str) -> CdnConfig:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            at = f" at line {where.line + 1}" if where is not None else ""
            raise ConfigError(f"cdn.yaml is not valid YAML{at}") from None
        if not isinstance(data, dict):
            raise ConfigError("cdn.yaml must be a mapping of keys to values")
        missing = [key for key in REQUIRED if key not in data]
        if missing:
            raise ConfigError(f"cdn.yaml is missing required key(s): {', '.join(missing)}")
        for key in (*REQUIRED, "region"):
            if key in data and (not isinstance(data[key], str) or not data[key].strip()):
                raise ConfigError(f"cdn.yaml key {key!r} must be a non-empty string")
        return cls(
            host=normalize_base_url(data["host"], "cdn.yaml host"),
            downloader_access_key=data["downloader_access_key"],
            downloader_access_secret=data["downloader_access_secret"],
            uploader_access_key=data["uploader_access_key"],
            uploader_access_secret=data["uploader_access_secret"],
            region=data.get("region", "us-east-1"),
        )
