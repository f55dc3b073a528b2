"""Follows between actors and interactions with objects (replies, likes, boosts, joins)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from storage.columns import JSONType, UTCDateTime, utcnow


class FollowState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Follow(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("follower_id", "followed_id"),
        # An actor's accepted followers in id order: the fan-out reads them a thousand at a time by
        # keyset, each batch an index range (with followed_id alone, every batch sorted all
        # the followers left: 17-23 s for 100,000 of them).
        Index("ix_follow_followed_state_id", "followed_id", "state", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uri: str = Field(sa_type=String(500), unique=True)
    follower_id: int = Field(foreign_key="actor.id", index=True, ondelete="CASCADE")
    followed_id: int = Field(foreign_key="actor.id", ondelete="CASCADE")
    state: str = Field(default=FollowState.PENDING, sa_type=String(16), index=True)
    show_on_home: bool = True
    # A relay subscription: a Follow of Public, and our public activities go through the relay.
    relay: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InteractionKind(StrEnum):
    REPLY = "reply"
    LIKE = "like"
    ANNOUNCE = "announce"
    JOIN = "join"


class Interaction(SQLModel, table=True):
    """Something a (usually remote) actor did to one of our objects."""

    __table_args__ = (UniqueConstraint("kind", "actor_id", "object_uri", "uri"),)

    id: int | None = Field(default=None, primary_key=True)
    uri: str = Field(sa_type=String(500), unique=True)
    kind: str = Field(sa_type=String(16), index=True)
    actor_id: int = Field(foreign_key="actor.id", index=True, ondelete="CASCADE")
    object_uri: str = Field(sa_type=String(500), index=True)
    state: str = Field(default="accepted", sa_type=String(16))
    content_html: str = Field(default="", sa_type=Text)
    raw: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
