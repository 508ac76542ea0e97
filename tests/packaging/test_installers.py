"""The Debian package layout and the NSIS installer script (compiled with makensis against a stub bundle)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pkgtools
import pytest
import yaml

NSI = pkgtools.ROOT / "packaging" / "windows" / "installer.nsi"
needs_makensis = pytest.mark.skipif(shutil.which("makensis") is None,
                                    reason="makensis not installed (packaging/install-build-deps.sh)")
needs_dpkg_deb = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")


def _stub_bundle(folder: Path, exe: str) -> Path:
    (folder / "_internal" / "resources").mkdir(parents=True)
    (folder / exe).write_text("#!/bin/sh\necho stub\n")
    (folder / exe).chmod(0o755)
    (folder / "_internal" / "resources" / "README").write_text("stub\n")
    return folder


@pytest.fixture(scope="module")
def icons(tmp_path_factory):
    return pkgtools.make_icons(pkgtools.ROOT / "resources" / "icons" / "app.svg", tmp_path_factory.mktemp("icons"))


def test_deb_layout(tmp_path, icons):
    bundle = _stub_bundle(tmp_path / "bundle", "azaion-admin")
    root = pkgtools.stage_deb(bundle, tmp_path / "root", "1.2.3rc1", icons, "libc6 (>= 2.36), libegl1")
    assert (root / "opt/azaion-admin/azaion-admin").is_file()
    assert os.access(root / "opt/azaion-admin/azaion-admin", os.X_OK)
    link = root / "usr/bin/azaion-admin"
    assert link.is_symlink() and os.readlink(link) == "/opt/azaion-admin/azaion-admin"
    desktop = (root / "usr/share/applications/azaion-admin.desktop").read_text()
    # the app takes no file arguments, so the entry passes none (%F would offer it files it ignores)
    assert "\nExec=azaion-admin\n" in desktop and "Icon=azaion-admin" in desktop
    assert (root / "usr/share/icons/hicolor/scalable/apps/azaion-admin.svg").is_file()
    assert (root / "usr/share/icons/hicolor/256x256/apps/azaion-admin.png").is_file()
    control = (root / "DEBIAN/control").read_text()
    assert "Package: azaion-admin\n" in control
    assert "Version: 1.2.3~rc1\n" in control
    assert "Architecture: amd64\n" in control
    assert "Depends: libc6 (>= 2.36), libegl1\n" in control
    assert control.endswith("\n") and "Installed-Size: " in control
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(root / "usr/share/applications/azaion-admin.desktop")],
                       check=True)


@needs_dpkg_deb
def test_deb_builds_with_zstd(tmp_path, icons):
    bundle = _stub_bundle(tmp_path / "bundle", "azaion-admin")
    root = pkgtools.stage_deb(bundle, tmp_path / "root", "0.9.0", icons, "libc6")
    deb = pkgtools.build_deb(root, tmp_path / "dist" / pkgtools.deb_name("0.9.0"), level=1)
    assert deb.name == "azaion-admin_0.9.0_amd64.deb"
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Version", "Architecture"],
                            capture_output=True, text=True, check=True).stdout
    assert fields.split() == ["Package:", "azaion-admin", "Version:", "0.9.0", "Architecture:", "amd64"]
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "./usr/bin/azaion-admin -> /opt/azaion-admin/azaion-admin" in listing
    assert "root/root" in listing and "./opt/azaion-admin/_internal/resources/README" in listing
    if shutil.which("ar"):
        members = subprocess.run(["ar", "t", str(deb)], capture_output=True, text=True, check=True).stdout.split()
        assert "data.tar.zst" in members


def _makensis(tmp_path: Path, *defines: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["makensis", "-WX", "-V2", *defines, str(NSI)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)


@needs_makensis
def test_nsis_script_compiles(tmp_path, icons):
    bundle = _stub_bundle(tmp_path / "bundle", "azaion-admin.exe")
    out = tmp_path / pkgtools.installer_name("1.2.3")
    result = _makensis(tmp_path, "-DVERSION=1.2.3", "-DVERSION_QUAD=1.2.3.0", f"-DBUNDLE_DIR={bundle}",
                       f"-DOUTFILE={out}", f"-DAPP_ICON={icons['ico']}")
    assert result.returncode == 0, result.stdout + result.stderr
    data = out.read_bytes()
    assert data[:2] == b"MZ"
    pe = int.from_bytes(data[0x3C:0x40], "little")
    assert data[pe:pe + 4] == b"PE\0\0" and int.from_bytes(data[pe + 4:pe + 6], "little") == 0x8664  # amd64
    assert "1.2.3".encode("utf-16-le") in data  # the version resource of Setup.exe
    # without an explicit output name the script names the installer itself (-NOCD: in the working folder)
    result = _makensis(tmp_path, "-NOCD", "-DVERSION=1.2.3", f"-DBUNDLE_DIR={bundle}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "AzaionAdmin-Setup-1.2.3.exe").is_file()


@needs_makensis
def test_nsis_script_refuses_missing_version_or_bundle(tmp_path):
    result = _makensis(tmp_path, f"-DBUNDLE_DIR={tmp_path}")
    assert result.returncode != 0 and "-DVERSION" in result.stdout + result.stderr
    result = _makensis(tmp_path, "-DVERSION=1.0.0", f"-DBUNDLE_DIR={tmp_path}")  # no azaion-admin.exe there
    assert result.returncode != 0 and "azaion-admin.exe not found" in result.stdout + result.stderr


def test_nsis_script_content():
    text = NSI.read_text()
    for needle in ("Target amd64-unicode",
                   "MULTIUSER_USE_PROGRAMFILES64", "MULTIUSER_PAGE_INSTALLMODE", "RunningX64", "WriteUninstaller",
                   '$SMPROGRAMS\\${APP_NAME}.lnk', 'Section /o "Desktop shortcut"', "VIProductVersion",
                   "UninstallString"):
        assert needle in text


def test_windows_workflow():
    path = pkgtools.ROOT / ".github" / "workflows" / "windows-release.yml"
    workflow = yaml.safe_load(path.read_text())
    job = next(iter(workflow["jobs"].values()))
    assert job["runs-on"].startswith("windows")
    script = "\n".join(str(step.get("run", "")) for step in job["steps"])
    assert "packaging/build_release.py bundle" in script
    assert "packaging/build_release.py nsis" in script
    assert "--smoke-test" in script
