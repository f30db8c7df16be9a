"""Driving a referral over the real task pages, as the person in each task's lane."""

from __future__ import annotations

from datetime import date

import lxml.html
from werkzeug.datastructures import MultiDict

from app.extensions import db
from tests.conftest import sign_in

LANE_USER = {"Police": "police", "Social care": "social_care", "Health": "health", "Manager": "manager"}


def parts(name: str, day: date) -> list[tuple[str, str]]:
    return [(name, str(day.day)), (name, str(day.month)), (name, str(day.year))]


class OverThePages:
    """Completes each ready task through its page, as the person in its lane."""

    def __init__(self, client, users, referral):
        self.client, self.users, self.referral = client, users, referral
        self.signed_in = None

    def as_user(self, who: str):
        if self.signed_in != who:
            self.client.post("/sign-out")
            sign_in(self.client, self.users[who].email)
            self.signed_in = who

    def post(self, step: str, pairs: list[tuple[str, str]]):
        """Posts the task's page as its lane would, with the version the page gave; returns the response."""
        db.session.refresh(self.referral)
        task = next(t for t in self.referral.ready_tasks if t.step == step)
        self.as_user(LANE_USER[task.lane])
        url = f"/referrals/{self.referral.id}/tasks/{task.task_id}"
        form_page = self.client.get(url)
        assert form_page.status_code == 200, step
        version = lxml.html.fromstring(form_page.data).xpath("//input[@name='version']/@value")[0]
        return self.client.post(url, data=MultiDict([("version", version), *pairs]))

    def do(self, step: str, pairs: list[tuple[str, str]]):
        response = self.post(step, pairs)
        assert response.status_code == 302, (
            step,
            [
                text_of(e)
                for e in lxml.html.fromstring(response.data).xpath(
                    "//*[contains(@class, 'error-summary__list')]"
                )
            ],
        )
        db.session.refresh(self.referral)

    def page(self):
        response = self.client.get(f"/referrals/{self.referral.id}")
        assert response.status_code == 200
        return lxml.html.fromstring(response.data)


def text_of(element) -> str:
    return " ".join(element.text_content().split())
