"""Loading and validating project folders: the sample, both keyword formats, and every bad input."""

from __future__ import annotations

import hashlib
import pickle
import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from cylvy_pipeline.contract import PHASES
from cylvy_pipeline.project.keyword_generator import generate_keywords
from cylvy_pipeline.project.loader import (
    DEFAULT_JTBD_PHASES,
    SAMPLE_PROJECT_DIR,
    ProjectConfigError,
    load_project,
)
from cylvy_pipeline.project.model import JTBD_PHASE_NAMES, KNOWN_MARKETS, Project
from cylvy_pipeline.project.queries import keywords_frame, landscape_keywords

KNOWN = ", ".join(KNOWN_MARKETS)
ALL_PHASES = ", ".join(PHASES)

MINIMAL_YAML = """\
name: Test project
client:
  name: Acme Banking
  domains: [acme.example]
competitors:
  - name: Rival One
    domains: [rival-one.example]
personas:
  - name: CIO
    description: Runs technology.
markets: [US, UK]
"""

OUR_CSV = """\
keyword,category,jtbd_stage,volume
core banking software,Universal Banking,Supplier Selection,4400
loan origination software,Lending,Solution Exploration,
payment hub,Payments,,90
"""


def write_project(folder: Path, yaml_text: str = MINIMAL_YAML, csv_text: str | None = OUR_CSV) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "project.yaml").write_text(textwrap.dedent(yaml_text), encoding="utf-8")
    if csv_text is not None:
        (folder / "keywords.csv").write_text(textwrap.dedent(csv_text), encoding="utf-8")
    return folder


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def expect_error(folder: Path, message: str, **kwargs: object) -> ProjectConfigError:
    before = snapshot(folder)
    with pytest.raises(ProjectConfigError) as excinfo:
        load_project(folder, **kwargs)  # type: ignore[arg-type]
    assert str(excinfo.value) == message
    assert "\n" not in str(excinfo.value)
    assert snapshot(folder) == before, "a rejected project must not change its folder"
    return excinfo.value


def with_yaml(tmp_path: Path, old: str, new: str) -> Path:
    text = MINIMAL_YAML
    assert old in text
    return write_project(tmp_path / "proj", text.replace(old, new))


def with_csv(tmp_path: Path, csv_text: str) -> Path:
    return write_project(tmp_path / "proj", MINIMAL_YAML, csv_text)


# ----------------------------------------------------------------------------------------- good inputs


def test_sample_project_loads() -> None:
    project = load_project()
    assert isinstance(project, Project)
    assert 35 <= len(project.keywords) <= 45
    assert project.markets == ("US", "UK", "DE")
    assert list(dict.fromkeys(k.category for k in project.keywords)) == ["Payments", "Lending", "Universal Banking"]
    assert [lnd.name for lnd in project.landscapes] == ["Payments", "Lending", "Universal Banking", "All"]
    assert project.client.name == "Ledgerline"
    assert project.client.domains == ("ledgerline.example", "ledgerline-cloud.example")
    assert len(project.competitors) == 4
    assert all(d.endswith(".example") for c in (project.client, *project.competitors) for d in c.domains)
    assert len(project.personas) == 3 and all(p.goals and p.pain_points and p.keywords for p in project.personas)
    assert tuple(p.name for p in project.jtbd_phases) == JTBD_PHASE_NAMES
    assert [p.name for p in project.page_types] == ["Product page", "Blog article", "Case study", "Whitepaper"]
    assert len(project.custom_dimensions) == 2
    assert project.enabled_phases == PHASES
    assert project.serp_types == ("organic", "news", "video")
    assert project.results_per_search == 10
    brand = [k for k in project.keywords if k.is_brand]
    assert [k.keyword for k in brand] == ["ledgerline core banking"]
    assert all(k.jtbd_stage in JTBD_PHASE_NAMES for k in project.keywords)
    # Volumes mostly come from the market provider: missing stays missing.
    assert sum(k.avg_monthly_searches is None for k in project.keywords) > 30
    assert load_project(SAMPLE_PROJECT_DIR) == project
    assert load_project(str(SAMPLE_PROJECT_DIR)) == project


def test_loaded_project_is_frozen_and_picklable_error() -> None:
    project = load_project()
    with pytest.raises(ValidationError, match="frozen"):
        project.name = "changed"  # type: ignore[misc]
    err = ProjectConfigError(Path("/x/keywords.csv"), "line 3", "bad", "fix it")
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) == "keywords.csv line 3: bad — fix it"
    expected = (Path("/x/keywords.csv"), "line 3", "bad", "fix it")
    assert (again.path, again.location, again.problem, again.fix) == expected
    assert isinstance(err, ValueError)


def test_our_format_loads_with_defaults(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path / "proj"))
    assert [(k.keyword, k.category, k.jtbd_stage, k.avg_monthly_searches, k.is_brand) for k in project.keywords] == [
        ("core banking software", "Universal Banking", "Supplier Selection", 4400, False),
        ("loan origination software", "Lending", "Solution Exploration", None, False),
        ("payment hub", "Payments", None, 90, False),
    ]
    # Defaults: landscapes per category + All, all eight phases, built-in JTBD phases, default thresholds.
    assert [(lnd.name, lnd.categories) for lnd in project.landscapes] == [
        ("Universal Banking", ("Universal Banking",)),
        ("Lending", ("Lending",)),
        ("Payments", ("Payments",)),
        ("All", ()),
    ]
    assert project.enabled_phases == PHASES
    assert project.jtbd_phases == DEFAULT_JTBD_PHASES
    assert project.thresholds.scraping_coverage == 0.8
    assert project.serp_types == ("organic", "news", "video")
    assert project.results_per_search == 10


def test_original_export_format_loads(tmp_path: Path) -> None:
    csv_text = (
        "\ufeffKeyword,Primary Category,JTBD Stage,Avg Monthly Searches,Competition,Competition Index,"
        "Low Top Of Page Bid,High Top Of Page Bid,Is Brand,Notes\n"
        "Core Banking Software,Universal Banking,Supplier Selection,4400,HIGH,87,3.10,12.40,false,x\n"
        "acme core banking,Universal Banking,validation,,,,,,TRUE,\n"
        "loan origination software,Lending,Solution Exploration,1200.0,MEDIUM,50,1,2,no,\n"
        "\n"
        "payment hub,Payments,problem_identification,,,,,,1,\n"
    )
    folder = with_csv(tmp_path, csv_text)
    project = load_project(folder)
    assert [(k.keyword, k.category, k.jtbd_stage, k.avg_monthly_searches, k.is_brand) for k in project.keywords] == [
        ("Core Banking Software", "Universal Banking", "Supplier Selection", 4400, False),
        ("acme core banking", "Universal Banking", "Validation", None, True),
        ("loan origination software", "Lending", "Solution Exploration", 1200, False),
        ("payment hub", "Payments", "Problem Identification", None, True),
    ]


def test_columns_matched_ignoring_case_spaces_underscores(tmp_path: Path) -> None:
    csv_text = "KEYWORD;Category;Stage;Search_Volume;is_brand\ncore banking;Core;;10;yes\n"
    project = load_project(with_csv(tmp_path, csv_text))
    assert project.keywords[0].model_dump() == {
        "keyword": "core banking",
        "category": "Core",
        "jtbd_stage": None,
        "avg_monthly_searches": 10,
        "is_brand": True,
    }


def test_csv_without_category_column_puts_everything_in_one_category(tmp_path: Path) -> None:
    project = load_project(with_csv(tmp_path, "Keyword\ncore banking\nloan software\n"))
    assert {k.category for k in project.keywords} == {"All keywords"}
    assert landscape_keywords(project) == {
        "All keywords": ["core banking", "loan software"],
        "All": ["core banking", "loan software"],
    }


def test_yaml_normalisation(tmp_path: Path) -> None:
    folder = write_project(
        tmp_path / "proj",
        MINIMAL_YAML.replace("markets: [US, UK]", "markets: [us, GB, de]")
        + "serp_types: [Organic, video]\n"
        + "enabled_phases: [keyword_metrics, serp_collection]\n"
        + "thresholds:\n  scraping_coverage: 0.5\n"
        + "landscapes:\n  - name: Lending only\n    categories: [lending]\n  - name: Everything\n",
    )
    project = load_project(folder)
    assert project.markets == ("US", "UK", "DE")
    assert project.serp_types == ("organic", "video")
    assert project.enabled_phases == ("keyword_metrics", "serp_collection")
    assert project.thresholds.scraping_coverage == 0.5
    assert project.thresholds.analysis_coverage == 0.8  # merged onto the defaults
    assert [(lnd.name, lnd.categories) for lnd in project.landscapes] == [
        ("Lending only", ("Lending",)),
        ("Everything", ()),
    ]


def test_keywords_frame() -> None:
    project = load_project()
    frame = keywords_frame(project)
    assert list(frame.columns) == ["keyword", "category", "jtbd_stage", "avg_monthly_searches", "is_brand"]
    assert len(frame) == len(project.keywords)
    assert str(frame["avg_monthly_searches"].dtype) == "Int64"
    assert frame["avg_monthly_searches"].isna().sum() == sum(k.avg_monthly_searches is None for k in project.keywords)
    assert frame.loc[frame["keyword"] == "core banking software", "avg_monthly_searches"].item() == 4400
    assert frame["is_brand"].dtype == bool and frame["is_brand"].sum() == 1
    assert frame["keyword"].tolist() == [k.keyword for k in project.keywords]


def test_landscape_keywords() -> None:
    project = load_project()
    by_landscape = landscape_keywords(project)
    assert list(by_landscape) == ["Payments", "Lending", "Universal Banking", "All"]
    assert by_landscape["All"] == [k.keyword for k in project.keywords]
    for name in ("Payments", "Lending", "Universal Banking"):
        assert by_landscape[name] == [k.keyword for k in project.keywords if k.category == name]
    assert sum(len(by_landscape[n]) for n in ("Payments", "Lending", "Universal Banking")) == len(project.keywords)
    assert "ledgerline core banking" in by_landscape["Universal Banking"]


def test_landscape_with_several_categories(tmp_path: Path) -> None:
    folder = write_project(
        tmp_path / "proj",
        MINIMAL_YAML + "landscapes:\n  - name: Money movement\n    categories: [Payments, Lending]\n",
    )
    assert landscape_keywords(load_project(folder)) == {
        "Money movement": ["loan origination software", "payment hub"]
    }


def test_keyword_count_replaces_keywords_deterministically() -> None:
    first = load_project(keyword_count=300)
    again = load_project(keyword_count=300)
    assert first.keywords == again.keywords
    assert len(first.keywords) == 300
    assert len({k.keyword for k in first.keywords}) == 300
    assert {k.category for k in first.keywords} == {"Payments", "Lending", "Universal Banking"}
    assert first.keywords == generate_keywords(300, categories=["Payments", "Lending", "Universal Banking"], seed=0)
    assert first.markets == load_project().markets
    assert [lnd.name for lnd in first.landscapes] == ["Payments", "Lending", "Universal Banking", "All"]
    assert len(landscape_keywords(first)["Payments"]) == 100


# ------------------------------------------------------------------------------------------ bad inputs


def test_missing_project_folder(tmp_path: Path) -> None:
    folder = tmp_path / "nope"
    expect_error(
        folder,
        f"{folder}: project folder not found — pass an existing folder that holds project.yaml and keywords.csv",
    )
    assert not folder.exists()


def test_project_folder_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "project.yaml"
    path.write_text(MINIMAL_YAML)
    expect_error(path, f"{path}: not a folder — pass the folder that holds project.yaml and keywords.csv, not a file")


def test_missing_project_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "keywords.csv").write_text(OUR_CSV)
    err = expect_error(
        folder,
        f"project.yaml: not found in {folder} — create it "
        f"(start from a copy of {SAMPLE_PROJECT_DIR / 'project.yaml'})",
    )
    assert err.path == folder / "project.yaml"
    assert err.location == ""


def test_missing_keywords_csv(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", csv_text=None)
    expect_error(
        folder,
        f"keywords.csv: not found in {folder} — create it "
        f"(start from a copy of {SAMPLE_PROJECT_DIR / 'keywords.csv'})",
    )


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "  name: Acme Banking\n", "  name: Acme Banking\n   domains: [acme.example\n")
    err = expect_error(
        folder,
        "project.yaml line 4, column 11: invalid YAML (mapping values are not allowed here) — fix the syntax there "
        "(check indentation, colons, quotes and list dashes)",
    )
    assert (err.path, err.location) == (folder / "project.yaml", "line 4, column 11")


def test_invalid_yaml_unclosed_quote(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "name: Test project", 'name: "Test project')
    expect_error(
        folder,
        "project.yaml line 12, column 1: invalid YAML (found unexpected end of stream; while scanning a quoted scalar "
        "started on line 1) — fix the syntax there (check indentation, colons, quotes and list dashes)",
    )


def test_yaml_duplicate_key(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "markets: [DE]\n")
    expect_error(
        folder, "project.yaml line 12: duplicate key 'markets' (first on line 11) — keep only one of the two entries"
    )


def test_yaml_not_a_mapping(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", "- name: Test\n- markets: [US]\n")
    expect_error(
        folder,
        "project.yaml: expected a mapping of fields at the top level, got a list — write the file as 'field: value' "
        "lines (name:, client:, markets:, ...)",
    )


def test_yaml_empty(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", "# nothing yet\n")
    expect_error(
        folder,
        "project.yaml: the file is empty — write the project's fields (name, client, competitors, personas, "
        "jtbd_phases, page_types, custom_dimensions, markets, landscapes, enabled_phases, thresholds, serp_types, "
        f"results_per_search, providers); see {SAMPLE_PROJECT_DIR / 'project.yaml'}",
    )


def test_missing_required_field(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "markets: [US, UK]\n", "")
    expect_error(folder, "project.yaml markets: required field missing — add it")


def test_missing_nested_field(tmp_path: Path) -> None:
    folder = with_yaml(
        tmp_path, "  - name: CIO\n    description: Runs technology.\n", "  - description: Runs technology.\n"
    )
    expect_error(folder, "project.yaml personas[0].name: required field missing — add it")


def test_wrong_type(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "results_per_search: ten\n")
    expect_error(
        folder, "project.yaml results_per_search: expected a whole number, got 'ten' — write a whole number, e.g. 10"
    )


def test_wrong_type_list(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "  domains: [acme.example]\n", "  domains: acme.example\n")
    expect_error(
        folder,
        "project.yaml client.domains: expected a list, got 'acme.example' — write a list, e.g. [a, b] or one "
        "'- item' line per entry",
    )


def test_threshold_out_of_range(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "thresholds:\n  scraping_coverage: 80\n")
    expect_error(
        folder,
        "project.yaml thresholds.scraping_coverage: must be at most 1, got 80 — use a value at most 1 "
        "(shares are fractions: 0.8 means 80%)",
    )


def test_threshold_order(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "thresholds:\n  challenger_dsi: 0.1\n")
    expect_error(
        folder,
        "project.yaml thresholds.challenger_dsi: 0.1 is above leader_dsi 0.05 — keep leader_dsi >= challenger_dsi "
        ">= competitor_dsi",
    )


def test_unknown_field_with_suggestion(tmp_path: Path) -> None:
    folder = with_yaml(
        tmp_path, "    description: Runs technology.\n", "    description: Runs technology.\n    pain_point: [cost]\n"
    )
    err = expect_error(folder, "project.yaml personas[0]: unknown field 'pain_point' — did you mean 'pain_points'?")
    assert err.location == "personas[0]"


def test_unknown_top_level_field_with_suggestion(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "serp_type: [organic]\n")
    expect_error(folder, "project.yaml: unknown field 'serp_type' — did you mean 'serp_types'?")


def test_unknown_field_without_suggestion(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "thresholds:\n  zzz: 1\n")
    expect_error(
        folder,
        "project.yaml thresholds: unknown field 'zzz' — remove it (allowed: keyword_volume_coverage, "
        "company_enrichment_coverage, scraping_coverage, analysis_coverage, youtube_coverage_warn, "
        "profile_freshness_days, scrape_freshness_days, default_search_volume, default_relevance, leader_dsi, "
        "challenger_dsi, competitor_dsi, max_keywords)",
    )


def test_keywords_in_yaml_rejected(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "keywords: [a, b]\n")
    expect_error(
        folder, "project.yaml: unknown field 'keywords' — put the keyword list in keywords.csv, not in project.yaml"
    )


def test_unknown_market(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "markets: [US, UK]", "markets: [US, UK, XX]")
    err = expect_error(folder, f"project.yaml markets[2]: unknown market code 'XX' — use one of {KNOWN}")
    assert (err.location, err.problem) == ("markets[2]", "unknown market code 'XX'")


def test_duplicate_market(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "markets: [US, UK]", "markets: [US, UK, us]")
    expect_error(
        folder, "project.yaml markets[2]: duplicate market 'us' (same as markets[0]) — list each market once"
    )


def test_gb_and_uk_are_the_same_market(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "markets: [US, UK]", "markets: [US, UK, GB]")
    expect_error(
        folder,
        "project.yaml markets[2]: duplicate market 'GB' (same market as 'UK' at markets[1]) — list each market once",
    )


def test_empty_markets(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "markets: [US, UK]", "markets: []")
    expect_error(folder, "project.yaml markets: no markets listed — list at least one market code, e.g. [US, UK, DE]")


def test_unknown_phase_with_suggestion(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "enabled_phases: [keyword_metrics, serp_colection]\n")
    expect_error(
        folder,
        f"project.yaml enabled_phases[1]: unknown phase 'serp_colection' — did you mean 'serp_collection'? "
        f"(phases: {ALL_PHASES})",
    )


def test_unknown_phase_without_suggestion(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "enabled_phases: [everything]\n")
    expect_error(folder, f"project.yaml enabled_phases[0]: unknown phase 'everything' — use one of {ALL_PHASES}")


def test_duplicate_phase(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "enabled_phases: [keyword_metrics, keyword_metrics]\n")
    expect_error(
        folder,
        "project.yaml enabled_phases[1]: duplicate phase 'keyword_metrics' (same as enabled_phases[0]) — list each "
        "phase once",
    )


def test_no_enabled_phases(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "enabled_phases: []\n")
    expect_error(
        folder,
        "project.yaml enabled_phases: no phases listed — list at least one phase, or remove the field to enable "
        "all eight",
    )


def test_unknown_serp_type(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "serp_types: [organic, images]\n")
    expect_error(
        folder,
        "project.yaml serp_types[1]: unknown SERP type 'images' — use one of organic, news, video",
    )


def test_unknown_serp_type_with_suggestion(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "serp_types: [organic, videos]\n")
    expect_error(
        folder,
        "project.yaml serp_types[1]: unknown SERP type 'videos' — did you mean 'video'? "
        "(SERP types: organic, news, video)",
    )


def test_landscape_with_unknown_category(tmp_path: Path) -> None:
    folder = write_project(
        tmp_path / "proj", MINIMAL_YAML + "landscapes:\n  - name: All\n  - name: Loans\n    categories: [Lendng]\n"
    )
    expect_error(
        folder,
        "project.yaml landscapes[1].categories[0]: category 'Lendng' has no keywords in keywords.csv — did you mean "
        "'Lending'? (keywords.csv has: Universal Banking, Lending, Payments)",
    )


def test_landscape_with_unrelated_category(tmp_path: Path) -> None:
    folder = write_project(
        tmp_path / "proj", MINIMAL_YAML + "landscapes:\n  - name: Insurance\n    categories: [Insurance]\n"
    )
    expect_error(
        folder,
        "project.yaml landscapes[0].categories[0]: category 'Insurance' has no keywords in keywords.csv — use a "
        "category that keywords.csv has: Universal Banking, Lending, Payments",
    )


def test_duplicate_landscape_name(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "landscapes:\n  - name: All\n  - name: all\n")
    expect_error(
        folder,
        "project.yaml landscapes[1].name: duplicate landscape 'all' (same as landscapes[0]) — give each landscape a "
        "different name",
    )


def test_jtbd_phases_incomplete(tmp_path: Path) -> None:
    phases = "".join(f"  - name: {n}\n    description: d\n" for n in JTBD_PHASE_NAMES[:4])
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "jtbd_phases:\n" + phases)
    expect_error(
        folder,
        "project.yaml jtbd_phases: missing JTBD phase 'Validation' — define all five: Problem Identification, "
        "Solution Exploration, Requirements Building, Supplier Selection, Validation (or remove jtbd_phases to use "
        "the built-in ones)",
    )


def test_jtbd_phase_unknown(tmp_path: Path) -> None:
    names = [*JTBD_PHASE_NAMES[:2], "Requirement Building", *JTBD_PHASE_NAMES[3:]]
    phases = "".join(f"  - name: {n}\n    description: d\n" for n in names)
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "jtbd_phases:\n" + phases)
    expect_error(
        folder,
        "project.yaml jtbd_phases[2].name: unknown JTBD phase 'Requirement Building' — did you mean 'Requirements "
        "Building'? (the five phases: Problem Identification, Solution Exploration, Requirements Building, "
        "Supplier Selection, Validation)",
    )


def test_bad_domain(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "[rival-one.example]", "[https://www.rival-one.example/]")
    expect_error(
        folder,
        "project.yaml competitors[0].domains[0]: 'https://www.rival-one.example/' is not a bare domain — write just "
        "the domain, e.g. 'ledgerline.example' (no https://, path, port or spaces)",
    )


def test_domain_listed_twice(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "[rival-one.example]", "[Acme.example]")
    expect_error(
        folder,
        "project.yaml competitors[0].domains[0]: domain 'acme.example' is already listed for client (Acme Banking) — "
        "list each site under one company only",
    )


def test_no_personas(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "personas:\n  - name: CIO\n    description: Runs technology.\n", "personas: []\n")
    expect_error(
        folder, "project.yaml personas: no personas listed — add at least one persona (name, description, goals, ...)"
    )


def test_csv_without_keyword_column(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, "Term,Category\ncore banking,Core\n")
    err = expect_error(
        folder,
        "keywords.csv line 1: no keyword column (found columns: 'Term', 'Category') — name the column of search "
        "phrases 'keyword' (or 'Keyword')",
    )
    assert err.path == folder / "keywords.csv"


def test_csv_empty_file(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, "")
    expect_error(
        folder,
        "keywords.csv: the file is empty — add a header line with a 'keyword' column and one keyword per row",
    )


def test_csv_header_only(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, "Keyword,Primary Category\n")
    expect_error(folder, "keywords.csv: no keywords (only a header line) — add one keyword per row below the header")


def test_csv_all_blank_rows(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, "Keyword,Primary Category\n,\n  ,  \n\n")
    expect_error(folder, "keywords.csv: no keywords (every row is blank) — add one keyword per row below the header")


def test_csv_row_with_empty_keyword(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, "keyword,category\ncore banking,Core\n ,Core\n")
    expect_error(folder, "keywords.csv line 3: empty keyword — fill in the 'keyword' cell or delete the row")


def test_duplicate_keywords(tmp_path: Path) -> None:
    rows = [
        "keyword,category",
        "loan software,Lending",
        "payment hub,Payments",
        "core banking software,Universal Banking",
        "cloud core,Universal Banking",
        "ach software,Payments",
        "  Core  Banking   software ,Universal Banking",
    ]
    folder = with_csv(tmp_path, "\n".join(rows) + "\n")
    err = expect_error(
        folder,
        "keywords.csv line 7: duplicate keyword 'Core Banking software' (first on line 4) — remove one of the "
        "two rows",
    )
    assert err.location == "line 7"


def test_duplicate_keywords_line_numbers_count_blank_and_multiline_rows(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, 'keyword,category\n\n"payment\nhub",Payments\nloan,Lending\npayment hub,Payments\n')
    expect_error(
        folder, "keywords.csv line 6: duplicate keyword 'payment hub' (first on line 3) — remove one of the two rows"
    )


def test_empty_category(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, "Keyword,Primary Category\ncore banking,Core\nloan software,\n")
    expect_error(
        folder,
        "keywords.csv line 3, column 'Primary Category': empty category for keyword 'loan software' — fill in the "
        "category",
    )


@pytest.mark.parametrize("value", ["-5", "abc", "1,200", "12.5"])
def test_bad_volume(tmp_path: Path, value: str) -> None:
    folder = with_csv(
        tmp_path, f'Keyword,Category,Avg Monthly Searches\ncore banking,Core,10\nloan,Lending,"{value}"\n'
    )
    err = expect_error(
        folder,
        f"keywords.csv line 3, column 'Avg Monthly Searches': volume '{value}' is not a non-negative whole number — "
        "write a whole number such as 1200 (no separators or units) or leave the cell empty",
    )
    assert err.location == "line 3, column 'Avg Monthly Searches'"


def test_bad_is_brand(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, "Keyword,Category,Is Brand\ncore banking,Core,maybe\n")
    expect_error(
        folder,
        "keywords.csv line 2, column 'Is Brand': 'maybe' is not a yes/no value — write true/false, yes/no or 1/0 "
        "(or leave the cell empty for false)",
    )


def test_unknown_jtbd_stage(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, "Keyword,Category,JTBD Stage\ncore banking,Core,Supplier Selecton\n")
    expect_error(
        folder,
        "keywords.csv line 2, column 'JTBD Stage': unknown JTBD stage 'Supplier Selecton' — did you mean 'Supplier "
        "Selection'? (stages: Problem Identification, Solution Exploration, Requirements Building, Supplier "
        "Selection, Validation) or leave the cell empty",
    )


def test_two_columns_for_one_field(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, "Keyword,Category,Primary Category\ncore banking,Core,Core\n")
    expect_error(
        folder,
        "keywords.csv line 1: columns 'Category' and 'Primary Category' both give the category — keep only one "
        "of them",
    )


def test_csv_not_utf8(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, "keyword\nok\n")
    (folder / "keywords.csv").write_bytes("keyword\nZahlungsverkehr Lösung\n".encode("latin-1"))
    expect_error(folder, "keywords.csv line 2: not valid UTF-8 text (byte 0xf6) — save the file with UTF-8 encoding")


@pytest.mark.parametrize("count", [0, -3])
def test_keyword_count_must_be_positive(count: int) -> None:
    with pytest.raises(ProjectConfigError) as excinfo:
        load_project(keyword_count=count)
    message = f"keyword_count: must be a whole number of at least 1, got {count} — pass a positive count"
    assert str(excinfo.value) == message


def test_keyword_count_beyond_capacity() -> None:
    with pytest.raises(ProjectConfigError) as excinfo:
        load_project(keyword_count=10_000_000)
    assert str(excinfo.value).startswith("keyword_count: 10000000 is more than the keyword generator can produce (")


def test_yaml_error_reported_before_csv_error(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML.replace("[US, UK]", "[US, XX]"), "Term\nx\n")
    expect_error(folder, f"project.yaml markets[1]: unknown market code 'XX' — use one of {KNOWN}")


def test_sample_project_files_untouched_by_load() -> None:
    before = snapshot(SAMPLE_PROJECT_DIR)
    load_project()
    load_project(keyword_count=50)
    assert snapshot(SAMPLE_PROJECT_DIR) == before


def test_copied_sample_with_a_bad_edit_is_rejected_without_changes(tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(SAMPLE_PROJECT_DIR, folder)
    text = (folder / "project.yaml").read_text()
    (folder / "project.yaml").write_text(text.replace("markets: [US, UK, DE]", "markets: [US, UK, DE, ZZ]"))
    expect_error(folder, f"project.yaml markets[3]: unknown market code 'ZZ' — use one of {KNOWN}")
    assert isinstance(keywords_frame(load_project()), pd.DataFrame)


# ------------------------------------------------------------------------------- bounds and odd bytes

LIMIT_FIX = "split the list into several projects, or raise thresholds.max_keywords in project.yaml"


def test_more_keywords_than_the_project_limit(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "thresholds:\n  max_keywords: 2\n", OUR_CSV)
    expect_error(folder, f"keywords.csv line 4: more than 2 keywords (the project's limit) — {LIMIT_FIX}")


def test_the_keyword_limit_has_a_ceiling(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "thresholds:\n  max_keywords: 50000\n", OUR_CSV)
    expect_error(
        folder, "project.yaml thresholds.max_keywords: must be at most 20000, got 50000 — use a value at most 20000"
    )


def test_a_keyword_file_too_large_for_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    rows = "".join(f"keyword number {i},Payments\n" for i in range(500_000))  # ~14 MB
    folder = write_project(tmp_path / "proj", MINIMAL_YAML, "keyword,category\n" + rows)
    size = (folder / "keywords.csv").stat().st_size
    expect_error(
        folder,
        f"keywords.csv: {size / 1e6:.1f} MB is more than a list of at most 10000 keywords takes (10.3 MB) — {LIMIT_FIX}",
    )


def test_generated_keywords_obey_the_limit(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "proj", MINIMAL_YAML + "thresholds:\n  max_keywords: 5\n", OUR_CSV)
    expect_error(
        folder,
        "keyword_count: 6 is more than the project's limit of 5 keywords — use at most 5, or raise "
        "thresholds.max_keywords in project.yaml",
        keyword_count=6,
    )


def test_a_nul_byte_in_a_keyword_is_rejected_at_load(tmp_path: Path) -> None:
    folder = with_csv(tmp_path, "keyword,category\ncore banking,Universal Banking\npayment\x00 hub,Payments\n")
    expect_error(
        folder,
        "keywords.csv line 3, column 'keyword': keyword 'payment\\x00 hub' contains a control character (U+0000) — "
        "remove it (a NUL byte usually means the file was saved in another encoding)",
    )


def test_a_www_domain_is_the_same_site_as_the_bare_domain(tmp_path: Path) -> None:
    folder = with_yaml(tmp_path, "[rival-one.example]", "[www.acme.example]")
    expect_error(
        folder,
        "project.yaml competitors[0].domains[0]: domain 'acme.example' (same site as 'www.acme.example') is already "
        "listed for client (Acme Banking) — list each site under one company only",
    )


# ---- providers -----------------------------------------------------------------------------------------


def _with_providers(tmp_path, providers_yaml: str):
    folder = tmp_path / "project"
    shutil.copytree(SAMPLE_PROJECT_DIR, folder)
    with (folder / "project.yaml").open("a") as handle:
        handle.write("\nproviders:\n" + textwrap.indent(textwrap.dedent(providers_yaml), "  "))
    return folder


def test_providers_default_to_the_sample_market():
    providers = load_project(None).providers
    assert (providers.keyword_data, providers.serp, providers.web) == ("sample", "sample", "sample")


def test_real_providers_and_their_settings(tmp_path):
    folder = _with_providers(tmp_path, """\
        keyword_data: dataforseo
        serp: dataforseo
        web: http
        dataforseo:
          serp_mode: queue
        http:
          allow_networks: [127.0.0.1/32]
        """)
    providers = load_project(folder).providers
    assert (providers.keyword_data, providers.serp, providers.web) == ("dataforseo", "dataforseo", "http")
    assert providers.dataforseo.serp_mode == "queue"
    assert providers.dataforseo.market_locations()["UK"].location_code == 2826


@pytest.mark.parametrize(
    ("providers_yaml", "message"),
    [
        ("serp: serpwow\n", "providers.serp: must be 'sample' or 'dataforseo', got 'serpwow' — use 'sample' or 'dataforseo'"),
        ("dataforseo:\n  serp_mode: fast\n",
         "providers.dataforseo.serp_mode: must be 'live' or 'queue', got 'fast' — use 'live' or 'queue'"),
        ("dataforseo:\n  login: me\n", "providers.dataforseo: unknown field 'login' — remove it (allowed: base_url, "
         "serp_mode, locations, calls_per_minute, keyword_data_calls_per_minute, price_keyword_call_usd, "
         "price_serp_live_usd, price_serp_queue_usd, "
         "timeout_s)"),
        ("http:\n  allow_networks: [intranet]\n",
         "providers.http.allow_networks[0]: 'intranet' is not an IP network — write an address or network, "
         "e.g. 127.0.0.1/32 or 10.0.0.0/8"),
    ],
)
def test_bad_provider_settings_are_one_line_errors(tmp_path, providers_yaml, message):
    folder = _with_providers(tmp_path, providers_yaml)
    with pytest.raises(ProjectConfigError) as error:
        load_project(folder)
    assert str(error.value) == f"project.yaml {message}"


def test_concurrency_per_provider_kind_and_the_paid_company_data_settings(tmp_path):
    assert load_project(None).providers.concurrency.model_dump() == {
        "keyword_data": 1, "serp": 8, "video_data": 1, "company_data": 8, "web": 16, "content_analyzer": 4}
    folder = _with_providers(tmp_path, """\
        company_data: peopledatalabs
        concurrency:
          company_data: 3
          content_analyzer: 2
        peopledatalabs:
          base_url: http://127.0.0.1:8080/v5
          min_likelihood: 6
          price_per_match_usd: 0.28
        """)
    providers = load_project(folder).providers
    assert providers.company_data == "peopledatalabs"
    assert (providers.concurrency.company_data, providers.concurrency.content_analyzer, providers.concurrency.web) == (
        3, 2, 16)  # the kinds not listed keep their defaults
    assert (providers.peopledatalabs.base_url, providers.peopledatalabs.min_likelihood,
            providers.peopledatalabs.price_per_match_usd) == ("http://127.0.0.1:8080/v5", 6, 0.28)


@pytest.mark.parametrize(
    ("providers_yaml", "message"),
    [
        ("company_data: clearbit\n", "providers.company_data: must be 'sample', 'homepage' or 'peopledatalabs', got "
         "'clearbit' — use 'sample', 'homepage' or 'peopledatalabs'"),
        ("concurrency:\n  web: 0\n", "providers.concurrency.web: must be at least 1, got 0 — use a value at least 1"),
        ("concurrency:\n  content_analyzer: 33\n",
         "providers.concurrency.content_analyzer: must be at most 32, got 33 — use a value at most 32"),
        ("concurrency:\n  company_data: 2.5\n",
         "providers.concurrency.company_data: expected a whole number, got 2.5 — write a whole number, e.g. 10"),
        ("concurrency:\n  llm: 4\n", "providers.concurrency: unknown field 'llm' — remove it (allowed: keyword_data, "
         "serp, video_data, company_data, web, content_analyzer)"),
        ("concurrency: 8\n", "providers.concurrency: expected a mapping, got 8 — write 'field: value' lines indented "
         "under it"),
        ("dataforseo:\n  concurrency: 8\n", "providers.dataforseo.concurrency: moved to providers.concurrency.serp — "
         "write 'concurrency: {serp: 8}' under providers instead"),
        ("http:\n  concurrency: 32\n", "providers.http.concurrency: moved to providers.concurrency.web — "
         "write 'concurrency: {web: 32}' under providers instead"),
        ("peopledatalabs:\n  api_key: pdl-secret\n", "providers.peopledatalabs: unknown field 'api_key' — remove it "
         "(allowed: base_url, min_likelihood, price_per_match_usd, calls_per_minute, timeout_s)"),
        ("peopledatalabs:\n  base_url: api.peopledatalabs.com/v5\n", "providers.peopledatalabs.base_url: "
         "'api.peopledatalabs.com/v5' is not an http(s) URL — write the API's address, e.g. "
         "https://api.peopledatalabs.com/v5"),
        ("peopledatalabs:\n  min_likelihood: 11\n",
         "providers.peopledatalabs.min_likelihood: must be at most 10, got 11 — use a value at most 10"),
        ("peopledatalabs:\n  price_per_match_usd: -0.1\n",
         "providers.peopledatalabs.price_per_match_usd: must be at least 0, got -0.1 — use a value at least 0"),
        ("peopledatalabs:\n  calls_per_minute: 0\n",
         "providers.peopledatalabs.calls_per_minute: must be greater than 0, got 0 — use a value greater than 0"),
        ("peopledatalabs:\n  timeout_s: 0\n",
         "providers.peopledatalabs.timeout_s: must be greater than 0, got 0 — use a value greater than 0"),
    ],
)
def test_bad_concurrency_and_company_data_settings_are_one_line_errors(tmp_path, providers_yaml, message):
    folder = _with_providers(tmp_path, providers_yaml)
    with pytest.raises(ProjectConfigError) as error:
        load_project(folder)
    assert str(error.value) == f"project.yaml {message}"


def test_a_market_dataforseo_cannot_place_is_refused_before_any_call(tmp_path):
    folder = _with_providers(tmp_path, "serp: dataforseo\n")
    text = (folder / "project.yaml").read_text().replace("markets: [US, UK, DE]", "markets: [US, FR]")
    (folder / "project.yaml").write_text(text)
    with pytest.raises(ProjectConfigError) as error:
        load_project(folder)
    assert str(error.value) == (
        "project.yaml providers.dataforseo.locations: no DataForSEO location for market FR — "
        "add 'FR: {location_code: …, language_code: …}' (DataForSEO's codes for France)"
    )
    with (folder / "project.yaml").open("a") as handle:
        handle.write("  dataforseo:\n    locations:\n      FR: {location_code: 2250, language_code: fr}\n")
    project = load_project(folder)
    assert project.providers.dataforseo.market_locations()["FR"].location_code == 2250
    assert hash(project) == hash(load_project(folder))  # a project is a cache key (the simulated market's)
