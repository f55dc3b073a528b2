"""Publishing events and publications (articles, resources, job offers, calls)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr
from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.errors import Forbidden, Invalid, NotFound
from echofed.services.federating import (
    announce_by_community,
    federate_deletion,
    federate_event,
    federate_post,
)
from federation.html import markdown_to_html, to_text
from federation.urls import Urls
from storage.columns import utcnow
from storage.queries.accounts import membership
from storage.queries.actors import local_actor
from storage.queries.content import event_by_uri, place_by_uri, post_by_uri
from storage.tables import (
    Account,
    Actor,
    ActorKind,
    Event,
    EventStatus,
    JoinMode,
    Place,
    Post,
    PostKind,
)

CATEGORIES = (
    "conference", "atelier", "exposition", "visite", "sortie_nature", "festival",
    "cafe_sciences", "science_participative", "projection", "spectacle", "formation", "autre",
)
AUDIENCES = ("enfants", "ados", "adultes", "familles", "scolaires", "professionnels")
MAX_TITLE = 300
POST_KINDS = (PostKind.ARTICLE, PostKind.RESOURCE, PostKind.JOB_OFFER, PostKind.CALL)
CALL_KINDS = ("projects", "volunteers")
MAX_CONTRACT = 60


@dataclass(frozen=True)
class PlaceInput:
    name: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    region: str = ""
    country: str = "FR"
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class EventInput:
    title: str
    start: datetime | str
    end: datetime | str | None = None
    timezone: str | None = None
    all_day: bool = False
    description_md: str = ""
    place: PlaceInput | None = None
    online_url: str | None = None
    category: str | None = None
    tags: Sequence[str] = field(default_factory=tuple)
    audience: Sequence[str] = field(default_factory=tuple)
    price: str | None = None
    accessibility: str = ""
    image_url: str | None = None
    image_alt: str = ""
    capacity: int | None = None
    join_mode: str = JoinMode.FREE
    registration_url: str | None = None
    venue_uri: str | None = None
    recurrence: str | None = None
    community: str | None = None


MAX_OCCURRENCES = 52


def occurrences(rule: str, starts: datetime, ends: datetime) -> list[tuple[datetime, datetime]]:
    """Expand an RRULE (RFC 5545, e.g. ``FREQ=WEEKLY;COUNT=6``) in the event's own zone, so a
    weekly 18:00 stays at 18:00 across daylight-saving changes; capped at 52 occurrences."""
    try:
        recurrence = rrulestr(rule.removeprefix("RRULE:"), dtstart=starts.replace(tzinfo=None))
    except (ValueError, TypeError) as exc:
        raise Invalid("repeat", f"règle de récurrence invalide ({exc})") from None
    zone = starts.tzinfo
    duration = ends - starts
    found: list[tuple[datetime, datetime]] = []
    for moment in recurrence:
        if len(found) >= MAX_OCCURRENCES:
            break
        local = moment.replace(tzinfo=zone)
        found.append((local, local + duration))
    if not found:
        raise Invalid("repeat", "la règle ne donne aucune date")
    if len(found) >= MAX_OCCURRENCES and "COUNT" not in rule.upper() and "UNTIL" not in rule.upper():
        raise Invalid("repeat", "ajoutez COUNT ou UNTIL (52 occurrences au plus)")
    return found


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("timezone", f"fuseau horaire inconnu : {name}") from None


def parse_instant(value: datetime | str, zone: ZoneInfo, field_name: str) -> datetime:
    """An ISO 8601 date-time; without an offset it is read in the event's zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(field_name, f"date ISO 8601 attendue, reçu « {value} »") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value


def _check_url(value: str | None, field_name: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(field_name, "adresse http(s) complète attendue")
    return value.strip()


def normalise_tags(tags: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for tag in tags:
        clean = tag.strip().lstrip("#").strip().lower()
        if clean and clean not in seen:
            seen.append(clean[:60])
    return seen


def _place(data: PlaceInput) -> Place:
    if (data.latitude is None) != (data.longitude is None):
        raise Invalid("lat", "latitude et longitude vont ensemble")
    if data.latitude is not None and not -90 <= data.latitude <= 90:
        raise Invalid("lat", "latitude entre -90 et 90")
    if data.longitude is not None and not -180 <= data.longitude <= 180:
        raise Invalid("lon", "longitude entre -180 et 180")
    if not (data.name or data.street or data.city or data.latitude is not None):
        raise Invalid("place-name", "un lieu a au moins un nom, une adresse ou des coordonnées")
    return Place(
        name=data.name.strip(),
        street=data.street.strip(),
        postcode=data.postcode.strip(),
        city=data.city.strip(),
        region=data.region.strip(),
        country=data.country.strip(),
        latitude=data.latitude,
        longitude=data.longitude,
    )


async def publishing_actor(
    session: AsyncSession, username: str, account: Account | None
) -> Actor:
    """The local actor to publish as; an account must own it or be one of its members."""
    actor = await local_actor(session, username)
    if actor is None or actor.kind == ActorKind.APPLICATION:
        raise NotFound(f"aucun acteur local « {username} »")
    if account is not None and not account.is_admin:
        assert account.id is not None and actor.id is not None
        owns = actor.account_id == account.id
        if not owns and await membership(session, account.id, actor.id) is None:
            raise Forbidden(f"vous ne pouvez pas publier au nom de {username}")
    return actor


def _validated(data: EventInput, default_timezone: str) -> dict[str, object]:
    """Check an event's fields; returns the column values (place handled by the caller)."""
    title = data.title.strip()
    if not title:
        raise Invalid("title", "le titre est obligatoire")
    if len(title) > MAX_TITLE:
        raise Invalid("title", f"{MAX_TITLE} caractères au plus")
    zone_name = data.timezone or default_timezone
    zone = _zone(zone_name)
    starts = parse_instant(data.start, zone, "start")
    if data.end is None:
        ends = starts + (timedelta(days=1) if data.all_day else timedelta(hours=2))
    else:
        ends = parse_instant(data.end, zone, "end")
    if ends < starts:
        raise Invalid("end", "la fin précède le début")
    if data.category is not None and data.category not in CATEGORIES:
        raise Invalid("category", "une de : " + ", ".join(CATEGORIES))
    audience = list(dict.fromkeys(a.strip().lower() for a in data.audience if a.strip()))
    for item in audience:
        if item not in AUDIENCES:
            raise Invalid("audience", "parmi : " + ", ".join(AUDIENCES))
    if data.join_mode not in {m.value for m in JoinMode}:
        raise Invalid("join-mode", "free, restricted ou external")
    if data.capacity is not None and data.capacity < 1:
        raise Invalid("capacity", "un nombre positif")
    online_url = _check_url(data.online_url, "online-url")
    registration_url = _check_url(data.registration_url, "registration-url")
    if data.join_mode == JoinMode.EXTERNAL and not registration_url:
        raise Invalid("registration-url", "obligatoire pour une inscription externe")
    if data.place is None and online_url is None and data.venue_uri is None:
        raise Invalid("place-name", "un lieu ou un lien en ligne est obligatoire")
    content_html = markdown_to_html(data.description_md) if data.description_md else ""
    return {
        "title": title,
        "summary": to_text(content_html)[:280],
        "content_html": content_html,
        "source_md": data.description_md or None,
        "starts_at": starts,
        "ends_at": ends,
        "timezone": zone_name,
        "all_day": data.all_day,
        "online_url": online_url,
        "category": data.category,
        "tags": normalise_tags(data.tags),
        "audience": audience,
        "price": (data.price or "").strip() or None,
        "is_free": not data.price or data.price.strip().lower().startswith("gratuit"),
        "accessibility": data.accessibility.strip(),
        "image_url": _check_url(data.image_url, "image-url"),
        "image_alt": data.image_alt.strip(),
        "capacity": data.capacity,
        "join_mode": data.join_mode,
        "registration_url": registration_url,
    }


async def _store_place(session: AsyncSession, actor: Actor, data: PlaceInput | None) -> Place | None:
    place = _place(data) if data is not None else None
    if place is not None:
        place.actor_id = actor.id
        session.add(place)
        await session.flush()
    return place


def _apply_place(event: Event, place: Place | None) -> None:
    event.place_id = place.id if place else None
    event.latitude = place.latitude if place else None
    event.longitude = place.longitude if place else None
    event.city = (place.city or None) if place else None


async def _venue(session: AsyncSession, uri: str) -> Place:
    venue = await place_by_uri(session, uri)
    if venue is None or not venue.is_venue:
        raise NotFound(f"aucun lieu {uri}")
    return venue


async def create_event(
    session: AsyncSession,
    urls: Urls,
    actor: Actor,
    data: EventInput,
    *,
    default_timezone: str = "Europe/Paris",
) -> Event:
    """Validate and store a new local event, and federate its Create to the followers.

    A recurring event becomes one event per occurrence (as Gancio does), linked by
    ``series_uri``; the first one is returned.
    """
    values = _validated(data, default_timezone)
    place = await _venue(session, data.venue_uri) if data.venue_uri else None
    if place is None:
        place = await _store_place(session, actor, data.place)
    community = None
    if data.community:
        community = await local_actor(session, data.community)
        if community is None or community.kind != ActorKind.GROUP:
            raise Invalid("community", f"aucune communauté « {data.community} »")
    starts, ends = values["starts_at"], values["ends_at"]
    assert isinstance(starts, datetime) and isinstance(ends, datetime)
    dates = [(starts, ends)]
    if data.recurrence:
        zone = _zone(str(values["timezone"]))
        dates = occurrences(data.recurrence, starts.astimezone(zone), ends.astimezone(zone))
    series_uri = None
    created: list[Event] = []
    assert actor.id is not None
    for start, end in dates:
        event_uuid = str(uuid.uuid4())
        event = Event(
            uri=urls.event(event_uuid), url=urls.event(event_uuid), actor_id=actor.id, local=True,
            origin_domain=urls.host, **{**values, "starts_at": start, "ends_at": end},  # type: ignore[arg-type]
        )
        if data.recurrence:
            series_uri = series_uri or event.uri
            event.series_uri = series_uri
            event.recurrence_rule = data.recurrence
        _apply_place(event, place)
        session.add(event)
        await session.flush()
        activity = await federate_event(session, urls, actor, event, verb="Create")
        if community is not None:
            await announce_by_community(session, urls, community, activity)
        created.append(event)
    return created[0]


async def local_event(session: AsyncSession, uri: str) -> tuple[Event, Actor]:
    event = await event_by_uri(session, uri)
    if event is None or not event.local or event.deleted_at is not None:
        raise NotFound(f"aucun événement local {uri}")
    actor = await session.get(Actor, event.actor_id)
    assert actor is not None
    return event, actor


async def update_event(
    session: AsyncSession,
    urls: Urls,
    uri: str,
    data: EventInput,
    *,
    account: Account | None = None,
    default_timezone: str = "Europe/Paris",
) -> Event:
    """Replace an event's details and federate the Update."""
    event, actor = await local_event(session, uri)
    await publishing_actor(session, actor.username, account)
    for key, value in _validated(data, default_timezone).items():
        setattr(event, key, value)
    if data.venue_uri is not None:
        _apply_place(event, await _venue(session, data.venue_uri))
    elif data.place is not None:
        _apply_place(event, await _store_place(session, actor, data.place))
    elif event.online_url:
        _apply_place(event, None)
    event.updated_at = utcnow()
    session.add(event)
    await session.flush()
    await federate_event(session, urls, actor, event, verb="Update")
    return event


async def set_event_status(
    session: AsyncSession, urls: Urls, uri: str, status: str, *, account: Account | None = None
) -> Event:
    """Cancel, postpone or reschedule an event (federated as an Update)."""
    if status not in {s.value for s in EventStatus}:
        raise Invalid("status", "scheduled, cancelled, postponed ou tentative")
    event, actor = await local_event(session, uri)
    await publishing_actor(session, actor.username, account)
    event.status = status
    event.updated_at = utcnow()
    session.add(event)
    await session.flush()
    await federate_event(session, urls, actor, event, verb="Update")
    return event


async def delete_event(
    session: AsyncSession, urls: Urls, uri: str, *, account: Account | None = None
) -> Event:
    """Delete an event: it leaves a tombstone, and followers receive a Delete."""
    event, actor = await local_event(session, uri)
    await publishing_actor(session, actor.username, account)
    event.deleted_at = utcnow()
    event.updated_at = event.deleted_at
    session.add(event)
    await session.flush()
    await federate_deletion(session, urls, actor, event.uri, "Event", event.deleted_at)
    return event


@dataclass(frozen=True)
class PostInput:
    kind: str
    title: str
    body_md: str = ""
    summary: str = ""
    tags: Sequence[str] = field(default_factory=tuple)
    image_url: str | None = None
    image_alt: str = ""
    attachments: Sequence[str] = field(default_factory=tuple)
    contract: str | None = None
    call_kind: str | None = None
    deadline: datetime | None = None
    link_url: str | None = None
    place: PlaceInput | None = None
    published_at: datetime | None = None


def _post_values(data: PostInput) -> dict[str, object]:
    """Check a publication's fields; returns the column values (place handled by the caller)."""
    if data.kind not in POST_KINDS:
        raise Invalid("kind", "article, resource, job_offer ou call")
    title = data.title.strip()
    if not title:
        raise Invalid("title", "le titre est obligatoire")
    if len(title) > MAX_TITLE:
        raise Invalid("title", f"{MAX_TITLE} caractères au plus")
    if data.deadline is not None and data.deadline.tzinfo is None:
        raise Invalid("deadline", "date avec fuseau attendue")
    if data.call_kind is not None and data.call_kind not in CALL_KINDS:
        raise Invalid("call-kind", "projects ou volunteers")
    if data.contract is not None and len(data.contract) > MAX_CONTRACT:
        raise Invalid("contract", f"{MAX_CONTRACT} caractères au plus")
    content_html = markdown_to_html(data.body_md) if data.body_md else ""
    return {
        "kind": data.kind,
        "title": title,
        "summary": data.summary.strip() or to_text(content_html)[:280],
        "content_html": content_html,
        "source_md": data.body_md or None,
        "tags": normalise_tags(data.tags),
        "image_url": _check_url(data.image_url, "image-url"),
        "image_alt": data.image_alt.strip(),
        "attachments": [{"url": _check_url(u, "attachment")} for u in data.attachments],
        "contract": data.contract,
        "call_kind": data.call_kind,
        "deadline": data.deadline,
        "link_url": _check_url(data.link_url, "link"),
    }


def typed_summary(post: Post) -> str:
    """The summary as its author typed it: empty when it was drawn from the text, so that
    editing the text also renews it."""
    drawn = to_text(post.content_html)[:280] if post.content_html else ""
    return "" if post.summary == drawn else post.summary


async def create_post(session: AsyncSession, urls: Urls, actor: Actor, data: PostInput) -> Post:
    """Store an article, resource, job offer or call for projects/volunteers."""
    values = _post_values(data)
    place = await _store_place(session, actor, data.place)
    post_uuid = str(uuid.uuid4())
    assert actor.id is not None
    post = Post(
        uri=urls.post(post_uuid), url=urls.post(post_uuid), actor_id=actor.id, local=True,
        origin_domain=urls.host, place_id=place.id if place else None,
        **values,  # type: ignore[arg-type]
    )
    if data.published_at is not None:
        post.published_at = data.published_at
        post.updated_at = data.published_at
    session.add(post)
    await session.flush()
    await federate_post(session, urls, actor, post, verb="Create")
    return post


async def local_post(session: AsyncSession, uri: str) -> tuple[Post, Actor]:
    post = await post_by_uri(session, uri)
    if post is None or not post.local or post.deleted_at is not None:
        raise NotFound(f"aucune publication locale {uri}")
    actor = await session.get(Actor, post.actor_id)
    assert actor is not None
    return post, actor


async def update_post(
    session: AsyncSession, urls: Urls, uri: str, data: PostInput, *, account: Account | None = None
) -> Post:
    """Replace a publication's details and federate the Update (to the author's followers,
    and through the instance actor to the regions that follow it).

    An article may become a resource and back; a job offer or a call keeps its kind, since
    it is listed, fed and federated apart."""
    post, actor = await local_post(session, uri)
    await publishing_actor(session, actor.username, account)
    if data.kind != post.kind and {data.kind, post.kind} != {PostKind.ARTICLE, PostKind.RESOURCE}:
        raise Invalid("kind", "une offre ou un appel garde son type")
    for key, value in _post_values(data).items():
        setattr(post, key, value)
    place = await _store_place(session, actor, data.place)
    post.place_id = place.id if place else None
    post.updated_at = utcnow()
    session.add(post)
    await session.flush()
    await federate_post(session, urls, actor, post, verb="Update")
    return post


async def delete_post(
    session: AsyncSession, urls: Urls, uri: str, *, account: Account | None = None
) -> Post:
    """Delete a publication: it leaves a tombstone, and followers receive a Delete."""
    post, actor = await local_post(session, uri)
    await publishing_actor(session, actor.username, account)
    post.deleted_at = utcnow()
    post.updated_at = post.deleted_at
    session.add(post)
    await session.flush()
    await federate_deletion(session, urls, actor, post.uri, "Article", post.deleted_at)
    return post
