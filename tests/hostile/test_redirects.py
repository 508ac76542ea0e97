"""Secrets never leave for another host: a redirect answered to any request that carries the password or the token
(login, the small part, every authenticated call, the installer, the key fragment) is never followed to another
origin (scheme, host, port): it is a clear ProtocolError, the other host receives nothing, and the request is not
retried (the password is sent once). Same-origin 307/308 are followed, at most 3 times."""

from __future__ import annotations

import pytest

from core.errors import ProtocolError
from core.models import RoleEnum
from tests.hostile.server import redirect

ANY_REDIRECT = (301, 302, 303, 307, 308)


def _calls():
    """(method, path glob, call(client) that makes that request) for every kind of credential-carrying call."""
    from core import users
    from core.images.fragments import fetch_key_fragment
    from core.installers import download_installer

    return {
        "login": ("POST", "/login", lambda c, tmp: c.login()),
        "small part": ("POST", "/resources/get/models", lambda c, tmp: c.load_bytes("r.bin.small", "models")),
        "cdn.yaml": ("POST", "/resources/get/config", lambda c, tmp: c.cdn),
        "listing": ("GET", "/resources/list/models", lambda c, tmp: c.list_files("models")),
        "current user": ("GET", "/users/current", lambda c, tmp: c.get_user()),
        "users list": ("GET", "/users", lambda c, tmp: users.list_users(c)),
        "check machine": ("POST", "/resources/check", lambda c, tmp: c.check_resource()),
        "upload small": ("POST", "/resources/models", lambda c, tmp: c.upload_file("x.small", b"x", "models")),
        "clear folder": ("POST", "/clear-folder", lambda c, tmp: c.clear_folder("scratch")),
        "installer": ("GET", "/resources/get-installer", lambda c, tmp: download_installer(c, tmp / "inst.exe")),
        "key fragment": ("GET", "/binary-split/key-fragment/*", lambda c, tmp: fetch_key_fragment(c, "1.0.0")),
    }


@pytest.mark.parametrize("status", ANY_REDIRECT)
@pytest.mark.parametrize("call", list(_calls()))
def test_no_redirect_to_another_origin(hostile, tmp_path, call, status):
    method, pattern, run = _calls()[call]
    client = hostile.client(hostile.account(RoleEnum.Admin))
    hostile.api.clear()
    hostile.api.on(method, pattern, redirect(hostile.elsewhere.url + "/steal", status))
    with pytest.raises(ProtocolError, match="redirected .* to another origin") as err:
        run(client, tmp_path)
    assert hostile.elsewhere.url.split("//")[1].split(":")[0] in str(err.value)
    assert hostile.elsewhere.seen == [], "a credential-carrying request reached another host"
    assert len(hostile.api.requests(method, pattern)) == 1, "the request was sent again (retries)"
    assert client.credentials.password not in str(err.value)
    assert [p.name for p in tmp_path.glob("inst*")] == [] and [p for p in tmp_path.glob(".azaion-*")] == []


@pytest.mark.parametrize("other", ["scheme", "port"])
def test_another_port_or_scheme_is_another_origin(hostile, other):
    """Same host, other port (or https instead of http): still another origin."""
    location = hostile.elsewhere.url.replace("127.0.0.2", "127.0.0.1") if other == "port" else \
        hostile.api.url.replace("http://", "https://") + "/login"
    hostile.api.on("POST", "/login", redirect(location, 308))
    client = hostile.client(login=False)
    with pytest.raises(ProtocolError, match="another origin"):
        client.login()
    assert len(hostile.api.requests("POST", "/login")) == 1


def test_same_origin_redirect_is_followed_at_most_three_times(hostile):
    """A 307 within the API's origin is followed with the same body; a loop ends after 3 hops (the old client
    followed 30, re-sending the request each time)."""
    hostile.api.on("POST", "/login", redirect(hostile.api.url + "/login?moved=1", 307), times=1)
    client = hostile.client(login=False)
    assert client.login().email == client.credentials.email
    first, second = hostile.api.requests("POST", "/login")
    assert second.query == "moved=1" and second.body == first.body
    hostile.api.on("GET", "/users/current", redirect("/users/current", 307))
    with pytest.raises(ProtocolError, match="more than 3 redirects"):
        client.get_user()
    assert len(hostile.api.requests("GET", "/users/current")) == 4


def test_standalone_key_fragment_fetch_does_not_follow(hostile):
    from core.images.fragments import download_key_fragment

    client = hostile.client()
    hostile.api.on("GET", "/binary-split/key-fragment/*", redirect(hostile.elsewhere.url + "/f", 302))
    with pytest.raises(ProtocolError, match="another origin"):
        download_key_fragment(hostile.api.url, client.token.raw, "1.0.0")
    assert hostile.elsewhere.seen == []


def test_cli_login_redirected_elsewhere_fails_clearly(hostile):
    creds = hostile.account()
    hostile.api.on("POST", "/login", redirect(hostile.elsewhere.url + "/login", 307))
    proc = hostile.cli(creds, "ls", "models", timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "another origin" in proc.stderr and proc.stderr.startswith("error:")
    assert hostile.elsewhere.seen == []
    assert len(hostile.api.requests("POST", "/login")) == 1
    assert creds.password not in proc.stderr + proc.stdout


@pytest.mark.parametrize("status", (301, 302, 307))
def test_cdn_redirect_elsewhere_is_not_followed(hostile, tmp_path, status):
    """The CDN keys sign every request: a redirect of the big part's GET (or HEAD) off cdn.yaml's origin is not
    followed (botocore's region redirect stays on the endpoint; the client refuses any other origin)."""
    hostile.seed("redir.bin", b"r" * 20_000)
    client = hostile.client()
    where = hostile.elsewhere.url + "/models/redir.bin.big"
    hostile.s3.on("GET", "/models/redir.bin.big", redirect(where, status))
    hostile.s3.on("HEAD", "/models/redir.bin.big", redirect(where, status))
    with pytest.raises(Exception) as err:  # the kind depends on where botocore gives up
        client.download_big_small_resource("redir.bin", "models", tmp_path / "out.bin")
    assert "Traceback" not in str(err.value)
    assert hostile.elsewhere.seen == []
    assert not (tmp_path / "out.bin").exists() and list(tmp_path.glob(".azaion-*")) == []
