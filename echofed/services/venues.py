"""Venues ("lieux à visiter"): a museum, lab, garden or science centre with a page of its own,
federated as a ``Place`` with its own id; events pick one instead of an ad-hoc place."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.errors import Invalid
from echofed.services.publishing import PlaceInput, _place
from federation.html import markdown_to_html
from federation.urls import Urls
from storage.tables import Actor, Place


@dataclass(frozen=True)
class VenueInput:
    place: PlaceInput
    description_md: str = ""
    opening_hours: str = ""
    url: str | None = None


async def create_venue(session: AsyncSession, urls: Urls, actor: Actor, data: VenueInput) -> Place:
    if not data.place.name.strip():
        raise Invalid("name", "un lieu à visiter a un nom")
    if data.place.latitude is None:
        raise Invalid("lat", "un lieu à visiter a des coordonnées (pour la carte)")
    venue = _place(data.place)
    venue.uri = urls.place(str(uuid.uuid4()))
    venue.is_venue = True
    venue.actor_id = actor.id
    venue.description = markdown_to_html(data.description_md) if data.description_md else ""
    venue.opening_hours = data.opening_hours.strip()
    venue.url = data.url
    session.add(venue)
    await session.flush()
    return venue
