"""Talking to other servers: ``echofed follow``, ``unfollow``, ``follow-requests
list|approve|reject``, ``reply``, ``like``, ``boost``, ``join``, ``leave`` and ``deliveries``.

``with_federation`` runs a command's work in one transaction with a federation context; the
fan-outs it recorded are queued on arq after the commit, or, without ``ECHOFED_REDIS_URL``,
left for the running server's sweep to pick up.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from typing import Any

from echofed.cli.errors import CliError
from echofed.runtime import open_runtime
from echofed.settings import Settings


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


async def with_federation(settings: Settings, work: Callable[[Any, Any], Awaitable[Any]]) -> Any:
    """``work(fed, session)`` in one transaction; then its recorded fan-outs are queued."""
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

    record = await with_federation(settings, work)
    print(f"Demande d'abonnement envoyée ({record.state}) : {record.uri}")
    return 0


async def cmd_unfollow(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.following import unfollow

    async def work(fed: Any, session: Any) -> None:
        await unfollow(fed, session, args.as_actor or fed.urls.host, args.target)

    await with_federation(settings, work)
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

    await with_federation(settings, work)
    print(("Abonnement accepté : " if accept else "Abonnement refusé : ") + args.follower)
    return 0


async def cmd_requests_approve(args: argparse.Namespace, settings: Settings) -> int:
    return await _decide(args, settings, True)


async def cmd_requests_reject(args: argparse.Namespace, settings: Settings) -> int:
    return await _decide(args, settings, False)


async def cmd_interact(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services import interacting

    async def work(fed: Any, session: Any) -> Any:
        username = args.as_actor
        if args.command == "reply":
            return await interacting.reply(fed, session, username, args.uri, args.text)
        action = {"like": interacting.like, "boost": interacting.boost,
                  "join": interacting.join, "leave": interacting.leave}[args.command]
        return await action(fed, session, username, args.uri)

    activity = await with_federation(settings, work)
    print(f"{activity.type} envoyé : {activity.uri}")
    return 0
