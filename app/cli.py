"""Command-line tools: `flask users …`, `flask agencies …` and `flask demo …`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.admin import services
from app.extensions import db
from app.models import Agency, AgencyKind, RoleName, User

users_cli = AppGroup("users", help="Manage user accounts.")
agencies_cli = AppGroup("agencies", help="Manage agencies.")
demo_cli = AppGroup("demo", help="Fictional demo data (development only).")


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


@agencies_cli.command("create")
@click.option("--name", required=True, help="The agency's name.")
@click.option("--kind", required=True, type=click.Choice([k.value for k in AgencyKind]))
@click.option("--area", "local_authority_area", default=None, help="Local authority area.")
def create_agency(name: str, kind: str, local_authority_area: str | None) -> None:
    """Create an agency."""
    try:
        agency = services.save_agency(
            None, None, name=name.strip(), kind=kind, local_authority_area=local_authority_area
        )
    except services.AdminError as error:
        _fail(str(error))
    db.session.commit()
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
    db.session.commit()
    click.echo(f"Created {user.email} in {agency.name} with roles: {', '.join(r.label for r in user.roles)}.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_user(email: str) -> None:
    """Deactivate a user so they cannot sign in."""
    user = User.by_email(email)
    if user is None:
        _fail(f"No user has the email address {email!r}.")
    services.set_active(None, user, False)
    db.session.commit()
    click.echo(f"Deactivated {user.email}.")


@users_cli.command("list")
def list_users() -> None:
    """List users with their agency, roles and status."""
    for user in db.session.scalars(select(User).order_by(User.email)).unique():
        status = "active" if user.active else "deactivated"
        click.echo(
            f"{user.email}\t{user.agency.name}\t{','.join(r.name.value for r in user.roles)}\t{status}"
        )


@demo_cli.command("load")
def load_demo() -> None:
    """Load fictional demo agencies, users and cases (refused in production)."""
    if not current_app.config["DEMO_DATA_ALLOWED"]:
        _fail("Demo data is refused in the production configuration.")
    from app.demo import load_demo_data

    created = load_demo_data()
    db.session.commit()
    click.echo("Demo data: " + ", ".join(f"{n} {what} created" for what, n in created.items()))


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(agencies_cli)
    app.cli.add_command(demo_cli)
