"""The demo region ("Grand Est — démo"), seeded into an empty database.

Dates are relative to the day of seeding, so the demo agenda always lies ahead.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.demo import data
from echofed.services.accounts import ActorInput, create_account, create_actor
from echofed.services.publishing import (
    EventInput,
    PlaceInput,
    PostInput,
    create_event,
    create_post,
)
from echofed.services.region import RegionChanges, ensure_instance_actor, update_region
from federation.urls import Urls
from storage.columns import utcnow
from storage.queries.accounts import count_accounts
from storage.queries.actors import count_local_actors
from storage.queries.content import count_events
from storage.tables import Actor, ActorKind

DEMO_EMAIL_DOMAIN = "demo.echofed.invalid"


async def is_empty(session: AsyncSession) -> bool:
    people = await count_local_actors(session, kinds=[k.value for k in ActorKind])
    instance_only = people <= 1
    return instance_only and await count_events(session) == 0 and await count_accounts(session) == 0


def _place(key: str | None) -> PlaceInput | None:
    if key is None:
        return None
    place = next(p for p in data.PLACES if p.key == key)
    return PlaceInput(
        name=place.name,
        street=place.street,
        postcode=place.postcode,
        city=place.city,
        region="Grand Est",
        country="FR",
        latitude=place.latitude,
        longitude=place.longitude,
    )


def _at(today: date, offset: int, hhmm: str, zone: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(today + timedelta(days=offset), time(hours, minutes), tzinfo=zone)


async def seed_demo(session: AsyncSession, urls: Urls, *, today: date | None = None) -> str:
    """Create the demo region's actors, events and publications; returns the region name."""
    zone = ZoneInfo(data.TIMEZONE)
    today = today or utcnow().astimezone(zone).date()
    await update_region(
        session,
        RegionChanges(
            name=data.REGION_NAME,
            description=data.REGION_DESCRIPTION,
            timezone=data.TIMEZONE,
            center=data.MAP_CENTER,
            bounds=data.MAP_BOUNDS,
            zoom=8,
        ),
    )
    await ensure_instance_actor(session, urls)

    actors: dict[str, Actor] = {}
    people = [a for a in data.ACTORS if a.kind == "Person"]
    others = [a for a in data.ACTORS if a.kind != "Person"]
    for person in people:
        email = f"{person.username}@{DEMO_EMAIL_DOMAIN}"
        await create_account(session, email=email, password=None, display_name=person.name)
        actors[person.username] = await create_actor(
            session,
            urls,
            ActorInput(
                username=person.username,
                kind="Person",
                name=person.name,
                summary_md=person.summary,
                city=person.city,
                website=person.url,
                owner_email=email,
            ),
        )
    for org in others:
        members = [
            (f"{username}@{DEMO_EMAIL_DOMAIN}", "admin" if i == 0 else "editor")
            for i, username in enumerate(org.members)
        ]
        actors[org.username] = await create_actor(
            session,
            urls,
            ActorInput(
                username=org.username,
                kind=org.kind,
                name=org.name,
                summary_md=org.summary,
                city=org.city,
                website=org.url,
                members=members,
            ),
        )

    for item in data.EVENTS:
        starts = (
            datetime.combine(today + timedelta(days=item.day_offset), time(0, 0), tzinfo=zone)
            if item.all_day
            else _at(today, item.day_offset, item.start, zone)
        )
        ends = starts + (
            timedelta(days=1) if item.all_day else timedelta(minutes=item.duration_minutes)
        )
        await create_event(
            session,
            urls,
            actors[item.actor],
            EventInput(
                title=item.title,
                start=starts,
                end=ends,
                timezone=data.TIMEZONE,
                all_day=item.all_day,
                description_md=item.description_md,
                place=_place(item.place),
                online_url=item.online_url,
                category=item.category,
                tags=item.tags,
                audience=item.audience,
                price=item.price,
                capacity=item.capacity,
                join_mode=item.join_mode,
                registration_url=item.registration_url,
            ),
        )

    now = utcnow()
    for article in data.ARTICLES:
        await create_post(
            session,
            urls,
            actors[article.actor],
            PostInput(
                kind=article.kind,
                title=article.title,
                summary=article.summary,
                body_md=article.body_md,
                tags=article.tags,
                published_at=now + timedelta(days=article.day_offset),
            ),
        )
    for offer in data.JOB_OFFERS:
        await create_post(
            session,
            urls,
            actors[offer.actor],
            PostInput(
                kind="job_offer",
                title=offer.title,
                summary=offer.summary,
                body_md=offer.body_md,
                contract=offer.contract,
                place=_place(offer.place),
                deadline=_at(today, offer.deadline_offset, "23:59", zone),
                link_url=offer.apply_url,
            ),
        )
    for call in data.CALLS:
        await create_post(
            session,
            urls,
            actors[call.actor],
            PostInput(
                kind="call",
                title=call.title,
                summary=call.summary,
                body_md=call.body_md,
                call_kind=call.kind,
                place=_place(call.place),
                deadline=_at(today, call.deadline_offset, "23:59", zone),
                link_url=call.url,
            ),
        )
    return data.REGION_NAME


async def seed_if_empty(session: AsyncSession, urls: Urls) -> str | None:
    if not await is_empty(session):
        return None
    return await seed_demo(session, urls)
