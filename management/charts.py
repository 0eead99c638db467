"""Charts for the report to management as inline SVG: no plotting library, no network, text escaped, and
they scale with the page (a ``viewBox`` with ``width: 100%``) so they read on a phone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

#: Narrow and with large text, so a phone (about 340 px of page width) still shows 11 px text; the page
#: caps a chart's width so it does not grow huge on a desktop.
_BAR_HEIGHT = 24
_GAP = 8
_LABEL_WIDTH = 175
_BAR_SPACE = 230
_VALUE_WIDTH = 75
_LABEL_CHARACTERS = 20
_WIDTH = _LABEL_WIDTH + _BAR_SPACE + _VALUE_WIDTH


@dataclass(frozen=True)
class Bar:
    """One labelled bar; ``marker`` draws a thin line across it (a baseline or a goal)."""

    label: str
    value: float
    text: str  # the value as printed after the bar
    marker: float | None = None


def bar_chart(title: str, bars: Sequence[Bar], *, colour: str = "#1f5fa8", marker_name: str = "") -> str:
    """A horizontal bar chart; bars scale to the largest value or marker. Empty ``bars``: a "no data" box."""
    rows = len(bars) or 1
    height = 34 + rows * (_BAR_HEIGHT + _GAP) + (24 if marker_name else 0)
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<rect x="0" y="0" width="{_WIDTH}" height="{height}" fill="#ffffff"/>',
             f'<text x="4" y="18" font-size="17" font-weight="bold" fill="#222">{escape(title)}</text>']
    if not bars:
        parts.append(f'<text x="{_LABEL_WIDTH}" y="52" font-size="16" fill="#666">no data in this period</text>')
    top = max([abs(bar.value) for bar in bars] + [abs(bar.marker) for bar in bars if bar.marker is not None] + [1e-9])
    for index, bar in enumerate(bars):
        y = 30 + index * (_BAR_HEIGHT + _GAP)
        width = max(abs(bar.value) / top * _BAR_SPACE, 1.0)
        label = bar.label if len(bar.label) <= _LABEL_CHARACTERS else bar.label[:_LABEL_CHARACTERS - 1] + "…"
        parts.append(f'<text x="{_LABEL_WIDTH - 6}" y="{y + 17}" font-size="16" text-anchor="end" '
                     f'fill="#222">{escape(label)}</text>')
        parts.append(f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{_BAR_HEIGHT}" '
                     f'fill="{colour if bar.value >= 0 else "#c62828"}"/>')
        parts.append(f'<text x="{_LABEL_WIDTH + width + 6:.1f}" y="{y + 17}" font-size="16" '
                     f'fill="#222">{escape(bar.text)}</text>')
        if bar.marker is not None:
            x = _LABEL_WIDTH + abs(bar.marker) / top * _BAR_SPACE
            parts.append(f'<line x1="{x:.1f}" y1="{y - 3}" x2="{x:.1f}" y2="{y + _BAR_HEIGHT + 3}" '
                         'stroke="#e08a00" stroke-width="3"/>')
    if marker_name:
        parts.append(f'<line x1="{_LABEL_WIDTH}" y1="{height - 10}" x2="{_LABEL_WIDTH + 18}" y2="{height - 10}" '
                     f'stroke="#e08a00" stroke-width="3"/><text x="{_LABEL_WIDTH + 24}" y="{height - 6}" '
                     f'font-size="15" fill="#444">{escape(marker_name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
