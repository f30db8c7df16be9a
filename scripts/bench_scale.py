"""Benchmark at scale: the pages a manager and a social worker open, over HTTP through gunicorn,
on a database already filled by the generator (`flask demo load` and `flask demo generate`).

Usage:
    .venv/bin/python scripts/bench_scale.py --database-url postgresql://postgres@127.0.0.1:5432/gen1m
        [--workers 4] [--clients 20] [--seconds 20] [--think 0] [--warm 5]

For the dashboard, every gap list, the inbox and a referral page: the workers are restarted
(SIGHUP) and the page's first request on a fresh worker is timed, then `--warm` more. Then
`--clients` Locust clients open the inbox, and then referral pages, for `--seconds` each, and
the median, p95 and throughput are printed with the load average. Loopback only; the database
is only read (and the access log written, as on any page).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_http import free_port, gunicorn, load_average, run_locust, wait_up  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# The audit pages need a second factor: the benchmark signs in as a manager of its own, made
# beside the demo manager with one (the only row it writes, other than the access log).
MANAGER = "bench.manager@northshire.example"
SOCIAL_WORKER = "social.worker@northshire.example"


def signed_in(base: str, email: str, password: str, totp_secret: str | None) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{base}/sign-in", timeout=30) as page:
        token = CSRF.search(page.read().decode()).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    with opener.open(f"{base}/sign-in", form, timeout=30) as answer:
        page = answer.read().decode()
        if answer.url.endswith("/sign-in/code") and totp_secret:
            import pyotp

            code = {"csrf_token": CSRF.search(page).group(1), "code": pyotp.TOTP(totp_secret).now()}
            with opener.open(
                f"{base}/sign-in/code", urllib.parse.urlencode(code).encode(), timeout=30
            ) as done:
                done.read()
    return opener


def timed(opener, url: str) -> float:
    started = time.perf_counter()
    with opener.open(url, timeout=120) as response:
        response.read()
        if response.status != 200 or response.url != url:  # not sent to sign in or set up a second factor
            raise SystemExit(f"{url}: {response.status}, ended at {response.url}")
    return (time.perf_counter() - started) * 1000


def restart_workers(server, base: str) -> None:
    os.kill(server.pid, signal.SIGHUP)
    time.sleep(3)
    wait_up(base)


def bench_manager(password: str) -> str:
    """The benchmark's manager, in the demo manager's agency, with a second factor; its secret."""
    import pyotp

    from app.domain.clock import utcnow
    from app.extensions import db
    from app.models import Role, RoleName, User
    from app.passwords import hash_password

    user = User.by_email(MANAGER)
    if user is None:
        demo = User.by_email("manager@northshire.example")
        user = User(
            email=MANAGER,
            full_name="Bench Manager",
            agency=demo.agency,
            roles=[Role.get_or_create(RoleName.MASH_MANAGER)],
            password_hash=hash_password(password),
            totp_secret=pyotp.random_base32(),
            totp_enabled_at=utcnow(),
        )
        db.session.add(user)
        db.session.commit()
    return user.totp_secret


def pages(database_url: str) -> tuple[list[tuple[str, str, str]], list[int], int, str]:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("FRONT_DOOR_ENV", "development")
    from sqlalchemy import func, select

    from app import create_app
    from app.audit.gaps import GAPS
    from app.extensions import db
    from app.models import Referral, User
    from app.sample_data.demo import DEMO_PASSWORD

    app = create_app("development")
    with app.app_context():
        secret = bench_manager(DEMO_PASSWORD)
        total = db.session.scalar(select(func.count(Referral.id)))
        worker = User.by_email(SOCIAL_WORKER)
        newest = db.session.scalars(
            Referral.visible_to(worker).order_by(Referral.id.desc()).with_only_columns(Referral.id).limit(200)
        ).all()
        listed = [("dashboard", MANAGER, "/audit/")]
        listed += [(f"list {g.number}", MANAGER, f"/audit/gaps/{g.slug}") for g in GAPS]
        listed += [
            ("inbox", SOCIAL_WORKER, "/tasks"),
            ("referral page", SOCIAL_WORKER, f"/referrals/{newest[0]}"),
        ]
        db.session.remove()
        db.engine.dispose()
    return listed, list(newest), total, secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--locust", default=str(ROOT / ".venv-bench" / "bin" / "locust"))
    args = parser.parse_args()
    if not Path(args.locust).exists():
        raise SystemExit(f"Locust is not at {args.locust}: run `make .venv-bench/.installed`")
    from app.sample_data.demo import DEMO_PASSWORD

    listed, referral_ids, total, secret = pages(args.database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = gunicorn(args.database_url, port, args.workers, "sync")
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        print(
            f"start to first answered request: {wait_up(base):.2f} s; {total:,} referrals ({load_average()})"
        )
        print(f"{'page':<16} {'fresh worker':>12} {'warm median':>12}  load")
        # Signed in once: sessions live in the database, so they outlast the workers (and a
        # second-factor code works only once).
        openers = {email: signed_in(base, email, DEMO_PASSWORD, secret) for email in (MANAGER, SOCIAL_WORKER)}
        for name, email, path in listed:
            restart_workers(server, base)
            opener = openers[email]
            first = timed(opener, base + path)
            warm = statistics.median(timed(opener, base + path) for _ in range(args.warm))
            print(f"{name:<16} {first:>10.0f}ms {warm:>10.0f}ms  {load_average()}")
        plan = workdir / "plan.json"
        plan.write_text(
            json.dumps(
                {"password": DEMO_PASSWORD, "users": {"social": SOCIAL_WORKER}, "referral_ids": referral_ids}
            )
        )
        print(f"{args.clients} clients, {args.seconds} s each, {args.think:g} s between a client's requests:")
        for scenario in ("inbox", "referral"):
            result = run_locust(
                args.locust, base, scenario, plan, args.clients, args.seconds, workdir, args.think
            )
            print(
                f"{scenario:<10} {result['requests']:>6} requests, {result['failures']} errors, "
                f"median {result['median']:.0f} ms, p95 {result['p95']:.0f} ms, p99 {result['p99']:.0f} ms, "
                f"{result['per_second']:.1f}/s, CPU {result['cpu_ms']:.1f} ms/req  {load_average()}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
