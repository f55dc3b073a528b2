"""Accounts (people who sign in) and their memberships in organisation and group actors."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime, utcnow


class MemberRole(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    MEMBER = "member"


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=String(254), unique=True, index=True)
    password_hash: str | None = Field(default=None, sa_type=String(255))
    display_name: str = Field(default="", sa_type=String(200))
    locale: str = Field(default="fr", sa_type=String(16))
    is_admin: bool = False
    is_approved: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    """An account's role in an organisation or group actor."""

    __table_args__ = (UniqueConstraint("account_id", "actor_id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    actor_id: int = Field(foreign_key="actor.id", index=True, ondelete="CASCADE")
    role: str = Field(default=MemberRole.EDITOR, sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    name: str = Field(sa_type=String(100))
    token_digest: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
