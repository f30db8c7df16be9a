"""Run `flask timers run` in a process of its own with the clock at a given instant.

Used by the multi-process tests and scripts/bench_timers.py: the worker must
see the same time as the test that made the referrals, whatever the machine's
clock says. time-machine moves this process's clock; nothing in the app is patched.

    python tests/timers/run_worker.py 2026-08-28T20:00:00+00:00 [more flask args]
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import time_machine

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    instant = datetime.fromisoformat(sys.argv[1])
    with time_machine.travel(instant, tick=True):
        from flask.cli import main as flask_main

        sys.argv = ["flask", "--app", "wsgi", "timers", "run", *sys.argv[2:]]
        flask_main()


if __name__ == "__main__":
    main()
