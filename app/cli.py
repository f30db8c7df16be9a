"""Command-line tools: `flask users …`, `flask agencies …`, `flask demo …` and `flask audit …`."""

from __future__ import annotations

from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select, text

from app.admin import services
from app.domain.whole_numbers import is_whole_number
from app.extensions import db
from app.models import Agency, AgencyKind, RoleName, User
from app.transaction import transaction

users_cli = AppGroup("users", help="Manage user accounts.")
agencies_cli = AppGroup("agencies", help="Manage agencies.")
demo_cli = AppGroup("demo", help="Fictional demo data (development only).")
audit_cli = AppGroup("audit", help="The access log: seal it into its chain, and check it.")


def _fail(message: str) -> NoReturn:
    raise click.ClickException(message)  # inside `transaction()`, nothing is kept


@agencies_cli.command("create")
@click.option("--name", required=True, help="The agency's name.")
@click.option("--kind", required=True, type=click.Choice([k.value for k in AgencyKind]))
@click.option("--area", "local_authority_area", default=None, help="Local authority area.")
def create_agency(name: str, kind: str, local_authority_area: str | None) -> None:
    """Create an agency."""
    with transaction():
        try:
            agency = services.save_agency(
                None, None, name=name.strip(), kind=kind, local_authority_area=local_authority_area
            )
        except services.AdminError as error:
            _fail(str(error))
    click.echo(f"Created agency {agency.name} ({agency.kind.label}).")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--agency", "agency_name", required=True, help="Name of an existing agency.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in RoleName]),
    help="Repeat for several roles.",
)
@click.option("--job-title", default=None)
@click.password_option("--password", help="Temporary password; the user must change it at first sign-in.")
def create_user(
    email: str, full_name: str, agency_name: str, roles: tuple[str, ...], job_title: str | None, password: str
) -> None:
    """Create a user with a temporary password."""
    with transaction():
        agency = db.session.scalar(select(Agency).where(Agency.name == agency_name.strip()))
        if agency is None:
            _fail(f"No agency is called {agency_name!r}. Create it first with `flask agencies create`.")
        try:
            user = services.save_user(
                None,
                None,
                full_name=full_name.strip(),
                email=email,
                agency=agency,
                roles=list(roles),
                job_title=job_title,
                temporary_password=password,
            )
        except services.AdminError as error:
            _fail(str(error))
    click.echo(f"Created {user.email} in {agency.name} with roles: {', '.join(r.label for r in user.roles)}.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_user(email: str) -> None:
    """Deactivate a user so they cannot sign in."""
    with transaction():
        user = User.by_email(email)
        if user is None:
            _fail(f"No user has the email address {email!r}.")
        services.set_active(None, user, False)
    click.echo(f"Deactivated {user.email}.")


@users_cli.command("unlock")
@click.argument("email")
def unlock_user(email: str) -> None:
    """Unlock an account locked after too many failed sign-ins (for when no administrator can)."""
    with transaction():
        user = User.by_email(email)
        if user is None:
            _fail(f"No user has the email address {email!r}.")
        try:
            services.unlock_account(None, user)
        except services.AdminError as error:
            _fail(str(error))
    click.echo(f"Unlocked {user.email}.")


@users_cli.command("reset-two-step")
@click.argument("email")
def reset_two_step(email: str) -> None:
    """Remove a user's authenticator app and recovery codes, and sign them out everywhere."""
    with transaction():
        user = User.by_email(email)
        if user is None:
            _fail(f"No user has the email address {email!r}.")
        try:
            services.reset_second_factor(None, user)
        except services.AdminError as error:
            _fail(str(error))
    click.echo(f"Reset two-step verification for {user.email}; they set it up again at their next sign-in.")


@users_cli.command("list")
def list_users() -> None:
    """List users with their agency, roles and status."""
    for user in db.session.scalars(select(User).order_by(User.email)).unique():
        status = "deactivated" if not user.active else "locked" if user.is_locked else "active"
        if user.is_system:
            status += ",system"
        click.echo(
            f"{user.email}\t{user.agency.name}\t{','.join(r.name.value for r in user.roles)}\t{status}"
        )


@demo_cli.command("load")
def load_demo() -> None:
    """Load fictional demo agencies, users and cases (refused in production)."""
    if not current_app.config["DEMO_DATA_ALLOWED"]:
        _fail("Demo data is refused in the production configuration.")
    from app.sample_data.demo import load_demo_data

    with transaction():
        created = load_demo_data()
    click.echo("Demo data: " + ", ".join(f"{n} {what} created" for what, n in created.items()))
    # The timer worker's own pass, so the overdue demo cases have their escalations at once.
    from app.timers import worker

    click.echo(f"Timers: {worker.run_pass()}.")


def _referral_count(value: str, most: int) -> int:
    digits = value.strip().replace(",", "").replace("_", "")
    if not is_whole_number(digits.lstrip("-")):
        _fail(f"--referrals must be a whole number, like --referrals 1000 (you gave {value!r}).")
    count = int(digits)
    if count < 1:
        _fail(f"--referrals must be at least 1 (you gave {count}).")
    if count > most:
        _fail(
            f"--referrals can be at most {most:,} at a time (you gave {count:,}). Run the command again to add more."
        )
    return count


@demo_cli.command("generate")
@click.option(
    "--referrals",
    "count",
    required=True,
    metavar="N",
    help="How many fictional referrals to add (1 to 1,000,000).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same cases.")
def generate_demo(count: str, seed: int) -> None:
    """Add N fictional referrals over the last 12 months, with known audit gaps planted (refused in production)."""
    if not current_app.config["DEMO_DATA_ALLOWED"]:
        _fail("Demo data is refused in the production configuration.")
    from time import monotonic

    from app.sample_data.generate import GAP_SLUGS, MAX_REFERRALS, generate, plants_per_gap

    n = _referral_count(count, MAX_REFERRALS)
    started = monotonic()
    with transaction():
        planted = generate(n, seed=seed)
        # Fresh planner statistics after a bulk load, so report queries pick good plans.
        db.session.execute(text("ANALYZE"))
    click.echo(
        f"Generated {n:,} fictional referrals (seed {seed}) in {monotonic() - started:.1f} s: "
        "Northshire and Southvale, received over the last 12 months."
    )
    click.echo(
        "Cases planted in each gap of docs/audit-rules.md (every other generated case is gap-free now):"
    )
    for number, slug in enumerate(GAP_SLUGS, start=1):
        click.echo(f"  {number:>2}  {slug:<36} {len(planted[slug]):>7,}")
    click.echo(
        f"That is {max(plants_per_gap(n)):,} per gap (n // 40, at least 1); a police-protection case can also be "
        "in gap 1 or 2, as the rules overlap there."
        if n >= 2 * len(GAP_SLUGS)
        else f"With fewer than {2 * len(GAP_SLUGS)} referrals only the first {n // 2} gaps get a case, "
        "so that at least half stay gap-free."
    )


@audit_cli.command("seal")
def seal_access_log() -> None:
    """Chain the access-log entries written since the last run (run it every minute or so)."""
    from app import access_log

    with transaction():  # ends at once: on PostgreSQL it waits for the writers in flight
        horizon = access_log.settled_id()
    with transaction():
        count = access_log.seal(horizon)
        last = access_log.head()
    # Keep this line somewhere other than the database: a shorter chain later means entries went.
    click.echo(f"Sealed {count:,} entries. Head of the chain: {last.event_id}:{last.chain_hash}")


@audit_cli.command("verify")
@click.option(
    "--head",
    "known_head",
    default=None,
    metavar="ID:HASH",
    help="A head printed by an earlier seal or verify: the chain must still hold it.",
)
def verify_access_log(known_head: str | None) -> None:
    """Check every access-log entry and the chain; exits non-zero naming the first broken entry."""
    from app import access_log
    from app.models import AuditChainLink

    verdict = access_log.verify()
    if verdict.ok and known_head:
        event_id, _, chain_hash = known_head.partition(":")
        link = db.session.get(AuditChainLink, int(event_id)) if is_whole_number(event_id) else None
        if link is None or link.chain_hash != chain_hash.strip():
            db.session.rollback()
            raise click.ClickException(
                f"The access log no longer holds the head {known_head}: sealed entries up to "
                f"{event_id} were removed or rewritten since it was recorded."
            )
    db.session.rollback()
    if not verdict.ok:
        raise click.ClickException(
            f"The access log is broken at entry {verdict.broken_id}: {verdict.problem}. "
            f"{verdict.checked:,} entries before it are intact."
        )
    click.echo(
        f"The access log is intact: {verdict.checked:,} sealed entries, head "
        f"{verdict.head.event_id}:{verdict.head.chain_hash}; {verdict.waiting:,} not sealed yet."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(agencies_cli)
    app.cli.add_command(demo_cli)
    from app.timers.cli import timers_cli

    app.cli.add_command(timers_cli)
