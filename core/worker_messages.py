"""The messages between the application and a transfer process (core/transfer_process.py, core/transfer_worker.py):
one JSON object per line, UTF-8.

What crosses are reports (``UploadReport``, ``DownloadReport``) and exceptions, as plain data. An exception is
rebuilt on the other side only as a class of ``core`` (its module and name, its ``args`` and its attributes), so
the application shows the same message and takes the same path (paused, cancelled, failed) as when the transfer
ran in a thread; anything else arrives as an ``AzaionError`` naming what it was. Nothing is unpickled.
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from core.errors import AzaionError

MAX_LINE = 1 << 20
"""The longest message line read (a report or an error is a few hundred bytes; a runaway line is cut here)."""

_PATH = "__path__"


def _plain(value: Any) -> Any:
    """``value`` as JSON data, or a ``ValueError`` when it has no such form (paths are tagged to come back)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Path):
        return {_PATH: str(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    raise ValueError(type(value).__name__)


def _unplain(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {_PATH}:
        return Path(value[_PATH])
    if isinstance(value, list):
        return [_unplain(v) for v in value]
    return value


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    message = json.loads(line.decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError("not a JSON object")
    return message


_REPORTS = frozenset({("core.resources", "UploadReport"), ("core.resources", "DownloadReport")})
CAUSES = 4
"""How many links of an exception's cause chain cross (the GUI's Details and errno headline read them)."""


_MODULE = re.compile(r"core(\.[a-z_][a-z0-9_]*)+")


def _core_class(module: Any, name: Any) -> type | None:
    """A class of one of our ``core`` modules (imported if this process has not yet: our own code)."""
    if not isinstance(module, str) or not isinstance(name, str) or not _MODULE.fullmatch(module):
        return None
    try:
        loaded = sys.modules.get(module) or importlib.import_module(module)
    except ImportError:
        return None
    cls = getattr(loaded, name, None)
    return cls if isinstance(cls, type) else None


def exception_to_data(exc: BaseException, depth: int = 0) -> dict[str, Any]:
    attrs = {}
    for key, value in vars(exc).items():
        try:
            attrs[key] = _plain(value)
        except ValueError:
            continue
    try:
        args = _plain(list(exc.args))
    except ValueError:
        args = [str(exc)]
    data: dict[str, Any] = {"module": type(exc).__module__, "type": type(exc).__qualname__, "args": args,
                            "attrs": attrs, "text": str(exc)}
    if isinstance(exc, OSError):
        data["os"] = [exc.errno, exc.strerror, None if exc.filename is None else str(exc.filename)]
    cause = exc.__cause__ or exc.__context__
    if cause is not None and depth < CAUSES:
        data["cause"] = exception_to_data(cause, depth + 1)
    return data


def _os_error(data: dict[str, Any]) -> OSError | None:
    """A builtin ``OSError`` (or subclass) with its errno, the way the application explains a disk failure."""
    if data.get("module") != "builtins":
        return None
    cls = getattr(builtins, str(data.get("type")), None)
    if not (isinstance(cls, type) and issubclass(cls, OSError)):
        return None
    errno_, strerror, filename = (list(data.get("os") or []) + [None, None, None])[:3]
    if isinstance(errno_, int) and isinstance(strerror, str):
        return cls(errno_, strerror, filename) if isinstance(filename, str) else cls(errno_, strerror)
    return cls(str(data.get("text", "")))


def _rebuild(data: dict[str, Any]) -> BaseException:
    cls = _core_class(data.get("module"), data.get("type"))
    text = str(data.get("text", ""))
    if cls is None or not issubclass(cls, Exception):
        return _os_error(data) or AzaionError(f"{data.get('type', 'error')}: {text}" if text else
                                              str(data.get("type", "error")))
    exc = cls.__new__(cls)
    args = data.get("args")
    exc.args = tuple(_unplain(args)) if isinstance(args, list) else (text,)
    attrs = data.get("attrs")
    if isinstance(attrs, dict):
        for key, value in attrs.items():
            if isinstance(key, str) and not key.startswith("_"):
                setattr(exc, key, _unplain(value))
    return exc


def exception_from_data(data: Any, depth: int = 0) -> BaseException:
    """The exception ``exception_to_data`` described, with its cause chain: the same ``core`` class when there is
    one, a builtin ``OSError`` as itself, else an ``AzaionError`` with the type's name and text (a bug in the
    transfer process is not hidden as something else; its traceback is in the log it forwarded). A message that
    does not describe one becomes an ``AzaionError`` saying so."""
    try:
        if not isinstance(data, dict):
            raise TypeError(type(data).__name__)
        exc = _rebuild(data)
        cause = data.get("cause")
        if cause is not None and depth < CAUSES:
            exc.__cause__ = exception_from_data(cause, depth + 1)
        return exc
    except Exception as exc:  # a malformed message, or attributes the class refuses
        return AzaionError(f"the transfer process's error could not be read ({type(exc).__name__})")


def report_to_data(report: Any) -> dict[str, Any] | None:
    if report is None or not dataclasses.is_dataclass(report):
        return None
    fields = {f.name: _plain(getattr(report, f.name)) for f in dataclasses.fields(report)}
    return {"module": type(report).__module__, "type": type(report).__qualname__, "fields": fields}


def report_from_data(data: Any) -> Any:
    """An ``UploadReport`` or ``DownloadReport``, or None; anything else is an ``AzaionError``."""
    if data is None:
        return None
    if not isinstance(data, dict) or (data.get("module"), data.get("type")) not in _REPORTS:
        raise AzaionError("the transfer process answered with an unknown result")
    cls = _core_class(data["module"], data["type"])
    fields = data.get("fields")
    if cls is None or not isinstance(fields, dict):
        raise AzaionError("the transfer process answered with an unknown result")
    known = {f.name for f in dataclasses.fields(cls)}
    try:
        return cls(**{k: _unplain(v) for k, v in fields.items() if k in known})
    except TypeError as exc:
        raise AzaionError(f"the transfer process's result could not be read: {exc}") from None
