"""Fit the local analyzer's weights on the labelled real-page development set and write them to
``cylvy_pipeline/analysis/weights/<ANALYZER_VERSION>.json`` (shipped in the package).

Usage: .venv/bin/python benchmarks/fit_analyzer_weights.py   (REALPAGES_DEV=<folder> to point elsewhere)

What is fitted, and why this way:
* Page form: a multinomial logistic model over the general signals of ``page_signals.features`` (site
  section from the URL, og:type, JSON-LD type, declared date and author, PDF form, length, layout, title
  phrases, register words). L2-regularised; the structural signals (what the page declares, where it
  sits) are penalised a ninth as much as single words, because they are few and mean the same on every
  site, while any one word may be one site's habit.
* Buying stage: the same kind of model over the same signals plus the page-form probabilities. It is
  trained on out-of-fold form probabilities (cross-validated by organisation), so it learns from form
  guesses as good as those it will see on new pages, not from memorised ones.
* Term specificity for personas and custom dimensions: the share of off-topic pages (about none of the
  project's personas) each word appears on; a term's weight is (1 - share) ** exponent.
The penalty and exponent were chosen by cross-validation over source organisations (see BENCHMARKS.md).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cylvy_pipeline.analysis import page_signals  # noqa: E402
from cylvy_pipeline.analysis.analyzer import ANALYZER_VERSION, _content_tokens  # noqa: E402
from cylvy_pipeline.analysis.page_signals import FORMS, STAGES, FittedWeights, LinearModel  # noqa: E402
from cylvy_pipeline.phases import content_analysis, content_scraping  # noqa: E402
import realpages  # noqa: E402

FORM_PENALTY = 0.01  # L2 strength (per sample) of the page-form model
STAGE_PENALTY = 0.1  # of the stage model: fewer, noisier labels ("ambiguous" for half the pages)
STRUCTURAL_PENALTY_SHARE = 1 / 9  # structural signals: a ninth of a word's penalty (see the docstring)
SPECIFICITY_EXPONENT = 32.0
PERSONA_SCORE_SCALE = 3.0
# Personas' competition for a page: the exponent of a persona's share of the leading persona's evidence
# (read without the off-topic specificity). Chosen by cross-validation over organisations. Before the trade
# vocabulary, 1 / 2 / 3 / 4 / 6 gave a pooled persona Spearman of 0.49 / 0.52 / 0.54 / 0.55 / 0.56 for a
# relevance AUC of 0.86 / 0.862 / 0.86 / 0.859 / 0.855, and 3 was kept. With it (BENCHMARKS.md), 3 / 4 / 5:
# 0.715 / 0.722 / 0.725 at a relevance AUC of 0.916 / 0.915 / 0.913, and the simulated market's lowest
# persona Spearman 0.797 at 3, 0.802 at 4, 0.807 at 5, 0.805 at 6: so 5.
PERSONA_COMPETITION_EXPONENT = 5.0
# The trade vocabulary (analyzer.DOMAIN_TERM_WEIGHT): an area's terms count half a persona's own, and an
# area joins the persona whose terms share at least one keyword word's worth of it. Cross-validated
# (BENCHMARKS.md) at competition 3, persona Spearman / relevance AUC at weight 0.3 / 0.5 / 1: 0.632 / 0.924,
# 0.652 / 0.926, 0.650 / 0.923 (a first draft of the vocabulary); at 0.35 / 0.5 / 0.7 with its words as market
# terms: 0.691 / 0.921, 0.698 / 0.916, 0.704 / 0.912. A link minimum of 2 left financial crime unlinked.
DOMAIN_VOCABULARY = {"domain_term_weight": 0.5, "domain_link_min": 1.0}
# The market reading (analyzer.MARKET_TERM_SHARE): market terms are stems in ≥ 7 % of the personas'
# texts and on ≤ 10 % of off-topic pages; a page without them keeps 0.3 of its persona scores. Chosen by
# cross-validation over organisations (BENCHMARKS.md, with the grid): relevance AUC 0.860 -> 0.884 for
# persona Spearman 0.543 -> 0.538.
MARKET_READING = {"market_term_share": 0.07, "market_term_min_texts": 2.0, "market_term_max_background": 0.1,
                  "market_floor": 0.3, "market_scale": 1.0}
# A term in the words of the page's URL path (where the site files it: "/lending/features/…", a repository's
# name) counts twice a title hit: a title is often a marketing line ("Launch your bank feed faster"), the path
# is the site's own filing, and short. Cross-validated (BENCHMARKS.md): like a title hit (1.5), persona
# Spearman 0.538 -> 0.560, relevance AUC 0.884 -> 0.890; with the trade vocabulary, at 1 / 1.5 / 2 / 2.5 / 3 /
# 3.5 / 4 / 5 / 6: 0.740 / 0.743 / 0.747 / 0.750 / 0.752 / 0.754 / 0.754 / 0.750 / 0.752, relevance AUC
# 0.935–0.940; the simulated market's persona Spearman 0.807–0.810 at 1.5, 0.804–0.808 at 3, 0.802–0.807 at 4.
URL_PATH_WEIGHT = 3.0
# A persona's goals and pain points count this much of its keywords and description (analyzer
# .OUTCOME_TERM_WEIGHT): they are worded in outcome language ("cut", "grow", "manual", "rules for cloud
# vendors") that off-topic pages share. Cross-validated by organisation (BENCHMARKS.md), persona Spearman /
# relevance AUC at 1 / 0.7 / 0.5 / 0.4 / 0.3 / 0.25 / 0: 0.560 / 0.890, 0.557 / 0.897, 0.546 / 0.906,
# 0.544 / 0.912, 0.543 / 0.916, 0.540 / 0.919, 0.515 / 0.928. The simulated market's pages are written from
# the personas' goals: its persona Spearman (lowest market) is 0.811 at 1, 0.807 at 0.5, 0.805 at 0.4 and
# 0.802 at 0.3, so 0.4.
OUTCOME_TERM_WEIGHT = 0.4
# Whether a page names its publisher (page_signals.site_owner_names) is partly one site's habit: TODO
# Group's case studies profile other companies and never name the TODO Group, FivexL's name the consultancy
# throughout. The page-form model penalises it like a word; for the buying stage it is what the stage is
# about (one supplier's offering, or guidance that names no supplier) and counts as structural.
# Cross-validated (BENCHMARKS.md): page type 0.833 -> 0.865, top JTBD 0.538 -> 0.587, clear 0.639 -> 0.708
# (structural in both models: 0.808 / 0.608 / 0.722; word-like in both: 0.865 / 0.580 / 0.667).
SITE_HABITS_FOR_FORM = ("own_name", "own_name_absent")
MIN_BACKGROUND_PAGES = 2  # words on fewer off-topic pages are not kept (their share is noise)
ITERATIONS = 1500
SIM_MARKET = "US"  # the simulated market whose pages are fitted on (UK and DE stay unseen)
# How much the simulated pages weigh in all, as a share of the real pages' weight: enough that the sample
# world's phrasing is still read (its figures stay above 0.8), little enough not to drown real pages.
SIM_SHARE = 0.1
# What a site declares about a page where the fitting pages declare nothing (the development set's pages
# are converted sources without meta tags; the simulated ones have none either): the declared form's
# log-odds are raised by this much, a prior rather than a fit, and replaced by a fit as soon as the
# fitting pages carry the signal.
DECLARED_PRIORS: dict[str, tuple[str, float]] = {
    "og_article": ("article", 1.5),
    "og_product": ("product", 1.5),
    "ld_article": ("article", 2.5),
    "ld_product": ("product", 2.5),
    "ld_paper": ("whitepaper", 2.0),
    "declared_date": ("article", 1.0),
    "declared_author": ("article", 1.0),
}  # the simulated market whose pages are fitted on (UK and DE stay unseen)
WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "cylvy_pipeline" / "analysis" / "weights" / f"{ANALYZER_VERSION}.json"


@dataclass(frozen=True)
class DevItem:
    """One dev-set page as content analysis receives it (same extraction and item as the phases)."""

    page_id: str
    item: dict  # content_analysis.page_item
    values: dict  # page_signals.features
    stems: frozenset  # content stems of title and text (for the background shares)


def read_items(dev_set: Path = realpages.DEV_SET) -> list[DevItem]:
    found = []
    for page in realpages.pages(dev_set):
        item = content_analysis.page_item(page.url, content_scraping.extracted_row(page.body, page.content_type, page.url))
        values = page_signals.page_features(item["text"], item["title"], item["content_type"], item["metadata"])
        stems = frozenset(_content_tokens(f"{item['title'] or ''}\n{item['text']}"))
        found.append(DevItem(page.page_id, item, values, stems))
    return found


def _fit_softmax(
    x: np.ndarray, y: np.ndarray, classes: int, penalty: np.ndarray, sample_weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, L2 penalty per feature, by Adam on the full batch."""
    d = x.shape[1]
    n = sample_weight.sum()
    weights, intercepts = np.zeros((d, classes)), np.zeros(classes)
    targets = np.eye(classes)[y]
    sw = sample_weight[:, None]
    moments = [np.zeros_like(weights), np.zeros_like(weights), np.zeros(classes), np.zeros(classes)]
    for step in range(1, ITERATIONS + 1):
        logits = x @ weights + intercepts
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad_w = x.T @ (sw * (p - targets)) / n + penalty[:, None] * weights
        grad_b = (sw * (p - targets)).sum(axis=0) / n
        for index, (param, grad) in enumerate(((weights, grad_w), (intercepts, grad_b))):
            m, v = moments[2 * index], moments[2 * index + 1]
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return weights, intercepts


def _matrix(values: Sequence[dict], names: Sequence[str]) -> np.ndarray:
    return np.array([[row.get(name, 0.0) for name in names] for row in values])


def _penalties(names: Sequence[str], strength: float, word_like: Sequence[str] = ()) -> np.ndarray:
    return np.array([
        strength if name.startswith("w_") or name in word_like else strength * STRUCTURAL_PENALTY_SHARE
        for name in names
    ])


def _linear_model(names, weights, intercepts, classes) -> LinearModel:
    return LinearModel(
        classes=tuple(classes),
        intercepts=tuple(float(v) for v in intercepts),
        weights={name: tuple(float(v) for v in weights[i]) for i, name in enumerate(names) if np.abs(weights[i]).max() > 1e-4},
    )


def _fit_form(values: Sequence[dict], forms: Sequence[str], sample_weight: np.ndarray) -> LinearModel:
    names = sorted({name for row in values for name in row})
    y = np.array([FORMS.index(form) for form in forms])
    weights, intercepts = _fit_softmax(
        _matrix(values, names), y, len(FORMS), _penalties(names, FORM_PENALTY, SITE_HABITS_FOR_FORM), sample_weight
    )
    model = _linear_model(names, weights, intercepts, FORMS)
    priors = {
        name: tuple(strength if form == cls else 0.0 for cls in FORMS)
        for name, (form, strength) in DECLARED_PRIORS.items() if name not in model.weights
    }
    return dataclasses.replace(model, weights={**model.weights, **priors})


@dataclass(frozen=True)
class SimItem:
    """A simulated-market page: its signals and labels (form / stage archetype, None when unlabelled)."""

    values: dict
    form: str | None
    stage: str | None


def read_sim_items(market: str = SIM_MARKET) -> list[SimItem]:
    """The sample world's pages of one market, as the pipeline analyses them, with the world's labels."""
    from cylvy_pipeline_tests.analysis.sample_accuracy import _sample_content

    _, content = _sample_content(market)
    found = []
    for row in content[content["kind"] == "page"].itertuples():
        values = page_signals.page_features(row.text, row.title, row.content_type, row.metadata)
        found.append(SimItem(values, realpages.FORM_OF_LABEL.get(row.page_type),
                             realpages.STAGE_OF_LABEL.get(row.jtbd_phase)))
    return found


def fit_weights(items: Sequence[DevItem], labels: pd.DataFrame, sim: Sequence[SimItem] = ()) -> FittedWeights:
    """Weights fitted on ``items`` (with their rows of ``labels``, same order) and the simulated market's
    ``sim`` pages, which weigh ``SIM_SHARE`` of the real pages in all."""
    sim_form = [s for s in sim if s.form]
    values = [item.values for item in items] + [s.values for s in sim_form]
    forms = [realpages.FORM_OF_LABEL[label] for label in labels["page_type"]] + [s.form for s in sim_form]
    groups = np.array(list(labels["organisation"]) + ["(simulated market)"] * len(sim_form))
    weight = np.array([1.0] * len(items) + [SIM_SHARE * len(items) / max(len(sim_form), 1)] * len(sim_form))
    form = _fit_form(values, forms, weight)

    # Out-of-fold form probabilities for the stage model (see the module docstring).
    oof = [None] * len(values)
    for group in np.unique(groups):
        held = groups == group
        inner = _fit_form([v for v, h in zip(values, held) if not h], [f for f, h in zip(forms, held) if not h],
                          weight[~held])
        for index in np.where(held)[0]:
            oof[index] = inner.probabilities(values[index])
    stages = [realpages.STAGE_OF_LABEL.get(phase) for phase in labels["jtbd_phase"]] + [s.stage for s in sim_form]
    phased = [i for i, stage in enumerate(stages) if stage]
    stage_values = [page_signals.stage_inputs(oof[i], values[i]) for i in phased]
    names = sorted({name for row in stage_values for name in row})
    y = np.array([STAGES.index(stages[i]) for i in phased])
    stage_weight = weight[phased]
    real_phased = sum(1 for i in phased if i < len(items))
    stage_weight[[k for k, i in enumerate(phased) if i >= len(items)]] = (
        SIM_SHARE * real_phased / max(len(phased) - real_phased, 1)
    )
    weights, intercepts = _fit_softmax(
        _matrix(stage_values, names), y, len(STAGES), _penalties(names, STAGE_PENALTY), stage_weight
    )
    stage = _linear_model(names, weights, intercepts, STAGES)

    off_topic = [item for item, domain in zip(items, labels["domain"]) if domain == "off-topic"]
    counts = Counter(stem for item in off_topic for stem in item.stems)
    background = {stem: count / len(off_topic) for stem, count in counts.items() if count >= MIN_BACKGROUND_PAGES}
    return FittedWeights(
        version=ANALYZER_VERSION,
        form=form,
        stage=stage,
        persona={"specificity_exponent": SPECIFICITY_EXPONENT, "score_scale": PERSONA_SCORE_SCALE,
                 "competition_exponent": PERSONA_COMPETITION_EXPONENT, "url_path_weight": URL_PATH_WEIGHT,
                 "outcome_term_weight": OUTCOME_TERM_WEIGHT,
                 **MARKET_READING, **DOMAIN_VOCABULARY},
        background_share=background,
        fitted_on={
            "pages": len(items),
            "organisations": int(labels["organisation"].nunique()),
            "off_topic_pages": len(off_topic),
            "simulated_market_pages": len(sim_form),
            "labels_sha256": _labels_hash(),
        },
    )


def _labels_hash() -> str:
    import hashlib

    path = realpages.DEV_SET / "labels.csv"
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def _compact_json(data: dict) -> str:
    """One line per top-level entry and per model weight row: small, and a refit's diff stays readable."""
    lines = ["{"]
    entries = list(data.items())
    for position, (key, value) in enumerate(entries):
        comma = "," if position < len(entries) - 1 else ""
        if isinstance(value, dict) and "weights" in value:
            rows = list(value["weights"].items())
            inner = [f'  "{name}": {json.dumps(row)}' + ("," if i < len(rows) - 1 else "") for i, (name, row) in enumerate(rows)]
            head = {k: v for k, v in value.items() if k != "weights"}
            lines.append(f' "{key}": {json.dumps(head)[:-1]}, "weights": {{')
            lines += inner
            lines.append(" }}" + comma)
        else:
            lines.append(f' "{key}": {json.dumps(value)}{comma}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    labels = realpages.labels()
    items = read_items()
    weights = fit_weights(items, labels, read_sim_items())
    WEIGHTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    WEIGHTS_FILE.write_text(_compact_json(weights.to_json()), encoding="utf-8")
    print(f"wrote {WEIGHTS_FILE.relative_to(Path.cwd()) if WEIGHTS_FILE.is_relative_to(Path.cwd()) else WEIGHTS_FILE}"
          f" ({WEIGHTS_FILE.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
