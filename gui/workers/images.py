"""Image unlock and lock jobs: where ``core.images`` callbacks become Qt signals.

Core calls back from worker threads (decryption progress, each image loaded, each line docker/podman prints);
the job's ProgressProbe takes the bytes, and an :class:`ImageFeed` buffers the lines and image names until its
~10 Hz timer in the GUI thread emits them, so the panel never sees a core callback directly and the number of
signals does not depend on how chatty the tool is. On failure the tool's stderr (``DockerError.stderr``) goes
through the same feed, so the panel's "Docker output" shows what docker itself said.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from core.cancel import CancelToken
from core.child_env import child_env
from core.errors import DockerError
from gui.workers.jobs import Job, JobKind
from gui.workers.progress import ProgressProbe

TICK_MS = 100


@dataclass(frozen=True)
class DockerInfo:
    path: str | None
    version: str | None


def docker_info(command: str) -> DockerInfo:
    """Where the docker command is and what ``--version`` says (None, None when it is not found). Blocking: run
    it in a worker."""
    path = shutil.which(command)
    if not path:
        return DockerInfo(None, None)
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=10, check=False, env=child_env()
        )
        said = (out.stdout or out.stderr).strip()
        version = said.splitlines()[0] if said else None
    except (OSError, subprocess.SubprocessError):
        version = None
    return DockerInfo(path, version)


class ImageFeed(QObject):
    """Docker output lines and loaded image names from worker threads, emitted from the GUI thread at ~10 Hz.

    ``line``/``block``/``image`` are thread-safe and only append to a buffer; ``start``/``stop``/``flush`` run in
    the GUI thread (``stop`` flushes what is left, so a job's hook sees every line before it adds its own)."""

    output = Signal(list)  # new lines since the last emit
    loaded = Signal(list)  # every image name loaded so far, when that changed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self._images: list[str] = []
        self._sent_images = 0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.flush)

    # -- any thread -------------------------------------------------------------------------------------------

    def line(self, text: str) -> None:
        with self._lock:
            self._lines.append(text.rstrip("\r\n"))

    def block(self, text: str) -> None:
        """A multi-line text (the tool's stderr): one entry per non-empty line."""
        lines = [ln.rstrip() for ln in (text or "").splitlines() if ln.strip()]
        with self._lock:
            self._lines.extend(lines)

    def image(self, name: str) -> None:
        with self._lock:
            self._images.append(name)

    def images(self) -> list[str]:
        with self._lock:
            return list(self._images)

    # -- GUI thread -------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start emitting; a no-op while already running (QTimer.start() would restart the interval, and the
        panel calls this on every progress update: the timer would then never fire before the end)."""
        if not self._timer.isActive():
            self._timer.start()

    def reset(self) -> None:
        """Forget the lines and images of a previous run (a retried job reuses its feed)."""
        with self._lock:
            self._lines, self._images, self._sent_images = [], [], 0

    def stop(self) -> None:
        self._timer.stop()
        self.flush()

    def flush(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
            images = list(self._images) if len(self._images) != self._sent_images else None
            if images is not None:
                self._sent_images = len(images)
        if lines:
            self.output.emit(lines)
        if images is not None:
            self.loaded.emit(images)


def _relay_stderr(feed: ImageFeed, work: Callable[[], Any]) -> Any:
    """Run ``work``; on a DockerError put the tool's own stderr into the feed before the job fails."""
    try:
        return work()
    except DockerError as exc:
        if exc.stderr:
            feed.block(exc.stderr)
        raise


def unlock_work(
    client, archive: Path, version: str, settings, feed: ImageFeed
) -> Callable[[CancelToken, ProgressProbe], dict[str, bool]]:
    """Work for a queue job: fragment → streamed decryption into docker load → check. Returns
    ``{service: present}``; bytes decrypted go to the probe, docker's lines and the images loaded to ``feed``."""

    def work(cancel: CancelToken, probe: ProgressProbe) -> dict[str, bool]:
        from core.images import unlock_archive

        report = _relay_stderr(feed, lambda: unlock_archive(
            Path(archive),
            version,
            client=client,
            settings=settings,
            progress=probe.progress,
            on_image=feed.image,
            on_output=feed.line,
            on_stage=probe.on_stage,
            cancel=cancel,
        ))
        return {s.service: s.present for s in report.services}

    return work


def lock_work(
    client, version: str, images: Sequence[str], out_path: Path, settings, feed: ImageFeed
) -> Callable[[CancelToken, ProgressProbe], Any]:
    """Work for a queue job: ``docker save`` of ``images`` encrypted into ``out_path``, fragment published."""
    chosen = list(images)

    def work(cancel: CancelToken, probe: ProgressProbe) -> Any:
        from core.images import lock_images

        return _relay_stderr(feed, lambda: lock_images(
            version, chosen, Path(out_path), client=client, settings=settings,
            progress=probe.progress, on_stage=probe.on_stage, cancel=cancel,
        ))

    return work


def unlock_job(client, archive: Path, version: str, settings, feed: ImageFeed) -> Job:
    archive = Path(archive)
    return Job(JobKind.UNLOCK, archive.name, unlock_work(client, archive, version, settings, feed),
               detail=f"{archive} → docker ({version})")


def lock_job(client, version: str, images: Sequence[str], out_path: Path, settings, feed: ImageFeed) -> Job:
    return Job(JobKind.LOCK, f"{Path(out_path).name} ({version})",
               lock_work(client, version, images, out_path, settings, feed),
               detail=f"docker save {' '.join(images)} → {out_path}", target=Path(out_path))


def check_images(settings, version: str) -> dict[str, bool]:
    """``{service: present}`` for ``version`` (one ``docker images`` call). Blocking: run it in a worker."""
    from core.images import check_images as check

    return {s.service: s.present for s in check(version, settings=settings).services}

