"""What the PyInstaller spec keeps and drops, versions, icons and the Windows version resource."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pkgtools
import pytest


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("botocore/data/s3/2006-03-01/service-2.json.gz", True),
        ("botocore/data/sts/2011-06-15/service-2.json.gz", True),
        ("botocore/data/ec2/2016-11-15/service-2.json.gz", False),
        ("botocore/data/endpoints.json", True),
        ("botocore/data/partitions.json", True),
        ("botocore/data/_retry.json", True),
        ("botocore/cacert.pem", True),
        ("boto3/data/s3/2006-03-01/resources-1.json", True),
        ("boto3/data/ec2/2016-11-15/resources-1.json", False),
        ("PySide6/Qt/translations/qtbase_uk.qm", True),
        ("PySide6/Qt/translations/qtwebengine_de.qm", False),
        ("PySide6/Qt/translations/qt_de.qm", False),
        ("PySide6/translations/qtbase_uk.qm", True),
        ("PySide6/translations/qtbase_de.qm", False),
        ("certifi/cacert.pem", True),
        ("resources/icons/app.svg", True),
        ("resources/styles/app.qss", True),
        ("resources/translations/azaion_uk.qm", True),
        ("resources/translations/azaion_en.qm", True),
        ("resources/translations/azaion_uk.ts", False),  # translators' sources, build script, notes: not shipped
        ("resources/translations/build.py", False),
        ("resources/translations/README.md", False),
        ("moto/s3/2006-03-01/service-2.moto-extras.json.gz", True),
        ("moto/tests/data.json", False),
        ("keyring-25.7.0.dist-info/entry_points.txt", True),
    ],
)
def test_keep_data(dest, kept):
    assert pkgtools.keep_data(dest) is kept
    assert pkgtools.keep_data(dest.replace("/", "\\")) is kept  # Windows TOC names


def test_bundle_ships_what_the_app_loads_from_resources():
    """Every icon, the style sheet and its images and every compiled catalogue go into the bundle (gui/assets.py,
    gui/theme.py and the smoke test read them); nothing else of resources/ does."""
    root = pkgtools.ROOT / "resources"
    kept = {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and pkgtools.keep_data(f"resources/{p.relative_to(root).as_posix()}")}
    loaded = {f"icons/{p.name}" for p in (root / "icons").glob("*.svg")} | {"styles/app.qss"}
    loaded |= {f"styles/{p.name}" for p in (root / "styles").glob("*.svg")}  # the dark theme's check mark
    loaded |= {f"translations/{p.name}" for p in (root / "translations").glob("*.qm")}
    assert {"translations/azaion_uk.qm", "translations/azaion_en.qm", "icons/app.svg"} <= loaded
    assert kept == loaded


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", True),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6/plugins/platforms/qwindows.dll", True),  # Windows wheels have no Qt/ level
        ("PySide6/plugins/imageformats/qpdf.dll", False),
        ("PySide6/plugins/imageformats/qsvg.dll", True),
        ("PySide6/plugins/iconengines/qsvgicon.dll", True),
        ("PySide6/Qt/lib/libQt6Core.so.6", True),
    ],
)
def test_keep_binary(dest, kept):
    assert pkgtools.keep_binary(dest) is kept


def test_prune_unreachable_libs():
    binaries = [
        ("PySide6/QtWidgets.abi3.so", "/s/QtWidgets.abi3.so", "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", "/s/libQt6Widgets.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/s/libQt6Core.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Quick.so.6", "/s/libQt6Quick.so.6", "BINARY"),  # only the dropped plugin used it
        ("libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Quick.so.6", "SYMLINK"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/s/libqxcb.so", "BINARY"),
        ("libgtk-3.so.0", "/usr/lib/libgtk-3.so.0", "BINARY"),
        ("libxcb.so.1", "/usr/lib/libxcb.so.1", "BINARY"),
        ("libpython3.11.so.1.0", "/usr/lib/libpython3.11.so.1.0", "BINARY"),
        ("libz.so.1", "/usr/lib/libz.so.1", "BINARY"),
    ]
    imports = {
        "/s/QtWidgets.abi3.so": ["libQt6Widgets.so.6"],
        "/s/libQt6Widgets.so.6": ["libQt6Core.so.6"],
        "/s/libqxcb.so": ["libxcb.so.1", "libQt6Core.so.6"],
        "/usr/lib/libpython3.11.so.1.0": ["libz.so.1"],
        "/s/libQt6Quick.so.6": ["libQt6Core.so.6"],
    }
    kept, removed = pkgtools.prune_unreachable_libs(binaries, lambda p: imports.get(p, []), only_qt=False)
    assert removed == ["libgtk-3.so.0", "libqt6quick.so.6"]
    assert {d for d, _s, _t in kept} == {d for d, _s, _t in binaries} - {
        "libgtk-3.so.0", "PySide6/Qt/lib/libQt6Quick.so.6", "libQt6Quick.so.6"}
    _kept, removed_qt_only = pkgtools.prune_unreachable_libs(binaries, lambda p: imports.get(p, []), only_qt=True)
    assert removed_qt_only == ["libqt6quick.so.6"]  # Windows: LoadLibrary()ed DLLs are never guessed at


@pytest.mark.parametrize(
    ("version", "quad", "deb"),
    [("0.1.0", (0, 1, 0, 0), "0.1.0"), ("1.2.3rc1", (1, 2, 3, 1), "1.2.3~rc1"), ("2.0", (2, 0, 0, 0), "2.0"),
     ("1.0.dev3", (1, 0, 3, 0), "1.0~dev3"), ("1.4.2+local", (1, 4, 2, 0), "1.4.2")],
)
def test_versions(version, quad, deb):
    assert pkgtools.version_quad(version) == quad
    assert pkgtools.deb_version(version) == deb


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs dpkg")
def test_debian_versions_sort_like_pep440():
    assert subprocess.run(["dpkg", "--compare-versions", pkgtools.deb_version("1.0rc1"), "lt",
                           pkgtools.deb_version("1.0")]).returncode == 0


def test_project_version_matches_pyproject():
    import tomllib

    declared = tomllib.loads((pkgtools.ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert pkgtools.project_version() == declared
    assert pkgtools.deb_name(declared) == f"azaion-admin_{declared}_amd64.deb"
    assert pkgtools.installer_name(declared) == f"AzaionAdmin-Setup-{declared}.exe"


def test_windows_version_info_is_a_pyinstaller_version_file():
    text = pkgtools.windows_version_info("1.2.3")
    tree = ast.parse(text, mode="eval")  # PyInstaller eval()s this file
    assert isinstance(tree.body, ast.Call) and tree.body.func.id == "VSVersionInfo"
    assert "filevers=(1, 2, 3, 0)" in text and "prodvers=(1, 2, 3, 0)" in text
    assert "StringStruct('ProductVersion', '1.2.3')" in text
    assert "StringStruct('OriginalFilename', 'azaion-admin.exe')" in text


def test_icons(tmp_path):
    icons = pkgtools.make_icons(pkgtools.ROOT / "resources" / "icons" / "app.svg", tmp_path)
    ico = icons["ico"].read_bytes()
    assert ico[:4] == b"\0\0\1\0"
    count = int.from_bytes(ico[4:6], "little")
    assert count == 7
    sizes = sorted(ico[6 + 16 * i] or 256 for i in range(count))
    assert sizes == [16, 24, 32, 48, 64, 128, 256]
    assert icons["png256"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_qt_module_the_app_imports_is_bundled():
    """The spec excludes the PySide6 modules no source file names; a module imported some other way would be
    missing from the bundle. Import every app module and compare."""
    script = textwrap.dedent("""
        import importlib, json, pkgutil, sys
        import core, gui, sandbox
        for pkg in (core, gui, sandbox):
            for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
                if info.name != "gui.smoke" and not info.name.endswith("__main__"):
                    importlib.import_module(info.name)
        print(json.dumps(sorted(m.split(".")[1] for m in sys.modules if m.startswith("PySide6.Qt"))))
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", script], cwd=pkgtools.ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    declared = pkgtools.used_qt_modules([pkgtools.ROOT / d for d in ("core", "gui", "sandbox")])
    assert loaded <= declared, f"imported but excluded from the bundle: {sorted(loaded - declared)}"
    assert {"QtCore", "QtGui", "QtWidgets"} <= declared


def test_bundle_keeps_what_the_sandbox_loads(tmp_path):
    """The spec keeps only MOTO_KEEP of moto and BOTOCORE_SERVICES of botocore/data: run a sandbox through login,
    upload (the seed), list and big/small download in a fresh interpreter and check it touched nothing else."""
    script = textwrap.dedent("""
        import json, os, sys, tempfile
        opened = set()
        def hook(event, args):
            if event == "open" and isinstance(args[0], (str, bytes)):
                path = os.fsdecode(args[0]).replace(os.sep, "/")
                if "/botocore/data/" in path:
                    opened.add(path.split("/botocore/data/", 1)[1])
        sys.addaudithook(hook)
        from core.api_client import ApiClient
        from sandbox.seed import sample_bytes
        from sandbox.server import Sandbox
        tmp = os.environ["XDG_CACHE_HOME"]
        with Sandbox() as sb:
            client = ApiClient(sb.api_url, cache_dir=tmp + "/cache", journal_dir=tmp + "/journal")
            client.set_credentials_from_dict("operator@sandbox.local", "sandbox")
            client.login()
            client.check_resource()
            names = [e.name for e in client.list_files("models")]
            client.download_big_small_resource("sample-model.bin", "models", tmp + "/out")
            assert open(tmp + "/out", "rb").read() == sample_bytes()
        moto = sorted({m.split(".")[1] for m in sys.modules if m.startswith("moto.")})
        services = sorted({p.split("/")[0] for p in opened if "/" in p})
        print(json.dumps({"moto": moto, "services": services, "names": names}))
    """)
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", script], cwd=pkgtools.ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    missing = set(seen["moto"]) - pkgtools.MOTO_KEEP
    assert not missing, f"moto modules the bundle lacks: {missing}"
    assert set(seen["services"]) <= pkgtools.BOTOCORE_SERVICES, seen["services"]
    assert "s3" in seen["services"]
