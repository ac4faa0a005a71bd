"""The brief as one self-contained HTML page, and its Markdown preview for the Dagster UI.

Self-contained: CSS inline, charts as SVG in data: URIs, no script, no font or image fetched.
The only http(s) addresses in the page are the source articles' links (`<a class="source">`).
Every value from the marts is text: it goes through html.escape (or md_cell), so article markup
such as <script> shows as text; a URL becomes a link only when it is http(s) with a host.
"""

from __future__ import annotations

import base64
import html
from urllib.parse import urlsplit

from orchestration.brief import charts, geo
from orchestration.brief.data import BriefData, NewEvent, Period

ARABIC_FONTS = (
    '"Noto Naskh Arabic", "Amiri", "Scheherazade New", "Noto Sans Arabic", "DejaVu Sans", '
    '"Geeza Pro", "Arabic Typesetting", "Traditional Arabic", "Segoe UI", Tahoma, Arial, serif'
)
LATIN_FONTS = 'system-ui, "Segoe UI", "Noto Sans", "DejaVu Sans", "Helvetica Neue", Arial, sans-serif'

CSS = f"""
:root {{ color-scheme: light; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {LATIN_FONTS}; font-size: 14px; line-height: 1.4; color: #1d2329; background: #f4f5f7;
       margin: 0; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 18px 22px 40px; background: #fff; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }}
h2 {{ font-size: 16px; margin: 26px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #1d2329; }}
h3 {{ font-size: 14px; margin: 14px 0 6px; }}
.meta {{ color: #4a5560; margin: 2px 0; font-size: 13px; }}
.rule {{ background: #fff7e0; border-left: 4px solid #e0a800; padding: 6px 10px; margin: 10px 0;
        font-size: 13px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
th, td {{ border-bottom: 1px solid #dde1e5; padding: 5px 7px; text-align: left; vertical-align: top; }}
th {{ background: #eef1f4; font-weight: 600; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
.headline td.num {{ font-size: 15px; }}
.up {{ color: #b03a2e; }} .down {{ color: #1e7b45; }} .same {{ color: #666; }}
.small {{ font-size: 12px; color: #4a5560; }}
.ar {{ font-family: {ARABIC_FONTS}; direction: rtl; unicode-bidi: isolate; text-align: right;
      font-size: 15px; line-height: 1.7; }}
.ar p {{ margin: 0 0 4px; }}
td.ar {{ min-width: 260px; max-width: 420px; }}
.events td {{ font-size: 12.5px; }}
.events .place {{ min-width: 120px; }}
.events .what {{ min-width: 150px; }}
.events .actors {{ margin-top: 3px; font-weight: 600; }}
.events .note {{ min-width: 170px; }}
.events .links {{ max-width: 130px; word-break: break-all; }}
a.source {{ color: #1f5fa8; word-break: break-all; }}
.grid {{ display: grid; grid-template-columns: 1fr 1fr; gap: 18px; align-items: start; }}
figure {{ margin: 0; }}
figure img {{ width: 100%; height: auto; display: block; }}
figcaption {{ font-size: 12px; color: #4a5560; margin-top: 4px; }}
td.check {{ word-break: break-word; }}
.ok {{ color: #1e7b45; font-weight: 600; }} .warn {{ color: #a86b00; font-weight: 600; }}
.err {{ color: #b03a2e; font-weight: 600; }}
footer {{ margin-top: 30px; font-size: 12px; color: #4a5560; border-top: 1px solid #dde1e5; padding-top: 8px; }}
@media (max-width: 900px) {{ .grid {{ grid-template-columns: 1fr; }} }}
@media print {{
  body {{ background: #fff; font-size: 11px; }}
  main {{ max-width: none; padding: 0; }}
  .grid {{ grid-template-columns: 1fr 1fr; }}
  tr, figure {{ break-inside: avoid; }}
  h2 {{ break-after: avoid; }}
  a.source {{ color: #000; }}
}}
"""


def esc(value) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def md_cell(value) -> str:
    """A Markdown table cell: no pipe, no newline, no HTML."""
    text = "" if value is None else str(value)
    return html.escape(text.replace("|", "/").replace("\n", " ").replace("\r", " "), quote=False)


def safe_link(url: str) -> str | None:
    """The URL when it may be a link (http/https with a host), else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.hostname else None


def _img(chart: charts.Chart, alt: str) -> str:
    data = base64.b64encode(chart.svg().encode("utf-8")).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/svg+xml;base64,{data}">'


def triple(low, best, high) -> str:
    """'best' or 'best (low–high)' when reports disagree; '–' when no report states a figure."""
    if best is None and low is None:
        return "–"
    if low == high or low is None or high is None:
        return f"{best}"
    return f"{best} ({low}–{high})"


def _change(now: int, before: int) -> str:
    if now == before:
        return '<span class="same">±0</span>'
    cls = "up" if now > before else "down"
    pct = f", {100 * (now - before) / before:+.0f}%" if before else ""
    return f'<span class="{cls}">{now - before:+d}{pct}</span>'


def _period_dates(p: Period) -> str:
    return str(p.start) if p.start == p.end else f"{p.start} – {p.end}"


def headline_html(brief: BriefData) -> str:
    h = brief.headline
    if not h:
        return "<p>No dated event in the marts: nothing to count.</p>"
    pairs = [("last 24 h", "previous 24 h"), ("last 7 days", "previous 7 days")]
    if "selected range" in h:
        pairs.append(("selected range", "previous range"))
    head = "".join(
        f'<th class="num">{esc(a)}<br><span class="small">{esc(_period_dates(h[a]))}</span></th>'
        f'<th class="num">{esc(b)}<br><span class="small">{esc(_period_dates(h[b]))}</span></th>'
        '<th class="num">change</th>'
        for a, b in pairs
    )
    rows = []
    for label, get in (
        ("events", lambda p: p.events),
        ("killed (best)", lambda p: p.killed_best),
        ("wounded (best)", lambda p: p.wounded_best),
    ):
        cells = []
        for a, b in pairs:
            cells.append(
                f'<td class="num">{get(h[a])}</td><td class="num">{get(h[b])}</td>'
                f'<td class="num">{_change(get(h[a]), get(h[b]))}</td>'
            )
        rows.append(f"<tr><th>{label}</th>{''.join(cells)}</tr>")
    ranges = "".join(
        f'<td class="num">{h[a].killed_low}–{h[a].killed_high}</td>'
        f'<td class="num">{h[b].killed_low}–{h[b].killed_high}</td><td></td>'
        for a, b in pairs
    )
    rows.insert(2, f'<tr><th class="small">killed, low–high</th>{ranges}</tr>')
    countries = sorted({c for p in brief.periods for c, _, _ in p.by_country})
    by_country = []
    for c in countries:
        cells = []
        for a, b in pairs:
            for label in (a, b):
                n, k = next(((n, k) for cc, n, k in h[label].by_country if cc == c), (0, 0))
                cells.append(f'<td class="num">{n} / {k}</td>')
            cells.append("<td></td>")
        by_country.append(f"<tr><td>{esc(c)} <span class='small'>events / killed</span></td>{''.join(cells)}</tr>")
    return (
        f'<table class="headline"><thead><tr><th></th>{head}</tr></thead><tbody>{"".join(rows)}'
        f"{''.join(by_country)}</tbody></table>"
    )


def _place(e: NewEvent) -> str:
    parts = [x for x in (e.admin1, e.admin2, e.location) if x]
    deduped = [p for i, p in enumerate(parts) if p not in parts[:i]]
    text = " › ".join(deduped) if deduped else "(place unknown)"
    return f"{esc(text)}<br><span class='small'>{esc(e.country or 'country unknown')}</span>"


def _sources(e: NewEvent) -> str:
    links = []
    for url in e.urls:
        link = safe_link(url)
        if link:
            host = urlsplit(link).hostname or link
            links.append(f'<a class="source" href="{esc(link)}" rel="noopener noreferrer">{esc(host)}</a>')
        else:
            links.append(esc(url))
    links += [f'<span class="small">{esc(name)}</span>' for name in e.sources_without_url]
    return "<br>".join(links) or "–"


def new_events_html(brief: BriefData) -> str:
    intro = f"<p class='small'>{esc(brief.new_rule)}"
    if brief.n_updated_events:
        intro += (
            f" {brief.n_updated_events} earlier event{'s' * (brief.n_updated_events != 1)} received "
            "new reports (not listed)."
        )
    intro += "</p>"
    if not brief.new_events:
        return intro + "<p><strong>No new events.</strong></p>"
    more = ""
    if brief.n_new_events > len(brief.new_events):
        more = (
            f"<p class='small'>Showing the {len(brief.new_events)} largest of {brief.n_new_events} new "
            "events; the rest are in marts.fct_events.</p>"
        )
    rows = []
    for e in brief.new_events:
        date = f"{esc(e.event_date or 'unknown')}<br><span class='small'>{esc(e.date_precision or '')}</span>"
        kind = esc(e.event_type or "type unknown")
        if e.sub_event_type:
            kind += f"<br><span class='small'>{esc(e.sub_event_type)}</span>"
        actors = f"{esc(e.actor1 or '(unidentified)')} → {esc(e.actor2 or '(none)')}"
        evidence = "".join(f"<p>{esc(x)}</p>" for x in e.evidence) or "–"
        note = esc(e.note) + ("" if e.note_is_mart_column else "<br><span class='small'>(from the fields)</span>")
        rows.append(
            f"<tr><td class='num'>{date}</td><td class='place'>{_place(e)}</td>"
            f"<td class='what'>{kind}<div class='actors'>{actors}</div></td>"
            f"<td class='num'>{esc(triple(*e.fatalities))}</td><td class='num'>{esc(triple(*e.injured))}</td>"
            f"<td class='num'>{e.n_sources}<br><span class='small'>{e.n_reports} report{'s' * (e.n_reports != 1)}"
            f"</span></td><td class='note'>{note}</td>"
            f"<td class='ar' dir='rtl' lang='ar'>{evidence}</td><td class='links'>{_sources(e)}</td></tr>"
        )
    head = (
        "<tr><th>date</th><th>place<br><span class='small'>governorate › district › location</span></th>"
        "<th>event type<br><span class='small'>actor 1 → actor 2</span></th>"
        "<th class='num'>killed<br><span class='small'>best (low–high)</span></th>"
        "<th class='num'>wounded</th><th class='num'>sources</th><th>note</th>"
        "<th class='ar' dir='rtl' lang='ar'>الدليل <span class='small'>(evidence)</span></th>"
        "<th>source</th></tr>"
    )
    return f"{intro}{more}<table class='events'><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def quality_html(brief: BriefData) -> str:
    parts = [f"<h3>Review queue: {brief.review_total} report{'s' * (brief.review_total != 1)}</h3>"]
    if brief.review_by_issue:
        parts.append(
            "<table><thead><tr><th>why</th><th class='num'>reports</th></tr></thead><tbody>"
            + "".join(f"<tr><td>{esc(k)}</td><td class='num'>{n}</td></tr>" for k, n in brief.review_by_issue)
            + "</tbody></table><p class='small'>marts.report_review_queue: quality_issue and "
            "review_hint say what to check.</p>"
        )
    if brief.rejected is None:
        parts.append(f"<h3>Rejected inputs</h3><p class='small'>Not shown: {esc(brief.rejected_scope)}.</p>")
    else:
        n = sum(r[2] for r in brief.rejected)
        parts.append(f"<h3>Rejected inputs ({esc(brief.rejected_scope)}): {n}</h3>")
        if brief.rejected:
            parts.append(
                "<table><thead><tr><th>reason</th><th>example</th><th class='num'>inputs</th></tr></thead>"
                "<tbody>"
                + "".join(
                    f"<tr><td>{esc(r)}</td><td>{esc(p)}</td><td class='num'>{k}</td></tr>" for r, p, k in brief.rejected
                )
                + "</tbody></table><p class='small'>ops.rejected_inputs in the warehouse.</p>"
            )
    if brief.checks is None:
        parts.append(f"<h3>Checks</h3><p class='small'>Not shown: {esc(brief.checks_scope)}.</p>")
    else:
        failed = [c for c in brief.checks if not c["passed"]]
        gx = [c for c in brief.checks if c["name"].startswith("gx_")]
        others = [c for c in brief.checks if not c["name"].startswith("gx_")]
        parts.append(
            f"<h3>Checks ({esc(brief.checks_scope)}): {len(brief.checks) - len(failed)} of "
            f"{len(brief.checks)} passed</h3>"
        )
        if others:
            n_ok = sum(c["passed"] for c in others)
            parts.append(
                f"<p class='small'>dbt tests: {n_ok} of {len(others)} passed"
                + ("; the failures are listed below." if n_ok < len(others) else ".")
                + "</p>"
            )
        shown = gx + [c for c in others if not c["passed"]]
        if shown:
            rows = []
            for c in sorted(shown, key=lambda c: (c["passed"], c["name"])):
                status = (
                    "<span class='ok'>passed</span>"
                    if c["passed"]
                    else f"<span class='{'err' if c['severity'] == 'ERROR' else 'warn'}'>failed "
                    f"({esc(c['severity'])})</span>"
                )
                rows.append(
                    f"<tr><td class='check'>{esc(c['name'])}</td><td class='check'>{esc(c['target'])}</td>"
                    f"<td>{status}</td><td class='small'>{esc(c.get('detail') or '')}</td></tr>"
                )
            parts.append(
                "<table><thead><tr><th>check</th><th>on</th><th>outcome</th><th>detail</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table><p class='small'>GX results in full: the GX "
                "Data Docs (GX_DOCS_DIR/index.html).</p>"
            )
    return "".join(parts)


def build_charts(brief: BriefData) -> dict[str, charts.Chart]:
    end = brief.window_end
    span30 = f"last 30 days to {end}" if end else "no dated events"
    span90 = f"last 90 days to {end}" if end else "no dated events"
    return {
        "map": charts.map_chart(brief.map_points, f"Events, {span30} (size: killed; colour: event type)"),
        "governorates": charts.governorate_chart(brief.killed_by_governorate, f"Killed by governorate, {span30}"),
        "timeline": charts.timeline_chart(brief.daily, f"Events and killed per day, {span90}"),
        "pairs": charts.actor_pairs_chart(brief.actor_pairs, f"Events by actor pair, {span30}"),
    }


def html_page(brief: BriefData, drawn: dict[str, charts.Chart], title: str) -> str:
    no_xy = (
        f" {brief.n_map_without_coordinates} event{'s' * (brief.n_map_without_coordinates != 1)} of the "
        "window have no coordinates and are not drawn."
        if brief.n_map_without_coordinates
        else ""
    )
    coarse = (
        f" {brief.n_coarse_dates} of the {brief.n_events_total} events are dated only to the week, month "
        "or year (or not at all) and are left out of the windows and charts; the new-events table lists "
        "them."
        if brief.n_coarse_dates
        else ""
    )
    generated = brief.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>{esc(title)}</h1>
<p class="meta">Conflict events in Iraq and Syria read from Arabic news. Generated {esc(generated)} from
{esc(brief.analyst_db)}.</p>
<p class="rule">{esc(brief.window_rule)} Counts use incidents dated to the day.{esc(coarse)}</p>

<h2>Headline figures</h2>
{headline_html(brief)}

<h2>Where: the last 30 days</h2>
<div class="grid">
<figure>{_img(drawn["map"], "Map of the events of the last 30 days")}
<figcaption>Circle area: killed (best estimate); colour: ACLED event type.{esc(no_xy)}
{esc(geo.CREDIT)}</figcaption></figure>
<figure>{_img(drawn["governorates"], "Killed by governorate, last 30 days")}
<figcaption>Best estimate per event summed over the governorate; the whisker spans the sums of the
lowest and highest reported figures.</figcaption></figure>
</div>

<h2>New events: {brief.n_new_events}</h2>
{new_events_html(brief)}

<h2>Trend and actors</h2>
<div class="grid">
<figure>{_img(drawn["timeline"], "Events and killed per day, last 90 days")}
<figcaption>Per incident date (not publication date); the last days fill in as later articles arrive.</figcaption>
</figure>
<figure>{_img(drawn["pairs"], "Events by actor pair, last 30 days")}
<figcaption>Actor 1 is the attacker or initiator, actor 2 the target or other side.</figcaption></figure>
</div>

<h2>Data quality</h2>
{quality_html(brief)}

<footer>
Figures from the analyst copy (schema marts): fct_events, fct_event_reports, dim_articles,
report_review_queue. Killed and wounded are the best estimate of each event (the latest report that
states a figure), with the lowest and highest figures reported. {esc(geo.CREDIT)} Event, actor and
governorate conventions follow ACLED; this project is not affiliated with ACLED.
</footer>
</main>
</body>
</html>
"""


def markdown_preview(brief: BriefData, chart_png: bytes, brief_path: str, top: int = 5) -> str:
    h = brief.headline
    lines = [f"**{brief.window_rule}** {brief.new_rule}", ""]
    if h:
        labels = ["last 24 h", "previous 24 h", "last 7 days", "previous 7 days"]
        lines += ["| | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
        lines.append("| events | " + " | ".join(str(h[x].events) for x in labels) + " |")
        lines.append(
            "| killed (best, low–high) | "
            + " | ".join(f"{h[x].killed_best} ({h[x].killed_low}–{h[x].killed_high})" for x in labels)
            + " |"
        )
        lines.append("| wounded | " + " | ".join(str(h[x].wounded_best) for x in labels) + " |")
        lines.append("")
    lines.append(
        f"**New events: {brief.n_new_events}**"
        + (f" (top {min(top, len(brief.new_events))})" if brief.new_events else "")
    )
    if brief.new_events:
        lines += ["", "| date | place | type | actors | killed | wounded |", "|---|---|---|---|---:|---:|"]
        for e in brief.new_events[:top]:
            place = " › ".join(x for x in (e.admin1, e.location) if x) or (e.country or "?")
            lines.append(
                f"| {md_cell(e.event_date)} | {md_cell(place)} | {md_cell(e.sub_event_type or e.event_type)} "
                f"| {md_cell(e.actor1 or '?')} → {md_cell(e.actor2 or '–')} | {md_cell(triple(*e.fatalities))} "
                f"| {md_cell(triple(*e.injured))} |"
            )
    lines += [
        "",
        f"Review queue: {brief.review_total} reports.",
        "",
        f"![Events and killed per day](data:image/png;base64,{base64.b64encode(chart_png).decode('ascii')})",
        "",
        f"Full brief: `{brief_path}`",
    ]
    return "\n".join(lines)
