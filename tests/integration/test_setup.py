"""Set-up: migrations match the models on both databases, configuration, the flask commands."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from mentormatch import create_app
from mentormatch.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    ApplicationStatus,
    DomainEvent,
    DoNotMatch,
    Match,
    MatchStatus,
    Mentor,
    OutboxMessage,
    PairSource,
    Program,
    User,
    Youth,
)
from tests.builders import PASSWORD, make_user


def _schema_drift() -> list:
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


def test_migrations_build_exactly_the_models_schema_and_come_down_cleanly(app):
    db.drop_all()
    upgrade()
    assert _schema_drift() == []
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert _schema_drift() == []


def test_migrations_have_a_single_head(app):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1


def test_production_refuses_the_development_secret_key(monkeypatch):
    monkeypatch.setenv("MENTORMATCH_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("APP_BASE_URL", "https://mentors.example.gov")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"] == "x" * 40


def test_database_url_from_environment_uses_psycopg(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.internal/mm")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal/mm"


def test_seed_demo_loads_a_realistic_data_set_once(app, browser):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for email, *_ in DEMO_ACCOUNTS:
        assert email in result.output
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))
    assert count(Program) == 3
    assert count(Mentor) >= 40
    assert count(Youth) >= 150
    applicants = db.session.scalars(sa.select(Youth).join(Application).where(
        Application.status.in_([ApplicationStatus.WAITLISTED, ApplicationStatus.UNDER_REVIEW])))
    ages = [y.age() for y in applicants]
    assert min(ages) <= 13 and max(ages) == 20
    cleared = [m.is_cleared() for m in db.session.scalars(sa.select(Mentor))]
    assert 20 < sum(cleared) < 40, "some mentors must have lapsed or missing clearances"
    assert count(Application) > 100
    # Loading history e-mails nobody, and what follows it is in place: every event handled, the pair
    # the demo family declined ruled out, the matches of mentors whose clearance lapsed paused.
    assert count(OutboxMessage) == 0
    assert db.session.scalar(sa.select(sa.func.count(DomainEvent.id)).where(DomainEvent.dispatched_at.is_(None))) == 0
    declined = db.session.scalars(sa.select(DoNotMatch).where(DoNotMatch.source == PairSource.FAMILY)).all()
    assert len(declined) == 1 and declined[0].reason == "We would prefer a mentor who can meet on weekends."
    paused = db.session.scalars(sa.select(Match).where(Match.status == MatchStatus.PAUSED)).all()
    assert paused and all(not m.mentor.can_be_matched() for m in paused)
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    assert count(Program) == 3
    for email, *_ in DEMO_ACCOUNTS:
        assert browser.login(email, DEMO_PASSWORD).status_code == 302
        assert browser.get("/home").status_code == 200
        browser.logout()


def test_seed_demo_is_deterministic(app):
    from mentormatch import demo

    demo.seed()
    first = [(y.first_name, y.zip_code, tuple(y.interests)) for y in db.session.scalars(sa.select(Youth).order_by(Youth.id))]
    # End the session's transaction first: on PostgreSQL its read locks would block the drop.
    db.session.remove()
    db.drop_all()
    db.create_all()
    demo.seed()
    second = [(y.first_name, y.zip_code, tuple(y.interests)) for y in db.session.scalars(sa.select(Youth).order_by(Youth.id))]
    assert first == second


def test_create_user_command_makes_staff_and_checks_the_password(app):
    runner = app.test_cli_runner()
    args = ["create-user", "--email", "Lead@SacPD.example.org", "--first-name", "Lee", "--last-name", "Moua",
            "--role", "coordinator"]
    weak = runner.invoke(args=args + ["--password", "password123"])
    assert weak.exit_code != 0 and "Use at least" in weak.output or "too common" in weak.output
    result = runner.invoke(args=args + ["--password", PASSWORD])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "lead@sacpd.example.org"))
    assert user.role.value == "coordinator" and user.check_password(PASSWORD)
    duplicate = runner.invoke(args=args + ["--password", PASSWORD])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
