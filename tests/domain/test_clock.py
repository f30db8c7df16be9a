"""One clock: nothing in app/ reads the time except app/domain/clock.py."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.domain import clock as app_clock

APP = Path(__file__).resolve().parents[2] / "app"
CLOCK_MODULE = APP / "domain" / "clock.py"

# (object, attribute) pairs that read the wall clock.
CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
}


def clock_reads(source: str) -> list[tuple[int, str]]:
    """Every place the source names a wall-clock read, called or passed as a default."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and (
            (isinstance(node.value, ast.Name) and (node.value.id, node.attr) in CLOCK_READS)
            or (isinstance(node.value, ast.Attribute) and (node.value.attr, node.attr) in CLOCK_READS)
        ):
            found.append((node.lineno, ast.unparse(node)))
        if isinstance(node, ast.ImportFrom) and node.module in {"time", "datetime"}:
            for alias in node.names:
                if (node.module, alias.name) in CLOCK_READS:
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
    return found


def test_no_module_in_app_reads_the_clock_but_the_clock():
    offenders = [
        f"{path.relative_to(APP.parent)}:{line}: {what}"
        for path in sorted(APP.rglob("*.py"))
        if path != CLOCK_MODULE
        for line, what in clock_reads(path.read_text())
    ]
    assert offenders == [], "read the time through app.domain.clock:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "snippet",
    [
        "from datetime import datetime\nx = datetime.now()",
        "import datetime\nx = datetime.datetime.utcnow()",
        "from datetime import date\nx = date.today()",
        "import time\nx = time.time()",
        "from time import time\nx = time()",
        "from sqlalchemy.orm import mapped_column\nfrom datetime import datetime\n"
        "c = mapped_column(default=datetime.now)",
    ],
)
def test_the_check_finds_a_direct_read(snippet):
    assert clock_reads(snippet)


def test_the_check_leaves_other_uses_of_datetime_alone():
    assert (
        clock_reads("from datetime import datetime\nx = datetime.combine(d, t)\ny = time.monotonic()") == []
    )


def test_the_clock_follows_the_fixture(clock):
    clock.set(datetime(2026, 3, 28, 23, 30, tzinfo=UTC))
    assert app_clock.utcnow() == datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert app_clock.london_today() == date(2026, 3, 28)
    clock.advance(hours=2)
    # 01:30 UTC on 29 March is 02:30 BST: the clocks have gone forward.
    assert app_clock.utcnow() == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert app_clock.london_today() == date(2026, 3, 29)
    assert app_clock.london_now().utcoffset() == timedelta(hours=1)
