"""core.settings: profiles and preferences in settings.json."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from core import paths
from core.errors import ConfigError
from core.settings import (
    Profile,
    Settings,
    effective_cache_dir,
    load_settings,
    save_settings,
    server_id,
)


def test_defaults_when_file_missing(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "nope.json")
    assert settings == Settings()
    assert [p.id for p in settings.profiles] == ["production", "stage", "sandbox"]
    assert settings.profile("production").api_url == "https://api.azaion.com"
    assert settings.profile("stage").api_url == "https://api-stage.azaion.com"
    assert settings.profile("sandbox").api_url == ""
    assert settings.current().id == "production"
    assert settings.services == ["annotations", "detections", "loader", "gps-denied"]
    assert (settings.docker_command, settings.image_prefix, settings.concurrency) == ("docker", "azaion/", 2)
    assert (settings.language, settings.theme, settings.cache_dir, settings.token_margin_s) == (
        "system",
        "system",
        None,
        60,
    )
    assert not (tmp_path / "nope.json").exists()  # loading never writes


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "s" / "settings.json"
    settings = Settings()
    settings.add_or_update_profile("sandbox", api_url="http://127.0.0.1:5123/")
    settings.add_or_update_profile("lab", name="Lab server", api_url="https://lab.example:8443", email="me@x.y")
    settings.current_profile = "lab"
    settings.resource_key = "key-name-1"
    settings.services = ["annotations", "loader"]
    settings.concurrency = 4
    settings.language = "uk"
    settings.theme = "dark"
    settings.cache_dir = str(tmp_path / "cache")
    settings.token_margin_s = 30
    settings.extra["future_option"] = {"a": [1, 2]}
    assert save_settings(settings, path) == path

    loaded = load_settings(path)
    assert loaded == settings
    assert loaded.profile("sandbox").api_url == "http://127.0.0.1:5123"
    assert loaded.current() == Profile("lab", "Lab server", "https://lab.example:8443", "me@x.y")
    assert loaded.extra == {"future_option": {"a": [1, 2]}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temp file left behind


def test_default_path_follows_xdg(isolated_home: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    written = save_settings(Settings(theme="light"))
    assert written == isolated_home["XDG_CONFIG_HOME"] / "azaion-admin" / "settings.json"
    assert load_settings().theme == "light"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))
    assert load_settings().theme == "system"  # another config home, another (missing) file
    save_settings(Settings(theme="dark"))
    assert (tmp_path / "elsewhere" / "azaion-admin" / "settings.json").is_file()


def test_malformed_json_names_the_file_and_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"profiles": [', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(path) in str(err.value) and "not valid JSON" in str(err.value)
    assert path.read_text(encoding="utf-8") == '{"profiles": ['


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ({"concurrency": "four"}, "concurrency"),
        ({"concurrency": True}, "concurrency"),
        ({"concurrency": 0}, "concurrency"),
        ({"token_margin_s": -1}, "token_margin_s"),
        ({"services": "annotations"}, "services"),
        ({"services": ["a", 3]}, "services"),
        ({"cache_dir": 5}, "cache_dir"),
        ({"resource_key": ["x"]}, "resource_key"),
        ({"current_profile": "nowhere"}, "current_profile"),
        ({"profiles": {"id": "x"}}, "profiles"),
        ({"profiles": [{"id": "x"}]}, "api_url"),
        ({"profiles": [{"id": "x", "api_url": 5}]}, "api_url"),
        ({"profiles": [{"id": "x", "api_url": "ftp://x"}]}, "api_url"),
        ({"profiles": [{"id": "x", "api_url": ""}, {"id": "x", "api_url": ""}]}, "duplicate"),
        ({"version": "1"}, "version"),
    ],
)
def test_wrong_types_name_the_file_and_key(tmp_path: Path, document: dict, key: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(path) in str(err.value)
    assert key in str(err.value)


def test_top_level_must_be_an_object(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ConfigError, match="JSON object"):
        load_settings(path)


def test_builtin_profiles_missing_from_file_are_added(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"profiles": [{"id": "stage", "name": "S", "api_url": "https://s.example"}]}))
    settings = load_settings(path)
    assert [p.id for p in settings.profiles] == ["stage", "production", "sandbox"]
    assert settings.profile("stage").api_url == "https://s.example"  # the user's edit wins


@pytest.mark.parametrize(
    "settings_change",
    [
        lambda s: s.extra.__setitem__("password", "hunter22"),
        lambda s: s.extra.__setitem__("api_token", "abc"),
        lambda s: s.extra.__setitem__("accessToken", "abc"),
        lambda s: s.extra.__setitem__("nested", {"client_secret": "abc"}),
        lambda s: s.extra.__setitem__("list", [{"Password": "abc"}]),
    ],
)
def test_refuses_to_save_secrets(tmp_path: Path, settings_change) -> None:
    settings = Settings()
    settings_change(settings)
    path = tmp_path / "settings.json"
    with pytest.raises(ConfigError, match="password or token"):
        save_settings(settings, path)
    assert not path.exists()


def test_refuses_to_load_secrets(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"token": "eyJ.x.y"}), encoding="utf-8")
    with pytest.raises(ConfigError, match="'token'"):
        load_settings(path)


def test_token_margin_is_not_mistaken_for_a_secret(tmp_path: Path) -> None:
    save_settings(Settings(token_margin_s=5), tmp_path / "s.json")
    assert load_settings(tmp_path / "s.json").token_margin_s == 5


def test_profile_lookup() -> None:
    settings = Settings()
    assert settings.profile("stage").id == "stage"
    assert settings.profile("Production").id == "production"  # by name, any case
    with pytest.raises(ConfigError) as err:
        settings.profile("mars")
    assert str(err.value) == "unknown profile 'mars', known: production, stage, sandbox"


def test_add_or_update_profile() -> None:
    settings = Settings()
    created = settings.add_or_update_profile("lab", api_url="https://lab.example/")
    assert created == Profile("lab", "lab", "https://lab.example", "")
    updated = settings.add_or_update_profile("lab", email=" me@x.y ")
    assert updated is created and created.email == "me@x.y" and created.api_url == "https://lab.example"
    settings.add_or_update_profile("sandbox", api_url="http://127.0.0.1:9000")
    assert settings.profile("sandbox").api_url == "http://127.0.0.1:9000"
    assert len(settings.profiles) == 4
    with pytest.raises(ConfigError):
        settings.add_or_update_profile("bad", api_url="not a url")
    with pytest.raises(ConfigError):
        settings.add_or_update_profile("  ")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.azaion.com", "api_azaion_com_443"),
        ("https://api.azaion.com:443/", "api_azaion_com_443"),
        ("https://API-Stage.Azaion.com/v1", "api_stage_azaion_com_443"),
        ("http://127.0.0.1:5123", "127_0_0_1_5123"),
        ("http://localhost", "localhost_80"),
        ("http://[::1]:8080", "__1_8080"),
        ("api.example.org:8443", "api_example_org_8443"),
    ],
)
def test_server_id(url: str, expected: str) -> None:
    assert server_id(url) == expected


@pytest.mark.parametrize("url", ["", "   ", "https://", "http://host:notaport"])
def test_server_id_rejects_non_urls(url: str) -> None:
    with pytest.raises(ConfigError):
        server_id(url)


def test_effective_cache_dir(tmp_path: Path, isolated_home: dict[str, Path]) -> None:
    assert effective_cache_dir(Settings()) == paths.cache_dir()
    assert effective_cache_dir(Settings()) == isolated_home["XDG_CACHE_HOME"] / "azaion-admin"
    custom = tmp_path / "my cache"
    assert effective_cache_dir(Settings(cache_dir=str(custom))) == custom
    assert custom.is_dir()
