"""Small pure pieces of the GUI."""

from __future__ import annotations

from datetime import UTC, datetime

from core.models import ResourceEntry
from gui.assets import icon, resource_path, resources_dir
from gui.models import rows_from_listing
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


def test_icons_and_frozen_lookup(qapp, monkeypatch, tmp_path):
    assert (resources_dir() / "icons" / "app.svg").is_file()
    for name in ("resources", "upload", "unlock", "transfers", "log", "app"):
        assert not icon(name).isNull(), name
    (tmp_path / "resources").mkdir()
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert resource_path("icons") == tmp_path / "resources" / "icons"
