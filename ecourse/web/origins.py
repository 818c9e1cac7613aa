"""Which websites may send sign-ups here: the origins in `EMBED_ORIGINS`.

A browser names the page a form or a `fetch` came from in the Origin header (scheme, host
and port); some older browsers send only the Referer, whose origin is used instead.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request


def origin_of(url: str) -> str:
    """`https://academie.nl` for `https://Academie.nl/cursus?x=1`; "" when it has none."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.lower()}"


def allowed() -> set[str]:
    configured = current_app.config["ECOURSE"]["EMBED_ORIGINS"]
    return {origin_of(part) for part in configured.split(",")} - {""}


def request_origin() -> str:
    """The origin the request says it came from (Origin, else Referer); "" when unknown."""
    header = request.headers.get("Origin")
    if header is not None:
        return origin_of(header)  # "null" (a sandboxed or privacy-minded page) gives ""
    return origin_of(request.headers.get("Referer", ""))


def is_allowed(origin: str) -> bool:
    return bool(origin) and origin in allowed()


def source_page() -> str:
    """The page the sign-up came from, for the consent record: the Referer without its query
    or fragment (which may hold personal data), or else the origin."""
    origin = request_origin()
    page = urlsplit(request.headers.get("Referer", ""))
    if origin and origin_of(page.geturl()) == origin:
        return f"{origin}{page.path}"
    return origin or request.url
