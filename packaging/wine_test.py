"""The Windows installer, run under Wine (part of ``make package-test``; alone: ``python packaging/wine_test.py``).

A Windows bundle cannot be built on Linux, so the installer packs a stub bundle: a tiny console program cross-compiled
here with mingw-w64 from packaging/windows/stub_app.c stands in for azaion-admin.exe (it writes a marker line saying
where it runs from). In a throw-away WINEPREFIX, headless (no X display: Wine's silent NSIS installers need none),
every step under a timeout:

1. per-user silent install of an older version (``/S /CurrentUser``), then of this version over it with ``/S`` alone
   (the installer must find the per-user install): same folder, the old version's files gone, one uninstall entry;
2. the installed files, the Start-menu shortcut (read with packaging/shelllink.py), the uninstall key under HKCU
   (DisplayName, DisplayVersion, Publisher, UninstallString, InstallLocation, EstimatedSize);
3. the program started from the shortcut's target and working folder (its marker line);
4. the silent uninstall the key's UninstallString names: program files, shortcut and keys gone, the user's settings,
   logs and cache (%LOCALAPPDATA%\\azaion\\azaion-admin) kept;
5. the same for all users (``/S /AllUsers``: Program Files, HKLM in the 64-bit view, the common Start menu).

The installer is amd64 (``Target amd64-unicode`` in installer.nsi), so Debian's wine64 runs it without i386 multiarch
(no wine32). Step times go to the report under ``wine``.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path, PureWindowsPath

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_release as build
import pkgtools
import shelllink

STUB_SOURCE = pkgtools.PACKAGING / "windows" / "stub_app.c"
WORK = build.BUILD / "wine-test"
OLD_VERSION = "0.0.1"
UNINSTALL_ROOT = r"Software\Microsoft\Windows\CurrentVersion\Uninstall"
UNINSTALL_KEY = UNINSTALL_ROOT + r"\AzaionAdmin"
SETTINGS_KEY = r"Software\Azaion\Azaion Admin"
SHORTCUT = f"{pkgtools.APP_NAME}.lnk"
EXE = f"{pkgtools.APP_ID}.exe"
BOOT_TIMEOUT = 300
STEP_TIMEOUT = 120
MINGW_CC = ("x86_64-w64-mingw32-gcc", "x86_64-w64-mingw32-gcc-win32", "x86_64-w64-mingw32-gcc-posix")

Check = Callable[[str, Callable[[], "str | None"]], None]


class CheckFailed(Exception):
    pass


def _text(result: subprocess.CompletedProcess[str]) -> str:
    return (result.stdout + result.stderr).strip()[-2000:]


class Wine:
    """One throw-away prefix. Every call has a timeout; on one, the prefix's wineserver is killed."""

    def __init__(self, prefix: Path, home: Path) -> None:
        self.prefix = prefix
        home.mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "WINEPREFIX")}
        self.env.update({
            "WINEPREFIX": str(prefix), "HOME": str(home), "WINEARCH": "win64",
            # no Mono / Gecko install prompts, no .desktop files for the Start menu in $HOME
            "WINEDLLOVERRIDES": "mscoree,mshtml,winemenubuilder.exe=d", "WINEDEBUG": "-all",
        })

    def run(self, args: list[str], *, timeout: float = STEP_TIMEOUT, cwd: Path | None = None,
            env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        try:
            result = subprocess.run(["wine", *args], env={**self.env, **(env or {})}, cwd=cwd, capture_output=True,
                                    text=True, errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            self.kill()
            raise CheckFailed(f"wine {' '.join(args)}: no exit within {timeout:.0f} s") from exc
        if check and result.returncode != 0:
            raise CheckFailed(f"wine {' '.join(args)} exited {result.returncode}: {_text(result)}")
        return result

    def wait(self, timeout: float = STEP_TIMEOUT) -> None:
        """Until every process in the prefix has ended (the NSIS uninstaller re-starts itself from %TEMP%)."""
        try:
            subprocess.run(["wineserver", "-w"], env=self.env, timeout=timeout, capture_output=True)
        except subprocess.TimeoutExpired as exc:
            self.kill()
            raise CheckFailed(f"Wine processes still running after {timeout:.0f} s") from exc

    def kill(self) -> None:
        subprocess.run(["wineserver", "-k"], env=self.env, timeout=30, capture_output=True)

    def unix(self, path: str) -> Path:
        """A Windows path's file under the prefix (through its dosdevices drive links)."""
        win = PureWindowsPath(path)
        drive = (self.prefix / "dosdevices" / win.drive.lower()).resolve()
        return drive.joinpath(*win.parts[1:])

    def reg_query(self, key: str, view64: bool = True) -> dict[str, dict[str, str]]:
        """``reg query KEY /s``: {key path: {value name: data}}; {} if the key does not exist."""
        args = ["reg", "query", key, "/s"] + (["/reg:64"] if view64 else [])
        result = self.run(args, check=False)
        if result.returncode != 0:
            return {}
        return parse_reg_query(result.stdout)


def parse_reg_query(text: str) -> dict[str, dict[str, str]]:
    """``reg query`` output: key lines, then ``    name    REG_TYPE    data`` lines (DWORDs as 0x.. hex)."""
    keys: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        line = line.rstrip("\r")
        if line.startswith("HKEY_"):
            current = keys.setdefault(line.strip(), {})
        elif line.startswith("    ") and current is not None:
            parts = line.strip().split("    ", 2)
            if len(parts) >= 2 and parts[1].startswith("REG_"):
                data = parts[2] if len(parts) == 3 else ""
                current[parts[0]] = str(int(data, 16)) if parts[1] == "REG_DWORD" else data
    return keys


def split_command(command: str) -> tuple[str, list[str]]:
    """``"C:\\dir\\uninstall.exe" /CurrentUser`` -> (program, [arguments]) as Windows splits it (quoted program)."""
    if command.startswith('"'):
        program, _, rest = command[1:].partition('"')
    else:
        program, _, rest = command.partition(" ")
    return program, rest.split()


def estimated_kb(bundle: Path) -> int:
    """NSIS's SectionGetSize: each file rounded up to whole KB."""
    return sum(math.ceil(p.stat().st_size / 1024) for p in bundle.rglob("*") if p.is_file())


def find_mingw() -> str:
    for name in MINGW_CC:
        found = shutil.which(name)
        if found:
            return found
    raise CheckFailed("no mingw-w64 C compiler (x86_64-w64-mingw32-gcc): run packaging/install-build-deps.sh")


def stub_bundle(folder: Path, exe: Path, version: str) -> Path:
    """A one-folder bundle with the stand-in program and a version file; the old one carries a file the new one
    does not (an upgrade must remove it)."""
    shutil.rmtree(folder, ignore_errors=True)
    resources = folder / "_internal" / "resources"
    resources.mkdir(parents=True)
    shutil.copy2(exe, folder / EXE)
    (folder / "_internal" / "VERSION.txt").write_text(f"{version}\n", encoding="utf-8")
    (resources / "README.txt").write_text("stub bundle for the installer test under Wine\n", encoding="utf-8")
    if version == OLD_VERSION:
        (folder / "_internal" / "only-in-old-version.txt").write_text("gone after an upgrade\n", encoding="utf-8")
    return folder


def user_data(wine: Wine, profile: Path) -> list[Path]:
    """The app's own per-user files (core/paths.py on Windows: platformdirs' %LOCALAPPDATA%\\azaion\\azaion-admin)."""
    base = profile / "AppData" / "Local" / "azaion" / "azaion-admin"
    files = [base / "settings.json", base / "Logs" / "azaion-admin.log", base / "Cache" / "cdn" / "srv" / "part.bin"]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"user data: {path.name}\n", encoding="utf-8")
    return files


def run_all(check: Check, report: dict) -> None:
    """The checks, each through ``check(name, fn)`` (fn raises CheckFailed); timings into ``report['wine']``."""
    times: dict[str, float] = {}
    report["wine"] = times
    version = pkgtools.project_version()
    WORK.mkdir(parents=True, exist_ok=True)
    state: dict = {}

    def timed(key: str, fn: Callable[[], str | None]) -> Callable[[], str | None]:
        def wrapper() -> str | None:
            t0 = time.monotonic()
            try:
                return fn()
            finally:
                times[key] = round(time.monotonic() - t0, 1)
        return wrapper

    def compile_stub() -> str:
        exe = WORK / "stub" / EXE
        exe.parent.mkdir(parents=True, exist_ok=True)
        cmd = [find_mingw(), "-municode", "-O2", "-s", "-o", str(exe), str(STUB_SOURCE)]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=STEP_TIMEOUT)
        if result.returncode != 0 or exe.read_bytes()[:2] != b"MZ":
            raise CheckFailed(f"{' '.join(cmd)} exited {result.returncode}: {_text(result)}")
        setups = {}
        for ver in (OLD_VERSION, version):
            bundle = stub_bundle(WORK / f"bundle-{ver}", exe, ver)
            setups[ver] = WORK / pkgtools.installer_name(ver)
            build.makensis(bundle, setups[ver], ver, None, timeout=STEP_TIMEOUT)  # the icon: see package_test
            state[f"bundle-{ver}"] = bundle
        state["setups"] = setups
        return f"{exe.relative_to(pkgtools.ROOT)} {exe.stat().st_size} bytes; installers {OLD_VERSION} and {version}"

    check("Wine: stand-in azaion-admin.exe (mingw-w64) and two installers (makensis)", timed("build_s", compile_stub))

    tmp = Path(tempfile.mkdtemp(prefix="azaion-wine-"))
    wine = Wine(tmp / "prefix", tmp / "home")
    try:
        def boot() -> str:
            wine.run(["wineboot", "--init"], timeout=BOOT_TIMEOUT)
            wine.wait()
            users = [p for p in (wine.prefix / "drive_c" / "users").iterdir() if p.name != "Public"]
            if len(users) != 1:
                raise CheckFailed(f"expected one user profile in the new prefix, found {users}")
            state["profile"] = users[0]
            return f"{wine.run(['--version'], check=False).stdout.strip()}, user profile {users[0].name}"

        check("Wine: fresh WINEPREFIX (wineboot --init, headless)", timed("wineboot_s", boot))
        profile: Path = state["profile"]
        kept = user_data(wine, profile)

        def install(ver: str, mode: str | None) -> None:
            wine.run([str(state["setups"][ver]), "/S", *([f"/{mode}"] if mode else [])])
            wine.wait()

        def entries(hive: str) -> dict[str, dict[str, str]]:
            found = wine.reg_query(f"{hive}\\{UNINSTALL_ROOT}")
            return {k: v for k, v in found.items() if v.get("DisplayName") == pkgtools.APP_NAME}

        def installed(hive: str, mode: str, ver: str, start_menu: Path) -> str:
            """Files, shortcut, key and the program's start after installing ``ver``; returns the key's values."""
            ours = entries(hive)
            if len(ours) != 1:
                raise CheckFailed(f"expected one '{pkgtools.APP_NAME}' uninstall entry under {hive}, found {ours}")
            key, values = next(iter(ours.items()))
            if not key.endswith("\\AzaionAdmin"):
                raise CheckFailed(f"uninstall entry under an unexpected key: {key}")
            location = values.get("InstallLocation", "")
            folder = wine.unix(location)
            bundle = state[f"bundle-{ver}"]
            expected = {"DisplayName": pkgtools.APP_NAME, "DisplayVersion": ver, "Publisher": pkgtools.PUBLISHER,
                        "UninstallString": f'"{location}\\uninstall.exe" /{mode}',
                        "EstimatedSize": str(estimated_kb(bundle))}
            wrong = {k: (values.get(k), v) for k, v in expected.items() if values.get(k) != v}
            if wrong:
                raise CheckFailed(f"uninstall key values (got, wanted): {wrong}")
            for rel in (EXE, "uninstall.exe", "_internal/VERSION.txt", "_internal/resources/README.txt"):
                if not (folder / rel).is_file():
                    raise CheckFailed(f"{rel} not installed in {folder}")
            if (folder / EXE).read_bytes() != (bundle / EXE).read_bytes():
                raise CheckFailed(f"{folder / EXE} is not the bundle's program")
            if (folder / "_internal" / "VERSION.txt").read_text().strip() != ver:
                raise CheckFailed("the installed _internal is not this version's")
            stale = [p.name for p in (folder / "_internal").iterdir() if p.name == "only-in-old-version.txt"]
            if stale and ver != OLD_VERSION:
                raise CheckFailed(f"the upgrade left the old version's files in {folder / '_internal'}: {stale}")
            settings = wine.reg_query(f"{hive}\\{SETTINGS_KEY}")
            inst_dir = next(iter(settings.values()), {}).get("InstallDir")
            if inst_dir != location:
                raise CheckFailed(f"{SETTINGS_KEY}\\InstallDir is {inst_dir!r}, not {location!r}")

            lnk_path = start_menu / SHORTCUT
            if not lnk_path.is_file():
                raise CheckFailed(f"no Start-menu shortcut {lnk_path}")
            desktops = [profile / "Desktop" / SHORTCUT, wine.prefix / "drive_c/users/Public/Desktop" / SHORTCUT]
            if any(p.exists() for p in desktops):
                raise CheckFailed("a silent install made a desktop shortcut (it is off by default)")
            link = shelllink.parse(lnk_path.read_bytes())
            if link.target.lower() != f"{location}\\{EXE}".lower() or link.working_dir.lower() != location.lower():
                raise CheckFailed(f"the shortcut starts {link.target!r} in {link.working_dir!r}, not {EXE} in "
                                  f"{location!r}")
            # start the shortcut's target as Explorer would: its program, in its working folder
            marker = tmp / f"started-{mode}-{ver}.txt"
            wine.run([str(wine.unix(link.target)), "--from-shortcut"], cwd=wine.unix(link.working_dir),
                     env={"AZAION_STUB_MARKER": "Z:" + str(marker).replace("/", "\\")})
            lines = marker.read_text(encoding="utf-8").splitlines() if marker.exists() else []
            if len(lines) != 1 or lines[0].split("\t")[1:] != [link.target, link.working_dir, "--from-shortcut"]:
                raise CheckFailed(f"the program started from the shortcut wrote {lines!r}")
            state["location"], state["folder"], state["lnk"] = location, folder, lnk_path
            state["uninstall"] = values["UninstallString"]
            return (f"{location}, {values['DisplayVersion']}, EstimatedSize {values['EstimatedSize']} KB, "
                    f"shortcut -> {link.target} started")

        per_user_menu = profile / "AppData/Roaming/Microsoft/Windows/Start Menu/Programs"

        def install_old() -> str:
            install(OLD_VERSION, "CurrentUser")
            return installed("HKCU", "CurrentUser", OLD_VERSION, per_user_menu)

        check(f"Wine: per-user silent install of {OLD_VERSION} (/S /CurrentUser)", timed("install_old_s", install_old))
        first_location = state["location"]

        def upgrade() -> str:
            # plain /S: the installer must find the per-user install (InstallMode in HKCU) and upgrade it there,
            # although Wine's user is an administrator, for whom the default would be all users
            install(version, None)
            detail = installed("HKCU", "CurrentUser", version, per_user_menu)
            if state["location"] != first_location:
                raise CheckFailed(f"the upgrade went to {state['location']}, not {first_location}")
            if entries("HKLM"):
                raise CheckFailed("a per-user install wrote an uninstall entry under HKLM")
            return detail + "; same folder, one uninstall entry, old files gone"

        check(f"Wine: upgrade to {version} over {OLD_VERSION} (/S alone), then the files, shortcut, key and program",
              timed("install_upgrade_s", upgrade))

        def uninstall(hive: str, users_file: str | None = None) -> str:
            """``users_file``: a file of the user's own put in the program folder first; the uninstaller removes
            only what the installer put there, so it and the folder stay."""
            folder: Path = state["folder"]
            if users_file:
                (folder / users_file).write_text("the user's own file\n", encoding="utf-8")
            program, args = split_command(state["uninstall"])
            wine.run([str(wine.unix(program)), *args, "/S"])
            wine.wait()
            remaining = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
            if remaining != ([users_file] if users_file else []) or state["lnk"].exists():
                raise CheckFailed(f"left in {folder} by the uninstaller: {remaining} (expected only the user's "
                                  f"{users_file}); shortcut still there: {state['lnk'].exists()}")
            for key in (UNINSTALL_KEY, SETTINGS_KEY):
                if wine.reg_query(f"{hive}\\{key}"):
                    raise CheckFailed(f"{hive}\\{key} is still in the registry")
            lost = [str(p) for p in kept if not p.is_file()]
            if lost:
                raise CheckFailed(f"the uninstaller removed the user's files: {lost}")
            detail = f"{' '.join([program, *args, '/S'])}: program, shortcut and keys gone; settings, logs, cache kept"
            return detail + (f"; {users_file} in the program folder kept" if users_file else "")

        check("Wine: silent uninstall (the key's UninstallString + /S)",
              timed("uninstall_s", lambda: uninstall("HKCU", users_file="my-notes.txt")))

        all_users_menu = wine.prefix / "drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs"

        def all_users() -> str:
            install(version, "AllUsers")
            detail = installed("HKLM", "AllUsers", version, all_users_menu)
            if not state["location"].lower().startswith("c:\\program files\\"):
                raise CheckFailed(f"an all-users install went to {state['location']}, not Program Files")
            if entries("HKCU"):
                raise CheckFailed("an all-users install wrote an uninstall entry under HKCU")
            return detail + "; " + uninstall("HKLM")

        check("Wine: all-users silent install (/S /AllUsers) and uninstall", timed("all_users_s", all_users))
    finally:
        t0 = time.monotonic()
        wine.kill()
        shutil.rmtree(tmp, ignore_errors=True)
        times["cleanup_s"] = round(time.monotonic() - t0, 1)
        times["total_s"] = round(sum(v for k, v in times.items() if k != "total_s"), 1)


def main() -> int:
    if shutil.which("wine") is None:
        print("wine not installed: run packaging/install-build-deps.sh (as root)", file=sys.stderr)
        return 2
    failed = 0
    report: dict = {}

    def check(name: str, fn: Callable[[], str | None]) -> None:
        nonlocal failed
        started = time.monotonic()
        try:
            detail = fn() or ""
        except CheckFailed as exc:
            failed += 1
            print(f"FAIL {name}: {exc}", flush=True)
            raise
        print(f"ok   {name} ({time.monotonic() - started:.1f} s){': ' + detail if detail else ''}", flush=True)

    try:
        run_all(check, report)
    except CheckFailed:
        pass
    print(f"wine step times (s): {report.get('wine')}")
    build.save_report({"wine": report.get("wine")})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
