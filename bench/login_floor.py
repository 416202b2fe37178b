"""The least a logged-in page can cost with MentorMatch's chosen packages, for the load benchmark.

Flask, Flask-SQLAlchemy (with the app's pool pre-ping), Flask-Login and Flask-WTF's CSRF token:
the signed session cookie, one read of the user's row from the same PostgreSQL, and a page of
about a kilobyte with a form token, rendered by Jinja. No server-side session, translations,
layout, rate limits or security headers, which every MentorMatch page has. A real page cannot
serve more requests a second than this under the same gunicorn: it shows how much of the gap
between the bare hello and the logged-in floor the packages themselves take.

Served by `bench/load.py` with DATABASE_URL and SECRET_KEY set, and the cookie of `session_cookie`.
"""
from __future__ import annotations

import os

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, render_template
from flask_login import LoginManager, UserMixin, current_user, login_required
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from jinja2 import DictLoader


class Base(so.DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Account(UserMixin, db.Model):
    """The columns of MentorMatch's users table that this page shows."""

    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(255))
    first_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    last_name: so.Mapped[str] = so.mapped_column(sa.String(80))


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your account</title></head>
<body>
<h1>Your account</h1>
<p>{{ current_user.first_name }} {{ current_user.last_name }} · {{ current_user.email }}</p>
<form method="post" action="/">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <label for="name">Name</label> <input id="name" name="name" value="{{ current_user.first_name }}">
  <button type="submit">Save</button>
</form>
</body></html>"""


def create_app(database_url: str, secret_key: str) -> Flask:
    app = Flask(__name__)
    # A template by name, compiled once, as an app's templates are.
    app.jinja_loader = DictLoader({"page.html": PAGE})
    app.config.update(SECRET_KEY=secret_key, SQLALCHEMY_DATABASE_URI=database_url,
                      SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    db.init_app(app)
    CSRFProtect(app)
    logins = LoginManager(app)
    # The cookie is made by the benchmark, for no particular browser.
    logins.session_protection = None
    logins.user_loader(lambda user_id: db.session.get(Account, int(user_id)))

    @app.get("/")
    @login_required
    def page():
        return render_template("page.html")

    return app


def session_cookie(secret_key: str, user_id: int) -> str:
    """The Cookie header of a browser logged in as `user_id` on this app."""
    app = Flask(__name__)
    app.secret_key = secret_key
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": str(user_id), "_fresh": True})
    return f"session={value}"


if "DATABASE_URL" in os.environ and "SECRET_KEY" in os.environ:
    app = create_app(os.environ["DATABASE_URL"], os.environ["SECRET_KEY"])
