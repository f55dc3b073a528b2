"""All tables of echofed, importable from one place (Alembic's metadata comes from here)."""

from storage.tables.accounts import Account, ApiToken, MemberRole, Membership
from storage.tables.actors import Actor, ActorKind
from storage.tables.content import (
    Event,
    EventStatus,
    JoinMode,
    Place,
    Post,
    PostKind,
    Visibility,
)
from storage.tables.federation import (
    Delivery,
    DeliveryState,
    DomainHealth,
    Fanout,
    FanoutState,
    InboxItem,
    InboxState,
    OutboxActivity,
)
from storage.tables.moderation import Block, Report, ReportState
from storage.tables.region import Region
from storage.tables.social import Follow, FollowState, Interaction, InteractionKind

__all__ = [
    "Account",
    "Actor",
    "ActorKind",
    "ApiToken",
    "Block",
    "Delivery",
    "DeliveryState",
    "DomainHealth",
    "Event",
    "EventStatus",
    "Fanout",
    "FanoutState",
    "Follow",
    "FollowState",
    "InboxItem",
    "InboxState",
    "Interaction",
    "InteractionKind",
    "JoinMode",
    "MemberRole",
    "Membership",
    "OutboxActivity",
    "Place",
    "Post",
    "PostKind",
    "Region",
    "Report",
    "ReportState",
    "Visibility",
]
