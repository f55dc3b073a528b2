"""The region this instance serves: a single row, configured by the operator."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime, utcnow


class Region(SQLModel, table=True):
    id: int = Field(default=1, primary_key=True)
    name: str = Field(sa_type=String(200))
    description: str = ""
    base_url: str | None = Field(default=None, sa_type=String(300))
    timezone: str = Field(default="Europe/Paris", sa_type=String(64))
    language: str = Field(default="fr", sa_type=String(16))
    center_lat: float = 48.7
    center_lon: float = 6.2
    zoom: int = 8
    bounds_south: float = 47.4
    bounds_west: float = 3.3
    bounds_north: float = 50.2
    bounds_east: float = 8.3
    instance_actor_id: int | None = Field(default=None, foreign_key="actor.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
