"""The protective plans on a generated case: each round agreed, confirmed or declined, and its actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.domain.working_days import is_working_day
from app.models import AgencyKind, RoleName
from app.sample_data.fictional import ACTIONS, choice, randint
from app.sample_data.timeline import REVIEW_DAYS, at_london, london_day

if TYPE_CHECKING:
    from app.sample_data.cases import Case


@dataclass
class PlanRounds:
    """The plans agreed on one case so far, in order, and the answers each plan's step recorded."""

    rows: list[dict] = field(default_factory=list)
    actions: list[list[dict]] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)
    confirmed_at: dict[str, datetime] = field(default_factory=dict)  # the latest plan's, by agency

    def agree(self, case: Case, at: datetime) -> dict:
        for earlier in self.rows:  # superseded by this revision
            if earlier["status"] == "draft":
                earlier.update(status="closed", closed_at=at)
        row, actions = _new_plan(case, at)
        self.rows.append(row)
        self.actions.append(actions)
        self.confirmed_at = {}
        answers = {"summary": row["summary"]}  # dates filled in once settled
        self.answers.append(answers)
        return answers

    def respond(self, case: Case, step: str, confirmed: bool, at: datetime) -> dict:
        """Police or health confirm the latest plan, or decline it."""
        who = step.split("_")[0]
        if confirmed:
            response = choice(case.rng, ["Confirmed.", "Confirmed; actions allocated.", None])
        else:
            response = f"Not confirmed: the {who} actions need a named owner and realistic dates."
        self.rows[-1].update({f"{who}_confirmed": bool(confirmed), f"{who}_response": response})
        self.confirmed_at[who] = at
        return {"confirmed": bool(confirmed), "response": response}

    def close(self, case: Case, at: datetime) -> dict:
        answers = {
            "closure_summary": "Actions complete; children safe; stepped down to a child in need plan.",
            "closure_reason": choice(case.rng, ["RC7", "RC8"]),
        }
        self.rows[-1].update(status="closed", closed_at=at)
        case.closed_at = at
        return answers

    def settle(self, case: Case) -> None:
        """Once every step is recorded: the plan in force, the actions as of now, and the plans' answers."""
        if not self.rows:
            return
        last = self.rows[-1]
        if case.plan.route.plan_in_force:
            last["in_force_at"] = max(self.confirmed_at.values())
            if last["status"] == "draft":
                last["status"] = "in_force"
            if case.review_day is not None:
                last["review_date"] = case.review_day
        _settle(case, self.rows, self.actions)
        for answers, row, actions in zip(self.answers, self.rows, self.actions, strict=True):
            answers["review_date"] = row["review_date"].isoformat()
            answers["actions"] = [
                {
                    "description": a["description"],
                    "owning_agency_kind": a["owning_agency_kind"],
                    "owner": a["owner"],
                    "due_date": a["due_date"].isoformat(),
                }
                for a in actions
            ]


def _owner_role(kind: AgencyKind) -> RoleName:
    """Whose staff own an action of police, health or (the rest) social care."""
    return {AgencyKind.POLICE: RoleName.POLICE, AgencyKind.HEALTH: RoleName.HEALTH}.get(
        kind, RoleName.SOCIAL_CARE
    )


def _new_plan(case: Case, agreed: datetime) -> tuple[dict, list[dict]]:
    rng = case.rng
    row = {
        "status": "draft",
        "summary": "Keep the children safe while the enquiry runs; agencies share updates weekly.",
        "review_date": london_day(agreed) + timedelta(days=randint(rng, *REVIEW_DAYS)),
        "agreed_at": agreed,
        "in_force_at": None,
        "closed_at": None,
        "police_confirmed": None,
        "police_response": None,
        "health_confirmed": None,
        "health_response": None,
    }
    chosen = rng.sample(ACTIONS, randint(rng, 3, 4))
    kinds = {kind for kind, _ in chosen}
    for kind, text in ACTIONS:  # police, health and social care each own at least one action
        if kind not in kinds and kind is not AgencyKind.EDUCATION:
            chosen.append((kind, text))
            kinds.add(kind)
    actions = []
    for kind, text in chosen:
        owner = (
            case.person(_owner_role(kind)).name
            if kind is not AgencyKind.EDUCATION
            else "Designated safeguarding lead"
        )
        actions.append(
            {
                "description": text,
                "owning_agency_kind": kind.value,
                "owner": owner,
                "due_date": london_day(agreed) + timedelta(days=randint(rng, 1, 21)),
                "status": "not_started",
                "updated_at": agreed,
                "update_note": None,
            }
        )
    return row, actions


def _settle(case: Case, plan_rows: list[dict], plan_actions: list[list[dict]]) -> None:
    """Action statuses as of now: done when due (closed plans), none overdue unless planted."""
    rng, today, flags = case.rng, case.today, case.plan.flags
    for row, actions in zip(plan_rows, plan_actions, strict=True):
        case.plans.append((row, actions))
        if row["status"] == "closed" and row["in_force_at"] is None:
            continue  # superseded draft: never in force, its actions never started
        if row["status"] == "closed":
            for action in actions:
                done = rng.random() < 0.93
                _update_action(
                    case, action, "done" if done else "cancelled", row["in_force_at"], row["closed_at"]
                )
            continue
        if row["status"] == "draft":
            # Not confirmed yet: what it asks must still be ahead.
            row["review_date"] = max(row["review_date"], today + timedelta(days=randint(rng, 7, 40)))
            for action in actions:
                action["due_date"] = max(action["due_date"], today + timedelta(days=randint(rng, 0, 21)))
            continue
        # In force and open: review ahead; past-due actions done, the rest ahead.
        row["review_date"] = max(row["review_date"], today + timedelta(days=randint(rng, 1, 45)))
        overdue = flags.get("overdue_action")
        for i, action in enumerate(actions):
            if overdue and i == 0:  # planted: a working day at least a week ago, after the plan was agreed
                agreed = london_day(row["agreed_at"])
                due = agreed + timedelta(days=randint(rng, 1, max(1, (today - agreed).days - 7)))
                while not is_working_day(due) or due > today - timedelta(days=7):
                    due -= timedelta(days=1)
                action["due_date"] = due
                if rng.random() < 0.5:
                    _update_action(case, action, "in_progress", row["in_force_at"], case.now)
                continue
            if action["due_date"] < today:
                _update_action(case, action, "done", row["in_force_at"], case.now)
            elif rng.random() < 0.3:
                _update_action(case, action, "in_progress", row["in_force_at"], case.now)


def _update_action(case: Case, action: dict, status: str, start: datetime, end: datetime) -> None:
    end = min(end, case.now - timedelta(minutes=1))
    due = at_london(action["due_date"], 15)
    at = start + (min(max(due, start), end) - start) * case.rng.uniform(0.5, 1.0)
    at = max(start, min(at, end)).replace(microsecond=0)
    note = {
        "done": "Completed.",
        "in_progress": "Under way.",
        "cancelled": "No longer needed after review.",
    }[status]
    action.update(status=status, updated_at=at, update_note=note)
    case.add_step(
        "plan_action_updated",
        "Plan action updated",
        None,
        case.person(_owner_role(AgencyKind(action["owning_agency_kind"]))),
        at,
        {"action": action["description"], "status": status, "note": note},
    )
