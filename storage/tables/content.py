"""What the platform exists for: places and venues, events, and publications (articles,
resources, job offers, calls for projects).

Times are UTC instants plus the IANA zone the event happens in; coordinates are copied onto the
event so the agenda and the map read one table.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text, text
from sqlmodel import Field, SQLModel

from storage.columns import JSONType, UTCDateTime, utcnow


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"
    TENTATIVE = "tentative"


class JoinMode(StrEnum):
    FREE = "free"
    RESTRICTED = "restricted"
    EXTERNAL = "external"


class Visibility(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    FOLLOWERS = "followers"


class PostKind(StrEnum):
    ARTICLE = "article"
    RESOURCE = "resource"
    JOB_OFFER = "job_offer"
    CALL = "call"
    NOTE = "note"


class Place(SQLModel, table=True):
    """A place: a venue with a page of its own, or the ad-hoc location of one event."""

    __table_args__ = (Index("ix_place_lat_lon", "latitude", "longitude"),)

    id: int | None = Field(default=None, primary_key=True)
    uri: str | None = Field(default=None, sa_type=String(500), unique=True)
    actor_id: int | None = Field(default=None, foreign_key="actor.id", index=True)
    is_venue: bool = False
    name: str = Field(default="", sa_type=String(300))
    street: str = Field(default="", sa_type=String(300))
    postcode: str = Field(default="", sa_type=String(20))
    city: str = Field(default="", sa_type=String(120), index=True)
    region: str = Field(default="", sa_type=String(120))
    country: str = Field(default="", sa_type=String(60))
    latitude: float | None = None
    longitude: float | None = None
    description: str = Field(default="", sa_type=Text)
    opening_hours: str = Field(default="", sa_type=Text)
    url: str | None = Field(default=None, sa_type=String(500))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Event(SQLModel, table=True):
    __table_args__ = (
        # The agenda reads events not yet ended in two index ranges that can stop early (see
        # storage.queries.agenda): upcoming ones in (starts_at, id) order, with the coordinates
        # so the map's box is tested inside the index, and the few already running by ends_at.
        Index(
            "ix_event_agenda",
            "starts_at",
            "id",
            "latitude",
            "longitude",
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index(
            "ix_event_running",
            "ends_at",
            "starts_at",
            "id",
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_event_lat_lon", "latitude", "longitude"),
        Index("ix_event_updated_at", "updated_at"),
        Index("ix_event_published_at", "published_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uri: str = Field(sa_type=String(500), unique=True, index=True)
    url: str | None = Field(default=None, sa_type=String(500))
    actor_id: int = Field(foreign_key="actor.id", index=True)
    local: bool = Field(default=True, index=True)
    origin_domain: str = Field(sa_type=String(255), index=True)
    title: str = Field(sa_type=String(300))
    summary: str = Field(default="", sa_type=Text)
    content_html: str = Field(default="", sa_type=Text)
    source_md: str | None = Field(default=None, sa_type=Text)
    language: str = Field(default="fr", sa_type=String(16))
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    timezone: str = Field(default="Europe/Paris", sa_type=String(64))
    all_day: bool = False
    place_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    latitude: float | None = None
    longitude: float | None = None
    city: str | None = Field(default=None, sa_type=String(120), index=True)
    online_url: str | None = Field(default=None, sa_type=String(500))
    category: str | None = Field(default=None, sa_type=String(40), index=True)
    tags: list[str] = Field(default_factory=list, sa_type=JSONType)
    audience: list[str] = Field(default_factory=list, sa_type=JSONType)
    price: str | None = Field(default=None, sa_type=String(120))
    is_free: bool = True
    accessibility: str = Field(default="", sa_type=Text)
    image_url: str | None = Field(default=None, sa_type=String(500))
    image_alt: str = Field(default="", sa_type=String(500))
    capacity: int | None = None
    join_mode: str = Field(default=JoinMode.FREE, sa_type=String(16))
    registration_url: str | None = Field(default=None, sa_type=String(500))
    status: str = Field(default=EventStatus.SCHEDULED, sa_type=String(16), index=True)
    visibility: str = Field(default=Visibility.PUBLIC, sa_type=String(16))
    comments_enabled: bool = True
    recurrence_rule: str | None = Field(default=None, sa_type=String(300))
    series_uri: str | None = Field(default=None, sa_type=String(500), index=True)
    raw: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Post(SQLModel, table=True):
    """Articles, resources, job offers and calls for projects or volunteers."""

    __table_args__ = (Index("ix_post_kind_published", "kind", "deleted_at", "published_at"),)

    id: int | None = Field(default=None, primary_key=True)
    uri: str = Field(sa_type=String(500), unique=True, index=True)
    url: str | None = Field(default=None, sa_type=String(500))
    actor_id: int = Field(foreign_key="actor.id", index=True)
    local: bool = Field(default=True, index=True)
    origin_domain: str = Field(sa_type=String(255), index=True)
    kind: str = Field(default=PostKind.ARTICLE, sa_type=String(16))
    title: str = Field(default="", sa_type=String(300))
    summary: str = Field(default="", sa_type=Text)
    content_html: str = Field(default="", sa_type=Text)
    source_md: str | None = Field(default=None, sa_type=Text)
    language: str = Field(default="fr", sa_type=String(16))
    tags: list[str] = Field(default_factory=list, sa_type=JSONType)
    image_url: str | None = Field(default=None, sa_type=String(500))
    image_alt: str = Field(default="", sa_type=String(500))
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    place_id: int | None = Field(default=None, foreign_key="place.id")
    contract: str | None = Field(default=None, sa_type=String(60))
    call_kind: str | None = Field(default=None, sa_type=String(20))
    deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    link_url: str | None = Field(default=None, sa_type=String(500))
    in_reply_to: str | None = Field(default=None, sa_type=String(500), index=True)
    raw: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
