"""Adapter between the Image unlock panel and ``core.images`` (which is being written separately).

Everything the panel needs from the core goes through here, so the panel keeps working - showing a clear
"not available" state - while ``core.images`` lacks the unlock API.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.cancel import CancelToken


class UnlockUnavailable(Exception):
    pass


class OutputRelay(QObject):
    """Docker output lines from a worker thread to the panel (queued signal)."""

    line = Signal(str)


@dataclass(frozen=True)
class DockerInfo:
    path: str | None
    version: str | None


def docker_info(command: str) -> DockerInfo:
    path = shutil.which(command)
    if not path:
        return DockerInfo(None, None)
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=False)
        version = (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else None
    except (OSError, subprocess.SubprocessError):
        version = None
    return DockerInfo(path, version)


def _images_module() -> Any | None:
    try:
        return importlib.import_module("core.images")
    except ImportError:
        return None


def availability() -> tuple[bool, str]:
    module = _images_module()
    if module is None:
        return False, "core.images is missing"
    if not hasattr(module, "unlock_archive"):
        return False, "core.images has no unlock_archive yet"
    return True, ""


def can_lock() -> bool:
    module = _images_module()
    return module is not None and hasattr(module, "lock_images")


def unlock_work(
    client, archive: Path, version: str, settings, output: Callable[[str], None]  # noqa: ANN001
) -> Callable[[CancelToken, Any], dict[str, bool]]:
    """Work for a queue job: fragment → streamed decryption into docker load → check. Returns
    ``{service: present}``; images loaded so far are reported through ``output``."""
    ok, why = availability()
    if not ok:
        raise UnlockUnavailable(why)
    module = _images_module()

    def work(cancel: CancelToken, probe) -> dict[str, bool]:  # noqa: ANN001
        loaded: list[str] = []

        def on_image(name: str) -> None:
            loaded.append(name)
            output(f"Loaded image {len(loaded)}: {name}")

        def on_stage(stage: str) -> None:
            probe.on_stage(stage)
            output(f"— {stage}")

        report = module.unlock_archive(
            Path(archive),
            version,
            client=client,
            settings=settings,
            progress=probe.progress,
            on_image=on_image,
            on_stage=on_stage,
            cancel=cancel,
        )
        missing = [s.image for s in report.missing]
        output(f"Checked {len(report.services)} service image(s); missing: {', '.join(missing) or 'none'}")
        return _presence(report)

    return work


def lock_work(
    client, version: str, out_path: Path, settings, output: Callable[[str], None]  # noqa: ANN001
) -> Callable[[CancelToken, Any], Any]:
    """Work for a queue job: docker save of the version's service images, encrypted, fragment published."""
    module = _images_module()
    if module is None or not hasattr(module, "lock_images"):
        raise UnlockUnavailable("core.images has no lock_images")
    images = [module.image_name(settings.image_prefix, s, version) for s in settings.services]

    def work(cancel: CancelToken, probe) -> Any:  # noqa: ANN001
        report = module.lock_images(
            version, images, Path(out_path), client=client, settings=settings,
            progress=probe.progress, on_stage=probe.on_stage, cancel=cancel,
        )
        output(f"Locked {len(report.images)} image(s) into {report.output}; fragment published")
        return report

    return work


def check_images(settings, version: str) -> dict[str, bool]:  # noqa: ANN001
    module = _images_module()
    check = getattr(module, "check_images", None) if module else None
    if check is None:
        raise UnlockUnavailable("core.images has no check_images")
    return _presence(check(version, settings=settings))


def _presence(result: Any) -> dict[str, bool]:
    if isinstance(result, dict):
        return {str(k): bool(v) for k, v in result.items()}
    services = getattr(result, "services", None)
    if isinstance(services, tuple | list):
        return {str(s.service): bool(s.present) for s in services}
    return {}
