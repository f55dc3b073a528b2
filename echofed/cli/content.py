"""What local actors publish: ``echofed event create|update|cancel|postpone|confirm|delete``,
``venue create`` and ``post create``.

An event comes from options or from a JSON file (``--json``, the fields of
``EVENT_JSON_FIELDS``). Changing, cancelling or deleting an event federates, so those commands
run in ``with_federation``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from echofed.cli.errors import CliError
from echofed.cli.federating import with_federation
from echofed.errors import Invalid
from echofed.runtime import open_runtime
from echofed.settings import Settings

EVENT_JSON_FIELDS = {
    "title", "start", "end", "timezone", "all_day", "description", "place", "online_url",
    "category", "tags", "audience", "price", "accessibility", "image_url", "image_alt",
    "capacity", "join_mode", "registration_url", "actor",
}
PLACE_JSON_FIELDS = {
    "name", "street", "address", "postcode", "city", "region", "country", "lat", "lon",
    "latitude", "longitude",
}


def _event_from_json(path: str) -> tuple[str | None, Any]:
    from echofed.services.publishing import EventInput, PlaceInput

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"fichier introuvable : {path}") from None
    except json.JSONDecodeError as exc:
        raise CliError(f"{path} : JSON invalide ({exc.msg}, ligne {exc.lineno})") from None
    if not isinstance(data, dict):
        raise CliError(f"{path} : un objet JSON est attendu")
    unknown = set(data) - EVENT_JSON_FIELDS
    if unknown:
        raise CliError(f"{path} : champs inconnus {sorted(unknown)}")
    if "title" not in data or "start" not in data:
        raise CliError(f"{path} : « title » et « start » sont obligatoires")
    place = None
    if isinstance(data.get("place"), dict):
        p = data["place"]
        unknown = set(p) - PLACE_JSON_FIELDS
        if unknown:
            raise CliError(f"{path} : champs de lieu inconnus {sorted(unknown)}")
        place = PlaceInput(
            name=p.get("name", ""),
            street=p.get("street", p.get("address", "")),
            postcode=str(p.get("postcode", "")),
            city=p.get("city", ""),
            region=p.get("region", ""),
            country=p.get("country", "FR"),
            latitude=p.get("lat", p.get("latitude")),
            longitude=p.get("lon", p.get("longitude")),
        )
    event = EventInput(
        title=str(data["title"]),
        start=str(data["start"]),
        end=str(data["end"]) if data.get("end") else None,
        timezone=data.get("timezone"),
        all_day=bool(data.get("all_day", False)),
        description_md=data.get("description", ""),
        place=place,
        online_url=data.get("online_url"),
        category=data.get("category"),
        tags=tuple(data.get("tags", ())),
        audience=tuple(data.get("audience", ())),
        price=data.get("price"),
        accessibility=data.get("accessibility", ""),
        image_url=data.get("image_url"),
        image_alt=data.get("image_alt", ""),
        capacity=data.get("capacity"),
        join_mode=data.get("join_mode", "free"),
        registration_url=data.get("registration_url"),
    )
    return data.get("actor"), event


def _event_from_args(args: argparse.Namespace) -> Any:
    from echofed.services.publishing import EventInput, PlaceInput

    if not args.title or not args.start:
        raise CliError("--title et --start sont obligatoires (ou --json FICHIER)")
    has_place = args.venue is None and any(
        v is not None for v in (args.place_name, args.address, args.city, args.lat, args.lon)
    )
    place = (
        PlaceInput(
            name=args.place_name or "",
            street=args.address or "",
            postcode=args.postcode or "",
            city=args.city or "",
            latitude=args.lat,
            longitude=args.lon,
        )
        if has_place
        else None
    )
    description = args.description or ""
    if args.description_file:
        description = Path(args.description_file).read_text(encoding="utf-8")
    return EventInput(
        title=args.title,
        start=args.start,
        end=args.end,
        timezone=args.timezone,
        all_day=args.all_day,
        description_md=description,
        place=place,
        online_url=args.online_url,
        category=args.category,
        tags=tuple(args.tag),
        audience=tuple(args.audience),
        price=args.price,
        capacity=args.capacity,
        join_mode=args.join_mode,
        registration_url=args.registration_url,
        venue_uri=args.venue,
        recurrence=args.repeat,
        community=args.community,
    )


async def cmd_event_create(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.publishing import create_event, publishing_actor
    from echofed.services.region import ensure_region

    username = args.actor
    if args.json:
        json_actor, data = _event_from_json(args.json)
        username = username or json_actor
    else:
        data = _event_from_args(args)
    if not username:
        raise CliError("--actor est obligatoire")
    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        region = await ensure_region(session)
        actor = await publishing_actor(session, username, None)
        event = await create_event(
            session, runtime.urls, actor, data, default_timezone=region.timezone
        )
        print(f"Événement créé : {event.title} — {event.uri}")
    return 0


async def cmd_event_status(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.publishing import set_event_status

    status = {"cancel": "cancelled", "postpone": "postponed", "confirm": "scheduled"}[args.event_command]

    async def work(fed: Any, session: Any) -> Any:
        return await set_event_status(session, fed.urls, args.uri, status)

    event = await with_federation(settings, work)
    print(f"Événement {event.status} : {event.uri}")
    return 0


async def cmd_event_delete(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.publishing import delete_event

    async def work(fed: Any, session: Any) -> Any:
        return await delete_event(session, fed.urls, args.uri)

    event = await with_federation(settings, work)
    print(f"Événement supprimé : {event.uri}")
    return 0


async def cmd_event_update(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.publishing import update_event
    from echofed.services.region import ensure_region

    if args.json:
        _, data = _event_from_json(args.json)
    else:
        data = _event_from_args(args)

    async def work(fed: Any, session: Any) -> Any:
        region = await ensure_region(session)
        return await update_event(session, fed.urls, args.uri, data, default_timezone=region.timezone)

    event = await with_federation(settings, work)
    print(f"Événement mis à jour : {event.uri}")
    return 0


async def cmd_venue_create(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.publishing import PlaceInput, publishing_actor
    from echofed.services.venues import VenueInput, create_venue

    data = VenueInput(
        place=PlaceInput(name=args.name, street=args.address or "", postcode=args.postcode or "",
                         city=args.city or "", latitude=args.lat, longitude=args.lon),
        description_md=args.description or "", opening_hours=args.opening_hours or "", url=args.url,
    )
    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        actor = await publishing_actor(session, args.actor, None)
        venue = await create_venue(session, runtime.urls, actor, data)
        print(f"Lieu créé : {venue.name} — {venue.uri}")
    return 0


async def cmd_post_create(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from echofed.services.publishing import PostInput, create_post, publishing_actor
    from echofed.services.region import ensure_region

    body = args.body or ""
    if args.body_file:
        body = Path(args.body_file).read_text(encoding="utf-8")
    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        region = await ensure_region(session)
        deadline = None
        if args.deadline:
            try:
                day = datetime.fromisoformat(args.deadline)
            except ValueError:
                raise Invalid("deadline", "date ISO attendue, ex. 2031-05-31") from None
            if day.tzinfo is None:
                day = datetime.combine(day.date(), time(23, 59), tzinfo=ZoneInfo(region.timezone))
            deadline = day
        actor = await publishing_actor(session, args.actor, None)
        post = await create_post(session, runtime.urls, actor, PostInput(
            kind=args.kind, title=args.title, body_md=body, summary=args.summary or "",
            tags=tuple(args.tag), contract=args.contract, call_kind=args.call_kind,
            deadline=deadline, link_url=args.link, attachments=tuple(args.attachment),
        ))
        print(f"Publication créée : {post.title} — {post.uri}")
    return 0
