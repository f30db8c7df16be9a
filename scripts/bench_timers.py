"""Benchmark: N referrals with due timers, K `flask timers run` processes at once; exactly one escalation each?

Usage: .venv/bin/python scripts/bench_timers.py [N] [K]     (defaults 1000 and 4; DATABASE_URL selects
PostgreSQL, which it drops and rebuilds; without it a scratch SQLite file, where 2 processes is the norm)

Makes one referral at the threshold decision (rated red, due 19:00 on a
Friday) through the services, copies it N-1 times in SQL, then starts K
worker processes with the clock six hours later and waits for them. Prints
how long the processes took, how many each fired, and the counts that must
hold: N escalation rows, N distinct referrals, N raised tasks, none left due.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(n: int, k: int) -> int:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite")
    import time_machine
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Agency, AgencyKind, Escalation, ReadyTask, Referral, Role, RoleName, User
    from tests.conftest import reset_schema
    from tests.timers.conftest import FRIDAY_3PM
    from tests.timers.test_worker_processes import due_referrals, run_workers

    app = create_app("test")
    reset_schema(app)
    with app.app_context():
        agencies = {
            kind: Agency(name=f"Bench {kind.value}", kind=kind, local_authority_area="Benchshire")
            for kind in (AgencyKind.POLICE, AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH)
        }
        db.session.add_all(agencies.values())

        def user(role: RoleName, kind: AgencyKind) -> User:
            person = User(
                email=f"{role.value}@bench.example",
                full_name=f"Bench {role.label}",
                agency=agencies[kind],
                roles=[Role.get_or_create(role)],
                password_hash="not-a-real-hash",  # noqa: S106 - nobody signs in here
            )
            db.session.add(person)
            return person

        mash = {
            "police": user(RoleName.POLICE, AgencyKind.POLICE),
            "social_care": user(RoleName.SOCIAL_CARE, AgencyKind.CHILDRENS_SOCIAL_CARE),
            "health": user(RoleName.HEALTH, AgencyKind.HEALTH),
            "manager": user(RoleName.MASH_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE),
        }
        db.session.commit()
        started = time.monotonic()
        with time_machine.travel(FRIDAY_3PM, tick=False):
            ids = due_referrals(mash, n)
        print(
            f"{n:,} referrals due, made in {time.monotonic() - started:.1f} s; {k} worker processes on {db.engine.dialect.name}"
        )
        db.session.remove()
        started = time.monotonic()
        results = run_workers(os.environ["DATABASE_URL"], k, FRIDAY_3PM + timedelta(hours=6))
        took = time.monotonic() - started
        fired = []
        for result in results:
            if result.returncode != 0:
                print(result.stderr[-2000:])
                return 1
            fired.append(int(result.stdout.split("Timers: ", 1)[1].split(" referrals", 1)[0]))
        rows = db.session.execute(select(Escalation.referral_id)).scalars().all()
        raised = db.session.scalar(
            select(func.count()).select_from(ReadyTask).where(ReadyTask.step == "escalate_threshold_decision")
        )
        left = db.session.scalar(select(func.count()).where(Referral.next_timer_at.is_not(None)))
        ok = len(rows) == n and set(rows) == set(ids) and raised == n and left == 0 and sum(fired) == n
        print(f"processes took {took:.1f} s ({n / took:.0f} referrals a second); each fired {fired}")
        print(
            f"escalations {len(rows):,}, distinct referrals {len(set(rows)):,}, raised tasks {raised:,}, still due {left}"
        )
        print("exactly once: yes" if ok else "exactly once: NO")
        return 0 if ok else 1


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    sys.exit(main(*(args + [1000, 4][len(args) :])))
