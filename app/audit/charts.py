"""Bar charts drawn on the server as SVG, with the same figures in a table on the page.

No JavaScript: the chart passes a strict CSP, prints, and the table is what
screen readers use (the SVG has role="img" and a title naming the table).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 260
CHART_WIDTH = 640
VALUE_WIDTH = 60
#: The page's font stack ($govuk-font-family in app/assets/app.scss): this is not a gov.uk
#: service, so Arial rather than GDS Transport. Set on the SVG, so a chart saved or printed
#: on its own keeps it.
FONT_FAMILY = "arial, sans-serif"
FONT_SIZE = 14
#: A generous estimate of a 14px Arial character's width, so a wrapped line never overruns.
CHAR_WIDTH = 7.5
LINE_HEIGHT = 18
LABEL_GUTTER = 8


def label_lines(label: str, label_width: int = LABEL_WIDTH) -> tuple[str, ...]:
    """A bar's label broken into lines that fit beside the bars, whole: never cut off."""
    per_line = max(1, int((label_width - LABEL_GUTTER) / CHAR_WIDTH))
    return tuple(textwrap.wrap(label, per_line, break_long_words=True, break_on_hyphens=False)) or ("",)


def row_height(lines: tuple[str, ...]) -> int:
    return max(BAR_HEIGHT, len(lines) * LINE_HEIGHT)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int = 0
    width: int = 0
    lines: tuple[str, ...] = ()

    @property
    def bar_y(self) -> int:
        """The top of the bar: level with the middle of its label."""
        return self.y + (row_height(self.lines) - BAR_HEIGHT) // 2


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: one bar per label, scaled to the largest value."""

    title: str
    bars: list[Bar]
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH
    font_family: str = FONT_FAMILY
    font_size: int = FONT_SIZE
    line_height: int = LINE_HEIGHT

    @property
    def plot_width(self) -> int:
        return self.width - self.label_width - VALUE_WIDTH

    @property
    def height(self) -> int:
        rows = [row_height(label_lines(bar.label, self.label_width)) for bar in self.bars] or [BAR_HEIGHT]
        return sum(rows) + GAP * len(rows) + GAP

    @property
    def laid_out(self) -> list[Bar]:
        largest = max((bar.value for bar in self.bars), default=0)
        out, y = [], GAP
        for bar in self.bars:
            lines = label_lines(bar.label, self.label_width)
            width = round(self.plot_width * bar.value / largest) if largest else 0
            out.append(Bar(bar.label, bar.value, y=y, width=width, lines=lines))
            y += row_height(lines) + GAP
        return out


def bar_chart(title: str, rows: list[tuple[str, int]]) -> BarChart:
    """`rows` are (label, value): the page gives the same figures in a table of its own."""
    return BarChart(title=title, bars=[Bar(label, int(value)) for label, value in rows])


# --- Stacked bars: one bar per label, split into series (for example grades) ----------

LEGEND_HEIGHT = 30
LEGEND_SWATCH = 20  # the coloured square and the gap after it
LEGEND_CHAR_WIDTH = CHAR_WIDTH
LEGEND_SPACING = 16
STACK_COLOURS = ("#00703c", "#f47738", "#d4351c", "#1d70b8", "#505a5f")


@dataclass(frozen=True)
class Segment:
    series: str
    value: int
    colour: str
    x: int
    width: int


@dataclass(frozen=True)
class StackedRow:
    label: str
    values: tuple[int, ...]
    y: int = 0
    segments: tuple[Segment, ...] = ()
    lines: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.values)

    @property
    def bar_y(self) -> int:
        """The top of the bar: level with the middle of its label."""
        return self.y + (row_height(self.lines) - BAR_HEIGHT) // 2


@dataclass(frozen=True)
class LegendItem:
    series: str
    colour: str
    x: int


@dataclass(frozen=True)
class StackedBarChart:
    """Horizontal bars split into coloured segments, one per series, scaled to the largest total.

    Colour is never the only key: the legend names each colour, every segment
    has a tooltip, and the table beside the chart gives each figure in words.
    """

    title: str
    series: tuple[str, ...]
    rows: list[StackedRow]
    colours: tuple[str, ...] = STACK_COLOURS
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH
    font_family: str = FONT_FAMILY
    font_size: int = FONT_SIZE
    line_height: int = LINE_HEIGHT

    @property
    def plot_width(self) -> int:
        return self.width - self.label_width - VALUE_WIDTH

    @property
    def height(self) -> int:
        rows = [row_height(label_lines(row.label, self.label_width)) for row in self.rows] or [BAR_HEIGHT]
        return LEGEND_HEIGHT + sum(rows) + GAP * len(rows) + GAP

    @property
    def legend(self) -> list[LegendItem]:
        """Swatches left to right, spaced by an estimate of each name's width (14px Arial),
        starting over the bars, or further left when the names would run off the chart."""
        widths = [
            LEGEND_SWATCH + round(len(name) * LEGEND_CHAR_WIDTH) + LEGEND_SPACING for name in self.series
        ]
        x = max(0, min(self.label_width, self.width - sum(widths)))
        items = []
        for index, (name, width) in enumerate(zip(self.series, widths, strict=True)):
            items.append(LegendItem(name, self.colours[index % len(self.colours)], x))
            x += width
        return items

    @property
    def laid_out(self) -> list[StackedRow]:
        largest = max((row.total for row in self.rows), default=0)
        out, y = [], LEGEND_HEIGHT + GAP
        for row in self.rows:
            x = self.label_width
            segments = []
            for position, (name, value) in enumerate(zip(self.series, row.values, strict=True)):
                width = round(self.plot_width * value / largest) if largest else 0
                segments.append(Segment(name, value, self.colours[position % len(self.colours)], x, width))
                x += width
            lines = label_lines(row.label, self.label_width)
            out.append(StackedRow(row.label, row.values, y=y, segments=tuple(segments), lines=lines))
            y += row_height(lines) + GAP
        return out


def stacked_bar_chart(title: str, series: list[str], rows: list[tuple[str, list[int]]]) -> StackedBarChart:
    """`rows` are (label, one value per series, in the order of `series`)."""
    return StackedBarChart(
        title=title,
        series=tuple(series),
        rows=[StackedRow(label, tuple(int(v) for v in values)) for label, values in rows],
    )
