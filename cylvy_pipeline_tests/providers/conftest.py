"""Fixtures for the provider tests: a small, self-contained fictional project for the sample market, and
a local HTTP server with a call log for the real adapters."""

from __future__ import annotations

import pytest

from cylvy_pipeline.contract import PHASES
from cylvy_pipeline.project.model import (
    JTBD_PHASE_NAMES,
    Company,
    Dimension,
    Keyword,
    Landscape,
    Persona,
    Project,
)
from cylvy_pipeline.providers.base import ProviderCall
from cylvy_pipeline.providers.sample.market import SimulatedMarket
from cylvy_pipeline_tests.providers.local_http import local_server

KEYWORDS: dict[str, tuple[str, ...]] = {
    "Payments": (
        "real-time payments platform",
        "instant payments software",
        "payment hub software for banks",
        "ISO 20022 migration",
        "cross-border payments solution",
        "payment fraud detection software",
        "ACH processing software",
        "payments orchestration platform",
        "payment reconciliation software",
        "card issuing platform",
        "SEPA payments software",
        "faster payments solution",
        "merchant acquiring software",
    ),
    "Lending": (
        "loan origination software",
        "loan origination system",
        "credit decisioning software",
        "commercial lending platform",
        "digital lending platform",
        "mortgage origination software",
        "loan servicing software",
        "SME lending platform",
        "underwriting automation software",
        "collections management software",
        "consumer lending software",
        "buy now pay later platform",
        "syndicated loan software",
    ),
    "Universal Banking": (
        "core banking software",
        "core banking system",
        "cloud core banking platform",
        "digital banking platform",
        "core banking modernization",
        "banking-as-a-service platform",
        "account opening software",
        "deposit management software",
        "open banking API platform",
        "KYC software",
        "AML transaction monitoring software",
        "mobile banking app platform",
        "banking data platform",
        "general ledger software for banks",
    ),
}

CLIENT = Company(name="Alderbridge Core", domains=("alderbridge.example", "alderbridge-cloud.example"))
COMPETITORS = (
    Company(name="Keystone Ledger Systems", domains=("keystoneledger.example",)),
    Company(name="Tallyforge Banking", domains=("tallyforge.example",)),
    Company(name="Corvane Financial Software", domains=("corvane.co.uk.example",)),
    Company(name="Brueckwerk Banksoftware", domains=("brueckwerk.example",)),
)


def make_project(keywords: tuple[Keyword, ...] | None = None) -> Project:
    if keywords is None:
        keywords = tuple(
            Keyword(keyword=k, category=category, jtbd_stage=JTBD_PHASE_NAMES[i % 5])
            for category, words in KEYWORDS.items()
            for i, k in enumerate(words)
        )
    return Project(
        name="Alderbridge test market",
        client=CLIENT,
        competitors=COMPETITORS,
        personas=(
            Persona(
                name="Head of Payments Operations",
                description="Runs payment operations.",
                goals=("Move to instant payments without adding headcount", "Cut manual repairs"),
                pain_points=("Legacy batch payment systems", "Manual exception handling"),
                keywords=("real-time payments", "payment hub", "reconciliation", "straight-through processing"),
            ),
            Persona(
                name="Chief Lending Officer",
                description="Owns the lending book.",
                goals=("Cut time-to-decision on loan applications",),
                pain_points=("Paper-heavy origination",),
                keywords=("loan origination", "credit decisioning", "underwriting"),
            ),
            Persona(
                name="CIO of a Regional Bank",
                description="Leads technology.",
                goals=("Modernise the core banking system with manageable risk",),
                pain_points=("A decades-old core",),
                keywords=("core banking", "cloud banking", "banking APIs"),
            ),
        ),
        jtbd_phases=tuple(Dimension(name=n, description=n) for n in JTBD_PHASE_NAMES),
        markets=("US", "UK", "DE"),
        landscapes=(Landscape(name="All"),) + tuple(Landscape(name=c, categories=(c,)) for c in KEYWORDS),
        enabled_phases=PHASES,
        keywords=keywords,
    )


@pytest.fixture(scope="session")
def project() -> Project:
    return make_project()


@pytest.fixture(scope="session")
def market(project: Project) -> SimulatedMarket:
    return SimulatedMarket(project, seed=7)


@pytest.fixture
def server():
    """A scriptable HTTP server on a free loopback port (see local_http.py), stopped after the test."""
    with local_server() as running:
        yield running


@pytest.fixture
def calls() -> list[ProviderCall]:
    """Collects every call an adapter reports (its ``usage`` callback)."""
    return []
