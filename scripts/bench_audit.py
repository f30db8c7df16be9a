"""Benchmark: the audit dashboard and every gap list, over HTTP, on a generated database.

Usage:
    DATABASE_URL=... FLASK_APP=wsgi FRONT_DOOR_ENV=development .venv/bin/flask db upgrade
    DATABASE_URL=... FLASK_APP=wsgi FRONT_DOOR_ENV=development .venv/bin/flask demo generate --referrals 100000
    DATABASE_URL=... .venv/bin/python scripts/bench_audit.py [REPEATS]

Signs in as the demo MASH manager and times each page and CSV export (query, rendering and all)
REPEATS times after one warm-up request, printing the median and the worst.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(repeats: int) -> None:
    os.environ.setdefault("FRONT_DOOR_ENV", "development")
    from sqlalchemy import func, select

    from app import create_app
    from app.audit.gaps import GAPS
    from app.extensions import db
    from app.models import Referral
    from app.sample_data.demo import DEMO_PASSWORD

    app = create_app("development")
    app.config["WTF_CSRF_ENABLED"] = False  # the benchmark signs in with a plain POST
    with app.app_context():
        referrals = db.session.scalar(select(func.count(Referral.id)))
        dialect = db.engine.dialect.name
    client = app.test_client()
    response = client.post(
        "/sign-in", data={"email": "manager@northshire.example", "password": DEMO_PASSWORD}
    )
    if response.status_code != 302:
        sys.exit("Could not sign in as the demo manager: load the demo data first (flask demo generate).")
    pages = (
        [("dashboard", "/audit/")]
        + [(f"list {g.number} ({g.slug})", f"/audit/gaps/{g.slug}") for g in GAPS]
        + [(f"list {g.number} as CSV", f"/audit/gaps/{g.slug}.csv") for g in GAPS]
    )
    print(f"{dialect}: {referrals} referrals; each page {repeats} times after a warm-up")
    worst_overall = 0.0
    for name, url in pages:
        client.get(url).close()
        timings = []
        for _ in range(repeats):
            start = time.perf_counter()
            response = client.get(url)
            response.get_data()  # CSV is streamed: the time includes writing every row
            timings.append((time.perf_counter() - start) * 1000)
            # Closing ends the request, as a server does once it has sent the response.
            response.close()
            assert response.status_code == 200, (url, response.status_code)
        worst_overall = max(worst_overall, max(timings))
        print(f"  {name:<45} median {statistics.median(timings):7.1f} ms   worst {max(timings):7.1f} ms")
    print(f"worst of all pages: {worst_overall:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
