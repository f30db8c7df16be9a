"""`flask timers run`: fire the BPMN timers that are due (one pass, or --loop)."""

from __future__ import annotations

import logging
import sys

import click
from flask.cli import AppGroup

from app.timers import worker

timers_cli = AppGroup("timers", help="Fire BPMN timers that are due, and send alert emails.")


def _log_to_stderr() -> None:
    logger = logging.getLogger("front_door.timers")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


@timers_cli.command("run")
@click.option("--loop", is_flag=True, help="Keep running, a pass every --interval seconds, until stopped.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds between passes.",
)
def run(loop: bool, interval: float) -> None:
    """Fire the timers that are due, alert tasks due within the hour, send waiting emails.

    Run as many of these as you like at once: each due referral is fired by exactly one.
    """
    _log_to_stderr()
    if loop:
        click.echo(f"Timer worker running, a pass every {interval:g} s. Stop it with Ctrl-C or SIGTERM.")
        worker.run_loop(interval)
        return
    report = worker.run_pass()
    click.echo(f"Timers: {report}.")
