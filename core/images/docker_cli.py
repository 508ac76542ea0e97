"""The docker command line (``docker``, ``podman`` or a full path): found once, always run with an argument list
(never a shell), always with a timeout, and always killed and reaped when the caller cancels or fails.

Long commands (``load``, ``save``) run as a :class:`DockerProcess` whose stdout/stderr are drained by threads
(so neither side can deadlock on a full pipe); a watchdog kills a process that makes no progress for
``stall_timeout`` seconds. Each call gets a private ``TMPDIR``: podman spools ``load``'s stdin (the plaintext
tar) to a file under ``$TMPDIR`` (default ``/var/tmp``), so pointing it at a 0700 folder we remove afterwards
keeps that copy private and guarantees it is gone even when podman is killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from core import oslock
from core.child_env import child_env
from core.errors import DockerError, DockerNotFoundError
from core.fileio import LOCKED_MIN_AGE_S
from core.images.names import normalize, parse_loaded, validate_image

log = logging.getLogger("azaion.images")

SHORT_TIMEOUT = 120.0  # images, inspect, rmi, --version
STALL_TIMEOUT = 600.0  # no byte moved through load/save for this long: the tool is hung
FINISH_TIMEOUT = 3600.0  # load may work long after its stdin closed (a multi-GiB archive on a slow disk)
STDERR_KEEP = 64 * 1024
PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031  # Linux fcntl; best effort
VAR_TMP = "/var/tmp"  # noqa: S108 - only the parent of a private mkdtemp folder

_kinds: dict[str, str] = {}
_kinds_lock = threading.Lock()


def resolve_command(command: str) -> str:
    """Full path of ``command`` (a program name looked up on PATH, or a path); DockerNotFoundError if none."""
    text = (command or "").strip()
    if not text:
        raise DockerNotFoundError("no docker command configured (settings 'docker_command', or --docker)")
    has_sep = os.sep in text or (os.altsep is not None and os.altsep in text)
    if has_sep:
        path = Path(text).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        raise DockerNotFoundError(f"docker command {text!r} not found or not executable")
    found = shutil.which(text)
    if not found:
        raise DockerNotFoundError(
            f"docker command {text!r} not found on PATH: install Docker or podman, or set 'docker_command' in "
            "the settings (or pass --docker) to a program name or full path"
        )
    return found


def private_tmp_parent() -> str:
    """Where the per-call TMPDIR goes: our own ``$TMPDIR`` if set, else ``/var/tmp`` (a disk, where podman
    would spool anyway; ``/tmp`` is often a small tmpfs), else the platform's temp folder."""
    env = os.environ.get("TMPDIR")
    if env and os.path.isdir(env):
        return env
    if os.name == "posix" and os.path.isdir(VAR_TMP) and os.access(VAR_TMP, os.W_OK):
        return VAR_TMP
    return tempfile.gettempdir()


TMP_PREFIX = "azaion-docker-"


@contextlib.contextmanager
def private_tmpdir(parent: str | os.PathLike[str] | None = None) -> Iterator[Path]:
    """A 0700 folder for one docker call, removed with whatever the tool left in it. Folders that earlier calls
    could not remove (the process killed, or a tool's helper still writing) are swept first: podman spools the
    plaintext tar there. The folder itself is locked shared while the call runs (``flock`` on a descriptor of
    the folder, so no file of ours is written into it), which tells a sweep in another process it is in use."""
    where = Path(parent or private_tmp_parent())
    _sweep_stale(where)
    path: Path | None = None
    held: int | None = None
    try:
        for _ in range(3):
            path = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=where))
            held = _lock_folder(path, shared=True)
            if (held is None and os.path.isdir(path)) or (held is not None and _same_folder(held, path)):
                break
            if held is not None:  # swept by another process while this one stalled before locking it
                os.close(held)
                held = None
        assert path is not None
        yield path
    finally:
        if held is not None:
            os.close(held)
        if path is not None:
            _remove_tree(path)


def _same_folder(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.lstat(path))
    except OSError:
        return False


def _remove_tree(path: Path, patience: float = 2.0) -> None:
    """Remove ``path``; a killed tool's descendants may still be dying and write into it meanwhile, so try again
    for ``patience`` seconds; what is still there then is said in the log and swept by a later call."""
    deadline = time.monotonic() + patience
    while True:
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            return
        if time.monotonic() >= deadline:
            log.warning("could not remove the docker call's temp folder %s yet; a later call removes it", path)
            return
        time.sleep(0.05)


def _lock_folder(path: Path, *, shared: bool) -> int | None:
    """A descriptor of the folder ``path`` (not followed if a link) holding a ``flock`` on it, or None: taken by
    another (for an exclusive lock), or no ``flock`` here (Windows, a file system without locks)."""
    if oslock.BACKEND != "flock":
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if oslock.try_lock(fd, shared=shared):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _sweep_stale(parent: Path) -> list[Path]:
    """Remove the private TMPDIRs in ``parent`` that no live call holds: ours (a real folder owned by this user,
    0700), at least ``LOCKED_MIN_AGE_S`` old (a new call locks its folder right after making it) and lockable
    exclusively. Where folders cannot be locked nothing is swept: a long unlock's folder would look stale.
    Returns what was removed."""
    removed: list[Path] = []
    if oslock.BACKEND != "flock":
        return removed
    try:
        candidates = list(parent.glob(TMP_PREFIX + "*"))
    except OSError:
        return removed
    now = time.time()
    for path in candidates:
        try:
            st = path.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o777 != 0o700:
            continue
        if now - st.st_mtime < LOCKED_MIN_AGE_S:
            continue
        fd = _lock_folder(path, shared=False)
        if fd is None:
            continue  # a live call holds it
        try:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            os.close(fd)
        if not os.path.lexists(path):
            log.info("removed %s, left by an earlier docker call", path)
            removed.append(path)
    return removed


SESSION_PATIENCE = 10.0
"""How long a stopped call waits for the rest of its tool's session to die after SIGKILL."""


def _session_members(sid: int) -> list[int] | None:
    """The running processes of session ``sid`` (zombies waiting to be reaped do not count), from /proc; None
    where there is no /proc to read."""
    if not os.path.isfile(f"/proc/{os.getpid()}/stat"):
        return None  # no /proc, or not Linux's
    members = []
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return None
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            with open(os.path.join(entry.path, "stat"), "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if len(fields) > 3 and int(fields[3]) == sid and fields[0] != b"Z":
            members.append(int(entry.name))
    return members


class DockerProcess:
    """One running ``docker load``/``save``: write to its stdin or read its stdout; ``abort()`` (thread-safe, from
    a cancel hook too) kills it; ``finish()`` waits for a clean exit; leaving the ``with`` block always reaps."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        what: str,
        stdin: bool,
        on_line: Callable[[str], None] | None = None,
        stall_timeout: float = STALL_TIMEOUT,
    ) -> None:
        self.argv = list(argv)
        self.what = what
        self.lines: list[str] = []
        self._on_line = on_line
        self._stderr = bytearray()
        self._lock = threading.Lock()
        self._aborted: str | None = None
        self._last_activity = time.monotonic()
        self._stall_timeout = stall_timeout
        self._done = threading.Event()
        self._finishing = False
        kwargs: dict = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True  # a terminal's Ctrl+C reaches us (we cancel), not the tool
        elif sys.platform == "win32":
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        try:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(env),
                bufsize=0,
                **kwargs,
            )
        except FileNotFoundError:
            raise DockerNotFoundError(f"docker command {self.argv[0]!r} not found") from None
        except PermissionError:
            raise DockerNotFoundError(f"docker command {self.argv[0]!r} cannot be run (permission denied)") from None
        except OSError as exc:
            raise DockerError(f"cannot start {self.argv[0]!r}: {exc.strerror or exc}") from None
        log.debug("started %s (pid %d): %s", what, self.proc.pid, " ".join(self.argv))
        if stdin and self.proc.stdin is not None:
            with contextlib.suppress(OSError, AttributeError):
                import fcntl

                fcntl.fcntl(self.proc.stdin.fileno(), _F_SETPIPE_SZ, PIPE_SIZE)
        self._threads = [threading.Thread(target=self._drain_stderr, name="docker-stderr", daemon=True)]
        if on_line is not None:
            self._threads.append(threading.Thread(target=self._drain_stdout, name="docker-stdout", daemon=True))
        self._threads.append(threading.Thread(target=self._watchdog, name="docker-watchdog", daemon=True))
        for thread in self._threads:
            thread.start()

    # ---- pipes ------------------------------------------------------------------------------------------

    def _drain_stderr(self) -> None:
        stream = self.proc.stderr
        assert stream is not None
        with contextlib.suppress(OSError, ValueError):
            while data := stream.read(65536):
                self.touch()
                with self._lock:
                    self._stderr += data
                    if len(self._stderr) > STDERR_KEEP:
                        del self._stderr[: len(self._stderr) - STDERR_KEEP]

    def _drain_stdout(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        pending = b""
        with contextlib.suppress(OSError, ValueError):
            while data := stream.read(65536):
                self.touch()
                pending += data
                *complete, pending = pending.split(b"\n")
                for raw in complete:
                    self._line(raw)
        if pending:
            self._line(pending)

    def _line(self, raw: bytes) -> None:
        line = raw.decode("utf-8", "replace").rstrip("\r")
        if not line.strip():
            return
        self.lines.append(line)
        if self._on_line is not None:
            try:
                self._on_line(line)
            except Exception:  # a failing callback must not stop draining the pipe
                log.exception("output callback failed")

    def _watchdog(self) -> None:
        while not self._done.wait(1.0):
            if self.proc.poll() is not None:
                return
            if self._finishing:
                continue  # after EOF the tool may work silently for long; finish() has its own timeout
            if time.monotonic() - self._last_activity > self._stall_timeout:
                self.abort(f"{self.what} made no progress for {self._stall_timeout:.0f} s")
                return

    def touch(self) -> None:
        self._last_activity = time.monotonic()

    @property
    def stderr_text(self) -> str:
        with self._lock:
            return self._stderr.decode("utf-8", "replace")

    @property
    def aborted(self) -> str | None:
        """Why the process was killed by us (cancel, stall, integrity failure), or None."""
        return self._aborted

    def write(self, data: memoryview | bytes) -> None:
        """Write all of ``data`` to stdin; DockerError when the tool has gone away (check ``aborted`` first)."""
        stdin = self.proc.stdin
        assert stdin is not None
        view = memoryview(data)
        fd = stdin.fileno()
        try:
            while view:
                n = os.write(fd, view)
                view = view[n:]
                self.touch()
        except (BrokenPipeError, ConnectionResetError, ValueError, OSError):
            raise self._early_exit() from None

    def _early_exit(self) -> DockerError:
        """The tool stopped reading its input: wait briefly for its exit status and words."""
        if self._aborted is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
        self._join()
        if self._aborted is not None:
            return DockerError(f"{self.what} was stopped: {self._aborted}", stderr=self.stderr_text)
        code = self.proc.returncode
        return DockerError(f"{self.what} failed (exit {code})", stderr=self.stderr_text, returncode=code)

    def read_into(self, buf: bytearray | memoryview) -> int:
        stdout = self.proc.stdout
        assert stdout is not None
        try:
            n = stdout.readinto(buf) or 0  # type: ignore[attr-defined]  # a pipe: typeshed says IO[bytes]
        except (OSError, ValueError):
            n = 0
        if n:
            self.touch()
        return n

    # ---- end of life ------------------------------------------------------------------------------------

    def abort(self, reason: str) -> None:
        """Kill the tool now (before its stdin reaches EOF) and remember why. Idempotent, thread-safe."""
        with self._lock:
            first = self._aborted is None
            if first:
                self._aborted = reason
        if self.proc.poll() is None:
            if first:
                log.info("killing %s (pid %d): %s", self.what, self.proc.pid, reason)
            with contextlib.suppress(OSError):
                if os.name == "posix":
                    # The whole session it leads (start_new_session): podman's helpers too, which would
                    # otherwise go on writing into the call's private TMPDIR after we removed it.
                    os.killpg(self.proc.pid, signal.SIGKILL)
                else:
                    self.proc.kill()

    def finish(self, timeout: float = FINISH_TIMEOUT) -> None:
        """Close stdin (EOF: the input is complete and verified), wait for the exit; DockerError unless 0."""
        self._finishing = True
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.abort(f"timed out after {timeout:.0f} s")
            self.reap()
            raise DockerError(f"{self.what} did not finish within {timeout:.0f} s", stderr=self.stderr_text) from None
        self._join()
        if self._aborted is not None:
            raise DockerError(f"{self.what} was stopped: {self._aborted}", stderr=self.stderr_text)
        if self.proc.returncode != 0:
            raise DockerError(
                f"{self.what} failed (exit {self.proc.returncode})",
                stderr=self.stderr_text,
                returncode=self.proc.returncode,
            )

    def reap(self) -> None:
        """Make sure the process is dead and waited for, its pipes closed and its threads joined."""
        if self.proc.poll() is None:
            self.abort("aborted")
        for stream in (self.proc.stdin,):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(30)
        if self._aborted is not None or self.proc.returncode != 0:
            self._end_session()
        self._join()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def _end_session(self, patience: float = SESSION_PATIENCE) -> None:
        """POSIX: after a failed or stopped call, kill what is left of the session the tool led and wait until none
        of it runs. A podman that exits on bad input by itself leaves its helpers running, spooling into the
        call's private TMPDIR; ``abort`` kills the session only while the tool itself still runs."""
        if os.name != "posix":
            return
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group at once; then each member, wherever it moved
        deadline = time.monotonic() + patience
        while True:
            members = _session_members(self.proc.pid)
            if members == []:
                return
            for pid in members or ():  # each, also one that moved to a process group of its own
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            if members is None:  # no /proc to read: the process group above is all there is
                return
            if time.monotonic() >= deadline:
                log.warning("processes of %s (session %d) still run after SIGKILL", self.what, self.proc.pid)
                return
            time.sleep(0.02)

    def _join(self) -> None:
        self._done.set()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=10)

    def __enter__(self) -> DockerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.reap()


class DockerCli:
    """The configured docker command. ``DockerCli("podman")``, ``DockerCli("/usr/bin/docker")``."""

    def __init__(self, command: str = "docker", *, env: Mapping[str, str] | None = None) -> None:
        self.command = command
        self.path = resolve_command(command)
        self._env = env

    def env(self, tmpdir: Path | None = None) -> dict[str, str]:
        """The tool's environment: the allowlist of :func:`core.child_env.child_env` (no password, token or
        other secret of ours reaches docker/podman), with ``TMPDIR`` pointing at the call's private folder."""
        if tmpdir is None:
            return child_env(self._env)
        return child_env(self._env, TMPDIR=str(tmpdir))

    @property
    def kind(self) -> str:
        """``podman`` or ``docker`` (podman's ``--version`` says so, also behind a ``docker`` alias)."""
        with _kinds_lock:
            known = _kinds.get(self.path)
        if known is None:
            out = self.run(["--version"], what=f"{self.command} --version").stdout
            known = "podman" if "podman" in out.lower() else "docker"
            with _kinds_lock:
                _kinds[self.path] = known
        return known

    @property
    def is_podman(self) -> bool:
        return self.kind == "podman"

    def run(
        self, args: Sequence[str], *, what: str = "", timeout: float = SHORT_TIMEOUT
    ) -> subprocess.CompletedProcess:
        """A short command; DockerError (with its stderr) on a non-zero exit or a timeout."""
        what = what or f"{self.command} {args[0] if args else ''}".strip()
        with private_tmpdir() as tmp:
            try:
                res = subprocess.run(
                    [self.path, *args],
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    env=self.env(tmp),
                    timeout=timeout,
                    text=True,
                    errors="replace",
                )
            except FileNotFoundError:
                raise DockerNotFoundError(f"docker command {self.path!r} not found") from None
            except PermissionError:
                raise DockerNotFoundError(f"docker command {self.path!r} cannot be run (permission denied)") from None
            except subprocess.TimeoutExpired as exc:  # subprocess.run has killed and reaped it
                stderr = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
                raise DockerError(f"{what} did not finish within {timeout:.0f} s", stderr=stderr) from None
        if res.returncode != 0:
            raise DockerError(f"{what} failed (exit {res.returncode})", stderr=res.stderr, returncode=res.returncode)
        return res

    # ---- images -----------------------------------------------------------------------------------------

    def list_images(self, timeout: float = SHORT_TIMEOUT) -> list[str]:
        """Every tagged image as the tool prints it (``localhost/azaion/loader:1.0`` under podman)."""
        out = self.run(
            ["images", "--format", "{{.Repository}}:{{.Tag}}"], what=f"{self.command} images", timeout=timeout
        ).stdout
        names = []
        for line in out.splitlines():
            name = line.strip()
            if name and "<none>" not in name:
                names.append(name)
        return names

    def normalized_images(self, timeout: float = SHORT_TIMEOUT) -> set[str]:
        return {normalize(name) for name in self.list_images(timeout)}

    def remove_images(self, names: Sequence[str], timeout: float = SHORT_TIMEOUT) -> None:
        """``rmi -f``; used by tests and the benchmark to start from an empty store."""
        if names:
            self.run(["rmi", "-f", *[validate_image(n) for n in names]], what=f"{self.command} rmi", timeout=timeout)

    def load_file(self, tar_path: Path | str, *, timeout: float = FINISH_TIMEOUT) -> list[str]:
        """``load -i PATH``; returns the loaded image names as printed."""
        res = self.run(["load", "-i", str(tar_path)], what=f"{self.command} load", timeout=timeout)
        return [name for line in res.stdout.splitlines() for name in parse_loaded(line)]

    def start_load(
        self, tmpdir: Path, *, on_line: Callable[[str], None] | None = None, stall_timeout: float = STALL_TIMEOUT
    ) -> DockerProcess:
        """``load`` reading the tar from stdin."""
        return DockerProcess(
            [self.path, "load"],
            env=self.env(tmpdir),
            what=f"{self.command} load",
            stdin=True,
            on_line=on_line or (lambda _line: None),
            stall_timeout=stall_timeout,
        )

    def start_save(self, images: Sequence[str], tmpdir: Path, *, stall_timeout: float = STALL_TIMEOUT) -> DockerProcess:
        """``save IMAGE...`` writing the tar to stdout (podman needs ``-m`` for more than one image)."""
        names = [validate_image(n) for n in images]
        if not names:
            raise ValueError("nothing to save: no images given")
        args = ["save"]
        if self.is_podman:
            args += ["--format", "docker-archive"]
            if len(names) > 1:
                args.append("--multi-image-archive")
        return DockerProcess(
            [self.path, *args, *names],
            env=self.env(tmpdir),
            what=f"{self.command} save",
            stdin=False,
            stall_timeout=stall_timeout,
        )
