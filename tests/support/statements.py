"""Counting the SQL statements a request issues."""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

from mentormatch.extensions import db


@contextmanager
def counting():
    """Collect the SQL statements issued inside the block, which starts from an empty session as a
    real request does (the tests keep one application context, and so one session, open throughout)."""
    db.session.remove()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
