"""User settings (``settings.json`` in the config folder): server profiles and client preferences.

Settings never hold passwords or tokens: passwords go to the system keyring (core.credential_store), tokens
stay in memory. ``save_settings`` refuses any key that looks like one. A malformed file is reported as a
ConfigError naming the file and the key and is never silently overwritten.

File format (JSON object)::

    {
      "version": 1,
      "profiles": [{"id": "production", "name": "Production", "api_url": "https://api.azaion.com",
                    "email": "me@example.com"}, ...],
      "current_profile": "production",
      "resource_key": null,
      "docker_command": "docker",
      "services": ["annotations", "detections", "loader", "gps-denied"],
      "image_prefix": "azaion/",
      "concurrency": 2,
      "language": "system",
      "theme": "system",
      "cache_dir": null,
      "cache_downloads": true,
      "token_margin_s": 60,
      "stale_upload_days": 7,
      "bwlimit": "off",
      "bwlimit_schedule": "",
      "proxy_host": "",
      "proxy_port": 0,
      "proxy_user": ""
    }

``bwlimit`` is the bandwidth cap of all transfers together (core/bandwidth.py: ``2M``, ``512k``, ``off``);
``bwlimit_schedule``, when not empty, an rclone-style timetable that replaces it (``"08:00,1M 18:00,off"``).
``proxy_*`` name an HTTPS proxy for the API and the CDN (core/proxy.py); its password is in the keyring, never
here. An empty ``proxy_host`` means the system's proxy (environment, Windows settings), if any.

``cache_downloads`` keeps a copy of each downloaded (and uploaded) big part in the cache folder: the next download
of an unchanged resource needs no CDN, works offline, and an interrupted download resumes after a restart. Off,
each downloaded byte is written once (the output) instead of twice, and nothing is left in the cache folder.

``services`` is the list of service images the client offers to unlock; the default is a placeholder that
a deployment overrides in this setting. Unknown top-level keys are kept (in ``Settings.extra``) so a file
written by a newer version survives a round trip through an older one.
"""

from __future__ import annotations

import copy
import json
import os
import re
import stat
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core import paths, safejson
from core.bandwidth import BandwidthError, BandwidthLimit, parse_limit
from core.errors import ConfigError
from core.fileio import write_bytes_atomic

SETTINGS_FILE = "settings.json"
SETTINGS_VERSION = 1

DEFAULT_SERVICES = ("annotations", "detections", "loader", "gps-denied")


@dataclass
class Profile:
    id: str
    name: str
    api_url: str
    email: str = ""


def builtin_profiles() -> list[Profile]:
    """Production, stage and the local sandbox (its URL is filled in when the sandbox starts)."""
    return [
        Profile(id="production", name="Production", api_url="https://api.azaion.com"),
        Profile(id="stage", name="Stage", api_url="https://api-stage.azaion.com"),
        Profile(id="sandbox", name="Sandbox", api_url=""),
    ]


BUILTIN_PROFILE_IDS = tuple(p.id for p in builtin_profiles())


@dataclass
class Settings:
    profiles: list[Profile] = field(default_factory=builtin_profiles)
    current_profile: str = "production"
    resource_key: str | None = None
    docker_command: str = "docker"
    services: list[str] = field(default_factory=lambda: list(DEFAULT_SERVICES))
    image_prefix: str = "azaion/"
    concurrency: int = 2
    language: str = "system"
    theme: str = "system"
    cache_dir: str | None = None
    cache_downloads: bool = True
    token_margin_s: int = 60
    stale_upload_days: int = 7
    bwlimit: str = "off"
    bwlimit_schedule: str = ""
    proxy_host: str = ""
    proxy_port: int = 0
    proxy_user: str = ""
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def profile(self, id_or_name: str) -> Profile:
        """The profile with this id, else the one with this name (case-insensitive); ConfigError if none."""
        for p in self.profiles:
            if p.id == id_or_name:
                return p
        wanted = id_or_name.strip().casefold()
        for p in self.profiles:
            if p.id.casefold() == wanted or p.name.casefold() == wanted:
                return p
        known = ", ".join(p.id for p in self.profiles) or "none"
        raise ConfigError(f"unknown profile {id_or_name!r}, known: {known}")

    def current(self) -> Profile:
        return self.profile(self.current_profile)

    def add_or_update_profile(
        self,
        profile_id: str,
        *,
        name: str | None = None,
        api_url: str | None = None,
        email: str | None = None,
    ) -> Profile:
        """Create the profile ``profile_id`` or change the given fields of the existing one; returns it."""
        profile_id = profile_id.strip()
        if not profile_id:
            raise ConfigError("a profile needs a non-empty id")
        if api_url is not None:
            api_url = api_url.strip().rstrip("/")
            _check_api_url(api_url, f"profile {profile_id!r}")
        for p in self.profiles:
            if p.id == profile_id:
                if name is not None:
                    p.name = name
                if api_url is not None:
                    p.api_url = api_url
                if email is not None:
                    p.email = email.strip()
                return p
        created = Profile(
            id=profile_id,
            name=name if name is not None else profile_id,
            api_url=api_url or "",
            email=(email or "").strip(),
        )
        self.profiles.append(created)
        return created


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


def _check_api_url(api_url: str, where: str) -> None:
    if not api_url:
        return
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: api_url must be an http(s) URL, got {api_url!r}")


def server_id(api_url: str) -> str:
    """Cache folder name of a server: its host and port with every non-alphanumeric replaced by ``_``.

    The port is always included (the scheme's default when the URL has none), so ``https://api.azaion.com``
    and ``https://api.azaion.com:443`` share one cache: ``api_azaion_com_443``. The host is lower-cased.
    """
    if not api_url or not api_url.strip():
        raise ConfigError("the profile has no API URL (is the sandbox running?)")
    text = api_url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if not host:
        raise ConfigError(f"not a server URL: {api_url!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"bad port in server URL {api_url!r}") from exc
    if port is None:
        port = 80 if parts.scheme == "http" else 443
    return re.sub(r"[^A-Za-z0-9]", "_", f"{host}:{port}")


def effective_cache_dir(settings: Settings) -> Path:
    """``settings.cache_dir`` if set (``~`` expanded), else the platform cache folder; created if missing."""
    if settings.cache_dir:
        return paths.ensure_private_dir(Path(settings.cache_dir).expanduser())
    return paths.cache_dir()


def bandwidth_limit(settings: Settings) -> BandwidthLimit:
    """The cap the settings ask for: the timetable when one is set, else the fixed rate."""
    return parse_limit(settings.bwlimit_schedule if settings.bwlimit_schedule.strip() else settings.bwlimit)


def default_settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


_SECRET_KEY = re.compile(r"(?:^|_)(?:password|passwd|secret|token|tokens|jwt)$")


def _secret_keys(data: Any, prefix: str = "") -> list[str]:
    """Dotted paths of keys that look like they hold a password, token or secret."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}{key}"
            words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(key))
            words = re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")
            if _SECRET_KEY.search(words):
                found.append(name)
            found.extend(_secret_keys(value, name + "."))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(_secret_keys(value, f"{prefix}{i}."))
    return found


def _type_name(hint: Any) -> str:
    names = {str: "a string", int: "an integer", bool: "true/false", list: "a list"}
    args = typing.get_args(hint)
    if args:
        parts = [names.get(typing.get_origin(a) or a, "null" if a is type(None) else str(a)) for a in args]
        return " or ".join(parts)
    return names.get(typing.get_origin(hint) or hint, str(hint))


def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, a) for a in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        return isinstance(value, list) and all(item is Any or _matches(v, item) for v in value)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is Any:
        return True
    return isinstance(value, hint)


_SETTINGS_HINTS = typing.get_type_hints(Settings)
_PROFILE_HINTS = typing.get_type_hints(Profile)
_SETTINGS_KEYS = [f.name for f in fields(Settings) if f.name not in ("profiles", "extra")]


def _parse_profiles(raw: Any, path: Path) -> list[Profile]:
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: key 'profiles' must be a list of objects")
    profiles: list[Profile] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"{path}: profiles[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where} must be an object")
        values: dict[str, str] = {}
        for key in ("id", "name", "api_url", "email"):
            if key not in item:
                if key in ("id", "api_url"):
                    raise ConfigError(f"{where} is missing the key '{key}'")
                continue
            if not isinstance(item[key], str):
                raise ConfigError(f"{where}: key '{key}' must be a string, got {item[key]!r}")
            values[key] = item[key].strip()
        if not values["id"]:
            raise ConfigError(f"{where}: key 'id' must not be empty")
        if values["id"] in seen:
            raise ConfigError(f"{where}: duplicate profile id {values['id']!r}")
        seen.add(values["id"])
        _check_api_url(values["api_url"], f"{where}: key 'api_url'")
        profiles.append(
            Profile(
                id=values["id"],
                name=values.get("name") or values["id"],
                api_url=values["api_url"].rstrip("/"),
                email=values.get("email", ""),
            )
        )
    # Built-in profiles a file does not mention (added in a later version, say) are appended.
    for builtin in builtin_profiles():
        if builtin.id not in seen:
            profiles.append(builtin)
    return profiles


def settings_from_dict(data: Any, path: Path | str = "<settings>") -> Settings:
    """Validate a decoded settings document; ConfigError names ``path`` and the offending key."""
    path = Path(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the settings file must contain a JSON object")
    secret_keys = _secret_keys(data)
    if secret_keys:
        raise ConfigError(
            f"{path}: key '{secret_keys[0]}' looks like a password or token; settings must not contain "
            "secrets (passwords belong in the system keyring) - remove it"
        )
    version = data.get("version", SETTINGS_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ConfigError(f"{path}: key 'version' must be an integer, got {version!r}")
    kwargs: dict[str, Any] = {}
    if "profiles" in data:
        kwargs["profiles"] = _parse_profiles(data["profiles"], path)
    for key in _SETTINGS_KEYS:
        if key not in data:
            continue
        value = data[key]
        hint = _SETTINGS_HINTS[key]
        if not _matches(value, hint):
            raise ConfigError(f"{path}: key '{key}' must be {_type_name(hint)}, got {value!r}")
        kwargs[key] = copy.deepcopy(value)
    if "concurrency" in kwargs and kwargs["concurrency"] < 1:
        raise ConfigError(f"{path}: key 'concurrency' must be at least 1, got {kwargs['concurrency']}")
    if "stale_upload_days" in kwargs and kwargs["stale_upload_days"] < 1:
        raise ConfigError(f"{path}: key 'stale_upload_days' must be at least 1, got {kwargs['stale_upload_days']}")
    if "token_margin_s" in kwargs and kwargs["token_margin_s"] < 0:
        raise ConfigError(f"{path}: key 'token_margin_s' must not be negative, got {kwargs['token_margin_s']}")
    for key in ("bwlimit", "bwlimit_schedule"):
        if key in kwargs:
            try:
                parse_limit(kwargs[key])
            except BandwidthError as exc:
                raise ConfigError(f"{path}: key '{key}': {exc}") from None
    if "proxy_port" in kwargs and not 0 <= kwargs["proxy_port"] <= 65535:
        raise ConfigError(f"{path}: key 'proxy_port' must be a port number (1 to 65535), got {kwargs['proxy_port']}")
    kwargs["extra"] = {
        k: copy.deepcopy(v) for k, v in data.items() if k not in _SETTINGS_KEYS and k not in ("profiles", "version")
    }
    settings = Settings(**kwargs)
    known = {p.id for p in settings.profiles}
    if settings.current_profile not in known:
        raise ConfigError(
            f"{path}: key 'current_profile' names an unknown profile {settings.current_profile!r}, "
            f"known: {', '.join(sorted(known))}"
        )
    return settings


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    data: dict[str, Any] = {"version": SETTINGS_VERSION}
    data.update(copy.deepcopy(settings.extra))
    data["profiles"] = [asdict(p) for p in settings.profiles]
    for key in _SETTINGS_KEYS:
        data[key] = copy.deepcopy(getattr(settings, key))
    return data


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file (default: ``config_dir()/settings.json``); a missing file gives the defaults."""
    target = Path(path) if path is not None else default_settings_path()
    try:
        text = _read_settings_text(target)
    except FileNotFoundError:
        return Settings()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{target}: the settings file is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ConfigError(f"{target}: cannot read the settings file ({exc.strerror or exc})") from None
    try:
        data = safejson.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{target}: the settings file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "fix or remove it"
        ) from None
    return settings_from_dict(data, target)


MAX_SETTINGS_BYTES = 1 << 20
"""Real settings files are a few KiB; a bigger one is not ours (and would only cost memory to parse)."""


def _read_settings_text(target: Path) -> str:
    """The file's text, refusing what is not a regular file (a FIFO would block the start for ever) or is far
    larger than settings ever are. Opened once (O_NONBLOCK: opening a FIFO does not wait for a writer), then
    checked with fstat, so what is checked is what is read."""
    fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{target}: the settings file is not a regular file; fix or remove it")
        data = fh.read(MAX_SETTINGS_BYTES + 1)
    if len(data) > MAX_SETTINGS_BYTES:
        raise ConfigError(f"{target}: the settings file is larger than {MAX_SETTINGS_BYTES} bytes; fix or remove it")
    return data.decode("utf-8")


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings atomically with mode 0600; refuses keys that look like passwords or tokens.
    Returns the path written."""
    target = Path(path) if path is not None else default_settings_path()
    data = settings_to_dict(settings)
    secret_keys = _secret_keys(data)
    if secret_keys:
        raise ConfigError(
            f"refusing to save settings to {target}: key '{secret_keys[0]}' looks like a password or token; "
            "settings must not contain secrets"
        )
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"refusing to save settings to {target}: {exc}") from None
    # Validate what is written so the file can always be read back.
    settings_from_dict(json.loads(text), target)
    payload = text.encode("utf-8")
    write_bytes_atomic(target, payload, private=True)
    return target
