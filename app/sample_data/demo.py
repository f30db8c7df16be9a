"""Clearly fictional demo agencies and accounts, for development only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select

from app.domain.clock import london_today, utcnow
from app.extensions import db
from app.models import Agency, AgencyKind, Role, RoleName, User
from app.passwords import hash_password

# A step's answers, or a function giving them when the step is done.
Answers = dict | Callable[[], dict]

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - fictional demo accounts, refused in production

DEMO_AGENCIES: list[tuple[str, AgencyKind]] = [
    ("Northshire Police", AgencyKind.POLICE),
    ("Northshire Children's Services", AgencyKind.CHILDRENS_SOCIAL_CARE),
    ("Northshire Health", AgencyKind.HEALTH),
    ("Northshire Schools", AgencyKind.EDUCATION),
]

# email, name, job title, agency, roles
DEMO_USERS: list[tuple[str, str, str, str, tuple[RoleName, ...]]] = [
    (
        "police@northshire.example",
        "Pat Demo-Officer",
        "MASH police researcher",
        "Northshire Police",
        (RoleName.POLICE,),
    ),
    (
        "social.worker@northshire.example",
        "Sam Demo-Social-Worker",
        "MASH social worker",
        "Northshire Children's Services",
        (RoleName.SOCIAL_CARE,),
    ),
    (
        "health@northshire.example",
        "Hari Demo-Nurse",
        "MASH health practitioner",
        "Northshire Health",
        (RoleName.HEALTH,),
    ),
    (
        "manager@northshire.example",
        "Morgan Demo-Manager",
        "MASH team manager",
        "Northshire Children's Services",
        (RoleName.MASH_MANAGER,),
    ),
    (
        "auditor@northshire.example",
        "Ali Demo-Auditor",
        "Quality assurance auditor (read-only)",
        "Northshire Children's Services",
        (RoleName.AUDITOR,),
    ),
    (
        "admin@northshire.example",
        "Ash Demo-Admin",
        "System administrator",
        "Northshire Children's Services",
        (RoleName.ADMINISTRATOR,),
    ),
    (
        "school@northshire.example",
        "Jordan Demo-Teacher",
        "Designated safeguarding lead",
        "Northshire Schools",
        (RoleName.EDUCATION,),
    ),
]

# The school whose teacher heard the disclosure is invited to that referral's strategy discussion.
INVITED_SCHOOL = "Northshire Schools"
INVITED_TO = "Demo Child-One"


def load_demo_data() -> dict[str, int]:
    """Create what is missing and leave the rest alone, so running it twice is harmless."""
    created = {"agencies": 0, "users": 0}
    agencies: dict[str, Agency] = {}
    for name, kind in DEMO_AGENCIES:
        agency = db.session.scalar(select(Agency).where(Agency.name == name))
        if agency is None:
            agency = Agency(name=name, kind=kind, local_authority_area="Northshire")
            db.session.add(agency)
            created["agencies"] += 1
        agencies[name] = agency
    db.session.flush()
    password_hash = None
    for email, name, job_title, agency_name, roles in DEMO_USERS:
        if User.by_email(email) is not None:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        db.session.add(
            User(
                email=email,
                full_name=name,
                job_title=job_title,
                agency=agencies[agency_name],
                roles=[Role.get_or_create(r) for r in roles],
                password_hash=password_hash,
            )
        )
        created["users"] += 1
    db.session.flush()
    created["referrals"] = load_demo_cases()
    return created


def _demo_child(name: str, dob: date, **details) -> dict:
    base = {
        "full_name": name,
        "date_of_birth": dob,
        "sex": "2",
        "nhs_number": None,
        "address": "12 Fictional Close, Northshire NS1 0AA",
        "school": "Northshire Primary (fictional)",
        "present": False,
        "spoken_to": False,
        "not_spoken_to_reason": "Not yet seen: referral received from school",
        "voice": None,
        "voice_not_recorded_reason": "Not yet spoken to by any agency",
        "demeanour": None,
        "demeanour_not_recorded_reason": "Not yet seen by any agency",
        "injuries": None,
    }
    return {**base, **details}


def _born(years: int, days_past_birthday: int) -> date:
    """A date of birth that makes a demo child `years` old today, whatever today is, so the
    case studies' ages (a 15-year-old in custody, a two-year-old) stay true."""
    today = london_today()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February in a year without one
        birthday = today.replace(year=today.year - years, day=28)
    return birthday - timedelta(days=days_past_birthday)


def _demo_cases() -> list[tuple[str, dict, list[tuple[str, Answers]]]]:
    """Fictional referrals after the patterns in the case studies (names invented): who submits
    each, what they submit, and the steps then completed on it."""
    from app.referrals.services import INCIDENT_DETAIL_FIELDS

    now = utcnow().replace(microsecond=0)
    empty = dict.fromkeys(INCIDENT_DETAIL_FIELDS)
    school_disclosure = {
        **empty,
        "referral_source": "2A",
        "incident_type": "physical_abuse",
        "occurred_at": now - timedelta(hours=3),
        "location": "Northshire Academy (fictional)",
        "referrer_name": "Demo Teacher",
        "referrer_organisation": "Northshire Academy (fictional)",
        "description": "A 13-year-old told her teacher her stepfather assaulted her, and that her siblings (7, 5 and 3) were assaulted by their mother and stepfather.",
        "immediate_action": "Designated safeguarding lead kept her in school and phoned the MASH.",
        "children": [
            _demo_child(
                "Demo Child-One",
                _born(13, 120),
                school="Northshire Academy (fictional)",
                present=True,
                spoken_to=True,
                not_spoken_to_reason=None,
                voice="She said she is scared to go home.",
                voice_not_recorded_reason=None,
                demeanour="Tearful but calm with her teacher.",
                demeanour_not_recorded_reason=None,
                injuries="Bruise to upper arm.",
            ),
            _demo_child("Demo Child-Two", _born(7, 200)),
            _demo_child("Demo Child-Three", _born(5, 40)),
            _demo_child("Demo Child-Four", _born(3, 150), school=None),
        ],
    }
    # Case study 6: custody notification; triage, checks, then no further action (closed),
    # so it appears on gap list 8 (no social care referral, appropriate adult 7 hours, refusal not escalated).
    custody = {
        **empty,
        "referral_source": "6",
        "incident_type": "child_in_custody",
        "occurred_at": now - timedelta(hours=60),
        "location": "Northshire Central custody suite (fictional)",
        "description": "A 15-year-old arrested for robbery; bail refused; held in a cell until court, 53 hours in all. "
        "The appropriate adult was not asked to attend the strip search.",
        "immediate_action": "Local authority asked for secure accommodation; none found. No other accommodation considered.",
        "custody_arrived_at": now - timedelta(hours=58),
        "custody_aa_requested_at": now - timedelta(hours=57),
        "custody_aa_arrived_at": now - timedelta(hours=50),
        "custody_healthcare_assessed": False,
        "custody_accommodation_requested": True,
        "custody_accommodation_refused": True,
        "custody_refusal_escalated": False,
        "children": [
            _demo_child(
                "Demo Young-Person",
                _born(15, 90),
                sex="1",
                present=True,
                spoken_to=True,
                not_spoken_to_reason=None,
                voice="He said nobody told him what was happening.",
                voice_not_recorded_reason=None,
                demeanour="Withdrawn, tired.",
                demeanour_not_recorded_reason=None,
                school="Northshire College (fictional)",
            ),
        ],
    }
    # Case study 5: police protection used for a two-year-old; the time it was rescinded was
    # never recorded, and no long-term plan yet (gap list 9).
    police_protection = {
        **empty,
        "referral_source": "6",
        "incident_type": "police_protection",
        "occurred_at": now - timedelta(hours=80),
        "location": "4 Invented Terrace, Northshire (fictional)",
        "description": "Ambulance service called police: an adult male stabbed by his partner; their two-year-old daughter was present. "
        "The victim went to hospital and the offender was arrested. Grandparents unwilling to care for the child.",
        "immediate_action": "Police protection (s46) used. Emergency duty team contacted; foster placement found within two hours.",
        "pp_started_at": now - timedelta(hours=79),
        "pp_place_of_safety": "Emergency foster placement (fictional)",
        "pp_local_authority_informed_at": now - timedelta(hours=78, minutes=30),
        "pp_rescinded_at": None,
        "children": [
            _demo_child(
                "Demo Toddler-Five",
                _born(2, 170),
                school=None,
                present=True,
                spoken_to=False,
                not_spoken_to_reason="Aged two: too young to give an account.",
                voice=None,
                voice_not_recorded_reason="Aged two: too young to give an account.",
                demeanour="Crying and clinging to the officer; settled with the foster carer.",
                demeanour_not_recorded_reason=None,
            ),
        ],
    }
    return [
        ("social.worker@northshire.example", school_disclosure, []),
        ("police@northshire.example", custody, _custody_journey()),
        ("police@northshire.example", police_protection, _police_protection_journey()),
        *_overdue_cases(now, empty),
    ]


def _overdue_cases(now, empty: dict) -> list[tuple[str, dict, list[tuple[str, Answers]]]]:
    """Backlog entries: received by the MASH well before they were entered, so their clocks have run
    out. Their threshold decisions are overdue, and the timer worker has raised the escalations."""
    late_night = {
        **empty,
        "referral_source": "6",
        "incident_type": "domestic_abuse",
        "occurred_at": now - timedelta(hours=30),
        "recorded_at": now - timedelta(hours=29),
        "received_at": now - timedelta(hours=26),
        "location": "9 Pretend Gardens, Northshire (fictional)",
        "description": "Neighbour called police to shouting and a crash. The mother had a cut to her head; "
        "her partner had left. Her son (9) was awake and had hidden in his room.",
        "immediate_action": "Mother taken to hospital; the boy stayed with his aunt. Partner arrested later.",
        "dash_level": "high",
        "children": [
            _demo_child(
                "Demo Overdue-Seven",
                _born(9, 60),
                sex="1",
                present=True,
                spoken_to=True,
                not_spoken_to_reason=None,
                voice="He said he was scared when the shouting started.",
                voice_not_recorded_reason=None,
                demeanour="Quiet; held his aunt's hand.",
                demeanour_not_recorded_reason=None,
            ),
        ],
    }
    health_visitor = {
        **empty,
        "referral_source": "3D",
        "incident_type": "neglect",
        "occurred_at": now - timedelta(days=7, hours=4),
        "received_at": now - timedelta(days=7),
        "location": "14 Makebelieve Road, Northshire (fictional)",
        "referrer_name": "Demo Health-Visitor",
        "referrer_organisation": "Northshire Health Visiting (fictional)",
        "description": "Home visit: the baby had not been weighed for three months and the flat was cold.",
        "immediate_action": "Heating advice given; GP appointment booked for the baby.",
        "children": [_demo_child("Demo Overdue-Eight", _born(0, 200), school=None)],
    }
    unopened = {
        **empty,
        "referral_source": "2A",
        "incident_type": "emotional_abuse",
        "occurred_at": now - timedelta(days=7, hours=2),
        "received_at": now - timedelta(days=7),
        "location": "Northshire Primary (fictional)",
        "referrer_name": "Demo Class-Teacher",
        "referrer_organisation": "Northshire Primary (fictional)",
        "description": "A pupil said her mother tells her every day that she is worthless.",
        "immediate_action": "Designated safeguarding lead spoke to her and phoned the MASH.",
        "children": [_demo_child("Demo Overdue-Nine", _born(8, 10))],
    }
    researched = [
        ("police_research", _checks("One earlier call-out to the address, no arrest.")),
        ("health_research", _checks("Registered with a GP; immunisations up to date.")),
        ("social_care_research", _checks("Not previously known to children's social care.")),
    ]
    return [
        (
            "police@northshire.example",
            late_night,
            [
                (
                    "triage",
                    {
                        "rag": "red",
                        "rag_reason": "High DASH risk and a child in the household.",
                        "significant_harm_suspected": True,
                    },
                ),
                *researched,
            ],
        ),
        (
            "social.worker@northshire.example",
            health_visitor,
            [
                (
                    "triage",
                    {
                        "rag": "amber",
                        "rag_reason": "A baby's health is at risk if this goes on; no immediate danger.",
                        "significant_harm_suspected": False,
                    },
                ),
                *researched,
            ],
        ),
        ("social.worker@northshire.example", unopened, []),
    ]


def _checks(findings: str, disagrees: bool = False, reason: str | None = None) -> dict:
    return {
        "findings": findings,
        "information_shared": "Relevant history from our systems.",
        "shared_with": "MASH social worker",
        "purpose": "To inform the threshold decision.",
        "lawful_basis": "dpa_2018_safeguarding",
        "disagrees": disagrees,
        "disagreement_reason": reason,
    }


def _custody_journey() -> list[tuple[str, Answers]]:
    """Case study 6 as it went: a poor decision, agreed by a manager, closed with no referral to social care."""
    return [
        (
            "triage",
            {
                "rag": "green",
                "rag_reason": "Information from custody; he has been charged and is going to court.",
                "significant_harm_suspected": False,
            },
        ),
        ("police_research", _checks("Two earlier arrests for theft this year.")),
        ("health_research", _checks("No trace on health systems since his school nurse review.")),
        ("social_care_research", _checks("Previously known: early help closed last year.")),
        (
            "threshold_decision",
            {
                "outcome": "nfa",
                "rationale": "Criminal matter for youth justice; no social care role identified.",
            },
        ),
        (
            "resolve_disagreement",
            {"outcome": "nfa", "resolution": "Agreed: youth justice service is involved."},
        ),
        (
            "record_outcome",
            {"primary_need": "N6", "next_step": "Youth justice service informed.", "closure_reason": None},
        ),
    ]


def _police_protection_journey() -> list[tuple[str, Answers]]:
    """Case study 5 as far as the strategy discussion: the joint plan is still to be agreed."""
    return [
        (
            "triage",
            {
                "rag": "red",
                "rag_reason": "Police protection used; a two-year-old witnessed a stabbing.",
                "significant_harm_suspected": True,
            },
        ),
        (
            "police_research",
            _checks("Mother arrested for wounding; one earlier domestic incident at the address."),
        ),
        ("health_research", _checks("Health visitor: development on track; no concerns recorded.")),
        ("social_care_research", _checks("Not previously known to children's social care.")),
        (
            "threshold_decision",
            {
                "outcome": "immediate_protection",
                "rationale": "Police protection in force; foster placement needed.",
            },
        ),
        ("resolve_disagreement", {"outcome": "immediate_protection", "resolution": "Agreed."}),
        # Called when the step is done, so the discussion is not dated before the referral.
        (
            "strategy_discussion",
            lambda: {
                "held_at": utcnow().replace(microsecond=0),
                "chair": "Demo Team Manager",
                "attendees": [
                    {
                        "name": "Sam Demo-Social-Worker",
                        "agency_kind": "childrens_social_care",
                        "role": "MASH social worker",
                    },
                    {"name": "Pat Demo-Officer", "agency_kind": "police", "role": "Detective sergeant"},
                    {"name": "Hari Demo-Nurse", "agency_kind": "health", "role": "Named nurse"},
                ],
                "social_care_absence_reason": None,
                "police_absence_reason": None,
                "health_absence_reason": None,
                "information_shared": "The incident, the arrest, the placement and the family's history.",
                "decision": "joint_investigation",
                "criminal_investigation": True,
                "criminal_investigation_plan": "Mother interviewed under caution; father's statement from hospital.",
                "immediate_actions": "Child stays in foster care; contact with father supervised.",
                "legal_action_considered": True,
                "legal_action_notes": "Legal planning meeting if no family placement is found.",
                "other_children_considered": True,
                "other_children_notes": "No other children in the household.",
                "icpc_required": True,
            },
        ),
    ]


LANE_USERS = {
    "Police": "police@northshire.example",
    "Social care": "social.worker@northshire.example",
    "Health": "health@northshire.example",
    "Manager": "manager@northshire.example",
}


def _find_demo_case(case: dict):
    """The demo referral already made from `case`, found by its first child's name (demo names are
    unique; their dates of birth move with the calendar)."""
    from app.models import Child, Referral

    first = case["children"][0]
    return db.session.scalar(
        select(Referral)
        .join(Child, Child.referral_id == Referral.id)
        .where(Child.full_name == first["full_name"])
        .limit(1)
    )


def _continue_journey(referral, journey: list[tuple[str, dict]]) -> None:
    """Complete each step that is ready, in order, as the demo user of its lane.

    A step that is not ready is passed over (an escalation that did not happen, or a
    step done on an earlier load), so loading again never repeats a step.
    """
    from app.referrals.services import complete_task

    for step, answers in journey:
        task = next((t for t in referral.ready_tasks if t.step == step), None)
        if task is None:
            continue
        data = answers() if callable(answers) else answers
        complete_task(User.by_email(LANE_USERS[task.lane]), referral, task.task_id, referral.version, data)


def load_demo_cases() -> int:
    """Add each demo referral that is missing, and take each as far as its journey goes.

    Running it again creates nothing and completes no step twice."""
    from app.referrals.services import create_referral

    created = 0
    for email, case, journey in _demo_cases():
        referral = _find_demo_case(case)
        if referral is None:
            referral = create_referral(User.by_email(email), case)
            created += 1
        _continue_journey(referral, journey)
        if case["children"][0]["full_name"] == INVITED_TO:
            _invite_school(referral)
    db.session.flush()
    return created


def _invite_school(referral) -> None:
    """Invite the school to the strategy discussion, once."""
    from app.participation.services import invite, may_be_invited

    school = next((a for a in may_be_invited(referral) if a.name == INVITED_SCHOOL), None)
    if school is not None:
        invite(
            User.by_email("social.worker@northshire.example"),
            referral,
            school.id,
            "strategy_discussion",
            "The designated safeguarding lead heard the disclosure and sees the children every school day.",
        )
