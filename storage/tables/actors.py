"""Actors, local and remote.

A local actor has a key pair and belongs to an account (a person) or to members (an
organisation or group); a remote actor is a cached copy of another server's document, with its
public key and endpoints, refreshed on a schedule.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import JSONType, UTCDateTime, utcnow


class ActorKind(StrEnum):
    PERSON = "Person"
    ORGANIZATION = "Organization"
    GROUP = "Group"
    APPLICATION = "Application"
    SERVICE = "Service"


class Actor(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("username", "domain"),)

    id: int | None = Field(default=None, primary_key=True)
    uri: str = Field(sa_type=String(500), unique=True, index=True)
    kind: str = Field(default=ActorKind.PERSON, sa_type=String(20))
    username: str = Field(sa_type=String(100))
    domain: str = Field(sa_type=String(255), index=True)
    local: bool = Field(default=False, index=True)
    name: str = Field(default="", sa_type=String(300))
    summary: str = Field(default="", sa_type=Text)
    icon_url: str | None = Field(default=None, sa_type=String(500))
    url: str | None = Field(default=None, sa_type=String(500))
    inbox: str = Field(sa_type=String(500))
    outbox: str | None = Field(default=None, sa_type=String(500))
    shared_inbox: str | None = Field(default=None, sa_type=String(500))
    followers_url: str | None = Field(default=None, sa_type=String(500))
    following_url: str | None = Field(default=None, sa_type=String(500))
    public_key_id: str | None = Field(default=None, sa_type=String(600), index=True)
    public_key_pem: str | None = Field(default=None, sa_type=Text)
    private_key_pem: str | None = Field(default=None, sa_type=Text)
    manually_approves_followers: bool = False
    discoverable: bool = True
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    city: str | None = Field(default=None, sa_type=String(120))
    website: str | None = Field(default=None, sa_type=String(500))
    moved_to: str | None = Field(default=None, sa_type=String(500))
    raw: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def handle(self) -> str:
        return f"@{self.username}@{self.domain}"
