"""Set-up: migrations match the models on both databases, configuration, the flask commands."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from mentormatch import create_app
from mentormatch.extensions import db
from mentormatch.models import User
from tests.builders import PASSWORD


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
