"""A database of its own for each test, with the schema (and the demo data set) built once per test
process instead of once per test.

SQLite: the schema is built into a template file, and each test starts from a copy of it.
PostgreSQL: each test process has its own throwaway server (see pgserver.py). Between tests its
tables are emptied with TRUNCATE ... RESTART IDENTITY: new, empty table files and ids from 1, as in
a new database, in about a third of the time of drop_all/create_all. (DELETE is faster still, but
leaves the old rows' space to be reused, so rows could come back in another order than a new
table gives them.) The schema is built again only when a test changed it (the migrations test, a
restore, drop_all).
A test that starts from the demo data set gets a copy of a database seeded once: a file copy on
SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.pool import NullPool

from mentormatch import demo
from mentormatch.extensions import db

MakeApp = Callable[[str], Flask]


def build(make_app: MakeApp, url: str, with_demo_data: bool = False) -> None:
    """Create every table of the models in the database at `url`, and load the demo data if asked."""
    app = make_app(url)
    with app.app_context():
        db.create_all()
        if with_demo_data:
            demo.seed()
        db.session.remove()
        db.engine.dispose()


class SqliteTemplates:
    """Template files, built when first asked for; each test gets a copy of one."""

    def __init__(self, folder: Path, make_app: MakeApp) -> None:
        self.folder = folder
        self.make_app = make_app
        self._empty: Path | None = None
        self._demo: Path | None = None

    def empty_copy(self, target: Path) -> str:
        if self._empty is None:
            self._empty = self.folder / "empty.db"
            build(self.make_app, f"sqlite:///{self._empty}")
        return self._copy(self._empty, target)

    def demo_copy(self, target: Path) -> str:
        if self._demo is None:
            self._demo = self.folder / "demo.db"
            self.empty_copy(self._demo)
            build(self.make_app, f"sqlite:///{self._demo}", with_demo_data=True)
        return self._copy(self._demo, target)

    @staticmethod
    def _copy(template: Path, target: Path) -> str:
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"


# Every relation of the public schema with its columns. A table dropped and created again gets a new
# oid, so this changes whenever a test rebuilt, altered or added to the schema, and not when it only
# wrote rows.
_SCHEMA_SHAPE = sa.text("""
    SELECT md5(coalesce(string_agg(
               concat_ws(':', c.oid, c.relkind, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                         a.attnotnull),
               ',' ORDER BY c.oid, a.attnum), ''))
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = 'public'
""")


class PostgresDatabases:
    """The databases of one test process's PostgreSQL server: `url`, emptied for each test by
    `empty`, and copies of a demo database made by `demo_copy`."""

    def __init__(self, url: str, make_app: MakeApp) -> None:
        self.url = url
        self.make_app = make_app
        self.engine = sa.create_engine(self.url, poolclass=NullPool)
        self.shape = self._rebuild()
        quote = self.engine.dialect.identifier_preparer.format_table
        self._truncate = sa.text(f"TRUNCATE {', '.join(quote(table) for table in db.metadata.sorted_tables)} "
                                 "RESTART IDENTITY CASCADE")
        self._demo: str | None = None

    def empty(self) -> str:
        """`url`, holding the schema as the models define it, with no rows and every id sequence at 1."""
        with self.engine.begin() as connection:
            # A connection left holding a lock would otherwise hang the run here without a word.
            connection.execute(sa.text("SET LOCAL lock_timeout = '60s'"))
            if connection.scalar(_SCHEMA_SHAPE) == self.shape:
                connection.execute(self._truncate)
                return self.url
        self.shape = self._rebuild()
        return self.url

    def demo_copy(self) -> str:
        """A new database holding the demo data set, in place of the copy the previous test had."""
        if self._demo is None:
            self._demo = self._create_database("mentormatch_demo")
            build(self.make_app, self._demo, with_demo_data=True)
        return self._create_database("mentormatch_demo_copy", template="mentormatch_demo")

    def _create_database(self, name: str, template: str = "template1") -> str:
        server = sa.create_engine(self.engine.url.set(database="postgres"), poolclass=NullPool,
                                  isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as connection:
                # FORCE ends the connections a previous test may have left open to its copy.
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        finally:
            server.dispose()
        return self.engine.url.set(database=name).render_as_string(hide_password=False)

    def _rebuild(self) -> str:
        with self.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        build(self.make_app, self.url)
        with self.engine.connect() as connection:
            return connection.scalar(_SCHEMA_SHAPE)

    def dispose(self) -> None:
        self.engine.dispose()
