"""OrderedCollection and its pages (outbox, followers, following, participants)."""

from __future__ import annotations

from typing import Any

from federation.vocab.jsonld import AS


def collection_to_json(collection_id: str, total: int, *, first: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": AS,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if first is not None:
        document["first"] = first
    return document


def page_to_json(
    page_id: str,
    collection_id: str,
    items: list[Any],
    *,
    total: int,
    next_page: str | None,
    prev_page: str | None,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": AS,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "totalItems": total,
        "orderedItems": items,
    }
    if next_page is not None:
        document["next"] = next_page
    if prev_page is not None:
        document["prev"] = prev_page
    return document
