"""The "Keep up to date" schedules as the settings file keeps them (``sync_schedules``, one of the settings' extra
keys): what one is, its limits, and how a list is read back (a malformed entry is dropped, never run). Read by
the scheduler (gui/sync_schedule.py) and its dialog (gui/dialogs/keep_up_to_date.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import InvalidNameError
from core.names import validate_folder

log = logging.getLogger("azaion.gui.sync")

SETTINGS_KEY = "sync_schedules"
DEFAULT_PERIOD_S = 15 * 60
MIN_PERIOD_S = 60
MAX_PERIOD_S = 7 * 86400


@dataclass
class Schedule:
    api_url: str
    folder: str
    target: str
    period_s: int

    def to_json(self) -> dict[str, Any]:
        return {"api_url": self.api_url, "folder": self.folder, "dir": self.target, "period_s": self.period_s}

    @classmethod
    def from_json(cls, data: object) -> Schedule | None:
        """The schedule as ``to_json`` writes it, or None (a hand-edited or foreign entry is not run)."""
        if not isinstance(data, dict) or set(data) != {"api_url", "folder", "dir", "period_s"}:
            return None
        api_url, folder, target, period = data["api_url"], data["folder"], data["dir"], data["period_s"]
        if not (isinstance(api_url, str) and isinstance(folder, str) and isinstance(target, str)
                and type(period) is int and MIN_PERIOD_S <= period <= MAX_PERIOD_S):
            return None
        try:
            validate_folder(folder)
        except InvalidNameError:
            return None
        if "\x00" in target or not Path(target).is_absolute():
            return None
        return cls(api_url, folder, target, period)


def load_schedules(settings) -> list[Schedule]:
    raw = settings.extra.get(SETTINGS_KEY, [])
    items = raw if isinstance(raw, list) else []
    schedules = [s for s in (Schedule.from_json(item) for item in items) if s is not None]
    if not isinstance(raw, list) or len(schedules) != len(items):
        log.warning("Ignored %d malformed 'Keep up to date' entries in the settings",
                    (len(items) - len(schedules)) if isinstance(raw, list) else 1)
    return schedules
