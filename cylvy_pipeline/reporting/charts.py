"""DSI charts: pandas frames in, PNG images out.

Each chart is drawn on a figure of its own with matplotlib's Agg canvas — no pyplot, no display, no state
shared between charts or threads — at about 100 dpi, so one chart is a few tens of KB: small enough to
embed in a materialization's metadata and in a self-contained HTML file.

All values shown are DSI indexes (0–100). Colours come from the Okabe–Ito palette, which stays
distinguishable with the common colour-vision deficiencies: the client is vermillion in every chart, its
named competitors blue (each its own hue where they stand side by side), every other company grey; lines
carry a marker shape of their own too, so no line is told apart by colour alone. Each chart names its
market and, given a ``caption``, the execution and date of the calculation it shows.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from PIL import Image

from cylvy_pipeline.phases.dsi_calculation import top_companies

DPI = 100
TOP_COMPANIES = 8
CLIENT_COLOUR = "#d55e00"  # Okabe–Ito vermillion
COMPETITOR_COLOUR = "#0072b2"  # Okabe–Ito blue
OTHER_COLOUR = "#a0a0a0"
LEADER_COLOUR = "#c8c8c8"  # the scope's leading other company, beside the client and its competitors
# One hue per named competitor side by side (Okabe–Ito without the client's vermillion), repeated beyond six.
COMPETITOR_COLOURS = ("#0072b2", "#56b4e9", "#009e73", "#cc79a7", "#e69f00", "#f0e442")
# Lines of the trend, one per landscape, each with a marker of its own; repeated beyond eight.
LANDSCAPE_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#f0e442")
LANDSCAPE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_NAME_WIDTH = 26


def png_data_uri(png: bytes) -> str:
    """The image as a ``data:`` URI, for Markdown and HTML that must not load anything from elsewhere."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _png(figure: Figure) -> bytes:
    """The figure as a 64-colour PNG: a chart has a handful of flat colours plus anti-aliased text, and a
    palette image is a fifth the size of a true-colour one with no visible difference."""
    canvas = FigureCanvasAgg(figure)
    figure.set_dpi(DPI)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    buffer = io.BytesIO()
    # Octree quantization keeps rare flat colours (the one red client bar) exact; median cut would not.
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        buffer, format="png", optimize=True
    )
    return buffer.getvalue()


def _title(title: str, caption: str) -> str:
    """The chart's title, with the calculation it shows (execution, date) on a second line."""
    return f"{title}\n{caption}" if caption else title


def _short(name: str) -> str:
    return name if len(name) <= _NAME_WIDTH else name[: _NAME_WIDTH - 1] + "…"


def _company_colour(domain: str, client_domain: str, competitor_domains: Sequence[str]) -> str:
    if domain == client_domain:
        return CLIENT_COLOUR
    return COMPETITOR_COLOUR if domain in competitor_domains else OTHER_COLOUR


def top_company_panels(
    companies: pd.DataFrame, serp_type: str, landscapes: Sequence[str], n: int = TOP_COMPANIES
) -> dict[str, pd.DataFrame]:
    """Landscape → its ``n`` highest-DSI companies for one SERP type, best first (what the chart draws)."""
    return {landscape: top_companies(companies, serp_type, landscape, n) for landscape in landscapes}


def top_companies_chart(
    companies: pd.DataFrame,
    serp_type: str,
    landscapes: Sequence[str],
    *,
    market: str,
    client_domain: str,
    competitor_domains: Sequence[str],
    n: int = TOP_COMPANIES,
    caption: str = "",
) -> bytes:
    """One panel per landscape: the top ``n`` companies of one SERP type by DSI index, best on top."""
    panels = top_company_panels(companies, serp_type, landscapes, n)
    columns = 1 if len(panels) == 1 else 2
    rows = math.ceil(len(panels) / columns)
    figure = Figure(figsize=(5.2 * columns, 0.28 * n * rows + 1.0 + 0.45 * rows), layout="constrained")
    figure.suptitle(_title(f"Top companies by {serp_type} DSI — {market}", caption), fontsize=10)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, (landscape, top) in zip(axes, panels.items()):
        ax.set_title(landscape, fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        if top.empty:
            ax.text(0.5, 0.5, "no results", ha="center", va="center", fontsize=8, transform=ax.transAxes)
            ax.set_axis_off()
            continue
        positions = range(len(top))
        colours = [_company_colour(d, client_domain, competitor_domains) for d in top["company_domain"]]
        ax.barh(positions, top["dsi_index"], color=colours, height=0.7)
        ax.set_yticks(positions, [_short(str(name)) for name in top["company_name"]])
        ax.invert_yaxis()  # rank 1 on top
        ax.set_xlim(0, max(float(top["dsi_index"].max()) * 1.18, 0.1))
        for y, value in zip(positions, top["dsi_index"]):
            ax.text(float(value), y, f" {value:.2f}", va="center", fontsize=6.5)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    figure.legend(
        handles=[Patch(color=CLIENT_COLOUR, label="client"), Patch(color=COMPETITOR_COLOUR, label="competitor"),
                 Patch(color=OTHER_COLOUR, label="other")],
        loc="outside lower center", ncols=3, fontsize=7, frameon=False,
    )
    return _png(figure)


def client_vs_competitors_frame(
    companies: pd.DataFrame, serp_type: str, landscapes: Sequence[str], contenders: Mapping[str, str]
) -> pd.DataFrame:
    """DSI index of the client and each competitor (``contenders``: domain → name, client first) per
    landscape for one SERP type; a company that does not rank in a landscape has 0 there."""
    scope = companies[(companies["serp_type"] == serp_type) & companies["company_domain"].isin(list(contenders))]
    table = scope.pivot_table(index="landscape", columns="company_domain", values="dsi_index", aggfunc="sum")
    table = table.reindex(index=list(landscapes), columns=list(contenders)).fillna(0.0)
    table.columns = [contenders[domain] for domain in table.columns]
    table.index.name, table.columns.name = "landscape", None
    return table


def client_vs_competitors_chart(
    companies: pd.DataFrame,
    landscapes: Sequence[str],
    serp_types: Sequence[str],
    contenders: Mapping[str, str],
    *,
    market: str,
    caption: str = "",
) -> bytes:
    """One panel per SERP type: grouped bars of the client's and each competitor's DSI index per landscape,
    and — so the client does not look dominant where others lead — the DSI index of the landscape's
    leading company when that is neither the client nor a competitor (a grey bar named above it)."""
    figure = Figure(figsize=(min(11.0, max(7.0, 1.15 * len(landscapes) * len(serp_types))), 3.9), layout="constrained")
    figure.suptitle(_title(f"Client and competitors by DSI, with each landscape's leader — {market}", caption),
                    fontsize=10)
    axes = figure.subplots(1, len(serp_types), squeeze=False).ravel()
    bars = len(contenders) + 1
    width = 0.84 / bars
    colours = [CLIENT_COLOUR] + [COMPETITOR_COLOURS[i % len(COMPETITOR_COLOURS)] for i in range(len(contenders) - 1)]
    for ax, serp_type in zip(axes, serp_types):
        table = client_vs_competitors_frame(companies, serp_type, landscapes, contenders)
        for i, (name, colour) in enumerate(zip(table.columns, colours)):
            ax.bar([x + (i - (bars - 1) / 2) * width for x in range(len(table))], table[name],
                   width=width, color=colour, label=name, edgecolor="white", linewidth=0.3)
        leaders = scope_leaders(companies, serp_type, landscapes, contenders)
        offset = (bars - 1 - (bars - 1) / 2) * width
        ax.bar([x + offset for x in range(len(table))], leaders["dsi_index"], width=width, color=LEADER_COLOUR,
               hatch="///", edgecolor="#707070", linewidth=0.3, label="leader (other company)")
        for x, (name, value) in enumerate(zip(leaders["company_name"], leaders["dsi_index"])):
            if value > 0:
                ax.text(x + offset, float(value), f" {_short(str(name))}", rotation=90, va="bottom", ha="center",
                        fontsize=5.5, color="#404040")
        top = max(float(table.to_numpy().max(initial=0.0)), float(leaders["dsi_index"].to_numpy().max(initial=0.0)))
        ax.set_ylim(0, max(top * 1.45, 0.1))  # room for the leader's name
        ax.set_title(serp_type, fontsize=9, loc="left")
        ax.set_xticks(range(len(table)), [_short(str(name)) for name in table.index], fontsize=7, rotation=20)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylabel("DSI index", fontsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, [_short(label) for label in labels], loc="outside lower center",
                  ncols=min(len(labels), 6), fontsize=7, frameon=False)
    return _png(figure)


def scope_leaders(
    companies: pd.DataFrame, serp_type: str, landscapes: Sequence[str], contenders: Mapping[str, str]
) -> pd.DataFrame:
    """Per landscape (rows, in order) the rank-1 company of one SERP type when it is neither the client nor
    a competitor (company_name, dsi_index); no name and 0 where the client or a competitor leads."""
    first = companies[(companies["serp_type"] == serp_type) & (companies["rank"] == 1)
                      & ~companies["company_domain"].isin(list(contenders))]
    leaders = first.drop_duplicates("landscape").set_index("landscape")[["company_name", "dsi_index"]]
    leaders = leaders.reindex(list(landscapes))
    return leaders.assign(company_name=leaders["company_name"].fillna(""),
                          dsi_index=leaders["dsi_index"].fillna(0.0).astype("float64"))


def client_trend_frame(history: pd.DataFrame, serp_type: str, landscapes: Sequence[str]) -> pd.DataFrame:
    """The client's DSI index per landscape (columns) in each calculation (rows, oldest first) for one
    SERP type; 0 where the client did not rank. ``history`` is what
    :func:`cylvy_pipeline.storage.dsi_results.client_dsi_history` returns."""
    calculations = history.drop_duplicates("pipeline_execution_id")[["pipeline_execution_id", "calculated_at"]]
    scope = history[history["serp_type"] == serp_type]
    table = (
        scope.pivot_table(index="pipeline_execution_id", columns="landscape", values="dsi_index", aggfunc="sum")
        if len(scope) else pd.DataFrame(dtype="float64")
    )
    table = table.reindex(index=calculations["pipeline_execution_id"], columns=list(landscapes)).fillna(0.0)
    table.index = pd.Index(calculations["calculated_at"].to_list(), name="calculated_at")
    table.columns.name = None
    return table


def _utc_labels(moments: pd.Index) -> list[str]:
    """Month, day and minute in UTC — with seconds when two calculations fell in the same minute."""
    stamps = [pd.Timestamp(m).tz_convert("UTC") if pd.Timestamp(m).tzinfo else pd.Timestamp(m) for m in moments]
    labels = [s.strftime("%m-%d %H:%M") for s in stamps]
    return labels if len(set(labels)) == len(labels) else [s.strftime("%m-%d %H:%M:%S") for s in stamps]


def client_trend_chart(
    history: pd.DataFrame,
    landscapes: Sequence[str],
    serp_types: Sequence[str],
    *,
    market: str,
    client: str,
    caption: str = "",
) -> bytes | None:
    """One panel per SERP type: the client's DSI index per landscape over the market's calculations.

    None while there are fewer than two calculations: one point is no trend.
    """
    if history["pipeline_execution_id"].nunique() < 2:
        return None
    figure = Figure(figsize=(min(11.0, max(7.0, 3.0 * len(serp_types))), 3.3), layout="constrained")
    figure.suptitle(_title(f"{client}'s DSI in its last {history['pipeline_execution_id'].nunique()} calculations "
                           f"— {market} (times in UTC)", caption), fontsize=10)
    axes = figure.subplots(1, len(serp_types), squeeze=False, sharey=True).ravel()
    for ax, serp_type in zip(axes, serp_types):
        table = client_trend_frame(history, serp_type, landscapes)
        for i, landscape in enumerate(table.columns):
            ax.plot(range(len(table)), table[landscape], marker=LANDSCAPE_MARKERS[i % len(LANDSCAPE_MARKERS)],
                    markersize=3.5, linewidth=1.4, color=LANDSCAPE_COLOURS[i % len(LANDSCAPE_COLOURS)], label=landscape)
        step = max(1, math.ceil(len(table) / 6))  # at most about six dates under a panel
        ticks = list(range(0, len(table), step))
        ax.set_xticks(ticks, [_utc_labels(table.index)[t] for t in ticks], fontsize=6.5, rotation=30)
        ax.set_title(serp_type, fontsize=9, loc="left")
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylim(bottom=0)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_ylabel("DSI index", fontsize=7)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6), fontsize=7, frameon=False)
    return _png(figure)
