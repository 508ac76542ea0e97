"""Small pure pieces of the GUI."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.models import ResourceEntry
from core.resource_rows import rows_from_listing
from gui.assets import icon, resource_path, resources_dir
from gui.panels.unlock import version_from_filename
from gui.panels.upload import expand_paths


def test_version_from_filename():
    assert version_from_filename("/x/azaion-images-1.4.2.tar.enc") == "1.4.2"
    assert version_from_filename("images_2.0.10-rc1.enc") == "2.0.10-rc1"
    assert version_from_filename("archive.enc") == ""


def test_expand_paths(tmp_path):
    (tmp_path / "d" / "e").mkdir(parents=True)
    for p in ("a.bin", "d/b.bin", "d/e/c.bin"):
        (tmp_path / p).write_bytes(b"x")
    files = expand_paths([tmp_path / "a.bin", tmp_path / "d", tmp_path / "missing"])
    assert [f.name for f in files] == ["a.bin", "b.bin", "c.bin"]


def test_rows_from_listing_strips_small():
    now = datetime.now(UTC)
    rows = rows_from_listing([ResourceEntry("m.bin.small", 3072, now), ResourceEntry("readme.txt", 10, now)])
    assert [(r.name, r.plain) for r in rows] == [("m.bin", False), ("readme.txt", True)]


def test_rows_from_listing_show_a_pair_once_as_ls_does():
    """docs/protocol.md: a plain ``x`` or ``x.big`` beside ``x.small`` is not listed apart; the row is the
    resource (its size and time are the small part's), wherever the plain twin came in the listing."""
    from core.listing import listing_names

    t0, t1, t2 = (datetime(2026, 1, d, tzinfo=UTC) for d in (1, 2, 3))
    entries = [
        ResourceEntry("m.bin", 10, t0),  # plain twin first
        ResourceEntry("m.bin.big", 20, t0),
        ResourceEntry("m.bin.small", 3072, t1),
        ResourceEntry("x.big", 5, t2),  # no x.small: a plain file like any other
        ResourceEntry("readme.txt", 7, t2),
    ]
    rows = rows_from_listing(entries)
    assert [(r.name, r.plain, r.modified) for r in rows] == [
        ("m.bin", False, t1), ("x.big", True, t2), ("readme.txt", True, t2)]
    assert [r.name for r in rows] == listing_names(entries)  # the GUI and `azaion ls` agree


def test_icons_and_frozen_lookup(qapp, monkeypatch, tmp_path):
    assert (resources_dir() / "icons" / "app.svg").is_file()
    for name in ("resources", "upload", "unlock", "transfers", "log", "app"):
        assert not icon(name).isNull(), name
    (tmp_path / "resources").mkdir()
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert resource_path("icons") == tmp_path / "resources" / "icons"


class _Platform:
    def __init__(self, name: str) -> None:
        self.name = name

    def platformName(self) -> str:  # Qt's name
        return self.name


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("offscreen", {"XDG_CURRENT_DESKTOP": "GNOME"}, False),  # never has a scheme, whatever the desktop
        ("minimal", {}, False),
        ("xcb", {}, False),  # no desktop, no platform theme: Qt's generic theme has no scheme
        ("xcb", {"XDG_CURRENT_DESKTOP": "GNOME"}, True),
        ("wayland", {"QT_QPA_PLATFORMTHEME": "xdgdesktopportal"}, True),
        ("xcb", {"DESKTOP_SESSION": "plasma"}, True),
    ],
)
def test_the_colour_scheme_is_asked_only_where_a_platform_can_answer(monkeypatch, platform, env, expected):
    """Asking builds every Qt-namespace enum (~15 ms of each start): skipped where the answer is always 'unknown'."""
    from gui import theme

    for var in ("QT_QPA_PLATFORMTHEME", "XDG_CURRENT_DESKTOP", "DESKTOP_SESSION"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert theme._platform_has_color_scheme(_Platform(platform)) is expected
    if not expected:
        assert theme.system_prefers_dark(_Platform(platform)) is False
