"""The learning page's charts, drawn from a stored learning report: calibration, and each feature's shape."""
from __future__ import annotations

from typing import Any, Sequence

from markupsafe import Markup, escape

from mentormatch.reports.svg import BAR, GRID, INK, _frame

SMALL_W, SMALL_H = 300, 150
SHAPES_SHOWN = 12


def draw(report: dict[str, Any]) -> dict[str, Any]:
    """The calibration chart and one small chart per feature, most important first."""
    shapes = sorted(report.get("shapes") or [], key=lambda s: -(s.get("importance") or 0))[:SHAPES_SHOWN]
    return {
        "calibration": calibration(report.get("calibration") or []),
        "shapes": [(shape, shape_chart(shape)) for shape in shapes],
    }


def calibration(rows: Sequence[dict[str, Any]]) -> Markup:
    """Predicted chance of lasting against the share that lasted, per bin, with each bin's interval."""
    width, height, left, right, top, bottom = 640, 320, 56, 24, 24, 56
    plot_w, plot_h = width - left - right, height - top - bottom

    def at(x: float, y: float) -> tuple[float, float]:
        return left + plot_w * x, top + plot_h - plot_h * y

    body = []
    for k in range(5):
        v = k / 4
        _, y = at(0, v)
        x, _ = at(v, 0)
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:.0%}</text>')
        body.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{v:.0%}</text>')
    (x0, y0), (x1, y1) = at(0, 0), at(1, 1)
    body.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="{INK}" stroke-dasharray="4 4"/>')
    for row in rows:
        if not row.get("pairs"):
            continue
        x, y = at(row["mean_predicted"], row["observed"])
        _, low = at(0, row["observed_low"])
        _, high = at(0, row["observed_high"])
        label = (f'predicted {row["mean_predicted"]:.0%}, lasted {row["observed"]:.0%} '
                 f'({row["lasted"]} of {row["pairs"]})')
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{low:.1f}" y2="{high:.1f}" stroke="{BAR}"/>')
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}"><title>{escape(label)}</title></circle>')
    body.append(f'<text x="{left}" y="{height - 24}">Across: the predicted chance of lasting a year</text>')
    body.append(f'<text x="{left}" y="{height - 8}">Up: the share that lasted, with its 90% interval '
                f'(dashed: the two agree)</text>')
    desc = "Held-out matches grouped by their predicted chance of lasting: " + "; ".join(
        f'predicted {r["mean_predicted"]:.0%}, {r["lasted"]} of {r["pairs"]} lasted' for r in rows if r.get("pairs"))
    return _frame("Does the predicted chance match what happened?", desc + ".", body, height=height,
                  css="chart-calibration")


def _tick(value: float) -> str:
    """An axis end as a person writes it: 17.3 rather than 17.3197, 2 rather than 2.0."""
    return f"{round(value, 1):g}"


def shape_chart(shape: dict[str, Any]) -> Markup:
    """How one feature moves the score: the learned contribution at each value (or tag)."""
    points = list(zip(shape.get("points") or [], shape.get("contributions") or []))
    left, right, top, bottom = 40, 12, 12, 28
    plot_w, plot_h = SMALL_W - left - right, SMALL_H - top - bottom
    values = [c for _, c in points] + [0.0]
    low, high = min(values), max(values)
    span = (high - low) or 1.0

    def y_of(c: float) -> float:
        return top + plot_h - plot_h * (c - low) / span

    body = [f'<line x1="{left}" x2="{SMALL_W - right}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}" stroke="{GRID}"/>',
            f'<text x="{left - 4}" y="{y_of(high) + 4:.1f}" text-anchor="end">{high:+.2f}</text>',
            f'<text x="{left - 4}" y="{y_of(low) + 4:.1f}" text-anchor="end">{low:+.2f}</text>']
    numeric = shape.get("kind") == "numeric" and all(isinstance(p, (int, float)) for p, _ in points)
    if numeric and len(points) > 1:
        x_low, x_high = points[0][0], points[-1][0]
        x_span = (x_high - x_low) or 1.0
        coords = [(left + plot_w * (p - x_low) / x_span, y_of(c)) for p, c in points]
        body.append('<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
                    + f'" fill="none" stroke="{BAR}" stroke-width="2"/>')
        body.append(f'<text x="{left}" y="{SMALL_H - 8}">{_tick(x_low)}</text>')
        body.append(f'<text x="{SMALL_W - right}" y="{SMALL_H - 8}" text-anchor="end">{_tick(x_high)}</text>')
    else:
        slot = plot_w / max(len(points), 1)
        for i, (p, c) in enumerate(points):
            x = left + i * slot + slot * 0.15
            y, zero = sorted((y_of(c), y_of(0)))
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{max(zero - y, 1):.1f}" '
                        f'fill="{BAR}"><title>{escape(str(p))}: {c:+.2f}</title></rect>')
    desc = f'{shape.get("label", shape.get("feature"))}: contribution to the log-odds of lasting at ' + ", ".join(
        f"{p} {c:+.2f}" for p, c in points[:20]) + "."
    return Markup(str(_frame(shape.get("label") or shape.get("feature", ""), desc, body, height=SMALL_H,
                             css="chart-shape")).replace('viewBox="0 0 640 ', f'viewBox="0 0 {SMALL_W} '))
