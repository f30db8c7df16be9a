"""Time one web request's worth of workflow work: load state, complete a task, dump state.

Run:  .venv/bin/python scripts/bench_engine.py [iterations]

Measures the step at the threshold decision (a mid-process instance with a
full task tree behind it), which is representative of the busiest screens.
Prints the median and 95th percentile in milliseconds, and the state size.
Framework-free: needs only SpiffWorkflow.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.workflow.engine import FrontDoorEngine  # noqa: E402

# Every clock a BPMN timer reads, far in the future, as the web layer sends them at triage.
DUE_TIMES = {
    task: {"at": "2099-01-05T09:00:00+00:00", "basis": "Benchmark", "working_time": False}
    for task in (
        "threshold_decision",
        "strategy_discussion",
        "police_confirm_plan",
        "health_confirm_plan",
        "police_protection_in_force",
    )
}


def _mid_process_state(engine: FrontDoorEngine) -> str:
    """A referral waiting at the threshold decision (after triage and the three research tasks)."""
    wf = engine.start(
        engine.current,
        {
            "incident_type": "domestic_abuse",
            "dash_level": "medium",
            "prior_notifications_12m": 2,
            "referral_source": "6",
        },
    )
    (triage,) = engine.ready_tasks(wf)
    engine.complete_task(
        wf, triage.id, data={"rag": "amber", "significant_harm_suspected": False, "due_times": DUE_TIMES}
    )
    for task in engine.ready_tasks(wf):
        key = {"police_research": "police_disagrees", "health_research": "health_disagrees"}.get(
            task.bpmn_id, "social_care_disagrees"
        )
        engine.complete_task(wf, task.id, data={key: False})
    return engine.dump_state(wf)


def bare_step(engine: FrontDoorEngine):
    """One web request's worth of engine work at the threshold decision, as a function to time."""
    spec = engine.current
    state = _mid_process_state(engine)

    def one_step() -> str:
        wf = engine.load(spec, state)
        (decision,) = engine.ready_tasks(wf)
        engine.complete_task(
            wf, decision.id, lane="Social care", data={"threshold_outcome": "s17", "due_times": DUE_TIMES}
        )
        return engine.dump_state(wf)

    return one_step, spec, state


def main(iterations: int = 2000) -> None:
    engine = FrontDoorEngine(ROOT / "workflows")
    one_step, spec, state = bare_step(engine)

    for _ in range(200):  # warm up caches and the allocator
        one_step()
    timings = []
    for _ in range(iterations):
        started = time.perf_counter()
        after = one_step()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"load + complete_task + dump_state: median {statistics.median(timings):.2f} ms, "
        f"p95 {p95:.2f} ms over {iterations} runs; state {len(state)} -> {len(after)} bytes, "
        f"spec stored once: {len(spec.serialized)} bytes"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
