"""Backups of the whole database: SQLite's online backup, or pg_dump / pg_restore for PostgreSQL."""
from __future__ import annotations

import glob
import hashlib
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

from mentormatch.extensions import db


class BackupError(RuntimeError):
    """A backup or restore that could not be done, with the reason in words."""


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise BackupError(f"{name} is not installed; install PostgreSQL's client programs.")
    return found


def _pg_url(url: sa.URL) -> str:
    # libpq does not know SQLAlchemy's driver suffix.
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: sa.URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory database cannot be backed up.")
    return url.database


def backup(target: Path) -> Path:
    """Write a consistent copy of the live database to `target`."""
    url = db.engine.url
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            # The online backup API copies a consistent snapshot while the app keeps running.
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _pg_url(url)])
    else:
        raise BackupError(f"No backup method for {url.get_backend_name()}.")
    return target


def restore(source: Path) -> None:
    """Replace the live database's contents with a backup made by `backup`."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist.")
    url = db.engine.url
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(_sqlite_path(url))
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
    elif url.get_backend_name() == "postgresql":
        _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_pg_url(url)}", str(source)])
    else:
        raise BackupError(f"No restore method for {url.get_backend_name()}.")


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{Path(command[0]).name} failed")


def fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every table's rows, to compare two databases."""
    summary = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = connection.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
            summary[table.name] = (len(rows), digest)
    return summary


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Back up the database to TARGET."""
    try:
        backup(target)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(count for count, _ in fingerprint().values())
    click.echo(f"Backed up {rows} rows to {target}.")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database's contents with the backup SOURCE."""
    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    try:
        restore(source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(count for count, _ in fingerprint().values())
    click.echo(f"Restored {rows} rows from {source}.")


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
