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
                 _VENDOR_DESC), 25),
        (Section("products", "/products/{slug}", "base",
                 ("{company} {Topic}", "{Topic} Platform Overview | {company}"), _VENDOR_DESC), 10),
        (Section("blog", "/blog/{slug}", "blog",
                 ("What Is {Topic}? A Practical Guide for Banks", "{n} {Topic} Trends to Watch in {year}",
                  "How to Choose {Topic}: A Checklist", "{Topic}: Best Practices from the Field",
                  "Why {Topic} Matters for Your {Category} Strategy"),
                 ("A practical look at {topic}: what it is, why it matters and how banks get started.",
                  "We share lessons from dozens of {topic} projects and what separates fast movers from the rest.",
                  "Everything {category} leaders should know about {topic} in {year}."),
                 dated=True), 25),
        (Section("resources", "/resources/{slug}", "base",
                 ("Guide: Getting Started with {Topic}", "{Topic} Resource Hub | {company}"),
                 ("Guides, templates and webinars to help your team plan and deliver {topic}.",)), 10),
        (Section("case_study", "/customers/{slug}", "base",
                 ("How {bank} Modernised {Topic} with {company}",),
                 ("{bank} replaced legacy tooling with {company} and transformed its {topic}.",)), 8),
        (Section("docs", "/guides/{slug}", "docs",
                 ("{Topic} Integration Guide | {company} Docs",),
                 ("Step-by-step integration guide for {topic} with the {company} APIs.",)), 7),
        (Section("whitepaper", "/whitepapers/{slug}.pdf", "base",
                 ("{Topic}: The {year} Buyer's Guide", "The State of {Topic} {year}"),
                 ("Download the {company} whitepaper on {topic}: market trends, requirements and a vendor checklist.",),
                 pdf=True), 7),
        (Section("press", "/press/{slug}", "news",
                 ("{company} Announces New {Topic} Capabilities", "{bank} Selects {company} for {Topic}"),
                 ("{company} today announced new capabilities for {topic}, giving banks faster time to value.",),
                 news=True, dated=True), 8),
    ),
    "publisher": (
        (Section("article", "/{yyyy}/{mm}/{slug}", "news",
                 ("Banks Step Up Investment in {Topic}, Survey Finds", "Why {Topic} Is Back on the Agenda",
                  "{bank} Picks New Partner for {Topic}", "Regulators Sharpen Focus on {Topic}",
                  "{mention} Expands {Topic} Offering"),
                 ("Banks are stepping up spending on {topic} as pressure on margins and legacy systems grows.",
                  "Executives say {topic} is now a top-three priority, according to our latest reader survey.",
                  "{mention} and rivals are racing to win {topic} deals with mid-size banks."),
                 news=True, dated=True), 70),
        (Section("analysis", "/analysis/{slug}", "base",
                 ("Analysis: What {Topic} Means for Mid-Size Banks", "Opinion: The Hidden Costs of {Topic}"),
                 ("Our analysis of {topic}: costs, risks and what buyers should ask vendors.",),
                 news=True, dated=True), 20),
        (Section("report", "/research/{slug}.pdf", "base",
                 ("{Topic} Market Report {year}",),
                 ("Research report on {topic}: adoption, budgets and vendor landscape.",), pdf=True), 5),
        (Section("event", "/events/{slug}", "base",
                 ("Webinar: {Topic} in Practice",),
                 ("Join bankers and analysts to discuss {topic} in practice.",), dated=True), 5),
    ),
    "professional_body": (
        (Section("insights", "/insights/{slug}", "base",
                 ("{Topic}: Guidance for Members", "Member Briefing: {Topic}"),
                 ("Member guidance on {topic}: risks, controls and good practice.",)), 40),
        (Section("standards", "/standards/{slug}", "base",
                 ("Practice Standard: {Topic}",),
                 ("The practice standard for {topic}, agreed by members.",)), 20),
        (Section("event", "/events/{slug}", "base",
                 ("Webinar: {Topic} in Practice", "Annual Conference Session: {Topic}"),
                 ("Practitioners share how they approach {topic}.",), dated=True), 15),
        (Section("report", "/reports/{slug}.pdf", "base",
                 ("{Topic}: Industry Survey {year}",),
                 ("Survey of members on {topic}: priorities and challenges.",), pdf=True), 15),
        (Section("press", "/news/{slug}", "base",
                 ("New Guidance Published on {Topic}",),
                 ("We have published new guidance for members on {topic}.",), news=True, dated=True), 10),
    ),
    "education": (
        (Section("research", "/research/{slug}", "base",
                 ("Research Brief: {Topic} in Retail Banking",),
                 ("Faculty research on {topic} and its effect on bank performance.",), dated=True), 40),
        (Section("course", "/courses/{slug}", "base",
                 ("Certificate in {Topic}", "Executive Course: {Topic}"),
                 ("A practical course on {topic} for banking professionals.",)), 30),
        (Section("paper", "/papers/{slug}.pdf", "base",
                 ("Working Paper: {Topic} and Bank Performance",),
                 ("Working paper examining {topic} across {n} institutions.",), pdf=True), 30),
    ),
    "government": (
        (Section("guidance", "/guidance/{slug}", "base",
                 ("Supervisory Guidance on {Topic}",),
                 ("Supervisory expectations for {topic} at regulated institutions.",)), 40),
        (Section("consultation", "/consultations/{slug}", "base",
                 ("Consultation: Proposed Expectations for {Topic}",),
                 ("We are consulting on proposed expectations for {topic}.",), dated=True), 20),
        (Section("publication", "/publications/{slug}.pdf", "base",
                 ("{Topic}: Supervisory Statement",),
                 ("Supervisory statement on {topic}.",), pdf=True), 25),
        (Section("press", "/news/{slug}", "base",
                 ("Regulator Publishes Findings on {Topic}",),
                 ("The authority today published its findings on {topic}.",), news=True, dated=True), 15),
    ),
    "non_profit": (
        (Section("resources", "/resources/{slug}", "base",
                 ("{Topic} and Financial Inclusion", "A Consumer's Guide to {Topic}"),
                 ("How {topic} can widen access to fair financial services.",)), 50),
        (Section("report", "/reports/{slug}.pdf", "base",
                 ("{Topic}: Impact Report {year}",),
                 ("Our report on {topic} and its impact on underserved communities.",), pdf=True), 30),
        (Section("blog", "/blog/{slug}", "base",
                 ("What {Topic} Means for Consumers",),
                 ("Our take on {topic} and consumers.",), dated=True), 20),
    ),
    "social_media": (
        (Section("post", "/t/{slug}/{num}", "base",
                 ("Anyone using {topic}? Looking for recommendations", "{Topic}: lessons learned from our rollout",
                  "Thoughts on {topic} vendors?"),
                 ("Community discussion about {topic}: experiences, vendors and pitfalls.",), dated=True), 100),
    ),
    "other": (
        (Section("insights", "/insights/{slug}", "base",
                 ("{Topic} Market Outlook {year}", "Insights: Getting {Topic} Right"),
                 ("Our advisors' view on {topic}: market outlook, sourcing strategy and pitfalls.",)), 45),
        (Section("report", "/reports/{slug}.pdf", "base",
                 ("{Topic} Vendor Landscape {year}",),
                 ("Vendor landscape for {topic}, with evaluation criteria.",), pdf=True), 20),
        (Section("compare", "/compare/{slug}", "base",
                 ("Best {Topic} Vendors Compared ({year})", "{Topic} Reviews and Ratings"),
                 ("Compare {topic} vendors side by side: features, pricing and verified reviews.",)), 35),
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
