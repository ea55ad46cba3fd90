"""What the product knows about a vendor, declared once: a :class:`Vendor`.

A vendor serves one or more provider kinds (keyword data, SERPs, video data, company data, web pages,
content analysis). Its declaration says under which name a project chooses it, the settings it takes
under ``providers:`` in project.yaml, the environment variables holding its secrets, and its price table:
how a phase's demand (so many keywords, searches, domains, pages…) turns into calls and cost at its batch
limits and list prices. The project model, the launch-time secret check, the Dagster resources and
``estimate`` all read the declarations in :mod:`cylvy_pipeline.providers.catalog`; adding a vendor is its
adapter, its declaration and its Dagster resource.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict

#: The provider kinds: their keys under ``providers:`` and ``providers.concurrency:`` in project.yaml.
PROVIDER_KINDS: tuple[str, ...] = ("keyword_data", "serp", "video_data", "company_data", "web", "content_analyzer")


class VendorSettings(BaseModel):
    """A vendor's settings under ``providers.<settings_key>`` in project.yaml (frozen: a project is a value)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


S = TypeVar("S", bound=VendorSettings)


@dataclass(frozen=True)
class Demand:
    """What one phase of a run asks of one provider kind: ``count`` things in the kind's unit — keywords
    (keyword data), searches (SERPs: keywords × SERP types), domains (company data), video or channel ids
    (video data), pages (web), pages and videos (content analysis). ``keywords``, ``urls`` (web) and
    ``serp_types`` are there for the vendors whose batching or price depends on them."""

    count: int
    keywords: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    serp_types: int = 1


@dataclass(frozen=True)
class CallEstimate:
    """The calls a demand takes and their cost at list prices (USD; None: it cannot be known before the
    calls are made), and how the vendor's price table worked it out."""

    calls: int
    cost_usd: float | None
    basis: str


class ConfigProblem(NamedTuple):
    """A project setting a vendor cannot work with: where under ``providers``, what is wrong, the fix."""

    location: str
    problem: str
    fix: str


#: How a demand of one kind turns into calls and cost, given the project's ``providers`` settings.
PriceTable = Callable[[Any, Demand], CallEstimate]


def free_per_item(basis: str = "") -> PriceTable:
    """One call per thing asked for, at no charge."""
    return lambda _providers, demand: CallEstimate(demand.count, 0.0, basis)


def free_in_batches(size: int) -> PriceTable:
    """Calls of up to ``size`` things each, at no charge."""
    return lambda _providers, demand: CallEstimate(math.ceil(demand.count / size), 0.0, f"{size} per call")


@dataclass(frozen=True)
class Vendor(Generic[S]):
    """One vendor, as every part of the product sees it.

    ``prices`` maps each kind the vendor serves to its price table. ``usage_names`` is the provider name
    its calls are recorded under in ``api_usage`` (one for all its kinds, or one per kind), which
    ``estimate`` uses too, so a run compares with its estimate. ``secrets`` maps the field of its Dagster
    resource to the environment variable that holds it. ``secrets_when`` adds secrets that other settings
    call for (``"why"`` → variables). ``check`` finds what the loader refuses in the project's settings
    (beyond their types), given its markets (code → country name). ``local``: it works in this process,
    so it calls no one and charges nothing whatever the demand."""

    name: str
    prices: Mapping[str, PriceTable]
    usage_names: str | Mapping[str, str]
    settings_key: str | None = None
    settings_model: type[S] | None = None
    secrets: Mapping[str, str] = field(default_factory=dict)
    secrets_when: Callable[[Any], Mapping[str, Sequence[str]]] | None = None
    check: Callable[[Any, Mapping[str, str]], ConfigProblem | None] | None = None
    local: bool = False

    def __post_init__(self):
        if unknown := set(self.prices) - set(PROVIDER_KINDS):
            raise ValueError(f"vendor {self.name!r}: unknown provider kind {sorted(unknown)[0]!r}")
        if (self.settings_key is None) != (self.settings_model is None):
            raise ValueError(f"vendor {self.name!r}: give both settings_key and settings_model, or neither")

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(kind for kind in PROVIDER_KINDS if kind in self.prices)

    def usage_name(self, kind: str) -> str:
        return self.usage_names if isinstance(self.usage_names, str) else self.usage_names[kind]

    @property
    def credential_env(self) -> str:
        """How a refused credential names the variables to check (``A and B``)."""
        return " and ".join(self.secrets.values())

    def estimate(self, kind: str, providers: Any, demand: Demand) -> CallEstimate:
        """The calls and cost of ``demand`` of ``kind`` under the project's ``providers`` settings."""
        return self.prices[kind](providers, demand)
