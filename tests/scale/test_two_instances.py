"""Two web nodes behind a load balancer: two gunicorn instances on different ports, one
database. Nothing a request needs may live in one process's memory, so a user signed in
on one is signed in on the other, a task completed on one is done on the other, and
signing out on one ends the session on both."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from app.extensions import db
from app.referrals import services
from tests.conftest import TEST_PASSWORD
from tests.referrals import steps

pytestmark = pytest.mark.committing

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: one cookie jar, whichever node answers."""

    def __init__(self) -> None:
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, url: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(url, body, timeout=30) as response:
                return response.status, response.read().decode(), response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers.get("Location", "")

    def csrf(self, url: str) -> str:
        status, html, _ = self.request(url)
        assert status == 200, (url, status)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def start_node(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "FRONT_DOOR_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "two-nodes-one-secret-for-this-test-only",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_up(base: str, node: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if node.poll() is not None:
            pytest.fail(f"{base} stopped: {node.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/sign-in", timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{base} did not start within 60 s")


@pytest.fixture
def two_nodes(app, committed_db, database_url):
    ports = free_port(), free_port()
    nodes = [start_node(database_url, port) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, node in zip(bases, nodes, strict=True):
            wait_until_up(base, node)
        yield bases
    finally:
        for node in nodes:
            node.terminate()
        for node in nodes:
            try:
                node.wait(timeout=20)
            except subprocess.TimeoutExpired:
                node.kill()


def test_a_session_and_a_completed_task_are_the_same_on_both_nodes(two_nodes, mash):
    first, second = two_nodes
    referral = services.create_referral(mash["police"], steps.notification())
    db.session.commit()
    referral_id, task_id = referral.id, referral.ready_tasks[0].task_id
    email, name = mash["social_care"].email, mash["social_care"].full_name
    db.session.remove()

    browser = Browser()
    status, _, location = browser.request(
        f"{first}/sign-in",
        {"csrf_token": browser.csrf(f"{first}/sign-in"), "email": email, "password": TEST_PASSWORD},
    )
    assert status == 302 and "/sign-in" not in location, (status, location)
    # Signed in on the first node: the second knows the session.
    status, html, _ = browser.request(f"{second}/tasks")
    assert status == 200 and name in html

    # Triage completed on the second node...
    task_url = f"/referrals/{referral_id}/tasks/{task_id}"
    status, html, _ = browser.request(f"{second}{task_url}")
    version = re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    answers = {
        "csrf_token": token,
        "version": version,
        "rag": "amber",
        "rag_reason": "Repeat incidents at the address.",
        "significant_harm_suspected": "no",
        "research_needed": "yes",
    }
    status, html, _ = browser.request(f"{second}{task_url}", answers)
    assert status == 302, html[:2000]
    # ...is done on the first: the research tasks are waiting, and the same answers are refused.
    status, html, _ = browser.request(f"{first}/referrals/{referral_id}")
    assert status == 200 and "Police research" in html and "MASH triage" in html
    status, html, _ = browser.request(
        f"{first}{task_url}", {**answers, "csrf_token": browser.csrf(f"{first}/tasks")}
    )
    assert status == 409 and "already been completed" in html

    # Signing out on the first node ends the session on the second.
    status, _, _ = browser.request(f"{first}/sign-out", {"csrf_token": browser.csrf(f"{first}/tasks")})
    assert status == 302
    status, _, location = browser.request(f"{second}/tasks")
    assert status == 302 and "/sign-in" in location
