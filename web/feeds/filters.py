"""The filters of a feed's query string: the agenda's (category, audience, tag, city, online,
from, to) and the publications' (kind).

A value that cannot be honoured is a 400 that says which parameter and what it accepts.
``load_agenda`` reads the region's agenda rows a request's filters select.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request

from echofed.services.publishing import AUDIENCES, CATEGORIES
from storage.queries.feeds import EventFilter, EventRow, feed_events
from storage.tables import PostKind, Region
from web.feeds.text import zone_or_utc
from web.state import region_of, sessions_of

POST_KINDS = tuple(k.value for k in PostKind if k != PostKind.NOTE)


def _bad(message: str) -> HTTPException:
    return HTTPException(400, message)


def _values(request: Request, name: str) -> list[str]:
    """A repeatable parameter; each occurrence may also hold comma-separated values."""
    found: list[str] = []
    for raw in request.query_params.getlist(name):
        for part in raw.split(","):
            if part.strip() and part.strip() not in found:
                found.append(part.strip())
    return found


def _one(request: Request, name: str, *, max_length: int = 120) -> str | None:
    value = (request.query_params.get(name) or "").strip()
    if len(value) > max_length:
        raise _bad(f"paramètre « {name} » trop long ({max_length} caractères au plus)")
    return value or None


def _moment(request: Request, name: str, zone: ZoneInfo, *, end_of_day: bool) -> datetime | None:
    """``YYYY-MM-DD`` (a day in the region's zone) or an ISO 8601 date-time."""
    value = _one(request, name, max_length=40)
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time(0), tzinfo=zone)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(
            f"paramètre « {name} » : date AAAA-MM-JJ ou date-heure ISO 8601 attendue, "
            f"reçu « {value} »"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


@dataclass(frozen=True)
class AgendaQuery:
    where: EventFilter
    since: datetime | None  # the `from` parameter
    labels: tuple[str, ...]  # what the filters say, for the feed's title


def _known(request: Request, name: str, allowed: Sequence[str], unknown: str) -> list[str]:
    """The parameter's values in lower case; 400 naming the allowed ones if any is not."""
    values = [v.lower() for v in _values(request, name)]
    for value in values:
        if value not in allowed:
            raise _bad(f"{unknown} « {value} » ; valeurs possibles : " + ", ".join(allowed))
    return values


def agenda_query(request: Request, zone: ZoneInfo) -> AgendaQuery:
    """The agenda filters of a request; 400 on any value that cannot be honoured."""
    categories = _known(request, "category", CATEGORIES, "catégorie inconnue")
    audiences = _known(request, "audience", AUDIENCES, "public inconnu")
    labels: list[str] = [*categories, *audiences]
    tags = [t.lstrip("#").strip().lower() for t in _values(request, "tag")]
    tags = [t for t in tags if t]
    if any(len(t) > 60 for t in tags):
        raise _bad("paramètre « tag » trop long (60 caractères au plus)")
    labels.extend(f"#{t}" for t in tags)
    city = _one(request, "city")
    if city is not None:
        labels.append(city)
    online_raw = _one(request, "online", max_length=10)
    online: bool | None = None
    if online_raw is not None:
        if online_raw.lower() in ("1", "true", "oui", "yes"):
            online, label = True, "en ligne"
        elif online_raw.lower() in ("0", "false", "non", "no"):
            online, label = False, "sur place"
        else:
            raise _bad(f"paramètre « online » : 1 ou 0 attendu, reçu « {online_raw} »")
        labels.append(label)
    since = _moment(request, "from", zone, end_of_day=False)
    until = _moment(request, "to", zone, end_of_day=True)
    if since is not None and until is not None and until <= since:
        raise _bad("la date « to » précède la date « from »")
    where = EventFilter(
        categories=tuple(categories),
        audiences=tuple(audiences),
        tags=tuple(tags),
        city=city,
        online=online,
        starts_before=until,
    )
    return AgendaQuery(where, since, tuple(labels))


def post_kinds(request: Request) -> list[str]:
    """The ``kind`` filter of a publications feed (all kinds when absent); 400 for unknown ones."""
    kinds = _values(request, "kind")
    for kind in kinds:
        if kind not in POST_KINDS:
            raise _bad(f"type inconnu « {kind} » ; valeurs possibles : " + ", ".join(POST_KINDS))
    return kinds or list(POST_KINDS)


async def load_agenda(request: Request, default_since: datetime, limit: int) -> tuple[
    Region, AgendaQuery, list[EventRow]
]:
    """The region, the request's agenda filters, and the events they select that end after
    ``from`` (or ``default_since``), soonest first."""
    async with sessions_of(request)() as session:
        region = await region_of(session)
        query = agenda_query(request, zone_or_utc(region.timezone))
        where = replace(query.where, ends_after=query.since or default_since)
        rows = await feed_events(session, where, limit=limit)
    return region, query, rows
