"""Names, roles, tokens, URLs, cdn.yaml and the progress meter."""

import time

import jwt
import pytest

from core.cdn_config import CdnConfig
from core.errors import ConfigError, InvalidNameError, ProtocolError
from core.models import RoleEnum, User
from core.names import validate_folder, validate_name
from core.progress import RateMeter, Throttle, human_bytes, human_duration
from core.protocol import split_point
from core.token import MS_ROLE_CLAIM, parse_token
from core.urls import normalize_base_url


@pytest.mark.parametrize(
    "bad",
    ["", ".", "..", "../x", "a/b", "a\\b", "/etc/passwd", "C:\\x", "c:x", "x\x00y", "x\ny", " x", "NUL", "a" * 256],
)
def test_bad_names_rejected(bad):
    with pytest.raises(InvalidNameError):
        validate_name(bad)
    with pytest.raises(InvalidNameError):
        validate_folder(bad)


@pytest.mark.parametrize(
    "char", [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))] + ["\u2028", "\u2029"],
    ids=lambda c: f"U+{ord(c):04X}",
)
def test_control_characters_and_line_separators_rejected(char):
    """C0, DEL, C1 (NEL U+0085 among them) and U+2028/U+2029 would split a listing line or a log line."""
    for name in (f"a{char}b", f"{char}x", f"x{char}"):
        with pytest.raises(InvalidNameError) as info:
            validate_name(name)
        message = str(info.value)
        assert char not in message and len(message.splitlines()) == 1  # the error itself stays one clean line
        with pytest.raises(InvalidNameError):
            validate_folder(name)


@pytest.mark.parametrize("good", ["model.bin", "a", "weights-v2.onnx", "файл.txt", "x..y", "a\u00a0b", "naïve"])
def test_good_names_pass(good):
    assert validate_name(good) == good


def test_roles_parse_names_and_codes():
    assert RoleEnum.parse("admin") is RoleEnum.Admin
    assert RoleEnum.parse("40") is RoleEnum.Admin
    assert RoleEnum.parse(1000) is RoleEnum.ApiAdmin
    assert RoleEnum.parse("resourceuploader") is RoleEnum.ResourceUploader
    with pytest.raises(ValueError, match="unknown role"):
        RoleEnum.parse("boss")
    assert RoleEnum.Admin.can_manage_users() and not RoleEnum.Operator.can_upload()


def test_user_from_json():
    u = User.from_json(
        {"id": 1, "email": "a@b.c", "role": 50, "isEnabled": False, "lastLogin": "2026-01-02T03:04:05Z"}
    )
    assert u.role is RoleEnum.ResourceUploader and not u.is_enabled and u.last_login.year == 2026
    with pytest.raises(ProtocolError):
        User.from_json({"role": 10})


def test_token_claims_read_without_verification():
    claims = {"email": "a@b.c", "role": "Admin", "exp": int(time.time()) + 30}
    raw = jwt.encode(claims, "server-secret-of-at-least-32-bytes!!", "HS256")
    tok = parse_token(raw)
    assert tok.email == "a@b.c" and tok.role is RoleEnum.Admin
    assert tok.expires_within(60) and not tok.expires_within(1)
    assert raw not in repr(tok)
    ms = parse_token(jwt.encode({MS_ROLE_CLAIM: "40"}, "k" * 32, "HS256"))
    assert ms.role is RoleEnum.Admin and ms.expires_at is None
    with pytest.raises(ProtocolError):
        parse_token("not-a-jwt")


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://api.azaion.com/", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:1", True),
        ("http://[::1]:5", True),
        ("http://api.azaion.com", False),
        ("http://10.0.0.1", False),
        ("ftp://x", False),
        ("api.azaion.com", False),
    ],
)
def test_plain_http_only_on_loopback(url, ok):
    if ok:
        assert not normalize_base_url(url).endswith("/")
    else:
        with pytest.raises(ConfigError):
            normalize_base_url(url)


GOOD_YAML = """
host: http://127.0.0.1:9000
region: eu-central-1
downloader_access_key: d
downloader_access_secret: ds
uploader_access_key: u
uploader_access_secret: us
"""


def test_cdn_yaml_parses():
    cfg = CdnConfig.parse(GOOD_YAML)
    assert cfg.host == "http://127.0.0.1:9000" and cfg.region == "eu-central-1"
    assert "ds" not in repr(cfg) and "us" not in repr(cfg).replace("us-", "")


@pytest.mark.parametrize(
    "text,message",
    [
        ("host: [unclosed", "not valid YAML"),
        ("- a\n- b", "mapping"),
        (GOOD_YAML.replace("uploader_access_secret: us", ""), "uploader_access_secret"),
        (GOOD_YAML.replace("host: http://127.0.0.1:9000", "host: 42"), "host"),
        (GOOD_YAML.replace("http://127.0.0.1:9000", "http://cdn.example.com"), "plain http"),
        ("!!python/object/apply:os.system ['echo hacked']", "not valid YAML"),
    ],
)
def test_cdn_yaml_errors_are_clear(text, message):
    with pytest.raises(ConfigError, match=message):
        CdnConfig.parse(text)


@pytest.mark.parametrize("n,expected", [(32, 9), (100, 30), (10240, 3072), (10239, 3071), (10**12, 3072)])
def test_split_point(n, expected):
    assert split_point(n) == expected


def test_rate_meter_speed_eta_and_reset():
    now = [0.0]
    meter = RateMeter(window=5, clock=lambda: now[0])
    assert meter.speed() is None and meter.eta(0, 100) is None
    for i in range(11):
        now[0] = i * 0.5
        meter.update(i * 1000)
    assert meter.speed() == pytest.approx(2000)
    assert meter.eta(10000, 20000) == pytest.approx(5)
    meter.update(10)  # a retried transfer reports negative progress
    assert meter.speed() is None


def test_throttle_and_formatting():
    now = [0.0]
    th = Throttle(10, clock=lambda: now[0])
    assert th.ready()
    now[0] = 0.05
    assert not th.ready() and th.ready(final=True)
    assert human_bytes(1536) == "1.5 KiB" and human_duration(3725) == "1:02:05" and human_duration(None) == "--:--"


def test_listing_names_are_what_download_takes():
    from core.listing import classify, listing_names
    from core.models import ResourceEntry

    entries = [ResourceEntry(n) for n in
               ("m.bin.small", "m.bin", "m.bin.big", "notes.txt", "x.big", ".small", "..small", "a.small.small")]
    assert listing_names(entries) == ["m.bin", "notes.txt", "x.big", ".small", "..small", "a.small"]
    rows = classify(entries)  # the GUI's rows: every entry, resource or plain
    assert [(r.name, r.plain) for r in rows][:3] == [("m.bin", False), ("m.bin", True), ("m.bin.big", True)]
    assert [r.plain for r in rows][5:] == [True, True, False]  # "..small" would be resource "." : not a name
