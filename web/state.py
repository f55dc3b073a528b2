"""Typed access to what the app factory puts on ``app.state``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from echofed.services.region import ensure_region
from storage.tables import Region


def sessions_of(request: Request) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.runtime.sessions
    return sessions


def templates_of(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def runtime_of(request: Request) -> Any:
    return request.app.state.runtime


async def region_of(session: AsyncSession) -> Region:
    return await ensure_region(session)


async def page_context(request: Request, session: AsyncSession, **extra: Any) -> dict[str, Any]:
    """What every page template needs (region, signed-in account) plus the page's own values."""
    from web.auth import current_account

    context: dict[str, Any] = {
        "region": await region_of(session),
        "account": await current_account(request, session),
    }
    context.update(extra)
    return context
