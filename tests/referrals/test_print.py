"""The referral page prints as the record alone: the print styles hide the header, navigation,
footer, back link and every form, and the page marks what is the record and what is not."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html

from tests.conftest import sign_in
from tests.referrals import steps

STYLES = Path(__file__).resolve().parents[2] / "app" / "assets" / "app.scss"


def print_rules() -> str:
    return STYLES.read_text(encoding="utf-8").split("@media print {", 1)[1]


def hidden_in_print() -> set[str]:
    (selectors,) = re.findall(r"^\s*([^{}]+?)\s*\{\s*display: none !important;", print_rules(), re.M)
    return {s.strip() for s in selectors.split(",")}


def test_print_hides_the_header_navigation_footer_and_forms():
    assert {
        ".govuk-template__header",
        ".govuk-service-navigation",
        ".govuk-footer",
        ".govuk-back-link",
        ".govuk-skip-link",
        ".app-no-print",
        ".app-record form",
    } <= hidden_in_print()


def test_the_referral_page_is_one_record_for_print(client, start_journey, mash):
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    journey.do("protective_plan", steps.plan())
    journey.do("police_confirm_plan", steps.confirm())
    journey.do("health_confirm_plan", steps.confirm())
    sign_in(client, mash["social_care"].email)
    page = lxml.html.fromstring(client.get(f"/referrals/{journey.referral.id}").data)
    (record,) = page.xpath("//main//div[@class='app-record']")
    # The record holds the summary, children, decisions, plan and timeline; the diagram is left out.
    for heading in ("Summary", "Decisions", "Timeline"):
        assert record.xpath(f".//h2[normalize-space()='{heading}']"), heading
    assert record.xpath(".//table[.//caption[contains(., 'Plan actions')]]")
    assert record.xpath(".//div[contains(@class, 'app-no-print')]//div[@id='diagram']")
    # The update forms in the plan table are in the record, and print hides them.
    assert record.xpath(".//form")
    printed_by = record.xpath(".//p[contains(@class, 'app-print-only')]")[0].text_content()
    assert mash["social_care"].full_name in printed_by
    # Nothing that print hides is the only copy of a fact: navigation and footer are outside the record.
    assert not record.xpath(".//header | .//footer | .//nav")


def test_every_id_on_the_referral_page_is_unique(client, start_journey, mash):
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    journey.do("protective_plan", steps.plan())
    journey.do("police_confirm_plan", steps.confirm())
    journey.do("health_confirm_plan", steps.confirm())
    sign_in(client, mash["social_care"].email)
    page = lxml.html.fromstring(client.get(f"/referrals/{journey.referral.id}").data)
    ids = page.xpath("//@id")
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_the_diagram_marks_steps_done_and_waiting_and_lists_them(client, start_journey, mash):
    journey = start_journey().to_threshold(rag="amber")
    sign_in(client, mash["social_care"].email)
    page = lxml.html.fromstring(client.get(f"/referrals/{journey.referral.id}").data)
    (diagram,) = page.xpath("//div[@id='diagram']")
    assert diagram.get("data-done-steps").split() == [
        "notification_received",
        "triage",
        "police_research",
        "health_research",
        "social_care_research",
    ]
    assert diagram.get("data-current-steps").split() == ["threshold_decision"]
    done = [li.text_content() for li in page.xpath("//ol[@id='diagram-steps-done']/li")]
    assert done[:2] == ["Police notification submitted", "MASH triage"]
    waiting = [li.text_content() for li in page.xpath("//ul[@id='diagram-steps-waiting']/li")]
    assert waiting == ["Threshold decision (Social care)"]
