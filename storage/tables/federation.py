"""Federation as rows with explicit states.

Inbound: ``InboxItem`` received → processed | ignored | failed.
Outbound (transactional outbox): ``OutboxActivity`` holds the payload once; ``Fanout`` expands
its audience (pending → done) into ``Delivery`` rows, one per inbox (pending → delivered |
failed | parked). Queues only schedule; these rows are the truth.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import JSONType, UTCDateTime, utcnow


class InboxState(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    IGNORED = "ignored"
    FAILED = "failed"


class InboxItem(SQLModel, table=True):
    __tablename__ = "inbox_item"

    id: int | None = Field(default=None, primary_key=True)
    activity_id: str = Field(sa_type=String(500), unique=True)
    type: str = Field(sa_type=String(40))
    actor_uri: str = Field(sa_type=String(500), index=True)
    key_id: str = Field(default="", sa_type=String(600))
    recipient_id: int | None = Field(default=None, foreign_key="actor.id")
    body: dict[str, Any] = Field(sa_type=JSONType)
    state: str = Field(default=InboxState.RECEIVED, sa_type=String(16), index=True)
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=Text)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxActivity(SQLModel, table=True):
    __tablename__ = "outbox_activity"

    id: int | None = Field(default=None, primary_key=True)
    uri: str = Field(sa_type=String(500), unique=True)
    type: str = Field(sa_type=String(40))
    actor_id: int = Field(foreign_key="actor.id", index=True)
    object_uri: str | None = Field(default=None, sa_type=String(500), index=True)
    public: bool = True
    payload: dict[str, Any] = Field(sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FanoutState(StrEnum):
    PENDING = "pending"
    DONE = "done"


class Fanout(SQLModel, table=True):
    """Who an activity goes to, written with it; expanded later into deliveries."""

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="outbox_activity.id", index=True, ondelete="CASCADE")
    followers_of: int | None = Field(default=None, foreign_key="actor.id")
    inboxes: list[str] = Field(default_factory=list, sa_type=JSONType)
    actor_uris: list[str] = Field(default_factory=list, sa_type=JSONType)
    cursor: int = 0
    state: str = Field(default=FanoutState.PENDING, sa_type=String(16), index=True)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    PARKED = "parked"


class Delivery(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("activity_id", "inbox"),
        Index("ix_delivery_due", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="outbox_activity.id", index=True, ondelete="CASCADE")
    inbox: str = Field(sa_type=String(500))
    host: str = Field(sa_type=String(255), index=True)
    state: str = Field(default=DeliveryState.PENDING, sa_type=String(16))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DomainHealth(SQLModel, table=True):
    __tablename__ = "domain_health"

    host: str = Field(sa_type=String(255), primary_key=True)
    available: bool = True
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consecutive_failures: int = 0
    last_probe_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
