"""What every entry point (web app, CLI, worker) opens first: engine, sessions, URLs.

The public origin comes from ``ECHOFED_BASE_URL`` when set, else from the region row
(``echofed region set --base-url``), else the development default.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.metadata import version
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.settings import DEFAULT_BASE_URL, Settings
from federation.client import ClientPolicy, RemoteClient
from federation.context import Federation, FederationConfig, Scheduler
from federation.urls import Urls
from storage.columns import utcnow
from storage.engine import make_engine, make_sessionmaker
from storage.queries.regions import get_region


def run_async(main: Coroutine[Any, Any, Any]) -> Any:
    """Run a command's coroutine to completion, on uvloop where it is installed (as uvicorn does
    for ``serve``): a worker spends much of its time in the event loop's transports, which
    uvloop runs in C."""
    try:
        import uvloop
    except ImportError:  # not on every platform: the standard loop does the same, slower
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    urls: Urls


async def resolve_base_url(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> str:
    if settings.base_url:
        return settings.base_url
    try:
        async with sessions() as session:
            region = await get_region(session)
    except (OperationalError, ProgrammingError, DBAPIError):
        region = None  # not migrated yet
    if region is not None and region.base_url:
        return region.base_url
    return DEFAULT_BASE_URL


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    sessions = make_sessionmaker(engine)
    try:
        base = await resolve_base_url(settings, sessions)
        yield Runtime(settings=settings, engine=engine, sessions=sessions, urls=Urls(base))
    finally:
        await engine.dispose()


def federation_config(settings: Settings) -> FederationConfig:
    return FederationConfig(
        allow_private_addresses=settings.allow_private_addresses,
        authorized_fetch=settings.authorized_fetch,
        max_inbox_bytes=settings.max_inbox_bytes,
        signature_max_age=timedelta(seconds=settings.signature_max_age),
        remote_actor_ttl=timedelta(seconds=settings.remote_actor_ttl),
        domain_unavailable_after=timedelta(hours=settings.domain_unavailable_after),
        delivery_slots=settings.worker_concurrency,
    )


def client_policy(settings: Settings, urls: Urls) -> ClientPolicy:
    return ClientPolicy(
        allow_private=settings.allow_private_addresses,
        timeout=settings.delivery_timeout,
        max_body_bytes=settings.max_fetch_bytes,
        user_agent=f"echofed/{version('echofed')} (+{urls.base}/)",
        connections_per_host=settings.delivery_concurrency_per_host,
    )


@asynccontextmanager
async def federation_for(
    runtime: Runtime, scheduler: Scheduler, *, clock: Callable[[], datetime] = utcnow,
    transport: Any = None,
) -> AsyncIterator[Federation]:
    """The federation value for this process: client, scheduler, clock; instance actor ensured."""
    from echofed.services.region import ensure_instance_actor

    try:
        async with runtime.sessions() as session, session.begin():
            await ensure_instance_actor(session, runtime.urls)
    except (DBAPIError, OSError) as exc:  # the health check will say the database is down
        logging.getLogger(__name__).error("database unavailable at start-up", extra={"error": repr(exc)})
    client = RemoteClient(client_policy(runtime.settings, runtime.urls), transport=transport)
    try:
        yield Federation(
            config=federation_config(runtime.settings),
            urls=runtime.urls,
            sessions=runtime.sessions,
            client=client,
            scheduler=scheduler,
            clock=clock,
        )
    finally:
        await client.aclose()
