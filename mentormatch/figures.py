"""Figures that read a whole table (median waits, cadence counts), kept until the data behind them changes.

A page showing such a figure would otherwise scan every waiting youth or every open match on
each view. Each server keeps the figures it computed, keyed by the day and by the newest
domain event: every change the service makes records one in the same transaction, so a new
change on any server makes every server compute the figures again (reads of a record are
audited but are not events). Two more rules keep them honest: a change committed
through this server's own sessions drops them at once, audited or not, and no figure is older
than FIGURES_MAX_AGE seconds (60 by default), which bounds how long a change made outside the
service (a bulk import) can go unseen.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from datetime import date
from typing import Any, Callable, Hashable

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, has_app_context, has_request_context, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from mentormatch.extensions import db

# Tables whose changes can move a cached figure.
WATCHED_TABLES = frozenset({"applications", "youth", "guardian_consents", "matches", "check_ins", "mentors",
                            "clearances", "matching_runs", "match_proposals"})
MAX_ENTRIES = 256
_KEY = "mentormatch.figures"
# Rendered parts of list pages (tens of kilobytes each), kept by the same rules as the figures.
MAX_FRAGMENTS = 64
_FRAGMENTS_KEY = "mentormatch.fragments"
# Stands in for this browser's CSRF token in a kept fragment; each request puts its own back.
TOKEN_STAND_IN = "csrf-" + secrets.token_hex(16)


class FigureStore:
    """One server's figures: (name, arguments) -> (stamp, computed at, value)."""

    def __init__(self, max_age: float, max_entries: int = MAX_ENTRIES) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[Any, float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: Any) -> tuple[bool, Any]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != stamp or time.monotonic() - entry[1] > self.max_age:
                return False, None
            self._entries.move_to_end(key)
            return True, entry[2]

    def put(self, key: Hashable, stamp: Any, value: Any) -> None:
        with self._lock:
            self._entries[key] = (stamp, time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = FigureStore(float(app.config["FIGURES_MAX_AGE"]))
    app.extensions[_FRAGMENTS_KEY] = FigureStore(float(app.config["FIGURES_MAX_AGE"]), MAX_FRAGMENTS)


def cached(name: str, compute: Callable[..., Any], *args: Hashable) -> Any:
    """`compute(*args)`, or the value this server computed for the same arguments since the last change."""
    if _changed_by_this_request():
        # Nothing kept can hold, and keeping this value would cost a read of the stamp: a
        # decision's response shows the figures once; the next page keeps them.
        return compute(*args)
    store: FigureStore = current_app.extensions[_KEY]
    stamp = _stamp()
    key = (name, *args)
    found, value = store.get(key, stamp)
    if not found:
        value = compute(*args)
        store.put(key, stamp, value)
    return value


def fragment(key: Hashable, render: Callable[[], str]) -> Markup:
    """A rendered part of a page, or the one this server rendered under the same key since the last change.

    The part may hold this browser's CSRF token (its forms do): it is kept with a stand-in and
    each request gets its own token back, so what one person's page kept never carries their token
    to another's. Everything else in the part must follow from the key and the data.
    """
    store: FigureStore = current_app.extensions[_FRAGMENTS_KEY]
    stamp = _stamp()
    token = generate_csrf()
    found, html = store.get(key, stamp)
    if not found:
        html = without_token(render(), token)
        store.put(key, stamp, html)
    return with_token(html, token)


def without_token(html: str, token: str) -> str:
    """Rendered HTML fit to keep: this browser's CSRF `token` replaced by the stand-in."""
    return str(html).replace(token, TOKEN_STAND_IN)


def with_token(html: str, token: str) -> Markup:
    """Kept HTML (from `without_token`) as this request shows it: with its own CSRF `token`."""
    return Markup(html.replace(TOKEN_STAND_IN, token))


def _changed_by_this_request() -> bool:
    return has_request_context() and getattr(request, "figures_changed", False)


def _stamp() -> tuple[date, Any]:
    """The day and the newest audited change, read once per request however many figures a page shows."""
    memo = request if has_request_context() else None
    if memo is not None and hasattr(memo, "figures_stamp"):
        return memo.figures_stamp
    from mentormatch.events import newest_event_id

    stamp = (date.today(), newest_event_id())
    if memo is not None:
        memo.figures_stamp = stamp
    return stamp


def _touched_tables(session: so.Session) -> set[str]:
    return {getattr(obj, "__tablename__", "") for obj in (*session.new, *session.dirty, *session.deleted)}


@sa.event.listens_for(so.Session, "after_flush")
def _note_changes(session: so.Session, _context) -> None:
    if _touched_tables(session) & WATCHED_TABLES:
        session.info["figures_stale"] = True


@sa.event.listens_for(so.Session, "do_orm_execute")
def _note_bulk_changes(state: so.ORMExecuteState) -> None:
    # Bulk INSERT/UPDATE/DELETE statements bypass the unit of work that after_flush sees.
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", "") in WATCHED_TABLES:
            state.session.info["figures_stale"] = True


@sa.event.listens_for(so.Session, "after_commit")
def _drop_after_commit(session: so.Session) -> None:
    if session.info.pop("figures_stale", False) and has_app_context():
        if has_request_context():
            request.figures_changed = True
        for key in (_KEY, _FRAGMENTS_KEY):
            store = current_app.extensions.get(key)
            if store is not None:
                store.clear()


@sa.event.listens_for(so.Session, "after_rollback")
def _forget_after_rollback(session: so.Session) -> None:
    session.info.pop("figures_stale", None)
