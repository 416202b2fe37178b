"""Set-up: migrations match the models on both databases, configuration, the flask commands."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from mentormatch import create_app
from mentormatch.extensions import db
from mentormatch.models import MatchingRun, MatchProposal, ProposalCount, ProposalStatus, User
from tests.builders import PASSWORD, make_application, make_mentor, make_program, make_proposal, make_youth


def _schema_drift() -> list:
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


def _triggers_and_functions() -> set[str]:
    """What the schema holds besides tables (which compare_metadata does not compare): triggers,
    and on PostgreSQL the functions they call."""
    if db.engine.dialect.name == "sqlite":
        return set(db.session.scalars(sa.text("SELECT 'trigger ' || name FROM sqlite_master WHERE type = 'trigger'")))
    return set(db.session.scalars(sa.text(
        "SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal "
        "UNION SELECT 'function ' || proname FROM pg_proc JOIN pg_namespace n ON n.oid = pronamespace "
        "WHERE n.nspname = 'public'")))


def test_migrations_build_exactly_the_models_schema_and_come_down_cleanly(app):
    built = _triggers_and_functions()
    assert {"trigger proposal_counts_inserted", "trigger proposal_counts_updated",
            "trigger proposal_counts_deleted"} <= built
    db.session.commit()
    db.drop_all()
    upgrade()
    assert _schema_drift() == []
    assert _triggers_and_functions() == built
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    assert _triggers_and_functions() == set()
    db.session.commit()
    upgrade()
    assert _schema_drift() == []
    assert _triggers_and_functions() == built
    # The migrated triggers count as the models' do.
    program = make_program()
    run = MatchingRun(program_id=program.id)
    db.session.add(run)
    db.session.commit()
    proposal = make_proposal(make_application(make_youth(15), program), make_mentor(programs=[program]), run=run)
    proposal.status = ProposalStatus.REJECTED
    db.session.commit()
    assert db.session.execute(sa.select(ProposalCount.status, ProposalCount.total)
                              .where(ProposalCount.total != 0)).all() == [(ProposalStatus.REJECTED, 1)]


def test_the_proposal_counts_migration_counts_the_proposals_a_database_already_holds(app):
    db.session.commit()
    db.drop_all()
    upgrade(revision="15237a9eadf5")  # the revision before the counts
    program = make_program()
    runs = [MatchingRun(program_id=program.id), MatchingRun(program_id=program.id)]
    db.session.add_all(runs)
    db.session.commit()
    mentor = make_mentor(programs=[program], capacity=5)
    for run, status in ((runs[0], ProposalStatus.PENDING), (runs[0], ProposalStatus.PENDING),
                        (runs[0], ProposalStatus.REJECTED), (runs[1], ProposalStatus.APPROVED)):
        make_proposal(make_application(make_youth(15), program), mentor, run=run, status=status)
    db.session.commit()
    upgrade()
    counts = db.session.execute(sa.select(ProposalCount.run_id, ProposalCount.status, ProposalCount.total)
                                .order_by(ProposalCount.run_id, ProposalCount.status)).all()
    assert counts == [(runs[0].id, ProposalStatus.PENDING, 2), (runs[0].id, ProposalStatus.REJECTED, 1),
                      (runs[1].id, ProposalStatus.APPROVED, 1)]
    # And from there on the triggers move them.
    proposal = db.session.scalar(sa.select(MatchProposal).where(MatchProposal.status == ProposalStatus.PENDING)
                                 .limit(1))
    proposal.status = ProposalStatus.SUPERSEDED
    db.session.commit()
    assert db.session.scalar(sa.select(ProposalCount.total).where(
        ProposalCount.run_id == runs[0].id, ProposalCount.status == ProposalStatus.PENDING)) == 1


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
