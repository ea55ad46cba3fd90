"""In-phase concurrency that does not change what a phase produces.

A phase that calls a provider once per domain, page or batch runs those calls on a bounded thread pool
(the project's ``providers.concurrency`` for that kind of provider) and gets their results back in the
order of its inputs, so its output — rows, their order, counts, the first error it reports — is the same
as if it had made the calls one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _NotStarted(Exception):
    """A call that was not made because an earlier one failed."""


def map_until_failure(
    function: Callable[[T], R], items: Iterable[T], *, max_concurrency: int
) -> tuple[list[R], BaseException | None]:
    """Call ``function`` on every item, at most ``max_concurrency`` at once, until one fails.

    Returns the results of the items before the first one (in input order) that did not succeed, and the
    first error raised (in input order), or every result and ``None``. Once a call has failed no further
    call starts: the calls already under way finish, and their results after the failure are dropped, as
    if the calls had been made one at a time and stopped at the failure.
    """
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1:
        raise ValueError(f"max_concurrency must be a whole number of at least 1, got {max_concurrency!r}")
    items = list(items)
    if max_concurrency == 1 or len(items) <= 1:
        results: list[R] = []
        for item in items:
            try:
                results.append(function(item))
            except Exception as error:  # noqa: BLE001 — handed to the caller, as the concurrent path does
                return results, error
        return results, None

    failed = threading.Event()

    def call(item: T) -> R:
        if failed.is_set():
            raise _NotStarted
        try:
            return function(item)
        except BaseException:
            failed.set()
            raise

    with ThreadPoolExecutor(max_workers=min(max_concurrency, len(items)), thread_name_prefix="phase") as pool:
        futures = [pool.submit(call, item) for item in items]
        try:
            outcomes = [(future.exception(), future) for future in futures]
        except BaseException:  # interrupted while waiting: start nothing more, let the calls under way end
            failed.set()
            for future in futures:
                future.cancel()
            raise
    results = []
    for error, future in outcomes:
        if error is not None:
            break
        results.append(future.result())
    # Calls start in input order, so a call that did not start comes after the failure that stopped it.
    first_error = next((error for error, _ in outcomes if error is not None and not isinstance(error, _NotStarted)),
                       None)
    return results, first_error


def map_in_order(function: Callable[[T], R], items: Iterable[T], *, max_concurrency: int) -> list[R]:
    """``[function(item) for item in items]`` with at most ``max_concurrency`` calls at once.

    Results are in the order of ``items`` whatever order the calls finish in. If a call raises, no
    further call starts, the calls under way finish, and the first error in input order is raised.
    """
    results, error = map_until_failure(function, items, max_concurrency=max_concurrency)
    if error is not None:
        raise error
    return results
