"""Read-only views of a loaded :class:`~cylvy_pipeline.project.model.Project` for the phases."""

from __future__ import annotations

import pandas as pd

from cylvy_pipeline.project.model import Project

KEYWORD_COLUMNS: tuple[str, ...] = ("keyword", "category", "jtbd_stage", "avg_monthly_searches", "is_brand")


def keywords_frame(project: Project) -> pd.DataFrame:
    """The keyword list as a DataFrame, in project order.

    Columns: ``keyword``, ``category``, ``jtbd_stage`` (missing = NA), ``avg_monthly_searches`` (nullable
    ``Int64``: a volume not given in keywords.csv is NA, never 0), ``is_brand`` (bool).
    """
    kws = project.keywords
    return pd.DataFrame(
        {
            "keyword": pd.Series([k.keyword for k in kws], dtype="string"),
            "category": pd.Series([k.category for k in kws], dtype="string"),
            "jtbd_stage": pd.Series([k.jtbd_stage for k in kws], dtype="string"),
            "avg_monthly_searches": pd.Series([k.avg_monthly_searches for k in kws], dtype="Int64"),
            "is_brand": pd.Series([k.is_brand for k in kws], dtype="bool"),
        },
        columns=list(KEYWORD_COLUMNS),
    )


def landscape_keywords(project: Project) -> dict[str, list[str]]:
    """Landscape name → its keywords in project order. A landscape with no categories holds every keyword."""
    out: dict[str, list[str]] = {}
    for landscape in project.landscapes:
        if not landscape.categories:
            out[landscape.name] = [k.keyword for k in project.keywords]
        else:
            wanted = set(landscape.categories)
            out[landscape.name] = [k.keyword for k in project.keywords if k.category in wanted]
    return out
