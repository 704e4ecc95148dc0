"""The moderation dashboard's chart, drawn on the server as SVG.

The admin's Content-Security-Policy allows no third-party script, and a chart needs
none: bars and a line are a few dozen elements. Colours and sizes are presentation
attributes, not `style`, so the SVG needs nothing from the policy either.
"""

import datetime as dt
from html import escape

from moderation.selectors import DashboardFigures

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 40

# Colour-blind-safe (Okabe-Ito), in the order actions are drawn from the baseline.
ACTION_COLOURS = {
    "approve": "#009E73",
    "restore": "#56B4E9",
    "remove": "#D55E00",
    "hide": "#E69F00",
    "edit": "#CC79A7",
    "silence": "#0072B2",
    "suspend": "#0072B2",
    "ban": "#000000",
}
OTHER_COLOUR = "#999999"
REPORTS_COLOUR = "#7A1FA2"


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50... at or above `value` (at least 1)."""
    step = 1
    while True:
        for multiple in (1, 2, 5):
            if step * multiple >= value:
                return step * multiple
        step *= 10


def _colour(action: str) -> str:
    return ACTION_COLOURS.get(action, OTHER_COLOUR)


def decisions_chart_svg(figures: DashboardFigures) -> str:
    """Decisions per day, stacked by action, with reports per day as a line, for the
    days in `figures`. Returns SVG markup; every text in it is escaped."""
    per_day = figures.decisions_per_day()
    actions = sorted(figures.decisions_by_action, key=lambda a: (a not in ACTION_COLOURS, a))
    peak = max(
        [sum(counts.values()) for _day, counts in per_day]
        + [figures.reports_by_day.get(day, 0) for day in figures.days]
        + [1]
    )
    # At least 4, so that small counts still get whole-number grid lines.
    y_max = max(4, _nice_ceiling(peak))
    intervals = next(n for n in (5, 4, 2, 1) if y_max % n == 0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(figures.days))
    bar_w = max(2.0, slot * 0.7)

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / y_max

    first, last = figures.days[0], figures.days[-1]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 28}" '
        f'width="100%" role="img" aria-labelledby="mod-chart-title mod-chart-desc" '
        f'class="parley-chart">',
        '<title id="mod-chart-title">Moderation decisions and reports per day</title>',
        f'<desc id="mod-chart-desc">{escape(_describe(figures, first, last))}</desc>',
    ]
    # Grid and y axis labels.
    for tick in range(intervals + 1):
        value = y_max * tick / intervals
        ty = y(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" '
            f'stroke="#dddddd" stroke-width="1"/>'
        )
        label = f"{value:g}"
        parts.append(
            f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555555">{label}</text>'
        )
    # Stacked bars.
    for index, (day, counts) in enumerate(per_day):
        x = LEFT + index * slot + (slot - bar_w) / 2
        base = 0
        for action in actions:
            count = counts.get(action, 0)
            if not count:
                continue
            top_y, bottom_y = y(base + count), y(base)
            parts.append(
                f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{bar_w:.1f}" '
                f'height="{bottom_y - top_y:.1f}" fill="{_colour(action)}">'
                f"<title>{escape(day.isoformat())}: {count} {escape(action)}</title></rect>"
            )
            base += count
        if index % 5 == 0 or day == last:
            parts.append(
                f'<text x="{LEFT + index * slot + slot / 2:.1f}" y="{TOP + plot_h + 16}" '
                f'text-anchor="middle" font-size="11" fill="#555555">'
                f"{day.strftime('%d %b')}</text>"
            )
    # Reports per day as a line with points.
    points = [
        (LEFT + index * slot + slot / 2, y(figures.reports_by_day.get(day, 0)))
        for index, day in enumerate(figures.days)
    ]
    parts.append(
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
            REPORTS_COLOUR, " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        )
    )
    for (px, py), day in zip(points, figures.days, strict=True):
        count = figures.reports_by_day.get(day, 0)
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{REPORTS_COLOUR}">'
            f"<title>{escape(day.isoformat())}: {count} reports</title></circle>"
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        f'stroke="#555555" stroke-width="1"/>'
    )
    # Legend under the axis.
    legend_x, legend_y = LEFT, HEIGHT + 10
    for action in actions:
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y - 9}" width="10" height="10" '
            f'fill="{_colour(action)}"/>'
            f'<text x="{legend_x + 14}" y="{legend_y}" font-size="11" fill="#333333">'
            f"{escape(action)}</text>"
        )
        legend_x += 24 + 7 * len(action)
    parts.append(
        f'<line x1="{legend_x}" y1="{legend_y - 4}" x2="{legend_x + 14}" y2="{legend_y - 4}" '
        f'stroke="{REPORTS_COLOUR}" stroke-width="2"/>'
        f'<text x="{legend_x + 18}" y="{legend_y}" font-size="11" fill="#333333">reports</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _describe(figures: DashboardFigures, first: dt.date, last: dt.date) -> str:
    return (
        f"From {first.isoformat()} to {last.isoformat()}: {figures.decisions_total} "
        f"decisions and {figures.reports_total} reports."
    )
