"""The brief's charts and map, drawn with matplotlib figures (no pyplot, no display, no network).

Each chart is returned as SVG text (embedded in the HTML) and, for the Dagster preview, as PNG
bytes. Labels are English; the glyphs are drawn as paths, so the SVG needs no font at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re

import matplotlib
import matplotlib.dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from orchestration.brief import geo
from orchestration.brief.data import NO_GOVERNORATE

# ACLED's event types; anything else (or unknown) is grey
EVENT_TYPE_COLOURS = {
    "Battles": "#c0392b",
    "Explosions/Remote violence": "#e67e22",
    "Violence against civilians": "#8e44ad",
    "Protests": "#27ae60",
    "Riots": "#795548",
    "Strategic developments": "#2c7fb8",
}
UNKNOWN_COLOUR = "#7f8c8d"
KILLED = "#b03a2e"
EVENTS = "#34495e"

# Applied while a chart is drawn and saved (matplotlib.rc_context), never to the process's defaults.
STYLE = {
    "font.family": "DejaVu Sans",  # shipped with matplotlib
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titleweight": "bold",
    "axes.titlesize": 10,
    "svg.fonttype": "path",
    "svg.hashsalt": "brief",  # stable ids: the same data gives the same file
}


def _styled(draw):
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return wrapper


def _subplots(figsize):
    """A figure of its own (pyplot keeps no reference to it: nothing to close) and its axes."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots()


class Chart:
    def __init__(self, fig):
        self.fig = fig

    @_styled
    def svg(self) -> str:
        """The SVG document without its DTD reference and RDF metadata: the only addresses left
        are the XML namespace names (identifiers, never fetched)."""
        buf = io.StringIO()
        self.fig.savefig(
            buf, format="svg", bbox_inches="tight", metadata=dict.fromkeys(("Date", "Creator", "Format", "Type"))
        )
        text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", buf.getvalue())
        return re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)

    @_styled
    def png(self, dpi: int = 80) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
        return buf.getvalue()

    def close(self) -> None:
        self.fig.clear()


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)


@_styled
def governorate_chart(rows, title: str) -> Chart:
    """Horizontal bars: killed (best) per governorate, with the low-high range as a whisker."""
    height = 1.0 + 0.32 * max(len(rows), 3)
    fig, ax = _subplots(figsize=(7.2, height))
    ax.set_title(title, loc="left")
    if not any(best or high for *_, best, low, high in rows):
        _empty(ax, "No killed reported in this window" if rows else "No events dated in this window")
        return Chart(fig)
    rows = list(reversed(rows))
    labels = [
        f"{country} (no governorate)" if admin1 == NO_GOVERNORATE else f"{admin1} ({country})"
        for country, admin1, *_ in rows
    ]
    best = [r[3] for r in rows]
    low = [r[4] for r in rows]
    high = [r[5] for r in rows]
    y = range(len(rows))
    ax.barh(y, best, color=KILLED, height=0.6)
    ax.errorbar(
        best,
        y,
        xerr=[[b - lo for b, lo in zip(best, low)], [h - b for b, h in zip(best, high)]],
        fmt="none",
        ecolor="#333",
        capsize=3,
        linewidth=1,
    )
    ax.set_yticks(list(y), labels)
    top = max(high + best) or 1
    for yi, (_country, _admin1, n, b, lo, hi) in zip(y, rows):
        rng = f" ({lo}–{hi})" if lo != hi else ""
        ax.text(
            max(b, hi) + top * 0.02,
            yi,
            f"{b}{rng} killed · {n} event{'s' * (n != 1)}",
            va="center",
            fontsize=8,
            color="#333",
        )
    ax.set_xlim(0, top * 1.45)
    ax.set_xlabel("killed (best estimate; whisker: low–high across reports)")
    return Chart(fig)


@_styled
def timeline_chart(days, title: str) -> Chart:
    """Killed per day (bars) and events per day (line) over the window."""
    fig, ax = _subplots(figsize=(7.2, 2.6))
    ax.set_title(title, loc="left")
    if not days:
        _empty(ax, "No dated events")
        return Chart(fig)
    x = [d for d, _, _ in days]
    killed = [k for _, _, k in days]
    events = [n for _, n, _ in days]
    ax.bar(x, killed, width=0.85, color=KILLED, label="killed (best)")
    ax.set_ylabel("killed", color=KILLED)
    ax.set_ylim(0, max(max(killed), 1) * 1.15)
    ax2 = ax.twinx()
    ax2.spines["right"].set_visible(True)
    busy = [i for i, n in enumerate(events) if n]
    # a line through mostly-empty days draws ramps to zero; sparse days are dots only
    ax2.plot(
        x,
        events,
        color=EVENTS,
        linewidth=1.0 if len(busy) * 3 > len(events) else 0,
        marker="o",
        markersize=3.5,
        markevery=busy,
        label="events",
    )
    ax2.set_ylabel("events", color=EVENTS)
    ax2.set_ylim(0, max(max(events), 1) * 1.3)
    ax2.yaxis.get_major_locator().set_params(integer=True)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.set_xlim(x[0] - dt.timedelta(days=1), x[-1] + dt.timedelta(days=1))
    if not any(events):
        ax.text(
            0.5, 0.5, "No events dated in this window", ha="center", va="center", transform=ax.transAxes, color="#555"
        )
    handles = [
        Line2D([], [], color=KILLED, linewidth=6),
        Line2D([], [], color=EVENTS, linewidth=1.0, marker="o", markersize=3),
    ]
    ax.legend(handles, ["killed (best) per day", "events per day"], loc="upper left", frameon=False, fontsize=8)
    return Chart(fig)


@_styled
def actor_pairs_chart(pairs, title: str) -> Chart:
    height = 1.0 + 0.32 * max(len(pairs), 3)
    fig, ax = _subplots(figsize=(7.2, height))
    ax.set_title(title, loc="left")
    if not pairs:
        _empty(ax, "No events dated in this window")
        return Chart(fig)
    pairs = list(reversed(pairs))
    y = range(len(pairs))
    ax.barh(y, [n for *_, n, _ in pairs], color=EVENTS, height=0.6)
    ax.set_yticks(list(y), [f"{a1} → {a2}" for a1, a2, *_ in pairs])
    top = max(n for *_, n, _ in pairs)
    for yi, (_, _, n, k) in zip(y, pairs):
        ax.text(n + top * 0.02, yi, f"{n} event{'s' * (n != 1)} · {k} killed", va="center", fontsize=8)
    ax.set_xlim(0, top * 1.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("events (actor 1 → actor 2)")
    return Chart(fig)


def _marker_size(killed) -> float:
    # area proportional to the toll; an event with no stated toll still shows
    return 18 + 28 * math.sqrt(killed or 0)


@_styled
def map_chart(points, title: str) -> Chart:
    """Events as points sized by killed (best) and coloured by event type, over country outlines."""
    extent = geo.extent_for([(lon, lat) for lon, lat, *_ in points])
    aspect = 1 / math.cos(math.radians((extent[2] + extent[3]) / 2))
    width = 7.2
    height = width * (extent[3] - extent[2]) * aspect / (extent[1] - extent[0])
    fig, ax = _subplots(figsize=(width, min(max(height, 3.5), 8)))
    ax.set_title(title, loc="left")
    ax.set_facecolor("#dce9f2")  # sea
    for name, rings in geo.country_outlines(extent):
        focus = name in geo.FOCUS_COUNTRIES
        for ring in rings:
            ax.add_patch(
                Polygon(
                    ring,
                    closed=True,
                    facecolor="#fbfaf5" if focus else "#ecebe4",
                    edgecolor="#666" if focus else "#999",
                    linewidth=0.8 if focus else 0.5,
                )
            )
    for name, (lon, lat) in geo.label_points(extent).items():
        ax.text(
            lon,
            lat,
            name.upper(),
            ha="center",
            va="center",
            fontsize=8,
            color="#8a8a80",
            fontweight="bold" if name in geo.FOCUS_COUNTRIES else "normal",
        )
    ordered = sorted(points, key=lambda p: -(p[2] or 0))  # big circles under small ones
    ax.scatter(
        [p[0] for p in ordered],
        [p[1] for p in ordered],
        s=[_marker_size(p[2]) for p in ordered],
        c=[EVENT_TYPE_COLOURS.get(p[3], UNKNOWN_COLOUR) for p in ordered],
        alpha=0.75,
        edgecolors="white",
        linewidths=0.8,
        zorder=3,
    )
    for lon, lat, killed, _, label in ordered[:8]:
        if label and killed:
            ax.annotate(
                f"{label} ({killed})",
                (lon, lat),
                xytext=(6, 5),
                textcoords="offset points",
                fontsize=7,
                color="#222",
                zorder=4,
            )
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(aspect)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    present = [t for t in EVENT_TYPE_COLOURS if any(p[3] == t for p in points)]
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=7,
            markerfacecolor=EVENT_TYPE_COLOURS[t],
            markeredgecolor="white",
            label=t,
        )
        for t in present
    ]
    if any(p[3] not in EVENT_TYPE_COLOURS for p in points):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=7,
                markerfacecolor=UNKNOWN_COLOUR,
                markeredgecolor="white",
                label="type unknown",
            )
        )
    for k in (1, 10, 50):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=math.sqrt(_marker_size(k)),
                markerfacecolor="none",
                markeredgecolor="#555",
                label=f"{k} killed",
            )
        )
    if not points:
        ax.text(
            0.5,
            0.5,
            "No located events in this window",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="#555",
            fontsize=10,
        )
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9, labelspacing=0.9, borderpad=0.8)
    return Chart(fig)
