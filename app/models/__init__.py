"""All models, imported here so that Alembic and the app see the same metadata."""

from app.models.api import ApiToken
from app.models.audit import AuditEvent, record_audit_event
from app.models.audit_facts import AuditFacts
from app.models.people import Agency, AgencyKind, Role, RoleName, User, user_roles
from app.models.quality import AuditSample, AuditSampleCase, AuditStage, CaseAudit, CaseAuditGrade, Grade
from app.models.referrals import (
    ActionStatus,
    AgencyAbsence,
    Child,
    IncidentType,
    Notification,
    PlanAction,
    PlanStatus,
    ProtectivePlan,
    ReadyTask,
    Referral,
    ReferralStatus,
    StepRecord,
    StrategyAttendee,
    StrategyDiscussion,
    ThresholdDecision,
    WorkflowSpecVersion,
)

__all__ = [
    "AuditFacts",
    "AuditSample",
    "AuditSampleCase",
    "AuditStage",
    "CaseAudit",
    "CaseAuditGrade",
    "Grade",
    "ApiToken",
    "ActionStatus",
    "AgencyAbsence",
    "Child",
    "IncidentType",
    "Notification",
    "PlanAction",
    "PlanStatus",
    "ProtectivePlan",
    "ReadyTask",
    "Referral",
    "ReferralStatus",
    "StepRecord",
    "StrategyAttendee",
    "StrategyDiscussion",
    "ThresholdDecision",
    "WorkflowSpecVersion",
    "Agency",
    "AgencyKind",
    "AuditEvent",
    "Role",
    "RoleName",
    "User",
    "record_audit_event",
    "user_roles",
]
