"""What federation code needs from the outside world, passed in as one value.

Nothing here reads the environment: the composition root builds a :class:`Federation` from the
settings. The clock is a function so tests can advance time instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from federation.cache import RecentDocuments
from federation.urls import Urls

if TYPE_CHECKING:
    from federation.client import RemoteClient


class Scheduler(Protocol):
    """Schedules a job; the database rows stay the truth (a sweep re-queues lost jobs)."""

    async def enqueue(
        self, job: str, *args: Any, key: str | None = None, defer_until: datetime | None = None
    ) -> None: ...


@dataclass(frozen=True)
class FederationConfig:
    allow_private_addresses: bool = False
    authorized_fetch: bool = False
    max_inbox_bytes: int = 1024 * 1024
    signature_max_age: timedelta = timedelta(hours=12)
    signature_max_future: timedelta = timedelta(hours=1)
    remote_actor_ttl: timedelta = timedelta(days=1)
    domain_unavailable_after: timedelta = timedelta(days=7)
    probe_interval: timedelta = timedelta(hours=1)
    max_delivery_attempts: int = 16
    fanout_batch: int = 5000  # follows read per expansion transaction (100,000 followers: 20 of them)
    lease: timedelta = timedelta(minutes=2)
    delivery_slots: int = 32  # deliveries in flight at once in one process


@dataclass(frozen=True)
class Federation:
    config: FederationConfig
    urls: Urls
    sessions: async_sessionmaker[AsyncSession]
    client: RemoteClient
    scheduler: Scheduler
    clock: Callable[[], datetime]
    documents: RecentDocuments = field(default_factory=RecentDocuments)
