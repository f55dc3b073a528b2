"""Actors: what we publish about ours, and what we accept about theirs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from federation.html import sanitize
from federation.vocab.jsonld import CONTEXT, as_list, id_of, type_of

ACTOR_TYPES = frozenset({"Person", "Organization", "Group", "Application", "Service"})


class InvalidActor(ValueError):
    """An actor document we cannot use; ``public_message`` is safe to return."""

    def __init__(self, public_message: str) -> None:
        super().__init__(public_message)
        self.public_message = public_message


@dataclass(frozen=True, slots=True)
class ActorData:
    id: str
    type: str
    preferred_username: str
    name: str
    summary_html: str
    inbox: str
    outbox: str | None
    followers: str | None
    following: str | None
    shared_inbox: str | None
    key_id: str | None
    public_key_pem: str | None
    url: str | None
    icon_url: str | None
    manually_approves_followers: bool
    discoverable: bool
    moved_to: str | None = None
    published: str | None = None


def actor_to_json(actor: ActorData, *, with_context: bool = True) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if with_context:
        document["@context"] = CONTEXT
    document.update(
        {
            "id": actor.id,
            "type": actor.type,
            "preferredUsername": actor.preferred_username,
            "name": actor.name,
            "summary": actor.summary_html,
            "url": actor.url,
            "inbox": actor.inbox,
            "outbox": actor.outbox,
            "followers": actor.followers,
            "following": actor.following,
            "endpoints": {"sharedInbox": actor.shared_inbox} if actor.shared_inbox else {},
            "manuallyApprovesFollowers": actor.manually_approves_followers,
            "discoverable": actor.discoverable,
            "indexable": actor.discoverable,
            "publicKey": {
                "id": actor.key_id,
                "owner": actor.id,
                "publicKeyPem": actor.public_key_pem,
            },
        }
    )
    if actor.icon_url:
        document["icon"] = {"type": "Image", "url": actor.icon_url}
    if actor.published:
        document["published"] = actor.published
    return document


def _url_of(value: Any) -> str | None:
    for item in as_list(value):
        if isinstance(item, str):
            return item
        if isinstance(item, dict):
            href = item.get("href") or item.get("url")
            if isinstance(href, str):
                return href
            if isinstance(href, (list, dict)):
                return _url_of(href)
    return None


def _same_host(a: str, b: str) -> bool:
    return urlsplit(a).netloc.lower() == urlsplit(b).netloc.lower()


def parse_actor(document: dict[str, Any]) -> ActorData:
    """Validate a remote actor document (Mastodon, Mobilizon, Pleroma, Misskey, Gancio…).

    The key must belong to the actor (``owner`` when given, same host either way) and the inbox
    must be an http(s) URL.
    """
    actor_id = id_of(document)
    kind = type_of(document)
    if not actor_id or not actor_id.startswith(("https://", "http://")):
        raise InvalidActor("actor without a usable id")
    if kind not in ACTOR_TYPES:
        raise InvalidActor(f"not an actor type: {kind}")
    inbox = document.get("inbox")
    if not isinstance(inbox, str) or not inbox.startswith(("https://", "http://")):
        raise InvalidActor("actor without an inbox")
    username = document.get("preferredUsername")
    if not isinstance(username, str) or not username:
        username = urlsplit(actor_id).path.rstrip("/").rsplit("/", 1)[-1] or actor_id
    key = document.get("publicKey")
    key_id = pem = None
    if isinstance(key, list):
        key = next((k for k in key if isinstance(k, dict)), None)
    if isinstance(key, dict):
        key_id = key.get("id") if isinstance(key.get("id"), str) else None
        pem = key.get("publicKeyPem") if isinstance(key.get("publicKeyPem"), str) else None
        owner = key.get("owner")
        if isinstance(owner, str) and owner != actor_id:
            raise InvalidActor("the public key belongs to another actor")
        if key_id and not _same_host(key_id, actor_id):
            raise InvalidActor("the public key is hosted elsewhere")
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    name = document.get("name")
    summary = document.get("summary")
    moved = document.get("movedTo")
    return ActorData(
        id=actor_id,
        type=kind,
        preferred_username=username[:100],
        name=(name if isinstance(name, str) else "")[:300],
        summary_html=sanitize(summary) if isinstance(summary, str) else "",
        inbox=inbox,
        outbox=document.get("outbox") if isinstance(document.get("outbox"), str) else None,
        followers=id_of(document.get("followers")),
        following=id_of(document.get("following")),
        shared_inbox=shared if isinstance(shared, str) else None,
        key_id=key_id,
        public_key_pem=pem,
        url=_url_of(document.get("url")),
        icon_url=_url_of(document.get("icon")),
        manually_approves_followers=bool(document.get("manuallyApprovesFollowers", False)),
        discoverable=bool(document.get("discoverable", False)),
        moved_to=moved if isinstance(moved, str) else None,
        published=document.get("published") if isinstance(document.get("published"), str) else None,
    )
