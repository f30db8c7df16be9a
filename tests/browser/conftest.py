"""Browser tests: the app served from a thread, driven by Debian's Chromium.

Playwright cannot download its own browsers here, so the launch arguments
point at /usr/bin/chromium. Every request that is not to the app is aborted,
which also proves the pages work without the internet.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def app_page(page, live_server):
    """A Playwright page that may only talk to the app."""
    outside: list[str] = []

    def only_the_app(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.set_default_timeout(10_000)
    page.outside_requests = outside  # type: ignore[attr-defined]
    yield page
    assert outside == [], f"pages asked for things outside the app: {outside}"
