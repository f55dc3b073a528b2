"""All tables of echofed, importable from one place (Alembic's metadata comes from here)."""

from storage.tables.accounts import Account, ApiToken, Membership, MemberRole
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
    "Account", "ApiToken", "Membership", "MemberRole", "Actor", "ActorKind", "Event",
    "EventStatus", "JoinMode", "Place", "Post", "PostKind", "Visibility", "Delivery",
    "DeliveryState", "DomainHealth", "Fanout", "FanoutState", "InboxItem", "InboxState",
    "OutboxActivity", "Block", "Report", "ReportState", "Region", "Follow", "FollowState",
    "Interaction", "InteractionKind",
]
