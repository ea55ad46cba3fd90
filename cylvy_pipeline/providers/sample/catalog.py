"""The fictional cast of the simulated market: companies, creators, banks and text templates.

Every name here is invented and every domain sits under the reserved ``.example`` top-level domain
(RFC 2606); none of them is, or is meant to resemble, a real organisation. UK organisations use
``<name>.co.uk.example`` (registrable domain ``<name>.co.uk.example`` under the ``co.uk.example`` suffix);
German-flavoured ones use plain ``<name>.example`` domains.
"""

from __future__ import annotations

from typing import NamedTuple


class CompanySeed(NamedTuple):
    name: str
    domain: str
    kind: str  # vendor | publisher | professional_body | education | government | non_profit | social_media | other
    hq_country: str  # ISO 3166-1 alpha-2 (GB for the United Kingdom)
    family: str | None  # payments | lending | core | None (covers everything)
    industry: str


#: Kind → ground-truth source type (client and competitors are OWNED / COMPETITOR).
KIND_SOURCE_TYPE: dict[str, str] = {
    "client": "OWNED",
    "competitor": "COMPETITOR",
    "vendor": "OTHER",
    "publisher": "PREMIUM_PUBLISHER",
    "professional_body": "PROFESSIONAL_BODY",
    "education": "EDUCATION",
    "government": "GOVERNMENT",
    "non_profit": "NON_PROFIT",
    "social_media": "SOCIAL_MEDIA",
    "other": "OTHER",
}

_SW = "Banking Software"
_MEDIA = "Financial Services Media"

COMPANIES: tuple[CompanySeed, ...] = (
    # -- software vendors ------------------------------------------------------------------------------
    CompanySeed("Northwind Ledger", "northwindledger.example", "vendor", "US", "core", _SW),
    CompanySeed("Crestpoint Banking Systems", "crestpoint-banking.example", "vendor", "US", "core", _SW),
    CompanySeed("Larkspur Lending Cloud", "larkspurlending.example", "vendor", "US", "lending", _SW),
    CompanySeed("Oakhaven Core", "oakhavencore.example", "vendor", "US", "core", _SW),
    CompanySeed("Bluefjord Payments", "bluefjord.example", "vendor", "US", "payments", _SW),
    CompanySeed("Tidewater Ledger Works", "tidewaterledger.example", "vendor", "US", "core", _SW),
    CompanySeed("Quillstone Credit Technologies", "quillstone.example", "vendor", "US", "lending", _SW),
    CompanySeed("Meridale Risk Analytics", "meridale.example", "vendor", "US", "lending", _SW),
    CompanySeed("Silverbirch Treasury", "silverbirch-treasury.example", "vendor", "US", "payments", _SW),
    CompanySeed("Ambergate Digital Banking", "ambergate.example", "vendor", "US", "core", _SW),
    CompanySeed("Pinecrest Compliance", "pinecrest-compliance.example", "vendor", "US", "core", _SW),
    CompanySeed("Copperfield Origination", "copperfield-origination.example", "vendor", "US", "lending", _SW),
    CompanySeed("Kestrel Payment Rails", "kestrelrails.example", "vendor", "US", "payments", _SW),
    CompanySeed("Wrenfield Loan Servicing", "wrenfield.example", "vendor", "US", "lending", _SW),
    CompanySeed("Glasswing Onboarding", "glasswing.example", "vendor", "US", "core", _SW),
    CompanySeed("Stormhaven Fraud Labs", "stormhaven.example", "vendor", "US", "payments", _SW),
    CompanySeed("Dijkstroom Banking Software", "dijkstroom.example", "vendor", "NL", "core", _SW),
    CompanySeed("Harrowgate Finance Software", "harrowgate.co.uk.example", "vendor", "GB", "core", _SW),
    CompanySeed("Thamesbridge Payments", "thamesbridge.co.uk.example", "vendor", "GB", "payments", _SW),
    CompanySeed("Pennine Credit Systems", "penninecredit.co.uk.example", "vendor", "GB", "lending", _SW),
    CompanySeed("Bankwerk Systeme GmbH", "bankwerk-systeme.example", "vendor", "DE", "core", _SW),
    CompanySeed("Kreditfluss AG", "kreditfluss.example", "vendor", "DE", "lending", _SW),
    CompanySeed("Zahlhaus Software GmbH", "zahlhaus.example", "vendor", "DE", "payments", _SW),
    CompanySeed("Kontowerk Digital GmbH", "kontowerk.example", "vendor", "DE", "core", _SW),
    # -- premium publishers (trade press; they also serve news) ------------------------------------
    CompanySeed("Banking Technology Review", "bankingtechreview.example", "publisher", "US", None, _MEDIA),
    CompanySeed("Lending Times Daily", "lendingtimes.example", "publisher", "US", "lending", _MEDIA),
    CompanySeed("Payments Pulse", "paymentspulse.example", "publisher", "US", "payments", _MEDIA),
    CompanySeed("Core Banking Insider", "corebankinginsider.example", "publisher", "US", "core", _MEDIA),
    CompanySeed("FinOps Weekly", "finopsweekly.example", "publisher", "US", None, _MEDIA),
    CompanySeed("The Banking Gazette", "bankinggazette.co.uk.example", "publisher", "GB", None, _MEDIA),
    CompanySeed("City Finance Chronicle", "cityfinancechronicle.co.uk.example", "publisher", "GB", None, _MEDIA),
    CompanySeed("Retail Banking Wire", "retailbankingwire.co.uk.example", "publisher", "GB", "core", _MEDIA),
    CompanySeed("Bankenkurier", "bankenkurier.example", "publisher", "DE", None, _MEDIA),
    CompanySeed("Zahlungsblatt", "zahlungsblatt.example", "publisher", "DE", "payments", _MEDIA),
    CompanySeed("Kreditmarkt Aktuell", "kreditmarkt-aktuell.example", "publisher", "DE", "lending", _MEDIA),
    # -- professional bodies -----------------------------------------------------------------------
    CompanySeed(
        "Association of Lending Professionals", "lending-professionals.example", "professional_body", "US",
        "lending", "Professional Association",
    ),
    CompanySeed(
        "Institute of Payment Operations", "payment-operations-institute.example", "professional_body", "US",
        "payments", "Professional Association",
    ),
    CompanySeed(
        "Guild of Core Banking Architects", "corebanking-guild.example", "professional_body", "US", "core",
        "Professional Association",
    ),
    CompanySeed(
        "Chartered Society of Credit Practitioners", "credit-practitioners.co.uk.example", "professional_body",
        "GB", "lending", "Professional Association",
    ),
    CompanySeed(
        "Verband Digitaler Kreditinstitute", "vdki-verband.example", "professional_body", "DE", None,
        "Professional Association",
    ),
    # -- education -----------------------------------------------------------------------------------
    CompanySeed(
        "Finance Institute of Technology", "finance-institute-edu.example", "education", "US", None,
        "Higher Education",
    ),
    CompanySeed(
        "Lakeshore University School of Banking", "lakeshore-university-edu.example", "education", "US", None,
        "Higher Education",
    ),
    CompanySeed(
        "Maplefield College of Finance", "maplefield-college-edu.example", "education", "US", "lending",
        "Higher Education",
    ),
    CompanySeed(
        "Kingsmere Business School", "kingsmere-business-school-edu.example", "education", "GB", None,
        "Higher Education",
    ),
    CompanySeed(
        "Hochschule Rheinau fuer Finanzwirtschaft", "hochschule-rheinau-edu.example", "education", "DE", None,
        "Higher Education",
    ),
    # -- government and regulators -----------------------------------------------------------------
    CompanySeed(
        "Federal Banking Oversight Office", "banking-oversight-gov.example", "government", "US", "core",
        "Government Administration",
    ),
    CompanySeed(
        "Consumer Credit Protection Agency", "credit-protection-gov.example", "government", "US", "lending",
        "Government Administration",
    ),
    CompanySeed(
        "National Payment Systems Authority", "payments-authority-gov.example", "government", "US", "payments",
        "Government Administration",
    ),
    CompanySeed(
        "Financial Standards Office", "financial-standards-office-gov.example", "government", "GB", None,
        "Government Administration",
    ),
    CompanySeed(
        "Landesamt fuer Zahlungsverkehr", "zahlungsverkehr-amt-gov.example", "government", "DE", "payments",
        "Government Administration",
    ),
    # -- non-profits ---------------------------------------------------------------------------------
    CompanySeed(
        "Open Banking Commons", "openbankingcommons.example", "non_profit", "US", "core", "Non-profit Organization"
    ),
    CompanySeed(
        "Financial Inclusion Alliance", "financial-inclusion-alliance.example", "non_profit", "US", None,
        "Non-profit Organization",
    ),
    CompanySeed(
        "Credit Literacy Foundation", "credit-literacy-foundation.example", "non_profit", "US", "lending",
        "Non-profit Organization",
    ),
    CompanySeed(
        "Fair Payments Trust", "fairpaymentstrust.co.uk.example", "non_profit", "GB", "payments",
        "Non-profit Organization",
    ),
    # -- social media and video platforms ------------------------------------------------------------
    CompanySeed("Streamvista", "video.example", "social_media", "US", None, "Online Video"),
    CompanySeed("Chatterly", "chatterly.example", "social_media", "US", None, "Social Media"),
    CompanySeed("ProLink Network", "prolink-network.example", "social_media", "US", None, "Social Media"),
    CompanySeed("Threadboard", "threadboard.example", "social_media", "US", None, "Online Communities"),
    # -- everything else: analysts, consultancies, review sites, reference works -----------------------
    CompanySeed("Halvorsen & Pike Advisory", "halvorsen-pike.example", "other", "US", None, "Management Consulting"),
    CompanySeed("Brightwater Research Group", "brightwater-research.example", "other", "US", None, "Market Research"),
    CompanySeed("Quarry Lane Partners", "quarrylane.example", "other", "US", "lending", "Management Consulting"),
    CompanySeed("StackCompare", "stackcompare.example", "other", "US", None, "Software Reviews"),
    CompanySeed("Opedia", "opedia.example", "other", "US", None, "Online Reference"),
    CompanySeed(
        "Meadowlark Consulting", "meadowlark-consulting.co.uk.example", "other", "GB", None, "Management Consulting"
    ),
    CompanySeed(
        "Eibenhof Strategieberatung", "eibenhof-beratung.example", "other", "DE", None, "Management Consulting"
    ),
)

#: The video platform that hosts every video result (its host is the SERP ``domain`` of video rows).
VIDEO_PLATFORM_DOMAIN = "video.example"

#: Independent creators: video channels that belong to no company (unresolvable by design).
CREATORS: tuple[tuple[str, str], ...] = (
    ("Lending Lab with Priya", "US"),
    ("Core Banking Explained", "US"),
    ("The Payments Nerd", "US"),
    ("Bank Ops Weekly", "US"),
    ("Ledger Talk", "GB"),
    ("Credit Risk Corner", "US"),
    ("Digital Bank Diaries", "GB"),
    ("Open APIs Academy", "US"),
    ("Fintech mit Jonas", "DE"),
    ("Treasury Tuesdays", "US"),
)

#: Fictional banks that appear in case studies and news.
BANKS: tuple[str, ...] = (
    "Veltmoor Savings Bank",
    "Carrowgate Credit Union",
    "Thistlebrook Bank",
    "Ombervale Mutual",
    "Quellmont Savings",
    "Farrowdale Credit Union",
    "Brindlecombe Bank",
    "Harlowmere Building Society",
    "Sandhaven Federal Credit Union",
    "Bank Eschenried",
)

KIND_PAGE_COUNT: dict[str, tuple[int, int]] = {
    "client": (32, 40),
    "competitor": (28, 38),
    "vendor": (12, 30),
    "publisher": (25, 40),
    "professional_body": (10, 20),
    "education": (10, 18),
    "government": (10, 18),
    "non_profit": (10, 15),
    "social_media": (10, 25),
    "other": (10, 25),
}

KIND_AUTHORITY: dict[str, float] = {
    "client": 0.55,
    "competitor": 0.45,
    "vendor": 0.15,
    "publisher": 0.35,
    "professional_body": 0.25,
    "education": 0.25,
    "government": 0.35,
    "non_profit": 0.10,
    "social_media": 0.10,
    "other": 0.20,
}

#: Employees range per kind (log-uniform) and revenue per employee (USD) or None when not applicable.
KIND_SIZE: dict[str, tuple[int, int, float | None]] = {
    "client": (400, 6000, 220_000.0),
    "competitor": (300, 12000, 230_000.0),
    "vendor": (40, 5000, 180_000.0),
    "publisher": (20, 900, 120_000.0),
    "professional_body": (10, 300, 90_000.0),
    "education": (400, 9000, 110_000.0),
    "government": (200, 6000, None),
    "non_profit": (5, 150, 60_000.0),
    "social_media": (300, 40000, 400_000.0),
    "other": (20, 3000, 200_000.0),
}

FAMILY_PHRASE: dict[str | None, str] = {
    "payments": "payments",
    "lending": "lending and credit",
    "core": "core and digital banking",
    None: "banking technology",
}

KIND_DESCRIPTION: dict[str, tuple[str, ...]] = {
    "vendor": (
        "{name} is a {adj} provider of {focus} software for banks, credit unions and fintechs.",
        "{name} builds cloud {focus} platforms that help financial institutions modernise legacy systems.",
    ),
    "publisher": (
        "{name} is a {adj} trade publication covering {focus}, regulation and the business of banking.",
        "{name} publishes daily news, analysis and research on {focus} for banking executives.",
    ),
    "professional_body": (
        "{name} is a {adj} membership body that sets practice standards and runs training in {focus}.",
    ),
    "education": (
        "{name} is a {adj} institution offering degrees, executive education and research in {focus}.",
    ),
    "government": (
        "{name} is a {adj} public authority responsible for supervision and guidance in {focus}.",
    ),
    "non_profit": (
        "{name} is a {adj} non-profit organisation promoting fair and inclusive {focus}.",
    ),
    "social_media": (
        "{name} is a {adj} online platform where professionals share posts, discussions and videos.",
    ),
    "other": (
        "{name} is a {adj} firm offering research, advisory and comparison services on {focus}.",
    ),
}

COUNTRY_ADJECTIVE: dict[str, str] = {"US": "US-based", "GB": "UK-based", "DE": "German", "NL": "Dutch"}
