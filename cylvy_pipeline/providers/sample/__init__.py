"""Sample providers: a deterministic, seeded simulation of the market (the default implementation).

Build one :class:`SimulatedMarket` per ``(project, seed)`` (or share it with :func:`get_market`) and wrap it
in the clients, each with the :class:`FaultInjector` of the phase that uses it::

    market = get_market(project, seed=7)
    serp = SampleSerp(market, faults=fault_injector_from_env("serp_collection"), latency_s=0.0)
"""

from cylvy_pipeline.providers.sample.clients import (
    SampleCompanyData,
    SampleKeywordMetrics,
    SampleSerp,
    SampleWebFetcher,
    SampleYouTube,
)
from cylvy_pipeline.providers.sample.faults import FaultInjector, fault_injector_from_env, parse_fault_spec
from cylvy_pipeline.providers.sample.market import SimulatedMarket, get_market

__all__ = [
    "FaultInjector",
    "SampleCompanyData",
    "SampleKeywordMetrics",
    "SampleSerp",
    "SampleWebFetcher",
    "SampleYouTube",
    "SimulatedMarket",
    "fault_injector_from_env",
    "get_market",
    "parse_fault_spec",
]
