"""Running an instance: ``echofed serve``, ``worker``, ``db upgrade|current`` and ``demo seed``.

In demo mode (``ECHOFED_DEMO``, on by default) ``serve`` first fills an empty database with
the demonstration region, as ``demo seed`` does on demand.
"""

from __future__ import annotations

import argparse
import os
import sys

from echofed.runtime import open_runtime, run_async
from echofed.settings import Settings


async def _seed_demo(settings: Settings) -> None:
    from echofed.services.demo import seed_if_empty

    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        seeded = await seed_if_empty(session, runtime.urls)
    if seeded:
        print(f"Région de démonstration créée : {seeded}", file=sys.stderr)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if settings.demo:
        run_async(_seed_demo(settings))

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


async def cmd_demo_seed(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.demo import seed_if_empty

    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        seeded = await seed_if_empty(session, runtime.urls)
    print(f"Région de démonstration créée : {seeded}" if seeded else "Base non vide : rien à faire.")
    return 0
