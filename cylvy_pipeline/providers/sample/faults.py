"""Fault injection for the sample providers: ``CYLVY_SAMPLE_FAULTS="phase=rate,phase=rate"``.

``company_enrichment_serp=1.0`` makes every provider call made by that phase fail; ``content_scraping=0.2``
makes about 20% of that phase's calls fail with a *transient* :class:`ProviderError`, which the per-request
retries are meant to absorb. Faults are deliberately random (seeded from ``os.urandom``) so that a retry of
the same request can succeed; tests pass ``rng_seed`` to make them reproducible.

A fault fails provider *calls*: a phase that finds what it needs in the shared caches (fresh company
profiles, fetched pages) makes no call for it, so on a warm state folder ``content_scraping=1.0`` may fail
nothing. Content analysis and the DSI calculation call no provider at all, so they take no fault.
"""

from __future__ import annotations

import math
import os
import random
import threading
from collections.abc import Mapping

from cylvy_pipeline.contract import PHASES, PROVIDER_POOLS
from cylvy_pipeline.providers.errors import ProviderError
from cylvy_pipeline.settings import SAMPLE_CALLS_PER_MINUTE_ENV, SAMPLE_FAULTS_ENV, SAMPLE_LATENCY_MS_ENV


#: The phases that call sample providers: the only ones a fault can fail.
FAULTABLE_PHASES: tuple[str, ...] = tuple(phase for phase in PHASES if phase in PROVIDER_POOLS)


def parse_fault_spec(spec: str) -> dict[str, float]:
    """Parse ``"phase=rate,phase=rate"`` into ``{phase: rate}``.

    Blank input means no faults. Phase names must be the pipeline's eight phases and rates numbers in
    [0, 1]; anything else raises ``ValueError`` with a one-line message that says how to fix it.
    """
    faults: dict[str, float] = {}
    if spec is None or not spec.strip():
        return faults
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        phase, sep, rate_text = item.partition("=")
        phase, rate_text = phase.strip(), rate_text.strip()
        if not sep or not phase or not rate_text:
            raise ValueError(
                f"{SAMPLE_FAULTS_ENV}: expected phase=rate, got {item!r} — "
                f"e.g. {SAMPLE_FAULTS_ENV}=content_scraping=0.2"
            )
        if phase not in PHASES:
            raise ValueError(f"{SAMPLE_FAULTS_ENV}: unknown phase {phase!r} — use one of {', '.join(PHASES)}")
        if phase not in FAULTABLE_PHASES:
            raise ValueError(f"{SAMPLE_FAULTS_ENV}: {phase} calls no provider, so no fault can be injected there "
                             f"— use one of {', '.join(FAULTABLE_PHASES)}")
        try:
            rate = float(rate_text)
        except ValueError:
            rate = math.nan
        if not (0.0 <= rate <= 1.0):  # also rejects NaN
            raise ValueError(
                f"{SAMPLE_FAULTS_ENV}: rate for {phase!r} must be a number between 0 and 1, got {rate_text!r}"
            )
        if phase in faults:
            raise ValueError(f"{SAMPLE_FAULTS_ENV}: phase {phase!r} is given twice — give each phase once")
        faults[phase] = rate
    return faults


class FaultInjector:
    """Makes a provider call fail with probability ``rate`` (a transient, simulated outage)."""

    def __init__(self, phase: str, rate: float, rng_seed: int | None = None):
        if phase not in PHASES:
            raise ValueError(f"{SAMPLE_FAULTS_ENV}: unknown phase {phase!r} — use one of {', '.join(PHASES)}")
        rate = float(rate)
        if not (0.0 <= rate <= 1.0):
            raise ValueError(f"{SAMPLE_FAULTS_ENV}: rate for {phase!r} must be a number between 0 and 1, got {rate!r}")
        self.phase = phase
        self.rate = rate
        seed = rng_seed if rng_seed is not None else int.from_bytes(os.urandom(16), "big")
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        #: How many calls this injector has failed (for tests and metadata).
        self.failures = 0

    def maybe_fail(self, what: str) -> None:
        """Raise a transient ProviderError naming ``what`` (the provider) with probability ``rate``."""
        if self.rate <= 0.0:
            return
        with self._lock:
            fail = self.rate >= 1.0 or self._rng.random() < self.rate
            if fail:
                self.failures += 1
        if fail:
            raise ProviderError(
                f"simulated outage of the {what} provider ({SAMPLE_FAULTS_ENV} {self.phase}={self.rate})",
                transient=True,
            )

    def __repr__(self) -> str:
        return f"FaultInjector(phase={self.phase!r}, rate={self.rate})"


def fault_injector_from_env(
    phase: str, environ: Mapping[str, str] | None = None, *, rng_seed: int | None = None
) -> FaultInjector:
    """The injector for ``phase`` as configured by ``CYLVY_SAMPLE_FAULTS`` (rate 0 when not named).

    Raises ``ValueError`` (one line) when the variable is malformed.
    """
    env = os.environ if environ is None else environ
    rate = parse_fault_spec(env.get(SAMPLE_FAULTS_ENV, "")).get(phase, 0.0)
    return FaultInjector(phase, rate, rng_seed=rng_seed)


#: The sample providers, by the names the per-provider knobs (latency, calls per minute) use.
LATENCY_PROVIDERS = ("keyword_metrics", "serp", "youtube", "company_data", "web")


def parse_latency_ms(raw: str | None) -> dict[str, float]:
    """``CYLVY_SAMPLE_LATENCY_MS``: simulated latency of each sample provider's calls, in milliseconds.

    One number gives every provider that latency (``250``); ``provider=ms,…`` gives each its own
    (``serp=6000,web=1500,company_data=800,youtube=300,keyword_metrics=2000``; a provider not named has
    none). Blank means none. Anything else raises ``ValueError`` with a one-line message.
    """
    found = _per_provider(raw, SAMPLE_LATENCY_MS_ENV, "a number of milliseconds", "250", "serp=6000,web=1500",
                          allow_zero=True)
    return {provider: found.get(provider, 0.0) for provider in LATENCY_PROVIDERS}


def parse_calls_per_minute(raw: str | None) -> dict[str, float | None]:
    """``CYLVY_SAMPLE_CALLS_PER_MINUTE``: the simulated rate limit of each sample provider, shared by every
    run (as a vendor's limit is per account): one number for all, or ``provider=calls,…``
    (``serp=2000``; a provider not named has no limit). Blank means none."""
    found = _per_provider(raw, SAMPLE_CALLS_PER_MINUTE_ENV, "a number of calls a minute", "600", "serp=2000",
                          allow_zero=False)
    return {provider: found.get(provider) for provider in LATENCY_PROVIDERS}


def _per_provider(raw: str | None, variable: str, unit: str, one: str, pairs: str, *,
                  allow_zero: bool) -> dict[str, float]:
    """One number for every sample provider, or ``provider=number`` pairs; blank: none."""
    if raw is None or not raw.strip():
        return {}

    def number(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            raise ValueError(f"{variable}: {raw!r} is not {unit}, nor provider=number pairs — e.g. "
                             f"{variable}={one} or {variable}={pairs}, or unset it")
        return value

    if "=" not in raw:
        return dict.fromkeys(LATENCY_PROVIDERS, number(raw))
    found = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        provider, _, value = (text.strip() for text in item.partition("="))
        if provider not in LATENCY_PROVIDERS:
            raise ValueError(f"{variable}: unknown provider {provider!r} — use one of {', '.join(LATENCY_PROVIDERS)}")
        found[provider] = number(value)
    return found
