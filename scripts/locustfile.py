"""Locust users for scripts/bench_http.py: one scenario a run, chosen by BENCH_SCENARIO.

Reads the plan the benchmark wrote (BENCH_PLAN: users, tokens, referrals waiting at
each step) and writes the server's SQL counts per request to BENCH_COUNTS when it
stops. Runs in the benchmark's own virtualenv (.venv-bench), not the app's.
"""

from __future__ import annotations

import json
import os
import re
from itertools import count

import pyotp
from locust import HttpUser, between, constant, events, task

PLAN = json.loads(open(os.environ["BENCH_PLAN"]).read())  # noqa: SIM115, PTH123
SCENARIO = os.environ["BENCH_SCENARIO"]
COUNTS = {"requests": 0, "statements": 0, "commits": 0, "cpu_ms": 0.0}
NEXT = {"research": count(), "decision": count()}
MANAGERS = count(int(os.environ.get("BENCH_FIRST_MANAGER", "0")))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

NOTIFICATION = {
    "incident_type": "domestic_abuse",
    "dash_level": "standard",
    "occurred_date": "2026-11-30",
    "occurred_time": "22:40",
    "location": "1 Bench Road",
    "description": "Shouting reported by a neighbour.",
    "immediate_action": "Suspect left the address.",
    "children": [
        {
            "full_name": "Bench Child",
            "date_of_birth": "2016-05-05",
            "sex": "1",
            "address": "1 Bench Road",
            "present": True,
            "spoken_to": True,
            "voice": "I hid upstairs.",
            "demeanour": "Calm.",
        }
    ],
}


@events.request.add_listener
def count_sql(name=None, response=None, exception=None, **_kwargs):
    """The server's own counts for each timed request (sign-ins are set-up, not counted)."""
    if name == "sign in" or response is None or "X-SQL-Statements" not in response.headers:
        return
    COUNTS["requests"] += 1
    COUNTS["statements"] += int(response.headers["X-SQL-Statements"])
    COUNTS["commits"] += int(response.headers["X-SQL-Commits"])
    COUNTS["cpu_ms"] += float(response.headers.get("X-CPU-Ms", 0))


@events.quitting.add_listener
def write_counts(**_kwargs):
    with open(os.environ["BENCH_COUNTS"], "w") as f:  # noqa: PTH123
        json.dump(COUNTS, f)


#: Seconds a client waits between requests (--think): 0 hammers the server; a person reading
#: each page waits about that long, from half to one and a half times it.
THINK = float(os.environ.get("BENCH_THINK", "0"))


class Bench(HttpUser):
    wait_time = between(THINK / 2, THINK * 1.5) if THINK else constant(0)

    def on_start(self):
        if SCENARIO in ("inbox", "referral", "search", "chain", "soak"):
            self.sign_in(PLAN["users"]["social"])
        elif SCENARIO in ("dashboard", "gap_list"):
            # A manager of its own for each client: a second-factor code works only once.
            self.sign_in(PLAN["managers"][next(MANAGERS)], code=True)

    def sign_in(self, email: str, code: bool = False) -> None:
        page = self.client.get("/sign-in", name="sign in")
        token = CSRF.search(page.text).group(1)
        answer = self.client.post(
            "/sign-in",
            data={"csrf_token": token, "email": email, "password": PLAN["password"]},
            name="sign in",
        )
        if code:
            token = CSRF.search(answer.text).group(1)
            self.client.post(
                "/sign-in/code",
                data={"csrf_token": token, "code": pyotp.TOTP(PLAN["totp_secret"]).now()},
                name="sign in",
            )

    def api(self, email: str) -> dict:
        return {"Authorization": f"Bearer {PLAN['tokens'][email]}"}

    def complete(self, kind: str, answers: dict) -> None:
        n = next(NEXT[kind])
        if n >= len(PLAN[kind]):
            self.environment.runner.quit()
            return
        waiting = PLAN[kind][n]
        with self.client.post(
            f"/api/v1/referrals/{waiting['referral_id']}/tasks/{waiting['task_id']}",
            json={"version": waiting["version"], **answers},
            headers=self.api(PLAN["users"]["police" if kind == "research" else "social"]),
            name=kind,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    def page(self, path: str, name: str, **kwargs) -> None:
        """A page, counted as failed if it is not the page (a sign-in page is not)."""
        with self.client.get(
            path, name=name, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")

    @task
    def one(self):
        if SCENARIO == "intake":
            self.client.post(
                "/api/v1/notifications",
                json=NOTIFICATION,
                headers=self.api(PLAN["users"]["police"]),
                name="intake",
            )
        elif SCENARIO == "research":
            self.complete("research", PLAN["research_answers"])
        elif SCENARIO == "decision":
            self.complete(
                "decision",
                {"outcome": "s17", "rationale": "Repeat incidents: a child in need assessment."},
            )
        elif SCENARIO == "inbox":
            self.page("/tasks", "inbox")
        elif SCENARIO == "referral":
            ids = PLAN["referral_ids"]
            self.page(f"/referrals/{ids[hash(self) % len(ids)]}", "referral page")
        elif SCENARIO == "search":
            self.page("/people", "search", params={"q": "Alex Fictional"})
        elif SCENARIO == "dashboard":
            self.page("/audit/", "audit dashboard")
        elif SCENARIO == "chain":
            # The access log under several workers: half the clients view referral pages, half complete
            # tasks, every request writing its entry.
            if hash(self) % 2:
                ids = PLAN["referral_ids"]
                self.page(f"/referrals/{ids[hash(self) % len(ids)]}", "referral page")
            else:
                self.complete("research", PLAN["research_answers"])
        elif SCENARIO == "soak":
            # A long run for the workers' memory: pages and API reads in turn, no task budget used up.
            self.rounds = getattr(self, "rounds", 0) + 1
            turn = self.rounds % 4
            ids = PLAN["referral_ids"]
            if turn == 0:
                self.page("/tasks", "inbox")
            elif turn == 1:
                self.page(f"/referrals/{ids[self.rounds % len(ids)]}", "referral page")
            elif turn == 2:
                self.page("/people", "search", params={"q": "Alex Fictional"})
            else:
                self.page("/api/v1/tasks", "api tasks", headers=self.api(PLAN["users"]["social"]))
        elif SCENARIO == "gap_list":
            self.page(f"/audit/gaps/{PLAN['gap_slug']}", "gap list")
