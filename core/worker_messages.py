"""The messages between the application and a transfer process (core/transfer_process.py, core/transfer_worker.py):
one JSON object per line, UTF-8.

What crosses are reports (``UploadReport``, ``DownloadReport``) and exceptions, as plain data. An exception is
rebuilt on the other side only as a class of ``core`` (its module and name, its ``args`` and its attributes), so
the application shows the same message and takes the same path (paused, cancelled, failed) as when the transfer
ran in a thread; anything else arrives as an ``AzaionError`` naming what it was. Nothing is unpickled.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
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


def _core_class(module: Any, name: Any) -> type | None:
    if not isinstance(module, str) or not isinstance(name, str):
        return None
    if module != "core" and not module.startswith("core."):
        return None
    try:
        cls = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return cls if isinstance(cls, type) else None


def exception_to_data(exc: BaseException) -> dict[str, Any]:
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
    return {"module": type(exc).__module__, "type": type(exc).__qualname__, "args": args, "attrs": attrs,
            "text": str(exc)}


def exception_from_data(data: dict[str, Any]) -> BaseException:
    """The exception ``exception_to_data`` described: the same ``core`` class when there is one, else an
    ``AzaionError`` with the type's name and text (a bug in the transfer process is not hidden as something
    else; its traceback is in the log it forwarded)."""
    cls = _core_class(data.get("module"), data.get("type"))
    text = str(data.get("text", ""))
    if cls is None or not issubclass(cls, Exception):
        return AzaionError(f"{data.get('type', 'error')}: {text}" if text else str(data.get("type", "error")))
    exc = cls.__new__(cls)
    args = data.get("args")
    exc.args = tuple(_unplain(args)) if isinstance(args, list) else (text,)
    attrs = data.get("attrs")
    if isinstance(attrs, dict):
        for key, value in attrs.items():
            if isinstance(key, str) and not key.startswith("__"):
                setattr(exc, key, _unplain(value))
    return exc


def report_to_data(report: Any) -> dict[str, Any] | None:
    if report is None or not dataclasses.is_dataclass(report):
        return None
    fields = {f.name: _plain(getattr(report, f.name)) for f in dataclasses.fields(report)}
    return {"module": type(report).__module__, "type": type(report).__qualname__, "fields": fields}


def report_from_data(data: Any) -> Any:
    if not isinstance(data, dict):
        return None
    cls = _core_class(data.get("module"), data.get("type"))
    fields = data.get("fields")
    if cls is None or not dataclasses.is_dataclass(cls) or not isinstance(fields, dict):
        raise AzaionError(f"the transfer process answered with an unknown result {data.get('type')!r}")
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: _unplain(v) for k, v in fields.items() if k in known})
