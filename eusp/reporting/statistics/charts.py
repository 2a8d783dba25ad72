"""The geometry of the statistics charts, drawn as SVG by the ``reporting/_chart_*.html``
templates: pure functions from numbers to coordinates, no database, no JavaScript.

A charting library would bring its own styles, scripts or images; a bar chart and a
time chart are a few rectangles, ticks and labels, so they are computed here and
every coordinate is testable.
"""

import math
from dataclasses import dataclass, field

from django.utils.formats import number_format

# SVG user units; the chart scales to its container (viewBox) and prints at A4 width.
WIDTH = 720
LABEL_WIDTH = 230  # left column of a bar chart: the value names
VALUE_ROOM = 70  # right of the longest bar: its count
BAR_HEIGHT = 22
BAR_GAP = 8
AXIS_HEIGHT = 28
MARGIN = 8
LABEL_CHARS = 32  # a longer name is cut with « … » (the table beside the chart has it whole)

TIME_HEIGHT = 260
TIME_LEFT = 56
TIME_BOTTOM = 44
COLUMNS_UP_TO = 60  # periods drawn as columns; more as a line


def nice_step(span: float, count: int = 5) -> int:
    """A round step (1, 2, 2.5 or 5 times a power of ten) cutting ``span`` in about
    ``count``; whole, since it counts requests (no tick at 2.5 requests)."""
    if span <= 0:
        return 1
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    factors = (1, 2, 2.5, 5, 10) if power >= 10 else (1, 2, 5, 10)
    step = next(factor * power for factor in factors if factor * power >= raw)
    return max(int(step), 1)


def nice_ticks(maximum: float, count: int = 5) -> list[int]:
    """Ticks from 0 to a round value at or above ``maximum``."""
    step = nice_step(maximum, count)
    top = math.ceil(maximum / step) * step if maximum > 0 else step
    return list(range(0, top + 1, step))


def shorten(label: str, size: int = LABEL_CHARS) -> str:
    return label if len(label) <= size else label[: size - 1].rstrip() + "…"


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class Bar:
    label: str
    short_label: str
    value: int
    value_label: str
    x: float
    y: float
    width: float
    height: float
    text_y: float  # baseline of the name and the count, centred on the bar
    value_x: float


@dataclass
class BarChart:
    width: int
    height: int
    plot_left: float
    plot_top: float
    plot_bottom: float
    label_x: float = 0  # right end of the value names
    tick_label_y: float = 0
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)


def bar_chart(items: list[tuple[str, int]], width: int = WIDTH) -> BarChart:
    """A horizontal bar per (label, count), in the given order, on a 0-based scale."""
    plot_left = LABEL_WIDTH
    plot_right = width - VALUE_ROOM
    top = MARGIN
    height = top + len(items) * (BAR_HEIGHT + BAR_GAP) + AXIS_HEIGHT
    ticks = nice_ticks(max((value for _label, value in items), default=0))
    scale = (plot_right - plot_left) / ticks[-1]
    chart = BarChart(
        width=width,
        height=height,
        plot_left=plot_left,
        plot_top=top,
        plot_bottom=height - AXIS_HEIGHT,
        label_x=plot_left - 8,
        tick_label_y=height - AXIS_HEIGHT + 18,
    )
    for index, (label, value) in enumerate(items):
        y = top + index * (BAR_HEIGHT + BAR_GAP) + BAR_GAP / 2
        bar_width = value * scale
        chart.bars.append(
            Bar(
                label=label,
                short_label=shorten(label),
                value=value,
                value_label=_number(value),
                x=plot_left,
                y=y,
                width=round(bar_width, 1),
                height=BAR_HEIGHT,
                text_y=round(y + BAR_HEIGHT / 2 + 5, 1),
                value_x=round(plot_left + bar_width + 6, 1),
            )
        )
    chart.ticks = [Tick(round(plot_left + tick * scale, 1), _number(tick)) for tick in ticks]
    return chart


@dataclass
class Column:
    label: str
    value: int
    centre: float
    x: float
    y: float
    width: float
    height: float


@dataclass
class TimeChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    columns: list[Column] = field(default_factory=list)
    line: str = ""  # polyline points when there are too many periods for columns
    as_line: bool = False
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_label_x: float = 0  # right end of the counts on the vertical axis
    x_label_y: float = 0  # baseline of the periods under the horizontal axis


def time_chart(items: list[tuple[str, int]], width: int = WIDTH, height: int = TIME_HEIGHT) -> TimeChart:
    """One column per period (a line past ``COLUMNS_UP_TO`` periods), labels thinned out
    so that they never overlap."""
    plot_left, plot_right = TIME_LEFT, width - MARGIN * 2
    plot_top, plot_bottom = MARGIN * 2, height - TIME_BOTTOM
    ticks = nice_ticks(max((value for _label, value in items), default=0))
    scale = (plot_bottom - plot_top) / ticks[-1]
    chart = TimeChart(width, height, plot_left, plot_right, plot_top, plot_bottom)
    chart.y_label_x, chart.x_label_y = plot_left - 6, plot_bottom + 18
    chart.y_ticks = [Tick(round(plot_bottom - tick * scale, 1), _number(tick)) for tick in ticks]
    count = len(items)
    if not count:
        return chart
    slot = (plot_right - plot_left) / count
    chart.as_line = count > COLUMNS_UP_TO
    points = []
    for index, (label, value) in enumerate(items):
        x = plot_left + index * slot
        y = plot_bottom - value * scale
        chart.columns.append(
            Column(
                label,
                value,
                round(x + slot / 2, 1),
                round(x + slot * 0.15, 1),
                round(y, 1),
                round(slot * 0.7, 1),
                round(value * scale, 1),
            )
        )
        points.append(f"{x + slot / 2:.1f},{y:.1f}")
    chart.line = " ".join(points)
    # About one label per 70 units: a period label is up to ~9 characters.
    every = max(1, math.ceil(count / max(1, (plot_right - plot_left) // 70)))
    chart.x_ticks = [
        Tick(round(plot_left + index * slot + slot / 2, 1), label)
        for index, (label, _value) in enumerate(items)
        if index % every == 0
    ]
    return chart


def _number(value: int) -> str:
    """A count in the reader's number format (« 1 500 »)."""
    return number_format(value, 0, force_grouping=True)
