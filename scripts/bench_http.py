"""Benchmark of the real request path: gunicorn, auth, the reply, on SQLite and PostgreSQL.

Usage (`make bench` runs the defaults on both databases):

    .venv/bin/python scripts/bench_http.py [--db sqlite|postgresql|both] [--workers 4]
        [--worker-class sync|gthread] [--clients 16] [--seconds 15] [--background 2000]
        [--think 0] [--scenarios intake,...] [--chain 0] [--soak 0]
        [--locust .venv-bench/bin/locust] [--pg-url postgresql://postgres@127.0.0.1:5432]

For each database it builds a scratch database (a temporary SQLite file, or the
PostgreSQL database `front_door_bench`, dropped and made again), migrates it, and
loads a MASH with users, one API token per agency, referrals waiting at each step,
and `--background` more referrals in the same area's inbox. It starts gunicorn on
a free loopback port and drives it with Locust, headless, one scenario at a time,
each bounded by `--seconds` and `--clients`:

- intake: POST /api/v1/notifications with the police token;
- research, decision: completing police research, then threshold decisions, through
  the API with one token;
- inbox, referral page, search: signed-in web pages;
- audit dashboard and a gap list: a manager with a second factor, on a fresh worker
  (the first request after the workers restart) and warm.

For each it prints the median, p95 and p99 latency, throughput, errors, SQL
statements, commits and server CPU per request (the server's X-SQL-* and X-CPU-Ms
headers; sign-ins excluded), and the load
average. Then one client completes tasks over HTTP alternately with the bare
engine step in this process, and the ratio of their medians is printed. Last, each
worker's RSS and the time from start to the first answered request. With --soak N,
the clients then read pages and the API in rounds of 30 s until N requests are
answered, and each worker's RSS is printed after every round. Loopback only.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-for-scratch-data"  # noqa: S105 - scratch database only
# One key for every process that writes or checks the access log: the seed, gunicorn, flask audit.
SECRET_KEY = "bench-secret-not-for-production"  # noqa: S105 - scratch database only
PG_DATABASE = "front_door_bench"
MAX_CLIENTS = 200
SCENARIOS = ["intake", "research", "decision", "inbox", "referral", "search", "dashboard", "gap_list"]


def load_average() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_database(kind: str, pg_url: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite'}"
    import sqlalchemy as sa

    engine = sa.create_engine(f"{pg_url.replace('postgresql://', 'postgresql+psycopg://')}/postgres")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {PG_DATABASE}"))
    engine.dispose()
    return f"{pg_url}/{PG_DATABASE}"


def seed(database_url: str, background: int, work: int) -> dict:
    """Migrate and load the scratch database; return what the load needs to know."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["SECRET_KEY"] = SECRET_KEY
    import logging

    import pyotp
    from flask_migrate import upgrade
    from sqlalchemy import text as sql_text

    from app import create_app
    from app.domain.clock import utcnow
    from app.extensions import db
    from app.models import Agency, AgencyKind, ApiToken, ReadyTask, Role, RoleName, User
    from app.passwords import hash_password
    from app.referrals import services
    from tests.conftest import system_account_for
    from tests.referrals import steps
    from tests.timers.clones import clone

    app = create_app("development")
    with app.app_context():
        upgrade()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        area = "Benchshire"
        agencies = {
            kind: Agency(name=f"Benchshire {kind.label}", kind=kind, local_authority_area=area)
            for kind in (AgencyKind.POLICE, AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH)
        }
        secret = pyotp.random_base32()
        password_hash = hash_password(PASSWORD)

        def person(email, role, kind, **extra) -> User:
            return User(
                email=email,
                full_name=email.split("@")[0].title(),
                agency=agencies[kind],
                roles=[Role.get_or_create(role)],
                password_hash=password_hash,
                **extra,
            )

        police = person("police@bench.test", RoleName.POLICE, AgencyKind.POLICE)
        social = person("social@bench.test", RoleName.SOCIAL_CARE, AgencyKind.CHILDRENS_SOCIAL_CARE)
        health = person("health@bench.test", RoleName.HEALTH, AgencyKind.HEALTH)
        # A manager for each client: a second-factor code works only once, so clients cannot share one.
        managers = [
            person(
                f"manager{n}@bench.test",
                RoleName.MASH_MANAGER,
                AgencyKind.CHILDRENS_SOCIAL_CARE,
                totp_secret=secret,
                totp_enabled_at=utcnow(),
            )
            for n in range(2 * MAX_CLIENTS)
        ]
        db.session.add_all([*agencies.values(), police, social, health, *managers])
        db.session.flush()
        tokens = {}
        for who in (police, social):
            tokens[who.email] = ApiToken.issue(system_account_for(who), "bench", None)[1]
        db.session.commit()

        by_lane = {"Police": police, "Social care": social, "Health": health}

        def advance(referral, until: str) -> None:
            while until not in {t.step for t in referral.ready_tasks}:
                task = referral.ready_tasks[0]
                data = steps.triage("amber") if task.step == "triage" else steps.research()
                services.complete_task(by_lane[task.lane], referral, task.task_id, referral.version, data)
                db.session.commit()

        def waiting_at(step: str, count: int, collect: bool = True) -> list[dict]:
            referral = services.create_referral(police, steps.notification())
            db.session.commit()
            advance(referral, step)
            ids = [referral.id, *clone(referral, count - 1)] if count > 1 else [referral.id]
            db.session.commit()
            if not collect:  # the background: nobody drives its tasks (nor lists 100,000 ids)
                return []
            rows = db.session.execute(
                db.select(ReadyTask.referral_id, ReadyTask.task_id, ReadyTask.ready_version).where(
                    ReadyTask.referral_id.in_(ids), ReadyTask.step == step
                )
            ).all()
            return [{"referral_id": r, "task_id": t, "version": v} for r, t, v in rows]

        plan = {
            "password": PASSWORD,
            "totp_secret": secret,
            "users": {"police": police.email, "social": social.email},
            "managers": [m.email for m in managers],
            "tokens": tokens,
            "research": waiting_at("police_research", work),
            "decision": waiting_at("threshold_decision", work),
        }
        if background:
            waiting_at("police_research", background, collect=False)
        plan["referral_ids"] = [t["referral_id"] for t in plan["decision"][:200]]
        from app.audit.gaps import GAPS

        plan["gap_slug"] = GAPS[0].slug
        # The threshold-decision referrals' social care research is done, so the inbox shows
        # the background referrals' social care research.
        # Statistics, as autovacuum would have gathered them on a live database by now: without
        # them, right after the bulk load, the planner picks plans for empty tables.
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sql_text("ANALYZE"))
        db.engine.dispose()
    return plan


def gunicorn(database_url: str, port: int, workers: int, worker_class: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "FRONT_DOOR_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "FRONT_DOOR_COUNT_SQL": "1",
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "PYTHONPATH": str(ROOT),
    }
    args = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    if worker_class == "gthread":
        args += ["--worker-class", "gthread", "--threads", "4"]
    return subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [*args, "--access-logfile", "/dev/null", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_up(base: str, timeout: float = 90) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(f"{base}/sign-in", timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn at {base} did not answer within {timeout} s")


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True, check=False).stdout  # noqa: S603, S607
    return [int(p) for p in out.split()]


def rss_mb(pids: list[int]) -> list[float]:
    sizes = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def _number(text: str) -> float:
    """A figure from Locust's CSV, which writes N/A where a scenario served no request."""
    return 0.0 if text in ("", "N/A") else float(text)


def run_locust(
    locust: str,
    base: str,
    scenario: str,
    plan_file: Path,
    clients: int,
    seconds: int,
    out: Path,
    think: float = 0,
) -> dict:
    counts_file = out / f"{scenario}-counts.json"
    env = {
        **os.environ,
        "BENCH_PLAN": str(plan_file),
        "BENCH_SCENARIO": scenario,
        "BENCH_COUNTS": str(counts_file),
        # The dashboard's and the gap list's clients sign in as different managers.
        "BENCH_FIRST_MANAGER": str(clients if scenario == "gap_list" else 0),
        "BENCH_THINK": str(think),
    }
    subprocess.run(  # noqa: S603 - our own locustfile, fixed arguments
        [
            locust,
            "-f",
            str(ROOT / "scripts" / "locustfile.py"),
            "--headless",
            "--only-summary",
            "-u",
            str(clients),
            "-r",
            str(clients),
            "-t",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            base,
            "--csv",
            str(out / scenario),
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(out / f"{scenario}_stats.csv") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}
    failures = out / f"{scenario}_failures.csv"
    if failures.exists():
        with open(failures) as f:
            for row in list(csv.DictReader(f))[:3]:
                print(f"  {scenario} failed {row['Occurrences']} times: {row['Error'][:300]}")
    timed = [r for name, r in rows.items() if name not in ("Aggregated", "sign in")]
    # One kind of request: its own row. Several (the soak): all of them, the sign-ins too.
    row = timed[0] if len(timed) == 1 else rows["Aggregated"]
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "median": _number(row["Median Response Time"]),
        "p95": _number(row["95%"]),
        "p99": _number(row["99%"]),
        "max": _number(row["Max Response Time"]),
        "per_second": _number(row["Requests/s"]),
        "statements": counts.get("statements", 0) / max(counts.get("requests", 0), 1),
        "commits": counts.get("commits", 0) / max(counts.get("requests", 0), 1),
        "cpu_ms": counts.get("cpu_ms", 0) / max(counts.get("requests", 0), 1),
    }


def engine_ratio(base: str, plan: dict, rounds: int = 8, per_round: int = 15) -> str:
    """One client: HTTP completions of police research alternately with the bare engine step."""
    from app.workflow.engine import FrontDoorEngine
    from scripts.bench_engine import bare_step

    step, _, _ = bare_step(FrontDoorEngine(ROOT / "workflows"))
    for _ in range(100):  # warm up, as the workers are
        step()

    tasks = plan["research"][-rounds * per_round :]
    token = plan["tokens"][plan["users"]["police"]]
    http, bare = [], []
    for r in range(rounds):
        for task in tasks[r * per_round : (r + 1) * per_round]:
            body = json.dumps({"version": task["version"], **RESEARCH_ANSWERS}).encode()
            request = urllib.request.Request(  # noqa: S310 - loopback
                f"{base}/api/v1/referrals/{task['referral_id']}/tasks/{task['task_id']}",
                data=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                response.read()
            http.append((time.perf_counter() - started) * 1000)
        for _ in range(per_round):
            started = time.perf_counter()
            step()
            bare.append((time.perf_counter() - started) * 1000)
    h, b = statistics.median(http), statistics.median(bare)
    return f"HTTP completion median {h:.1f} ms, bare engine step median {b:.1f} ms: {h / b:.1f}x ({load_average()})"


RESEARCH_ANSWERS = {
    "findings": "Two earlier call-outs to the address.",
    "information_shared": "Call-out history.",
    "shared_with": "MASH social worker",
    "purpose": "To inform the threshold decision.",
    "lawful_basis": "dpa_2018_safeguarding",
    "disagrees": False,
}


def bench(kind: str, args, locust: str) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    database_url = scratch_database(kind, args.pg_url, workdir)
    started = time.monotonic()
    # Enough waiting tasks for about 150 completions a second, whatever the clients.
    plan = seed(database_url, args.background, work=max(600, 150 * (args.seconds + args.chain) + 200))
    print(
        f"\n== {kind}: {args.workers} {args.worker_class} workers, {args.clients} clients, "
        f"{args.seconds} s a scenario, {args.think:g} s between a client's requests; loaded in {time.monotonic() - started:.0f} s ({load_average()})"
    )
    plan["research"], ratio_tasks = plan["research"][:-120], plan["research"][-120:]
    plan_file = workdir / "plan.json"
    plan_file.write_text(json.dumps({**plan, "research_answers": RESEARCH_ANSWERS}))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = gunicorn(database_url, port, args.workers, args.worker_class)
    try:
        first = wait_up(base)
        print(f"start to first answered request: {first:.2f} s")
        print("worker RSS at start: " + ", ".join(f"{m:.0f} MB" for m in rss_mb(worker_pids(server.pid))))
        print(
            f"{'scenario':<10} {'requests':>8} {'errors':>6} {'median':>7} {'p95':>7} {'p99':>7} "
            f"{'req/s':>7} {'SQL/req':>7} {'commits':>7} {'CPU ms/req':>10}  load"
        )
        for scenario in args.scenarios:
            if scenario in ("dashboard", "gap_list"):
                os.kill(server.pid, signal.SIGHUP)  # fresh workers: the first request is a cold one
                time.sleep(3)
                wait_up(base)
            result = run_locust(
                locust, base, scenario, plan_file, args.clients, args.seconds, workdir, args.think
            )
            cpu = result["cpu_ms"]
            print(
                f"{scenario:<10} {result['requests']:>8} {result['failures']:>6} {result['median']:>6.0f}ms "
                f"{result['p95']:>5.0f}ms {result['p99']:>5.0f}ms {result['per_second']:>7.1f} "
                f"{result['statements']:>7.1f} {result['commits']:>7.2f} {cpu:>10.1f}  {load_average()}"
            )
            if scenario in ("dashboard", "gap_list"):
                print(
                    f"{'':<10} slowest request, the first ones on the restarted workers: {result['max']:.0f} ms"
                )
        print(engine_ratio(base, {**plan, "research": ratio_tasks}))
        if args.chain:
            chain(locust, base, plan_file, args, workdir, database_url)
        if args.soak:
            soak(locust, base, plan_file, args, workdir, server.pid)
        print(
            "worker RSS after the load: " + ", ".join(f"{m:.0f} MB" for m in rss_mb(worker_pids(server.pid)))
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


def chain(locust: str, base: str, plan_file: Path, args, workdir: Path, database_url: str) -> None:
    """Views and completions from every client at once for --chain seconds, then the access log is
    sealed into its chain and verified, as `flask audit seal` and `flask audit verify` do."""
    result = run_locust(locust, base, "chain", plan_file, args.clients, args.chain, workdir)
    print(
        f"chain: {result['requests']} views and completions in {args.chain} s from {args.clients} clients, "
        f"{result['failures']} errors, median {result['median']:.0f} ms ({load_average()})"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FRONT_DOOR_ENV": "development",
        "PYTHONPATH": str(ROOT),
    }
    flask = str(Path(sys.executable).parent / "flask")
    for command in ("seal", "verify"):
        done = subprocess.run(  # noqa: S603 - our own command, fixed arguments
            [flask, "--app", "wsgi", "audit", command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        print(f"flask audit {command}: exit {done.returncode}: {(done.stdout + done.stderr).strip()[-300:]}")


SOAK_ROUND_SECONDS = 30


def soak(locust: str, base: str, plan_file: Path, args, workdir: Path, master: int) -> None:
    """Pages and API reads from every client, in rounds of 30 s until --soak requests have been
    answered, with each worker's RSS after every round: a worker that kept something from each
    request would grow round after round."""
    total = failures = 0
    started = rss_mb(worker_pids(master))
    print("soak: worker RSS before: " + ", ".join(f"{m:.0f} MB" for m in started))
    while total < args.soak:
        result = run_locust(locust, base, "soak", plan_file, args.clients, SOAK_ROUND_SECONDS, workdir)
        total += result["requests"]
        failures += result["failures"]
        if not result["requests"]:
            print("soak: no requests answered in a round; stopping")
            break
        print(
            f"soak: {total} requests, {failures} errors, median {result['median']:.0f} ms this round; "
            "worker RSS "
            + ", ".join(f"{m:.0f} MB" for m in rss_mb(worker_pids(master)))
            + f" ({load_average()})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--background", type=int, default=2000)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="each client waits about this long between requests, as a person would (default 0: none)",
    )
    parser.add_argument(
        "--scenarios",
        type=lambda text: [name for name in text.split(",") if name],
        default=SCENARIOS,
        help=f"a comma-separated choice of {','.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument(
        "--chain",
        type=int,
        default=0,
        metavar="SECONDS",
        help="then views and completions, and verify the access log",
    )
    parser.add_argument(
        "--soak",
        type=int,
        default=0,
        metavar="REQUESTS",
        help="then pages and API reads until this many requests are answered, with worker RSS after each 30 s",
    )
    parser.add_argument("--locust", default=str(ROOT / ".venv-bench" / "bin" / "locust"))
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
    )
    args = parser.parse_args()
    if not 1 <= args.clients <= MAX_CLIENTS or not 1 <= args.seconds <= 600 or not 1 <= args.workers <= 32:
        raise SystemExit("--clients must be 1 to 200, --seconds 1 to 600 and --workers 1 to 32")
    if not (args.soak == 0 or 1000 <= args.soak <= 200_000):
        raise SystemExit("--soak must be 0 (none) or 1,000 to 200,000 requests")
    if not 0 <= args.think <= 60:
        raise SystemExit("--think must be 0 to 60 seconds")
    unknown = sorted(set(args.scenarios) - set(SCENARIOS))
    if unknown or not args.scenarios:
        raise SystemExit(
            f"--scenarios: choose from {', '.join(SCENARIOS)}; not {', '.join(unknown) or 'nothing'}"
        )
    if not Path(args.locust).exists():
        raise SystemExit(f"Locust is not at {args.locust}: run `make bench`, which installs it")
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        bench(kind, args, args.locust)


if __name__ == "__main__":
    main()
