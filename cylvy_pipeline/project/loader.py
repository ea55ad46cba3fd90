"""Load and validate a project folder (``project.yaml`` + ``keywords.csv``) into a :class:`Project`.

Everything is checked here, before any provider is called or anything is stored: a bad input raises one
:class:`ProjectConfigError` whose message is a single line naming the file, the field or line, and the fix.
The loader only reads files; it never writes, touches the network or the database.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from cylvy_pipeline.analysis.identity import registrable_domain
from cylvy_pipeline.contract import PHASES
from cylvy_pipeline.project.keyword_generator import generate_keywords, vocabulary_capacity
from cylvy_pipeline.project.model import (
    JTBD_PHASE_NAMES,
    KNOWN_MARKETS,
    SERP_TYPES,
    Company,
    Dimension,
    Keyword,
    Landscape,
    Persona,
    Project,
    Providers,
)
from cylvy_pipeline.settings import ProjectConfigError

__all__ = [
    "DEFAULT_JTBD_PHASES",
    "KEYWORDS_FILE",
    "MARKET_ALIASES",
    "NO_CATEGORY",
    "PROJECT_FILE",
    "SAMPLE_PROJECT_DIR",
    "ProjectConfigError",
    "load_project",
]

#: The sample project shipped with the package (a fictional banking-software vendor).
SAMPLE_PROJECT_DIR: Path = Path(__file__).resolve().parent / "sample"
PROJECT_FILE = "project.yaml"
KEYWORDS_FILE = "keywords.csv"

#: Category given to every keyword when keywords.csv has no category column.
NO_CATEGORY = "All keywords"
#: Name of the default landscape that holds every keyword.
ALL_LANDSCAPE = "All"

#: Alternative spellings of market codes, mapped explicitly.
MARKET_ALIASES: dict[str, str] = {"GB": "UK"}

#: Seed used for generated keyword lists (``keyword_count``): fixed, so a count always gives one list.
GENERATED_KEYWORDS_SEED = 0

#: Used when project.yaml has no ``jtbd_phases``.
DEFAULT_JTBD_PHASES: tuple[Dimension, ...] = (
    Dimension(
        name="Problem Identification",
        description="The buyer recognises a problem or an opportunity and tries to understand its causes, "
        "cost and urgency before looking at solutions.",
        signals=("challenges", "risks", "why", "cost of", "trends", "what is"),
    ),
    Dimension(
        name="Solution Exploration",
        description="The buyer surveys the kinds of solutions and approaches available and how others have "
        "solved the problem.",
        signals=("how to", "approaches", "options", "benefits", "guide", "best practices"),
    ),
    Dimension(
        name="Requirements Building",
        description="The buyer turns needs into requirements: capabilities, integrations, compliance, "
        "budget and the business case.",
        signals=("requirements", "checklist", "features", "RFP", "integration", "business case"),
    ),
    Dimension(
        name="Supplier Selection",
        description="The buyer compares vendors and shortlists suppliers on fit, price and credibility.",
        signals=("vendors", "comparison", "pricing", "alternatives", "reviews", "top providers"),
    ),
    Dimension(
        name="Validation",
        description="The buyer seeks proof that the chosen supplier delivers: case studies, references, "
        "ROI, analyst reports and implementation evidence.",
        signals=("case study", "customer story", "ROI", "implementation", "analyst report", "references"),
    ),
)

# keywords.csv column aliases, after normalisation (lower case, no spaces/underscores/hyphens).
_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "keyword": ("keyword", "keywords"),
    "category": ("category", "primarycategory"),
    "jtbd_stage": ("jtbdstage", "stage"),
    "avg_monthly_searches": ("volume", "avgmonthlysearches", "searchvolume"),
    "is_brand": ("isbrand",),
}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
# Top-level project.yaml fields (Project's fields minus the keywords, which come from keywords.csv).
_YAML_FIELDS: tuple[str, ...] = tuple(name for name in Project.model_fields if name != "keywords")


# --------------------------------------------------------------------------------------------- helpers


def _suggest(value: str, choices: Iterable[str]) -> str | None:
    choices = list(choices)
    by_key = {c.casefold(): c for c in choices}
    hit = difflib.get_close_matches(value.casefold(), list(by_key), n=1, cutoff=0.6)
    return by_key[hit[0]] if hit else None


def _choice_fix(value: str, choices: Sequence[str], *, noun: str = "") -> str:
    best = _suggest(value, choices)
    listing = ", ".join(choices)
    if best is not None:
        return f"did you mean '{best}'? ({noun or 'allowed'}: {listing})"
    return f"use one of {listing}"


def _norm_header(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text).casefold()


def _norm_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _clean(text: str) -> str:
    return " ".join(text.split())


def _control_character(text: str) -> str | None:
    """The first control character in ``text`` (a NUL byte, say), spelled U+XXXX, or None."""
    found = next((c for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r"), None)
    return None if found is None else f"U+{ord(found):04X}"


def _loc(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "nothing (empty value)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProjectConfigError(
            path,
            f"line {line}",
            f"not valid {encoding.split('-sig')[0].upper()} text (byte 0x{data[exc.start]:02x})",
            "save the file with UTF-8 encoding",
        ) from None


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ----------------------------------------------------------------------------------------- project.yaml


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key written twice in one mapping (PyYAML keeps the last silently)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            continue  # the base constructor reports unhashable keys
        line = key_node.start_mark.line + 1
        if key in seen:
            raise _DuplicateKey(key, line, seen[key])
        seen[key] = line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int, first: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse_yaml(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as dup:
        raise ProjectConfigError(
            path,
            f"line {dup.line}",
            f"duplicate key '{dup.key}' (first on line {dup.first})",
            "keep only one of the two entries",
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        detail = exc.problem or exc.context or "syntax error"
        ctx_mark = exc.context_mark
        if exc.problem and exc.context and ctx_mark is not None and mark is not None and ctx_mark.line != mark.line:
            detail += f"; {exc.context} started on line {ctx_mark.line + 1}"
        raise ProjectConfigError(
            path,
            location,
            f"invalid YAML ({detail})",
            "fix the syntax there (check indentation, colons, quotes and list dashes)",
        ) from None
    except yaml.YAMLError as exc:
        raise ProjectConfigError(
            path, "", f"invalid YAML ({' '.join(str(exc).split())})", "fix the YAML syntax"
        ) from None
    if data is None:
        raise ProjectConfigError(
            path,
            "",
            "the file is empty",
            f"write the project's fields ({', '.join(_YAML_FIELDS)}); see {SAMPLE_PROJECT_DIR / PROJECT_FILE}",
        )
    if not isinstance(data, dict):
        raise ProjectConfigError(
            path,
            "",
            f"expected a mapping of fields at the top level, got {_describe(data)}",
            "write the file as 'field: value' lines (name:, client:, markets:, ...)",
        )
    for key in data:
        if not isinstance(key, str):
            raise ProjectConfigError(
                path, "", f"field names must be text, got {key!r}", "write field names as words, e.g. 'name:'"
            )
    return data


def _model_at(loc: Sequence[Any]) -> type[BaseModel] | None:
    """The model that a pydantic error location points into (for listing its allowed fields)."""
    model: type[BaseModel] = Project
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        next_model: type[BaseModel] | None = None
        stack = [annotation]
        while stack:
            ann = stack.pop()
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                next_model = ann
                break
            stack.extend(a for a in get_args(ann) if a is not Ellipsis)
        if next_model is None:
            return None
        model = next_model
    return model


def _translate_validation_error(path: Path, exc: ValidationError) -> ProjectConfigError:
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        name = str(loc[-1])
        parent = _model_at(loc[:-1])
        allowed = [f for f in parent.model_fields if not (parent is Project and f == "keywords")] if parent else []
        best = _suggest(name, allowed)
        fix = f"did you mean '{best}'?" if best else f"remove it (allowed: {', '.join(allowed)})"
        return ProjectConfigError(path, _loc(loc[:-1]), f"unknown field '{name}'", fix)
    location = _loc(loc)
    got = _describe(value)
    if kind == "missing":
        return ProjectConfigError(path, location, "required field missing", "add it")
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return ProjectConfigError(
            path, location, f"expected a whole number, got {got}", "write a whole number, e.g. 10"
        )
    if kind in {"float_type", "float_parsing", "finite_number"}:
        return ProjectConfigError(path, location, f"expected a number, got {got}", "write a number, e.g. 0.8")
    if kind in {"string_type", "string_sub_type"}:
        return ProjectConfigError(
            path, location, f"expected text, got {got}", "write a text value (quote it if needed)"
        )
    if kind in {"bool_type", "bool_parsing"}:
        return ProjectConfigError(path, location, f"expected true or false, got {got}", "write true or false")
    if kind in {"tuple_type", "list_type", "iterable_type", "set_type"}:
        return ProjectConfigError(
            path, location, f"expected a list, got {got}", "write a list, e.g. [a, b] or one '- item' line per entry"
        )
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return ProjectConfigError(
            path, location, f"expected a mapping, got {got}", "write 'field: value' lines indented under it"
        )
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return ProjectConfigError(path, location, f"must be {expected}, got {got}", f"use {expected}")
    if kind in {"greater_than_equal", "greater_than"}:
        bound = _num(ctx.get("ge", ctx.get("gt")))
        word = "at least" if kind == "greater_than_equal" else "greater than"
        return ProjectConfigError(path, location, f"must be {word} {bound}, got {got}", f"use a value {word} {bound}")
    if kind in {"less_than_equal", "less_than"}:
        bound = _num(ctx.get("le", ctx.get("lt")))
        word = "at most" if kind == "less_than_equal" else "less than"
        fix = f"use a value {word} {bound}"
        if isinstance(value, (int, float)) and bound == "1":
            fix += " (shares are fractions: 0.8 means 80%)"
        return ProjectConfigError(path, location, f"must be {word} {bound}, got {got}", fix)
    return ProjectConfigError(path, location, f"{err['msg']} (got {got})", "correct the value")


#: Settings that moved: (section under providers, key) -> where they live now.
_MOVED_PROVIDER_KEYS: dict[tuple[str, str], str] = {
    ("dataforseo", "concurrency"): "providers.concurrency.serp",
    ("http", "concurrency"): "providers.concurrency.web",
}


def _check_moved_provider_keys(path: Path, data: Mapping[str, Any]) -> None:
    """A setting from before ``providers.concurrency`` gathered each kind's concurrency in one place is
    named with its new place, rather than rejected as an unknown field."""
    providers = data.get("providers")
    if not isinstance(providers, Mapping):
        return
    for (section, key), new_place in _MOVED_PROVIDER_KEYS.items():
        settings = providers.get(section)
        if isinstance(settings, Mapping) and key in settings:
            kind = new_place.rsplit(".", 1)[1]
            raise ProjectConfigError(
                path, f"providers.{section}.{key}", f"moved to {new_place}",
                f"write 'concurrency: {{{kind}: {settings[key]}}}' under providers instead",
            )


def _check_providers(path: Path, providers: Providers, markets: Sequence[str]) -> None:
    """What the vendors' declarations refuse in their settings (a DataForSEO market without a location, an
    allowed network that does not parse, an API address that is not http(s))."""
    if problems := providers.catalog.config_problems(providers, {market: KNOWN_MARKETS[market] for market in markets}):
        raise ProjectConfigError(path, *problems[0])


def _check_name(path: Path, location: str, name: str) -> str:
    name = _clean(name)
    if not name:
        raise ProjectConfigError(path, location, "empty name", "give it a name")
    return name


def _check_unique_names(path: Path, field: str, items: Sequence[Any], noun: str) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        key = _norm_key(item.name)
        if key in seen:
            raise ProjectConfigError(
                path,
                f"{field}[{i}].name",
                f"duplicate {noun} '{item.name}' (same as {field}[{seen[key]}])",
                f"give each {noun} a different name",
            )
        seen[key] = i


def _normalise_domain(path: Path, location: str, raw: str) -> str:
    domain = raw.strip().lower().rstrip(".")
    if not _DOMAIN_RE.match(domain):
        raise ProjectConfigError(
            path,
            location,
            f"'{raw}' is not a bare domain",
            "write just the domain, e.g. 'ledgerline.example' (no https://, path, port or spaces)",
        )
    return domain


def _companies(path: Path, client: Company, competitors: Sequence[Company]) -> tuple[Company, tuple[Company, ...]]:
    owner: dict[str, tuple[str, str]] = {}  # registrable domain -> (as listed, owner)
    out: list[Company] = []
    for field, company in [("client", client), *((f"competitors[{i}]", c) for i, c in enumerate(competitors))]:
        name = _check_name(path, f"{field}.name", company.name)
        if not company.domains:
            raise ProjectConfigError(
                path,
                f"{field}.domains",
                "no domains listed",
                "list at least one domain, e.g. [example-company.example]",
            )
        domains: list[str] = []
        for j, raw in enumerate(company.domains):
            domain = _normalise_domain(path, f"{field}.domains[{j}]", raw)
            # www.x and x (and any sub-domain of x) are one company's site: compare registrable domains.
            identity = registrable_domain(domain)
            if identity in owner:
                listed, owner_name = owner[identity]
                same = f"'{listed}'" + (f" (same site as '{domain}')" if listed != domain else "")
                raise ProjectConfigError(
                    path,
                    f"{field}.domains[{j}]",
                    f"domain {same} is already listed for {owner_name}",
                    "list each site under one company only",
                )
            owner[identity] = (domain, f"{field} ({name})")
            domains.append(domain)
        out.append(Company(name=name, domains=tuple(domains)))
    return out[0], tuple(out[1:])


def _markets(path: Path, markets: Sequence[str]) -> tuple[str, ...]:
    if not markets:
        raise ProjectConfigError(
            path, "markets", "no markets listed", "list at least one market code, e.g. [US, UK, DE]"
        )
    known = ", ".join(KNOWN_MARKETS)
    out: list[str] = []
    first: dict[str, tuple[int, str]] = {}
    for i, raw in enumerate(markets):
        given = raw.strip()
        code = MARKET_ALIASES.get(given.upper(), given.upper())
        if code not in KNOWN_MARKETS:
            raise ProjectConfigError(path, f"markets[{i}]", f"unknown market code '{raw}'", f"use one of {known}")
        if code in first:
            j, earlier = first[code]
            if earlier.upper() != given.upper():
                same = f"same market as '{earlier}' at markets[{j}]"
            else:
                same = f"same as markets[{j}]"
            raise ProjectConfigError(
                path, f"markets[{i}]", f"duplicate market '{raw}' ({same})", "list each market once"
            )
        first[code] = (i, given)
        out.append(code)
    return tuple(out)


def _choices(
    path: Path, field: str, values: Sequence[str], allowed: Sequence[str], noun: str, *, empty_fix: str
) -> tuple[str, ...]:
    if not values:
        raise ProjectConfigError(path, field, f"no {noun}s listed", empty_fix)
    by_key = {a.casefold(): a for a in allowed}
    out: list[str] = []
    first: dict[str, int] = {}
    for i, raw in enumerate(values):
        value = by_key.get(raw.strip().casefold())
        if value is None:
            raise ProjectConfigError(
                path, f"{field}[{i}]", f"unknown {noun} '{raw}'", _choice_fix(raw, allowed, noun=f"{noun}s")
            )
        if value in first:
            raise ProjectConfigError(
                path,
                f"{field}[{i}]",
                f"duplicate {noun} '{raw}' (same as {field}[{first[value]}])",
                f"list each {noun} once",
            )
        first[value] = i
        out.append(value)
    return tuple(out)


def _jtbd_phases(path: Path, phases: Sequence[Dimension]) -> tuple[Dimension, ...]:
    by_key = {_norm_header(n): n for n in JTBD_PHASE_NAMES}
    found: dict[str, Dimension] = {}
    for i, phase in enumerate(phases):
        canonical = by_key.get(_norm_header(phase.name))
        if canonical is None:
            raise ProjectConfigError(
                path,
                f"jtbd_phases[{i}].name",
                f"unknown JTBD phase '{phase.name}'",
                _choice_fix(phase.name, JTBD_PHASE_NAMES, noun="the five phases"),
            )
        if canonical in found:
            raise ProjectConfigError(
                path, f"jtbd_phases[{i}].name", f"duplicate JTBD phase '{phase.name}'", "define each phase once"
            )
        found[canonical] = Dimension(name=canonical, description=phase.description.strip(), signals=phase.signals)
    missing = [n for n in JTBD_PHASE_NAMES if n not in found]
    if missing:
        raise ProjectConfigError(
            path,
            "jtbd_phases",
            f"missing JTBD phase{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}",
            f"define all five: {', '.join(JTBD_PHASE_NAMES)} (or remove jtbd_phases to use the built-in ones)",
        )
    return tuple(found[n] for n in JTBD_PHASE_NAMES)


def _dimensions(path: Path, field: str, dims: Sequence[Dimension], noun: str) -> tuple[Dimension, ...]:
    out = tuple(
        Dimension(
            name=_check_name(path, f"{field}[{i}].name", d.name),
            description=d.description.strip(),
            signals=d.signals,
        )
        for i, d in enumerate(dims)
    )
    _check_unique_names(path, field, out, noun)
    return out


def _check_thresholds(path: Path, project: Project) -> None:
    t = project.thresholds
    if t.challenger_dsi > t.leader_dsi:
        raise ProjectConfigError(
            path,
            "thresholds.challenger_dsi",
            f"{t.challenger_dsi} is above leader_dsi {t.leader_dsi}",
            "keep leader_dsi >= challenger_dsi >= competitor_dsi",
        )
    if t.competitor_dsi > t.challenger_dsi:
        raise ProjectConfigError(
            path,
            "thresholds.competitor_dsi",
            f"{t.competitor_dsi} is above challenger_dsi {t.challenger_dsi}",
            "keep leader_dsi >= challenger_dsi >= competitor_dsi",
        )


# ---------------------------------------------------------------------------------------- keywords.csv


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _parse_volume(path: Path, line: int, column: str, raw: str) -> int | None:
    text = raw.strip()
    if not text:
        return None
    value: int | None = None
    if re.fullmatch(r"\d+", text):
        value = int(text)
    elif re.fullmatch(r"\d+\.0*", text):
        value = int(text.split(".")[0])
    if value is None:
        raise ProjectConfigError(
            path,
            f"line {line}, column '{column}'",
            f"volume '{raw}' is not a non-negative whole number",
            "write a whole number such as 1200 (no separators or units) or leave the cell empty",
        )
    return value


def _parse_bool(path: Path, line: int, column: str, raw: str) -> bool:
    text = raw.strip().casefold()
    if not text or text in _FALSE:
        return False
    if text in _TRUE:
        return True
    raise ProjectConfigError(
        path,
        f"line {line}, column '{column}'",
        f"'{raw}' is not a yes/no value",
        "write true/false, yes/no or 1/0 (or leave the cell empty for false)",
    )


#: Bytes a keyword row may take on average (the original export has a dozen columns): a file larger than
#: the keyword limit allows is refused before it is read, so a huge file cannot exhaust memory.
_BYTES_PER_KEYWORD_ROW = 1024
_LIMIT_FIX = "split the list into several projects, or raise thresholds.max_keywords in project.yaml"


def _keyword_columns(path: Path, header: Sequence[str], header_line: int) -> dict[str, int]:
    """The index of each known column in keywords.csv's header (field -> index); a keyword column is
    required, and no field may be given by two columns."""
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        norm = _norm_header(name)
        for field, aliases in _COLUMN_ALIASES.items():
            if norm in aliases:
                if field in columns:
                    raise ProjectConfigError(
                        path,
                        f"line {header_line}",
                        f"columns '{header[columns[field]].strip()}' and '{name.strip()}' both give the "
                        f"{field.replace('_', ' ')}",
                        "keep only one of them",
                    )
                columns[field] = index
    if "keyword" not in columns:
        found = ", ".join(f"'{h.strip()}'" for h in header if h.strip()) or "none"
        raise ProjectConfigError(
            path,
            f"line {header_line}",
            f"no keyword column (found columns: {found})",
            "name the column of search phrases 'keyword' (or 'Keyword')",
        )
    return columns


def _read_keywords(path: Path, jtbd_names: Sequence[str], max_keywords: int) -> tuple[Keyword, ...]:
    size, allowed = path.stat().st_size, (max_keywords + 64) * _BYTES_PER_KEYWORD_ROW
    if size > allowed:
        raise ProjectConfigError(
            path,
            "",
            f"{size / 1e6:.1f} MB is more than a list of at most {max_keywords} keywords takes "
            f"({allowed / 1e6:.1f} MB)",
            _LIMIT_FIX,
        )
    text = _read_text(path)
    if not text.strip():
        raise ProjectConfigError(
            path, "", "the file is empty", "add a header line with a 'keyword' column and one keyword per row"
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):
            header = next(reader)
    except StopIteration:
        raise ProjectConfigError(
            path, "", "the file is empty", "add a header line with a 'keyword' column and one keyword per row"
        ) from None
    except csv.Error as exc:
        raise ProjectConfigError(path, f"line {reader.line_num}", f"unreadable CSV ({exc})", "fix the row") from None
    header_line = reader.line_num
    columns = _keyword_columns(path, header, header_line)

    stage_by_key = {_norm_header(n): n for n in jtbd_names}
    keywords: list[Keyword] = []
    first_line: dict[str, tuple[int, str]] = {}
    category_spelling: dict[str, str] = {}
    previous_end = header_line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ProjectConfigError(
                path, f"line {reader.line_num}", f"unreadable CSV ({exc})", "fix the quoting on that row"
            ) from None
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue

        def cell(field: str, row: list[str] = row) -> str:
            idx = columns.get(field)
            return row[idx] if idx is not None and idx < len(row) else ""

        def column_name(field: str) -> str:
            return header[columns[field]].strip()

        for field in ("keyword", "category"):
            if bad := _control_character(cell(field)):
                raise ProjectConfigError(
                    path,
                    f"line {line}, column '{column_name(field)}'",
                    f"{field} {_clean(cell(field))!r} contains a control character ({bad})",
                    "remove it (a NUL byte usually means the file was saved in another encoding)",
                )
        keyword = _clean(cell("keyword"))
        if not keyword:
            raise ProjectConfigError(
                path, f"line {line}", "empty keyword", f"fill in the '{column_name('keyword')}' cell or delete the row"
            )
        key = _norm_key(keyword)
        if key in first_line:
            raise ProjectConfigError(
                path,
                f"line {line}",
                f"duplicate keyword '{keyword}' (first on line {first_line[key][0]})",
                "remove one of the two rows",
            )
        first_line[key] = (line, keyword)
        if len(first_line) > max_keywords:
            raise ProjectConfigError(
                path, f"line {line}", f"more than {max_keywords} keywords (the project's limit)", _LIMIT_FIX
            )

        if "category" in columns:
            category = _clean(cell("category"))
            if not category:
                raise ProjectConfigError(
                    path,
                    f"line {line}, column '{column_name('category')}'",
                    f"empty category for keyword '{keyword}'",
                    "fill in the category",
                )
            category = category_spelling.setdefault(category.casefold(), category)
        else:
            category = NO_CATEGORY

        stage: str | None = None
        if "jtbd_stage" in columns:
            raw_stage = _clean(cell("jtbd_stage"))
            if raw_stage:
                stage = stage_by_key.get(_norm_header(raw_stage))
                if stage is None:
                    raise ProjectConfigError(
                        path,
                        f"line {line}, column '{column_name('jtbd_stage')}'",
                        f"unknown JTBD stage '{raw_stage}'",
                        _choice_fix(raw_stage, jtbd_names, noun="stages") + " or leave the cell empty",
                    )

        volume = None
        if "avg_monthly_searches" in columns:
            volume = _parse_volume(path, line, column_name("avg_monthly_searches"), cell("avg_monthly_searches"))
        is_brand = False
        if "is_brand" in columns:
            is_brand = _parse_bool(path, line, column_name("is_brand"), cell("is_brand"))

        keywords.append(
            Keyword(
                keyword=keyword,
                category=category,
                jtbd_stage=stage,
                avg_monthly_searches=volume,
                is_brand=is_brand,
            )
        )

    if not keywords:
        if previous_end == header_line:
            problem = "no keywords (only a header line)"
        else:
            problem = "no keywords (every row is blank)"
        raise ProjectConfigError(path, "", problem, "add one keyword per row below the header")
    return tuple(keywords)


def _landscapes(
    path: Path, declared: Sequence[Landscape] | None, categories: Sequence[str], keywords_path: Path
) -> tuple[Landscape, ...]:
    if declared is None:
        total = ALL_LANDSCAPE if ALL_LANDSCAPE not in categories else f"{ALL_LANDSCAPE} (every keyword)"
        return (*(Landscape(name=c, categories=(c,)) for c in categories), Landscape(name=total))
    if not declared:
        raise ProjectConfigError(
            path,
            "landscapes",
            "no landscapes listed",
            "list at least one (e.g. '- name: All' for every keyword) or remove the field for the defaults",
        )
    by_key = {c.casefold(): c for c in categories}
    out: list[Landscape] = []
    for i, landscape in enumerate(declared):
        name = _check_name(path, f"landscapes[{i}].name", landscape.name)
        cats: list[str] = []
        for j, raw in enumerate(landscape.categories):
            category = by_key.get(_clean(raw).casefold())
            if category is None:
                best = _suggest(raw, categories)
                listing = f"{keywords_path.name} has: {', '.join(categories)}"
                raise ProjectConfigError(
                    path,
                    f"landscapes[{i}].categories[{j}]",
                    f"category '{raw}' has no keywords in {keywords_path.name}",
                    f"did you mean '{best}'? ({listing})" if best else f"use a category that {listing}",
                )
            if category in cats:
                raise ProjectConfigError(
                    path, f"landscapes[{i}].categories[{j}]", f"duplicate category '{raw}'", "list each category once"
                )
            cats.append(category)
        out.append(Landscape(name=name, categories=tuple(cats)))
    _check_unique_names(path, "landscapes", out, "landscape")
    return tuple(out)


# ----------------------------------------------------------------------------------------------- entry


def load_project(project_dir: str | os.PathLike[str] | None = None, *, keyword_count: int | None = None) -> Project:
    """Read and validate ``project.yaml`` and ``keywords.csv`` from ``project_dir``.

    ``None`` loads the sample project (:data:`SAMPLE_PROJECT_DIR`). ``keyword_count`` replaces the keyword
    list with that many generated keywords over the project's categories (the same count always gives the
    same list). Raises :class:`ProjectConfigError` (one line: file, field or line, fix) on any bad input;
    reads files only.
    """
    if keyword_count is not None and (
        isinstance(keyword_count, bool) or not isinstance(keyword_count, int) or keyword_count < 1
    ):
        raise ProjectConfigError(
            None,
            "keyword_count",
            f"must be a whole number of at least 1, got {keyword_count!r}",
            "pass a positive count",
        )
    if keyword_count is not None and keyword_count > vocabulary_capacity():
        cap = vocabulary_capacity()
        raise ProjectConfigError(
            None,
            "keyword_count",
            f"{keyword_count} is more than the keyword generator can produce ({cap} distinct keywords)",
            f"use at most {cap}",
        )

    folder = Path(SAMPLE_PROJECT_DIR if project_dir is None else project_dir).expanduser()
    if not folder.exists():
        raise ProjectConfigError(
            folder,
            "",
            "project folder not found",
            f"pass an existing folder that holds {PROJECT_FILE} and {KEYWORDS_FILE}",
            display=str(folder),
        )
    if not folder.is_dir():
        raise ProjectConfigError(
            folder,
            "",
            "not a folder",
            f"pass the folder that holds {PROJECT_FILE} and {KEYWORDS_FILE}, not a file",
            display=str(folder),
        )
    yaml_path = folder / PROJECT_FILE
    csv_path = folder / KEYWORDS_FILE
    for path in (yaml_path, csv_path):
        if not path.is_file():
            raise ProjectConfigError(
                path,
                "",
                f"not found in {folder}",
                f"create it (start from a copy of {SAMPLE_PROJECT_DIR / path.name})",
            )

    # project.yaml: structure and types first, then meaning.
    raw = _parse_yaml(yaml_path)
    if "keywords" in raw:
        raise ProjectConfigError(
            yaml_path, "", "unknown field 'keywords'", f"put the keyword list in {KEYWORDS_FILE}, not in {PROJECT_FILE}"
        )
    declared_landscapes = "landscapes" in raw and raw["landscapes"] is not None
    data = {**raw}
    if data.get("jtbd_phases") is None:
        data["jtbd_phases"] = [d.model_dump() for d in DEFAULT_JTBD_PHASES]
    if data.get("enabled_phases") is None:
        data["enabled_phases"] = list(PHASES)
    if data.get("landscapes") is None:
        data["landscapes"] = []
    if data.get("thresholds") is None:
        data.pop("thresholds", None)
    if data.get("serp_types") is None:
        data.pop("serp_types", None)
    if data.get("providers") is None:
        data.pop("providers", None)
    data["keywords"] = ()
    _check_moved_provider_keys(yaml_path, data)
    try:
        draft = Project.model_validate(data)
    except ValidationError as exc:
        raise _translate_validation_error(yaml_path, exc) from None

    name = _check_name(yaml_path, "name", draft.name)
    client, competitors = _companies(yaml_path, draft.client, draft.competitors)
    if not draft.personas:
        raise ProjectConfigError(
            yaml_path, "personas", "no personas listed", "add at least one persona (name, description, goals, ...)"
        )
    personas = tuple(
        Persona(
            name=_check_name(yaml_path, f"personas[{i}].name", p.name),
            description=p.description.strip(),
            goals=p.goals,
            pain_points=p.pain_points,
            keywords=p.keywords,
        )
        for i, p in enumerate(draft.personas)
    )
    _check_unique_names(yaml_path, "personas", personas, "persona")
    jtbd = _jtbd_phases(yaml_path, draft.jtbd_phases)
    page_types = _dimensions(yaml_path, "page_types", draft.page_types, "page type")
    custom = _dimensions(yaml_path, "custom_dimensions", draft.custom_dimensions, "custom dimension")
    markets = _markets(yaml_path, draft.markets)
    enabled = _choices(
        yaml_path,
        "enabled_phases",
        draft.enabled_phases,
        PHASES,
        "phase",
        empty_fix="list at least one phase, or remove the field to enable all eight",
    )
    serp_types = _choices(
        yaml_path,
        "serp_types",
        draft.serp_types,
        SERP_TYPES,
        "SERP type",
        empty_fix=f"list at least one of {', '.join(SERP_TYPES)}, or remove the field for all three",
    )
    _check_thresholds(yaml_path, draft)
    _check_providers(yaml_path, draft.providers, markets)

    # keywords.csv, then what depends on both files.
    keywords = _read_keywords(csv_path, JTBD_PHASE_NAMES, draft.thresholds.max_keywords)
    categories = list(dict.fromkeys(k.category for k in keywords))
    landscapes = _landscapes(yaml_path, draft.landscapes if declared_landscapes else None, categories, csv_path)
    if keyword_count is not None:
        if keyword_count > draft.thresholds.max_keywords:
            raise ProjectConfigError(
                None,
                "keyword_count",
                f"{keyword_count} is more than the project's limit of {draft.thresholds.max_keywords} keywords",
                f"use at most {draft.thresholds.max_keywords}, or raise thresholds.max_keywords in {PROJECT_FILE}",
            )
        keywords = generate_keywords(keyword_count, categories=categories, seed=GENERATED_KEYWORDS_SEED)

    return Project(
        name=name,
        client=client,
        competitors=competitors,
        personas=personas,
        jtbd_phases=jtbd,
        page_types=page_types,
        custom_dimensions=custom,
        markets=markets,
        landscapes=landscapes,
        enabled_phases=enabled,
        thresholds=draft.thresholds,
        serp_types=serp_types,
        results_per_search=draft.results_per_search,
        providers=draft.providers,
        keywords=keywords,
    )
