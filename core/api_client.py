"""ApiClient: the facade over the API, the CDN and the big/small protocol (the component spec's interface).

Thread-safe: the GUI calls it from several workers. One requests.Session (its pool is thread-safe); token
refresh happens under a lock, and a thread whose request failed with a token another thread already replaced
just retries with the new one instead of logging in again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from core import http_limits, resources
from core.cache import ResourceCache
from core.cancel import NEVER, CancelToken, current_cancel
from core.cdn import CDNManager
from core.cdn_config import CdnConfig
from core.crypto import decrypt_bytes
from core.errors import AuthError, AzaionError, IntegrityError, ProtocolError
from core.http_errors import error_for_response
from core.http_limits import JSON_CAP, Limits
from core.journal import JournalStore
from core.keys import resource_key, user_key
from core.models import Credentials, ResourceEntry, RoleEnum, User
from core.names import validate_folder, validate_name
from core.observer import Callbacks, EventFn, ProgressFn, StageFn
from core.protocol import BIG_SHA256_FIELD, BIG_SHA256_HEADER, BIG_SIZE_FIELD, BIG_SIZE_HEADER, BigRecord, is_small_name
from core.proxy import ProxyConfig
from core.retry import RetryCallback, RetryPolicy
from core.token import Token, parse_token
from core.urls import normalize_base_url, segment

log = logging.getLogger("azaion.api")

CDN_CONFIG_FOLDER = "config"
CDN_CONFIG_FILE = "cdn.yaml"
make_session = http_limits.make_session  # the name this module always had


def _default_journal_dir() -> Path:
    from core.paths import data_dir

    return data_dir() / "transfers"


def default_cache_root(api_url: str) -> Path:
    from core.paths import cache_dir
    from core.settings import server_id

    return cache_dir() / "cdn" / server_id(api_url)


class ApiClient:
    def __init__(
        self,
        api_url: str,
        *,
        cache_dir: Path | str | None = None,
        hardware: str | None = None,
        resource_key_text: str | None = None,
        timeout: tuple[float, float] | None = None,
        limits: Limits | None = None,
        token_margin: float = 60.0,
        retries: int = 3,
        cdn_options: dict[str, Any] | None = None,
        journal_dir: Path | str | None = None,
        retry_policy: RetryPolicy | None = None,
        proxy: ProxyConfig | None = None,
        cache_downloads: bool = True,
    ) -> None:
        """``proxy``: the Settings' proxy; None uses the system's (environment, Windows settings: core/proxy.py).
        ``cache_downloads``: the setting of that name (False: downloads neither read nor write the cache, and an
        upload's staged part is removed when it is sent instead of becoming a cache entry)."""
        self.proxy = proxy
        self.api_url = normalize_base_url(api_url)
        # What a transfer process (core/transfer_process.py) needs to build the same client; None when this one
        # was given objects that do not cross a process boundary (limits, a retry policy, CDN options).
        self._process_spec: dict[str, Any] | None = None
        if timeout is None and limits is None and retries == 3 and not cdn_options and retry_policy is None:
            self._process_spec = {
                "api_url": api_url, "cache_dir": None if cache_dir is None else str(cache_dir),
                "resource_key_text": resource_key_text, "token_margin": token_margin,
                "journal_dir": None if journal_dir is None else str(journal_dir),
            }
        self.cache = ResourceCache(cache_dir if cache_dir is not None else default_cache_root(self.api_url))
        self._hardware = hardware
        self.resource_key = resource_key(resource_key_text)
        # limits: deadlines and stall timeouts (core/http_limits.py); ``timeout`` (connect, stall) overrides two.
        self.limits = limits or Limits.from_env()
        if timeout is not None:
            self.limits = dataclasses.replace(self.limits, connect=timeout[0], stall=timeout[1])
        self.token_margin = token_margin
        self._session = make_session(retries, proxy=proxy)
        self._lock = threading.RLock()
        self._credentials: Credentials | None = None
        self._token: Token | None = None
        self._cdn: CDNManager | None = None
        self._cdn_options = cdn_options or {}
        self.journals = JournalStore(journal_dir if journal_dir is not None else _default_journal_dir())
        self.retry_policy = retry_policy or RetryPolicy()
        # Uploads and downloads of big/small resources: given what they use, they never reach back into the client
        # (the CDN through a provider, as it is rebuilt after each login).
        self.transfers = resources.Transfers(self, lambda: self.cdn, cache=self.cache, journals=self.journals,
                                             retry_policy=self.retry_policy, resource_key=self.resource_key,
                                             keep_cache=cache_downloads)

    # ---- credentials and session ------------------------------------------------------------------------

    def set_proxy(self, proxy: ProxyConfig | None) -> None:
        """Use ``proxy`` (None: the system's) from the next request on; the CDN client is rebuilt on next use
        (transfers already running finish on the connections they have)."""
        with self._lock:
            self.proxy = proxy
            self._session.proxy = proxy
            self._cdn = None

    def process_spec(self) -> dict[str, Any] | None:
        """What another process needs to act as this client (core/transfer_process.py): its settings, the cache
        setting as it is now, the proxy, the credentials and the current token. Secrets included: it goes only to
        a child's stdin. None when this client cannot be rebuilt elsewhere or has no credentials yet."""
        with self._lock:
            if self._process_spec is None or self._credentials is None:
                return None
            spec = dict(self._process_spec, hardware=self._hardware, cache_downloads=self.transfers.keep_cache)
            proxy = self.proxy
            spec["proxy"] = None if proxy is None else {
                "host": proxy.host, "port": proxy.port, "user": proxy.user, "password": proxy.password}
            return {"client": spec, "email": self._credentials.email, "password": self._credentials.password,
                    "token": self._token.raw if self._token is not None else None}

    @property
    def hardware(self) -> str:
        if self._hardware is None:
            from core.hardware import get_hardware_string

            self._hardware = get_hardware_string()
        return self._hardware

    def set_credentials(self, credentials: Credentials) -> None:
        with self._lock:
            if self._credentials != credentials:
                self._credentials = credentials
                self._token = None
                self._cdn = None

    def set_credentials_from_dict(self, email: str | dict, password: str | None = None) -> None:
        """Seed signature: ``(email, password)``; a dict ``{"email":…, "password":…}`` is accepted too."""
        if isinstance(email, dict):
            given = email
            email, password = given.get("email", ""), given.get("password", "")
        self.set_credentials(Credentials(str(email), str(password or "")))

    @property
    def timeout(self) -> tuple[float, float]:
        """(connect, stall) socket timeouts in seconds."""
        return self.limits.socket_timeout

    @property
    def credentials(self) -> Credentials | None:
        return self._credentials

    @property
    def token(self) -> Token | None:
        return self._token

    @property
    def role(self) -> RoleEnum:
        return self._token.role if self._token else RoleEnum.NONE

    def set_token(self, raw: str) -> None:
        with self._lock:
            self._token = parse_token(raw)

    def login(self) -> Token:
        """POST /login; drops the CDN config so it is fetched again with the new session."""
        with self._lock:
            if self._credentials is None:
                raise AuthError("no credentials: log in with an email and password first")
            creds = self._credentials
            resp = self._send(
                "POST", "/login", json={"email": creds.email, "password": creds.password}, what="log in"
            )
            if resp.status_code != 200:
                resp.close()
                raise error_for_response(resp, "log in")
            try:
                raw = resp.json()["token"]
            except (ValueError, RecursionError, KeyError, TypeError):
                raise ProtocolError("the login answer carried no token") from None
            self._token = parse_token(raw)
            self._cdn = None
            log.info("Logged in to %s as %s (%s)", self.api_url, creds.email, self._token.role.label)
            return self._token

    def logout(self) -> None:
        with self._lock:
            self._token = None
            self._cdn = None

    def _current_token(self) -> Token:
        with self._lock:
            if self._token is None or self._token.expires_within(self.token_margin):
                self.login()
            assert self._token is not None
            return self._token

    # ---- HTTP -------------------------------------------------------------------------------------------

    def _send(self, method: str, path: str, *, what: str, token: Token | None = None, cap: int = JSON_CAP,
              **kwargs) -> requests.Response:
        """One bounded call (core/http_limits.py: size cap, deadline, cancel, redirects only within the API's
        origin: every call carries the password or the token)."""
        headers = kwargs.pop("headers", {}) or {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.raw}"
        return http_limits.send(self._session, method, self.api_url + path, what=what, limits=self.limits,
                                cap=cap, headers=headers, **kwargs)

    def request(self, method: str, path: str, *, what: str = "", **kwargs) -> requests.Response:
        """Authenticated call: proactive re-login near expiry; on 401/403 one re-login and one retry. ``cap``
        bounds the answer's size, ``stream=True`` leaves the body to the caller, ``cancel`` ends it at once
        (default: the thread's current token, core/cancel.py)."""
        what = what or f"{method} {path}"
        token = self._current_token()
        resp = self._send(method, path, what=what, token=token, **kwargs)
        if resp.status_code in (401, 403):
            resp.close()
            with self._lock:
                if self._token is token or self._token is None:
                    log.info("Server answered %d to %s; logging in again", resp.status_code, what)
                    self.login()
                fresh = self._token
                assert fresh is not None  # login() set it, or raised
                token = fresh
            resp = self._send(method, path, what=what, token=token, **kwargs)
        if resp.status_code >= 400:
            resp.close()
            raise error_for_response(resp, what)
        return resp

    def _json(self, resp: requests.Response, what: str) -> Any:
        try:
            return resp.json()
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            raise ProtocolError(f"{what}: the server's answer is not JSON") from None

    # ---- users and machine ------------------------------------------------------------------------------

    def get_user(self) -> User:
        resp = self.request("GET", "/users/current", what="read the current user")
        return User.from_json(self._json(resp, "current user"))

    def check_resource(self) -> None:
        """Bind this account to this machine (first call) or learn that it is bound elsewhere (409/30)."""
        self.request("POST", "/resources/check", json={"hardware": self.hardware}, what="check this machine")

    # ---- plain files on the API -------------------------------------------------------------------------

    def list_files(self, folder: str, search: str = "") -> list[ResourceEntry]:
        validate_folder(folder)
        resp = self.request(
            "GET", f"/resources/list/{segment(folder)}", params={"search": search}, what=f"list {folder}"
        )
        data = self._json(resp, f"list {folder}")
        if not isinstance(data, list):
            raise ProtocolError(f"list {folder}: expected an array")
        entries = []
        for item in data:
            entry = _entry(item)
            if entry is None:
                log.warning("Skipping a malformed or unsafe name in the listing of %s", folder)
                continue
            entries.append(entry)
        return entries

    def load_bytes(self, filename: str, folder: str, *, cancel: CancelToken | None = None) -> bytes:
        """Fetch a file from the API and decrypt it with the per-user key. Small parts (``*.small``) may be at
        most SMALL_PART_CAP bytes, other files FILE_CAP (docs/protocol.md, "Limits")."""
        return self.load_part(filename, folder, cancel=cancel)[0]

    def load_part(self, filename: str, folder: str, *, cancel: CancelToken | None = None) -> tuple[bytes, BigRecord]:
        """``load_bytes`` plus the server's record of the big part a small part was uploaded with (headers
        ``X-Big-Sha256``/``X-Big-Size``; BigRecord(None, None) from a server or an upload without one:
        docs/protocol.md, "Tamper evidence")."""
        validate_name(filename, "file name")
        validate_folder(folder)
        creds = self._require_credentials()
        resp = self.request(
            "POST",
            f"/resources/get/{segment(folder)}",
            json={"password": creds.password, "hardware": self.hardware, "fileName": filename},
            what=f"download {folder}/{filename}",
            cap=http_limits.SMALL_PART_CAP if is_small_name(filename) else http_limits.FILE_CAP,
            cancel=cancel,
        )
        # The server derives the key from the email as it stores it; the token carries that spelling.
        email = (self._token.email if self._token and self._token.email else None) or creds.email
        try:
            data = decrypt_bytes(resp.content, user_key(email, creds.password, self.hardware))
        except IntegrityError:
            raise IntegrityError(
                f"{folder}/{filename}: the server's answer does not decrypt with this account's key "
                "(corrupt or not ciphertext)"
            ) from None
        log.info("Downloaded file: %s, %d bytes", filename, len(data))
        return data, _big_record(resp.headers, f"{folder}/{filename}")

    def upload_file(self, filename: str, data: bytes, folder: str, *, big: BigRecord | None = None) -> None:
        """Multipart upload of a small file to an API folder (small parts, config files). ``big``: the big part
        a small part belongs to, sent as the form fields ``bigSha256``/``bigSize`` for the server to keep and
        return with the small part (old servers ignore them)."""
        validate_name(filename, "file name")
        validate_folder(folder)
        fields = {}
        if big is not None and big.sha256:
            fields[BIG_SHA256_FIELD] = big.sha256
            if big.size is not None:
                fields[BIG_SIZE_FIELD] = str(big.size)
        http_limits.throttle(len(data))  # the bandwidth cap: the body goes out in one piece below
        resp = self.request(
            "POST",
            f"/resources/{segment(folder)}",
            files={"data": (filename, data, "application/octet-stream")},
            data=fields or None,
            what=f"upload {folder}/{filename}",
        )
        log.info("Uploaded %s to %s/%s successfully: %d.", filename, self.api_url, folder, resp.status_code)

    def clear_folder(self, folder: str) -> None:
        validate_folder(folder)
        self.request("POST", "/clear-folder", json={"folderPath": folder}, what=f"clear {folder}")

    def _require_credentials(self) -> Credentials:
        if self._credentials is None:
            raise AuthError("no credentials: log in first")
        return self._credentials

    # ---- CDN --------------------------------------------------------------------------------------------

    @property
    def cdn(self) -> CDNManager:
        """Built from cdn.yaml on first use after each login; kept in memory only."""
        with self._lock:
            if self._cdn is None or self._token is None:
                self._current_token()
                text = self.load_bytes(CDN_CONFIG_FILE, CDN_CONFIG_FOLDER)
                self._cdn = CDNManager(CdnConfig.parse(text),
                                       **{"limits": self.limits, "proxy": self.proxy, **self._cdn_options})
            return self._cdn

    def upload_to_cdn(self, bucket: str, filename: str, file_bytes: bytes) -> bool:
        return self.cdn.upload(bucket, filename, file_bytes)

    def download_from_cdn(self, bucket: str, filename: str) -> bytes:
        out = bytearray()
        self.cdn.stream_verified(validate_folder(bucket), validate_name(filename), out.extend)
        return bytes(out)

    # ---- big/small resources ----------------------------------------------------------------------------

    def upload_big_small_resource(
        self,
        resource: bytes | Path | str,
        resource_name: str,
        folder: str,
        *,
        progress: ProgressFn | None = None,
        on_stage: StageFn | None = None,
        on_retry: RetryCallback | None = None,
        on_event: EventFn | None = None,
        cancel: CancelToken = NEVER,
    ) -> resources.UploadReport:
        """``resource`` is bytes (small payloads) or a path (streamed, any size, resumable). The seed's signature:
        the four callbacks are one observer for ``client.transfers.upload`` (core/observer.py), which the app uses."""
        with _active(cancel):
            return self.transfers.upload(resource, resource_name, folder,
                                         observer=Callbacks(progress, on_stage, on_retry, on_event), cancel=cancel)

    def load_big_small_resource(self, resource_name: str, folder: str) -> bytes:
        """Seed signature: the decrypted resource as bytes. For big files use ``download_big_small_resource``."""
        data, report = self.transfers.download_bytes(resource_name, folder)
        self.last_download_report = report
        return data

    def download_big_small_resource(
        self,
        resource_name: str,
        folder: str,
        output: Path | str,
        *,
        progress: ProgressFn | None = None,
        on_stage: StageFn | None = None,
        on_retry: RetryCallback | None = None,
        on_event: EventFn | None = None,
        cancel: CancelToken = NEVER,
    ) -> resources.DownloadReport:
        """The seed's signature: the four callbacks are one observer for ``client.transfers.download_to_path``
        (core/observer.py), which the app uses."""
        with _active(cancel):
            return self.transfers.download_to_path(resource_name, folder, output,
                                                   observer=Callbacks(progress, on_stage, on_retry, on_event),
                                                   cancel=cancel)

    last_download_report: resources.DownloadReport | None = None


def _active(cancel: CancelToken):  # a context manager
    """``cancel`` as the thread's current token for a transfer (so its API and CDN reads end on it), unless it is
    NEVER and an outer caller made its own token current."""
    return cancel.active() if cancel is not NEVER or current_cancel() is NEVER else contextlib.nullcontext()


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _big_record(headers: Mapping[str, str], what: str) -> BigRecord:
    """The ``X-Big-Sha256``/``X-Big-Size`` headers; a malformed value is refused (a server that sends the
    record must send it right: treating it as absent would let a broken server switch the check off)."""
    raw_sha, raw_size = headers.get(BIG_SHA256_HEADER), headers.get(BIG_SIZE_HEADER)
    if raw_sha is None:
        return BigRecord(None, None)
    sha = raw_sha.strip().lower()
    if not _SHA256_HEX.fullmatch(sha) or (raw_size is not None and not (raw_size.isdigit() and len(raw_size) < 20)):
        raise ProtocolError(f"{what}: the server's big-part record is malformed")
    return BigRecord(sha, int(raw_size) if raw_size is not None else None)


def _entry(item: Any) -> ResourceEntry | None:
    from datetime import datetime

    if isinstance(item, str):
        name, size, modified = item, None, None
    elif isinstance(item, dict) and isinstance(item.get("name"), str):
        name = item["name"]
        size = item.get("size") if isinstance(item.get("size"), int) else None
        modified = None
        if isinstance(item.get("modified"), str):
            try:
                modified = datetime.fromisoformat(item["modified"].replace("Z", "+00:00"))
            except ValueError:
                modified = None
    else:
        return None
    try:
        validate_name(name)
    except AzaionError:
        return None
    return ResourceEntry(name, size, modified)

