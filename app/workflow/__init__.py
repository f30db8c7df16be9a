"""The front-door process engine: BPMN/DMN files in workflows/, run with SpiffWorkflow.

Framework-free: nothing here imports Flask or the rest of ``app``.
"""

from .engine import (
    LANES,
    SERIALIZER_VERSION,
    FrontDoorEngine,
    InvalidData,
    ReadyTask,
    SpecInvalid,
    SpecVersion,
    StepFailed,
    TaskNotReady,
    WorkflowError,
    WrongLane,
)

__all__ = [
    "LANES",
    "SERIALIZER_VERSION",
    "FrontDoorEngine",
    "InvalidData",
    "ReadyTask",
    "SpecInvalid",
    "SpecVersion",
    "StepFailed",
    "TaskNotReady",
    "WorkflowError",
    "WrongLane",
]
