"""Bar charts drawn on the server as SVG, with the same figures in a table beside them.

No JavaScript: the chart passes a strict CSP, prints, and the table is what
screen readers use (the SVG has role="img" and a title naming the table).
"""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 260
CHART_WIDTH = 640
VALUE_WIDTH = 60


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    href: str | None = None
    y: int = 0
    width: int = 0


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: one bar per label, scaled to the largest value."""

    title: str
    bars: list[Bar]
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH

    @property
    def plot_width(self) -> int:
        return self.width - self.label_width - VALUE_WIDTH

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (BAR_HEIGHT + GAP) + GAP

    @property
    def laid_out(self) -> list[Bar]:
        largest = max((bar.value for bar in self.bars), default=0)
        out = []
        for index, bar in enumerate(self.bars):
            width = round(self.plot_width * bar.value / largest) if largest else 0
            out.append(Bar(bar.label, bar.value, bar.href, y=GAP + index * (BAR_HEIGHT + GAP), width=width))
        return out


def bar_chart(title: str, rows: list[tuple[str, int, str | None]]) -> BarChart:
    return BarChart(title=title, bars=[Bar(label, int(value), href) for label, value, href in rows])


# --- Stacked bars: one bar per label, split into series (for example grades) ----------

LEGEND_HEIGHT = 30
LEGEND_SWATCH = 20  # the coloured square and the gap after it
LEGEND_CHAR_WIDTH = 7.5
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

    @property
    def total(self) -> int:
        return sum(self.values)


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

    @property
    def plot_width(self) -> int:
        return self.width - self.label_width - VALUE_WIDTH

    @property
    def height(self) -> int:
        return LEGEND_HEIGHT + max(1, len(self.rows)) * (BAR_HEIGHT + GAP) + GAP

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
        out = []
        for index, row in enumerate(self.rows):
            x = self.label_width
            segments = []
            for position, (name, value) in enumerate(zip(self.series, row.values, strict=True)):
                width = round(self.plot_width * value / largest) if largest else 0
                segments.append(Segment(name, value, self.colours[position % len(self.colours)], x, width))
                x += width
            y = LEGEND_HEIGHT + GAP + index * (BAR_HEIGHT + GAP)
            out.append(StackedRow(row.label, row.values, y=y, segments=tuple(segments)))
        return out


def stacked_bar_chart(title: str, series: list[str], rows: list[tuple[str, list[int]]]) -> StackedBarChart:
    """`rows` are (label, one value per series, in the order of `series`)."""
    return StackedBarChart(
        title=title,
        series=tuple(series),
        rows=[StackedRow(label, tuple(int(v) for v in values)) for label, values in rows],
    )
