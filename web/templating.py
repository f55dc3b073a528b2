"""Jinja2 environment: autoescaping templates, locale-aware date filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from markupsafe import Markup
from starlette.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def _local(value: datetime, zone: str) -> datetime:
    return value.astimezone(ZoneInfo(zone))


def event_when(starts: datetime, ends: datetime | None, zone: str, locale: str = "fr") -> str:
    """« samedi 12 avril 2025, 14:00 – 17:00 » in the event's own zone."""
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
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.autoescape = True
    env.filters["event_when"] = event_when
    env.filters["safe_html"] = Markup  # only for HTML sanitised on the way in
    return templates
