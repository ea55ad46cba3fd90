"""The simulated market built from the product's shipped sample project (skipped if it cannot load)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from cylvy_pipeline.providers.sample.market import SimulatedMarket


@pytest.fixture(scope="module")
def sample_project():
    loader = pytest.importorskip("cylvy_pipeline.project.loader")
    try:
        return loader.load_project()
    except Exception as error:  # another team's module; this test is about the market, not the loader
        pytest.skip(f"sample project does not load yet: {error}")


def test_sample_project_market(sample_project):
    market = SimulatedMarket(sample_project)
    assert market.client.name == sample_project.client.name
    for company in (sample_project.client, *sample_project.competitors):
        for domain in company.domains:
            assert market.company_for_host(domain).name == company.name
    assert all(c.domain.endswith(".example") for c in market.companies)
    assert all(urlsplit(p.url).hostname.endswith(".example") for p in market.pages)
    keyword = sample_project.keywords[0].keyword
    for m in sample_project.markets:
        assert len(market.serp(keyword, m, "organic", sample_project.results_per_search)) == (
            sample_project.results_per_search
        )
    assert len(market.keyword_metrics([k.keyword for k in sample_project.keywords], "US")) == len(
        sample_project.keywords
    )
