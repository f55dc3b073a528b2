"""Tombstones: what is left where a deleted object was (served with 410, sent in a Delete)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from federation.vocab.jsonld import CONTEXT
from federation.vocab.objects.properties import utc_iso


def tombstone_to_json(
    id: str, former_type: str, deleted: datetime, *, with_context: bool = True
) -> dict[str, Any]:
    """A ``Tombstone`` left where a deleted object was (served with 410, sent in Delete)."""
    document: dict[str, Any] = {}
    if with_context:
        document["@context"] = CONTEXT
    document.update(
        {"id": id, "type": "Tombstone", "formerType": former_type, "deleted": utc_iso(deleted)}
    )
    return document
