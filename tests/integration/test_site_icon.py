"""Every page names the site's icon, and the icon is there: a browser never meets a 404 for it."""
from __future__ import annotations

import re


def test_every_page_links_an_icon_that_exists(client):
    page = client.get("/").get_data(as_text=True)
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert icons, "the page names no icon"
    for href in icons:
        response = client.get(href)
        assert response.status_code == 200, href
        assert response.mimetype.startswith("image/"), href
        response.close()


def test_the_icon_at_the_site_root_answers_too(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"
    response.close()
