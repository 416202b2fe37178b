"""Flask commands: demo data and staff accounts."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask

from mentormatch import backup
from mentormatch.extensions import db
from mentormatch.models import Role, User, record_audit, utcnow
from mentormatch.passwords import password_problem


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(run_matching)
    app.cli.add_command(run_scheduled)
    backup.register(app)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed_demo(if_empty: bool) -> None:
    """Load the deterministic demo data set and print the demo accounts."""
    from mentormatch import demo

    if db.session.scalar(sa.select(sa.func.count(User.id))):
        if if_empty:
            click.echo("Database already has data; demo data not loaded.")
            demo.print_accounts(click.echo)
            return
        raise click.ClickException("The database is not empty; seed-demo loads into an empty one.")
    figures = demo.seed()
    # Loading history: its consequences (pairs the demo family declined) are in place before
    # anyone logs in, and nobody is e-mailed about it.
    from mentormatch import events

    events.dispatch_all()
    click.echo("Demo data loaded: " + ", ".join(f"{n} {what}" for what, n in figures.items()))
    demo.print_accounts(click.echo)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--role", type=click.Choice([Role.COORDINATOR.value, Role.ADMIN.value]), required=True)
@click.password_option()
def create_user(email: str, first_name: str, last_name: str, role: str, password: str) -> None:
    """Create a coordinator or administrator account."""
    email = email.strip().lower()
    if db.session.scalar(sa.select(User).where(User.email == email)) is not None:
        raise click.ClickException(f"An account with {email} already exists.")
    problem = password_problem(password, email, first_name, last_name)
    if problem:
        raise click.ClickException(problem)
    user = User(email=email, first_name=first_name, last_name=last_name, role=Role(role), email_confirmed_at=utcnow())
    user.set_password(password)
    db.session.add(user)
    record_audit(None, "staff.create", user, role=role, via="command line")
    db.session.commit()
    click.echo(f"Created {role} {email}.")


@click.command("run-matching")
@click.option("--program", "slug", help="Short name of one program; every active program when left out.")
def run_matching(slug: str | None) -> None:
    """Run matching now for one program or every active one, and print each run's figures."""
    from mentormatch import matching_service
    from mentormatch.models import Program

    statement = sa.select(Program).where(Program.is_active).order_by(Program.name)
    if slug:
        statement = sa.select(Program).where(Program.slug == slug)
    programs = list(db.session.scalars(statement))
    if not programs:
        raise click.ClickException(f"No program with the short name {slug!r}." if slug else "No active program.")
    for program in programs:
        run = matching_service.start_run(program, None, inline=True)
        if run.error:
            raise click.ClickException(f"{program.name}: the run failed: {run.error}")
        click.echo(f"{program.name}: {run.youth_count} youth, {run.mentor_count} mentors, "
                   f"{run.proposal_count} proposals, {run.unmatched_count} unmatched, "
                   f"total score {run.total_score:.2f}, {run.seconds:.2f} s")


@click.command("run-scheduled")
@click.argument("work", type=click.Choice(["daily", "weekly", "sweep"]))
def run_scheduled(work: str) -> None:
    """Run now, in this process, what the job queue's schedule runs (for a one-off or a test)."""
    from mentormatch import jobs, queue, reminders

    done = {"daily": reminders.run_daily, "weekly": reminders.run_weekly, "sweep": jobs.sweep_once}[work]()
    queue.flush()
    click.echo(", ".join(f"{what}: {n}" for what, n in done.items()))
