"""The Flask extensions, created unbound so every app from create_app shares them."""
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import Babel
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
babel = Babel()
# Storage comes from RATELIMIT_STORAGE_URI: memory for one server, Redis when several share the load.
limiter = Limiter(key_func=get_remote_address)
