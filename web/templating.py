"""Jinja2 environment: autoescaping templates, locale-aware date filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date, format_datetime, format_time
from markupsafe import Markup
from starlette.templating import Jinja2Templates

from web.auth import csrf_token
from web.i18n import LOCALES, _, current_locale, ngettext

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def _local(value: datetime, zone: str) -> datetime:
    return value.astimezone(ZoneInfo(zone))


def event_when(starts: datetime, ends: datetime | None, zone: str, locale: str | None = None) -> str:
    """« samedi 12 avril 2025, 14:00 – 17:00 » in the event's own zone and the reader's language."""
    locale = locale or current_locale.get()
    start = _local(starts, zone)
    day = format_date(start, format="full", locale=locale)
    text = f"{day}, {format_time(start, format='short', locale=locale)}"
    if ends is not None:
        end = _local(ends, zone)
        if end.date() == start.date():
            text += f" – {format_time(end, format='short', locale=locale)}"
        else:
            text += " – " + format_datetime(end, format="medium", locale=locale)
    return text


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    templates = Jinja2Templates(env=env)
    env.autoescape = True
    env.install_gettext_callables(_, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["current_locale"] = current_locale.get
    env.globals["csrf_token"] = csrf_token
    env.globals["LOCALES"] = LOCALES
    env.filters["event_when"] = event_when
    env.filters["safe_html"] = Markup  # only for HTML sanitised on the way in
    return templates
