"""The app served on a loopback port by a threaded HTTP server, for a real browser to visit."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from flask import Flask
from werkzeug.serving import make_server

from mentormatch import create_app
from mentormatch.extensions import db


def whole_responses(app):
    """`app` with each response read whole, and closed, before the server sends any of it.

    The threaded development server does not close a response whose browser dropped the connection
    in the middle of it (Chromium does, moving on to the next page while the favicon is on its way):
    the static file it was sending stayed open until collected, and the warning of the unclosed file
    failed whichever test was running then."""
    def serve(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()
    return serve


@contextmanager
def live_site(database_url: str) -> Iterator[Flask]:
    """The app on the database at `database_url`, served until the block ends. Its address is
    `app.config["LIVE_URL"]`, which links in e-mail lead to as well (as APP_BASE_URL makes them
    lead to the real site)."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "MAIL_SERVER": ""})
    server = make_server("127.0.0.1", 0, whole_responses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = app.config["APP_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        with app.app_context():
            db.engine.dispose()
