"""Key fragments of image archives on the API (docs/protocol.md, "Image archives").

``GET /binary-split/key-fragment/{version}`` → ``{"fragment": base64, "sha256": hex}``: the archive key is
SHA-256 of the fragment bytes, and ``sha256`` is the SHA-256 of the whole archive file (IV + ciphertext), which
unlock checks while streaming because AES-CBC alone does not detect tampering.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from core.errors import PermissionDeniedError, ProtocolError
from core.images.names import validate_version
from core.urls import normalize_base_url, segment

if TYPE_CHECKING:
    import requests

    from core.models import RoleEnum

FRAGMENT_PATH = "/binary-split/key-fragment/"
PUBLISH_ROLES = ("Admin", "ApiAdmin")
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


class FragmentApi(Protocol):
    """What the key fragments need from the API client (core/api_client.py's ApiClient is one): authenticated
    requests, and the role logged in (to refuse a lock before its slow work)."""

    @property
    def role(self) -> RoleEnum:
        ...

    def request(self, method: str, path: str, *, what: str = "", **kwargs: Any) -> requests.Response:
        ...


@dataclass(frozen=True)
class KeyFragment:
    fragment: bytes
    sha256: str  # lowercase hex SHA-256 of the archive file

    def __repr__(self) -> str:  # the fragment is a secret: keep it out of logs and tracebacks
        return f"KeyFragment(<{len(self.fragment)} bytes>, sha256={self.sha256})"


def fragment_path(version: str) -> str:
    return FRAGMENT_PATH + segment(validate_version(version))


def parse_fragment(data: Any, what: str = "key fragment") -> KeyFragment:
    if not isinstance(data, dict):
        raise ProtocolError(f"{what}: expected a JSON object with 'fragment' and 'sha256'")
    raw, digest = data.get("fragment"), data.get("sha256")
    if not isinstance(raw, str):
        raise ProtocolError(f"{what}: the answer has no 'fragment' string")
    try:
        fragment = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(f"{what}: 'fragment' is not base64") from None
    if not fragment:
        raise ProtocolError(f"{what}: 'fragment' is empty")
    if not isinstance(digest, str) or not _SHA256_HEX.match(digest):
        raise ProtocolError(f"{what}: 'sha256' must be 64 hex digits (the archive's SHA-256)")
    return KeyFragment(fragment, digest.lower())


def fetch_key_fragment(client: FragmentApi, version: str) -> KeyFragment:
    """The fragment and archive hash of ``version``. NotFoundError (404) when none is published,
    PermissionDeniedError when the role may not unlock images."""
    what = f"get the key fragment of version {version}"
    resp = client.request("GET", fragment_path(version), what=what)
    try:
        data = resp.json()
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        raise ProtocolError(f"{what}: the server's answer is not JSON") from None
    return parse_fragment(data, what)


def publish_key_fragment(client: FragmentApi, version: str, fragment: bytes, sha256: str) -> None:
    """Publish (or replace) the fragment of ``version`` with the archive's SHA-256. Admin/ApiAdmin only."""
    if not fragment:
        raise ValueError("empty key fragment")
    if not _SHA256_HEX.match(sha256):
        raise ValueError("sha256 must be 64 hex digits")
    body = {"fragment": base64.b64encode(fragment).decode("ascii"), "sha256": sha256.lower()}
    client.request("POST", fragment_path(version), json=body, what=f"publish the key fragment of version {version}")


def require_publisher(client: FragmentApi) -> None:
    """Fail before any slow work when the logged-in role cannot publish a fragment (the server checks too)."""
    role = client.role
    if role.name not in PUBLISH_ROLES:
        raise PermissionDeniedError(
            f"locking images publishes a key fragment, which needs the Admin or ApiAdmin role (you are {role.label})"
        )


def download_key_fragment(resource_api_url: str, token: str, version: str | None = None, *,
                          timeout: float = 30.0) -> bytes:
    """The seed's function: the fragment bytes, with a plain bearer token.

    ``resource_api_url`` is the API base URL with ``version`` given, or (as in the seed, which had no version
    argument) the full URL of ``/binary-split/key-fragment/{version}``. Errors are the client's typed errors
    (NotFoundError for 404, PermissionDeniedError for 403, ...), not ``requests.HTTPError``."""
    return download_key_fragment_info(resource_api_url, token, version, timeout=timeout).fragment


def download_key_fragment_info(resource_api_url: str, token: str, version: str | None = None, *,
                               timeout: float = 30.0) -> KeyFragment:
    from core import http_limits  # here, so unlocking with a given fragment does not load requests
    from core.http_errors import error_for_response

    base = normalize_base_url(resource_api_url)
    url = base + fragment_path(version) if version is not None else base
    what = "get the key fragment" + (f" of version {version}" if version else "")
    limits = http_limits.Limits.from_env()
    limits = http_limits.Limits(limits.connect, timeout, max(timeout, limits.request), limits.stall_bytes)
    with http_limits.make_session(retries=0) as session:  # bounded, capped, no redirect off the API's origin
        resp = http_limits.send(session, "GET", url, what=what, limits=limits,
                                headers={"Authorization": f"Bearer {token}"})
    if resp.status_code >= 400:
        raise error_for_response(resp, what)
    try:
        data = resp.json()
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        raise ProtocolError(f"{what}: the server's answer is not JSON") from None
    return parse_fragment(data, what)
