"""Whose DSI a report is about, and the scopes and dimensions it is cut into (from the project)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cylvy_pipeline.phases.company_enrichment import client_company_domain, declared_companies
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.project.queries import landscape_keywords


@dataclass(frozen=True)
class ReportSubject:
    """Whose DSI the report is about, and the scopes it is cut into (from the project)."""

    client_name: str
    client_domain: str
    competitors: Mapping[str, str]  # identity domain -> name, in project order
    landscapes: tuple[str, ...]
    serp_types: tuple[str, ...]
    headline_landscape: str  # the landscape of every keyword (or else the first): the report's top-10 table
    # The content-fit dimensions, in project order: persona names, page types, JTBD phases (buying stages).
    personas: tuple[str, ...] = ()
    page_types: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    # The market-position cut-offs (fractions of DSI), for the glossary.
    position_cutoffs: tuple[float, float, float] = (0.05, 0.02, 0.005)

    @property
    def contenders(self) -> dict[str, str]:
        """The client and its competitors (identity domain -> name), client first."""
        return {self.client_domain: self.client_name, **self.competitors}


def report_subject(project: Project) -> ReportSubject:
    competitors = {
        declared.company_domain: declared.name
        for declared in declared_companies(project).values()
        if declared.source_type == "COMPETITOR"
    }
    thresholds = project.thresholds
    return ReportSubject(
        client_name=project.client.name,
        client_domain=client_company_domain(project),
        competitors=competitors,
        landscapes=tuple(landscape_keywords(project)),
        serp_types=tuple(project.serp_types),
        headline_landscape=next((s.name for s in project.landscapes if not s.categories), project.landscapes[0].name),
        personas=tuple(p.name for p in project.personas),
        page_types=tuple(p.name for p in project.page_types),
        stages=tuple(p.name for p in project.jtbd_phases),
        position_cutoffs=(thresholds.leader_dsi, thresholds.challenger_dsi, thresholds.competitor_dsi),
    )
