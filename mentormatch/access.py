"""Who may use which route: every view declares it, and the app refuses to start otherwise."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Flask, abort, request
from flask_login import current_user

from mentormatch.extensions import login_manager
from mentormatch.models import Role

PUBLIC = "public"
ANY_USER = "any_user"
ACCESS_ATTR = "_mentormatch_access"


def public(view: Callable) -> Callable:
    """Open to everyone, logged in or not."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def roles_required(*roles: Role) -> Callable[[Callable], Callable]:
    """Only logged-in users holding one of `roles`; no roles means any logged-in user."""
    allowed = frozenset(roles)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if allowed and current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, ACCESS_ATTR, allowed or ANY_USER)
        return guarded

    return decorate


login_required = roles_required()
staff_required = roles_required(Role.COORDINATOR, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)


def access_rule(app: Flask, endpoint: str):
    """The declared rule of an endpoint: PUBLIC, ANY_USER, a frozenset of roles, or None."""
    view = app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTR, None)


def check_every_route_declared(app: Flask) -> None:
    """Fail loudly at start-up when a route has no access rule."""
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if access_rule(app, rule.endpoint) is None
    )
    if missing:
        raise RuntimeError("Routes without an access rule: " + ", ".join(missing))


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"
