"""The account-trust migration: existing accounts count as confirmed; confirmation links fit the table."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from mentormatch.extensions import db
from mentormatch.models import AccessToken, TokenPurpose, User, utcnow


def test_existing_accounts_are_confirmed_and_confirmation_links_can_be_stored(app):
    db.drop_all()
    # An earlier test on the same PostgreSQL server may have left its migration record behind.
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(revision="5d0c7a9e2b41")
    created = utcnow() - timedelta(days=400)
    # SQLite stores UTC without a zone, as the models' UTCDateTime does.
    stored = created if db.engine.dialect.name == "postgresql" else created.replace(tzinfo=None)
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO users (email, password_hash, role, first_name, last_name, locale, is_active_account,"
            " session_version, created_at) VALUES ('old@example.org', 'x', 'guardian', 'Old', 'Timer', 'en',"
            " :yes, 1, :created)"), {"yes": True, "created": stored})
    upgrade()
    user = db.session.scalar(sa.select(User).where(User.email == "old@example.org"))
    assert user.email_confirmed and abs(user.email_confirmed_at - created) < timedelta(seconds=1)
    AccessToken.issue(TokenPurpose.EMAIL_CONFIRMATION, user.email, timedelta(hours=1), user=user)
    db.session.commit()
    db.session.remove()
    downgrade(revision="5d0c7a9e2b41")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM access_tokens")).scalar() == 0
    downgrade(revision="base")
