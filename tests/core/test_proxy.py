"""The HTTPS proxy (core/proxy.py) with a real proxy on loopback written here: it tunnels CONNECT (the CDN over
https: ``Sandbox(tls=True)``) and forwards plain-http requests (the sandbox's API is http on loopback), records
every target and the Proxy-Authorization it was given, and can demand credentials.

The Windows system proxy (read by ``urllib.request.getproxies()`` from the registry when the environment names
none) cannot be tested here; the environment source, which the same call reads first, is."""

from __future__ import annotations

import json
import os
import random
import socket
import uuid
from pathlib import Path

import pytest

from core.api_client import ApiClient
from core.errors import UnreachableError
from core.models import Credentials, RoleEnum
from core.proxy import ProxyAuthError, ProxyConfig, load_proxy, save_proxy_password
from core.retry import NO_RETRY
from core.settings import Settings, load_settings, save_settings
from sandbox.server import Sandbox
from tests.conftest import USED_SECRETS
from tests.loopback_proxy import LoopbackProxy

MiB = 1 << 20
FOLDER = "models"


@pytest.fixture(scope="module")
def tls_sandbox():
    with Sandbox(tls=True, seed=False) as sb:
        yield sb


def account(sb: Sandbox, role: RoleEnum) -> Credentials:
    email, password = f"p-{uuid.uuid4().hex[:8]}@proxy.local", "pw-" + uuid.uuid4().hex
    USED_SECRETS.add(password)
    sb.state.add_user(email, password, role)
    return Credentials(email, password)


def client(sb: Sandbox, tmp: Path, role: RoleEnum = RoleEnum.ResourceUploader, **kwargs) -> ApiClient:
    api = ApiClient(sb.api_url, cache_dir=tmp / uuid.uuid4().hex[:6], hardware=f"hw-{uuid.uuid4().hex[:6]}",
                    cdn_options={"ca_bundle": sb.ca_bundle, "max_attempts": 1}, retries=0, **kwargs)
    api.set_credentials(account(sb, role))
    return api


def round_trip(sb: Sandbox, tmp: Path, **kwargs) -> None:
    data = random.Random(3).randbytes(9 * MiB)  # multipart: two parts through the tunnel
    name = f"px-{uuid.uuid4().hex[:6]}.bin"
    up = client(sb, tmp, **kwargs)
    up.upload_big_small_resource(data, name, FOLDER)
    USED_SECRETS.add(up.token.raw)
    down = client(sb, tmp, RoleEnum.Operator, **kwargs)
    down.download_big_small_resource(name, FOLDER, tmp / "out.bin")
    USED_SECRETS.add(down.token.raw)
    assert (tmp / "out.bin").read_bytes() == data
    (tmp / "out.bin").unlink()


def s3_target(sb: Sandbox) -> str:
    return sb.s3_url.removeprefix("https://")


def test_the_settings_proxy_carries_the_api_and_the_cdn_with_credentials(tls_sandbox, tmp_path, monkeypatch):
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    user, password = "proxy-user", "px-" + uuid.uuid4().hex + ":@/%"  # characters a URL must escape
    USED_SECRETS.add(password)
    with LoopbackProxy(auth=(user, password)) as proxy:
        # The Settings way: host, port and user in the file, the password in the keyring.
        path = tmp_path / "settings.json"
        save_settings(Settings(proxy_host="127.0.0.1", proxy_port=proxy.port, proxy_user=user), path)
        assert save_proxy_password("127.0.0.1", proxy.port, user, password) is True  # the test keyring
        settings = load_settings(path)
        assert password not in path.read_text() and "proxy_user" in json.loads(path.read_text())
        configured = load_proxy(settings.proxy_host, settings.proxy_port, settings.proxy_user)
        assert configured is not None and configured.password == password
        round_trip(tls_sandbox, tmp_path, proxy=configured)
    assert s3_target(tls_sandbox) in proxy.connects  # the CDN through a CONNECT tunnel
    api = tls_sandbox.api_url
    assert any(t.startswith(api + "/login") for t in proxy.forwards)
    assert any(t.startswith(api + "/resources/") for t in proxy.forwards)  # cdn.yaml, the small part
    assert proxy.refused == []  # every request carried the credentials


def test_the_environment_proxy_is_used_and_no_proxy_is_honoured(tls_sandbox, tmp_path, monkeypatch):
    for var in ("ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    with LoopbackProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        round_trip(tls_sandbox, tmp_path)
        assert s3_target(tls_sandbox) in proxy.connects and proxy.forwards
        seen = len(proxy.connects) + len(proxy.forwards)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        round_trip(tls_sandbox, tmp_path)
        assert len(proxy.connects) + len(proxy.forwards) == seen  # direct: the proxy saw nothing more


def test_a_proxy_that_is_not_there_is_a_clear_error(tls_sandbox, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    api = client(tls_sandbox, tmp_path, proxy=ProxyConfig("127.0.0.1", port, "u", "secret-proxy-pw"),
                 retry_policy=NO_RETRY)
    with pytest.raises(UnreachableError, match=rf"cannot get through the proxy http://127\.0\.0\.1:{port} "
                                               r"\(log in\)") as info:
        api.login()
    assert "secret-proxy-pw" not in str(info.value)


def test_wrong_proxy_credentials_are_a_clear_error_for_the_api_and_the_cdn(tls_sandbox, tmp_path):
    with LoopbackProxy(auth=("u", "right-proxy-pw")) as proxy:
        api = client(tls_sandbox, tmp_path, proxy=ProxyConfig("127.0.0.1", proxy.port, "u", "wrong-proxy-pw"))
        with pytest.raises(ProxyAuthError, match=rf"the proxy http://127\.0\.0\.1:{proxy.port} refused the user name "
                                                 r"or password \(407 Proxy Authentication Required\) for log in"):
            api.login()
    # The CDN's CONNECT refused while the API's requests pass (a proxy that checks tunnels only).
    with LoopbackProxy(auth=("u", "right-proxy-pw"), auth_for=("CONNECT",)) as proxy:
        api = client(tls_sandbox, tmp_path, proxy=ProxyConfig("127.0.0.1", proxy.port, "u", "wrong-proxy-pw"),
                     retry_policy=NO_RETRY)
        with pytest.raises(ProxyAuthError, match="the proxy http://127.0.0.1:.* refused the user name or password"
                           ) as info:
            api.upload_big_small_resource(b"x" * 5000, "refused.bin", FOLDER)
        assert "wrong-proxy-pw" not in str(info.value)
        assert proxy.refused and proxy.refused[0].startswith("CONNECT")


def test_proxy_settings_are_checked():
    from core.errors import ConfigError

    for host, port in (("http://p.example", 8080), ("u:p@host", 8080), ("", 8080), ("host", 0), ("host", 70000)):
        with pytest.raises(ConfigError, match="proxy"):
            ProxyConfig(host, port)
    assert "pw" not in repr(ProxyConfig("h", 1, "u", "pw-secret"))


def test_no_proxy_env_leak_into_settings(tmp_path):
    path = tmp_path / "s.json"
    save_settings(Settings(proxy_host="proxy.example", proxy_port=3128, proxy_user="me"), path)
    data = json.loads(path.read_text())
    assert {k: data[k] for k in ("proxy_host", "proxy_port", "proxy_user")} == {
        "proxy_host": "proxy.example", "proxy_port": 3128, "proxy_user": "me"}
    assert not any("password" in k for k in data)
    assert os.stat(path).st_mode & 0o077 == 0


def test_the_cli_uses_the_settings_proxy_with_its_keyring_password(tls_sandbox, tmp_path):
    import subprocess
    import sys

    data = random.Random(4).randbytes(300_000)
    name = f"pxcli-{uuid.uuid4().hex[:6]}.bin"
    up = client(tls_sandbox, tmp_path)
    up.upload_big_small_resource(data, name, FOLDER)  # direct
    USED_SECRETS.add(up.token.raw)
    user, password = "cli-user", "px-" + uuid.uuid4().hex
    USED_SECRETS.add(password)
    creds = account(tls_sandbox, RoleEnum.Operator)
    with LoopbackProxy(auth=(user, password)) as proxy:
        config = tmp_path / "config"
        (config / "azaion-admin").mkdir(parents=True)
        settings_file = config / "azaion-admin" / "settings.json"
        save_settings(Settings(proxy_host="127.0.0.1", proxy_port=proxy.port, proxy_user=user), settings_file)
        assert save_proxy_password("127.0.0.1", proxy.port, user, password)
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(XDG_CONFIG_HOME=str(config), AWS_CA_BUNDLE=tls_sandbox.ca_bundle, AZAION_PASSWORD=creds.password)
        res = subprocess.run([sys.executable, "-m", "cli.main", "--api", tls_sandbox.api_url, "--email", creds.email,
                              "download", name, "--folder", FOLDER, "-o", str(tmp_path / "cli.bin")],
                             capture_output=True, text=True, env=env, timeout=120)
        assert res.returncode == 0, res.stderr
    assert (tmp_path / "cli.bin").read_bytes() == data
    assert s3_target(tls_sandbox) in proxy.connects and proxy.forwards and proxy.refused == []
    assert password not in settings_file.read_text()


def test_a_silent_proxy_is_bounded_by_the_deadline(tls_sandbox, tmp_path):
    """Connections through a proxy join the watches (core/http_limits.py): a proxy that never answers ends the call
    at its deadline (2 s here), not at the 30 s socket timeout. < 10 s: slack for this loaded machine."""
    import time

    from core.http_limits import Limits

    with LoopbackProxy(silent=True) as proxy:
        api = client(tls_sandbox, tmp_path, proxy=ProxyConfig("127.0.0.1", proxy.port),
                     limits=Limits(request=2.0), retry_policy=NO_RETRY)
        started = time.monotonic()
        with pytest.raises(UnreachableError, match="no complete answer within 2 s"):
            api.login()
        assert time.monotonic() - started < 10
