"""Helpers for driving pages through Flask's test client."""

from __future__ import annotations

import re

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def post_form(client, url: str, data: dict, **kwargs):
    """GET the page for its CSRF token, then POST the form like a browser would."""
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(page.text)} | data, **kwargs)


def sign_up_form(client, email: str, headers: dict | None = None, **fields):
    data = {"email": email, "first_name": "", "consent": "y", "website": "", "timezone": ""}
    return post_form(client, "/", data | fields, headers=headers or {})


def link_in(text: str, path_part: str) -> str:
    match = re.search(rf"https?://[^\s\"<>]*{re.escape(path_part)}[^\s\"<>]*", text)
    assert match, f"no link containing {path_part!r}"
    return match.group(0)


ADMIN_EMAIL = "beheer@academie.test"
ADMIN_PASSWORD = "rustig-ademen-42"


def log_in(client, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD):
    return post_form(client, "/admin/inloggen", {"email": email, "password": password})


def admin_form(client, page_url: str, action_url: str, data: dict, **kwargs):
    """POST to `action_url` with the CSRF token of the admin page at `page_url`."""
    page = client.get(page_url)
    return client.post(action_url, data={"csrf_token": csrf_token(page.text)} | data, **kwargs)
