"""MentorMatch: the web service police youth programs use to match young people with mentors."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Optional

from flask import Flask, current_app, has_request_context, render_template, request, session, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.routing import IntegerConverter

from mentormatch import access, config, figures, formkit, security, static_files
from mentormatch.extensions import babel, csrf, db, limiter, login_manager, migrate
from mentormatch.requests import MentorMatchRequest

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Optional[dict[str, Any]] = None) -> Flask:
    """Build the app; `overrides` replaces settings (tests give each app its own database)."""
    app = static_files.CachingStaticFiles(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # Ids in URLs fit the database's integer columns; anything larger is simply not found.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.request_class = MentorMatchRequest
    app.config.update(config.from_environment(app.instance_path))
    if overrides:
        app.config.update(overrides)
    config.check_production(app.config)
    config.settle(app.config)
    if not app.debug:
        logging.basicConfig(level=logging.INFO)

    formkit.use_fast_html_params()
    db.init_app(app)
    figures.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    babel.init_app(app, locale_selector=_select_locale)

    from mentormatch import admin, auth, cli, coordinator, errors, main

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    from mentormatch import family, mentors

    app.register_blueprint(family.bp)
    app.register_blueprint(mentors.bp)
    app.register_blueprint(coordinator.bp)
    from mentormatch import lifecycle, reports

    app.register_blueprint(lifecycle.bp)
    app.register_blueprint(reports.bp)
    from mentormatch import gatherings, partners, stories

    app.register_blueprint(partners.bp)
    app.register_blueprint(gatherings.bp)
    app.register_blueprint(stories.bp)
    errors.register(app)
    security.register(app)
    cli.register(app)
    # The jobs and the consequences of events register themselves on import.
    from mentormatch import consequences, jobs, notifications, queue  # noqa: F401
    from mentormatch.gatherings import notifications as gathering_notifications  # noqa: F401
    from mentormatch.partners import notifications as partner_notifications  # noqa: F401
    from mentormatch.stories import notifications as story_notifications  # noqa: F401

    queue.init_app(app)

    app.view_functions["static"] = access.public(app.view_functions["static"])
    access.check_every_route_declared(app)

    from mentormatch.family.vocabulary import gender_label
    from mentormatch.reasons import reason_text, slots_text

    app.jinja_env.filters["reason_text"] = reason_text
    app.jinja_env.filters["slots_text"] = slots_text
    app.jinja_env.filters["gender_label"] = gender_label
    app.jinja_env.globals["row_url"] = row_url
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["filter_args"] = filter_args
    app.jinja_env.globals["site_header"] = site_header

    @app.context_processor
    def inject_helpers():
        # E-mail rendered by a command has no request to ask.
        htmx = access.is_htmx() if has_request_context() else False
        return {"is_htmx": htmx, "Role": _roles(), "get_locale": get_locale}

    @app.after_request
    def vary_on_htmx(response):
        response.headers.add("Vary", "HX-Request")
        return response

    return app


_ROW_ID = 987654321  # stands in for the id while the URL's pattern is built


# Built URLs and headers are kept per script root; a stream of odd script roots (a proxy's forwarded
# prefix) empties a store rather than growing it.
URLS_KEPT = 1024
SITE_HEADERS_KEPT = 64  # six roles and the visitor, in two languages, under one or two script roots


def _kept(store: str, key: tuple, make: Callable[[], str], limit: int) -> str:
    """`make()`, kept in this app's `store` under `key`, at most `limit` entries."""
    kept = current_app.extensions.setdefault(store, {})
    value = kept.get(key)
    if value is None:
        if len(kept) >= limit:
            kept.clear()
        value = kept[key] = make()
    return value


def row_url(endpoint: str, **argument: int) -> str:
    """url_for for a list row: `endpoint`'s URL with its one id, built once per endpoint and script root.

    A page of fifty rows with two or three links each would otherwise spend a good part of its
    time in URL building.
    """
    ((name, value),) = argument.items()
    pattern = _kept("mentormatch.row_urls", (endpoint, name, request.script_root),
                    lambda: url_for(endpoint, **{name: _ROW_ID}), URLS_KEPT)
    return pattern.replace(str(_ROW_ID), str(int(value)))


def fixed_url(endpoint: str, **values: str) -> str:
    """url_for for a link that is the same on every page (the layout's menu, its stylesheets), built
    once per script root rather than on every request."""
    return _kept("mentormatch.fixed_urls", (endpoint, request.script_root, *sorted(values.items())),
                 lambda: url_for(endpoint, **values), URLS_KEPT)


def static_url(filename: str) -> str:
    """fixed_url for a static file, with `?v=` naming the file's content (mentormatch.static_files).
    The digest is looked up on each call, so an edited file gets a new link at once."""
    url = fixed_url("static", filename=filename)
    version = static_files.digest(current_app.static_folder, filename)
    return f"{url}?v={version}" if version else url


def site_header() -> Markup:
    """The layout's header (the menu's links and the log-out button), rendered once per role,
    language and script root, and shown with this request's CSRF token.

    Every page shows it, and rendering its dozen links and labels took about a sixth of the account
    page's time in the app (bench/profile_page.py); nothing in it belongs to one person (`_site_header.html`).
    """
    role = current_user.role.value if current_user.is_authenticated else ""
    token = generate_csrf()
    html = _kept("mentormatch.site_headers", (role, str(get_locale()), request.script_root),
                 lambda: figures.without_token(render_template("_site_header.html"), token), SITE_HEADERS_KEPT)
    return figures.with_token(html, token)


def filter_args(*names: str) -> dict[str, str]:
    """The named filters of the current query string, for paging links that keep them.

    Only these: anything else in the query string (a stray `program_id`, say) would clash with
    the link's own arguments or be carried along for nothing.
    """
    return {name: request.args[name][:80] for name in names if request.args.get(name)}


class DatabaseIdConverter(IntegerConverter):
    """An `int` URL part that is a possible row id: 1 to 2**31 - 1."""

    def __init__(self, url_map, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, **kwargs)


def _roles():
    from mentormatch.models import Role

    return Role


def _select_locale() -> Optional[str]:
    # Outside a request (a command, a worker writing e-mail in a forced language) there is nobody to
    # ask: None leaves the default, or the language the caller forced.
    if not has_request_context():
        return None
    languages = ("en", "es")
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "en"
