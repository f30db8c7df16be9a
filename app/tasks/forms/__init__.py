"""One form per user task of the front-door process, looked up by BPMN id in TASK_FORMS."""

from __future__ import annotations

from app.forms.fields import OUT_OF_DATE
from app.tasks.forms.base import TaskForm
from app.tasks.forms.plan import ActionForm, ProtectivePlanForm
from app.tasks.forms.steps import (
    LAWFUL_BASES,
    ClosePlanForm,
    ConfirmPlanForm,
    ManagerSignOffForm,
    RecordOutcomeForm,
    ResearchForm,
    ResolveDisagreementForm,
    ThresholdDecisionForm,
    TriageForm,
)
from app.tasks.forms.strategy import DECISION_LABELS, AttendeeForm, StrategyDiscussionForm
from app.workflow.contract import OUTCOME_LABELS, RAG_LABELS

TASK_FORMS: dict[str, type[TaskForm]] = {
    "triage": TriageForm,
    "police_research": ResearchForm,
    "health_research": ResearchForm,
    "social_care_research": ResearchForm,
    "threshold_decision": ThresholdDecisionForm,
    "resolve_disagreement": ResolveDisagreementForm,
    "manager_sign_off": ManagerSignOffForm,
    "record_outcome": RecordOutcomeForm,
    "strategy_discussion": StrategyDiscussionForm,
    "protective_plan": ProtectivePlanForm,
    "police_confirm_plan": ConfirmPlanForm,
    "health_confirm_plan": ConfirmPlanForm,
    "close_plan": ClosePlanForm,
}
# The tasks the clocks add: their forms live with the timers (app/timers/forms.py).
from app.timers.forms import AssessmentOutcomeForm, EscalationForm, PoliceProtectionReviewForm  # noqa: E402
from app.workflow.contract import RAISED_BY  # noqa: E402

TASK_FORMS |= {step: EscalationForm for step in RAISED_BY if step.startswith("escalate_")}
TASK_FORMS |= {
    "police_protection_review": PoliceProtectionReviewForm,
    "assessment_outcome": AssessmentOutcomeForm,
}

__all__ = [
    "DECISION_LABELS",
    "LAWFUL_BASES",
    "OUTCOME_LABELS",
    "OUT_OF_DATE",
    "RAG_LABELS",
    "TASK_FORMS",
    "ActionForm",
    "AttendeeForm",
    "ClosePlanForm",
    "ConfirmPlanForm",
    "ProtectivePlanForm",
    "RecordOutcomeForm",
    "ResearchForm",
    "ManagerSignOffForm",
    "ResolveDisagreementForm",
    "StrategyDiscussionForm",
    "TaskForm",
    "ThresholdDecisionForm",
    "TriageForm",
]
