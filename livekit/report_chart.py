"""The after-show report's chart: viewers over the show, one band per segment airing with its title and guest.

matplotlib is optional (the ``charts`` extra): without it :func:`viewers_chart_png` raises
:class:`ChartUnavailable` and the report says the chart is skipped. Imported only when a chart is drawn, so
the CLI starts fast.
"""

from __future__ import annotations

import io

from livekit.report import ShowReport

#: Said when the chart cannot be drawn because matplotlib is missing.
NO_MATPLOTLIB = "chart skipped: matplotlib is not installed (pip install 'greenroom[charts]')"
_BANDS = ("#e3ecf7", "#f4ead9")
_MINUTE_MS = 60_000


class ChartUnavailable(Exception):
    """The chart cannot be drawn here; the message says why (for the report's note)."""


def viewers_chart_png(report: ShowReport) -> bytes:
    """The PNG: the viewer curve (a gap breaks the line and is shaded red), segment bands labelled
    ``title`` and ``with guest``; x in minutes from the show's start."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ChartUnavailable(NO_MATPLOTLIB) from None
    figure, axes = plt.subplots(figsize=(10, 4.2))
    try:
        top = max((point.viewers for point in report.viewers if point.viewers is not None), default=0.0)
        top = max(top * 1.25, 1.0)
        end_ms = max(report.length_ms, max((p.offset_ms + _MINUTE_MS for p in report.viewers), default=0))
        band = 0
        for row in report.rows:
            for start, end in row.airings:
                stop = end if end is not None else report.length_ms
                axes.axvspan(start / _MINUTE_MS, stop / _MINUTE_MS, color=_BANDS[band % 2], zorder=0)
                label = row.title if not row.guest else f"{row.title}\nwith {row.guest}"
                axes.text((start + stop) / 2 / _MINUTE_MS, top * 0.98, label, ha="center", va="top",
                          fontsize=8, wrap=True, zorder=3, parse_math=False)
                band += 1
        minutes = [point.offset_ms / _MINUTE_MS for point in report.viewers]
        values = [float("nan") if point.viewers is None else point.viewers for point in report.viewers]
        if report.viewers:
            axes.plot(minutes, values, color="#1f5fa8", linewidth=2, marker="o", markersize=3, zorder=4,
                      label="viewers")
        gap_label = "no data (gap)"
        for point in report.viewers:
            if point.viewers is None:
                axes.axvspan(point.offset_ms / _MINUTE_MS, (point.offset_ms + _MINUTE_MS) / _MINUTE_MS,
                             color="#d9534f", alpha=0.35, zorder=1, hatch="//", label=gap_label)
                gap_label = "_nolegend_"
        if report.viewers:
            axes.legend(loc="lower left", fontsize="small")
        if not report.viewers:
            axes.text(end_ms / 2 / _MINUTE_MS, top / 2, "no audience data", ha="center", va="center")
        axes.set_xlim(0, max(end_ms, _MINUTE_MS) / _MINUTE_MS)
        axes.set_ylim(0, top)
        axes.set_xlabel("minutes from the show's start")
        axes.set_ylabel("concurrent viewers")
        axes.set_title(report.title, parse_math=False)  # user text: "$5" is not math
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()
    finally:
        plt.close(figure)
