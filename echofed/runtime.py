"""What every entry point (web app, CLI, worker) opens first: engine, sessions, URLs.

The public origin comes from ``ECHOFED_BASE_URL`` when set, else from the region row
(``echofed region set --base-url``), else the development default.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.settings import DEFAULT_BASE_URL, Settings
from federation.urls import Urls
from storage.engine import make_engine, make_sessionmaker
from storage.queries.regions import get_region


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
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    try:
        base = await resolve_base_url(settings, sessions)
        yield Runtime(settings=settings, engine=engine, sessions=sessions, urls=Urls(base))
    finally:
        await engine.dispose()
