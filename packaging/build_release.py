"""Build the release artefacts (``python packaging/build_release.py STEP...``; steps run in the order given):

    bundle   PyInstaller one-folder bundle → build/bundle/azaion-admin/
    bare     the cold-start baseline (a bare PySide6 window, same options) → build/bare/bare-window/
    deb      Debian package of the bundle → dist/azaion-admin_<version>_amd64.deb
    nsis     Windows installer → dist/AzaionAdmin-Setup-<version>.exe from a Windows bundle (--win-bundle DIR;
             default on Windows: build/bundle/azaion-admin). Without one (Linux) the script is only compile-checked
             against a stub bundle (build/nsis-check/) and nothing goes to dist/.

``make package`` is ``bundle deb nsis``. Timings and sizes are printed and merged into build/package-report.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pkgtools
from pkgtools import ROOT, mb

BUILD = ROOT / "build"
DIST = ROOT / "dist"
SPEC = ROOT / "packaging" / "azaion-admin.spec"
NSI = ROOT / "packaging" / "windows" / "installer.nsi"
REPORT = BUILD / "package-report.json"
BUNDLE = BUILD / "bundle" / pkgtools.APP_ID
BARE = BUILD / "bare" / "bare-window"
IS_WINDOWS = sys.platform == "win32"
EXE_SUFFIX = ".exe" if IS_WINDOWS else ""


def say(text: str) -> None:
    print(f"[package] {text}", flush=True)


def load_report() -> dict:
    try:
        return json.loads(REPORT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_report(update: dict) -> dict:
    report = load_report()
    report.update(update)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return report


def pyinstaller(dist: Path, work: Path, env: dict[str, str] | None = None) -> float:
    started = time.monotonic()
    log_file = work.parent / f"{work.name}.log"
    work.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    with open(log_file, "w", encoding="utf-8") as log:
        result = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        sys.stdout.write(log_file.read_text(encoding="utf-8", errors="replace")[-6000:])
        raise SystemExit(f"PyInstaller failed ({result.returncode}); full log: {log_file}")
    for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("azaion:"):
            say(line)
    return time.monotonic() - started


def step_bundle() -> None:
    say(f"PyInstaller: {BUNDLE} (version {pkgtools.project_version()})")
    seconds = pyinstaller(BUNDLE.parent, BUILD / "pyinstaller")
    size = pkgtools.tree_size(BUNDLE)
    parts = pkgtools.size_breakdown(BUNDLE)
    say(f"bundle built in {seconds:.0f} s: {mb(size)} unpacked ({len(list(BUNDLE.rglob('*')))} files); largest:")
    for name, part in parts:
        say(f"  {mb(part):>9}  {name}")
    save_report({"version": pkgtools.project_version(), "bundle_build_s": round(seconds, 1),
                 "bundle_bytes": size, "bundle_largest": [[n, s] for n, s in parts]})


def step_bare() -> None:
    say(f"PyInstaller (baseline): {BARE}")
    seconds = pyinstaller(BARE.parent, BUILD / "pyinstaller-bare", dict(os.environ, AZAION_BUNDLE="bare"))
    size = pkgtools.tree_size(BARE)
    say(f"baseline built in {seconds:.0f} s: {mb(size)}")
    save_report({"bare_build_s": round(seconds, 1), "bare_bytes": size})


def step_deb() -> Path:
    if not (BUNDLE / pkgtools.APP_ID).is_file():
        raise SystemExit(f"no bundle at {BUNDLE}: run the bundle step first")
    started = time.monotonic()
    version = pkgtools.project_version()
    icons = pkgtools.make_icons(ROOT / "resources" / "icons" / "app.svg", BUILD / "icons")
    depends = pkgtools.shlib_depends(BUNDLE, BUILD)
    root = pkgtools.stage_deb(BUNDLE, BUILD / "deb-root", version, icons, depends)
    out = pkgtools.build_deb(root, DIST / pkgtools.deb_name(version))
    seconds = time.monotonic() - started
    say(f".deb built in {seconds:.0f} s: {out.relative_to(ROOT)} {mb(out.stat().st_size)} (zstd)")
    say(f"  Depends: {depends}")
    save_report({"deb": str(out.relative_to(ROOT)), "deb_bytes": out.stat().st_size, "deb_build_s": round(seconds, 1)})
    return out


def find_makensis() -> str:
    found = shutil.which("makensis")
    if found:
        return found
    for base in (os.environ.get("ProgramFiles(x86)"), os.environ.get("ProgramFiles")):
        if base and (Path(base) / "NSIS" / "makensis.exe").is_file():
            return str(Path(base) / "NSIS" / "makensis.exe")
    raise SystemExit("makensis not found: install NSIS (Debian: apt-get install nsis; Windows: choco install nsis)")


def makensis(bundle: Path, out: Path, version: str, icon: Path | None, timeout: float | None = None) -> float:
    """Compile installer.nsi for ``bundle`` into ``out``; without ``icon`` the installer has NSIS's own."""
    out.parent.mkdir(parents=True, exist_ok=True)
    quad = ".".join(str(n) for n in pkgtools.version_quad(version))
    cmd = [find_makensis(), "-WX", "-V2", f"-DVERSION={version}", f"-DVERSION_QUAD={quad}",
           f"-DBUNDLE_DIR={bundle.resolve()}", f"-DOUTFILE={out.resolve()}"]
    cmd += [f"-DAPP_ICON={icon.resolve()}"] if icon is not None else []
    started = time.monotonic()
    subprocess.run([*cmd, str(NSI)], check=True, timeout=timeout)
    seconds = time.monotonic() - started
    with open(out, "rb") as fh:
        if fh.read(2) != b"MZ":
            raise SystemExit(f"{out} is not a Windows executable")
    return seconds


def step_nsis(win_bundle: Path | None) -> Path:
    version = pkgtools.project_version()
    icons = pkgtools.make_icons(ROOT / "resources" / "icons" / "app.svg", BUILD / "icons")
    if win_bundle is None and IS_WINDOWS:
        win_bundle = BUNDLE
    if win_bundle is not None:
        if not (win_bundle / f"{pkgtools.APP_ID}.exe").is_file():
            raise SystemExit(f"{win_bundle} is not a Windows bundle (no {pkgtools.APP_ID}.exe)")
        out = DIST / pkgtools.installer_name(version)
        seconds = makensis(win_bundle, out, version, icons["ico"])
        say(f"installer built in {seconds:.0f} s: {out.relative_to(ROOT)} {mb(out.stat().st_size)}")
        save_report({"installer": str(out.relative_to(ROOT)), "installer_bytes": out.stat().st_size})
        return out
    # No Windows bundle here (it needs a Windows machine: .github/workflows/windows-release.yml): compile the
    # script against a stub bundle so its errors show up, and keep the result out of dist/.
    stub = BUILD / "nsis-check" / "stub-bundle"
    shutil.rmtree(stub, ignore_errors=True)
    (stub / "_internal").mkdir(parents=True)
    (stub / f"{pkgtools.APP_ID}.exe").write_bytes(b"stub: not a Windows build\n")
    (stub / "_internal" / "README.txt").write_text("compile check of installer.nsi only\n", encoding="utf-8")
    out = BUILD / "nsis-check" / pkgtools.installer_name(version)
    seconds = makensis(stub, out, version, icons["ico"])
    say(f"installer script compiles ({seconds:.1f} s, makensis, stub bundle): {out.relative_to(ROOT)}; "
        "no Windows bundle here, so dist/ gets no installer. Build it on Windows (windows-release workflow) "
        "or pass --win-bundle / WIN_BUNDLE=<unzipped bundle artifact>")
    save_report({"nsis_check": "compiled", "nsis_check_s": round(seconds, 1)})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("steps", nargs="+", choices=("bundle", "bare", "deb", "nsis"))
    parser.add_argument("--win-bundle", type=Path, default=None,
                        help="a Windows PyInstaller bundle folder (holding azaion-admin.exe) for the nsis step")
    args = parser.parse_args(argv)
    started = time.monotonic()
    for step in args.steps:
        if step == "bundle":
            step_bundle()
        elif step == "bare":
            step_bare()
        elif step == "deb":
            step_deb()
        elif step == "nsis":
            step_nsis(args.win_bundle)
    say(f"done: {' '.join(args.steps)} in {time.monotonic() - started:.0f} s")
    save_report({"build_total_s": round(time.monotonic() - started, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
