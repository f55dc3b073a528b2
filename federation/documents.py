"""Our rows as ActivityStreams documents (row → vocab dataclass → JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from federation.urls import Urls
from federation.vocab.actors import ActorData, actor_to_json
from federation.vocab.events import EventData, event_to_json
from federation.vocab.jsonld import PUBLIC
from federation.vocab.objects import PlaceData, PostData, post_to_json, tombstone_to_json
from storage.tables import Actor, Event, Place, Post


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


def place_data_of(place: Place | None) -> PlaceData | None:
    if place is None:
        return None
    return PlaceData(
        id=place.uri,
        name=place.name,
        street=place.street,
        postcode=place.postcode,
        city=place.city,
        region=place.region,
        country=place.country,
        latitude=place.latitude,
        longitude=place.longitude,
        url=place.url,
        opening_hours=place.opening_hours,
    )


def audience_of(actor: Actor, visibility: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    followers = (actor.followers_url,) if actor.followers_url else ()
    if visibility == "public":
        return (PUBLIC,), followers
    if visibility == "unlisted":
        return followers, (PUBLIC,)
    return followers, ()


def event_data_of(
    event: Event, actor: Actor, place: Place | None, *, participant_count: int = 0
) -> EventData:
    to, cc = audience_of(actor, event.visibility)
    return EventData(
        id=event.uri,
        url=event.url,
        attributed_to=actor.uri,
        title=event.title,
        content_html=event.content_html,
        language=event.language,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        all_day=event.all_day,
        place=place_data_of(place),
        online_url=event.online_url,
        category=event.category,
        tags=tuple(event.tags),
        image_url=event.image_url,
        image_alt=event.image_alt,
        capacity=event.capacity,
        participant_count=participant_count,
        join_mode=event.join_mode,  # type: ignore[arg-type]
        registration_url=event.registration_url,
        status=event.status,  # type: ignore[arg-type]
        comments_enabled=event.comments_enabled,
        published=event.published_at,
        updated=event.updated_at,
        to=to,
        cc=cc,
    )


def event_document(
    event: Event, actor: Actor, place: Place | None, urls: Urls, *, participant_count: int = 0
) -> dict[str, Any]:
    data = event_data_of(event, actor, place, participant_count=participant_count)
    return event_to_json(data, tag_base_url=f"{urls.base}/tags")


def post_data_of(post: Post, actor: Actor, place: Place | None) -> PostData:
    to, cc = audience_of(actor, "public")
    return PostData(
        id=post.uri,
        url=post.url,
        attributed_to=actor.uri,
        kind=post.kind,  # type: ignore[arg-type]
        title=post.title,
        summary=post.summary,
        content_html=post.content_html,
        language=post.language,
        tags=tuple(post.tags),
        image_url=post.image_url,
        image_alt=post.image_alt,
        attachments=tuple(a["url"] for a in post.attachments if a.get("url")),
        contract=post.contract,
        call_kind=post.call_kind,
        deadline=post.deadline,
        link_url=post.link_url,
        place=place_data_of(place),
        in_reply_to=post.in_reply_to,
        published=post.published_at,
        updated=post.updated_at,
        to=to,
        cc=cc,
    )


def post_document(post: Post, actor: Actor, place: Place | None, urls: Urls) -> dict[str, Any]:
    return post_to_json(post_data_of(post, actor, place), tag_base_url=f"{urls.base}/tags")


def tombstone_document(uri: str, former_type: str, deleted: datetime) -> dict[str, Any]:
    return tombstone_to_json(uri, former_type, deleted)
