"""The managers' dashboard page: one chart and one table for each breakdown, charts whose labels
are whole and in the page's font, and a period chosen with GOV.UK date inputs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import lxml.html

from app.audit import charts
from app.audit.gaps import GAPS
from tests.audit.test_audit_http import planted_overdue_case
from tests.conftest import sign_in

# Wednesday 2 December 2026, 6pm in London (GMT).
NOW = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def text_of(element) -> str:
    return " ".join(element.text_content().split())


def dashboard(client, query: str = ""):
    response = client.get(f"/audit/{query}")
    return response, lxml.html.fromstring(response.data)


def svgs(page) -> list:
    return page.xpath("//*[local-name()='svg'][@role='img']")


def bar_labels(svg) -> list[str]:
    """Each bar's label as drawn: its lines joined again."""
    labels = []
    for text in svg.xpath(".//*[local-name()='text'][@text-anchor='end']"):
        lines = [t.text or "" for t in text.xpath("./*[local-name()='tspan']")]
        assert all(
            len(line) * charts.CHAR_WIDTH <= charts.LABEL_WIDTH - charts.LABEL_GUTTER for line in lines
        )
        labels.append(" ".join(lines))
    return labels


def test_each_breakdown_has_one_chart_and_one_table(client, clock, mash, start_journey):
    clock.set(NOW)
    planted_overdue_case(start_journey)
    sign_in(client, mash["manager"].email)
    _, page = dashboard(client)
    tables = page.xpath("//main//table")
    assert [t.get("id") for t in tables] == ["gaps-by-agency", "gaps-by-month"]
    by_gap, by_month = svgs(page)
    assert [by_gap.get("data-table"), by_month.get("data-table")] == ["gaps-by-agency", "gaps-by-month"]

    # Each gap's count: once in its table, once as its bar, and nowhere else.
    rows = {text_of(r.xpath("./th")[0]): r for r in tables[0].xpath(".//tbody/tr")}
    (no_plan,) = [g for g in GAPS if g.slug == "strategy-discussion-no-plan"]
    row = rows[f"{no_plan.number}. {no_plan.title}"]
    assert text_of(row.xpath("./td")[0]).startswith("1")
    assert len(page.xpath(f"//a[@data-gap='{no_plan.slug}']")) == 1

    # The month table holds the trend chart's figures: cases in any gap, then each gap.
    headers = [text_of(th) for th in tables[1].xpath(".//thead//th")]
    assert headers[:2] == ["Month", "Any gap"]
    any_gap = [text_of(r.xpath("./td")[0]) for r in tables[1].xpath(".//tbody/tr")]
    drawn = [t.text for t in by_month.xpath(".//*[local-name()='text'][not(@text-anchor)]")]
    assert drawn == any_gap and "1" in any_gap


def test_chart_labels_are_whole_and_in_the_pages_font(client, clock, mash, start_journey):
    clock.set(NOW)
    planted_overdue_case(start_journey)
    sign_in(client, mash["manager"].email)
    _, page = dashboard(client)
    by_gap, by_month = svgs(page)
    assert bar_labels(by_gap) == [f"{g.number}. {g.title}" for g in GAPS]
    assert "…" not in text_of(by_gap)
    assert bar_labels(by_month)[-1] == "Dec 2026"
    stack = re.search(r"\$govuk-font-family: \(([^)]+)\)", Path("app/assets/app.scss").read_text())
    for svg in (by_gap, by_month):
        assert svg.get("font-family") == charts.FONT_FAMILY == stack.group(1)
        # The drawing is tall enough for every wrapped label.
        height = int(svg.get("viewbox").split()[3])  # lxml.html lower-cases attribute names
        bottom = max(int(r.get("y")) + int(r.get("height")) for r in svg.xpath(".//*[local-name()='rect']"))
        assert bottom < height


def test_the_period_is_chosen_with_govuk_date_inputs(client, clock, mash):
    clock.set(NOW)
    sign_in(client, mash["manager"].email)
    _, page = dashboard(client)
    for field, day in (("from", date(2025, 12, 2)), ("to", date(2026, 12, 2))):
        (group,) = page.xpath(f"//div[@id='filter-{field}'][contains(@class, 'govuk-date-input')]")
        boxes = group.xpath(".//input")
        assert [b.get("id") for b in boxes] == [
            f"filter-{field}-day",
            f"filter-{field}-month",
            f"filter-{field}-year",
        ]
        assert {b.get("name") for b in boxes} == {field}
        assert [b.get("value") for b in boxes] == [str(day.day), str(day.month), str(day.year)]
    assert not page.xpath(
        "//form[contains(@class, 'app-filter')]//input[contains(@value, '-')]"
    )  # no ISO dates

    response, page = dashboard(client, "?from=1&from=4&from=2026&to=30&to=6&to=2026")
    assert response.status_code == 200
    assert "for cases received from 1 April 2026 to 30 June 2026" in text_of(page)

    _, page = dashboard(client, "?from=31&from=2&from=2026&to=&to=6&to=2026")
    summary = page.xpath("//div[contains(@class, 'govuk-error-summary')]//a")
    assert [(a.get("href"), text_of(a)) for a in summary] == [
        ("#filter-from-day", "The start of the period must be a real date"),
        ("#filter-to-day", "The end of the period must include a day"),
    ]
    typed = [b.get("value") for b in page.xpath("//div[@id='filter-from']//input")]
    assert typed == ["31", "2", "2026"]

    # A link that keeps the scope gives each date as one ISO value: the boxes show it.
    _, page = dashboard(client, "?from=2026-04-01&to=2026-06-30")
    assert [b.get("value") for b in page.xpath("//div[@id='filter-from']//input")] == ["1", "4", "2026"]
