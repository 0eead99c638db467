"""The report to management as a self-contained HTML page or Markdown: the same sections in both.

Order says what matters: goals and highlights, then engagement (shows and segments), then outcomes
(campaigns against their baselines, guests booked, pipeline), then the benchmark, where follower totals
appear as context only. Every piece of user text (show, segment, guest, campaign and brand names) is
escaped; the HTML fetches nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from greenroom.goals import CAMPAIGN_GOALS, Unit, format_value
from greenroom.output import markdown_table
from greenroom.text import markdown_escape
from management.charts import Bar, bar_chart
from management.data import CampaignFigures, ManagementData

_RATE_COLUMNS = ("reply_rate", "interested", "booked", "opt_out_rate", "bounce_rate")


def _number(value: float | None, unit: str = "number") -> str:
    if value is None:
        return "-"
    return format_value(Unit(unit), round(value, 1))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


def title(data: ManagementData) -> str:
    return f"Report to management, {_day(data.since_ms)} to {_day(data.until_ms - 1)}"


def highlights(data: ManagementData) -> list[str]:
    """Three plain sentences from the numbers: what held the audience, how outreach did against its
    baseline, and how the own brand stands against the competitors."""
    lines = []
    kinds = [kind for kind in data.segment_kinds if kind.retention is not None]
    if len(kinds) >= 2:
        best, worst = kinds[0], kinds[-1]
        lines.append(f"{best.title} segments kept {_percent(best.retention)} of viewers; "
                     f"{worst.title} {_percent(worst.retention)}.")
    elif kinds:
        lines.append(f"{kinds[0].title} segments kept {_percent(kinds[0].retention)} of viewers.")
    else:
        lines.append(f"{len(data.shows)} show(s) in the period, none with audience data.")
    measured = [c for c in data.campaigns if c.rates.get("reply_rate") is not None]
    compared = [c for c in measured if c.baselines.get("reply_rate") is not None]
    if compared:
        best_c = max(compared, key=lambda c: (c.rates["reply_rate"] or 0) - (c.baselines["reply_rate"] or 0))
        beat = sum((c.rates["reply_rate"] or 0) > (c.baselines["reply_rate"] or 0) for c in compared)
        lines.append(f"{beat} of {len(compared)} campaigns beat their baseline reply rate; {best_c.name} "
                     f"replied at {_percent(best_c.rates['reply_rate'])} against "
                     f"{_percent(best_c.baselines['reply_rate'])}; {len(data.guests_booked)} guest(s) booked.")
    elif measured:
        lines.append(f"{len(measured)} campaign(s) measured, none with earlier comparable campaigns to compare; "
                     f"{len(data.guests_booked)} guest(s) booked.")
    else:
        lines.append(f"No campaign sent in the period; {len(data.guests_booked)} guest(s) booked.")
    brands = [row for row in data.benchmark if row.kind == "brand"]
    rivals = [row for row in data.benchmark if row.kind == "competitor" and row.growth_percent is not None]
    if brands and rivals and brands[0].growth_percent is not None:
        brand = brands[0]
        rival = max(rivals, key=lambda row: row.growth_percent or 0.0)
        ahead = "ahead of" if (brand.growth_percent or 0) >= (rival.growth_percent or 0) else "behind"
        lines.append(f"{brand.name} grew {brand.growth_percent:+.1f}%, {ahead} the fastest competitor "
                     f"{rival.name} at {rival.growth_percent:+.1f}%.")
    else:
        lines.append("No brand-versus-competitor growth yet: mark the brand and competitors and run "
                     "outreach refresh.")
    return lines


def _goal_rows(data: ManagementData) -> list[list[str]]:
    return [[standing.scope, standing.name, _number(standing.actual, standing.unit),
             format_value(Unit(standing.unit), standing.target), f"{standing.met} of {standing.measured}",
             standing.verdict] for standing in data.goals]


def _show_rows(data: ManagementData) -> list[list[str]]:
    rows = []
    for show in data.shows:
        rated = [s for s in show.segments if s.retention is not None]
        best = max(rated, key=lambda s: s.retention or 0.0, default=None)
        worst = min(rated, key=lambda s: s.retention or 0.0, default=None)
        rows.append([_day(show.started_ms), show.title, _number(show.metrics.get("avg_viewers")),
                     _number(show.metrics.get("peak_viewers")), _number(show.metrics.get("chat_per_viewer")),
                     _number(show.metrics.get("questions")), _number(show.metrics.get("retention"), "percent"),
                     f"{best.title} ({_percent(best.retention)})" if best else "-",
                     f"{worst.title} ({_percent(worst.retention)})" if worst else "-",
                     ", ".join(show.guests) or "-"])
    return rows


SHOW_COLUMNS = ("date", "show", "avg viewers", "peak", "chat per viewer", "questions", "retention",
                "best segment", "worst segment", "guests")
CAMPAIGN_COLUMNS = ("campaign", "status", "people", "reply rate", "interested", "booked", "opt-out", "bounce",
                    "baseline reply", "baseline of")
GOAL_COLUMNS = ("scope", "goal", "typical actual", "goal", "met", "verdict")
SEGMENT_COLUMNS = ("segment", "airings", "retention", "avg viewers")
BENCHMARK_COLUMNS = ("name", "kind", "growth", "live broadcasts (Twitch, 30 d)", "uploads (YouTube)",
                     "followers (context)")


def _campaign_cells(campaign: CampaignFigures) -> list[str]:
    def rate(name: str) -> str:
        unit = str(CAMPAIGN_GOALS[name].unit)
        return _number(campaign.rates.get(name), unit)

    return [campaign.name, campaign.status, str(campaign.people), rate("reply_rate"), rate("interested"),
            rate("booked"), rate("opt_out_rate"), rate("bounce_rate"),
            _number(campaign.baselines.get("reply_rate"), "percent"),
            f"{campaign.baseline_count} campaign(s)" if campaign.baseline_count else "-"]


def _segment_rows(data: ManagementData) -> list[list[str]]:
    return [[kind.title, str(kind.airings), _percent(kind.retention), _number(kind.avg_viewers)]
            for kind in data.segment_kinds]


def _benchmark_rows(data: ManagementData) -> list[list[str]]:
    return [[row.name, row.kind, "-" if row.growth_percent is None else f"{row.growth_percent:+.1f}%",
             "-" if row.twitch.activity is None else str(row.twitch.activity),
             "-" if row.youtube.activity is None else str(row.youtube.activity), str(row.audience)]
            for row in data.benchmark]


def _pipeline_rows(data: ManagementData) -> list[list[str]]:
    return [[stage, str(count)] for stage, count in data.pipeline]


def _sections(data: ManagementData) -> list[tuple[str, str, Sequence[str], list[list[str]], set[int]]]:
    """(id, heading, columns, rows, columns holding user text) of every table, in report order; cells are
    plain text, escaped for HTML on output, and in Markdown where they hold user text (names, titles)."""
    return [
        ("goals", "Goals for the period", GOAL_COLUMNS, _goal_rows(data), set()),
        ("shows", "Shows: audience and engagement", SHOW_COLUMNS, _show_rows(data), {1, 7, 8, 9}),
        ("segments", "Segments: who kept the audience", SEGMENT_COLUMNS, _segment_rows(data), {0}),
        ("campaigns", "Outreach: campaigns against their baseline", CAMPAIGN_COLUMNS,
         [_campaign_cells(c) for c in data.campaigns], {0}),
        ("pipeline", "Outreach: pipeline by stage", ("stage", "people"), _pipeline_rows(data), set()),
        ("benchmark", "Own brand and competitors", BENCHMARK_COLUMNS, _benchmark_rows(data), {0}),
    ]


def _empty_note(section: str) -> str:
    return {"goals": "No goals for the period: add [goals] show.NAME / campaign.NAME to greenroom.toml.",
            "shows": "No show in this period.", "segments": "No segment with audience data.",
            "campaigns": "No campaign in this period.", "pipeline": "Nobody in the pipeline.",
            "benchmark": "No brand or competitor tracked: `outreach influencers set ID kind=brand`."}[section]


def report_markdown(data: ManagementData) -> str:
    """``--format md``: headings, the highlights as a list, and one table per section."""
    lines = [f"# {title(data)}", "", "## Highlights", "", *[f"- {markdown_escape(line)}" for line in highlights(data)]]
    for section, heading, columns, rows, user_text in _sections(data):
        lines += ["", f"## {heading}", ""]
        if not rows:
            lines.append(_empty_note(section))
            continue
        lines += markdown_table(columns, [[markdown_escape(cell) if index in user_text else cell.replace("|", "/")
                                           for index, cell in enumerate(row)] for row in rows])
        if section == "campaigns":
            lines += ["", "Baseline: median of the last 5 comparable campaigns (same audience tag or template "
                      "family)."]
        if section == "shows" and data.guests_booked:
            lines += ["", "Guests booked in the period: " + markdown_escape(", ".join(data.guests_booked))]
    return "\n".join(lines) + "\n"


def _charts(data: ManagementData) -> dict[str, str]:
    shows = bar_chart("Average viewers per show", [
        Bar(f"{_day(show.started_ms)[5:]} {show.title}", show.metrics.get("avg_viewers") or 0.0,
            _number(show.metrics.get("avg_viewers"))) for show in data.shows])
    segments = bar_chart("Retention by segment", [
        Bar(kind.title, kind.retention or 0.0, _percent(kind.retention))
        for kind in data.segment_kinds if kind.retention is not None], colour="#2e7d32")
    campaigns = bar_chart("Reply rate per campaign", [
        Bar(c.name, c.rates.get("reply_rate") or 0.0, _percent(c.rates.get("reply_rate")),
            c.baselines.get("reply_rate")) for c in data.campaigns], colour="#6441a5",
        marker_name="baseline (median of last 5)")
    pipeline = bar_chart("Pipeline by stage", [Bar(stage, float(count), str(count)) for stage, count in data.pipeline],
                         colour="#00838f")
    growth = bar_chart("Growth over the period", [
        Bar(row.name, row.growth_percent or 0.0, "-" if row.growth_percent is None else f"{row.growth_percent:+.1f}%")
        for row in data.benchmark], colour="#ef6c00")
    return {"shows": shows, "segments": segments, "campaigns": campaigns, "pipeline": pipeline, "benchmark": growth}


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:16px;color:#222;
  background:#f6f7f9;line-height:1.4}
main{max-width:1100px;margin:0 auto}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
section{background:#fff;border-radius:8px;padding:12px 16px;margin:12px 0;box-shadow:0 1px 2px #0002}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.9rem;min-width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5}
.chart{width:100%;max-width:540px;height:auto;display:block;margin:8px 0}
.highlights li{margin:.3rem 0;font-size:1.05rem}
.note{color:#555}
"""


def report_html(data: ManagementData) -> str:
    """The whole report as one HTML page: styles and SVG charts inline, nothing fetched."""
    charts = _charts(data)
    body = [f"<h1>{escape(title(data))}</h1>", '<section id="highlights"><h2>Highlights</h2><ul class="highlights">',
            *[f"<li>{escape(line)}</li>" for line in highlights(data)], "</ul></section>"]
    for section, heading, columns, rows, _ in _sections(data):
        body.append(f'<section id="{section}"><h2>{escape(heading)}</h2>')
        if section in charts:
            body.append(f'<div class="chart-box">{charts[section]}</div>')
        if rows:
            body.append('<div class="scroll"><table><thead><tr>'
                        + "".join(f"<th>{escape(column)}</th>" for column in columns) + "</tr></thead><tbody>")
            body += ["<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows]
            body.append("</tbody></table></div>")
        else:
            body.append(f'<p class="note">{escape(_empty_note(section))}</p>')
        if section == "shows":
            booked = ", ".join(data.guests_booked) or "none"
            body.append(f'<p class="note">Guests booked in the period: {escape(booked)}</p>')
        if section == "campaigns":
            body.append('<p class="note">Baseline: median of the last 5 comparable campaigns '
                        "(same audience tag or template family).</p>")
        if section == "benchmark":
            body.append('<p class="note">Follower totals are context only; growth and activity lead.</p>')
        body.append("</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">"
            f"<title>{escape(title(data))}</title><style>{_STYLE}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")


