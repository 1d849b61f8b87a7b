"""The report's charts as SVG drawn on the server: stacked bars, lines against a target, a
heatmap.

Server-side so that the page needs no script at all (the Content-Security-Policy allows
scripts from our own origin only, and none inline), prints as crisply as it shows, and the
charts are there for a screen reader and a test alike. Colours are presentation attributes,
not inline styles. Every text that comes from data (channel names) is escaped here; the
result is marked safe only after that.

Each chart carries <title> and <desc> (role="img"); the template puts the same figures in a
table beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 44
# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
TARGET_COLOUR = "#b91c1c"


def _svg(
    chart_id: str, title: str, desc: str, body: list[str], *, height: int = HEIGHT
) -> SafeString:
    return mark_safe(  # noqa: S308 - every data text in body went through escape()
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


# Axis steps for minutes: round clock figures rather than 38 or 113.
MINUTE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 480, 720, 1440, 2880, 4320, 10080)


def _round_steps():
    power = 1
    while True:
        for factor in (1, 2, 5):
            yield factor * power
        power *= 10


def axis_top(value: float, steps=None) -> float:
    """The top of a four-step axis: four round steps (1, 2, 5 × 10ⁿ, or `steps`) reaching
    `value`."""
    for step in steps or _round_steps():
        if 4 * step >= value:
            return 4 * step
    return value


def _y_axis(top: float, fmt: Callable[[float], str], *, plot_h: int) -> list[str]:
    parts = []
    for k in range(5):
        value = top * k / 4
        y = TOP + plot_h - plot_h * k / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="#374151">{escape(fmt(value))}</text>'
        )
    return parts


def _x_labels(labels: Sequence[str], slot: float, *, plot_h: int) -> list[str]:
    # Never more than about twelve labels, whatever the range.
    every = max(1, -(-len(labels) // 12))
    return [
        f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{TOP + plot_h + 16}" '
        f'text-anchor="middle" fill="#374151">{escape(label)}</text>'
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def _legend(names: Sequence[str], colours: Sequence[str], *, y: int) -> list[str]:
    parts, x = [], LEFT
    for name, colour in zip(names, colours, strict=True):
        parts.append(
            f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y}" fill="#111827">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    return parts


def stacked_bars(
    chart_id: str, title: str, labels: Sequence[str], series: Mapping[str, Sequence[int]]
) -> SafeString:
    """One bar per label, its series stacked bottom-up in the order given."""
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = axis_top(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    colours = [PALETTE[k % len(PALETTE)] for k in range(len(series))]
    body = _y_axis(top, lambda v: f"{v:.0f}", plot_h=plot_h)
    for i, label in enumerate(labels):
        base = 0
        for (name, values), colour in zip(series.items(), colours, strict=True):
            if not values[i]:
                continue
            h = plot_h * values[i] / top
            y = TOP + plot_h - plot_h * base / top - h
            body.append(
                f'<rect class="chart-bar" x="{LEFT + slot * i + slot * 0.1:.1f}" y="{y:.1f}" '
                f'width="{slot * 0.8:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(label)} · {escape(name)}: {values[i]}</title></rect>"
            )
            base += values[i]
    body += _x_labels(labels, slot, plot_h=plot_h)
    body += _legend(list(series), colours, y=HEIGHT - 6)
    desc = (
        f"{sum(totals)} conversations in {len(labels)} periods, stacked by "
        f"{', '.join(series) or 'channel'}."
    )
    return _svg(chart_id, title, desc, body)


def lines(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    fmt: Callable[[float], str],
    target: float | None = None,
    target_label: str = "",
    top: float | None = None,
    steps: Sequence[float] | None = None,
) -> SafeString:
    """A line per series (gaps where a value is None), and an optional dashed target line."""
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    values = [v for vs in series.values() for v in vs if v is not None]
    top = top or axis_top(max([*values, target or 0], default=0), steps)
    slot = plot_w / max(len(labels), 1)
    colours = [PALETTE[k % len(PALETTE)] for k in range(len(series))]
    body = _y_axis(top, fmt, plot_h=plot_h)

    def point(i: int, v: float) -> tuple[float, float]:
        return LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * min(v, top) / top

    for (name, vs), colour in zip(series.items(), colours, strict=True):
        run: list[str] = []
        for i, v in enumerate([*vs, None]):  # the None ends the last run
            if v is not None:
                x, y = point(i, v)
                run.append(f"{x:.1f},{y:.1f}")
                body.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                    f"<title>{escape(labels[i])} · {escape(name)}: {escape(fmt(v))}"
                    f"</title></circle>"
                )
            elif run:
                # A day without a figure breaks the line rather than drawing it as zero.
                body.append(
                    f'<polyline class="line" points="{" ".join(run)}" fill="none" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
                run = []
    names, legend_colours = list(series), colours
    if target is not None:
        y = TOP + plot_h - plot_h * min(target, top) / top
        body.append(
            f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="{TARGET_COLOUR}" stroke-dasharray="6 4"/>'
        )
        names, legend_colours = [*names, target_label], [*colours, TARGET_COLOUR]
    body += _x_labels(labels, slot, plot_h=plot_h)
    body += _legend(names, legend_colours, y=HEIGHT - 6)
    desc = f"{', '.join(series)} over {len(labels)} days"
    if target is not None:
        desc += f", against {target_label}"
    return _svg(chart_id, title, desc + ".", body)


def heatmap(
    chart_id: str,
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[int]],
) -> SafeString:
    """A grid of cells shaded by value (darker = more), one row per `rows` label."""
    cell_h = 22
    height = TOP + cell_h * len(rows) + 24
    cell_w = (WIDTH - LEFT - RIGHT) / max(len(columns), 1)
    top = max((v for row in values for v in row), default=0) or 1
    body = []
    for r, name in enumerate(rows):
        y = TOP + cell_h * r
        body.append(
            f'<text x="{LEFT - 6}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" '
            f'fill="#374151">{escape(name)}</text>'
        )
        for c, column in enumerate(columns):
            v = values[r][c]
            # From nearly white to the palette's blue; an empty hour stays visibly empty.
            opacity = 0.06 + 0.94 * v / top if v else 0.03
            body.append(
                f'<rect class="cell" x="{LEFT + cell_w * c:.1f}" y="{y}" '
                f'width="{cell_w - 1:.1f}" height="{cell_h - 1}" fill="{PALETTE[0]}" '
                f'fill-opacity="{opacity:.2f}"><title>{escape(name)} '
                f"{escape(column)}: {v}</title></rect>"
            )
    for c, column in enumerate(columns):
        if c % 3 == 0:
            body.append(
                f'<text x="{LEFT + cell_w * (c + 0.5):.1f}" '
                f'y="{TOP + cell_h * len(rows) + 14}" text-anchor="middle" '
                f'fill="#374151">{escape(column)}</text>'
            )
    total = sum(sum(row) for row in values)
    desc = f"{total} conversations by weekday and hour; darker is busier."
    return _svg(chart_id, title, desc, body, height=height)
