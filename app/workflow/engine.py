"""Adapter between the front-door process files and SpiffWorkflow.

Framework-free on purpose: it depends only on SpiffWorkflow and the standard
library, so the process can be tested (and benchmarked) without Flask or a
database, and the web layer only ever sees plain strings, dicts and the small
dataclasses below.

Versioning model
    The BPMN and DMN files on disk are parsed once into a ``SpecVersion``
    identified by a sha256 of their contents. The web layer stores each
    version's ``serialized`` spec once, and each referral stores only its own
    instance state plus the content hash. A running referral therefore keeps
    the rules it started under, even after the partnership edits the threshold
    table; new referrals pick up the new files.

Thread safety
    A ``FrontDoorEngine`` may be shared between threads: the spec cache is
    guarded by a lock, each thread gets its own serializer, and Spiff does not
    mutate spec objects while a workflow runs. A ``BpmnWorkflow`` object is
    not thread-safe; load one per request.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_SERIALIZER_VERSION
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins import ManualTaskMixin, UserTaskMixin
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .contract import (
    LANES,
    PROCESS_ID,
    START_FIELDS,
    TIMERS,
    USER_TASKS,
    WAITS,
    check_fields,
)
from .scripts import SAFE_BUILTINS, SCRIPT_GLOBALS
from .spec_checks import contract_problems

__all__ = [
    "LANES",
    "SERIALIZER_VERSION",
    "FrontDoorEngine",
    "InvalidData",
    "ReadyTask",
    "SpecInvalid",
    "SpecVersion",
    "StepFailed",
    "StoredSpec",
    "TaskNotReady",
    "WorkflowError",
    "WrongLane",
    "FiredTimer",
    "WaitingTimer",
    "build_script_engine",
]

#: Stored next to every instance state. The first part is SpiffWorkflow's own
#: serialization version (drives its migrations); the suffix marks our split
#: format (instance state without the spec). Change the suffix if that format
#: changes, so old rows can be recognised and converted.
SERIALIZER_VERSION = f"{SPIFF_SERIALIZER_VERSION}+front-door-split.1"

_SPEC_FORMAT = "front-door-spec/1"


# --------------------------------------------------------------------------- errors


class WorkflowError(Exception):
    """Base class. The message is safe and meaningful to show to a practitioner."""


class TaskNotReady(WorkflowError):
    """The task does not exist, is already done, or is not a person's task waiting to be done."""


class WrongLane(WorkflowError):
    """The task belongs to another agency's lane."""


class SpecInvalid(WorkflowError):
    """The process files cannot be parsed, fail validation, or break the contract with the web layer."""


class InvalidData(WorkflowError):
    """Submitted answers are missing, of the wrong type, or try to overwrite another step's answer.

    Raised before anything runs, so the workflow is unchanged.
    """


class StepFailed(WorkflowError):
    """A task, gateway condition, script or DMN rule failed while the engine was running.

    The in-memory workflow is then half-advanced: discard it and reload the
    stored state (which the web layer has not overwritten).
    """


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class SpecVersion:
    content_hash: str  # sha256 over the BPMN+DMN file names and contents, sorted by name
    serialized: str  # JSON of the parsed spec + subprocess specs; stored once per version


class StoredSpec(Protocol):
    """What ``start`` and ``load`` need of a version: ``SpecVersion`` or anything shaped like it.

    ``serialized`` is only read when the version is not already cached, so it
    may be a property that fetches the (large) text lazily, e.g. a deferred
    database column.
    """

    @property
    def content_hash(self) -> str: ...

    @property
    def serialized(self) -> str: ...


@dataclass(frozen=True)
class ReadyTask:
    id: str  # task UUID as str
    bpmn_id: str  # e.g. "triage"
    title: str  # the task's name in the diagram
    lane: str
    #: The task's entry in the process data's ``due_times``, if the web layer wrote one.
    due: Mapping[str, Any] | None = None
    #: For a task a timer raised: the timer's BPMN id, and the id of the task it is attached to.
    raised_by: str | None = None
    late_task_id: str | None = None


@dataclass(frozen=True)
class WaitingTimer:
    """A boundary timer waiting for its due time."""

    bpmn_id: str
    attached_to: str  # BPMN id of the activity it is attached to
    attached_task_id: str
    due_at: datetime  # aware, UTC


@dataclass(frozen=True)
class FiredTimer:
    bpmn_id: str
    attached_to: str
    attached_task_id: str
    due_at: datetime | None


# --------------------------------------------------------------------------- scripts


class _RestrictedEnvironment(TaskDataEnvironment):
    """Task-data script environment whose only globals are the allow-list in scripts.py.

    NOT a sandbox: restricted builtins stop accidents (``open``, ``import``),
    not a determined author. BPMN/DMN files are reviewed code and are never
    uploaded through the app.

    Builtins are copied per call so one expression cannot rebind a builtin
    for the next, and are set *after* task data is merged so a data key can
    never replace them.
    """

    def __init__(self) -> None:
        super().__init__(dict(SCRIPT_GLOBALS))

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        scope["__builtins__"] = dict(SAFE_BUILTINS)
        return eval(expression, scope)  # noqa: S307 - restricted globals, reviewed expressions

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        external_context = external_context or {}
        if "__builtins__" in context:
            raise ValueError("Task data may not define __builtins__.")
        self.check_for_overwrite(context, external_context)
        context.update(self.globals)
        context.update(external_context)
        context["__builtins__"] = dict(SAFE_BUILTINS)
        try:
            exec(script, context)  # noqa: S102 - restricted globals, reviewed scripts
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


def build_script_engine() -> PythonScriptEngine:
    """The script engine used for every condition, script and DMN cell in the front door."""
    return PythonScriptEngine(environment=_RestrictedEnvironment())


# --------------------------------------------------------------------------- serialization


class _InstanceOnlyConverter(BpmnWorkflowConverter):
    """Serialize a workflow without its spec; restore it onto an already-built spec.

    Spiff's own converter writes the whole parsed process into every instance
    and rebuilds it on every load, which is most of the per-step cost. Here the
    spec is stored once per version (``SpecVersion.serialized``) and the
    restored spec objects are cached and shared, so a load only rebuilds the
    task tree.
    """

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)  # skips 'spec' and 'subprocess_specs'
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict, spec: Any = None, subprocess_specs: dict | None = None) -> BpmnWorkflow:
        if spec is not None:
            # The registry passes objects it does not recognise through unchanged,
            # so handing it the live spec makes the stock from_dict reuse it.
            dct["spec"] = spec
            dct["subprocess_specs"] = subprocess_specs or {}
        return super().from_dict(dct)


class _CompactJSONEncoder(json.JSONEncoder):
    """No spaces after separators: the same JSON, about 6% smaller, on every save."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["separators"] = (",", ":")
        super().__init__(**kwargs)


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _InstanceOnlyConverter
    return BpmnWorkflowSerializer(
        BpmnWorkflowSerializer.configure(config), json_encoder_cls=_CompactJSONEncoder
    )


# --------------------------------------------------------------------------- engine


class FrontDoorEngine:
    """Parses, validates, versions and runs the front-door process.

    Args:
        workflows_dir: folder holding the ``.bpmn`` and ``.dmn`` files.
        spec_cache_size: how many spec versions to keep parsed in memory.
    """

    def __init__(self, workflows_dir: Path | str, *, spec_cache_size: int = 16) -> None:
        self._dir = Path(workflows_dir)
        self._local = threading.local()
        self._script_engine = build_script_engine()
        self._cache: OrderedDict[str, tuple[Any, dict]] = OrderedDict()
        self._cache_size = max(1, spec_cache_size)
        self._lock = threading.Lock()
        self.current: SpecVersion = self._version_from_files(self._dir)

    @property
    def _serializer(self) -> BpmnWorkflowSerializer:
        """One serializer per thread: Spiff's registry flips a shared flag while encoding."""
        serializer = getattr(self._local, "serializer", None)
        if serializer is None:
            serializer = self._local.serializer = _build_serializer()
        return serializer

    # ----------------------------------------------------------------- versions

    @property
    def serializer_version(self) -> str:
        return SERIALIZER_VERSION

    @property
    def script_engine(self) -> PythonScriptEngine:
        return self._script_engine

    def _version_from_files(self, folder: Path) -> SpecVersion:
        if not folder.is_dir():
            raise SpecInvalid(f"The process folder {folder} does not exist.")
        files = sorted(p for p in folder.iterdir() if p.suffix in (".bpmn", ".dmn") and p.is_file())
        if not any(p.suffix == ".bpmn" for p in files):
            raise SpecInvalid(f"No .bpmn file in {folder}.")
        contents = {p.name: p.read_bytes() for p in files}
        digest = hashlib.sha256()
        for name, content in contents.items():  # already sorted by name
            # Length-prefixed so moving bytes between files changes the hash.
            digest.update(f"{name}\0{len(content)}\0".encode())
            digest.update(content)
        content_hash = digest.hexdigest()

        parser = SpiffBpmnParser(validator=VALIDATOR)
        try:
            for name, content in contents.items():
                root = etree.fromstring(content)
                if name.endswith(".dmn"):
                    parser.add_dmn_xml(root, filename=name)
                else:
                    parser.add_bpmn_xml(root, filename=name)
            if PROCESS_ID not in parser.get_process_ids():
                raise SpecInvalid(f"No process with id '{PROCESS_ID}' in {folder}.")
            spec = parser.get_spec(PROCESS_ID)
            subprocess_specs = parser.get_subprocess_specs(PROCESS_ID)
        except SpecInvalid:
            raise
        except etree.XMLSyntaxError as exc:
            raise SpecInvalid(f"A process file is not well-formed XML: {exc}") from exc
        except Exception as exc:  # ValidationException and friends: report, never crash the app
            raise SpecInvalid(f"The process files are invalid{_where(exc)}: {_describe(exc)}") from exc

        problems = contract_problems(spec)
        if problems:
            raise SpecInvalid("The process breaks the web layer's contract: " + " ".join(problems))

        registry = self._serializer.registry
        serialized = json.dumps(
            {
                "format": _SPEC_FORMAT,
                "content_hash": content_hash,
                "spiff_serializer_version": SPIFF_SERIALIZER_VERSION,
                "spec": registry.convert(spec),
                "subprocess_specs": {k: registry.convert(v) for k, v in subprocess_specs.items()},
            },
            sort_keys=True,
        )
        version = SpecVersion(content_hash=content_hash, serialized=serialized)
        # Restore from the serialized form now (not from the parser's objects) so
        # that what runs today is exactly what a stored version will rebuild later.
        self.load_spec(serialized)
        return version

    def spec_objects(self, spec: StoredSpec) -> tuple[Any, dict]:
        """The parsed ``(process_spec, subprocess_specs)`` for a stored version.

        Looked up by content hash first, so ``spec.serialized`` (~30 KB of JSON,
        possibly a lazily loaded column) is only read, parsed and rebuilt on a
        cache miss: once per version per process, not once per request.

        The cached objects are shared by every workflow (and thread) running that
        version. That is safe because SpiffWorkflow only reads task specs while
        running a workflow like this one (no event subprocesses, which would
        connect specs at run time); tests/workflow checks that running every
        route leaves the cached spec serializing exactly as stored.
        """
        with self._lock:
            hit = self._cache.get(spec.content_hash)
            if hit is not None:
                self._cache.move_to_end(spec.content_hash)
                return hit
        return self.load_spec(spec.serialized, spec.content_hash)

    def load_spec(self, serialized: str, content_hash: str | None = None) -> tuple[Any, dict]:
        """Rebuild (or fetch from cache) the spec objects for a stored version.

        Returns ``(process_spec, subprocess_specs)``. Cached by content hash
        (LRU) because rebuilding a spec is the expensive part of a load.
        """
        if content_hash is not None:
            with self._lock:
                hit = self._cache.get(content_hash)
                if hit is not None:
                    self._cache.move_to_end(content_hash)
                    return hit
        try:
            dct = json.loads(serialized)
            if dct.get("format") != _SPEC_FORMAT:
                raise SpecInvalid("This stored process version is not in a format this engine understands.")
            stored_hash = dct["content_hash"]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SpecInvalid("The stored process version is unreadable.") from exc
        if content_hash is not None and content_hash != stored_hash:
            raise SpecInvalid("The stored process version does not match its content hash.")
        with self._lock:
            hit = self._cache.get(stored_hash)
            if hit is not None:
                self._cache.move_to_end(stored_hash)
                return hit
        try:
            registry = self._serializer.registry
            spec = registry.restore(dct["spec"])
            subprocess_specs = {k: registry.restore(v) for k, v in dct["subprocess_specs"].items()}
        except Exception as exc:
            raise SpecInvalid(f"The stored process version could not be rebuilt: {exc}") from exc
        with self._lock:
            self._cache[stored_hash] = (spec, subprocess_specs)
            self._cache.move_to_end(stored_hash)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return spec, subprocess_specs

    # ----------------------------------------------------------------- lifecycle

    def start(self, spec: StoredSpec, data: Mapping[str, Any]) -> BpmnWorkflow:
        """Start a referral on ``spec`` and run until the first person's task (triage) is READY.

        Missing optional start keys get documented defaults (see contract.START_FIELDS)
        because the threshold table reads all of them.
        """
        clean, problems = check_fields(START_FIELDS, data, owner="start", reserved=_RESERVED)
        if problems:
            raise InvalidData(" ".join(problems))
        process_spec, subprocess_specs = self.spec_objects(spec)
        workflow = BpmnWorkflow(process_spec, subprocess_specs, script_engine=self._script_engine)
        # The root task hands its data down to the start event and onwards.
        workflow.task_tree.data.update(copy.deepcopy(clean))
        self._run_engine(workflow)
        return workflow

    def dump_state(self, workflow: BpmnWorkflow) -> str:
        """Instance state as JSON, without the spec (store ``SpecVersion`` once, separately)."""
        return self._serializer.serialize_json(workflow)

    def load(self, spec: StoredSpec, state: str) -> BpmnWorkflow:
        """Restore an instance on the spec version it was started with.

        The script engine is not part of the state, so the restricted one is
        attached again here; forgetting that would silently fall back to
        Spiff's default engine with full builtins.
        """
        try:
            dct = json.loads(state)
            version = dct.get(BpmnWorkflowSerializer.VERSION_KEY)
        except (ValueError, AttributeError) as exc:
            raise WorkflowError("The stored referral state is unreadable.") from exc
        if version is None:
            raise WorkflowError("The stored referral state has no serializer version.")
        try:
            if version == self._serializer.VERSION:
                process_spec, subprocess_specs = self.spec_objects(spec)
                dct.pop(BpmnWorkflowSerializer.VERSION_KEY)
                workflow = self._serializer.from_dict(
                    dct, spec=process_spec, subprocess_specs=subprocess_specs
                )
            else:
                # Older SpiffWorkflow format: its migrations expect the whole
                # document, so reassemble spec + state, migrate, and rebuild
                # the spec from scratch (slow path, once per upgrade).
                stored = json.loads(spec.serialized)
                dct["spec"] = stored["spec"]
                dct["subprocess_specs"] = stored["subprocess_specs"]
                self._serializer.migrate(dct)
                workflow = self._serializer.from_dict(dct)
        except WorkflowError:
            raise
        except Exception as exc:
            raise WorkflowError("The stored referral state could not be restored.") from exc
        workflow.script_engine = self._script_engine
        return workflow

    # ----------------------------------------------------------------- tasks

    def ready_tasks(self, workflow: BpmnWorkflow) -> list[ReadyTask]:
        """READY tasks that a person must do (user tasks only), in diagram order."""
        return [
            _ready_task(task)
            for task in workflow.get_tasks(state=TaskState.READY, manual=True)
            if isinstance(task.task_spec, UserTaskMixin)
        ]

    def complete_task(
        self,
        workflow: BpmnWorkflow,
        task_id: str,
        *,
        lane: str | None = None,
        data: Mapping[str, Any],
    ) -> ReadyTask:
        """Record a person's answers on a READY user task and run the engine on.

        Every check happens before anything changes, because Spiff's
        ``task.run()`` itself does not check the state: a refused call leaves
        the workflow untouched. The caller must still check its own
        concurrency token (state version) before calling this.
        """
        try:
            uuid = UUID(str(task_id))
            task = workflow.get_task_from_id(uuid)
        except (ValueError, TaskNotFoundException) as exc:
            raise TaskNotReady("That task does not exist in this referral.") from exc
        spec = task.task_spec
        title = spec.bpmn_name or spec.bpmn_id or "This task"
        if not isinstance(spec, UserTaskMixin):
            raise TaskNotReady(f"'{title}' is not a task for a person to complete.")
        if task.state != TaskState.READY:
            raise TaskNotReady(
                f"'{title}' is not waiting to be done (it is {TaskState.get_name(task.state).lower()})."
            )
        if lane is not None and lane != spec.lane:
            raise WrongLane(f"'{title}' is for {spec.lane}, not {lane}.")
        contract = USER_TASKS.get(spec.bpmn_id)
        if contract is None:  # cannot happen for a validated spec; refuse rather than guess
            raise TaskNotReady(f"'{title}' is not a known front-door task.")
        clean, problems = check_fields(contract.fields, data, owner=spec.bpmn_id, reserved=_RESERVED)
        if problems:
            raise InvalidData(" ".join(problems))
        done = _ready_task(task)
        task.data.update(copy.deepcopy(clean))
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise StepFailed(f"'{title}' could not be completed: {_describe(exc)}") from exc
        self._run_engine(workflow)
        return done

    def is_completed(self, workflow: BpmnWorkflow) -> bool:
        return workflow.is_completed()

    def due_times(self, workflow: BpmnWorkflow, task_id: str) -> dict[str, Any]:
        """The ``due_times`` a task carries (its branch's copy), for a step adding new ones.

        Cheaper than ``data()``, and right for parallel branches: a step sends the
        due times its own branch holds, with its new ones added.
        """
        try:
            task = workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, TaskNotFoundException) as exc:
            raise TaskNotReady("That task does not exist in this referral.") from exc
        due_times = task.data.get("due_times")
        return copy.deepcopy(due_times) if isinstance(due_times, dict) else {}

    # ----------------------------------------------------------------- timers

    def waiting_timers(self, workflow: BpmnWorkflow) -> list[WaitingTimer]:
        """Boundary timers waiting to fire, earliest first."""
        waiting = []
        for task in list(workflow.event_manager.tasks.values()):
            spec = task.task_spec
            if task.state != TaskState.WAITING or not isinstance(spec, BoundaryEvent):
                continue
            if not isinstance(spec.event_definition, TimerEventDefinition):
                continue
            due = _timer_due(task)
            attached = _attached_task(task)
            if due is None or attached is None:
                continue
            waiting.append(WaitingTimer(spec.bpmn_id, attached.task_spec.bpmn_id, str(attached.id), due))
        return sorted(waiting, key=lambda timer: timer.due_at)

    def next_timer_at(self, workflow: BpmnWorkflow) -> datetime | None:
        """When the next timer is due, for the web layer's index of due referrals; None if none waits."""
        timers = self.waiting_timers(workflow)
        return timers[0].due_at if timers else None

    def fire_timers(self, workflow: BpmnWorkflow) -> list[FiredTimer]:
        """Fire every timer whose due time has passed and run the engine on to the next person's task.

        Uses SpiffWorkflow's ``refresh_timers`` and ``do_engine_steps`` (SpiffWorkflow
        has no scheduler: the web layer's timer worker calls this for referrals whose
        ``next_timer_at`` has passed). Returns what fired.
        """
        before = {timer.bpmn_id + timer.attached_task_id: timer for timer in self.waiting_timers(workflow)}
        waiting_ids = {
            t.id
            for t in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(t.task_spec, BoundaryEvent)
        }
        self._run_engine(workflow)
        fired: list[FiredTimer] = []
        for task in workflow.get_tasks(state=TaskState.COMPLETED):
            if task.id not in waiting_ids:
                continue
            attached = _attached_task(task)
            key = task.task_spec.bpmn_id + (str(attached.id) if attached else "")
            timer = before.get(key)
            fired.append(
                FiredTimer(
                    task.task_spec.bpmn_id,
                    attached.task_spec.bpmn_id if attached else "",
                    str(attached.id) if attached else "",
                    timer.due_at if timer else None,
                )
            )
        return fired

    def rearm_timer(self, workflow: BpmnWorkflow, late_task_id: str, due_at: datetime) -> bool:
        """Wait again, until ``due_at``, on a boundary timer that has fired on a task still not done.

        A non-interrupting boundary timer fires once. When its due time is extended,
        a new instance of the same timer event is added beside the first, under the
        task's boundary split: SpiffWorkflow then fires it like any other timer (and
        raises the same task again), and cancels it when the late task is done,
        as it cancels every non-interrupting boundary event still waiting.

        Returns False when the late task is done or has no timer of the front door's.
        """
        if due_at.tzinfo is None:
            raise ValueError("give the timer an aware due time")
        try:
            late = workflow.get_task_from_id(UUID(str(late_task_id)))
        except (ValueError, TaskNotFoundException):
            return False
        split = late.parent
        if late.state != TaskState.READY or split is None:
            return False
        bpmn_id = late.task_spec.bpmn_id
        spec = next(
            (
                output
                for output in split.task_spec.outputs
                if isinstance(output, BoundaryEvent)
                and isinstance(output.event_definition, TimerEventDefinition)
                and output.bpmn_id in TIMERS
                and TIMERS[output.bpmn_id].attached_to == bpmn_id
            ),
            None,
        )
        if spec is None:
            return False
        due = due_at.astimezone(UTC).isoformat()
        waiting = next(
            (c for c in split.children if c.task_spec is spec and c.state == TaskState.WAITING), None
        )
        if waiting is not None:  # not fired yet: it waits for the new due time instead
            waiting._set_internal_data(event_value=due)
            return True
        timer = split._add_child(spec, state=TaskState.FUTURE)
        spec._predict(timer, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)  # what follows it
        # The timer's due time, as SpiffWorkflow keeps it once worked out from the expression.
        # (The timer takes its data from the split, where the first due time still is.)
        timer._set_internal_data(event_value=due)
        spec._update(timer)  # waits, with the workflow's other events, until the new due time
        self._run_engine(workflow)
        return True

    def end_wait(self, workflow: BpmnWorkflow, bpmn_id: str) -> bool:
        """End a step that waits for something recorded outside the process (contract.WAITS).

        Returns False when that step is not waiting (never started, or already ended).
        Ending it cancels the timers attached to it.
        """
        if bpmn_id not in WAITS:
            raise TaskNotReady(f"'{bpmn_id}' is not a step the web layer ends.")
        ready = [
            t
            for t in workflow.get_tasks(state=TaskState.READY, manual=True)
            if t.task_spec.bpmn_id == bpmn_id and isinstance(t.task_spec, ManualTaskMixin)
        ]
        if not ready:
            return False
        for task in ready:
            try:
                task.run()
            except SpiffWorkflowException as exc:
                raise StepFailed(f"'{bpmn_id}' could not be ended: {_describe(exc)}") from exc
        self._run_engine(workflow)
        return True

    def active_step_ids(self, workflow: BpmnWorkflow) -> list[str]:
        """BPMN ids of the steps the referral is waiting on, for highlighting the diagram.

        READY tasks and WAITING catch events (timers, messages). Gateways are
        left out: a parallel join WAITING for the other branches is not where
        anyone's work is.
        """
        ids: list[str] = []
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
            spec = task.task_spec
            bpmn_id = getattr(spec, "bpmn_id", None)
            if bpmn_id is None or bpmn_id in ids:
                continue
            if task.state == TaskState.WAITING and not isinstance(spec, CatchingEvent):
                continue
            # A timer waiting on a task is not where the work is: the task it is attached to is.
            if task.state == TaskState.WAITING and isinstance(spec, BoundaryEvent):
                continue
            ids.append(bpmn_id)
        return ids

    def data(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        """Everything recorded so far, as plain JSON-safe data.

        Parallel branches keep separate copies of data until their join, so
        ``last_task.data`` alone would miss answers from branches still open.
        Instead, merge each finished step's data in the order it finished (later
        answers win, e.g. a manager's final outcome over the first decision),
        over ``workflow.data``.
        """
        merged: dict[str, Any] = dict(workflow.data)
        finished = [
            t
            for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if getattr(t.task_spec, "bpmn_id", None) is not None
        ]
        finished.sort(key=lambda t: t.last_state_change)  # stable: ties keep tree order
        if not finished:
            merged.update(workflow.task_tree.data)
        for task in finished:
            merged.update(task.data)
        return json.loads(json.dumps(merged, default=str))

    # ----------------------------------------------------------------- internals

    def _run_engine(self, workflow: BpmnWorkflow) -> None:
        """Run the engine until only people's tasks and timers not yet due are left.

        ``do_engine_steps`` refreshes timers last, so a timer whose time has passed
        is left READY but not run; run again until nothing is left to run, so the
        task it raises exists as soon as the timer has fired, in the same save.
        """
        try:
            for _ in range(_MOST_ENGINE_ROUNDS):
                workflow.do_engine_steps()
                if not any(not t.task_spec.manual for t in workflow.get_tasks(state=TaskState.READY)):
                    return
        except SpiffWorkflowException as exc:
            raise StepFailed(f"The process could not continue: {_describe(exc)}") from exc
        raise StepFailed("The process could not continue: it kept finding more to run.")


_MOST_ENGINE_ROUNDS = 20


_RESERVED = frozenset(SCRIPT_GLOBALS) | {"__builtins__"}


def _ready_task(task: Any) -> ReadyTask:
    spec = task.task_spec
    due_times = task.data.get("due_times")
    due = due_times.get(spec.bpmn_id) if isinstance(due_times, dict) else None
    raised_by = late_task_id = None
    parent = task.parent
    if parent is not None and isinstance(parent.task_spec, BoundaryEvent):
        raised_by = parent.task_spec.bpmn_id
        attached = _attached_task(parent)
        late_task_id = str(attached.id) if attached is not None else None
    return ReadyTask(
        id=str(task.id),
        bpmn_id=spec.bpmn_id,
        title=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane,
        due=copy.deepcopy(due) if isinstance(due, dict) else None,
        raised_by=raised_by,
        late_task_id=late_task_id,
    )


def _attached_task(boundary_task: Any) -> Any | None:
    """The activity a boundary event's task is attached to: the split's child that is not an event."""
    split = boundary_task.parent
    if split is None:
        return None
    return next((c for c in split.children if not isinstance(c.task_spec, BoundaryEvent)), None)


def _timer_due(task: Any) -> datetime | None:
    """A waiting timer's due time, as SpiffWorkflow worked it out (aware, UTC)."""
    definition = task.task_spec.event_definition
    if isinstance(definition, CycleTimerEventDefinition):
        return None
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    try:
        if isinstance(definition, TimeDateEventDefinition):
            due = TimerEventDefinition.parse_time_or_duration(value)
        else:
            due = TimerEventDefinition.get_datetime(value)
    except Exception:  # noqa: BLE001 - a value Spiff itself would refuse: no due time to report
        return None
    return due.astimezone(UTC) if isinstance(due, datetime) else None


def _describe(exc: BaseException) -> str:
    """Spiff's message (which already carries its notes) plus the underlying Python error, if any."""
    text = str(exc).strip().rstrip(".").strip()
    cause = getattr(exc, "exception", None) or exc.__cause__
    if cause is not None and str(cause) not in text:
        text = f"{text} ({type(cause).__name__}: {cause})"
    return text


def _where(exc: BaseException) -> str:
    """' (file, line, element)' from a Spiff ValidationException, so a modeler can find the fault."""
    parts = [
        str(value)
        for value in (
            getattr(exc, "file_name", ""),
            f"line {exc.line_number}" if getattr(exc, "line_number", "") else "",
            getattr(exc, "id", "") and f"element {exc.id}",
        )
        if value
    ]
    return f" ({', '.join(parts)})" if parts else ""
