"""Chart geometry for server-rendered SVG (templates/insights/_charts.html draws it). Each chart
also comes with its numbers as a table in the page, for screen readers and for exact reading.
Colours are the Okabe-Ito palette, distinguishable with the common colour-vision deficiencies."""

from __future__ import annotations

from dataclasses import dataclass

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str  # what a tooltip and the table say: "2026 K1, kwestie 5: 3"


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    texts: list[Text]
    legend: list[tuple[str, str]]  # (colour, name)

    @property
    def empty(self) -> bool:
        return not self.bars


def bar_chart(items: list[tuple[str, int]], *, colour: str = PALETTE[0]) -> Chart:
    """Horizontal bars, one per item, longest first as given."""
    label_width, bar_area, row = 230, 330, 28
    top = max((value for _label, value in items), default=0) or 1
    bars, texts = [], []
    for n, (label, value) in enumerate(items):
        y = n * row
        length = bar_area * value / top
        bars.append(Bar(label_width, y + 4, max(length, 1), row - 10, colour, f"{label}: {value}"))
        texts.append(Text(label_width - 8, y + row / 2 + 4, label[:34], "end"))
        texts.append(Text(label_width + length + 6, y + row / 2 + 4, str(value)))
    return Chart(label_width + bar_area + 40, max(len(items) * row, row), bars, texts, [])


@dataclass(frozen=True)
class Series:
    name: str
    values: list[int]


def column_chart(categories: list[str], series: list[Series], *, stacked: bool) -> Chart:
    """Columns per category: stacked (parts of a whole) or side by side (to compare)."""
    left, bottom, height, slot = 36, 24, 180, 64
    width = left + slot * max(len(categories), 1) + 10
    totals = [sum(s.values[n] for s in series) for n in range(len(categories))]
    highest = max(totals if stacked else [v for s in series for v in s.values] or [0]) or 1
    scale = height / highest
    bars, texts = [], []
    for n, category in enumerate(categories):
        x0, base = left + n * slot + 8, height
        inner = (slot - 16) / (1 if stacked else max(len(series), 1))
        for k, s in enumerate(series):
            value = s.values[n]
            if not value:
                continue
            h = value * scale
            colour = PALETTE[k % len(PALETTE)]
            label = f"{category}, {s.name}: {value}"
            if stacked:
                bars.append(Bar(x0, base - h, inner, h, colour, label))
                base -= h
            else:
                bars.append(Bar(x0 + k * inner, height - h, inner - 2, h, colour, label))
        texts.append(Text(left + n * slot + slot / 2, height + 16, category, "middle"))
    for tick in sorted({0, highest, highest // 2}):
        texts.append(Text(left - 6, height - tick * scale + 4, str(tick), "end"))
    legend = [(PALETTE[k % len(PALETTE)], s.name) for k, s in enumerate(series)]
    return Chart(width, height + bottom, bars, texts, legend)
