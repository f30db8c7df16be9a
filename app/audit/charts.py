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
