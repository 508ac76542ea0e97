"""A real X session for the acceptance suite: Xvfb, the openbox window manager, and the app as a separate process
driven from outside through the X server (xdotool's XTEST input), its windows measured by the X server
(xwininfo) and the whole screen photographed (ImageMagick's ``import``). Nothing here touches the app's objects:
what is checked is what a person at the screen would see and do."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.waiting import wait_until

TOOLS = ("Xvfb", "openbox", "xdotool", "xwininfo", "import")


def missing_tools() -> list[str]:
    return [name for name in TOOLS if shutil.which(name) is None]


@dataclass(frozen=True)
class Geometry:
    x: int
    y: int
    width: int
    height: int


class XSession:
    """Xvfb on a free display (``-displayfd``: the server picks it) with openbox managing the windows."""

    def __init__(self, width: int = 1400, height: int = 900) -> None:
        self.width, self.height = width, height
        self.display = ""
        self._xvfb: subprocess.Popen | None = None
        self._wm: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
        env["DISPLAY"] = self.display
        return env

    def start(self) -> XSession:
        read, write = os.pipe()
        self._xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{self.width}x{self.height}x24", "-nolisten", "tcp",
             "-noreset"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(write)
        number = b""
        deadline = time.monotonic() + 20
        with os.fdopen(read, "rb") as pipe:
            while not number.endswith(b"\n") and time.monotonic() < deadline:
                chunk = pipe.read(1)
                if not chunk:
                    break
                number += chunk
        if not number.strip():
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{int(number)}"
        self._wm = subprocess.Popen(["openbox", "--sm-disable"], env=self.env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for(lambda: self._root_property("_NET_SUPPORTING_WM_CHECK"), 20):
            self.stop()
            raise RuntimeError("openbox did not start")
        return self

    def _root_property(self, name: str) -> bool:
        out = subprocess.run(["xprop", "-root", name], env=self.env, capture_output=True, text=True, timeout=10)
        return out.returncode == 0 and "window id" in out.stdout

    def stop(self) -> None:
        for proc in (self._wm, self._xvfb):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        self._wm = self._xvfb = None

    # -- input and measurement ------------------------------------------------------------------------------

    def xdotool(self, *args: str, check: bool = True) -> str:
        out = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=30)
        if check and out.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout

    def main_window(self, pid: int, timeout: float = 30) -> str:
        """The app's main window: its visible window titled "Azaion Admin…" that is not the login dialog."""
        found: list[str] = []

        def look() -> bool:
            try:
                found[:] = [w for w in self.windows("^Azaion Admin", pid) if "Log in" not in self.title(w)]
            except RuntimeError:  # a window listed a moment ago is gone (the login dialog closing): look again
                return False
            return bool(found)

        if not wait_for(look, timeout):
            raise AssertionError(f"no main window within {timeout} s")
        return found[0]

    def windows(self, name: str, pid: int | None = None) -> list[str]:
        """Visible windows whose title matches the regular expression ``name`` (of process ``pid``)."""
        args = ["search", "--all", "--onlyvisible"]  # --all: name AND pid (xdotool's default is "any")
        if pid is not None:
            args += ["--pid", str(pid)]
        out = self.xdotool(*args, "--name", name, check=False)
        return out.split()

    def wait_window(self, name: str, pid: int | None = None, timeout: float = 30) -> str:
        found: list[str] = []
        if not wait_for(lambda: found.extend(self.windows(name, pid)) or found, timeout):
            raise AssertionError(f"no window titled /{name}/ within {timeout} s")
        return found[0]

    def title(self, window: str) -> str:
        return self.xdotool("getwindowname", window).strip()

    def geometry(self, window: str) -> Geometry:
        """The window's size and position as the X server has them (the client area, without openbox's frame)."""
        out = subprocess.run(["xwininfo", "-id", window], env=self.env, capture_output=True, text=True,
                             timeout=10).stdout
        value = {key: int(re.search(rf"{key}:\s+(-?\d+)", out).group(1))  # type: ignore[union-attr]
                 for key in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height")}
        return Geometry(value["Absolute upper-left X"], value["Absolute upper-left Y"], value["Width"],
                        value["Height"])

    def activate(self, window: str) -> None:
        self.xdotool("windowactivate", "--sync", window, check=False)
        wait_for(lambda: self.xdotool("getactivewindow", check=False).strip() == window, 5)

    def key(self, *keys: str) -> None:
        """Key presses through XTEST, to whichever window has the focus (as a keyboard would)."""
        self.xdotool("key", "--delay", "40", *keys)

    def type(self, text: str) -> None:
        self.xdotool("type", "--delay", "8", "--", text)

    def click(self, window: str, x: int, y: int) -> None:
        self.xdotool("mousemove", "--window", window, str(x), str(y), "click", "1")

    def screenshot(self, path: Path, window: str = "root") -> Path:
        """The whole screen, or one window (its client area) by id."""
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["import", "-window", window, str(path)], env=self.env, check=True, timeout=30,
                       capture_output=True)
        return path


class AppProcess:
    """``azaion-admin --sandbox`` in its own settings, cache and data folders."""

    def __init__(self, session: XSession, home: Path, *args: str, output: str = "app-output.txt") -> None:
        self.session = session
        self.home = home
        self.output_file = home / output
        env = session.env
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data"),
                         ("XDG_STATE_HOME", "state")):
            env[var] = str(home / sub)
        env["QT_QPA_PLATFORM"] = "xcb"
        env["LANG"] = env["LC_ALL"] = "C.UTF-8"
        self.log = open(self.output_file, "wb")  # closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "gui.app", "--sandbox", *args], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.output_file.read_text(errors="replace")

    def log_text(self) -> str:
        """The app's own log file(s) (core.paths: $XDG_STATE_HOME/azaion-admin/log)."""
        folder = self.home / "state" / "azaion-admin" / "log"
        return "".join(p.read_text(errors="replace") for p in sorted(folder.glob("*.log*"))) if folder.is_dir() else ""

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:
    return wait_until(predicate, timeout, interval)
