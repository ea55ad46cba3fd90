"""Page sections and sentence templates of the simulated market's generated content.

Placeholders: ``{topic}`` (the keyword as written), ``{Topic}`` (title-cased), ``{company}``, ``{category}``,
``{bank}``, ``{year}``, ``{n}``, ``{mention}`` (another vendor's name), ``{persona}``, ``{term}``,
``{goal}``, ``{pain}``.
"""

from __future__ import annotations

from typing import NamedTuple


class Section(NamedTuple):
    name: str
    path: str  # "{slug}", "{yyyy}", "{mm}", "{num}" placeholders; relative to the host
    host: str  # "base" | "blog" | "docs" | "news"
    titles: tuple[str, ...]
    descriptions: tuple[str, ...]
    pdf: bool = False
    news: bool = False  # eligible for news SERPs
    dated: bool = False
    #: What a reader would call the page (one of :data:`FORMS`), ``None`` for kinds outside them (events).
    form: str | None = None
    #: The buying stages (of :data:`STAGES`) its pages are written for, when the title does not say.
    stages: tuple[str, ...] = ("exploration",)


_VENDOR_DESC = (
    "{company} {topic} helps banks and credit unions modernise {category} operations with open APIs and "
    "real-time insight.",
    "Discover how {company} delivers {topic} that cuts manual work, reduces risk and speeds up time to market.",
    "Configurable {topic} from {company}: faster launches, lower cost to serve and full regulatory control.",
)

SECTIONS: dict[str, tuple[tuple[Section, int], ...]] = {
    "vendor": (
        (Section("solutions", "/solutions/{slug}", "base",
                 ("{Topic} | {company}", "{Topic} for Banks and Credit Unions | {company}",
                  "{Topic} Solutions | {company}"),
                 _VENDOR_DESC,
                 form="product", stages=("exploration", "requirements", "selection")), 25),
        (Section("products", "/products/{slug}", "base",
                 ("{company} {Topic}", "{Topic} Platform Overview | {company}"), _VENDOR_DESC,
                 form="product", stages=("requirements", "selection")), 10),
        (Section("blog", "/blog/{slug}", "blog",
                 ("What Is {Topic}? A Practical Guide for Banks", "{n} {Topic} Trends to Watch in {year}",
                  "How to Choose {Topic}: A Checklist", "{Topic}: Best Practices from the Field",
                  "Why {Topic} Matters for Your {Category} Strategy"),
                 ("A practical look at {topic}: what it is, why it matters and how banks get started.",
                  "We share lessons from dozens of {topic} projects and what separates fast movers from the rest.",
                  "Everything {category} leaders should know about {topic} in {year}."),
                 dated=True,
                 form="article", stages=("problem", "exploration")), 25),
        (Section("resources", "/resources/{slug}", "base",
                 ("Guide: Getting Started with {Topic}", "{Topic} Resource Hub | {company}"),
                 ("Guides, templates and webinars to help your team plan and deliver {topic}.",),
                 form="whitepaper", stages=("exploration", "requirements")), 10),
        (Section("case_study", "/customers/{slug}", "base",
                 ("How {bank} Modernised {Topic} with {company}",),
                 ("{bank} replaced legacy tooling with {company} and transformed its {topic}.",),
                 form="case_study", stages=("validation",)), 8),
        (Section("docs", "/guides/{slug}", "docs",
                 ("{Topic} Integration Guide | {company} Docs",),
                 ("Step-by-step integration guide for {topic} with the {company} APIs.",),
                 form="product", stages=("requirements",)), 7),
        (Section("whitepaper", "/whitepapers/{slug}.pdf", "base",
                 ("{Topic}: The {year} Buyer's Guide", "The State of {Topic} {year}"),
                 ("Download the {company} whitepaper on {topic}: market trends, requirements and a vendor checklist.",),
                 pdf=True,
                 form="whitepaper", stages=("requirements",)), 7),
        (Section("press", "/press/{slug}", "news",
                 ("{company} Announces New {Topic} Capabilities", "{bank} Selects {company} for {Topic}"),
                 ("{company} today announced new capabilities for {topic}, giving banks faster time to value.",),
                 news=True, dated=True,
                 form="article", stages=("exploration",)), 8),
    ),
    "publisher": (
        (Section("article", "/{yyyy}/{mm}/{slug}", "news",
                 ("Banks Step Up Investment in {Topic}, Survey Finds", "Why {Topic} Is Back on the Agenda",
                  "{bank} Picks New Partner for {Topic}", "Regulators Sharpen Focus on {Topic}",
                  "{mention} Expands {Topic} Offering"),
                 ("Banks are stepping up spending on {topic} as pressure on margins and legacy systems grows.",
                  "Executives say {topic} is now a top-three priority, according to our latest reader survey.",
                  "{mention} and rivals are racing to win {topic} deals with mid-size banks."),
                 news=True, dated=True,
                 form="article", stages=("problem",)), 70),
        (Section("analysis", "/analysis/{slug}", "base",
                 ("Analysis: What {Topic} Means for Mid-Size Banks", "Opinion: The Hidden Costs of {Topic}"),
                 ("Our analysis of {topic}: costs, risks and what buyers should ask vendors.",),
                 news=True, dated=True,
                 form="article", stages=("problem", "requirements")), 20),
        (Section("report", "/research/{slug}.pdf", "base",
                 ("{Topic} Market Report {year}",),
                 ("Research report on {topic}: adoption, budgets and vendor landscape.",), pdf=True,
                 form="whitepaper", stages=("problem", "selection")), 5),
        (Section("event", "/events/{slug}", "base",
                 ("Webinar: {Topic} in Practice",),
                 ("Join bankers and analysts to discuss {topic} in practice.",), dated=True,
                 form=None, stages=("exploration",)), 5),
    ),
    "professional_body": (
        (Section("insights", "/insights/{slug}", "base",
                 ("{Topic}: Guidance for Members", "Member Briefing: {Topic}"),
                 ("Member guidance on {topic}: risks, controls and good practice.",),
                 form="article", stages=("problem", "exploration")), 40),
        (Section("standards", "/standards/{slug}", "base",
                 ("Practice Standard: {Topic}",),
                 ("The practice standard for {topic}, agreed by members.",),
                 form="whitepaper", stages=("requirements",)), 20),
        (Section("event", "/events/{slug}", "base",
                 ("Webinar: {Topic} in Practice", "Annual Conference Session: {Topic}"),
                 ("Practitioners share how they approach {topic}.",), dated=True,
                 form=None, stages=("exploration",)), 15),
        (Section("report", "/reports/{slug}.pdf", "base",
                 ("{Topic}: Industry Survey {year}",),
                 ("Survey of members on {topic}: priorities and challenges.",), pdf=True,
                 form="whitepaper", stages=("problem",)), 15),
        (Section("press", "/news/{slug}", "base",
                 ("New Guidance Published on {Topic}",),
                 ("We have published new guidance for members on {topic}.",), news=True, dated=True,
                 form="article", stages=("problem",)), 10),
    ),
    "education": (
        (Section("research", "/research/{slug}", "base",
                 ("Research Brief: {Topic} in Retail Banking",),
                 ("Faculty research on {topic} and its effect on bank performance.",), dated=True,
                 form="whitepaper", stages=("problem", "exploration")), 40),
        (Section("course", "/courses/{slug}", "base",
                 ("Certificate in {Topic}", "Executive Course: {Topic}"),
                 ("A practical course on {topic} for banking professionals.",),
                 form="product", stages=("exploration",)), 30),
        (Section("paper", "/papers/{slug}.pdf", "base",
                 ("Working Paper: {Topic} and Bank Performance",),
                 ("Working paper examining {topic} across {n} institutions.",), pdf=True,
                 form="whitepaper", stages=("problem",)), 30),
    ),
    "government": (
        (Section("guidance", "/guidance/{slug}", "base",
                 ("Supervisory Guidance on {Topic}",),
                 ("Supervisory expectations for {topic} at regulated institutions.",),
                 form="whitepaper", stages=("requirements",)), 40),
        (Section("consultation", "/consultations/{slug}", "base",
                 ("Consultation: Proposed Expectations for {Topic}",),
                 ("We are consulting on proposed expectations for {topic}.",), dated=True,
                 form="whitepaper", stages=("problem", "requirements")), 20),
        (Section("publication", "/publications/{slug}.pdf", "base",
                 ("{Topic}: Supervisory Statement",),
                 ("Supervisory statement on {topic}.",), pdf=True,
                 form="whitepaper", stages=("requirements",)), 25),
        (Section("press", "/news/{slug}", "base",
                 ("Regulator Publishes Findings on {Topic}",),
                 ("The authority today published its findings on {topic}.",), news=True, dated=True,
                 form="article", stages=("problem",)), 15),
    ),
    "non_profit": (
        (Section("resources", "/resources/{slug}", "base",
                 ("{Topic} and Financial Inclusion", "A Consumer's Guide to {Topic}"),
                 ("How {topic} can widen access to fair financial services.",),
                 form="article", stages=("problem", "exploration")), 50),
        (Section("report", "/reports/{slug}.pdf", "base",
                 ("{Topic}: Impact Report {year}",),
                 ("Our report on {topic} and its impact on underserved communities.",), pdf=True,
                 form="whitepaper", stages=("problem",)), 30),
        (Section("blog", "/blog/{slug}", "base",
                 ("What {Topic} Means for Consumers",),
                 ("Our take on {topic} and consumers.",), dated=True,
                 form="article", stages=("problem", "exploration")), 20),
    ),
    "social_media": (
        (Section("post", "/t/{slug}/{num}", "base",
                 ("Anyone using {topic}? Looking for recommendations", "{Topic}: lessons learned from our rollout",
                  "Thoughts on {topic} vendors?"),
                 ("Community discussion about {topic}: experiences, vendors and pitfalls.",), dated=True,
                 form="article", stages=("selection", "exploration", "validation")), 100),
    ),
    "other": (
        (Section("insights", "/insights/{slug}", "base",
                 ("{Topic} Market Outlook {year}", "Insights: Getting {Topic} Right"),
                 ("Our advisors' view on {topic}: market outlook, sourcing strategy and pitfalls.",),
                 form="article", stages=("problem", "exploration")), 45),
        (Section("report", "/reports/{slug}.pdf", "base",
                 ("{Topic} Vendor Landscape {year}",),
                 ("Vendor landscape for {topic}, with evaluation criteria.",), pdf=True,
                 form="whitepaper", stages=("selection",)), 20),
        (Section("compare", "/compare/{slug}", "base",
                 ("Best {Topic} Vendors Compared ({year})", "{Topic} Reviews and Ratings"),
                 ("Compare {topic} vendors side by side: features, pricing and verified reviews.",),
                 form="article", stages=("selection",)), 35),
    ),
}
SECTIONS["client"] = SECTIONS["vendor"]
SECTIONS["competitor"] = SECTIONS["vendor"]

#: Path patterns of the social platforms (their posts do not live under /t/).
SOCIAL_PATHS: dict[str, str] = {
    "chatterly.example": "/posts/{num}",
    "prolink-network.example": "/pulse/{slug}-{num}",
    "threadboard.example": "/t/{slug}/{num}",
    "video.example": "/blog/{slug}",
}

BLOG_SLUGS: tuple[str, ...] = ("{s}", "what-is-{s}", "{s}-trends", "{s}-best-practices", "how-to-choose-{s}")

GENERIC_SENTENCES: tuple[str, ...] = (
    "{Topic} has moved from a back-office concern to a strategic priority for banks and credit unions.",
    "Institutions that modernise {topic} typically start by mapping their current processes and data flows.",
    "A modern approach to {topic} reduces manual effort, shortens cycle times and improves auditability.",
    "Many {category} teams report that {topic} projects stall when data is spread across disconnected systems.",
    "Analysts expect investment in {topic} to grow steadily as institutions replace ageing core systems.",
    "Security, resilience and data residency remain non-negotiable requirements in every {topic} evaluation.",
    "Early adopters of {topic} cite better customer experience and measurable gains in operational efficiency.",
    "Implementation usually proceeds in phases, starting with a pilot and expanding once the business case is proven.",
    "Cloud deployment, open APIs and configurable workflows are now expected features of {topic}.",
    "Regulators increasingly expect clear audit trails, explainable decisions and robust operational resilience.",
    "Choosing a partner for {topic} depends on integration effort, customer references and the product roadmap.",
    "{bank} cut processing times by a third after moving its {topic} to a cloud platform.",
    "Budgets for {topic} are increasingly shared between technology, operations and the business lines.",
    "A clear data model and well-documented APIs make {topic} far easier to extend over time.",
)

COMPANY_SENTENCES: tuple[str, ...] = (
    "{company} helps banks approach {topic} with configurable workflows, open APIs and real-time reporting.",
    "With {company}, institutions launch new products faster while keeping full control of risk and compliance.",
    "{company} customers use the platform to consolidate legacy systems and simplify {category} operations.",
    "{company} offers {topic} as a managed cloud service with predictable subscription pricing.",
)

PERSONA_SENTENCES: tuple[str, ...] = (
    "For the {persona}, the key question is how {topic} supports {term} without adding operational risk.",
    "Teams responsible for {term} are under pressure to {goal} while budgets stay flat.",
    "A common pain point is {pain}, which slows down every {topic} initiative.",
    "Leaders who want to {goal} increasingly treat {term} as part of their {topic} strategy.",
    "Better {term} gives the {persona} the visibility needed to {goal}.",
    "The {persona} typically owns the business case and asks how {topic} will improve {term}.",
)

MENTION_SENTENCES: tuple[str, ...] = (
    "Compared with {mention}, this approach emphasises faster implementation and lower total cost of ownership.",
    "{mention} is frequently shortlisted alongside other vendors in {topic} evaluations.",
    "Industry observers note that {mention} has expanded its {topic} capabilities over the past year.",
)

THIN_BODIES: tuple[str, ...] = (
    "Please enable JavaScript to view this page.",
    "Loading...",
    "Subscribe to continue reading.",
)

NAV_LINKS: dict[str, tuple[str, ...]] = {
    "vendor": ("Products", "Solutions", "Customers", "Resources", "Company", "Contact sales"),
    "publisher": ("News", "Analysis", "Research", "Events", "Newsletters", "Subscribe"),
    "professional_body": ("About", "Membership", "Standards", "Events", "Training", "Join"),
    "education": ("Study", "Research", "Executive Education", "About", "Apply"),
    "government": ("Guidance", "Consultations", "Publications", "News", "About us"),
    "non_profit": ("Our work", "Resources", "Reports", "Donate", "About"),
    "social_media": ("Home", "Explore", "Topics", "Sign in", "Join now"),
    "other": ("Insights", "Research", "Compare", "About", "Contact"),
}
NAV_LINKS["client"] = NAV_LINKS["vendor"]
NAV_LINKS["competitor"] = NAV_LINKS["vendor"]

VIDEO_TITLES: dict[str, tuple[str, ...]] = {
    "company": (
        "{Topic} Demo | {channel}",
        "Webinar: {Topic} in {year}",
        "How {bank} Transformed {Topic}",
        "{Topic} Explained in 5 Minutes",
        "Customer Story: {Topic} at {bank}",
    ),
    "publisher": (
        "{Topic}: What Banks Need to Know",
        "Panel: The Future of {Topic}",
        "Interview: {mention} on {Topic}",
    ),
    "creator": (
        "{Topic} Explained (Beginner's Guide)",
        "Top 5 {Topic} Vendors Compared",
        "Is {Topic} Worth It? Honest Review",
        "{Topic} in 10 Minutes",
    ),
}

# --------------------------------------------------------------------------------------------------------
# what a page is written as (its form) and for which buying stage
# --------------------------------------------------------------------------------------------------------

#: The page forms of the simulated web; the sample world labels each page with the project's page type
#: of its form (see ``market.FORM_NAME_HINTS``).
FORMS: tuple[str, ...] = ("product", "article", "case_study", "whitepaper")
#: The buying stages a page can be written for, in buying order.
STAGES: tuple[str, ...] = ("problem", "exploration", "requirements", "selection", "validation")

#: Titles that say which stage their page serves; other titles take a stage of their section.
TITLE_STAGES: dict[str, str] = {
    "What Is {Topic}? A Practical Guide for Banks": "problem",
    "{n} {Topic} Trends to Watch in {year}": "problem",
    "How to Choose {Topic}: A Checklist": "requirements",
    "{Topic}: Best Practices from the Field": "exploration",
    "Why {Topic} Matters for Your {Category} Strategy": "problem",
    "Guide: Getting Started with {Topic}": "exploration",
    "{Topic}: The {year} Buyer's Guide": "requirements",
    "The State of {Topic} {year}": "problem",
    "{company} Announces New {Topic} Capabilities": "exploration",
    "{bank} Selects {company} for {Topic}": "validation",
    "Banks Step Up Investment in {Topic}, Survey Finds": "problem",
    "Why {Topic} Is Back on the Agenda": "problem",
    "{bank} Picks New Partner for {Topic}": "selection",
    "Regulators Sharpen Focus on {Topic}": "problem",
    "{mention} Expands {Topic} Offering": "exploration",
    "Analysis: What {Topic} Means for Mid-Size Banks": "problem",
    "Opinion: The Hidden Costs of {Topic}": "requirements",
    "{Topic} and Financial Inclusion": "problem",
    "A Consumer's Guide to {Topic}": "exploration",
    "Anyone using {topic}? Looking for recommendations": "selection",
    "{Topic}: lessons learned from our rollout": "validation",
    "Thoughts on {topic} vendors?": "selection",
    "{Topic} Market Outlook {year}": "problem",
    "Insights: Getting {Topic} Right": "exploration",
    "Best {Topic} Vendors Compared ({year})": "selection",
    "{Topic} Reviews and Ratings": "selection",
    "{Topic} Vendor Landscape {year}": "selection",
}

#: Sentences of a page written for each buying stage.
STAGE_SENTENCES: dict[str, tuple[str, ...]] = {
    "problem": (
        "Legacy {topic} is costing institutions more every year in manual work, errors and missed revenue.",
        "The warning signs are familiar: month-end backlogs, spreadsheets nobody trusts and audit findings.",
        "Left alone, these weaknesses turn into regulatory findings and customers who quietly move elsewhere.",
        "Most of the trouble traces back to systems designed decades ago for overnight batch processing.",
        "Boards are now asking what the old way of running {topic} really costs and how exposed the bank is.",
        "Surveys show that fewer than a third of institutions are satisfied with how they handle {topic} today.",
        "The gap between customer expectations and what ageing processes can deliver keeps widening.",
    ),
    "exploration": (
        "There are broadly three ways to approach {topic}: extend what you have, add a specialist layer, or replace.",
        "Peers that moved early usually started small, proved the approach on one product line and then scaled.",
        "Each option trades speed of delivery against the depth of change it asks of the organisation.",
        "Some institutions build in-house; many now prefer a configurable platform they can adapt over time.",
        "It pays to see how similar banks have tackled {topic} before settling on a direction.",
        "A phased route lets teams learn quickly while keeping the existing estate running safely.",
        "The benefits differ by approach, so it helps to be clear about which outcomes matter most.",
    ),
    "requirements": (
        "Before talking to any supplier, write down the capabilities {topic} must have on day one.",
        "A good requirements document separates must-haves from nice-to-haves and states how each will be tested.",
        "List every system the solution must integrate with, and the data it needs to exchange with each.",
        "Non-functional requirements matter as much as features: availability, data residency and audit trails.",
        "The business case should quantify today's cost and the savings expected in the first three years.",
        "Agree the budget envelope and the approval path early, so the RFP does not stall later.",
        "Use a checklist so that every stakeholder signs off the same scope before the RFP goes out.",
    ),
    "selection": (
        "When comparing suppliers of {topic}, score each one against the same weighted criteria.",
        "Ask every vendor for transparent pricing: licence, implementation and running costs over five years.",
        "Shortlist no more than three suppliers and invite each to a scripted demonstration.",
        "Independent reviews and peer ratings reveal how vendors behave after the contract is signed.",
        "Look at the alternatives side by side: functional fit, delivery capacity and financial strength.",
        "Reference calls with banks of a similar size are the fastest way to separate strong vendors from weak ones.",
        "The cheapest bid rarely wins once total cost of ownership and delivery risk are priced in.",
    ),
    "validation": (
        "After go-live, the bank measured the results against the business case it had approved.",
        "The implementation finished on schedule, and the return on investment arrived within the first year.",
        "References confirm what the project delivered: faster processing, fewer errors and happier staff.",
        "The proof came in the numbers: processing time fell by more than a third within six months.",
        "An independent review confirmed that the new platform met every agreed service level.",
        "Customers noticed the difference within weeks, and complaint volumes fell steadily.",
        "The team now uses the results to plan the next phase of the rollout with confidence.",
    ),
}

#: Section headings of articles and long-form documents written for each stage.
STAGE_HEADINGS: dict[str, tuple[str, ...]] = {
    "problem": ("Why this matters now", "The cost of standing still", "What is going wrong"),
    "exploration": ("The options on the table", "How other banks approached it", "Choosing a direction"),
    "requirements": ("What to require", "Building the business case", "A requirements checklist"),
    "selection": ("How to compare vendors", "Questions for every supplier", "Making the shortlist"),
    "validation": ("What the numbers show", "Lessons from go-live", "The results so far"),
}

ARTICLE_AUTHORS: tuple[tuple[str, str], ...] = (
    ("Mara Lindqvist", "Senior Editor"),
    ("Tobias Renner", "Principal Analyst"),
    ("Priya Halvorsen", "Head of Research"),
    ("Jonah Okafor", "Contributing Writer"),
    ("Elena Brandt", "Industry Correspondent"),
    ("Samir Castellano", "Banking Technology Reporter"),
)

#: The voice of editorial writing: first person, opinion, a conversation with the reader.
EDITORIAL_SENTENCES: tuple[str, ...] = (
    "In our view, the institutions that get {topic} right will be the ones that start with the customer.",
    "I spoke to several practitioners for this piece, and the same theme came up again and again.",
    "We think the next twelve months will decide who leads and who follows.",
    "As one reader put it to us last month, nobody wants to be the last bank running the old playbook.",
    "Here is what we learned, and what we would do differently next time.",
)

PRODUCT_HEADINGS: tuple[str, ...] = ("Key capabilities", "What you get", "Platform features")
PRODUCT_CAPABILITIES: tuple[str, ...] = (
    "Configurable {topic} workflows with no-code rules",
    "Open REST APIs and prebuilt connectors for core and CRM systems",
    "Real-time dashboards and regulatory reporting out of the box",
    "Role-based access, full audit trail and four-eyes approvals",
    "Cloud-native deployment with 99.95% availability",
    "Straightforward migration tooling for your existing data",
    "Sandbox environment for testing new products before launch",
    "Modular licensing: start with one module and add more as you grow",
)
PRODUCT_CALLS_TO_ACTION: tuple[str, ...] = (
    "Request a demo", "Talk to our sales team", "See pricing and plans", "Start your free trial", "Book a consultation",
)

CASE_STUDY_FACTS: tuple[str, ...] = ("Customer: {bank}", "Region: {region}", "Solution: {company} {Topic}",
                                     "Time to go-live: {months} months")
CASE_STUDY_CHALLENGES: tuple[str, ...] = (
    "{bank} was running {topic} on a patchwork of legacy tools and manual spreadsheets.",
    "Every change took months, and the operations team spent its days fixing exceptions by hand.",
    "Customers waited too long, and the bank was losing business to faster competitors.",
)
CASE_STUDY_SOLUTIONS: tuple[str, ...] = (
    "{bank} chose {company} after a competitive tender and went live in {months} months.",
    "The project team migrated the existing data in stages, running old and new side by side for a month.",
    "{company} consultants worked alongside the bank's own staff, who now maintain the configuration themselves.",
)
CASE_STUDY_RESULTS: tuple[str, ...] = (
    "{pct}% faster processing from request to completion",
    "{pct}% fewer manual interventions",
    "Operating costs down {pct}% in the first year",
    "Customer satisfaction up {points} points",
    "Return on investment within {months} months",
)
CASE_STUDY_QUOTES: tuple[str, ...] = (
    "\u201cWe moved faster than we thought possible, and our customers noticed straight away.\u201d",
    "\u201cThe team at {company} understood our business from day one.\u201d",
    "\u201cFor the first time we have one view of {topic} across the whole bank.\u201d",
)
CUSTOMER_ROLES: tuple[str, ...] = ("Chief Operating Officer", "Head of Transformation", "Chief Digital Officer")
CUSTOMER_NAMES: tuple[str, ...] = ("Ruth Adebayo", "Lars Feldmann", "Chloe Marchetti", "Daniel Osei")

WHITEPAPER_SECTIONS: tuple[str, ...] = ("Executive summary", "Key findings", "Methodology", "Recommendations")
WHITEPAPER_FINDINGS: tuple[str, ...] = (
    "{pct}% of respondents plan to increase spending on {topic} next year",
    "{pct}% say legacy systems are their biggest obstacle",
    "Only {small}% have fully automated their {topic} processes",
    "{pct}% expect to replace at least one core system within five years",
)
WHITEPAPER_METHODS: tuple[str, ...] = (
    "This report draws on a survey of {n}0 banking executives and in-depth interviews with {n} practitioners.",
    "We analysed published data from {n}0 institutions and validated our findings with an expert panel.",
)
WHITEPAPER_CALLS_TO_ACTION: tuple[str, ...] = ("Download the full report (PDF)", "Get the complete guide")
