"""Per-request retries for transient provider errors, shared by every provider client."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from cylvy_pipeline.providers.errors import ProviderError

T = TypeVar("T")


def backoff_delay(attempt: int, base_delay_s: float, max_delay_s: float, retry_after_s: float | None) -> float:
    """How long to wait after failed attempt ``attempt`` (1-based): the provider's Retry-After when it
    gave one (capped), else exponential backoff with full jitter."""
    if retry_after_s is not None:
        return min(retry_after_s, max_delay_s)
    return random.uniform(0, min(max_delay_s, base_delay_s * 2 ** (attempt - 1)))


def call_with_retries(
    call: Callable[[], T],
    *,
    describe: str,
    attempts: int = 4,
    base_delay_s: float = 0.5,
    max_delay_s: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``call``; retry transient :class:`ProviderError`s with exponential backoff and full jitter.

    ``Retry-After`` from the provider wins over the computed delay. A non-transient error, one the client
    already retried (``retried``), or the last transient one, is re-raised as a ProviderError whose message names ``describe`` and how many times it was tried.
    """
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except ProviderError as error:
            if not error.transient or error.retried or attempt == attempts:
                if type(error) is not ProviderError:
                    raise  # a specific failure (e.g. QuotaExhausted) keeps its type for the caller
                # "Attempts" are the phase's (its retry policy); a request is "tried".
                tries = f" after {attempt} tries" if attempt > 1 else ""
                raise ProviderError(f"{describe} failed{tries}: {error}", transient=error.transient) from error
            sleep(backoff_delay(attempt, base_delay_s, max_delay_s, error.retry_after_s))
    raise AssertionError("unreachable")
