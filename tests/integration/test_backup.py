"""`flask backup` / `flask restore`: a round trip loses nothing, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from mentormatch import backup
from mentormatch.extensions import db
from mentormatch.models import AuditEvent, Youth


@pytest.fixture
def database_url(demo_database_url):
    """Each test starts from the demo data set, copied from one seeded once (see `demo_database`)."""
    return demo_database_url


def test_backup_and_restore_round_trip_loses_nothing(app, tmp_path):
    before = backup.fingerprint()
    runner = app.test_cli_runner()
    target = tmp_path / "mentormatch.backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0

    # Damage the live data after the backup: the restore must bring back exactly the saved state.
    db.session.execute(sa.delete(AuditEvent))
    db.session.execute(sa.update(Youth).values(first_name="Changed"))
    db.session.commit()
    assert backup.fingerprint() != before

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    after = backup.fingerprint()
    assert after == before
    assert after["youth"][0] == before["youth"][0] >= 150


def test_restore_of_a_missing_file_says_so(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "nothing.backup"), "--yes"])
    assert result.exit_code != 0 and "does not exist" in result.output


def test_restore_asks_for_confirmation(app, tmp_path):
    target = tmp_path / "b.backup"
    app.test_cli_runner().invoke(args=["backup", str(target)])
    result = app.test_cli_runner().invoke(args=["restore", str(target)], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
