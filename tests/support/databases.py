"""A database of its own for each test, with the schema (and any shared data set, such as the demo's)
built once per run instead of once per test.

SQLite: the schema is built into a template file, and each test starts from a copy of it. The
templates are shared by the run's test processes: the first to need one builds it while the others
wait for it (the demo's takes about 12 s to fill, more under coverage).
PostgreSQL: each test process has its own throwaway server (see pgserver.py). Between tests its
tables are emptied with TRUNCATE ... RESTART IDENTITY: new, empty table files and ids from 1, as in
a new database, in about a third of the time of drop_all/create_all. (DELETE is faster still, but
leaves the old rows' space to be reused, so rows could come back in another order than a new
table gives them.) The schema is built again only when a test changed it (the migrations test, a
restore, drop_all).
A test that starts from a data set (the demo's, or a module's own world of accounts and records)
gets a copy of a database filled once: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on
PostgreSQL (by file copy: a copy and its first queries take about 60-80 ms, against 120-150 ms
for the default block-by-block copy). The filling function returns what the tests need to know of
it (ids, say), kept with it. On PostgreSQL too a data set is filled once per run: the first
process to need it fills it in its server and leaves a dump of it (pg_dump) for the others, which
restore it into theirs.

Each kind of copy lands at the same address for every test of a process, so the process can keep
one app per address (tests/conftest.py) instead of building an app for each test.
"""
from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable, Optional

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.pool import NullPool

from mentormatch.extensions import db
from tests.support.pgserver import postgres_tool

MakeApp = Callable[[str], Flask]
Fill = Optional[Callable[[], Any]]


def build(make_app: MakeApp, url: str, fill: Fill = None) -> Any:
    """Create every table of the models in the database at `url`, then run `fill` in the app; its result."""
    app = make_app(url)
    with app.app_context():
        db.create_all()
        value = fill() if fill is not None else None
        db.session.remove()
        db.engine.dispose()
    return value


def build_once(shared: Path, name: str, build_here: Callable[[], Any], take_built: Callable[[], None]) -> Any:
    """Build `name` once for every test process that shares the folder `shared`; what its filling returned.

    The first process to get here runs `build_here` (which leaves what the others need in `shared`)
    while the others wait on the lock; they then run `take_built` instead. Every process gets the
    filling's value back the same way, from the pickle the first one kept.
    """
    returned = shared / f"{name}.returned.pickle"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if returned.exists():
            take_built()
        else:
            returned.write_bytes(pickle.dumps(build_here()))
    return pickle.loads(returned.read_bytes())


class SqliteTemplates:
    """Template files, each built when first asked for; a test gets a copy of one.

    `folder` holds this process's copies; `shared`, the templates, built once for every process
    of the run that shares the folder.
    """

    def __init__(self, folder: Path, make_app: MakeApp, shared: Optional[Path] = None) -> None:
        self.folder = folder
        self.shared = shared or folder
        self.make_app = make_app
        self._built: dict[str, tuple[Path, Any]] = {}

    def empty_copy(self, target: Path) -> str:
        return self.copy_of("empty", None, target)[0]

    def copy_of(self, name: str, fill: Fill, target: Path) -> tuple[str, Any]:
        """A copy at `target` of the template `name` (the schema, filled by `fill`), and what `fill` returned."""
        if name not in self._built:
            self._built[name] = self._template(name, fill)
        template, value = self._built[name]
        return self._copy(template, target), value

    def _template(self, name: str, fill: Fill) -> tuple[Path, Any]:
        """The template `name` and what its `fill` returned: built here, or by another process first."""
        template = self.shared / f"{name}.template.db"

        def build_here() -> Any:
            staging = self.folder / f"{name}.building.db"
            if name != "empty":
                self.empty_copy(staging)
            value = build(self.make_app, f"sqlite:///{staging}", fill)
            os.replace(staging, template)
            return value

        return template, build_once(self.shared, name, build_here, lambda: None)

    @staticmethod
    def _copy(template: Path, target: Path) -> str:
        # A new file put in place, not the old one overwritten: a connection a test left open keeps
        # the file it had, and a journal left beside the old file must not be replayed into the new.
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        staging = target.with_name(target.name + ".new")
        shutil.copyfile(template, staging)
        os.replace(staging, target)
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
    `empty`, and copies of filled databases made by `copy_of`."""

    def __init__(self, url: str, make_app: MakeApp, shared: Path) -> None:
        self.url = url
        self.make_app = make_app
        # Where the run's test processes leave dumps of the filled databases for one another.
        self.shared = shared
        self.engine = sa.create_engine(self.url, poolclass=NullPool)
        self.shape = self._rebuild()
        quote = self.engine.dialect.identifier_preparer.format_table
        self._truncate = sa.text(f"TRUNCATE {', '.join(quote(table) for table in db.metadata.sorted_tables)} "
                                 "RESTART IDENTITY CASCADE")
        self._built: dict[str, Any] = {}

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

    def copy_of(self, name: str, fill: Fill) -> tuple[str, Any]:
        """A new copy of the database `name` (the schema, filled by `fill` once), in place of the
        copy the previous test had, and what `fill` returned."""
        template = f"mentormatch_{name}"
        if name not in self._built:
            self._built[name] = self._fill(template, name, fill)
        return self._create_database(f"{template}_copy", template=template), self._built[name]

    def _fill(self, template: str, name: str, fill: Fill) -> Any:
        """Create the database `template` filled by `fill`: here, or restored from the dump another
        test process left of it. What `fill` returned."""
        url = self._create_database(template)
        dump = self.shared / f"{name}.pgdump"
        address = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

        def build_here() -> Any:
            value = build(self.make_app, url, fill)
            staging = dump.with_suffix(".partial")
            subprocess.run([postgres_tool("pg_dump"), "--format=custom", "--compress=0", "--file", str(staging),
                            address], check=True, capture_output=True, text=True)
            os.replace(staging, dump)
            return value

        def take_built() -> None:
            subprocess.run([postgres_tool("pg_restore"), "--exit-on-error", "--no-owner", "--dbname", address,
                            str(dump)], check=True, capture_output=True, text=True)

        return build_once(self.shared, name, build_here, take_built)

    def _create_database(self, name: str, template: str = "template1") -> str:
        server = sa.create_engine(self.engine.url.set(database="postgres"), poolclass=NullPool,
                                  isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as connection:
                # FORCE ends the connections a previous test may have left open to its copy.
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                # FILE_COPY copies the template's files whole: for a database this small it costs
                # about half what the default (WAL_LOG, block by block through the log) does, and
                # the copy's first queries answer sooner.
                connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY'))
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
