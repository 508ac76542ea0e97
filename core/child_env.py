"""The environment every child process gets (docker/podman, the hardware queries): an allowlist of what those
tools need, never the whole of ours.

Ours may hold secrets: ``AZAION_PASSWORD`` (the CLI reads the password from it), and whatever else the user's
shell exports (``*_TOKEN``, ``AWS_SECRET_ACCESS_KEY``, CI passwords...). A child has no use for them, and a child's
environment is readable by other processes of the user (``/proc/PID/environ``) and is passed on to its own
children (podman's conmon, docker's credential helpers). So a child sees only:

* the basics every program needs: ``PATH``, ``HOME``, ``USER``, ``LOGNAME``, ``LANG``, ``LANGUAGE``, ``LC_*``,
  ``TZ``, ``TERM``, ``TMPDIR`` (the image code replaces it with a private folder per call);
* what rootless podman needs to find its session: ``XDG_RUNTIME_DIR``, ``XDG_CONFIG_HOME``, ``XDG_DATA_HOME``,
  ``XDG_CACHE_HOME``, ``DBUS_SESSION_BUS_ADDRESS``;
* the tools' own configuration: ``DOCKER_HOST``, ``DOCKER_CONFIG``, ``DOCKER_CERT_PATH``, ``DOCKER_TLS_VERIFY``,
  ``DOCKER_TLS``, ``DOCKER_CONTEXT``, ``DOCKER_API_VERSION``, ``CONTAINER_HOST``, ``CONTAINER_CONNECTION``,
  ``CONTAINER_SSHKEY``, ``CONTAINERS_*`` (storage.conf, registries.conf, containers.conf), ``PODMAN_*``,
  ``REGISTRY_AUTH_FILE``, ``STORAGE_DRIVER``, ``STORAGE_OPTS``, ``SSH_AUTH_SOCK`` (a remote podman or
  ``DOCKER_HOST=ssh://``), ``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY`` (either case), ``SSL_CERT_FILE``,
  ``SSL_CERT_DIR``;
* on Windows, what programs there need to start at all (``SYSTEMROOT``, ``WINDIR``, ``COMSPEC``, ``PATHEXT``,
  ``TEMP``, ``TMP``, ``USERPROFILE``, ``APPDATA``, ``LOCALAPPDATA``, ``PROGRAMDATA``, ``PROGRAMFILES*``,
  ``PSMODULEPATH`` for the hardware queries' PowerShell, ...).

Even an allowed name is dropped when it looks like a secret (``PASSWORD``, ``PASSWD``, ``PASSPHRASE``, ``TOKEN``,
``SECRET``, ``CREDENTIAL``, ``API_KEY``, ``ACCESS_KEY``, ``PRIVATE_KEY`` in the name), so a prefix such as
``CONTAINERS_`` or ``PODMAN_`` cannot carry one through. ``LD_LIBRARY_PATH``/``LD_PRELOAD`` are not passed: a
packaged (frozen) client points them at its own libraries, which system tools must not load.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

ALLOWED_NAMES = frozenset(
    {
        # basics
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TERM", "TMPDIR",
        # rootless podman's session
        "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "DBUS_SESSION_BUS_ADDRESS",
        # docker / podman configuration
        "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CONTEXT",
        "DOCKER_API_VERSION", "CONTAINER_HOST", "CONTAINER_CONNECTION", "CONTAINER_SSHKEY", "REGISTRY_AUTH_FILE",
        "STORAGE_DRIVER", "STORAGE_OPTS", "SSH_AUTH_SOCK",
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR",
        # Windows
        "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "TEMP", "TMP", "USERPROFILE", "USERNAME",
        "USERDOMAIN", "HOMEDRIVE", "HOMEPATH", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "PROGRAMFILES",
        "PROGRAMFILES(X86)", "PROGRAMW6432", "COMMONPROGRAMFILES", "COMMONPROGRAMFILES(X86)", "ALLUSERSPROFILE",
        "PUBLIC", "COMPUTERNAME", "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE", "OS", "PSMODULEPATH",
    }
)
ALLOWED_PREFIXES = ("LC_", "CONTAINERS_", "PODMAN_")
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY")


def looks_secret(name: str) -> bool:
    """Whether a variable's name says it holds a secret (``AZAION_PASSWORD``, ``GITHUB_TOKEN``, ...)."""
    return bool(_SECRET_NAME.search(name.upper()))


def allowed(name: str) -> bool:
    """Whether a variable called ``name`` may reach a child (names compare in upper case: Windows ignores case,
    and ``http_proxy`` is as common as ``HTTP_PROXY``)."""
    upper = name.upper()
    if looks_secret(upper):
        return False
    return upper in ALLOWED_NAMES or upper.startswith(ALLOWED_PREFIXES)


def child_env(base: Mapping[str, str] | None = None, **overrides: str) -> dict[str, str]:
    """The environment for a child process: the allowed variables of ``base`` (default: ours), then
    ``overrides`` (e.g. ``TMPDIR=...``), which the caller chose and so are kept as given."""
    source = os.environ if base is None else base
    env = {name: value for name, value in source.items() if allowed(name)}
    env.update(overrides)
    return env
