"""One bandwidth cap for every transfer of the process together (uploads and downloads, CDN and API): a
thread-safe token bucket that the transfer code asks before bytes go to or come from the network.

Why one shared bucket: operators sit on one slow, metered link; the cap is what the whole app may use, however many
transfers run. Why a small burst (0.1 s worth): the cap must hold over short windows too (README: "with a 2 MiB/s
cap, never more than 10% over any 2 s window"); a bucket that saved up a second's worth would break that.

Waits are condition waits (no busy waiting): a waiter sleeps until its bytes are due, and wakes early when the
rate changes (``set_rate``, e.g. the GUI's Settings applied live) or its transfer is cancelled (core/cancel.py).

Rates are written as rclone writes them (``--bwlimit``): ``512k``, ``2M``, ``1.5M``, ``off``; a bare number
is bytes/s here (rclone reads a bare number as KiB/s; write ``512k`` for that). A timetable in rclone's form
(``"08:00,512k 12:00,10M 13:00,off"``, entries optionally ``Mon-08:00,1M``) sets the rate by local time: each
entry holds from its time until the next one, the last one of the week carries over to the first.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from core.cancel import NEVER, CancelToken, current_cancel

KiB = 1 << 10
BURST_SECONDS = 0.1
"""How much a quiet moment may save up: 0.1 s worth of the rate (at least MIN_BURST)."""
MIN_BURST = 4 * KiB
MAX_QUANTUM = 256 * KiB
"""Largest read granted at once (and at most half the burst): what is in flight beyond the bucket is bounded by
this per transfer, while fewer, larger reads keep the per-read cost of the pipelines down at high rates."""
MIN_RATE = 1 * KiB
"""Lowest cap accepted: below it the transfers' stall watches (core/http_limits.py) could not tell a dead link."""
MAX_SLEEP = 1.0
"""A waiter looks at the clock at least this often (a timetable's next entry applies within a second)."""

_UNITS = {"": 1, "b": 1, "k": KiB, "m": KiB**2, "g": KiB**3, "t": KiB**4}
_RATE = re.compile(r"(?P<num>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>[bkmgt]?)(?:i?b)?(?:/s)?", re.IGNORECASE)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ENTRY = re.compile(r"(?:(?P<day>[a-z]{3})-)?(?P<hh>\d{1,2}):?(?P<mm>\d{2}),(?P<rate>.+)", re.IGNORECASE)


class BandwidthError(ValueError):
    """A rate or timetable that cannot be read; the message says what is wrong and what is accepted."""


def parse_rate(text: str) -> float | None:
    """Bytes per second from ``512k``, ``2M``, ``1.5M``, ``1048576``, ``2MiB/s``; None for ``off``/``0``
    (no cap). Units are binary (1k = 1024), like rclone's."""
    value = text.strip()
    if value.lower() in ("off", "0", "none", "unlimited", ""):
        if value == "":
            raise BandwidthError("empty bandwidth rate: give e.g. 512k, 2M or off")
        return None
    if re.fullmatch(r"\d{1,2}:\d{2}", value):
        raise BandwidthError(f"{text!r} is a time, not a bandwidth rate: a timetable entry is HH:MM,RATE")
    if ":" in value:
        raise BandwidthError(f"bandwidth rate {text!r}: separate upload:download rates are not supported; "
                             "one cap covers both")
    match = _RATE.fullmatch(value)
    if match is None:
        raise BandwidthError(f"not a bandwidth rate: {text!r} (examples: 512k, 2M, 1.5M, 65536, off)")
    rate = float(match["num"]) * _UNITS[match["unit"].lower()]
    if rate == 0:
        return None
    if rate < MIN_RATE:
        raise BandwidthError(f"bandwidth rate {text!r} is below the lowest cap of {MIN_RATE} bytes/s (1k)")
    return rate


def format_rate(rate: float | None) -> str:
    """``2M``, ``512k``, ``1.5M`` or ``off``: what ``parse_rate`` reads back."""
    if rate is None:
        return "off"
    for suffix, unit in (("G", KiB**3), ("M", KiB**2), ("k", KiB)):
        if rate >= unit:
            return f"{rate / unit:.6g}{suffix}"
    return f"{rate:.0f}"


@dataclass(frozen=True)
class Timetable:
    """Rates by local time of the week: ``entries`` are (minute of the week from Monday 00:00, bytes/s or None)."""

    entries: tuple[tuple[int, float | None], ...]
    text: str

    def rate_at(self, when: datetime.datetime) -> float | None:
        minute = when.weekday() * 1440 + when.hour * 60 + when.minute
        current = self.entries[-1][1]  # before the week's first entry: the last one still holds
        for start, rate in self.entries:
            if start > minute:
                break
            current = rate
        return current


def parse_timetable(text: str) -> Timetable:
    """rclone's timetable: entries ``[Day-]HH:MM,RATE`` separated by spaces or semicolons; an entry without a day
    applies every day."""
    items = [item for item in re.split(r"[\s;]+", text.strip()) if item]
    if not items:
        raise BandwidthError("empty bandwidth timetable")
    slots: dict[int, float | None] = {}
    for item in items:
        match = _ENTRY.fullmatch(item)
        if match is None:
            raise BandwidthError(f"bandwidth timetable entry {item!r} is not HH:MM,RATE or Day-HH:MM,RATE "
                                 "(e.g. \"08:00,512k 18:00,off\")")
        hour, minute = int(match["hh"]), int(match["mm"])
        if hour > 23 or minute > 59:
            raise BandwidthError(f"bandwidth timetable entry {item!r}: {match['hh']}:{match['mm']} is not a time "
                                 "of day (00:00 to 23:59)")
        try:
            rate = parse_rate(match["rate"])
        except BandwidthError as exc:
            raise BandwidthError(f"bandwidth timetable entry {item!r}: {exc}") from None
        day = match["day"]
        if day is None:
            days = range(7)
        elif day.lower() in _DAYS:
            days = range(_DAYS.index(day.lower()), _DAYS.index(day.lower()) + 1)
        else:
            raise BandwidthError(f"bandwidth timetable entry {item!r}: {day!r} is not a day (Mon, Tue, ... Sun)")
        for d in days:
            slots[d * 1440 + hour * 60 + minute] = rate
    return Timetable(tuple(sorted(slots.items())), " ".join(items))


@dataclass(frozen=True)
class BandwidthLimit:
    """What the user set: a fixed rate (None: no cap), or a timetable that decides it by local time."""

    rate: float | None = None
    timetable: Timetable | None = None

    def rate_now(self) -> float | None:
        if self.timetable is not None:
            return self.timetable.rate_at(datetime.datetime.now())
        return self.rate

    def __str__(self) -> str:
        return self.timetable.text if self.timetable is not None else format_rate(self.rate)


OFF = BandwidthLimit()


def parse_limit(text: str | None) -> BandwidthLimit:
    """A ``--bwlimit`` value: a rate (``2M``, ``off``) or a timetable (``"08:00,1M 18:00,off"``)."""
    if text is None or not text.strip():
        return OFF
    if "," in text or ";" in text or len(text.split()) > 1:
        return BandwidthLimit(timetable=parse_timetable(text))
    return BandwidthLimit(rate=parse_rate(text))


class Limiter:
    """The token bucket. ``take(n)`` before ``n`` bytes move; ``reserve(want)`` before a read of at most
    ``want`` bytes (returns how many may be read now; ``refund`` what was not)."""

    def __init__(self, limit: BandwidthLimit = OFF) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._limit = limit
        self._tokens = 0.0
        self._stamp = time.monotonic()
        self._generation = 0
        self._fraction = 1.0
        self.last_grant = 0.0
        """When this process last moved bytes under the cap (monotonic; 0: never)."""

    # ---- setting -----------------------------------------------------------------------------------------

    @property
    def limit(self) -> BandwidthLimit:
        return self._limit

    def set_limit(self, limit: BandwidthLimit) -> None:
        """Change the cap; running transfers follow at once (waiters wake and look again)."""
        with self._cond:
            self._limit = limit
            self._generation += 1
            self._cond.notify_all()

    def set_fraction(self, fraction: float) -> None:
        """Take only ``fraction`` of the cap here: the rest goes to transfer processes this one runs
        (core/transfer_process.py splits the application's cap between them and this process)."""
        with self._cond:
            self._fraction = min(1.0, max(0.01, fraction))
            self._cond.notify_all()

    def _rate(self) -> float | None:
        rate = self._limit.rate_now()
        return None if rate is None else rate * self._fraction

    def set_rate(self, rate: float | str | None) -> None:
        """A fixed rate in bytes/s (None: no cap), or any ``--bwlimit`` text (rate or timetable)."""
        self.set_limit(parse_limit(rate) if isinstance(rate, str) else BandwidthLimit(rate=rate))

    @property
    def active(self) -> bool:
        """False when there is no cap at all: the transfer code then skips the bucket entirely."""
        limit = self._limit
        return limit.rate is not None or limit.timetable is not None

    # ---- taking ------------------------------------------------------------------------------------------

    def take(self, nbytes: int, cancel: CancelToken | None = None) -> float:
        """Wait until ``nbytes`` may move; returns the seconds waited. Raises the cancel's error when the
        transfer is cancelled meanwhile (at once, not after the wait)."""
        waited = 0.0
        while nbytes > 0 and self.active:
            granted, slept = self._grant(nbytes, cancel)
            nbytes -= granted
            waited += slept
        return waited

    def reserve(self, want: int, cancel: CancelToken | None = None) -> tuple[int, float]:
        """(bytes that may be read now, at most ``want``; seconds waited for them). Refund what the read did
        not use, so a short read does not cost the cap."""
        if want <= 0 or not self.active:
            return want, 0.0
        return self._grant(want, cancel)

    def refund(self, nbytes: int) -> None:
        if nbytes <= 0 or not self.active:
            return
        with self._cond:
            rate = self._rate()
            if rate is not None:
                self._tokens = min(self._tokens + nbytes, _burst(rate))
                self._cond.notify_all()

    def _grant(self, want: int, cancel: CancelToken | None) -> tuple[int, float]:
        token = cancel if cancel is not None else current_cancel()
        started = time.monotonic()
        unhook: Callable[[], None] | None = None
        try:
            with self._cond:
                while True:
                    if token.cancelled:
                        raise token.error()
                    rate = self._rate()
                    if rate is None:
                        return want, time.monotonic() - started
                    burst = _burst(rate)
                    piece = int(min(want, max(burst / 2, MIN_BURST), MAX_QUANTUM))
                    now = time.monotonic()
                    self._tokens = min(burst, self._tokens + rate * (now - self._stamp))
                    self._stamp = now
                    if self._tokens >= piece:
                        self._tokens -= piece
                        self.last_grant = now
                        return piece, now - started
                    if unhook is None and token is not NEVER:
                        self._cond.release()  # the hook takes the lock (at once if already cancelled)
                        try:
                            unhook = token.on_cancel(self._wake)
                        finally:
                            self._cond.acquire()
                        continue
                    self._cond.wait(min((piece - self._tokens) / rate, MAX_SLEEP))
        finally:
            if unhook is not None:
                unhook()

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()


def _burst(rate: float) -> float:
    return max(rate * BURST_SECONDS, MIN_BURST)


LIMITER = Limiter()
"""The process's one cap: the CLI sets it from ``--bwlimit`` or the settings, the GUI from Settings (live)."""
