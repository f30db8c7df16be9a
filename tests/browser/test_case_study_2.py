"""Case study 2, end to end in Chromium, through the web forms only.

A 13-year-old girl tells her teacher that her stepfather assaulted her, and
that her siblings (7, 5 and 3) were assaulted by their mother and stepfather.
The school contacts children's social care (referral source 2A, not police).
Social care triages it, police, health and social care research it in their
own lanes, the threshold decision is s47 (as the DMN recommends), a joint
strategy discussion considers all four children, and a joint protective plan
with actions for social care, police and health comes into force once police
and health confirm it.

All names are fictional.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from app.extensions import db
from app.models import Referral
from app.referrals.answers import govuk_date
from app.sample_data.demo import load_demo_data
from tests.browser.test_sign_in import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.committing]

LONDON = ZoneInfo("Europe/London")
# Saving a step runs the workflow; allow for a busy machine after each submit.
AFTER_SUBMIT = 15_000

SOCIAL_WORKER = ("social.worker@northshire.example", "Sam Demo-Social-Worker")
POLICE = ("police@northshire.example", "Pat Demo-Officer")
HEALTH = ("health@northshire.example", "Hari Demo-Nurse")

SCHOOL = "Northshire Academy (fictional)"
ADDRESS = "7 Imaginary Terrace, Northshire NS9 9ZZ"

# name, age, sex label, school, spoken to, voice, demeanour
CHILDREN = [
    (
        "Ellie Fictional-Testcase",
        13,
        "Female",
        SCHOOL,
        True,
        "She said her stepdad hit her and that she is scared to go home.",
        "Tearful, but calm once she was with her teacher.",
    ),
    ("Finn Fictional-Testcase", 7, "Male", "Northshire Primary (fictional)", False, None, None),
    ("Grace Fictional-Testcase", 5, "Female", "Northshire Primary (fictional)", False, None, None),
    ("Harry Fictional-Testcase", 3, "Male", "", False, None, None),
]

PLAN_ACTIONS = [
    # description, agency label, owner, due in days
    (
        "Place all four children with foster carers and visit them within 24 hours",
        "Local authority children's social care",
        "Sam Demo-Social-Worker, MASH social worker",
        1,
    ),
    (
        "Interview the children with a specialist intermediary (ABE interviews)",
        "Police force",
        "DS Fictional-Detective, child abuse investigation team",
        3,
    ),
    (
        "Child protection medicals for all four children",
        "Health organisation",
        "Dr Fictional-Paediatrician, community paediatrician",
        2,
    ),
    (
        "Convene the initial child protection conference",
        "Local authority children's social care",
        "Morgan Demo-Manager, MASH team manager",
        10,
    ),
]


def date_of_birth(age: int, today: date) -> date:
    """A birthday about two months ago, so the child is exactly ``age`` today."""
    earlier = today - timedelta(days=60)
    return date(earlier.year - age, earlier.month, min(earlier.day, 28))


def fill_date(group: Locator, day: date) -> None:
    """GOV.UK's date input: Day, Month and Year."""
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def fill_date_box(scope: Page | Locator, label: str, day: date) -> None:
    """A date in one box, as the notification forms ask for it."""
    scope.get_by_label(label, exact=True).fill(f"{day.day}/{day.month}/{day.year}")


def answer(page: Page | Locator, question: str, choice: str) -> None:
    page.get_by_role("group", name=question).get_by_label(choice, exact=True).check()


def sign_in_as(page: Page, base: str, user: tuple[str, str]) -> None:
    sign_in(page, base, user[0])
    expect(page.locator(".app-signed-in")).to_contain_text(f"Signed in as {user[1]}", timeout=AFTER_SUBMIT)


def open_task_from_inbox(page: Page, reference: str, title: str, user_name: str, pick_up: bool) -> None:
    """Find the task in the inbox, optionally pick it up first, and open it."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Tasks").click()
    expect(page.get_by_role("heading", name="Tasks", exact=True)).to_be_visible()
    link_name = f"{title} for {reference}"
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=link_name, exact=True))
    expect(row).to_have_count(1)
    if pick_up:
        row.get_by_role("button", name=f"Pick up {title} for {reference}").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Task picked up")
        expect(row).to_contain_text(user_name)
        expect(row.get_by_role("button", name=re.compile("^Pick up"))).to_have_count(0)
    row.get_by_role("link", name=link_name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_have_text(reference)


def open_task_from_referral(page: Page, base: str, referral_id: int, title: str) -> None:
    page.goto(f"{base}/referrals/{referral_id}")
    page.locator("#tasks + ul").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def save_task(page: Page, title: str, button: str = "Save and continue") -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"{title}: saved.", timeout=AFTER_SUBMIT
    )
    expect(page.locator(".govuk-error-summary")).to_have_count(0)


def record_contact(page: Page, base: str, now: datetime) -> tuple[int, str]:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Record a contact").click()
    expect(page.get_by_role("heading", level=1, name="Record a contact")).to_be_visible()
    assert page.url == f"{base}/contacts/new"

    page.get_by_label("Where did the contact come from?").select_option("2A")
    page.get_by_label("Name of the person who made contact").fill("Dee Fictional-Teacher")
    page.get_by_label("Their organisation (optional)").fill(SCHOOL)
    answer(page, "What is the concern about?", "Physical abuse")
    concern_at = now - timedelta(hours=2)
    fill_date_box(page, "Date the concern arose", concern_at.date())
    page.get_by_label("Time the concern arose").fill(concern_at.strftime("%H:%M"))
    page.get_by_label("Where did it happen?").fill(f"{ADDRESS} (disclosed at {SCHOOL})")
    page.get_by_label("What happened").fill(
        "Ellie (13) told her form teacher that her stepfather assaulted her last night, and that her "
        "siblings Finn (7), Grace (5) and Harry (3) have been assaulted by their mother and stepfather."
    )
    page.get_by_label("Immediate safeguarding action taken").fill(
        "The designated safeguarding lead kept Ellie in school and phoned the MASH. Finn and Grace are in "
        "school today; Harry is at home."
    )

    today = now.date()
    for number, (name, age, sex, school, spoken_to, voice, demeanour) in enumerate(CHILDREN, start=1):
        if number > 1:
            page.get_by_role("button", name="Add another child").click()
        child = page.get_by_role("group", name=f"Child {number}", exact=True)
        expect(child).to_be_visible()
        child.get_by_label("Full name").fill(name)
        fill_date_box(child, "Date of birth", date_of_birth(age, today))
        answer(child, "Sex", sex)
        child.get_by_label("Address", exact=True).fill(ADDRESS)
        answer(child, "Was the child present?", "Yes" if spoken_to else "No")
        answer(child, "Was the child spoken to?", "Yes" if spoken_to else "No")
        voice_group = child.get_by_role("group", name="If the child's own words or views were not recorded")
        demeanour_group = child.get_by_role(
            "group", name="If their behaviour and demeanour were not recorded"
        )
        if spoken_to:
            child.get_by_label("The child's own words or views").fill(voice)
            child.get_by_label("Behaviour and demeanour").fill(demeanour)
            child.locator("details summary").click()
            child.get_by_label("Injuries (optional)").fill("Bruise to her upper left arm.")
        else:
            child.locator("details summary").click()
            child.get_by_label("If the child was not spoken to, why not?").fill(
                "Not seen yet: the disclosure was made by an older sibling at school"
            )
            voice_group.get_by_label("Not recorded", exact=True).check()
            voice_group.get_by_label("If not recorded, why not?").fill("Not yet spoken to by any agency")
            demeanour_group.get_by_label("Not recorded", exact=True).check()
            demeanour_group.get_by_label("If not recorded, why not?").fill("Not yet seen by any agency")
        if school:
            child.get_by_label("School or nursery (optional)").fill(school)

    expect(page.get_by_role("group", name=re.compile(r"^Child \d+$"))).to_have_count(4)
    page.get_by_role("button", name="Save contact", exact=True).click()

    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("created and sent to MASH triage", timeout=AFTER_SUBMIT)
    match = re.search(r"Referral (\S+) created", banner.inner_text())
    assert match, banner.inner_text()
    reference = match.group(1)
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    referral_id = int(re.search(r"/referrals/(\d+)$", page.url).group(1))
    expect(page.get_by_role("heading", name="Children (4)")).to_be_visible()
    summary = page.locator(".govuk-summary-list").first
    expect(summary).to_contain_text(f"Schools (2A) – Dee Fictional-Teacher, {SCHOOL}")
    return referral_id, reference


def fill_research(page: Page, agency: str, findings: str) -> None:
    page.get_by_label(f"What did your {agency} checks find?").fill(findings)
    page.get_by_label("What information did you share?").fill(findings)
    page.get_by_label("Who did you share it with?").fill("MASH partners for this referral")
    page.get_by_label("Why it was shared").fill("To inform the threshold decision about four children.")
    answer(
        page, "Lawful basis for sharing", "Children Act 1989, section 47 – enquiries about significant harm"
    )
    answer(page, "Does your agency disagree with the triage?", "No")


def test_case_study_2_school_contact_to_joint_plan_in_force(app_page, live_server, committed_db):
    load_demo_data()
    db.session.commit()
    db.session.remove()  # hold no transaction (SQLite's lock) while the browser works

    page, base = app_page, live_server
    now = datetime.now(LONDON).replace(second=0, microsecond=0)
    today = now.date()

    # 1. The school's contact, recorded by social care.
    sign_in_as(page, base, SOCIAL_WORKER)
    referral_id, reference = record_contact(page, base, now)

    # 2. MASH triage, picked up from the inbox.
    open_task_from_inbox(page, reference, "MASH triage", SOCIAL_WORKER[1], pick_up=True)
    # What the decision needs comes above the form: each child is named there.
    for name, *_ in CHILDREN:
        expect(page.locator("main")).to_contain_text(name)
    answer(page, "RAG rating", "Red")
    page.get_by_label("Why did you give this rating?").fill(
        "Disclosure of assault by a carer; three younger siblings in the same household."
    )
    answer(
        page,
        "Is there reasonable cause to suspect that a child is suffering, or is likely to suffer, significant harm?",
        "Yes",
    )
    # Another engineer may add an optional "is agency research needed?" question: we want research.
    research_question = page.get_by_role("group", name=re.compile("research", re.IGNORECASE))
    if research_question.count():
        research_question.get_by_label("Yes", exact=True).check()
    save_task(page, "MASH triage")
    tasks = page.locator("#tasks + ul")
    for lane_task in ("Police research", "Health research", "Social care research"):
        expect(tasks).to_contain_text(lane_task)

    # 3a. Social care research, from the referral page.
    open_task_from_referral(page, base, referral_id, "Social care research")
    fill_research(
        page,
        "social care",
        "Family known: early help in 2024 for school attendance. No child protection history.",
    )
    save_task(page, "Social care research")
    sign_out(page)

    # 3b. Police research, in the police lane.
    sign_in_as(page, base, POLICE)
    open_task_from_inbox(page, reference, "Police research", POLICE[1], pick_up=True)
    fill_research(page, "police", "Stepfather: two domestic abuse call-outs at the address in the last year.")
    save_task(page, "Police research")
    sign_out(page)

    # 3c. Health research, in the health lane.
    sign_in_as(page, base, HEALTH)
    open_task_from_inbox(page, reference, "Health research", HEALTH[1], pick_up=True)
    fill_research(page, "health", "Harry (3) missed his last two health visitor appointments.")
    save_task(page, "Health research")
    sign_out(page)

    # 4. Threshold decision: s47, as the DMN recommends, so no manager escalation.
    sign_in_as(page, base, SOCIAL_WORKER)
    open_task_from_inbox(page, reference, "Threshold decision", SOCIAL_WORKER[1], pick_up=False)
    expect(page.locator(".govuk-inset-text").first).to_contain_text(
        "Recommended outcome: Child protection (s47) strategy discussion"
    )
    page.get_by_label("Child protection (s47) strategy discussion", exact=True).check()
    page.get_by_label("Reasons for your decision").fill(
        "Disclosure of physical abuse by the stepfather; siblings also reported assaulted. Reasonable cause "
        "to suspect significant harm to all four children."
    )
    save_task(page, "Threshold decision")
    expect(tasks).to_contain_text("Strategy discussion")
    expect(tasks).not_to_contain_text("Resolve professional disagreement")

    # 5. The school is invited to the strategy discussion, so its teacher can be recorded there.
    page.get_by_role("link", name="Invite an agency, such as a school").click()
    page.get_by_label("Which agency?").select_option(label="Northshire Schools")
    page.get_by_label("Invited to the strategy discussion").check()
    page.get_by_label("Why is the agency needed?").fill(
        "Ellie told her teacher; the school sees all four daily."
    )
    page.get_by_role("button", name="Invite the agency").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Northshire Schools is invited")

    # 6. The strategy discussion: joint investigation, all four children considered.
    open_task_from_inbox(page, reference, "Strategy discussion", SOCIAL_WORKER[1], pick_up=False)
    held = now - timedelta(minutes=30)
    fill_date(page.get_by_role("group", name="Date of the strategy discussion"), held.date())
    page.get_by_label("Time it started").fill(held.strftime("%H:%M"))
    page.get_by_label("Who chaired the discussion?").fill("Morgan Demo-Manager")
    attendees = [
        # The agency lists hold only the agencies taking part ("Northshire Police (Police force)"): by kind.
        ("Sam Demo-Social-Worker", "childrens_social_care", "MASH social worker"),
        ("DS Fictional-Detective", "police", "Detective sergeant"),
        ("Dr Fictional-Paediatrician", "health", "Community paediatrician"),
        ("Dee Fictional-Teacher", "education", "Designated safeguarding lead"),
    ]
    expect(page.get_by_role("group", name=re.compile(r"^Attendee \d+$"))).to_have_count(3)
    page.get_by_role("button", name="Add another attendee").click()
    expect(page.get_by_role("group", name=re.compile(r"^Attendee \d+$"))).to_have_count(4)
    for number, (name, agency, role) in enumerate(attendees, start=1):
        row = page.get_by_role("group", name=f"Attendee {number}", exact=True)
        row.get_by_label("Name", exact=True).fill(name)
        row.get_by_label("Agency", exact=True).select_option(value=agency)
        row.get_by_label("Role", exact=True).fill(role)
    page.get_by_label("Information shared at the discussion").fill(
        "School disclosure; police call-out history; missed health appointments; early help history."
    )
    answer(page, "Decision about section 47 enquiries", "Joint investigation with police")
    answer(page, "Will there be a criminal investigation?", "Yes")
    page.get_by_label("How and when will the criminal investigation be conducted?").fill(
        "ABE interviews with specialist intermediaries within 48 hours; stepfather to be interviewed under caution."
    )
    page.get_by_label("Immediate and short-term actions").fill(
        "Social care to place the children with foster carers today; police to arrange ABE interviews; "
        "health to arrange child protection medicals."
    )
    answer(page, "Was legal action considered?", "Yes")
    page.get_by_label("What legal action was considered, and what was decided?").fill(
        "Section 20 accommodation agreed with the mother; legal planning meeting if she withdraws consent."
    )
    answer(
        page,
        "Were other children considered, such as siblings or other children in the household?",
        "Yes",
    )
    page.get_by_label("Other children", exact=True).fill(
        "Finn (7), Grace (5) and Harry (3) are included in this enquiry: all four children are at risk."
    )
    answer(page, "Is an initial child protection conference (ICPC) needed?", "Yes")
    save_task(page, "Strategy discussion")
    decisions = page.locator("h3:text-is('Strategy discussion') + dl")
    expect(decisions).to_contain_text("Joint investigation with police")
    for name, _, role in attendees:
        expect(decisions).to_contain_text(f"{name}, {role}")
    expect(decisions).to_contain_text("Needed by")

    # 7. The joint protective plan, with actions for the three agencies.
    open_task_from_referral(page, base, referral_id, "Agree joint protective plan")
    page.get_by_label("Summary of the plan").fill(
        "All four children accommodated with foster carers while police and social care investigate jointly; "
        "medicals and ABE interviews to follow."
    )
    fill_date(page.get_by_role("group", name="Review date"), today + timedelta(days=28))
    expect(page.get_by_role("group", name=re.compile(r"^Action \d+$"))).to_have_count(3)
    page.get_by_role("button", name="Add another action").click()
    expect(page.get_by_role("group", name=re.compile(r"^Action \d+$"))).to_have_count(4)
    for number, (description, agency, owner, due_in) in enumerate(PLAN_ACTIONS, start=1):
        row = page.get_by_role("group", name=f"Action {number}", exact=True)
        row.get_by_label("Action", exact=True).fill(description)
        row.get_by_label("Agency that owns it").select_option(label=agency)
        row.get_by_label("Who owns it").fill(owner)
        fill_date(row.get_by_role("group", name="Due date"), today + timedelta(days=due_in))
    save_task(page, "Agree joint protective plan")
    plan_heading = page.locator("#plan")
    expect(plan_heading).to_contain_text("Awaiting confirmation")
    sign_out(page)

    # 8a. Police confirm the plan in the police lane.
    sign_in_as(page, base, POLICE)
    open_task_from_inbox(page, reference, "Police confirm protective plan", POLICE[1], pick_up=True)
    for description, *_ in PLAN_ACTIONS:
        expect(page.get_by_role("table")).to_contain_text(description)
    answer(page, "Does your agency agree to this plan?", "Yes")
    save_task(page, "Police confirm protective plan", button="Send response")
    sign_out(page)

    # 8b. Health confirm the plan in the health lane: the plan comes into force.
    sign_in_as(page, base, HEALTH)
    open_task_from_inbox(page, reference, "Health confirm protective plan", HEALTH[1], pick_up=False)
    answer(page, "Does your agency agree to this plan?", "Yes")
    save_task(page, "Health confirm protective plan", button="Send response")

    # 9. The referral page: plan in force, actions for three agencies, who did what.
    expect(plan_heading).to_contain_text("In force")
    confirmations = page.locator("p", has_text="Review date:")
    expect(confirmations).to_contain_text("Police: confirmed.")
    expect(confirmations).to_contain_text("Health: confirmed.")
    plan_table = page.get_by_role("table").filter(has_text="Plan actions")
    for description, agency, owner, due_in in PLAN_ACTIONS:
        action_row = plan_table.get_by_role("row").filter(has_text=description)
        expect(action_row).to_contain_text(agency)
        expect(action_row).to_contain_text(owner)
        expect(action_row).to_contain_text(govuk_date(today + timedelta(days=due_in)))
        expect(action_row).to_contain_text("Not started")
    expect(page.locator("#tasks + ul")).to_contain_text("Plan in force: review and close")

    timeline = page.locator(".app-timeline")
    done_by = [
        ("Contact recorded", SOCIAL_WORKER[1]),
        ("MASH triage", SOCIAL_WORKER[1]),
        ("Social care research", SOCIAL_WORKER[1]),
        ("Police research", POLICE[1]),
        ("Health research", HEALTH[1]),
        ("Threshold decision", SOCIAL_WORKER[1]),
        ("Northshire Schools invited", SOCIAL_WORKER[1]),
        ("Strategy discussion", SOCIAL_WORKER[1]),
        ("Agree joint protective plan", SOCIAL_WORKER[1]),
        ("Police confirm protective plan", POLICE[1]),
        ("Health confirm protective plan", HEALTH[1]),
    ]
    for title, full_name in done_by:
        item = timeline.locator(".app-timeline__item").filter(
            has=page.get_by_role("heading", name=title, exact=True)
        )
        expect(item).to_have_count(1)
        expect(item).to_contain_text(re.compile(f"[Bb]y {re.escape(full_name)}, "))
    expect(timeline.locator(".app-timeline__item")).to_have_count(len(done_by))
    sign_out(page)

    # What was stored, read without holding a transaction afterwards.
    referral = db.session.get(Referral, referral_id)
    try:
        assert referral.reference == reference
        assert referral.referral_source == "2A"
        assert [c.full_name for c in referral.children] == [c[0] for c in CHILDREN]
        assert referral.threshold_decision.recommended_outcome == "s47"
        assert referral.threshold_decision.outcome == "s47"
        assert not referral.threshold_decision.escalated
        discussion = referral.strategy_discussion
        assert discussion.decision == "joint_investigation"
        assert discussion.other_children_considered and discussion.icpc_required
        assert {a.agency_kind.value for a in discussion.attendees} >= {
            "childrens_social_care",
            "police",
            "health",
        }
        plan = referral.plan
        assert plan.status.value == "in_force"
        assert plan.police_confirmed and plan.health_confirmed
        assert {a.owning_agency_kind.value for a in plan.actions} == {
            "childrens_social_care",
            "police",
            "health",
        }
    finally:
        db.session.remove()
