"""Image archives: unlock (key fragment → streamed decryption into ``docker load`` → service check) and lock
(``docker save`` → streamed encryption → fragment published). See core.images.archive and docs/protocol.md,
"Image archives".

The seed's module-level functions keep their names: ``download_key_fragment``, ``decrypt_archive``,
``docker_load``, ``check_images_loaded``.
"""

from core.images.archive import (
    ImageCheck,
    ImageConfig,
    LockReport,
    ServiceStatus,
    UnlockReport,
    archive_key,
    check_images,
    check_images_loaded,
    decrypt_archive,
    docker_load,
    download_key_fragment,
    fetch_archive,
    image_config,
    lock_images,
    unlock_archive,
)
from core.images.docker_cli import DockerCli, resolve_command
from core.images.fragments import KeyFragment, fetch_key_fragment, publish_key_fragment
from core.images.names import expected_images, image_name, normalize, parse_loaded

__all__ = [
    "DockerCli",
    "ImageCheck",
    "ImageConfig",
    "KeyFragment",
    "LockReport",
    "ServiceStatus",
    "UnlockReport",
    "archive_key",
    "check_images",
    "check_images_loaded",
    "decrypt_archive",
    "docker_load",
    "download_key_fragment",
    "expected_images",
    "fetch_archive",
    "fetch_key_fragment",
    "image_config",
    "image_name",
    "lock_images",
    "normalize",
    "parse_loaded",
    "publish_key_fragment",
    "resolve_command",
    "unlock_archive",
]
