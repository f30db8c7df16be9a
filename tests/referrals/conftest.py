from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AgencyKind, RoleName
from app.referrals import services
from tests.audit.dashboard_oracle import dashboard_agrees_with_lists  # noqa: F401 (autouse)
from tests.referrals import steps


@pytest.fixture
def mash(make_agency, make_user):
    """One MASH: police, social care and health agencies in one area, a user per role,
    and a police force from another area that must see nothing."""
    police = make_agency(name="Testshire Police", kind=AgencyKind.POLICE, area="Testshire")
    social = make_agency(
        name="Testshire Children's Services", kind=AgencyKind.CHILDRENS_SOCIAL_CARE, area="Testshire"
    )
    health = make_agency(name="Testshire Health", kind=AgencyKind.HEALTH, area="Testshire")
    elsewhere = make_agency(name="Otherland Police", kind=AgencyKind.POLICE, area="Otherland")
    users = {
        "police": make_user(RoleName.POLICE, agency=police),
        "social_care": make_user(RoleName.SOCIAL_CARE, agency=social),
        "health": make_user(RoleName.HEALTH, agency=health),
        "manager": make_user(RoleName.MASH_MANAGER, agency=social),
        "outsider": make_user(RoleName.POLICE, agency=elsewhere),
    }
    return users


class Journey:
    """Drives one referral through the service layer as the right people."""

    LANE_USER = {"Police": "police", "Social care": "social_care", "Health": "health", "Manager": "manager"}

    def __init__(self, users, referral):
        self.users = users
        self.referral = referral

    def ready(self) -> dict[str, str]:
        return {t.step: t.task_id for t in self.referral.ready_tasks}

    def do(self, step: str, data: dict):
        task = next(t for t in self.referral.ready_tasks if t.step == step)
        user = self.users[self.LANE_USER[task.lane]]
        record = services.complete_task(user, self.referral, task.task_id, self.referral.version, data)
        db.session.commit()
        return record

    def sign_off_if_needed(self):
        """No further action or early help after domestic abuse (or with 2 earlier contacts) waits for
        a manager: the manager signs it off, as decided."""
        if "manager_sign_off" in self.ready():
            self.do("manager_sign_off", {"signed_off": True, "note": "Signed off: history weighed."})
        return self

    def to_threshold(self, rag="amber", harm=False, police_disagrees=False, health_disagrees=False):
        self.do("triage", steps.triage(rag, harm))
        self.do("police_research", steps.research(police_disagrees))
        self.do("health_research", steps.research(health_disagrees))
        self.do("social_care_research", steps.research())
        return self


@pytest.fixture
def start_journey(mash):
    def start(**overrides) -> Journey:
        referral = services.create_referral(mash["police"], steps.notification(**overrides))
        db.session.commit()
        return Journey(mash, referral)

    return start
