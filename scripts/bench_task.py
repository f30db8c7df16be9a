"""Benchmark: completing one task end to end in the service layer, with its commit.

Usage: .venv/bin/python scripts/bench_task.py [N] [--sql]   (DATABASE_URL selects PostgreSQL)

Creates N referrals waiting at triage in a scratch database, then times, for
each, what a route does: lock the referral, complete the task (domain records,
timeline, workflow state), commit. Prints the median and p95, and the number
of SQL statements and commits per completion.

Also prints this process's CPU time per completion and how long the commit
itself took: on a shared machine the wall-clock figures swing with other
people's load (the commit waits for the disk), the CPU time much less.
With --sql, also lists the statements of one completion.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from sqlalchemy import event

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(n: int, show_sql: bool = False) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite")
    from app import create_app
    from app.extensions import db
    from app.models import Agency, AgencyKind, Role, RoleName, User
    from app.referrals import services
    from tests.conftest import reset_schema
    from tests.referrals import steps

    app = create_app("test")
    reset_schema(app)
    with app.app_context():
        police = Agency(name="Bench Police", kind=AgencyKind.POLICE, local_authority_area="Bench")
        social = Agency(
            name="Bench Children's Services",
            kind=AgencyKind.CHILDRENS_SOCIAL_CARE,
            local_authority_area="Bench",
        )
        officer = User(
            email="o@bench.test", full_name="O", agency=police, roles=[Role.get_or_create(RoleName.POLICE)]
        )
        worker = User(
            email="w@bench.test",
            full_name="W",
            agency=social,
            roles=[Role.get_or_create(RoleName.SOCIAL_CARE)],
        )
        db.session.add_all([police, social, officer, worker])
        db.session.commit()
        ids = []
        for _ in range(n):
            referral = services.create_referral(officer, steps.notification())
            db.session.commit()
            ids.append(referral.id)
        worker_id = worker.id
        db.session.remove()

        statements = commits = 0
        first: list[str] = []

        def count_statement(_conn, _cursor, statement, *_args):
            nonlocal statements
            statements += 1
            if show_sql and statements == len(first) + 1:  # only during the first completion
                first.append(" ".join(statement.split())[:110])

        def count_commit(*_args):
            nonlocal commits
            commits += 1

        event.listen(db.engine, "before_cursor_execute", count_statement)
        event.listen(db.engine, "commit", count_commit)
        timings, cpu, commit_times = [], [], []
        for referral_id in ids:
            start, start_cpu = time.perf_counter(), time.process_time()
            user = db.session.get(User, worker_id)
            referral = services.lock_referral(referral_id)
            task_id = referral.ready_tasks[0].task_id
            services.complete_task(user, referral, task_id, referral.version, steps.triage())
            before_commit = time.perf_counter()
            db.session.commit()
            end = time.perf_counter()
            timings.append((end - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            commit_times.append((end - before_commit) * 1000)
            db.session.remove()
            show_sql = False
        timings.sort()
        for statement in first:
            print("  SQL:", statement)
        print(
            f"{db.engine.dialect.name}: complete one task + commit over {n} referrals: "
            f"median {statistics.median(timings):.2f} ms, p95 {timings[int(0.95 * len(timings)) - 1]:.2f} ms, "
            f"{statements / n:.1f} SQL statements and {commits / n:.1f} commits per task "
            f"(CPU {statistics.median(cpu):.2f} ms, commit {statistics.median(commit_times):.2f} ms; medians)"
        )


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--sql"]
    main(int(args[0]) if args else 200, show_sql="--sql" in sys.argv[1:])
