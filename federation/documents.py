"""Our rows as ActivityStreams documents (row → vocab dataclass → JSON)."""

from __future__ import annotations

from typing import Any

from federation.urls import Urls
from federation.vocab.actors import ActorData, actor_to_json
from storage.tables import Actor


def actor_data_of(actor: Actor) -> ActorData:
    return ActorData(
        id=actor.uri,
        type=actor.kind,
        preferred_username=actor.username,
        name=actor.name,
        summary_html=actor.summary,
        inbox=actor.inbox,
        outbox=actor.outbox,
        followers=actor.followers_url,
        following=actor.following_url,
        shared_inbox=actor.shared_inbox,
        key_id=actor.public_key_id,
        public_key_pem=actor.public_key_pem,
        url=actor.url,
        icon_url=actor.icon_url,
        manually_approves_followers=actor.manually_approves_followers,
        discoverable=actor.discoverable,
        published=actor.created_at.isoformat().replace("+00:00", "Z"),
    )


def actor_document(actor: Actor, urls: Urls) -> dict[str, Any]:
    return actor_to_json(actor_data_of(actor))
