"""The app served on a loopback port by a threaded HTTP server, for a real browser to visit."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from flask import Flask
from werkzeug.serving import make_server


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
def live_server(app: Flask) -> Iterator[str]:
    """Serve `app` until the block ends; its address, which links in e-mail lead to as well
    (as APP_BASE_URL makes them lead to the real site)."""
    server = make_server("127.0.0.1", 0, whole_responses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = app.config["APP_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app.config["LIVE_URL"]
    finally:
        server.shutdown()
        thread.join(5)
