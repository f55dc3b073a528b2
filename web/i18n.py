"""French first, English too: gettext catalogues (Babel), the visitor's language, and a
switch.

Message ids are the French texts; the catalogues ``web/locale/en/*.po`` (one per part of the
site, merged at start-up) translate them. The language is chosen
from the ``lang`` cookie (set by ``/langue/{code}``), else ``Accept-Language``, else French, and
held in a context variable for templates and formatters during the request.
"""

from __future__ import annotations

import gettext
import io
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
LOCALE_DIR = Path(__file__).parent / "locale"
current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> gettext.NullTranslations:
    paths = sorted((LOCALE_DIR / locale).glob("*.po"))
    if locale == DEFAULT_LOCALE or not paths:
        return gettext.NullTranslations()
    catalog = None
    for path in paths:
        with path.open("rb") as source:
            part = read_po(source, locale=locale)
        if catalog is None:
            catalog = part
            continue
        for message in part:
            if message.id:
                catalog[message.id] = message
    assert catalog is not None
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str) -> str:
    return translations(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


def negotiate(cookie: str | None, accept_language: str) -> str:
    if cookie in LOCALES:
        return cookie  # type: ignore[return-value]
    weighted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((quality, tag.strip().lower().split("-")[0]))
    for _quality, language in sorted(weighted, key=lambda item: -item[0]):
        if language in LOCALES:
            return language
    return DEFAULT_LOCALE


class LocaleMiddleware:
    """Sets the request's language for the duration of the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        locale = negotiate(request.cookies.get("lang"), request.headers.get("accept-language", ""))
        scope.setdefault("state", {})["locale"] = locale
        token = current_locale.set(locale)
        try:
            await self.app(scope, receive, send)
        finally:
            current_locale.reset(token)


async def switch_language(request: Request) -> Response:
    """``/langue/{code}?next=/path``: remember the choice in a cookie and go back."""
    code = request.path_params["code"]
    target = request.query_params.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = RedirectResponse(target, status_code=303)
    if code in LOCALES:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="lax")
    return response
