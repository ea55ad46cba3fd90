"""The local content analyzer: lexical dimension scores, sentiment, topics and brand mentions."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cylvy_pipeline.analysis.analyzer import (
    ANALYZER_VERSION,
    MAX_EVIDENCE_CHARS,
    TITLE_HIT_WEIGHT,
    AnalysisDimension,
    ContentAnalysis,
    LocalContentAnalyzer,
    _market_reading,
    _market_terms,
    content_hash,
    reads_as_english,
)
from cylvy_pipeline.analysis.extraction import extract_page
from cylvy_pipeline.analysis.page_signals import (
    PHRASE_FAMILIES,
    PHRASE_FAMILIES_IN_WORDS,
    FittedWeights,
    PageMetadata,
    load_weights,
    read_text,
    top_feature_reason,
)

LENDING = AnalysisDimension(
    "persona",
    "Head of Lending",
    ("loan origination", "underwriting", "credit decisioning", "small business loans", "time to decision"),
)
PAYMENTS = AnalysisDimension(
    "persona",
    "Head of Payments",
    ("card payments", "checkout conversion", "payment processing", "merchant acquiring", "chargebacks"),
)
AWARENESS = AnalysisDimension("jtbd_phase", "Problem awareness", ("challenge", "problem", "cost of delay"))
GUIDE = AnalysisDimension("page_type", "Guide")  # no terms: described by its name
DIMENSIONS = (LENDING, PAYMENTS, AWARENESS, GUIDE)

BRANDS = {
    "Ledger Line": ["ledger-line.example"],
    "Acme Bank": ["Acme", "acme-bank.example"],
    "Northwind Pay": ["northwindpay.example"],
}

LENDING_PAGE = """\
Small business lenders lose good applicants when loan origination takes weeks.
Ledger Line automates underwriting: documents arrive from the applicant, identity and affordability are checked \
automatically, and only unusual cases reach a human underwriter.
Credit decisioning becomes consistent, and the time to decision for small business loans falls from nine days to two.
Lenders using ledger-line.example report faster approvals and better loan origination economics.
This guide explains the approach step by step."""

PAYMENTS_PAGE = """\
Merchants lose revenue at checkout when card payments fail.
Northwind Pay improves checkout conversion with smart payment processing and routing across acquirers.
Chargebacks are handled in one dashboard, and merchant acquiring fees are reported per transaction.
Payment processing costs fall while card payments succeed more often."""


def scores_by_name(analysis: ContentAnalysis) -> dict[str, float]:
    return {score.name: score.score for score in analysis.scores}


@pytest.fixture(scope="module")
def analyzer() -> LocalContentAnalyzer:
    return LocalContentAnalyzer()


def test_lending_page_speaks_to_the_lending_persona(analyzer: LocalContentAnalyzer) -> None:
    analysis = analyzer.analyze(LENDING_PAGE, "Faster loan origination for small business lenders", DIMENSIONS, BRANDS)
    scores = scores_by_name(analysis)
    assert scores["Head of Lending"] > 7.0
    assert scores["Head of Payments"] < 2.0
    assert scores["Head of Lending"] > scores["Head of Payments"]
    lending = analysis.scores[0]
    assert (lending.kind, lending.name) == ("persona", "Head of Lending")
    # The evidence is the page's sentence with the most lending terms.
    assert lending.evidence in LENDING_PAGE.splitlines()
    assert sum(term in lending.evidence.lower() for term in LENDING.terms) >= 2
    # persona relevance = mean persona score / 10
    assert analysis.persona_relevance == pytest.approx((scores["Head of Lending"] + scores["Head of Payments"]) / 20)


def test_payments_page_speaks_to_the_payments_persona(analyzer: LocalContentAnalyzer) -> None:
    scores = scores_by_name(analyzer.analyze(PAYMENTS_PAGE, "Checkout conversion", DIMENSIONS, BRANDS))
    assert scores["Head of Payments"] > 7.0
    assert scores["Head of Payments"] > scores["Head of Lending"]


def test_every_score_and_confidence_is_within_zero_and_ten(analyzer: LocalContentAnalyzer) -> None:
    stuffed = "loan origination underwriting credit decisioning. " * 500
    for text in (LENDING_PAGE, PAYMENTS_PAGE, stuffed, "loan"):
        for score in analyzer.analyze(text, "loan origination", DIMENSIONS, BRANDS).scores:
            assert 0.0 <= score.score <= 10.0
            assert 0.0 <= score.confidence <= 10.0
            assert len(score.evidence) <= MAX_EVIDENCE_CHARS


def test_a_dimension_without_terms_is_matched_by_its_name(analyzer: LocalContentAnalyzer) -> None:
    scores = scores_by_name(analyzer.analyze(LENDING_PAGE, None, DIMENSIONS, BRANDS))
    assert scores["Guide"] > 0.0  # "This guide explains the approach"


def test_title_hits_raise_the_score(analyzer: LocalContentAnalyzer) -> None:
    without_title = scores_by_name(analyzer.analyze(PAYMENTS_PAGE, None, [LENDING], {}))
    with_title = scores_by_name(analyzer.analyze(PAYMENTS_PAGE, "Small business loans", [LENDING], {}))
    assert without_title["Head of Lending"] == 0.0
    assert with_title["Head of Lending"] > without_title["Head of Lending"]


def test_confidence_rises_with_length_and_matched_terms(analyzer: LocalContentAnalyzer) -> None:
    short = analyzer.analyze("Loan origination matters.", None, [LENDING], {}).scores[0]
    long = analyzer.analyze(LENDING_PAGE * 3, None, [LENDING], {}).scores[0]
    assert 0.0 < short.confidence < long.confidence
    one_term = analyzer.analyze("underwriting " + "filler words here " * 60, None, [LENDING], {}).scores[0]
    many_terms = analyzer.analyze(
        "underwriting loan origination credit decisioning " + "filler words here " * 58, None, [LENDING], {}
    ).scores[0]
    assert one_term.confidence < many_terms.confidence


def test_empty_text_scores_zero_with_zero_confidence(analyzer: LocalContentAnalyzer) -> None:
    for text in ("", "   \n\t "):
        analysis = analyzer.analyze(text, None, DIMENSIONS, BRANDS)
        assert [(score.score, score.confidence, score.evidence) for score in analysis.scores] == [(0.0, 0.0, "")] * 4
        assert analysis.sentiment == "neutral"
        assert analysis.sentiment_score == 0.0
        assert analysis.key_topics == ()
        assert analysis.mentions == ()
        assert analysis.persona_relevance == 0.0


def test_no_personas_means_zero_persona_relevance(analyzer: LocalContentAnalyzer) -> None:
    analysis = analyzer.analyze(LENDING_PAGE, None, [AWARENESS, GUIDE], BRANDS)
    assert analysis.persona_relevance == 0.0
    assert [score.kind for score in analysis.scores] == ["jtbd_phase", "page_type"]


def test_same_input_same_output(analyzer: LocalContentAnalyzer) -> None:
    first = analyzer.analyze(LENDING_PAGE, "Loans", DIMENSIONS, BRANDS)
    assert LocalContentAnalyzer().analyze(LENDING_PAGE, "Loans", list(DIMENSIONS), dict(BRANDS)) == first
    batch = analyzer.analyze_many([(PAYMENTS_PAGE, None), (LENDING_PAGE, "Loans")], DIMENSIONS, BRANDS)
    assert batch[1] == first
    assert batch[0] == analyzer.analyze(PAYMENTS_PAGE, None, DIMENSIONS, BRANDS)


def test_same_output_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    """Set and dict ordering of strings changes with the hash seed; the analysis must not."""
    script = tmp_path / "analyse.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            from cylvy_pipeline_tests.analysis.test_analyzer import BRANDS, DIMENSIONS, LENDING_PAGE, PAYMENTS_PAGE
            from cylvy_pipeline.analysis.analyzer import LocalContentAnalyzer
            analyzer = LocalContentAnalyzer()
            for text in (LENDING_PAGE, PAYMENTS_PAGE, LENDING_PAGE + PAYMENTS_PAGE):
                print(repr(analyzer.analyze(text, "Loans and payments", DIMENSIONS, BRANDS)))
            """
        )
    )
    project_root = Path(__file__).resolve().parents[2]
    outputs = []
    for seed in ("1", "2", "3"):
        environment = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(project_root))
        completed = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, env=environment, check=True, timeout=60
        )
        outputs.append(completed.stdout)
    assert outputs[0] and outputs[0] == outputs[1] == outputs[2]


def test_mentions_are_case_insensitive_whole_words(analyzer: LocalContentAnalyzer) -> None:
    text = (
        "ACME BANK and Acme Bank launched a card. Visit acme-bank.example or www.acme-bank.example/loans. "
        "Acmeville and acmebank are other things. Ledger Line partners with ledger-line.example. "
        "Nothing about the third brand."
    )
    analysis = analyzer.analyze(text, "Acme news", [], BRANDS)
    # Acme Bank: "ACME BANK", "Acme Bank", "acme-bank.example" ×2 (one inside a URL), and "Acme" in the title
    # — each once, though "Acme" is also inside "Acme Bank". Not "Acmeville" or "acmebank".
    assert analysis.mentions == (("Acme Bank", 5), ("Ledger Line", 2))


def test_mentions_of_brands_with_special_characters(analyzer: LocalContentAnalyzer) -> None:
    brands = {"Q+ Finance": ["q-plus.example"], "Nobody": []}
    analysis = analyzer.analyze("Q+ Finance (q-plus.example) beat Q+ Financer.", None, [], brands)
    assert analysis.mentions == (("Q+ Finance", 2),)


def test_key_topics_are_the_five_most_frequent_content_words(analyzer: LocalContentAnalyzer) -> None:
    text = (
        "Mortgage mortgage mortgage mortgage. Savings savings savings. Pension pension. "
        "Insurance insurance. Budget. Tax. The the the and and and."
    )
    analysis = analyzer.analyze(text, None, [], {})
    # Counts: mortgage 4, savings 3, pension 2, insurance 2, budget 1, tax 1; stop words never count.
    # Ties break alphabetically: insurance before pension, budget before tax.
    assert analysis.key_topics == ("mortgage", "savings", "insurance", "pension", "budget")


def test_key_topics_prefer_recurring_phrases(analyzer: LocalContentAnalyzer) -> None:
    text = (
        "Open banking changes lending. Open banking data feeds affordability checks. "
        "With open banking, affordability checks take minutes. Lenders like open banking."
    )
    topics = analyzer.analyze(text, None, [], {}).key_topics
    assert len(topics) == 5
    assert topics[0] == "open banking"
    assert "affordability checks" in topics
    assert "open" not in topics and "banking" not in topics  # covered by the phrase


def test_key_topics_do_not_repeat_a_fragment_of_a_longer_phrase(analyzer: LocalContentAnalyzer) -> None:
    text = (
        "How to create an open source program office. An open source program office runs the open source "
        "strategy. The program office reports to the CTO. Open source compliance matters."
    )
    # "open source" 4 × 1.5 and "program office" 3 × 1.5 lead; "source program" (2 × 1.5) shares a word
    # with both and is held back like the words they cover; then the words seen once, alphabetically.
    topics = analyzer.analyze(text, None, [], {}).key_topics
    assert topics == ("open source", "program office", "compliance", "create", "cto")
    # Pairs that only share a word are two topics: bank 4; "bank account" and "bank statements" 2 × 1.5
    # (alphabetical); account and statements are covered by them; then link and show, seen once.
    text = "Upload bank statements. Bank statements show each bank account. Link a bank account today."
    topics = analyzer.analyze(text, None, [], {}).key_topics
    assert topics == ("bank", "bank account", "bank statements", "link", "show")


def test_fewer_than_five_topics_when_the_text_is_short(analyzer: LocalContentAnalyzer) -> None:
    assert analyzer.analyze("Loans and more loans for lenders.", None, [], {}).key_topics == ("loans", "lenders")


def test_link_addresses_written_out_are_not_topics(analyzer: LocalContentAnalyzer) -> None:
    links = (
        "Lenders use loan files. See https://github.com/ledgerline/loan-files and https://github.com/ledgerline/"
        "loan-tools. Loan files, loan tools and more at www.ledgerline.example or http://docs.ledgerline.example."
    )
    without = "Lenders use loan files. See and . Loan files, loan tools and more at or ."
    topics = analyzer.analyze(links, None, [], {}).key_topics
    # Without the addresses: loan 3 and "loan files" 2 × 1.5 (alphabetical on the tie), then lenders 1 and
    # tools 1; files (2) is covered by the pair and fills the last place.
    assert topics == analyzer.analyze(without, None, [], {}).key_topics
    assert topics == ("loan", "loan files", "lenders", "tools", "files")
    # The addresses still count as terms: what a page links to says what it is about.
    linked = AnalysisDimension("custom", "Tooling", ("loan tools",))
    assert analyzer.analyze(links, None, [linked], {}).scores[0].score > analyzer.analyze(
        without.replace("loan tools", "tools"), None, [linked], {}).scores[0].score


LENDING_README = f"""\
Loan files
{LENDING_PAGE}
Related projects
As part of our open source lending tools, you may also find these useful:
- Card Router offers card payments and payment processing across merchant acquiring banks.
- Dispute Desk handles chargebacks and checkout conversion reports.
"""


def test_a_section_introducing_other_pages_is_not_read_as_its_subject(analyzer: LocalContentAnalyzer) -> None:
    # The README of a lending tool that lists its sister projects: their payments vocabulary is theirs.
    without_section = LENDING_README.split("Related projects")[0]
    analysis = analyzer.analyze(LENDING_README, None, [LENDING, PAYMENTS], {})
    assert analysis == analyzer.analyze(without_section, None, [LENDING, PAYMENTS], {})
    assert scores_by_name(analysis)["Head of Payments"] == 0.0
    # Read as the page's own, the list would give the payments persona a score beside lending's.
    own_section = LENDING_README.replace("Related projects", "Integrations")
    assert scores_by_name(analyzer.analyze(own_section, None, [LENDING, PAYMENTS], {}))["Head of Payments"] > 1.0


@pytest.mark.parametrize("heading", ["Related projects", "Related resources", "See also", "Read next",
                                     "You may also like", "More from the blog"])
def test_a_pointer_section_runs_to_the_next_heading(analyzer: LocalContentAnalyzer, heading: str) -> None:
    tail = "Checkout conversion\nCard payments succeed more often with smart payment processing."
    page = f"{LENDING_PAGE}\n{heading}\n- Chargebacks in one dashboard.\n- Merchant acquiring fees.\n{tail}"
    assert analyzer.analyze(page, None, [LENDING, PAYMENTS], {}) == analyzer.analyze(
        f"{LENDING_PAGE}\n{tail}", None, [LENDING, PAYMENTS], {})


@pytest.mark.parametrize("heading", ["Next steps", "Resources", "Related", "Related configuration"])
def test_sections_that_continue_the_pages_own_story_are_read(analyzer: LocalContentAnalyzer, heading: str) -> None:
    # A case study's "Next steps" are the customer's; an API profile's "Resources" are its own endpoints.
    page = f"{LENDING_PAGE}\n{heading}\n- Chargebacks in one dashboard.\n- Merchant acquiring fees."
    assert analyzer.analyze(page, None, [PAYMENTS], {}).scores[0].score > 0


@pytest.mark.parametrize(
    ("text", "english"),
    [
        (LENDING_PAGE, True),
        (PAYMENTS_PAGE, True),
        # German, French and Spanish prose about core banking: 0–6 % English stop words ("in", "an", "so").
        ("Viele Regionalbanken arbeiten noch mit einem jahrzehntealten Kernbankensystem. Jede Produkteinführung "
         "dauert Monate, und die Wartungskosten steigen. Der Umstieg in die Cloud senkt die Betriebskosten und "
         "öffnet Schnittstellen für Partner, so der CIO einer Sparkasse.", False),
        ("Les banques régionales utilisent encore un système bancaire central vieux de plusieurs décennies. "
         "Chaque lancement de produit prend des mois et les coûts de maintenance augmentent sans cesse. Le "
         "passage au cloud réduit ces coûts.", False),
        ("Los bancos regionales todavía utilizan un sistema bancario central con décadas de antigüedad. Cada "
         "lanzamiento de producto tarda meses y los costes de mantenimiento aumentan cada año. El paso a la nube "
         "reduce esos costes.", False),
        ("Kernbankensystem modernisieren", True),  # too short to tell
    ],
)
def test_the_local_analyzer_knows_which_pages_it_can_read(text: str, english: bool) -> None:
    assert reads_as_english(text) is english


def test_a_score_of_zero_shows_no_evidence(analyzer: LocalContentAnalyzer) -> None:
    text = LENDING_PAGE + " One lender also mentioned chargebacks once."
    lending, payments = analyzer.analyze(text, None, [LENDING, PAYMENTS], {}).scores
    assert lending.score > 9 and lending.evidence
    assert (payments.score, payments.evidence) == (0.0, "")  # the lending page outweighs one mention
    alone = analyzer.analyze(text, None, [PAYMENTS], {}).scores[0]  # no rival: the mention scores, and shows
    assert alone.score > 0 and alone.evidence == "One lender also mentioned chargebacks once."


def test_a_judgements_evidence_names_its_signals_in_words() -> None:
    contributions = [(1.2, "p_stage_selection"), (0.6, "url_docs"), (0.3, "w_your"), (0.2, "headings")]
    assert top_feature_reason(contributions) == (
        "Signals: talk of vendors, pricing and comparisons; a documentation URL; the word 'your'"
    )
    assert top_feature_reason([(0.04, "url_docs"), (-1.0, "pdf")]) == ""  # nothing on the page pushed it up
    assert set(PHRASE_FAMILIES_IN_WORDS) == set(PHRASE_FAMILIES)  # every phrase family can be said in words


def test_a_table_row_as_evidence_reads_as_its_cells(analyzer: LocalContentAnalyzer) -> None:
    html = b"""<html><head><title>Lending features</title></head><body><article>
    <h1>Lending features</h1><p>What each part of the lending product does for the credit team, in one table.</p>
    <table><tr><th>Feature</th><th>What it does</th></tr>
    <tr><td>Loan origination</td><td>Credit decisioning for small business loans in minutes.</td></tr>
    <tr><td>Reporting</td><td>Monthly figures.</td></tr></table></article></body></html>"""
    text = extract_page(html, "text/html", "https://docs.ledgerline.example/lending/features").text
    assert "| Loan origination | Credit decisioning for small business loans in minutes. |" in text  # trafilatura's
    evidence = analyzer.analyze(text, "Lending features", [LENDING], {}).scores[0].evidence
    assert evidence == "Loan origination — Credit decisioning for small business loans in minutes."


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("A great, reliable and secure platform. Customers love the seamless experience.", "positive"),
        ("A slow and costly process full of errors. Fraud risk and delays frustrate everyone.", "negative"),
        ("The report lists the branches by region and the opening hours.", "neutral"),
        ("This process is not good and not reliable.", "negative"),
    ],
)
def test_sentiment(analyzer: LocalContentAnalyzer, text: str, sentiment: str) -> None:
    analysis = analyzer.analyze(text, None, [], {})
    assert analysis.sentiment == sentiment
    assert -1.0 <= analysis.sentiment_score <= 1.0
    if sentiment == "positive":
        assert analysis.sentiment_score > 0
    if sentiment == "negative":
        assert analysis.sentiment_score < 0


def test_the_trades_subjects_are_not_its_tone(analyzer: LocalContentAnalyzer) -> None:
    def tone(text: str) -> tuple[str, float]:
        analysis = analyzer.analyze(text, None, [], {})
        return analysis.sentiment, analysis.sentiment_score

    # What a fraud-screening, risk or API page is about, with no tone either way.
    subjects = "Screen every payment for fraud risk; log errors and open issues against the threat model."
    assert tone(subjects) == ("neutral", 0.0)
    # Tone still counts beside them: "losses" against "faster" and "reliable", (2 - 1) / (2 + 1 + 2).
    assert tone("Fraud losses fell with faster, more reliable screening of every risk.") == ("positive", 0.2)


def test_evidence_is_truncated_to_two_hundred_characters(analyzer: LocalContentAnalyzer) -> None:
    sentence = "Loan origination " + "with a very long explanation " * 20 + "ends here."
    evidence = analyzer.analyze(sentence, None, [LENDING], {}).scores[0].evidence
    assert len(evidence) == MAX_EVIDENCE_CHARS
    assert evidence.startswith("Loan origination with a very long explanation")


def test_content_hash_ignores_whitespace_only_changes() -> None:
    text = "Loan origination,\n\n  faster."
    assert content_hash(text) == content_hash("Loan origination, faster.")
    assert content_hash(text) == hashlib.sha256(b"Loan origination, faster.").hexdigest()
    assert content_hash(text) != content_hash("Loan origination, slower.")
    assert content_hash("Café") == content_hash("Cafe\u0301")  # same text in two Unicode spellings


def test_version_and_dimension_validation() -> None:
    assert ANALYZER_VERSION == "local-calibrated-7"
    # The version names the shipped weights too: refitted weights make cached analyses stale.
    assert LocalContentAnalyzer().version.startswith(f"{ANALYZER_VERSION}.")
    assert AnalysisDimension("custom", "Pricing", ["price", "fees"]).terms == ("price", "fees")
    with pytest.raises(ValueError, match="kind"):
        AnalysisDimension("mood", "Happy", ())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name"):
        AnalysisDimension("persona", " ", ())


def test_thousands_of_pages_in_one_batch(analyzer: LocalContentAnalyzer) -> None:
    pages = [(f"{LENDING_PAGE} Page {index}. {PAYMENTS_PAGE}", f"Title {index}") for index in range(300)]
    results = analyzer.analyze_many(pages, DIMENSIONS * 5, BRANDS)
    assert len(results) == 300
    assert all(len(result.scores) == 20 for result in results)


# ---- page forms, buying stages and scale (issue 7) -----------------------------------------------------

PRODUCT = AnalysisDimension("page_type", "Product page", ("features", "pricing"))
ARTICLE = AnalysisDimension("page_type", "Blog article", ("opinion", "author"))
CASE_STUDY = AnalysisDimension("page_type", "Case study", ("customer", "results"))
WHITEPAPER = AnalysisDimension("page_type", "Whitepaper", ("whitepaper", "download"))
PAGE_TYPES = (PRODUCT, ARTICLE, CASE_STUDY, WHITEPAPER)

BODY = (
    "Small business lenders want faster loan origination.\n"
    "Teams can review applications in one place and decide the same day.\n"
    "The approach works for consumer and commercial portfolios alike."
)


def top_page_type(analyzer: LocalContentAnalyzer, text: str, content_type: str | None = "html") -> str:
    scores = analyzer.analyze(text, "Faster lending", PAGE_TYPES, {}, content_type).scores
    return max(scores, key=lambda score: score.score).name


def test_a_byline_and_date_make_an_article(analyzer: LocalContentAnalyzer) -> None:
    text = "By Ada Quill, Senior Editor · 3 March 2026 · 5 min read\n" + BODY
    assert top_page_type(analyzer, text) == "Blog article"


def test_feature_bullets_and_a_demo_button_make_a_product_page(analyzer: LocalContentAnalyzer) -> None:
    text = BODY + "\nKey capabilities\n- Document upload\n- Automated checks\n- Same-day decisions\nRequest a demo"
    assert top_page_type(analyzer, text) == "Product page"


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("https://lender.example/customers/fernhollow-credit-union", "Case study"),
        ("https://lender.example/resources/case-studies/fernhollow", "Case study"),
        ("https://lender.example/blog/faster-lending", "Blog article"),
        ("https://news.lender.example/2026/03/faster-lending", "Blog article"),
        ("https://lender.example/products/origination", "Product page"),
        ("https://lender.example/whitepapers/faster-lending.pdf", "Whitepaper"),
    ],
)
def test_the_site_section_in_the_url_says_what_the_page_is(analyzer: LocalContentAnalyzer, url, form) -> None:
    # The same neutral text; only where the site put it differs.
    scores = analyzer.analyze(BODY, "Faster lending", PAGE_TYPES, {}, "html", metadata=PageMetadata(url=url)).scores
    assert max(scores, key=lambda score: score.score).name == form


@pytest.mark.parametrize(
    ("metadata", "form"),
    [
        (PageMetadata(schema_types=("BlogPosting", "Person")), "Blog article"),
        (PageMetadata(og_type="article", published_at="2026-03-03", author="Ada Quill"), "Blog article"),
        (PageMetadata(schema_types=("SoftwareApplication",)), "Product page"),
        (PageMetadata(schema_types=("Report",)), "Whitepaper"),
    ],
)
def test_what_the_page_declares_about_itself_says_what_it_is(analyzer: LocalContentAnalyzer, metadata, form) -> None:
    scores = analyzer.analyze(BODY, "Faster lending", PAGE_TYPES, {}, "html", metadata=metadata).scores
    assert max(scores, key=lambda score: score.score).name == form


def test_a_pdf_leans_to_whitepaper_and_says_why(analyzer: LocalContentAnalyzer) -> None:
    as_html = scores_by_name(analyzer.analyze(BODY, None, PAGE_TYPES, {}, "html"))
    as_pdf = analyzer.analyze(BODY, None, PAGE_TYPES, {}, "pdf").scores
    whitepaper = next(s for s in as_pdf if s.name == "Whitepaper")
    assert whitepaper.score > as_html["Whitepaper"]
    assert "a PDF document" in whitepaper.evidence


def test_dimension_names_are_no_evidence(analyzer: LocalContentAnalyzer) -> None:
    # "page" and "building" name dimensions; a page saying them is not a product page or a requirements page.
    building = AnalysisDimension("custom", "Requirements Building", ("checklist",))
    text = "Building a page about our building. " * 20
    assert scores_by_name(analyzer.analyze(text, None, [building], {}))["Requirements Building"] == 0.0


def test_a_page_type_the_analyzer_does_not_know_is_scored_by_its_signals_alone(analyzer) -> None:
    event = AnalysisDimension("page_type", "Event listing", ("register", "agenda", "speakers"))
    as_pdf = analyzer.analyze(BODY, None, [event], {}, "pdf").scores[0]
    assert as_pdf.score == 0.0 and as_pdf.evidence == ""
    listed = analyzer.analyze("Agenda and speakers.\nRegister now for the agenda.", None, [event], {}).scores[0]
    assert listed.score > 3.0  # "agenda" twice, "speakers", "register": signals do the work


def test_a_jtbd_phase_recognised_by_name_follows_the_page_form(analyzer: LocalContentAnalyzer) -> None:
    # Neither phase lists these words as signals; every case study is proof (Validation), and a vendor's
    # product page is where a buyer chooses a supplier.
    validation = AnalysisDimension("jtbd_phase", "Validation", ("proof point",))
    selection = AnalysisDimension("jtbd_phase", "Supplier Selection", ("shortlist",))
    text = "The bank went live in June. The return on investment arrived within a year, and references confirm it."
    case = PageMetadata(url="https://vendor.example/customers/fernhollow")
    product = PageMetadata(url="https://vendor.example/products/origination")
    on_case = scores_by_name(analyzer.analyze(text, None, [validation, selection], {}, "html", metadata=case))
    on_product = scores_by_name(analyzer.analyze(BODY, None, [validation, selection], {}, "html", metadata=product))
    assert on_case["Validation"] > 5.0 > on_case["Supplier Selection"]
    assert on_product["Supplier Selection"] > 5.0 > on_product["Validation"]


def test_the_words_of_obligation_count_as_talk_of_requirements() -> None:
    text = "A must-have: the bank must sign off. Fields are mandatory or optional; the server shall reply if required."
    # must-have, must, sign off, mandatory, optional, shall, required ("must-have" is one phrase, not two)
    assert read_text(text, None).phrases["stage_requirements"] == 7
    assert read_text("You should and may compare them.", None).phrases["stage_requirements"] == 0  # advice


def test_a_specification_serves_requirements_building(analyzer: LocalContentAnalyzer) -> None:
    # A standard's API profile on a documentation site: the same page stating obligations, and describing.
    requirements = AnalysisDimension("jtbd_phase", "Requirements Building", ("scope",))
    selection = AnalysisDimension("jtbd_phase", "Supplier Selection", ("shortlist",))
    profile = PageMetadata(url="https://standards.example/docs/profiles/payment-status-profile")
    stating = (
        "Payment status profile\nThe account provider must return the status of every payment order. "
        "The status field is mandatory; the reason field is optional. A third party shall not poll more than "
        "four times a day, and the account provider must reject a request without a consent identifier."
    )
    describing = stating.replace("must return", "returns").replace("is mandatory", "is always present")
    describing = describing.replace("is optional", "is sometimes present").replace("shall not poll", "polls")
    describing = describing.replace("must reject", "rejects")
    dimensions = [requirements, selection]
    on_stating = scores_by_name(analyzer.analyze(stating, None, dimensions, {}, "html", metadata=profile))
    on_describing = scores_by_name(analyzer.analyze(describing, None, dimensions, {}, "html", metadata=profile))
    assert on_stating["Requirements Building"] > 8.0 and on_stating["Supplier Selection"] < 1.0  # 9.6 and 0.1
    assert on_describing["Requirements Building"] < on_describing["Supplier Selection"]


def test_a_short_video_and_a_long_page_about_the_same_persona_score_alike(analyzer: LocalContentAnalyzer) -> None:
    video = "Loan origination explained\nHow underwriting and credit decisioning cut the time to decision."
    page = "\n".join([LENDING_PAGE] + ["Lenders review their portfolio every quarter with the board."] * 30)
    video_score = scores_by_name(analyzer.analyze(video, "Loan origination explained", [LENDING], {}, "video"))
    page_score = scores_by_name(analyzer.analyze(page, "Faster loan origination", [LENDING], {}, "html"))
    assert video_score["Head of Lending"] > 6.0 and page_score["Head of Lending"] > 6.0
    assert abs(video_score["Head of Lending"] - page_score["Head of Lending"]) < 2.5


def test_a_persona_the_page_only_brushes_against_scores_low(analyzer: LocalContentAnalyzer) -> None:
    text = LENDING_PAGE + "\nCard payments are out of scope here."
    scores = scores_by_name(analyzer.analyze(text, None, [LENDING, PAYMENTS], {}))
    assert scores["Head of Lending"] > 8.0 and scores["Head of Payments"] < 1.5


def test_an_unknown_content_type_is_refused(analyzer: LocalContentAnalyzer) -> None:
    with pytest.raises(ValueError) as error:
        analyzer.analyze("text", None, DIMENSIONS, {}, "docx")
    assert str(error.value) == "content_type must be one of ('html', 'pdf', 'video') or None, got 'docx'"


# --- the market reading: a page about none of the client's market is not for its personas ----------------

CIO = AnalysisDimension(
    "persona",
    "CIO of a regional bank",
    ("core banking replacement", "cloud migration at the bank", "mainframe skills", "bank technology risk"),
)
BANK_LENDING = AnalysisDimension("persona", "Head of Lending", ("loan origination at the bank", "underwriting"))


def _weights_with(**persona) -> FittedWeights:
    weights = load_weights(ANALYZER_VERSION)
    return dataclasses.replace(weights, persona={**weights.persona, **persona})


def test_market_terms_recur_across_the_personas_texts_and_are_rare_off_topic() -> None:
    weights = dataclasses.replace(
        load_weights(ANALYZER_VERSION), background_share={"bank": 0.0, "cloud": 0.47, "skill": 0.07}
    )
    # Six texts: a stem must be in max(2, ceil(0.07 × 6)) = 2 of them. "bank" is in three; "cloud" in one;
    # "mainframe", "loan", "underwriting" in one each.
    assert _market_terms((CIO, BANK_LENDING, AWARENESS), weights) == frozenset({"bank"})
    # Common on off-topic pages: not a market term, however often the personas say it.
    cloudy = AnalysisDimension("persona", "Cloud lead", ("cloud costs at the bank", "cloud skills", "cloud at the bank"))
    assert _market_terms((cloudy,), weights) == frozenset({"bank"})  # cloud: in 3 texts, but on 47 % off-topic
    # A persona's goals and pain points are texts of its market like the rest: nine texts, so still 2 of
    # them; "mainframe" is in one of the CIO's terms and in two of the lead's outcome terms.
    mainframe_lead = AnalysisDimension(
        "persona", "Mainframe lead", ("ledger",), ("retire the mainframe", "mainframe costs")
    )
    assert _market_terms((CIO, BANK_LENDING, mainframe_lead), weights) == frozenset({"bank", "mainframe"})


def test_the_market_reading_scales_with_market_evidence_by_length() -> None:
    weights = _weights_with(market_floor=0.3, market_scale=1.0)
    stems = ["bank", "loan"] + ["word"] * 48  # 50 content words: scaled as 100, so the evidence is 2 hits
    assert _market_reading(stems, 0, frozenset({"bank", "loan"}), weights) == pytest.approx(
        0.3 + 0.7 * (1 - math.exp(-2.0))
    )
    assert _market_reading(["word"] * 400, 0, frozenset({"bank"}), weights) == pytest.approx(0.3)
    # 400 words with 4 hits read as 2 hits per 100 words: 4 / sqrt(4).
    assert _market_reading(["bank"] * 4 + ["word"] * 396, 0, frozenset({"bank"}), weights) == pytest.approx(
        0.3 + 0.7 * (1 - math.exp(-2.0))
    )
    assert _market_reading(["word"] * 10, 0, frozenset(), weights) == 1.0  # no market terms: no reading


def test_a_page_sharing_a_personas_vocabulary_but_not_its_market_keeps_the_floor_of_its_score() -> None:
    generic = (
        "Our platform team planned a cloud migration for the data warehouse.\n"
        "Mainframe skills are scarce, so we moved batch jobs to managed services and cut costs.\n"
        "Technology risk reviews now run every quarter."
    )
    unscaled = LocalContentAnalyzer(_weights_with(market_floor=1.0))
    scaled = LocalContentAnalyzer(_weights_with(market_floor=0.3))
    plain = scores_by_name(unscaled.analyze(generic, None, [CIO, BANK_LENDING], {}))
    read = scores_by_name(scaled.analyze(generic, None, [CIO, BANK_LENDING], {}))
    assert plain["CIO of a regional bank"] > 2.0
    assert read["CIO of a regional bank"] == pytest.approx(0.3 * plain["CIO of a regional bank"], abs=0.002)
    # The same page at a bank: one market term ("bank's"; "banking" is in one persona text only) in under
    # 100 words keeps 0.3 + 0.7 × (1 - e^-1) ≈ 0.74 of the score.
    at_a_bank = generic.replace("the data warehouse", "the bank's core banking data warehouse")
    bank_plain = scores_by_name(unscaled.analyze(at_a_bank, None, [CIO, BANK_LENDING], {}))
    bank_read = scores_by_name(scaled.analyze(at_a_bank, None, [CIO, BANK_LENDING], {}))
    assert bank_read["CIO of a regional bank"] == pytest.approx(
        (0.3 + 0.7 * (1 - math.exp(-1.0))) * bank_plain["CIO of a regional bank"], abs=0.002
    )


def test_where_the_site_files_the_page_counts_twice_its_title_for_personas_only(analyzer) -> None:
    text = "Statements arrive every morning and are categorised for the review team."
    filed = PageMetadata(url="https://docs.vendor.example/loan-origination/features/statements")
    unfiled = PageMetadata(url="https://docs.vendor.example/features/statements")
    in_lending = scores_by_name(analyzer.analyze(text, None, [LENDING, PAYMENTS, AWARENESS], {}, metadata=filed))
    elsewhere = scores_by_name(analyzer.analyze(text, None, [LENDING, PAYMENTS, AWARENESS], {}, metadata=unfiled))
    assert elsewhere["Head of Lending"] == 0.0
    assert in_lending["Head of Lending"] > 1.0 and in_lending["Head of Payments"] == 0.0
    # The path's terms earn twice the title's bonus (the site's filing, where a title may be a slogan), and
    # count for the market reading like the title's words: at the title's bonus, the same words in the title
    # score the same.
    titled = scores_by_name(analyzer.analyze(text, "Loan origination", [LENDING, PAYMENTS], {}, metadata=unfiled))
    assert analyzer.weights.persona["url_path_weight"] == 2 * TITLE_HIT_WEIGHT
    assert in_lending["Head of Lending"] > titled["Head of Lending"] > 1.0
    like_a_title = LocalContentAnalyzer(dataclasses.replace(
        analyzer.weights, persona={**analyzer.weights.persona, "url_path_weight": TITLE_HIT_WEIGHT}))
    assert scores_by_name(like_a_title.analyze(text, None, [LENDING, PAYMENTS], {}, metadata=filed)) == titled
    # A JTBD phase is the fitted model's: a path saying "challenge" does not move it.
    challenge = PageMetadata(url="https://docs.vendor.example/challenge/features/statements")
    awareness = scores_by_name(analyzer.analyze(text, None, [LENDING, AWARENESS], {}, metadata=challenge))
    plain = scores_by_name(analyzer.analyze(text, None, [LENDING, AWARENESS], {}, metadata=unfiled))
    assert awareness["Problem awareness"] == plain["Problem awareness"]


# --- what a persona works on, and what it wants: keywords and description against goals and pain points ---


def test_a_personas_goals_and_pain_points_count_less_than_its_keywords_and_description() -> None:
    underwriter = AnalysisDimension("persona", "Head of Underwriting", ("underwriting",), ("manual reviews",))
    # No off-topic background (every term fully specific), no market reading and one persona (no
    # competition): a page's evidence is the sum of its terms' weights, its score 10 × (1 - e^(-evidence / 3)).
    weights = dataclasses.replace(_weights_with(outcome_term_weight=0.3, market_floor=1.0), background_share={})

    def score(text: str, with_weights: FittedWeights = weights, persona: AnalysisDimension = underwriter) -> float:
        return scores_by_name(LocalContentAnalyzer(with_weights).analyze(text, None, [persona], {}))[persona.name]

    assert score("Underwriting is the heart of the process.") == pytest.approx(10 * (1 - math.exp(-1 / 3)), abs=5e-4)
    # An outcome word counts 0.3; the outcome's word pair 2 × 0.3, besides its two words.
    assert score("Manual work is the heart of the process.") == pytest.approx(10 * (1 - math.exp(-0.3 / 3)), abs=5e-4)
    assert score("Manual reviews are the heart of the process.") == pytest.approx(
        10 * (1 - math.exp(-1.2 / 3)), abs=5e-4)
    # At weight 1 an outcome term counts like a keyword.
    as_keywords = dataclasses.replace(weights, persona={**weights.persona, "outcome_term_weight": 1.0})
    assert score("Manual work is the heart of the process.", as_keywords) == score(
        "Underwriting is the heart of the process.")
    # A word among both the keywords and the outcomes counts as a keyword.
    both = AnalysisDimension("persona", "Head of Underwriting", ("manual underwriting",), ("manual reviews",))
    assert score("Manual work is the heart of the process.", persona=both) == pytest.approx(
        10 * (1 - math.exp(-1 / 3)), abs=5e-4)


def test_a_dimension_with_outcome_terms_only_is_not_described_by_its_name(analyzer) -> None:
    wants = AnalysisDimension("persona", "Head of Payments", (), ("instant settlement",))
    scores = scores_by_name(analyzer.analyze("The head of payments signed off.", None, [wants], {}))
    assert scores["Head of Payments"] == 0.0  # its name's words are no evidence once it says what it wants
