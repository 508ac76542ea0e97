"""The Settings' "Test connection": reach the API the way the client would, through the proxy being edited.
Its own module: it uses both the HTTP layer (core/http_limits.py) and the proxy decision (core/proxy.py), and
the HTTP layer already asks the proxy module which proxy a request takes."""

from __future__ import annotations

import dataclasses

from core import http_limits
from core.proxy import ProxyConfig, proxies_for, shown


def try_connection(url: str, proxy: ProxyConfig | None, seconds: float = 15.0) -> str:
    """Reach ``url`` (the API) the way the client would, through ``proxy`` (None: the system's), and say how it
    went: any HTTP answer means the proxy (if any) let the request through. Raises the client's errors (a proxy
    that cannot be reached, refused credentials, an unreachable server). For the Settings' "Test connection"."""
    session = http_limits.make_session(0, proxy=proxy)
    try:
        limits = dataclasses.replace(http_limits.Limits.from_env(), request=seconds)
        resp = http_limits.send(session, "GET", url, what="test the connection", limits=limits)
        resp.close()
    finally:
        session.close()
    via = proxies_for(url, proxy)
    how = f"through the proxy {shown(next(iter(via.values())))}" if via else "directly (no proxy)"
    return f"reached {url} {how}: HTTP {resp.status_code}"
