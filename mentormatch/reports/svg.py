"""Small server-rendered SVG charts: each has a title and a description for screen readers, text
labels on every bar or point that matters, and dark ink that survives black-and-white printing."""
from __future__ import annotations

import itertools
import math
from typing import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 36, 24, 56
INK = "#1d2330"
BAR = "#1f4e79"
GRID = "#c9d1db"
_ids = itertools.count(1)


def _frame(title: str, desc: str, body: list[str], height: int = HEIGHT, css: str = "") -> Markup:
    n = next(_ids)
    return Markup(
        f'<svg class="chart {css}" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="chart-{n}-title" aria-describedby="chart-{n}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="12" fill="{INK}">'
        f'<title id="chart-{n}-title">{escape(title)}</title><desc id="chart-{n}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


# Round steps for an axis: 1, 2, 2.5 and 5 times a power of ten.
NICE_STEPS = (1, 2, 2.5, 5)


def _nice_scale(value: float, whole: bool = True) -> tuple[float, int]:
    """The top of a value axis and its number of equal steps, read from the data.

    The lowest top that holds ``value`` in three to six round steps (111 -> 120 in six steps of
    20, not 200); ``whole`` counts never get a fractional step.
    """
    if value <= 0:
        return 4.0, 4
    if whole and value <= 6:
        return float(math.ceil(value)), max(int(math.ceil(value)), 1)
    power = 10 ** math.floor(math.log10(value / 6))
    best = None
    for scale in (power, power * 10):
        for base in NICE_STEPS:
            step = base * scale
            if whole and step != int(step):
                continue
            n = math.ceil(value / step - 1e-9)
            if 3 <= n <= 6 and (best is None or (step * n, n) < (best[0], best[1])):
                best = (step * n, n)
    return best if best is not None else (float(math.ceil(value)), 4)


def _y_axis(y_max: float, plot_h: float, steps: int = 4, percent: bool = False) -> list[str]:
    parts = []
    for k in range(steps + 1):
        value = y_max * k / steps
        y = TOP + plot_h - plot_h * k / steps
        label = f"{value:.0%}" if percent else f"{value:g}"
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(label)}</text>')
    return parts


def column_chart(title: str, desc: str, columns: Sequence[tuple[str, float]], y_label: str = "") -> Markup:
    """Vertical bars, one per (label, value), each with its value printed above it."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    y_max, steps = _nice_scale(max((v for _, v in columns), default=0))
    body = _y_axis(y_max, plot_h, steps)
    slot = plot_w / max(len(columns), 1)
    for i, (label, value) in enumerate(columns):
        h = plot_h * value / y_max
        x = LEFT + i * slot + slot * 0.1
        y = TOP + plot_h - h
        body.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
                    f'fill="{BAR}" stroke="{INK}" stroke-width="0.5"><title>{escape(label)}: {value:g}</title></rect>')
        body.append(f'<text x="{x + slot * 0.4:.1f}" y="{y - 4:.1f}" text-anchor="middle">{value:g}</text>')
        body.append(f'<text x="{x + slot * 0.4:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{escape(label)}</text>')
    if y_label:
        body.append(f'<text x="{LEFT}" y="{HEIGHT - 12}">{escape(y_label)}</text>')
    return _frame(title, desc, body, css="chart-columns")


def bar_chart(title: str, desc: str, bars: Sequence[tuple[str, float]]) -> Markup:
    """Horizontal bars with the label on the left and the value at the end of each bar."""
    label_w, row_h = 170, 28
    height = TOP + row_h * max(len(bars), 1) + 16
    x_max = max((v for _, v in bars), default=0) or 1
    plot_w = WIDTH - label_w - RIGHT - 40
    body = []
    for i, (label, value) in enumerate(bars):
        y = TOP + i * row_h
        w = plot_w * value / x_max
        body.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>')
        body.append(f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                    f'fill="{BAR}" stroke="{INK}" stroke-width="0.5"><title>{escape(label)}: {value:g}</title></rect>')
        body.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}">{value:g}</text>')
    if not bars:
        body.append(f'<text x="{WIDTH / 2}" y="{TOP + 18}" text-anchor="middle">Nothing to show</text>')
    return _frame(title, desc, body, height=height, css="chart-bars")


def line_chart(title: str, desc: str, points: Sequence[tuple[str, float]]) -> Markup:
    """A line through (label, value) points, each point marked and labelled with its value.

    Each point sits in the middle of its own slot, so the first and last labels stay inside the chart.
    """
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    y_max, steps = _nice_scale(max((v for _, v in points), default=0))
    body = _y_axis(y_max, plot_h, steps)
    slot = plot_w / max(len(points), 1)
    coords = [(LEFT + (i + 0.5) * slot, TOP + plot_h - plot_h * v / y_max) for i, (_, v) in enumerate(points)]
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    # About seven labels fit under the axis; counted back from the last point, which always has one.
    every = max(1, math.ceil(len(points) / 7))
    for i, ((label, value), (x, y)) in enumerate(zip(points, coords)):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{INK}"><title>{escape(label)}: {value:g}</title></circle>')
        if (len(points) - 1 - i) % every == 0:
            body.append(f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle">{value:g}</text>')
            body.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{escape(label)}</text>')
    return _frame(title, desc, body, css="chart-line")


def step_chart(title: str, desc: str, steps: Sequence[tuple[float, float]], x_max: float,
               x_ticks: Sequence[tuple[float, str]], marks: Sequence[tuple[float, float]] = ()) -> Markup:
    """A falling step curve of shares in [0, 1] over x (a survival curve); ``marks`` are the matches
    still open, each drawn as a tick where it stands."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body = _y_axis(1.0, plot_h, percent=True)

    def at(x: float, y: float) -> tuple[float, float]:
        return LEFT + plot_w * min(x, x_max) / x_max, TOP + plot_h - plot_h * y

    points = []
    previous = 1.0
    for x, y in steps:
        points += [at(x, previous), at(x, y)]
        previous = y
    points = [at(0, 1.0)] + points + [at(x_max, previous)]
    body.append('<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                + f'" fill="none" stroke="{BAR}" stroke-width="2"/>')
    for x, y in marks:
        if x <= x_max:
            cx, cy = at(x, y)
            body.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{cy - 4:.1f}" y2="{cy + 4:.1f}" stroke="{INK}"/>')
    for x, label in x_ticks:
        cx, _ = at(x, 0)
        body.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{TOP + plot_h}" y2="{TOP + plot_h + 4}" stroke="{INK}"/>')
        body.append(f'<text x="{cx:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{escape(label)}</text>')
    return _frame(title, desc, body, css="chart-survival")
