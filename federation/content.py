"""Storing remote events and publications from their parsed vocabulary (typed columns for the
agenda, map and search, plus the original JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from federation.vocab.activities import host_of
from federation.vocab.events import EventData
from federation.vocab.jsonld import PUBLIC_ALIASES
from federation.vocab.objects import PlaceData, PostData
from storage.queries.content import event_by_uri, post_by_uri
from storage.tables import Actor, Event, Place, Post


def _visibility(to: tuple[str, ...], cc: tuple[str, ...]) -> str:
    if any(a in PUBLIC_ALIASES for a in to):
        return "public"
    if any(a in PUBLIC_ALIASES for a in cc):
        return "unlisted"
    return "followers"


async def _place(session: AsyncSession, data: PlaceData | None, current_id: int | None) -> Place | None:
    if data is None:
        return None
    place = await session.get(Place, current_id) if current_id is not None else None
    if place is None or place.is_venue:
        place = Place()
    place.uri = None
    place.name, place.street, place.postcode = data.name, data.street, data.postcode
    place.city, place.region, place.country = data.city, data.region, data.country
    place.latitude, place.longitude = data.latitude, data.longitude
    place.url = data.url
    session.add(place)
    await session.flush()
    return place


async def store_remote_event(
    session: AsyncSession, data: EventData, actor: Actor, raw: dict[str, Any], now: datetime
) -> Event | None:
    """Insert or update a remote event; None when it was deleted (a tombstone stays dead)."""
    event = await event_by_uri(session, data.id)
    if event is not None:
        if event.deleted_at is not None or event.local:
            return None
        if host_of(event.uri) != host_of(data.id):
            return None
    else:
        assert actor.id is not None
        event = Event(uri=data.id, actor_id=actor.id, local=False, origin_domain=host_of(data.id),
                      title=data.title, starts_at=data.starts_at, published_at=data.published or now)
    place = await _place(session, data.place, event.place_id)
    event.url = data.url or data.id
    event.title = data.title
    event.summary = data.summary
    event.content_html = data.content_html
    event.language = data.language or "fr"
    event.starts_at, event.ends_at = data.starts_at, data.ends_at
    event.timezone = data.timezone or "UTC"
    event.all_day = data.all_day
    event.place_id = place.id if place else None
    event.latitude = place.latitude if place else None
    event.longitude = place.longitude if place else None
    event.city = (place.city or None) if place else None
    event.online_url = data.online_url
    event.category = data.category
    event.tags = list(data.tags)
    event.image_url, event.image_alt = data.image_url, data.image_alt
    event.capacity = data.capacity
    event.join_mode = data.join_mode if data.join_mode in ("free", "restricted", "external") else "restricted"
    event.registration_url = data.registration_url
    event.status = data.status
    event.visibility = _visibility(data.to, data.cc)
    event.comments_enabled = data.comments_enabled
    event.raw = raw
    event.updated_at = now  # when it changed here (the live map and feeds follow local changes)
    session.add(event)
    await session.flush()
    return event


async def store_remote_post(
    session: AsyncSession, data: PostData, actor: Actor, raw: dict[str, Any], now: datetime
) -> Post | None:
    post = await post_by_uri(session, data.id)
    if post is not None:
        if post.deleted_at is not None or post.local or host_of(post.uri) != host_of(data.id):
            return None
    else:
        assert actor.id is not None
        post = Post(uri=data.id, actor_id=actor.id, local=False, origin_domain=host_of(data.id),
                    published_at=data.published or now)
    post.url = data.url or data.id
    post.kind = data.kind
    post.title = data.title
    post.summary = data.summary
    post.content_html = data.content_html
    post.language = data.language or "fr"
    post.tags = list(data.tags)
    post.image_url, post.image_alt = data.image_url, data.image_alt
    post.attachments = [{"url": u} for u in data.attachments]
    post.contract, post.call_kind = data.contract, data.call_kind
    post.deadline, post.link_url = data.deadline, data.link_url
    post.in_reply_to = data.in_reply_to
    post.raw = raw
    post.updated_at = now
    session.add(post)
    await session.flush()
    return post


async def tombstone(session: AsyncSession, uri: str, sender_host: str, now: datetime) -> bool:
    """Mark a remote object deleted; a later Update cannot bring it back."""
    found = False
    for item in (await event_by_uri(session, uri), await post_by_uri(session, uri)):
        if item is not None and not item.local and host_of(item.uri) == sender_host:
            if item.deleted_at is None:
                item.deleted_at = now
                item.updated_at = now
                session.add(item)
            found = True
    return found
