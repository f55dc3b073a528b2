"""Activities we send (builders) and the envelope of activities we receive (parser)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from federation.vocab.jsonld import CONTEXT, PUBLIC, as_list, id_of, type_of


class InvalidActivity(ValueError):
    def __init__(self, public_message: str) -> None:
        super().__init__(public_message)
        self.public_message = public_message


@dataclass(frozen=True, slots=True)
class ActivityData:
    """The envelope every handler needs; the handler reads ``raw`` for the rest."""

    id: str
    type: str
    actor: str
    object_id: str | None
    object_type: str | None
    object: dict[str, Any] | None
    target: str | None
    raw: dict[str, Any]

    @property
    def actor_host(self) -> str:
        return host_of(self.actor)


def host_of(uri: str) -> str:
    return urlsplit(uri).netloc.lower()


def parse_activity(document: Any) -> ActivityData:
    """Check the envelope of a received activity: id, type, actor, object reference."""
    if not isinstance(document, dict):
        raise InvalidActivity("an activity must be a JSON object")
    activity_id = id_of(document)
    kind = type_of(document)
    actor = id_of(document.get("actor"))
    if not activity_id or not activity_id.startswith(("https://", "http://")):
        raise InvalidActivity("activity without an http(s) id")
    if not kind:
        raise InvalidActivity("activity without a type")
    if not actor or not actor.startswith(("https://", "http://")):
        raise InvalidActivity("activity without an actor")
    if len(activity_id) > 500 or len(actor) > 500:
        raise InvalidActivity("identifier too long")
    raw_object = document.get("object")
    if isinstance(raw_object, list):
        raw_object = raw_object[0] if raw_object else None
    embedded = raw_object if isinstance(raw_object, dict) else None
    return ActivityData(
        id=activity_id,
        type=kind,
        actor=actor,
        object_id=id_of(raw_object),
        object_type=type_of(embedded) if embedded else None,
        object=embedded,
        target=id_of(document.get("target")),
        raw=document,
    )


def addressed_to(document: dict[str, Any]) -> set[str]:
    fields = ("to", "cc", "bto", "bcc", "audience")
    return {a for f in fields for a in as_list(document.get(f)) if isinstance(a, str)}


def _activity(
    activity_id: str,
    kind: str,
    actor: str,
    obj: Any,
    *,
    to: list[str],
    cc: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": activity_id,
        "type": kind,
        "actor": actor,
        "object": obj,
        "to": to,
    }
    if cc:
        document["cc"] = cc
    if extra:
        document.update(extra)
    return document


def strip_context(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "@context"}


def follow(activity_id: str, actor: str, target: str) -> dict[str, Any]:
    return _activity(activity_id, "Follow", actor, target, to=[target])


def accept(activity_id: str, actor: str, accepted: dict[str, Any], recipient: str) -> dict[str, Any]:
    """Accept embedding the accepted activity (Mastodon and Mobilizon match on its id)."""
    return _activity(activity_id, "Accept", actor, strip_context(accepted), to=[recipient])


def reject(activity_id: str, actor: str, rejected: dict[str, Any], recipient: str) -> dict[str, Any]:
    return _activity(activity_id, "Reject", actor, strip_context(rejected), to=[recipient])


def undo(activity_id: str, actor: str, undone: dict[str, Any], to: list[str]) -> dict[str, Any]:
    return _activity(activity_id, "Undo", actor, strip_context(undone), to=to)


def create(activity_id: str, actor: str, obj: dict[str, Any]) -> dict[str, Any]:
    return _activity(
        activity_id, "Create", actor, strip_context(obj),
        to=as_list(obj.get("to")), cc=as_list(obj.get("cc")),
        extra={"published": obj.get("published")} if obj.get("published") else None,
    )


def update(activity_id: str, actor: str, obj: dict[str, Any]) -> dict[str, Any]:
    return _activity(
        activity_id, "Update", actor, strip_context(obj),
        to=as_list(obj.get("to")), cc=as_list(obj.get("cc")),
    )


def delete(activity_id: str, actor: str, tombstone: dict[str, Any], *, followers: str | None) -> dict[str, Any]:
    return _activity(
        activity_id, "Delete", actor, strip_context(tombstone),
        to=[PUBLIC], cc=[followers] if followers else None,
    )


def announce(activity_id: str, actor: str, object_id: str, *, followers: str | None, published: str) -> dict[str, Any]:
    return _activity(
        activity_id, "Announce", actor, object_id,
        to=[PUBLIC], cc=[followers] if followers else None, extra={"published": published},
    )
