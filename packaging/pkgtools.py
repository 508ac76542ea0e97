"""Helpers shared by the PyInstaller spec, packaging/build_release.py and tests/packaging: the version, what the bundle
keeps of large data packages, icons, the Windows version resource, the .deb layout, sizes.

Standard library only at import time (the spec imports it inside PyInstaller; tests import it from source).
This folder has no ``__init__.py`` on purpose: a ``packaging`` package would shadow the PyPI ``packaging``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
APP_ID = "azaion-admin"
APP_NAME = "Azaion Admin"
PUBLISHER = "Azaion"
DESCRIPTION = "Desktop client for the Azaion platform: resources, CDN transfers, image unlock"
INSTALL_PREFIX = PurePosixPath("/opt") / APP_ID

# botocore ships ~450 service models; the app (and moto's S3 server) need S3 and STS only.
BOTOCORE_SERVICES = frozenset({"s3", "sts"})
BOTO3_SERVICES = frozenset({"s3"})
# Qt's own translations (standard dialog buttons …): qtbase only (QtCore/Gui/Widgets), in the languages the app is
# translated to or going to be (resources/translations/README.md).
QT_TRANSLATIONS = frozenset({"qtbase_en.qm", "qtbase_uk.qm"})
# What the app reads from resources/ at run time (gui/assets.py): icons, the style sheet, compiled translations.
# The translators' sources (.ts), resources/translations/build.py and the READMEs stay out of the bundle.
RESOURCE_SUFFIXES = frozenset({".svg", ".qss", ".qm"})


def project_version() -> str:
    """The installed distribution's version (``importlib.metadata``), else pyproject.toml's."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version(APP_ID)
        except PackageNotFoundError:
            pass
    except ImportError:  # pragma: no cover
        pass
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def version_quad(version: str) -> tuple[int, int, int, int]:
    """``0.1.0`` / ``1.2.3rc1`` / ``1.2`` → four integers for Windows version resources."""
    numbers = [int(n) for n in re.findall(r"\d+", version.split("+")[0])[:4]]
    return tuple((numbers + [0, 0, 0, 0])[:4])  # type: ignore[return-value]


def deb_version(version: str) -> str:
    """PEP 440 → Debian ordering: ``1.0rc1`` → ``1.0~rc1`` (sorts before 1.0), ``1.0.dev3`` → ``1.0~dev3``."""
    return re.sub(r"\.?(a|b|rc|dev)(\d*)", r"~\1\2", version.split("+")[0])


# -- what the bundle keeps ----------------------------------------------------------------------------------

# moto's parts that its S3 server (the sandbox) loads: found by tracing a sandbox start, login, list, upload and
# download (moto.backends imports every service for type checking, so the rest is excluded by name).
MOTO_KEEP = frozenset({
    "backend_index", "backends", "cloudwatch", "core", "events", "iam", "moto_api", "moto_server", "s3",
    "s3bucket_path", "server", "settings", "sts", "utilities",
})


def moto_subpackages() -> set[str]:
    import importlib.util

    spec = importlib.util.find_spec("moto")
    if spec is None or not spec.submodule_search_locations:
        return set()
    names = set()
    for location in spec.submodule_search_locations:
        for entry in Path(location).iterdir():
            if entry.is_dir() and (entry / "__init__.py").is_file():
                names.add(entry.name)
            elif entry.suffix == ".py" and entry.stem != "__init__":
                names.add(entry.stem)
    return names


_QT_IMPORT = re.compile(r"PySide6\.(Qt\w+)|from\s+PySide6\s+import\s+\(?([\w\s,]+)\)?")


def used_qt_modules(sources: Iterable[Path]) -> set[str]:
    """The ``PySide6.Qt*`` modules the Python files under ``sources`` import."""
    used: set[str] = set()
    for folder in sources:
        for path in Path(folder).rglob("*.py"):
            for m in _QT_IMPORT.finditer(path.read_text(encoding="utf-8", errors="replace")):
                if m.group(1):
                    used.add(m.group(1))
                else:
                    used.update(n.strip() for n in m.group(2).split(",") if n.strip().startswith("Qt"))
    return used


def available_qt_modules() -> set[str]:
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return set()
    names = set()
    for location in spec.submodule_search_locations:
        for entry in Path(location).iterdir():
            if entry.name.startswith("Qt") and entry.suffix in (".so", ".pyd"):
                names.add(entry.name.split(".")[0])
    return names



def keep_data(dest: str) -> bool:
    """False for bundled data files the app never reads (``dest`` is the path inside the bundle)."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if parts and parts[0] == "resources":
        return PurePosixPath(parts[-1]).suffix.lower() in RESOURCE_SUFFIXES
    if len(parts) >= 4 and parts[0] == "botocore" and parts[1] == "data":
        return parts[2] in BOTOCORE_SERVICES  # botocore/data/<service>/<api-version>/...
    if len(parts) >= 4 and parts[0] == "boto3" and parts[1] == "data":
        return parts[2] in BOTO3_SERVICES
    qt = _qt_relative(parts)
    if qt is not None and len(qt) >= 2 and qt[0] == "translations":
        return qt[-1] in QT_TRANSLATIONS
    if any(p in ("tests", "test") for p in parts[:-1]) and parts[0] in ("moto", "botocore", "boto3", "werkzeug"):
        return False
    return True


# Qt plugins the app has no use for (the PySide6 hooks collect whole plugin folders).
UNUSED_QT_PLUGIN_DIRS = frozenset({
    "qmltooling", "sqldrivers", "designer", "multimedia", "position", "sensors", "texttospeech", "webview",
    "renderers", "sceneparsers", "geometryloaders", "canbus", "assetimporters", "printsupport",
})
# The virtual keyboard (QtQuick + QtQml, ~20 MB) and PDF (QtPdf) plugins; generic evdev input (eglfs/linuxfb only);
# and the GTK3 platform theme (it links the whole GTK stack, ~22 MB; the app themes itself, see gui/theme.py)
# and image formats the app never reads (its icons are SVG; kept: svg, png (built in), jpeg, gif, ico).
UNUSED_QT_PLUGINS = ("libqtvirtualkeyboardplugin", "qtvirtualkeyboardplugin", "libqpdf", "qpdf", "libqevdev",
                     "libqtuiotouchplugin", "libqgtk3", "libqtiff", "qtiff", "libqwebp", "qwebp", "libqicns",
                     "qicns", "libqtga", "qtga", "libqwbmp", "qwbmp")
UNUSED_QT_PLATFORMS = ("libqvnc", "libqlinuxfb", "libqvkkhrdisplay", "libqeglfs", "libqminimalegl", "qdirect2d")


def _qt_relative(parts: tuple[str, ...]) -> tuple[str, ...] | None:
    """Path parts below Qt's prefix: ``PySide6/Qt/…`` in Linux and macOS wheels, ``PySide6/…`` in Windows ones."""
    if not parts or parts[0] != "PySide6":
        return None
    return parts[2:] if len(parts) > 1 and parts[1] == "Qt" else parts[1:]


def keep_binary(dest: str) -> bool:
    qt = _qt_relative(PurePosixPath(dest.replace("\\", "/")).parts)
    if qt is not None and len(qt) >= 3 and qt[0] == "plugins":
        kind, name = qt[1], qt[-1]
        if kind in UNUSED_QT_PLUGIN_DIRS or kind == "egldeviceintegrations":  # the latter: eglfs only
            return False
        if kind == "platforms" and name.startswith(UNUSED_QT_PLATFORMS):
            return False
        if name.startswith(UNUSED_QT_PLUGINS):
            return False
    return True


def filter_toc(toc: Iterable[tuple], keep) -> list[tuple]:
    return [entry for entry in toc if keep(entry[0])]


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1].lower()


def _is_qt_lib(name: str) -> bool:
    base = _base(name)
    return base.startswith(("libqt6", "qt6")) and (".so" in base or base.endswith(".dll"))


def _is_root(dest: str, typecode: str) -> bool:
    """Binaries kept whatever links to them: Python extension modules, Qt plugins, the Python library and
    anything that is not a shared library."""
    base = _base(dest)
    if typecode == "EXTENSION" or "/plugins/" in dest.replace("\\", "/"):
        return True
    if base.startswith(("libpython", "python3")):
        return True
    return ".so" not in base and not base.endswith((".dll", ".pyd", ".dylib"))


def prune_unreachable_libs(binaries: list[tuple], get_imports, only_qt: bool) -> tuple[list[tuple], list[str]]:
    """Drop the shared libraries no remaining binary links to, now that ``keep_binary`` removed the plugins
    that wanted them (the virtual-keyboard and PDF plugins pull in QtQuick, QtQml, QtPdf; the GTK theme plugin
    the whole GTK stack). ``get_imports(path)`` gives the names a binary links to. ``only_qt`` limits this to
    Qt's own libraries (Windows: Qt loads opengl32sw.dll / d3dcompiler_47.dll with LoadLibrary, no import
    shows them). Returns (binaries, removed base names)."""
    needed: dict[str, set[str]] = {}
    roots: list[str] = []
    for dest, src, typecode in binaries:
        if typecode in ("BINARY", "EXTENSION"):
            needed.setdefault(_base(dest), set()).update(_base(name) for name in get_imports(src))
            if _is_root(dest, typecode):
                roots.append(_base(dest))
    reachable: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in reachable:
            continue
        reachable.add(name)
        todo.extend(needed.get(name, ()))
    candidates = {_base(d) for d, _s, t in binaries if t in ("BINARY", "SYMLINK") and not _is_root(d, t)}
    if only_qt:
        candidates = {c for c in candidates if _is_qt_lib(c)}
    removed = sorted(candidates - reachable)
    kept = [entry for entry in binaries if _base(entry[0]) not in removed]
    return kept, removed


# -- icons and the Windows version resource -----------------------------------------------------------------

_ICON_SCRIPT = r"""
import struct, sys
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

svg, out = sys.argv[1], sys.argv[2]
app = QGuiApplication(["icons"])
renderer = QSvgRenderer(svg)
assert renderer.isValid(), svg
pngs = {}
for size in (16, 24, 32, 48, 64, 128, 256):
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    pngs[size] = bytes(data)
    if size in (48, 256):
        image.save(f"{out}/app-{size}.png")
# .ico with PNG-compressed entries (Windows Vista and later)
header = struct.pack("<HHH", 0, 1, len(pngs))
offset = 6 + 16 * len(pngs)
entries, blobs = b"", b""
for size, png in pngs.items():
    entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset + len(blobs))
    blobs += png
open(f"{out}/app.ico", "wb").write(header + entries + blobs)
"""


def make_icons(svg: Path, out_dir: Path) -> dict[str, Path]:
    """Render ``svg`` to ``app.ico`` (16–256 px) and ``app-48.png`` / ``app-256.png`` in ``out_dir`` (a Qt
    subprocess, offscreen)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    subprocess.run([sys.executable, "-c", _ICON_SCRIPT, str(svg), str(out_dir)], check=True, env=env)
    return {"ico": out_dir / "app.ico", "png48": out_dir / "app-48.png", "png256": out_dir / "app-256.png"}


def windows_version_info(version: str, exe_name: str = f"{APP_ID}.exe") -> str:
    """A PyInstaller version-resource file (``EXE(version=...)``) for the app's exe."""
    quad = version_quad(version)
    strings = {
        "CompanyName": PUBLISHER,
        "FileDescription": APP_NAME,
        "FileVersion": version,
        "InternalName": APP_ID,
        "LegalCopyright": f"© {PUBLISHER}",
        "OriginalFilename": exe_name,
        "ProductName": APP_NAME,
        "ProductVersion": version,
    }
    string_structs = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""# UTF-8
VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={quad},
    prodvers={quad},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable(
        '040904B0',
        [
{string_structs}
        ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


# -- sizes --------------------------------------------------------------------------------------------------


def tree_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            full = os.path.join(dirpath, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
    return total


def _component(rel: PurePosixPath) -> str:
    parts = rel.parts
    if len(parts) == 1:
        return parts[0]
    if parts[0] == "_internal":
        parts = parts[1:]
    if len(parts) == 1:
        name = parts[0]
        if name.startswith("libpython") or name == "base_library.zip":
            return "python runtime"
        return "other shared libraries" if ".so" in name or name.endswith(".dll") else name
    if parts[0] == "PySide6":
        if len(parts) >= 3 and parts[1] == "Qt" and parts[2] == "lib":
            lib = parts[-1]
            if lib.startswith("libicu"):
                return "Qt: ICU data/libs"
            return "Qt: " + lib.split(".so")[0].removeprefix("lib")
        if len(parts) >= 3 and parts[1] == "Qt":
            return f"Qt: {parts[2]}"
        return "PySide6 bindings"
    if parts[0] == "shiboken6":
        return "PySide6 bindings"
    if parts[0] in ("lib-dynload",):
        return "python runtime"
    return parts[0].split(".")[0]


def size_breakdown(bundle: Path, top: int = 12) -> list[tuple[str, int]]:
    """The largest parts of a bundle (Qt libraries one by one, Python packages by top-level name)."""
    sizes: dict[str, int] = {}
    for dirpath, _dirs, names in os.walk(bundle):
        for name in names:
            full = Path(dirpath) / name
            if full.is_symlink():
                continue
            key = _component(PurePosixPath(full.relative_to(bundle).as_posix()))
            sizes[key] = sizes.get(key, 0) + full.stat().st_size
    return sorted(sizes.items(), key=lambda kv: -kv[1])[:top]


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


# -- Debian package -----------------------------------------------------------------------------------------

DESKTOP_ENTRY = f"""[Desktop Entry]
Type=Application
Name={APP_NAME}
GenericName=Azaion platform client
Comment={DESCRIPTION}
Exec={APP_ID}
Icon={APP_ID}
Terminal=false
Categories=Network;FileTransfer;Utility;
StartupWMClass={APP_ID}
"""

# Not linked, but needed at run time: the bundled libfontconfig reads /etc/fonts and needs fonts (its package pulls
# in fontconfig-config and a font), the bundled libxkbcommon reads the keymaps of xkb-data; Qt's xcb plugin wants
# the GL/EGL dispatch libraries (PyInstaller never bundles those).
EXTRA_DEPENDS = ("libegl1", "libgl1", "libfontconfig1", "xkb-data")
RECOMMENDS = "gnome-keyring | kwalletmanager"


def elf_files(root: Path) -> list[Path]:
    found = []
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            with open(path, "rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def _needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], check=True, capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _system_library_paths() -> dict[str, str]:
    """soname → path of the x86-64 libraries in the dynamic linker's cache."""
    out = subprocess.run(["/sbin/ldconfig", "-p"], check=True, capture_output=True, text=True).stdout
    found: dict[str, str] = {}
    for m in re.finditer(r"^\s+(\S+) \(([^)]*)\) => (\S+)$", out, re.M):
        if "x86-64" in m.group(2):
            found.setdefault(m.group(1), m.group(3))
    return found


def _owning_package(path: str) -> str | None:
    for candidate in (path, os.path.realpath(path)):
        result = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0 and ":" in result.stdout:
            return result.stdout.split(":", 1)[0].strip()
    return None


def external_libraries(bundle: Path) -> dict[str, str | None]:
    """The libraries the bundle's ELF files link to that the bundle does not carry (glibc and the graphics
    stack PyInstaller leaves out on purpose): soname → Debian package (None if no package owns it)."""
    elves = elf_files(bundle)
    carried = {p.name for p in bundle.rglob("*")}
    wanted = sorted({name for elf in elves for name in _needed(elf)} - carried)
    system = _system_library_paths()
    return {soname: (_owning_package(system[soname]) if soname in system else None) for soname in wanted}


def shlib_depends(bundle: Path, work: Path) -> str:
    """``Depends`` for what the bundle needs from the system: dpkg-shlibdeps' versioned dependencies, kept only
    for the packages that own a library the bundle does not carry itself, plus the dlopen()ed ones."""
    bundle = bundle.resolve()
    elves = elf_files(bundle)
    external = external_libraries(bundle)
    missing = sorted(s for s, pkg in external.items() if pkg is None)
    if missing:
        raise RuntimeError(f"the bundle links to libraries no installed package provides: {', '.join(missing)}")
    packages = {pkg.split(":")[0] for pkg in external.values() if pkg}
    lib_dirs = sorted({str(p.parent) for p in elves})
    tmp = work / "shlibdeps"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "debian").mkdir(parents=True)
    (tmp / "debian" / "control").write_text(
        f"Source: {APP_ID}\n\nPackage: {APP_ID}\nArchitecture: amd64\n", encoding="utf-8")
    cmd = ["dpkg-shlibdeps", "-O", "--ignore-missing-info", "--warnings=0"]
    cmd += [f"-l{d}" for d in lib_dirs]
    cmd += [str(p) for p in elves]
    out = subprocess.run(cmd, cwd=tmp, check=True, capture_output=True, text=True).stdout
    match = re.search(r"^shlibs:Depends=(.*)$", out, re.M)
    versioned = {d.split()[0]: d.strip() for d in (match.group(1) if match else "").split(",") if d.strip()}
    depends = [versioned.get(pkg, pkg) for pkg in sorted(packages)]
    depends += [d for d in EXTRA_DEPENDS if d not in packages]
    return ", ".join(depends)


def deb_control(version: str, depends: str, installed_kb: int) -> str:
    return (
        f"Package: {APP_ID}\n"
        f"Version: {deb_version(version)}\n"
        "Section: utils\n"
        "Priority: optional\n"
        "Architecture: amd64\n"
        f"Maintainer: {PUBLISHER} <support@azaion.com>\n"
        f"Installed-Size: {installed_kb}\n"
        f"Depends: {depends}\n"
        f"Recommends: {RECOMMENDS}\n"
        f"Description: {APP_NAME} desktop client\n"
        f" {DESCRIPTION}.\n"
        " .\n"
        f" Self-contained PyInstaller bundle installed under {INSTALL_PREFIX}.\n"
    )


def stage_deb(bundle: Path, root: Path, version: str, icons: dict[str, Path], depends: str) -> Path:
    """Lay out the package tree under ``root`` (``/opt/azaion-admin``, the ``/usr/bin`` link, desktop entry,
    icons, doc) and write ``DEBIAN/control``. Returns ``root``."""
    shutil.rmtree(root, ignore_errors=True)
    opt = root / INSTALL_PREFIX.relative_to("/")
    shutil.copytree(bundle, opt, symlinks=True)
    usr_bin = root / "usr" / "bin"
    usr_bin.mkdir(parents=True)
    (usr_bin / APP_ID).symlink_to(str(INSTALL_PREFIX / APP_ID))
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / f"{APP_ID}.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    hicolor = root / "usr" / "share" / "icons" / "hicolor"
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "icons" / "app.svg", hicolor / "scalable" / "apps" / f"{APP_ID}.svg")
    for size, key in ((48, "png48"), (256, "png256")):
        target = hicolor / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy2(icons[key], target / f"{APP_ID}.png")
    doc = root / "usr" / "share" / "doc" / APP_ID
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        f"{APP_NAME} {version}\nCopyright {PUBLISHER}. Bundled third-party components keep their own licences;\n"
        f"their metadata is in {INSTALL_PREFIX}/_internal/*.dist-info.\n", encoding="utf-8")
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)  # noqa: S103 - a package's folders are world-readable
        for f in filenames:
            full = os.path.join(dirpath, f)
            if not os.path.islink(full):
                mode = os.stat(full).st_mode
                os.chmod(full, 0o755 if mode & 0o111 else 0o644)
    debian = root / "DEBIAN"
    debian.mkdir()
    installed_kb = (tree_size(root) + 1023) // 1024
    (debian / "control").write_text(deb_control(version, depends, installed_kb), encoding="utf-8")
    return root


def build_deb(root: Path, out: Path, level: int = 19) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zzstd", f"-z{level}", "--build", str(root), str(out)],
        check=True, stdout=subprocess.DEVNULL,
    )
    return out


def deb_name(version: str) -> str:
    return f"{APP_ID}_{deb_version(version)}_amd64.deb"


def installer_name(version: str) -> str:
    return f"AzaionAdmin-Setup-{version}.exe"
