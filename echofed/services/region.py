"""The region an instance serves, and its instance actor (an Application)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.errors import Invalid
from federation.keys import generate_key_pair
from federation.urls import Urls
from storage.columns import utcnow
from storage.queries.actors import actor_by_uri
from storage.queries.once import insert_once
from storage.queries.regions import get_region
from storage.tables import Actor, ActorKind, Region

DEFAULT_NAME = "Nouvelle région echofed"


@dataclass(frozen=True)
class RegionChanges:
    name: str | None = None
    description: str | None = None
    base_url: str | None = None
    timezone: str | None = None
    center: tuple[float, float] | None = None
    zoom: int | None = None
    bounds: tuple[float, float, float, float] | None = None


async def ensure_region(session: AsyncSession) -> Region:
    """The region row, created with defaults the first time (by whichever process is first)."""
    region = await get_region(session)
    if region is None:
        await insert_once(session, Region(name=DEFAULT_NAME), ["id"])
        region = await get_region(session)
        assert region is not None
    return region


def _check_coordinates(lat: float, lon: float, field: str) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid(field, "latitude entre -90 et 90, longitude entre -180 et 180")


async def update_region(session: AsyncSession, changes: RegionChanges) -> Region:
    region = await ensure_region(session)
    if changes.name is not None:
        if not changes.name.strip():
            raise Invalid("name", "le nom ne peut pas être vide")
        region.name = changes.name.strip()
    if changes.description is not None:
        region.description = changes.description.strip()
    if changes.base_url is not None:
        region.base_url = changes.base_url.rstrip("/") or None
    if changes.timezone is not None:
        try:
            ZoneInfo(changes.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid("timezone", f"fuseau inconnu : {changes.timezone}") from None
        region.timezone = changes.timezone
    if changes.center is not None:
        _check_coordinates(*changes.center, "center")
        region.center_lat, region.center_lon = changes.center
    if changes.zoom is not None:
        if not 1 <= changes.zoom <= 18:
            raise Invalid("zoom", "entre 1 et 18")
        region.zoom = changes.zoom
    if changes.bounds is not None:
        south, west, north, east = changes.bounds
        _check_coordinates(south, west, "bounds")
        _check_coordinates(north, east, "bounds")
        if south >= north or west >= east:
            raise Invalid("bounds", "attendu : sud,ouest,nord,est avec sud < nord et ouest < est")
        region.bounds_south, region.bounds_west, region.bounds_north, region.bounds_east = (
            changes.bounds
        )
    region.updated_at = utcnow()
    session.add(region)
    await session.flush()
    return region


async def ensure_instance_actor(session: AsyncSession, urls: Urls) -> Actor:
    """The instance's own actor: signs fetches, follows other regions and relays."""
    actor = await actor_by_uri(session, urls.instance_actor)
    if actor is not None:
        return actor
    region = await ensure_region(session)
    keys = generate_key_pair()
    actor = Actor(
        uri=urls.instance_actor,
        kind=ActorKind.APPLICATION,
        username=urls.host,
        domain=urls.host,
        local=True,
        name=region.name,
        url=urls.base + "/",
        inbox=urls.instance_actor + "/inbox",
        outbox=urls.instance_actor + "/outbox",
        shared_inbox=urls.shared_inbox,
        followers_url=urls.instance_actor + "/followers",
        following_url=urls.instance_actor + "/following",
        public_key_id=urls.instance_actor + "#main-key",
        public_key_pem=keys.public_pem,
        private_key_pem=keys.private_pem,
        manually_approves_followers=True,
        discoverable=False,
    )
    if not await insert_once(session, actor, ["uri"]):
        # Another process created it a moment ago: theirs is the one (keys included).
        found = await actor_by_uri(session, urls.instance_actor)
        assert found is not None
        return found
    actor = await actor_by_uri(session, urls.instance_actor)
    assert actor is not None
    region.instance_actor_id = actor.id
    session.add(region)
    return actor
