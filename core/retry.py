"""Bounded retries with exponential backoff and jitter for whole transfers (botocore and urllib3 already
retry single requests; this outer loop survives a link that is down for minutes, resuming each time)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from core.cancel import NEVER, CancelToken
from core.errors import AzaionError, CancelledError, ObjectChangedError, ServerError, UnreachableError

log = logging.getLogger("azaion.retry")
T = TypeVar("T")

RetryCallback = Callable[[int, int, float, AzaionError], None]
"""``on_retry(attempt, max_attempts, delay_s, error)``: e.g. "retrying in 8 s, attempt 3/6"."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base: float = 1.0
    cap: float = 60.0

    def delay(self, attempt: int, rng: random.Random = random._inst) -> float:
        """Jitter, not "full jitter": uniform in [base, min(cap, base * 2**attempt)] (docs/protocol.md, Retries)."""
        high = min(self.cap, self.base * (2 ** attempt))
        return rng.uniform(min(self.base, high), high)


NO_RETRY = RetryPolicy(attempts=1)


def is_transient(exc: BaseException) -> bool:
    """Connection loss, timeouts, 5xx and throttling are worth another try; auth, 4xx, integrity are not, and
    neither is a changed CDN object (412): asking again for the old ETag can only fail again — the download
    starts over with the new object instead (core/resources.py)."""
    if isinstance(exc, UnreachableError):
        return True
    if isinstance(exc, ObjectChangedError):
        return False
    if isinstance(exc, ServerError):
        return exc.status is None or exc.status >= 500 or exc.status in (408, 429)
    return False


def describe_retry(attempt: int, attempts: int, delay: float) -> str:
    return f"retrying in {delay:.0f} s, attempt {attempt}/{attempts}"


def with_retries(
    func: Callable[[], T],
    *,
    policy: RetryPolicy,
    cancel: CancelToken = NEVER,
    on_retry: RetryCallback | None = None,
    what: str = "transfer",
) -> T:
    attempt = 1
    while True:
        try:
            return func()
        except CancelledError:
            raise
        except AzaionError as exc:
            if not is_transient(exc) or attempt >= policy.attempts:
                raise
            delay = policy.delay(attempt)
            attempt += 1
            log.warning("%s failed (%s); %s", what, exc, describe_retry(attempt, policy.attempts, delay))
            if on_retry is not None:
                on_retry(attempt, policy.attempts, delay, exc)
            if cancel.wait(delay):
                raise CancelledError("cancelled by the user") from None
