"""A small world with real data for the tests that attack: two local authority areas, each
with its MASH agencies, a user per role, a system account with an API token, and referrals at
known steps (triage, a plan in force, closed, a missing episode), people with an open possible
match and a merge, a raised disagreement, a case audit and an audit sample.

Testshire is "own" for every user signed in; Otherland is the other area, whose records they
must not reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit import case_audits
from app.audit.scope import AuditScope
from app.disagreements import services as disagreements
from app.domain.clock import utcnow
from app.extensions import db
from app.models import (
    AccountKind,
    AgencyKind,
    ApiToken,
    AuditStage,
    Involvement,
    MissingEpisode,
    NotificationDraft,
    PossibleMatch,
    Referral,
    RoleName,
    User,
)
from app.participation import services as participation
from app.people import services as people
from app.referrals import services
from tests.conftest import sign_in
from tests.referrals import steps
from tests.referrals.conftest import Journey

OWN, OTHER = "Testshire", "Otherland"

# The columns of the matrix: who makes the request.
ROLES = ("police", "social_care", "health", "education", "manager", "auditor", "admin", "system", "anonymous")
PERSON_ROLES = {
    "police": RoleName.POLICE,
    "social_care": RoleName.SOCIAL_CARE,
    "health": RoleName.HEALTH,
    "education": RoleName.EDUCATION,
    "manager": RoleName.MASH_MANAGER,
    "auditor": RoleName.AUDITOR,
    "admin": RoleName.ADMINISTRATOR,
}


@dataclass
class Area:
    """One area's people and records, by name; `ids` holds the path parameters routes take."""

    name: str
    users: dict[str, User] = field(default_factory=dict)
    token: str = ""
    ids: dict[str, object] = field(default_factory=dict)

    def email(self, role: str) -> str:
        return f"{role}@{self.name.lower()}.example"

    def user(self, role: str) -> User:
        """The user, loaded afresh: the rows in `users` go stale once a request has run."""
        return User.by_email(self.email(role))


def _journey(users: dict[str, User], **notification) -> Journey:
    referral = services.create_referral(users["police"], steps.notification(**notification))
    db.session.commit()
    return Journey(users, referral)


def _child_of(referral: Referral):
    return db.session.scalars(
        select(Involvement).where(Involvement.referral_id == referral.id, Involvement.role == "child")
    ).first()


def build_area(name: str, make_agency, make_user) -> Area:
    area = Area(name)
    police = make_agency(name=f"{name} Police", kind=AgencyKind.POLICE, area=name)
    social = make_agency(name=f"{name} Children's Services", kind=AgencyKind.CHILDRENS_SOCIAL_CARE, area=name)
    health = make_agency(name=f"{name} Health", kind=AgencyKind.HEALTH, area=name)
    school = make_agency(name=f"{name} Primary School", kind=AgencyKind.EDUCATION, area=name)
    agency_of = {"police": police, "health": health, "education": school}
    for key, role in PERSON_ROLES.items():
        area.users[key] = make_user(
            role, agency=agency_of.get(key, social), email=f"{key}@{name.lower()}.example"
        )
    system = make_user(
        RoleName.POLICE,
        agency=police,
        email=f"records-system@{name.lower()}.example",
        account_kind=AccountKind.SYSTEM,
    )
    area.users["system"] = system
    token_row, area.token = ApiToken.issue(system, f"{name} police records", area.users["admin"])
    db.session.commit()

    # A plan in force: the protective plan's actions, and a disagreement raised about the decision.
    planned = _journey(area.users, children=[steps.child("Alex Fictional")]).to_threshold(
        rag="red", harm=True
    )
    planned.do("threshold_decision", steps.threshold("s47"))
    planned.do("strategy_discussion", steps.strategy())
    planned.do("assessment_outcome", steps.assessment_outcome())
    planned.do("protective_plan", steps.plan())
    planned.do("police_confirm_plan", steps.confirm())
    planned.do("health_confirm_plan", steps.confirm())
    disagreement = disagreements.raise_disagreement(area.users["police"], planned.referral, "Risk is higher.")
    # The school is invited to this referral only: on the others it is an agency not taking part.
    participation.invite(
        area.users["social_care"], planned.referral, school.id, "plan_action", "Checks on the child daily."
    )
    db.session.commit()

    # At triage, naming a child like the planned referral's: an open possible match.
    triage = _journey(area.users, children=[steps.child("Alex Fictionl")])

    # Closed with no further action; a case audit of it and an audit sample holding it.
    closed = _journey(area.users, children=[steps.child("Casey Fictional", sex="1")]).to_threshold(
        rag="green"
    )
    closed.do("threshold_decision", steps.threshold("nfa"))
    if "resolve_disagreement" in closed.ready():
        closed.do("resolve_disagreement", {"outcome": "nfa", "resolution": "Agreed after discussion."})
    closed.sign_off_if_needed()
    closed.do("record_outcome", steps.record_outcome())
    grades = {
        stage.value: {"grade": "good", "agency_kind": "childrens_social_care", "reason": "Timely."}
        for stage in AuditStage
    }
    case_audit = case_audits.record_case_audit(area.users["auditor"], closed.referral, grades)
    sample = case_audits.draw_sample(area.users["manager"], AuditScope.default(agency_id=social.id), 5)
    db.session.commit()

    # A missing episode, naming a child like the closed referral's; that match is confirmed: a merge.
    now = utcnow()
    missing = _journey(
        area.users,
        incident_type="missing",
        dash_level=None,
        occurred_at=(now - timedelta(days=2)).replace(microsecond=0),
        children=[steps.child("Casey Fictionl", sex="1")],
        missing_episode={
            "kind": "missing",
            "missing_from": "home",
            "looked_after": False,
            "reported_at": (now - timedelta(days=2)).replace(microsecond=0),
            "found_at": (now - timedelta(days=1)).replace(microsecond=0),
            "found_where": "A friend's house",
            "found_with": None,
        },
    )
    confirmed = db.session.scalars(
        select(PossibleMatch).where(PossibleMatch.referral_id == missing.referral.id)
    ).first()
    merge = people.confirm_match(area.users["social_care"], confirmed)
    db.session.commit()
    open_match = db.session.scalars(
        select(PossibleMatch).where(PossibleMatch.referral_id == triage.referral.id)
    ).first()
    episode = db.session.scalars(
        select(MissingEpisode).where(MissingEpisode.referral_id == missing.referral.id)
    ).one()

    draft = NotificationDraft(
        author_id=area.users["police"].id, answers=[["incident_type", "domestic_abuse"]]
    )
    db.session.add(draft)
    db.session.commit()
    plan = planned.referral.plan
    area.ids = {
        "draft_id": draft.id,  # the area's police officer's own
        "referral_id": planned.referral.id,
        "task_id": planned.ready()["close_plan"],
        "action_id": plan.actions[0].id,
        "disagreement_id": disagreement.id,
        "person_id": _child_of(planned.referral).person_id,
        "match_id": open_match.id,
        "match_referral_id": triage.referral.id,
        "triage_task_id": triage.ready()["triage"],
        "triage_referral_id": triage.referral.id,
        "merge_id": merge.id,
        "episode_id": episode.id,
        "episode_referral_id": missing.referral.id,
        "audit_id": case_audit.id,
        "closed_referral_id": closed.referral.id,
        "sample_id": sample.id,
        # A user and an agency for the administrator's pages: not one of the users signing in.
        "user_id": make_user(RoleName.HEALTH, agency=health, email=f"someone@{name.lower()}.example").id,
        "agency_id": health.id,
        "system_user_id": system.id,
        "token_id": token_row.id,
    }
    return area


@dataclass
class World:
    app: object
    own: Area
    other: Area
    clients: dict[str, FlaskClient]

    def client(self, role: str) -> FlaskClient:
        return self.clients[role]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.own.token}"} if role == "system" else {}


def build_world(app, make_agency, make_user) -> World:
    own = build_area(OWN, make_agency, make_user)
    other = build_area(OTHER, make_agency, make_user)
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role in PERSON_ROLES:
            response = sign_in(client, own.email(role))
            assert response.status_code == 302, f"{role} could not sign in"
        clients[role] = client
    return World(app, own, other, clients)
