"""An HTTPS proxy for the API and the CDN: one decision per URL, given to both requests (the API) and botocore
(the CDN), so the two never disagree.

Where the proxy comes from, first found wins:
1. the Settings (``proxy_host``/``proxy_port``/``proxy_user``; the password in the system keyring, never in the
   settings file or a log);
2. the system: ``urllib.request.getproxies()``, which reads ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` from the
   environment and, when none is set, the system settings (the registry's Internet Options on Windows, the
   System Configuration on macOS).
``NO_PROXY`` (or Windows' bypass list) exempts hosts from either. The proxy itself is spoken to in plain HTTP:
https traffic goes through it in a CONNECT tunnel (TLS end to end, certificates verified as without a proxy).
"""

from __future__ import annotations

import base64
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import requests.utils

from core.errors import AzaionError, ConfigError, UnreachableError
from core.redaction import register_secret

KEYRING_PROFILE = "proxy"
"""The keyring entry of the proxy password: service ``azaion-admin:proxy``, user ``USER@HOST:PORT``."""


class ProxyAuthError(AzaionError):
    """The proxy refused the credentials (407): not transient (not retried), the user must fix Settings."""


class ProxyUnreachableError(UnreachableError):
    """The proxy could not be reached or would not open the tunnel: transient like any dropped link."""


@dataclass(frozen=True)
class ProxyConfig:
    """A proxy set in the Settings."""

    host: str
    port: int
    user: str = ""
    password: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        check_proxy(self.host, self.port)
        for secret in (self.password, quote(self.password, safe=""), self._basic()):
            register_secret(secret)

    def _basic(self) -> str:
        if not self.user:
            return ""
        return base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")

    @property
    def url(self) -> str:
        """``http://user:password@host:port``: what requests and botocore take (they send Proxy-Authorization
        from it). Holds the password: never logged or shown; ``shown`` is for people."""
        auth = ""
        if self.user:
            auth = quote(self.user, safe="") + (":" + quote(self.password, safe="") if self.password else "") + "@"
        return f"http://{auth}{_hostport(self.host, self.port)}"

    @property
    def shown(self) -> str:
        return f"http://{_hostport(self.host, self.port)}"


def check_proxy(host: str, port: int) -> None:
    """A host name or address (no scheme, path or credentials) and a port 1..65535; ConfigError otherwise."""
    text = host.strip()
    if not text or any(c in text for c in "/@ \t\r\n?#") or text != host:
        raise ConfigError(f"proxy host {host!r}: give a host name or address only (e.g. proxy.example.com)")
    if not 1 <= port <= 65535:
        raise ConfigError(f"proxy port {port}: must be 1 to 65535")


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def shown(proxy_url: str) -> str:
    """A proxy URL without its credentials, for messages and logs."""
    parts = urlsplit(proxy_url if "://" in proxy_url else "http://" + proxy_url)
    host = parts.hostname or "?"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{_hostport(host, port) if port else host}"


def proxies_for(url: str, configured: ProxyConfig | None) -> dict[str, str]:
    """The proxies (requests' and botocore's form) a request to ``url`` uses: empty for a direct connection."""
    if requests.utils.should_bypass_proxies(url, no_proxy=None):  # NO_PROXY, or Windows' bypass list
        return {}
    scheme = urlsplit(url).scheme.lower()
    if configured is not None:
        chosen: str | None = configured.url
    else:
        system = urllib.request.getproxies()  # environment first; else the registry (Windows), sysconf (macOS)
        chosen = system.get(scheme) or system.get("all")
    return {scheme: chosen} if chosen else {}


def proxy_failure(exc: BaseException, what: str, proxies: dict[str, str]) -> AzaionError | None:
    """What a transport error means when it came from the proxy: a 407 is a ProxyAuthError, any other failure
    to get through it an UnreachableError naming it; None when no proxy is in use or the error is not its."""
    if not proxies:
        return None
    import botocore.exceptions
    import requests.exceptions

    cause = getattr(exc, "kwargs", {}).get("error", exc)  # botocore keeps urllib3's error here
    text = f"{exc} {cause}"
    if not isinstance(exc, requests.exceptions.ProxyError | botocore.exceptions.ProxyConnectionError) \
            and "407" not in text:
        return None
    via = shown(next(iter(proxies.values())))
    if "407" in text:
        return ProxyAuthError(f"the proxy {via} refused the user name or password (407 Proxy Authentication "
                              f"Required) for {what}: check them in Settings")
    return ProxyUnreachableError(f"cannot get through the proxy {via} ({what}): {_short(str(cause))}")


def _short(text: str) -> str:
    return text if len(text) < 300 else text[:300] + "…"


def keyring_user(host: str, port: int, user: str) -> str:
    return f"{user}@{_hostport(host, port)}"


def load_proxy(host: str, port: int, user: str, store=None) -> ProxyConfig | None:  # store: CredentialStore
    """The Settings' proxy with its password from the keyring; None when no proxy host is set."""
    if not host.strip():
        return None
    password = ""
    if user:
        if store is None:
            from core.credential_store import CredentialStore

            store = CredentialStore()
        password = store.load(KEYRING_PROFILE, keyring_user(host, port, user)) or ""
    return ProxyConfig(host, port, user, password)


def save_proxy_password(host: str, port: int, user: str, password: str, store=None) -> bool:
    """Keep the proxy password in the keyring (True), else in this process's memory only (False, with the
    store's ``last_warning``); an empty password forgets the stored one."""
    if store is None:
        from core.credential_store import CredentialStore

        store = CredentialStore()
    key = keyring_user(host, port, user)
    if not password:
        store.forget(KEYRING_PROFILE, key)
        return True
    return store.save(KEYRING_PROFILE, key, password)
