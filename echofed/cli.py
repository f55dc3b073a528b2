"""The ``echofed`` command line: serve, worker, db, region, account, actor, event, demo.

Every command exits non-zero on failure with a one-line message on stderr; ``--help`` on each
explains its options.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from echofed.errors import EchofedError, Invalid
from echofed.runtime import Runtime, open_runtime
from echofed.settings import Settings, SettingsError, load_settings

Handler = Callable[[argparse.Namespace, Settings], Awaitable[int] | int]


class CliError(Exception):
    """A failure to report on stderr with exit status 1."""


def _floats(text: str, count: int, name: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {count} nombres séparés par des virgules")
    if len(values) != count:
        raise argparse.ArgumentTypeError(f"{name}: {count} nombres séparés par des virgules")
    return values


def _center(text: str) -> tuple[float, ...]:
    return _floats(text, 2, "--center LAT,LON")


def _bounds(text: str) -> tuple[float, ...]:
    return _floats(text, 4, "--bounds SUD,OUEST,NORD,EST")


# --- commands -------------------------------------------------------------------------------


async def _seed_demo(settings: Settings) -> None:
    from echofed.services.demo import seed_if_empty

    async with open_runtime(settings) as runtime:
        async with runtime.sessions() as session, session.begin():
            seeded = await seed_if_empty(session, runtime.urls)
    if seeded:
        print(f"Région de démonstration créée : {seeded}", file=sys.stderr)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if settings.demo:
        asyncio.run(_seed_demo(settings))

    workers = args.workers or settings.web_concurrency
    uvicorn.run(
        "echofed.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers if workers > 1 else None,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=5,  # open live-map streams must not hold a restart
    )
    return 0


async def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.worker import run_worker

    return await run_worker(settings, burst=args.burst)


async def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import current_revision, upgrade

    async with open_runtime(settings) as runtime:
        await upgrade(runtime.engine, args.revision)
        print(f"Base de données à jour (révision {await current_revision(runtime.engine)}).")
    return 0


async def cmd_db_current(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import current_revision, head_revision

    async with open_runtime(settings) as runtime:
        current = await current_revision(runtime.engine)
    head = head_revision()
    print(f"actuelle : {current or 'aucune'} ; dernière : {head}")
    return 0 if current == head else 1


def _print_region(region: Any, runtime: Runtime) -> None:
    print(f"nom          : {region.name}")
    print(f"description  : {region.description}")
    print(f"adresse      : {runtime.urls.base}")
    print(f"fuseau       : {region.timezone}")
    print(f"centre       : {region.center_lat},{region.center_lon} (zoom {region.zoom})")
    print(
        f"limites      : {region.bounds_south},{region.bounds_west},"
        f"{region.bounds_north},{region.bounds_east}"
    )


async def cmd_region_show(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.region import ensure_region

    async with open_runtime(settings) as runtime:
        async with runtime.sessions() as session:
            region = await ensure_region(session)
            _print_region(region, runtime)
    return 0


async def cmd_region_set(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.region import RegionChanges, update_region

    changes = RegionChanges(
        name=args.name,
        description=args.description,
        base_url=args.base_url,
        timezone=args.timezone,
        center=tuple(args.center) if args.center else None,  # type: ignore[arg-type]
        zoom=args.zoom,
        bounds=tuple(args.bounds) if args.bounds else None,  # type: ignore[arg-type]
    )
    if args.base_url is not None:
        from echofed.settings import Settings as _S

        _S(base_url=args.base_url)  # same validation as ECHOFED_BASE_URL
    async with open_runtime(settings) as runtime:
        async with runtime.sessions() as session, session.begin():
            region = await update_region(session, changes)
            _print_region(region, runtime)
    return 0


async def cmd_region_home(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.following import set_show_on_home

    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        _, actor = await set_show_on_home(session, runtime.urls, args.target, show=args.on)
    where = "affichés" if args.on else "masqués"
    print(f"Événements de {actor.handle} {where} sur la page d'accueil (toujours dans l'agenda).")
    return 0


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if args.no_password:
        return None
    if not sys.stdin.isatty():
        raise CliError("mot de passe : utilisez --password-stdin ou --no-password")
    first = getpass.getpass("Mot de passe : ")
    if first != getpass.getpass("Confirmez : "):
        raise CliError("les deux mots de passe diffèrent")
    return first


async def cmd_account_create(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.accounts import ActorInput, create_account, create_actor

    password = _read_password(args)
    async with open_runtime(settings) as runtime:
        async with runtime.sessions() as session, session.begin():
            account = await create_account(
                session,
                email=args.email,
                password=password,
                display_name=args.name or "",
                is_admin=args.admin,
            )
            line = f"Compte créé : {account.email}"
            if args.username:
                actor = await create_actor(
                    session,
                    runtime.urls,
                    ActorInput(username=args.username, name=args.name or "", owner_email=args.email),
                )
                line += f" (profil {actor.handle})"
    print(line)
    return 0


async def cmd_account_approve(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.tokens import approve_account

    async with open_runtime(settings) as runtime:
        async with runtime.sessions() as session, session.begin():
            account = await approve_account(session, args.email)
    print(f"Compte approuvé : {account.email}")
    return 0


async def cmd_account_pending(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.tokens import pending_accounts

    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        accounts = await pending_accounts(session)
    if not accounts:
        print("Aucun compte en attente.")
    for account in accounts:
        print(f"{account.email}\t{account.display_name}\t{account.created_at:%Y-%m-%d %H:%M}")
    return 0


def _member(text: str) -> tuple[str, str]:
    email, _, role = text.partition(":")
    return email.strip(), (role.strip() or "editor")


async def cmd_actor_create(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.accounts import ActorInput, create_actor

    data = ActorInput(
        username=args.username,
        kind=args.type,
        name=args.name or "",
        summary_md=args.summary or "",
        city=args.city,
        website=args.website,
        manually_approves_followers=args.manual_approval,
        owner_email=args.owner,
        members=[_member(m) for m in args.member],
    )
    async with open_runtime(settings) as runtime:
        async with runtime.sessions() as session, session.begin():
            actor = await create_actor(session, runtime.urls, data)
            print(f"{actor.kind} créé : {actor.handle} — {actor.uri}")
    return 0


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
    async with open_runtime(settings) as runtime:
        async with runtime.sessions() as session, session.begin():
            region = await ensure_region(session)
            actor = await publishing_actor(session, username, None)
            event = await create_event(
                session, runtime.urls, actor, data, default_timezone=region.timezone
            )
            print(f"Événement créé : {event.title} — {event.uri}")
    return 0


async def cmd_deliveries(args: argparse.Namespace, settings: Settings) -> int:
    from storage.queries import federation as rows

    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        counts = await rows.delivery_counts(session)
        retrying = await rows.retrying_count(session)
        oldest = await rows.oldest_pending(session)
        down = await rows.unavailable_domains(session)
        errors = await rows.last_errors(session, limit=args.errors)
        inbox = await rows.inbox_counts(session)
    if args.json:
        print(json.dumps({
            "deliveries": counts, "retrying": retrying,
            "oldest_pending": oldest.isoformat() if oldest else None,
            "unavailable_domains": [d.host for d in down], "inbox": inbox,
            "last_errors": [
                {"id": d.id, "inbox": d.inbox, "status": d.last_status, "error": d.last_error,
                 "attempts": d.attempts, "state": d.state} for d in errors
            ],
        }, ensure_ascii=False, indent=2))
        return 0
    print("Livraisons : " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "aucune")
    print(f"En nouvel essai : {retrying}")
    print(f"Plus ancienne en attente : {oldest.isoformat() if oldest else '—'}")
    print("Domaines indisponibles : " + (", ".join(d.host for d in down) or "aucun"))
    print("Boîte de réception : " + ", ".join(f"{k} {v}" for k, v in sorted(inbox.items())))
    if errors:
        print("Dernières erreurs :")
        for d in errors:
            print(f"  #{d.id} {d.state} {d.inbox} — {d.last_status or '-'} {(d.last_error or '')[:120]}")
    return 0


class _NoScheduler:
    """The CLI only writes rows; the running server's sweep (or arq) picks them up."""

    async def enqueue(self, job: str, *args: Any, key: str | None = None, defer_until: Any = None) -> None:
        return None


async def _with_federation(settings: Settings, work: Callable[[Any, Any], Awaitable[Any]]) -> Any:
    from echofed.jobs import open_arq_scheduler
    from echofed.runtime import federation_for
    from federation.delivery import recorded_fanouts

    scheduler: Any = _NoScheduler()
    if settings.redis_url:
        scheduler = await open_arq_scheduler(settings.redis_url)
    try:
        async with open_runtime(settings) as runtime, federation_for(runtime, scheduler) as fed:
            async with runtime.sessions() as session:
                async with session.begin():
                    result = await work(fed, session)
                for fanout_id in recorded_fanouts(session):
                    await scheduler.enqueue("fanout", fanout_id, key=f"fanout:{fanout_id}")
            return result
    finally:
        if settings.redis_url:
            await scheduler.close()


async def cmd_follow(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.following import follow

    target = args.target[-1]
    if len(args.target) == 2 and args.target[0] not in ("region", "relay"):
        raise CliError(
            "usage : echofed follow @compte@hôte --as ACTEUR, echofed follow region URL, "
            "ou echofed follow relay URL"
        )
    if len(args.target) > 2:
        raise CliError("une seule cible à la fois")

    async def work(fed: Any, session: Any) -> Any:
        username = args.as_actor
        if args.target[0] in ("region", "relay") or username is None:
            username = fed.urls.host
        if args.target[0] == "relay" and len(args.target) == 2:
            from echofed.services.following import follow_relay

            return await follow_relay(fed, session, target)
        if args.target[0] == "region":
            from echofed.services.following import follow_region

            return await follow_region(fed, session, target)
        return await follow(fed, session, username, target)

    record = await _with_federation(settings, work)
    print(f"Demande d'abonnement envoyée ({record.state}) : {record.uri}")
    return 0


async def cmd_unfollow(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.following import unfollow

    async def work(fed: Any, session: Any) -> None:
        await unfollow(fed, session, args.as_actor or fed.urls.host, args.target)

    await _with_federation(settings, work)
    print(f"Désabonnement envoyé : {args.target}")
    return 0


async def cmd_requests_list(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.following import follow_requests

    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        username = args.as_actor or runtime.urls.host
        pending = await follow_requests(session, username)
    if not pending:
        print("Aucune demande en attente.")
    for record, actor in pending:
        print(f"{actor.uri}\t{actor.handle}\t{record.created_at:%Y-%m-%d %H:%M}")
    return 0


async def _decide(args: argparse.Namespace, settings: Settings, accept: bool) -> int:
    from echofed.services.following import decide_request

    async def work(fed: Any, session: Any) -> Any:
        return await decide_request(
            fed, session, args.as_actor or fed.urls.host, args.follower, accept=accept
        )

    await _with_federation(settings, work)
    print(("Abonnement accepté : " if accept else "Abonnement refusé : ") + args.follower)
    return 0


async def cmd_requests_approve(args: argparse.Namespace, settings: Settings) -> int:
    return await _decide(args, settings, True)


async def cmd_requests_reject(args: argparse.Namespace, settings: Settings) -> int:
    return await _decide(args, settings, False)


async def cmd_event_status(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.publishing import set_event_status

    status = {"cancel": "cancelled", "postpone": "postponed", "confirm": "scheduled"}[args.event_command]

    async def work(fed: Any, session: Any) -> Any:
        return await set_event_status(session, fed.urls, args.uri, status)

    event = await _with_federation(settings, work)
    print(f"Événement {event.status} : {event.uri}")
    return 0


async def cmd_event_delete(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.publishing import delete_event

    async def work(fed: Any, session: Any) -> Any:
        return await delete_event(session, fed.urls, args.uri)

    event = await _with_federation(settings, work)
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

    event = await _with_federation(settings, work)
    print(f"Événement mis à jour : {event.uri}")
    return 0


async def cmd_interact(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services import interacting

    async def work(fed: Any, session: Any) -> Any:
        username = args.as_actor
        if args.command == "reply":
            return await interacting.reply(fed, session, username, args.uri, args.text)
        action = {"like": interacting.like, "boost": interacting.boost,
                  "join": interacting.join, "leave": interacting.leave}[args.command]
        return await action(fed, session, username, args.uri)

    activity = await _with_federation(settings, work)
    print(f"{activity.type} envoyé : {activity.uri}")
    return 0


async def cmd_venue_create(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.publishing import PlaceInput, publishing_actor
    from echofed.services.venues import VenueInput, create_venue

    data = VenueInput(
        place=PlaceInput(name=args.name, street=args.address or "", postcode=args.postcode or "",
                         city=args.city or "", latitude=args.lat, longitude=args.lon),
        description_md=args.description or "", opening_hours=args.opening_hours or "", url=args.url,
    )
    async with open_runtime(settings) as runtime:
        async with runtime.sessions() as session, session.begin():
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
    async with open_runtime(settings) as runtime:
        async with runtime.sessions() as session, session.begin():
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


async def cmd_demo_seed(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.demo import seed_if_empty

    async with open_runtime(settings) as runtime:
        async with runtime.sessions() as session, session.begin():
            seeded = await seed_if_empty(session, runtime.urls)
    print(f"Région de démonstration créée : {seeded}" if seeded else "Base non vide : rien à faire.")
    return 0


# --- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="echofed",
        description="Serveur ActivityPub fédéré pour la culture scientifique régionale.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)

    serve = sub.add_parser("serve", help="servir le site et la fédération (HTTP)")
    serve.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port d'écoute (8000)")
    serve.add_argument("--workers", type=int, default=0, help="processus web (ECHOFED_WEB_CONCURRENCY)")
    serve.set_defaults(handler=cmd_serve)

    worker = sub.add_parser("worker", help="traiter les tâches (arq sur Redis, ECHOFED_REDIS_URL)")
    worker.add_argument("--burst", action="store_true", help="s'arrêter quand la file est vide")
    worker.set_defaults(handler=cmd_worker)

    db = sub.add_parser("db", help="base de données")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="appliquer les migrations")
    up.add_argument("revision", nargs="?", default="head", help="révision cible (head)")
    up.set_defaults(handler=cmd_db_upgrade)
    db_sub.add_parser("current", help="révision appliquée").set_defaults(handler=cmd_db_current)

    region = sub.add_parser("region", help="voir ou configurer la région")
    region_sub = region.add_subparsers(dest="region_command", metavar="ACTION", required=True)
    region_sub.add_parser("show", help="afficher la configuration").set_defaults(
        handler=cmd_region_show
    )
    rset = region_sub.add_parser("set", help="modifier la configuration")
    rset.add_argument("--name", help="nom de la région")
    rset.add_argument("--description", help="présentation courte")
    rset.add_argument("--base-url", help="origine publique, ex. https://grandest.example")
    rset.add_argument("--timezone", help="fuseau IANA, ex. Europe/Paris")
    rset.add_argument("--center", type=_center, help="centre de la carte LAT,LON")
    rset.add_argument("--zoom", type=int, help="zoom initial de la carte (1-18)")
    rset.add_argument("--bounds", type=_bounds, help="emprise SUD,OUEST,NORD,EST")
    rset.set_defaults(handler=cmd_region_set)
    rhome = region_sub.add_parser(
        "home", help="montrer ou non les événements d'une région suivie sur la page d'accueil"
    )
    rhome.add_argument("target", metavar="CIBLE",
                       help="URL de l'acteur suivi (ou une URL ou @compte@hôte de sa région)")
    shown = rhome.add_mutually_exclusive_group(required=True)
    shown.add_argument("--on", dest="on", action="store_true", help="les montrer (par défaut)")
    shown.add_argument("--off", dest="on", action="store_false",
                       help="les masquer de l'accueil (ils restent dans l'agenda)")
    rhome.set_defaults(handler=cmd_region_home)

    account = sub.add_parser("account", help="comptes")
    account_sub = account.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    acreate = account_sub.add_parser("create", help="créer un compte")
    acreate.add_argument("--email", required=True)
    acreate.add_argument("--name", help="nom affiché")
    acreate.add_argument("--username", help="créer aussi son profil (Person) sous cet identifiant")
    acreate.add_argument("--admin", action="store_true", help="administrateur de l'instance")
    acreate.add_argument("--password-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard")
    acreate.add_argument("--no-password", action="store_true", help="compte sans mot de passe")
    acreate.set_defaults(handler=cmd_account_create)
    aapprove = account_sub.add_parser("approve", help="approuver un compte en attente (ECHOFED_SIGNUP_APPROVAL)")
    aapprove.add_argument("email")
    aapprove.set_defaults(handler=cmd_account_approve)
    account_sub.add_parser("pending", help="comptes en attente d'approbation").set_defaults(
        handler=cmd_account_pending
    )

    actor = sub.add_parser("actor", help="acteurs (personnes, organisations, groupes)")
    actor_sub = actor.add_subparsers(dest="actor_command", metavar="ACTION", required=True)
    screate = actor_sub.add_parser("create", help="créer un acteur local")
    screate.add_argument("--username", required=True, help="identifiant (a-z, 0-9, _)")
    screate.add_argument("--type", default="Person", choices=["Person", "Organization", "Group"])
    screate.add_argument("--name", help="nom affiché")
    screate.add_argument("--summary", help="présentation (Markdown)")
    screate.add_argument("--city")
    screate.add_argument("--website")
    screate.add_argument("--owner", metavar="EMAIL", help="compte propriétaire (admin de l'organisation)")
    screate.add_argument("--member", action="append", default=[], metavar="EMAIL[:ROLE]",
                         help="membre (rôle admin, editor ou member ; répétable)")
    screate.add_argument("--manual-approval", action="store_true", help="valider les abonnements à la main")
    screate.set_defaults(handler=cmd_actor_create)

    event = sub.add_parser("event", help="événements")
    event_sub = event.add_subparsers(dest="event_command", metavar="ACTION", required=True)
    ecreate = event_sub.add_parser("create", help="publier un événement")
    ecreate.add_argument("--actor", help="acteur qui publie")
    ecreate.add_argument("--json", metavar="FICHIER", help="lire l'événement depuis un fichier JSON")
    ecreate.add_argument("--title")
    ecreate.add_argument("--start", help="début ISO 8601 (sans décalage : heure du fuseau)")
    ecreate.add_argument("--end", help="fin ISO 8601")
    ecreate.add_argument("--timezone", help="fuseau IANA (par défaut celui de la région)")
    ecreate.add_argument("--all-day", action="store_true")
    ecreate.add_argument("--description", help="description (Markdown)")
    ecreate.add_argument("--description-file", help="description depuis un fichier Markdown")
    ecreate.add_argument("--place-name")
    ecreate.add_argument("--address", help="rue")
    ecreate.add_argument("--postcode")
    ecreate.add_argument("--city")
    ecreate.add_argument("--lat", type=float)
    ecreate.add_argument("--lon", type=float)
    ecreate.add_argument("--online-url")
    ecreate.add_argument("--category")
    ecreate.add_argument("--tag", action="append", default=[])
    ecreate.add_argument("--audience", action="append", default=[])
    ecreate.add_argument("--price")
    ecreate.add_argument("--capacity", type=int)
    ecreate.add_argument("--join-mode", default="free", choices=["free", "restricted", "external"])
    ecreate.add_argument("--registration-url")
    ecreate.add_argument("--venue", metavar="URI", help="lieu à visiter existant (echofed venue create)")
    ecreate.add_argument("--repeat", metavar="RRULE",
                         help="récurrence iCalendar, ex. FREQ=WEEKLY;COUNT=6 (une occurrence = un événement)")
    ecreate.add_argument("--community", metavar="GROUPE", help="communauté thématique qui relaie l'événement")
    ecreate.set_defaults(handler=cmd_event_create)
    eupdate = event_sub.add_parser("update", help="modifier un événement (mêmes options que create)")
    eupdate.add_argument("uri", metavar="URI", help="URL de l'événement")
    for action in ecreate._actions:
        if action.dest in ("help", "actor"):
            continue
        eupdate._add_action(action)
    eupdate.set_defaults(handler=cmd_event_update)

    follow_cmd = sub.add_parser(
        "follow", help="suivre un acteur distant (@compte@hôte ou URL), une région (follow region URL) ou un relais (follow relay URL)"
    )
    follow_cmd.add_argument("target", nargs="+", metavar="CIBLE", help="@compte@hôte, URL d'acteur, « region URL » ou « relay URL »")
    follow_cmd.add_argument("--as", dest="as_actor", metavar="ACTEUR", help="acteur local qui suit (par défaut : l'instance)")
    follow_cmd.set_defaults(handler=cmd_follow)

    unfollow_cmd = sub.add_parser("unfollow", help="ne plus suivre un acteur distant")
    unfollow_cmd.add_argument("target", metavar="CIBLE", help="@compte@hôte ou URL d'acteur")
    unfollow_cmd.add_argument("--as", dest="as_actor", metavar="ACTEUR")
    unfollow_cmd.set_defaults(handler=cmd_unfollow)

    requests = sub.add_parser("follow-requests", help="demandes d'abonnement en attente")
    requests_sub = requests.add_subparsers(dest="requests_command", metavar="ACTION", required=True)
    rlist = requests_sub.add_parser("list", help="lister les demandes")
    rlist.add_argument("--as", dest="as_actor", metavar="ACTEUR", help="acteur suivi (par défaut : l'instance)")
    rlist.set_defaults(handler=cmd_requests_list)
    for name, handler, text in (
        ("approve", cmd_requests_approve, "accepter une demande (envoie Accept)"),
        ("reject", cmd_requests_reject, "refuser une demande (envoie Reject)"),
    ):
        decide = requests_sub.add_parser(name, help=text)
        decide.add_argument("follower", metavar="URL", help="URL de l'acteur qui demande")
        decide.add_argument("--as", dest="as_actor", metavar="ACTEUR")
        decide.set_defaults(handler=handler)

    deliveries = sub.add_parser("deliveries", help="état des livraisons sortantes")
    deliveries.add_argument("--errors", type=int, default=10, help="nombre de dernières erreurs (10)")
    deliveries.add_argument("--json", action="store_true", help="sortie JSON")
    deliveries.set_defaults(handler=cmd_deliveries)

    for name, text in (("cancel", "annuler un événement (Update envoyé)"),
                       ("postpone", "reporter un événement"), ("confirm", "rétablir un événement")):
        status_cmd = event_sub.add_parser(name, help=text)
        status_cmd.add_argument("uri", metavar="URI", help="URL de l'événement")
        status_cmd.set_defaults(handler=cmd_event_status)
    edelete = event_sub.add_parser("delete", help="supprimer un événement (Delete envoyé)")
    edelete.add_argument("uri", metavar="URI")
    edelete.set_defaults(handler=cmd_event_delete)

    for name, text in (
        ("reply", "répondre à un événement ou une publication"),
        ("like", "mettre en favori"), ("boost", "partager (Announce) auprès de ses abonnés"),
        ("join", "participer à un événement"), ("leave", "ne plus participer"),
    ):
        interact = sub.add_parser(name, help=text)
        interact.add_argument("uri", metavar="URI", help="URL de l'objet")
        interact.add_argument("--as", dest="as_actor", required=True, metavar="ACTEUR")
        if name == "reply":
            interact.add_argument("--text", required=True, help="texte (Markdown)")
        interact.set_defaults(handler=cmd_interact)

    venue = sub.add_parser("venue", help="lieux à visiter (musées, jardins, laboratoires…)")
    venue_sub = venue.add_subparsers(dest="venue_command", metavar="ACTION", required=True)
    vcreate = venue_sub.add_parser("create", help="créer un lieu à visiter")
    vcreate.add_argument("--actor", required=True, help="acteur qui gère le lieu")
    vcreate.add_argument("--name", required=True)
    vcreate.add_argument("--address", help="rue")
    vcreate.add_argument("--postcode")
    vcreate.add_argument("--city")
    vcreate.add_argument("--lat", type=float, required=True)
    vcreate.add_argument("--lon", type=float, required=True)
    vcreate.add_argument("--opening-hours", help="horaires d'ouverture (texte)")
    vcreate.add_argument("--description", help="présentation (Markdown)")
    vcreate.add_argument("--url", help="site web")
    vcreate.set_defaults(handler=cmd_venue_create)

    post = sub.add_parser("post", help="articles, ressources, offres d'emploi, appels")
    post_sub = post.add_subparsers(dest="post_command", metavar="ACTION", required=True)
    pcreate = post_sub.add_parser("create", help="publier un article, une ressource, une offre ou un appel")
    pcreate.add_argument("--actor", required=True)
    pcreate.add_argument("--kind", required=True, choices=["article", "resource", "job_offer", "call"])
    pcreate.add_argument("--title", required=True)
    pcreate.add_argument("--summary")
    pcreate.add_argument("--body", help="texte (Markdown)")
    pcreate.add_argument("--body-file")
    pcreate.add_argument("--tag", action="append", default=[])
    pcreate.add_argument("--attachment", action="append", default=[], metavar="URL")
    pcreate.add_argument("--contract", help="offre : type de contrat (CDD, CDI, stage…)")
    pcreate.add_argument("--call-kind", choices=["volunteers", "projects"], help="appel : bénévoles ou projets")
    pcreate.add_argument("--deadline", help="date limite (ISO)")
    pcreate.add_argument("--link", help="lien pour candidater ou participer")
    pcreate.set_defaults(handler=cmd_post_create)

    demo = sub.add_parser("demo", help="région de démonstration")
    demo_sub = demo.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    demo_sub.add_parser("seed", help="remplir une base vide avec la démo").set_defaults(
        handler=cmd_demo_seed
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"echofed: {exc}", file=sys.stderr)
        return 2
    try:
        outcome = args.handler(args, settings)
        if asyncio.iscoroutine(outcome):
            outcome = asyncio.run(outcome)
        return int(outcome)
    except Invalid as exc:
        print(f"echofed: --{exc.field} : {exc.reason}", file=sys.stderr)
    except (EchofedError, CliError) as exc:
        print(f"echofed: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
