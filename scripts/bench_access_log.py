"""Benchmark: what the access log costs a request.

Usage: .venv/bin/python scripts/bench_access_log.py [N]   (DATABASE_URL selects PostgreSQL)

Creates a referral in a scratch database, signs a social worker in through the
Flask test client, then times N views of the referral page with the access
log written and N without (the entry's write replaced by nothing), in
alternating rounds so that other load on the machine falls on both alike.
Prints the median and p95 of each, the difference per request, and how long
`flask audit seal` and `flask audit verify` take per entry.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ROUNDS = 10


def main(n: int) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite")
    from app import access_log, create_app
    from app.extensions import db
    from app.models import Agency, AgencyKind, Role, RoleName, User
    from app.passwords import hash_password
    from app.referrals import routes, services
    from app.transaction import transaction
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
            password_hash=hash_password("bench-password-123"),
        )
        db.session.add_all([police, social, officer, worker])
        db.session.commit()
        referral_id = services.create_referral(officer, steps.notification()).id
        db.session.commit()
        db.session.remove()

    client = app.test_client()
    client.post("/sign-in", data={"email": "w@bench.test", "password": "bench-password-123"})
    url = f"/referrals/{referral_id}"
    real = routes.record_audit_event

    def views(count: int) -> list[float]:
        times = []
        for _ in range(count):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
        return times

    views(20)  # warm up: templates compiled, engine and caches filled
    logged, unlogged = [], []
    for _ in range(ROUNDS):
        routes.record_audit_event = real
        logged += views(n // ROUNDS)
        routes.record_audit_event = lambda *args, **kwargs: None
        unlogged += views(n // ROUNDS)
    routes.record_audit_event = real

    def summary(times: list[float]) -> str:
        ordered = sorted(times)
        return f"median {statistics.median(ordered) * 1000:.2f} ms, p95 {ordered[int(len(ordered) * 0.95)] * 1000:.2f} ms"

    print(f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, {len(logged)} views each")
    print(f"  with the access log:    {summary(logged)}")
    print(f"  without the access log: {summary(unlogged)}")
    print(
        f"  cost per view: {(statistics.median(logged) - statistics.median(unlogged)) * 1000:.2f} ms (median), "
        f"{(statistics.mean(logged) - statistics.mean(unlogged)) * 1000:.2f} ms (mean)"
    )
    with app.app_context():
        from app.models import AuditEvent

        entries = db.session.query(AuditEvent).count()
        started = time.perf_counter()
        with transaction():
            horizon = access_log.settled_id()
        with transaction():
            sealed = access_log.seal(horizon)
        sealing = time.perf_counter() - started
        started = time.perf_counter()
        verdict = access_log.verify()
        verifying = time.perf_counter() - started
        assert verdict.ok
        print(
            f"  seal: {sealed:,} entries in {sealing * 1000:.0f} ms ({sealing / max(sealed, 1) * 1e6:.0f} µs each); "
            f"verify: {entries:,} in {verifying * 1000:.0f} ms ({verifying / max(entries, 1) * 1e6:.0f} µs each)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
