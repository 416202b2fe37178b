"""The Flask extensions, created unbound so every app from create_app shares them."""
import sqlalchemy as sa
import sqlalchemy.orm as so
from babel import support
from flask.globals import _cv_app
from flask_babel import Babel, Domain, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect


class Base(so.DeclarativeBase):
    # Named constraints, so migrations can alter them on SQLite and PostgreSQL alike.
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the current translations found in a dictionary lookup.

    Flask-Babel finds them again on every call (the locale through several context lookups, then
    its name as a string); a page of fifty proposals calls it several hundred times. This keeps the
    same rule (the locale chosen for the request, or the one `force_locale` set) at a fraction of
    the cost.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._by_locale: dict = {}

    def get_translations(self):
        app_context = _cv_app.get(None)
        if app_context is None:
            return support.NullTranslations()
        state = app_context.g.__dict__.get("_flask_babel")
        locale = getattr(state, "babel_locale", None) or get_locale()
        translations = self._by_locale.get(locale)
        if translations is None:
            translations = self._by_locale[locale] = super().get_translations()
        return translations


class MentorMatchBabel(Babel):
    @property
    def domain_instance(self) -> Domain:
        if not hasattr(self, "_request_domain"):
            self._request_domain = RequestDomain(domain=self.domain)
        return self._request_domain

    def init_app(self, app, *args, **kwargs) -> None:
        super().init_app(app, *args, **kwargs)

        def translations():
            return self.domain_instance.get_translations()

        # Pages ask the domain directly rather than through Flask-Babel's module functions.
        app.jinja_env.install_gettext_callables(
            gettext=lambda s: translations().ugettext(s),
            ngettext=lambda s, p, n: translations().ungettext(s, p, n),
            newstyle=True,
            pgettext=lambda c, s: translations().upgettext(c, s),
            npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        )


babel = MentorMatchBabel()
# Storage comes from RATELIMIT_STORAGE_URI: memory for one server, Redis when several share the load.
limiter = Limiter(key_func=get_remote_address)
