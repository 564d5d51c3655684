"""SVG charts for the HTML report, drawn by okrtui itself: no library, no script, no fetch.

Each function returns one ``<svg>`` element with a ``viewBox`` (it scales to its
container: a phone's width or a printed page), colours as plain ``fill``/``stroke``
attributes (they print, and a test can read them), and a ``<title>`` for screen readers.
The only text inside comes from okrtui's own formatting or is escaped here.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from html import escape

from store.domain.burnup import BurnUp
from store.domain.scoring import Thresholds
from store.domain.scoring import band as band_of
from store.format import format_number, format_percent
from store.model.enums import BAND_LABEL, Band, Confidence

BAND_COLOUR: dict[Band, str] = {
    Band.OVERPERFORMING: "#1f6feb",
    Band.ACHIEVED: "#1a7f37",
    Band.ON_TRACK: "#2da44e",
    Band.AT_RISK: "#bf8700",
    Band.OFF_TRACK: "#cf222e",
    Band.NO_DATA: "#8c959f",
}
"""One colour per band, readable on white and in print (the HTML report's legend)."""
CONFIDENCE_COLOUR: dict[Confidence | None, str] = {
    Confidence.ON_TRACK: BAND_COLOUR[Band.ON_TRACK],
    Confidence.AT_RISK: BAND_COLOUR[Band.AT_RISK],
    Confidence.OFF_TRACK: BAND_COLOUR[Band.OFF_TRACK],
    None: "#d0d7de",
}
LINE = {"expected": "#57606a", "progress": "#0969da", "forecast": "#8250df", "today": "#fb8500"}

# The burn-up's drawing box (viewBox units): the plot area inside the margins.
WIDTH, HEIGHT = 600, 250
LEFT, RIGHT, TOP, BOTTOM = 46, 590, 12, 196
STRIP_Y, STRIP_H = 220, 10


def _n(value: float) -> str:
    """A coordinate with one decimal (small files, stable output)."""
    return f"{value:.1f}"


def burnup_svg(burn: BurnUp, label: str, thresholds: Thresholds | None = None) -> str:
    """A burn-up chart: expected pace, progress with its check-ins (each dot in its band's
    colour), the forecast dashed, today, and each check-in's confidence as a strip.

    ``label`` names the chart for screen readers (escaped here); ``thresholds`` decide
    the dots' bands, as everywhere else.
    """
    th = thresholds or Thresholds()
    span = max((burn.end - burn.start).days, 1)
    top = burn.top

    def x(day: date) -> float:
        days = min(max((day - burn.start).days, 0), span)
        return LEFT + (RIGHT - LEFT) * days / span

    def y(progress: float) -> float:
        return BOTTOM - (BOTTOM - TOP) * min(max(progress, 0.0), top) / top

    out = [
        f'<svg class="burnup" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    tick = 0.0
    while tick <= top + 1e-9:
        out.append(f'<line class="grid" x1="{LEFT}" x2="{RIGHT}" y1="{_n(y(tick))}" '
                   f'y2="{_n(y(tick))}" stroke="#d8dee4" stroke-width="1"/>')  # fmt: skip
        out.append(f'<text x="{LEFT - 6}" y="{_n(y(tick) + 4)}" text-anchor="end" '
                   f'font-size="11" fill="#57606a">{tick * 100:.0f}%</text>')  # fmt: skip
        tick += 0.5
    for day, anchor in ((burn.start, "start"), (burn.end, "end")):
        out.append(f'<text x="{_n(x(day))}" y="{BOTTOM + 16}" text-anchor="{anchor}" '
                   f'font-size="11" fill="#57606a">{day.isoformat()}</text>')  # fmt: skip
    (x0, p0), (x1, p1) = burn.expected_line
    out.append(f'<line class="expected" x1="{_n(x(x0))}" y1="{_n(y(p0))}" x2="{_n(x(x1))}" '
               f'y2="{_n(y(p1))}" stroke="{LINE["expected"]}" stroke-width="1.5">'
               "<title>expected pace</title></line>")  # fmt: skip
    if burn.today_in_period:
        tx = _n(x(burn.today))
        out.append(f'<line class="today" x1="{tx}" x2="{tx}" y1="{TOP}" y2="{BOTTOM}" '
                   f'stroke="{LINE["today"]}" stroke-width="1"/>')  # fmt: skip
        out.append(f'<text x="{tx}" y="{TOP + 10}" text-anchor="middle" font-size="11" '
                   f'fill="{LINE["today"]}" paint-order="stroke" stroke="#fff" '
                   f'stroke-width="3">today</text>')  # fmt: skip
    if burn.forecast is not None:
        (d0, f0), (d1, f1) = burn.forecast
        out.append(f'<line class="forecast" x1="{_n(x(d0))}" y1="{_n(y(f0))}" '
                   f'x2="{_n(x(d1))}" y2="{_n(y(f1))}" stroke="{LINE["forecast"]}" '
                   f'stroke-width="2" stroke-dasharray="6 4"><title>forecast: '
                   f"{format_percent(f1)} at {d1.isoformat()}</title></line>")  # fmt: skip
    if burn.points:
        path = " ".join(f"{_n(x(d))},{_n(y(p))}" for d, p in burn.points)
        out.append(f'<polyline class="progress" points="{path}" fill="none" '
                   f'stroke="{LINE["progress"]}" stroke-width="2"/>')  # fmt: skip
        for day, progress in burn.points:
            band = band_of(progress, th)
            out.append(f'<circle class="check-in" cx="{_n(x(day))}" cy="{_n(y(progress))}" '
                       f'r="4" fill="{BAND_COLOUR[band]}" data-band="{band.value}">'
                       f"<title>{day.isoformat()}: {format_percent(progress)} "
                       f"({BAND_LABEL[band]})</title></circle>")  # fmt: skip
    out += _strip(burn, x)
    out.append("</svg>")
    return "".join(out)


def _strip(burn: BurnUp, x: Callable[[date], float]) -> list[str]:
    """Each check-in's confidence, from its day to the next check-in's (the last: today)."""
    if not burn.confidences:
        return []
    out = [f'<text x="{LEFT - 6}" y="{STRIP_Y + 9}" text-anchor="end" font-size="10" '
           'fill="#57606a">conf.</text>']  # fmt: skip
    stops = [d for d, _ in burn.confidences[1:]]
    stops.append(max(min(burn.today, burn.end), burn.confidences[-1][0]))
    for (day, confidence), until in zip(burn.confidences, stops, strict=True):
        left, right = x(day), max(x(until), x(day) + 3)
        said = confidence.value.replace("_", " ") if confidence else "no confidence given"
        out.append(f'<rect class="confidence" x="{_n(left)}" y="{STRIP_Y}" '
                   f'width="{_n(right - left)}" height="{STRIP_H}" '
                   f'fill="{CONFIDENCE_COLOUR[confidence]}"><title>{day.isoformat()}: '
                   f"{said}</title></rect>")  # fmt: skip
    return out


def band_bar(counts: Mapping[Band, int], label: str) -> str:
    """A stacked bar: each band's share of ``counts`` in its colour, with a <title> each."""
    total = sum(counts.values())
    out = [f'<svg class="bands" viewBox="0 0 300 14" preserveAspectRatio="none" role="img" '
           f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(label)}">',
           f"<title>{escape(label)}</title>"]  # fmt: skip
    if not total:
        out.append(
            f'<rect x="0" y="0" width="300" height="14" fill="{BAND_COLOUR[Band.NO_DATA]}"/>'
        )
    left = 0.0
    for band, count in counts.items():
        if not count:
            continue
        width = 300 * count / total
        out.append(f'<rect x="{_n(left)}" y="0" width="{_n(width)}" height="14" '
                   f'fill="{BAND_COLOUR[band]}" data-band="{band.value}"><title>{count} '
                   f"{BAND_LABEL[band]}</title></rect>")  # fmt: skip
        left += width
    out.append("</svg>")
    return "".join(out)


def sparkline_svg(values: Sequence[float], label: str, unit: str = "") -> str:
    """A KPI's last values as a line, its latest as a dot (nothing for fewer than two)."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    spread = (high - low) or 1.0
    step = 116 / (len(values) - 1)
    points = [(2 + i * step, 26 - 22 * (v - low) / spread) for i, v in enumerate(values)]
    path = " ".join(f"{_n(px)},{_n(py)}" for px, py in points)
    last_x, last_y = points[-1]
    said = f"{label}: {format_number(low, unit)} to {format_number(high, unit)}"
    return (
        f'<svg class="spark" viewBox="0 0 120 30" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(said)}">'
        f"<title>{escape(said)}</title>"
        f'<polyline points="{path}" fill="none" stroke="{LINE["progress"]}" stroke-width="1.5"/>'
        f'<circle cx="{_n(last_x)}" cy="{_n(last_y)}" r="2.5" fill="{LINE["progress"]}"/></svg>'
    )
