"""The home page: the region, this week, highlights, latest articles, open offers and calls,
and the region in figures.

Events from a followed region whose "show on the home page" switch is off (``Follow.show_on_home``
of the instance actor's follow, set on ``/admin/regions``) stay out of the event sections here;
the agenda, the map and search still list them."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import Response

from storage.columns import utcnow
from storage.queries.content import upcoming_events
from storage.queries.pages import events_between, figures, highlighted_events, offers, publications
from storage.queries.social import hidden_home_domains
from web.pages.objects import display_helpers
from web.state import page_context, region_of, sessions_of, templates_of

WEEK_DAYS = 7


def week_end(now: datetime, zone: str) -> datetime:
    """Midnight seven days from today, in the region's zone: "cette semaine" is the coming
    seven days, so the section is never empty merely because it is Sunday."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("Europe/Paris")
    today = now.astimezone(tz).date()
    return datetime.combine(today + timedelta(days=WEEK_DAYS), time(0), tzinfo=tz)


async def home(request: Request) -> Response:
    now = utcnow()
    async with sessions_of(request)() as session:
        region = await region_of(session)
        hidden: list[str] = []
        if region.instance_actor_id is not None:
            hidden = await hidden_home_domains(session, region.instance_actor_id)
        this_week = await events_between(
            session, start=now, end=week_end(now, region.timezone), limit=12,
            hidden_origins=hidden,
        )
        shown = {event.id for event, _actor in this_week}
        later = [
            (event, actor)
            for event, actor in await upcoming_events(
                session, now=now, limit=18, hidden_origins=hidden
            )
            if event.id not in shown
        ][:6]
        context = await page_context(
            request, session,
            this_week=this_week,
            highlighted=await highlighted_events(
                session, now=now, limit=3, hidden_origins=hidden
            ),
            upcoming=later,
            any_upcoming=bool(this_week or later),
            articles=await publications(session, limit=4),
            offers=await offers(session, now=now, limit=4),
            figures=await figures(session, instance_actor_id=region.instance_actor_id),
            **display_helpers(),
        )
    return templates_of(request).TemplateResponse(request, "home.html", context)
