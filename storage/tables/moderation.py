"""Blocks (of an actor or a whole domain) and reports (local or received as Flag)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from storage.columns import JSONType, UTCDateTime, utcnow


class Block(SQLModel, table=True):
    """An instance-wide block when ``actor_id`` is empty, else one actor's own block."""

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="actor.id", index=True)
    target_uri: str | None = Field(default=None, sa_type=String(500), index=True)
    target_domain: str | None = Field(default=None, sa_type=String(255), index=True)
    reason: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class Report(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    uri: str | None = Field(default=None, sa_type=String(500), unique=True)
    reporter_uri: str = Field(sa_type=String(500))
    target_uri: str = Field(sa_type=String(500), index=True)
    object_uris: list[str] = Field(default_factory=list, sa_type=JSONType)
    content: str = Field(default="", sa_type=Text)
    state: str = Field(default=ReportState.OPEN, sa_type=String(16), index=True)
    raw: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
