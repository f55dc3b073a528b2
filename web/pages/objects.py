"""Event and publication pages (the HTML side of object URLs), and reply moderation.

The event page carries what search engines and link previews read: schema.org ``Event``
JSON-LD and OpenGraph / Twitter tags.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_timezone_name
from markupsafe import Markup
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from storage.columns import utcnow
from storage.queries.accounts import membership
from storage.queries.content import event_by_uri, post_by_uri
from storage.queries.interactions import counts_for, interactions_on
from storage.queries.pages import reply_on, set_interaction_state
from storage.tables import Account, Actor, Event, EventStatus, Place
from web.auth import check_csrf, current_account
from web.i18n import current_locale
from web.state import page_context, region_of, runtime_of, sessions_of, templates_of
from web.templating import STATIC_DIR

SCHEMA_STATUS = {
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    EventStatus.POSTPONED: "https://schema.org/EventPostponed",
}
_PRICE = re.compile(r"(\d+(?:[.,]\d{1,2})?)")


def json_script(data: dict[str, Any]) -> Markup:
    """JSON for a ``<script>`` element: ``<``, ``>`` and ``&`` escaped, so no text in the data
    can close the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def local_time(instant: datetime, zone: str) -> datetime:
    try:
        return instant.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return instant


def zone_label(instant: datetime, zone: str, locale: str | None = None) -> str:
    """« heure d’été d’Europe centrale (Europe/Paris) »: the zone named for people, and its id."""
    try:
        name = get_timezone_name(local_time(instant, zone), "long", locale=locale or current_locale.get())
    except (LookupError, ValueError):
        return zone
    return f"{name} ({zone})"


def day(instant: datetime, zone: str = "Europe/Paris") -> str:
    """« 12 avril 2025 » in the reader's language, the date as seen in ``zone``."""
    return format_date(local_time(instant, zone), format="long", locale=current_locale.get())


def day_time(instant: datetime, zone: str = "Europe/Paris") -> str:
    local = local_time(instant, zone)
    locale = current_locale.get()
    return f"{format_date(local, format='long', locale=locale)}, {format_time(local, format='short', locale=locale)}"


def display_helpers() -> dict[str, Any]:
    """Formatting functions every page template may call."""
    return {"day": day, "day_time": day_time, "zone_label": zone_label, "osm_link": osm_link,
            "now": utcnow()}


def _offers(event: Event, page_url: str) -> dict[str, Any] | None:
    if not event.price:
        return None
    offer: dict[str, Any] = {
        "@type": "Offer",
        "description": event.price,
        "url": event.registration_url or page_url,
        "availability": "https://schema.org/InStock",
    }
    found = _PRICE.search(event.price)
    if event.is_free:
        offer.update(price="0", priceCurrency="EUR")
    elif found:
        offer.update(price=found.group(1).replace(",", "."), priceCurrency="EUR")
    return offer


def _place_ld(place: Place | None, event: Event) -> dict[str, Any] | None:
    if place is None and event.latitude is None and not event.city:
        return None
    ld: dict[str, Any] = {"@type": "Place", "name": (place.name if place else "") or event.city or ""}
    address: dict[str, Any] = {"@type": "PostalAddress"}
    if place is not None:
        for key, value in (
            ("streetAddress", place.street), ("postalCode", place.postcode),
            ("addressLocality", place.city), ("addressRegion", place.region),
            ("addressCountry", place.country),
        ):
            if value:
                address[key] = value
    elif event.city:
        address["addressLocality"] = event.city
    if len(address) > 1:
        ld["address"] = address
    latitude = place.latitude if place and place.latitude is not None else event.latitude
    longitude = place.longitude if place and place.longitude is not None else event.longitude
    if latitude is not None and longitude is not None:
        ld["geo"] = {"@type": "GeoCoordinates", "latitude": latitude, "longitude": longitude}
    return ld


def event_json_ld(event: Event, organiser: Actor | None, place: Place | None) -> dict[str, Any]:
    """schema.org ``Event`` for search engines: local times with their offset, place or
    online location, organiser, image and offer."""
    page_url = event.url or event.uri
    start = local_time(event.starts_at, event.timezone)
    ld: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": page_url,
        "startDate": start.date().isoformat() if event.all_day else start.isoformat(),
        "eventStatus": SCHEMA_STATUS.get(event.status, "https://schema.org/EventScheduled"),  # type: ignore[call-overload]
    }
    if event.ends_at is not None:
        end = local_time(event.ends_at, event.timezone)
        ld["endDate"] = end.date().isoformat() if event.all_day else end.isoformat()
    if event.summary:
        ld["description"] = event.summary
    locations: list[dict[str, Any]] = []
    physical = _place_ld(place, event)
    if physical is not None:
        locations.append(physical)
    if event.online_url:
        locations.append({"@type": "VirtualLocation", "url": event.online_url})
    if physical is not None and event.online_url:
        ld["eventAttendanceMode"] = "https://schema.org/MixedEventAttendanceMode"
    elif event.online_url:
        ld["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
    else:
        ld["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
    if locations:
        ld["location"] = locations[0] if len(locations) == 1 else locations
    if organiser is not None:
        ld["organizer"] = {
            "@type": "Person" if organiser.kind == "Person" else "Organization",
            "name": organiser.name or organiser.username,
            "url": organiser.url or organiser.uri,
        }
    if event.image_url:
        ld["image"] = [event.image_url]
    offers = _offers(event, page_url)
    if offers is not None:
        ld["offers"] = offers
    if event.capacity:
        ld["maximumAttendeeCapacity"] = event.capacity
    if event.language:
        ld["inLanguage"] = event.language
    return ld


def osm_link(latitude: float, longitude: float, zoom: int = 16) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={latitude:.6f}&mlon={longitude:.6f}"
        f"#map={zoom}/{latitude:.6f}/{longitude:.6f}"
    )


def leaflet_available() -> bool:
    """Leaflet is served from our own static files when the map's assets are installed."""
    return (STATIC_DIR / "vendor" / "leaflet" / "leaflet.js").is_file()


async def can_moderate(session: AsyncSession, account: Account | None, organiser: Actor | None) -> bool:
    """Whether the signed-in account speaks for the organiser (owner, member, or operator)."""
    if account is None or organiser is None or not organiser.local:
        return False
    assert account.id is not None and organiser.id is not None
    if account.is_admin or organiser.account_id == account.id:
        return True
    return await membership(session, account.id, organiser.id) is not None


async def _live_event(session: AsyncSession, uri: str) -> Event:
    event = await event_by_uri(session, uri)
    if event is None:
        raise HTTPException(404, "Événement introuvable")
    if event.deleted_at is not None:
        raise HTTPException(410, "Cet événement a été supprimé")
    return event


async def event_page(request: Request) -> Response:
    uuid = request.path_params["uuid"]
    uri = runtime_of(request).urls.event(uuid)
    async with sessions_of(request)() as session:
        event = await _live_event(session, uri)
        actor = await session.get(Actor, event.actor_id)
        place = await session.get(Place, event.place_id) if event.place_id else None
        counts = await counts_for(session, uri)
        replies = await interactions_on(session, uri, kind="reply")
        account = await current_account(request, session)
        moderator = await can_moderate(session, account, actor)
        joined = counts.get("join", 0)
        context = await page_context(
            request, session,
            event=event, actor=actor, place=place, counts=counts, replies=replies,
            moderator=moderator,
            remaining=max(0, event.capacity - joined) if event.capacity else None,
            zone_name=zone_label(event.starts_at, event.timezone),
            json_ld=json_script(event_json_ld(event, actor, place)),
            osm_url=osm_link(event.latitude, event.longitude)
            if event.latitude is not None and event.longitude is not None else None,
            leaflet=leaflet_available(),
            is_past=(event.ends_at or event.starts_at) < utcnow(),
            page_path=f"/events/{uuid}",
            page_url=event.url or event.uri,
            ics_url=f"/events/{uuid}.ics",
            host=runtime_of(request).urls.host,
            **display_helpers(),
        )
    return templates_of(request).TemplateResponse(
        request, "event.html", context,
        headers={"Link": f'<{uri}>; rel="alternate"; type="application/activity+json"', "Vary": "Accept"},
    )


async def hide_reply(request: Request) -> Response:
    """``POST /events/{uuid}/reponses/{id}/masquer``: an organiser hides a reply (it stays
    stored, with state ``hidden``, and is no longer shown or counted)."""
    uuid = request.path_params["uuid"]
    uri = runtime_of(request).urls.event(uuid)
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    try:
        reply_id = int(request.path_params["id"])
    except ValueError:
        raise HTTPException(404, "Réponse introuvable") from None
    async with sessions_of(request)() as session:
        event = await _live_event(session, uri)
        organiser = await session.get(Actor, event.actor_id)
        if not await can_moderate(session, await current_account(request, session), organiser):
            raise HTTPException(403, "Seuls les membres de l'organisation peuvent masquer une réponse.")
        reply = await reply_on(session, uri, reply_id)
        if reply is None:
            raise HTTPException(404, "Réponse introuvable")
        await set_interaction_state(session, reply, "hidden")
        await session.commit()
    return RedirectResponse(f"/events/{uuid}?masquee=1#reponses", status_code=303)


async def post_page(request: Request) -> Response:
    uri = runtime_of(request).urls.post(request.path_params["uuid"])
    async with sessions_of(request)() as session:
        post = await post_by_uri(session, uri)
        if post is None:
            raise HTTPException(404, "Publication introuvable")
        if post.deleted_at is not None:
            raise HTTPException(410, "Cette publication a été supprimée")
        actor = await session.get(Actor, post.actor_id)
        place = await session.get(Place, post.place_id) if post.place_id else None
        editor = post.local and await can_moderate(session, await current_account(request, session), actor)
        context = await page_context(
            request, session, post=post, actor=actor, place=place, editor=editor,
            closed=post.deadline is not None and post.deadline < utcnow(),
            host=runtime_of(request).urls.host,
            **display_helpers(),
        )
    return templates_of(request).TemplateResponse(
        request, "post.html", context,
        headers={"Link": f'<{uri}>; rel="alternate"; type="application/activity+json"', "Vary": "Accept"},
    )


async def venue_page(request: Request) -> Response:
    from sqlmodel import col, select

    from storage.columns import utcnow
    from storage.queries.content import place_by_uri
    from storage.tables import Event

    uri = runtime_of(request).urls.place(request.path_params["uuid"])
    async with sessions_of(request)() as session:
        venue = await place_by_uri(session, uri)
        if venue is None or not venue.is_venue:
            raise HTTPException(404, "Lieu introuvable")
        query = (
            select(Event).where(Event.place_id == venue.id, col(Event.deleted_at).is_(None))
            .where(col(Event.starts_at) >= utcnow()).order_by(col(Event.starts_at)).limit(50)
        )
        events = list((await session.exec(query)).all())
        region = await region_of(session)
    return templates_of(request).TemplateResponse(
        request, "venue.html", {"region": region, "venue": venue, "events": events},
        headers={"Link": f'<{uri}>; rel="alternate"; type="application/activity+json"', "Vary": "Accept"},
    )
