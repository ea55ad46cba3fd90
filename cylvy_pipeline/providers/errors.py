"""Errors raised by providers. Phases catch these, never provider-specific exceptions."""

from __future__ import annotations


class ProviderError(Exception):
    """A provider call failed. ``transient`` errors (429, 5xx, timeouts) are worth retrying."""

    def __init__(self, message: str, *, transient: bool, retry_after_s: float | None = None, retried: bool = False):
        super().__init__(message)
        self.transient = transient
        self.retry_after_s = retry_after_s
        #: The client already spent its retries on this request (the HTTP layer): retrying it again
        #: would multiply the attempts.
        self.retried = retried


class QuotaExhausted(ProviderError):
    """The provider's quota for this period is used up; retrying now will not help."""

    def __init__(self, message: str):
        super().__init__(message, transient=False)


class BudgetExceeded(ProviderError):
    """A call would take the execution past its provider budget; it was not made."""

    def __init__(self, message: str):
        super().__init__(message, transient=False)


class ProviderAuthError(ProviderError):
    """The provider refused our credentials (HTTP 401/403): no retry will help; the message names the
    environment variable to check."""

    def __init__(self, message: str):
        super().__init__(message, transient=False)
