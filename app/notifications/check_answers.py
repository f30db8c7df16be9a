"""The check-your-answers page of a police notification: what will be sent, in a practitioner's
words (app.referrals.answers, the one place answers get their labels), section by section, each
with a link back to change it. Parts that do not apply to the incident are left out."""

from __future__ import annotations

from app.notifications.forms import PoliceNotificationForm
from app.referrals.answers import answer_rows

#: Sent with every police notification, so not an answer to check.
_NOT_TYPED = frozenset({"referral_source", "children", "people"})


def check_your_answers(form: PoliceNotificationForm) -> list[dict]:
    """Sections of summary-list rows, from a form that has validated."""
    data = form.to_service_data()
    incident = {key: value for key, value in data.items() if key not in _NOT_TYPED}
    sections = [
        {"title": "The incident", "anchor": form.incident_type.id, "rows": answer_rows(None, incident)}
    ]
    for noun, field, people in (
        ("Child", form.children, data["children"]),
        ("Adult", form.people, data["people"]),
    ):
        for number, (entry, answers) in enumerate(zip(field.entries, people, strict=True), 1):
            sections.append(
                {
                    "title": f"{noun} {number}",
                    "anchor": entry.form.full_name.id,
                    "rows": answer_rows(None, answers),
                }
            )
    return sections
