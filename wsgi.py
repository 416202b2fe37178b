"""The WSGI entry point: `gunicorn wsgi:app`."""
from mentormatch import create_app

app = create_app()
