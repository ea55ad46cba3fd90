"""The labelled development set of real pages (``../shared/realpages-dev``), read as the pipeline reads
pages, and the figures its README's ``measure.py`` reports, defined the same way.

Used by ``realpages_accuracy.py`` (the figures in BENCHMARKS.md) and ``fit_analyzer_weights.py`` (the
weights the local analyzer ships). Never point it at the product owners' held-out set.

Definitions (as the dev set's baseline measured them):
* page-type accuracy: the top-scored page type equals the label, over all pages;
* top-JTBD accuracy: the top-scored phase equals the label, over pages with a phase (and over those
  labelled ``clear``);
* persona Spearman: on banking pages, pooled over (page, persona) pairs, Spearman's rank correlation of
  the persona score with "targeted" (grade ≥ 1); also with the 0–2 grade, and the pooled AUC;
* relevance AUC: persona relevance of banking pages against off-topic pages (ties count half).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
DEV_SET = Path(os.environ.get("REALPAGES_DEV", REPO.parent / "shared" / "realpages-dev"))
PERSONA_COLUMNS = {
    "persona_payments": "Head of Payments Operations",
    "persona_lending": "Chief Lending Officer",
    "persona_cio": "CIO of a Regional Bank",
}
FORM_OF_LABEL = {"Product page": "product", "Blog article": "article", "Case study": "case_study",
                 "Whitepaper": "whitepaper"}
STAGE_OF_LABEL = {"Problem Identification": "problem", "Solution Exploration": "exploration",
                  "Requirements Building": "requirements", "Supplier Selection": "selection",
                  "Validation": "validation"}


@dataclass(frozen=True)
class DevPage:
    page_id: str
    body: bytes
    content_type: str  # as a server would send it
    url: str  # the page's public URL ("" when unknown)


def labels(dev_set: Path = DEV_SET) -> pd.DataFrame:
    frame = pd.read_csv(dev_set / "labels.csv", keep_default_na=False)
    # Cross-validation folds are source organisations (a repository's owner): one site's style must not
    # be learnt from its own pages.
    return frame.assign(organisation=frame["repo"].str.split("/").str[0])


def pages(dev_set: Path = DEV_SET) -> list[DevPage]:
    return [
        DevPage(row.page_id, (dev_set / row.file).read_bytes(),
                "application/pdf" if row.file.endswith(".pdf") else "text/html; charset=utf-8", row.public_url)
        for row in labels(dev_set).itertuples()
    ]


def auc(positive, negative) -> float:
    """Probability that a positive outranks a negative (ties count half)."""
    positive, negative = np.asarray(positive, float), np.asarray(negative, float)
    if not len(positive) or not len(negative):
        return float("nan")
    greater = (positive[:, None] > negative[None, :]).sum()
    ties = (positive[:, None] == negative[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(positive) * len(negative)))


def spearman(a, b) -> float:
    return float(pd.Series(a, dtype=float).rank().corr(pd.Series(b, dtype=float).rank()))


@dataclass(frozen=True)
class Figures:
    pages: int
    page_type_accuracy: float
    majority_page_type: float
    jtbd_accuracy: float
    jtbd_pages: int
    majority_jtbd: float
    jtbd_clear_accuracy: float
    jtbd_clear_pages: int
    persona_spearman: float
    persona_spearman_graded: float
    persona_auc: float
    persona_auc_each: dict
    relevance_auc: float
    relevance_median: dict  # domain -> median relevance


def figures(frame: pd.DataFrame) -> Figures:
    """The figures of ``frame``: labels plus ``top_page_type``, ``top_jtbd``, ``relevance`` and one column
    per persona name with its score."""
    phased = frame[frame["jtbd_phase"] != ""]
    clear = phased[phased["jtbd_clarity"] == "clear"]
    banking = frame[frame["domain"] == "banking"]
    scores = np.concatenate([banking[name].to_numpy(float) for name in PERSONA_COLUMNS.values()])
    grades = np.concatenate([banking[column].to_numpy(float) for column in PERSONA_COLUMNS])
    return Figures(
        pages=len(frame),
        page_type_accuracy=float((frame["top_page_type"] == frame["page_type"]).mean()),
        majority_page_type=float(frame["page_type"].value_counts(normalize=True).iloc[0]),
        jtbd_accuracy=float((phased["top_jtbd"] == phased["jtbd_phase"]).mean()),
        jtbd_pages=len(phased),
        majority_jtbd=float(phased["jtbd_phase"].value_counts(normalize=True).iloc[0]),
        jtbd_clear_accuracy=float((clear["top_jtbd"] == clear["jtbd_phase"]).mean()),
        jtbd_clear_pages=len(clear),
        persona_spearman=spearman(scores, grades >= 1),
        persona_spearman_graded=spearman(scores, grades),
        persona_auc=auc(scores[grades >= 1], scores[grades < 1]),
        persona_auc_each={
            name: auc(banking.loc[banking[column] >= 1, name], banking.loc[banking[column] < 1, name])
            for column, name in PERSONA_COLUMNS.items()
        },
        relevance_auc=auc(frame.loc[frame["domain"] == "banking", "relevance"],
                          frame.loc[frame["domain"] == "off-topic", "relevance"]),
        relevance_median={d: float(g["relevance"].median()) for d, g in frame.groupby("domain")},
    )
