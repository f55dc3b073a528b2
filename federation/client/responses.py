"""Reading remote answers within bounds.

``read_json_body`` accepts only a JSON media type and stops counting at the size cap (refusing
an announced ``Content-Length`` above it up front); ``parse_object`` requires a JSON object.
Error answers are read only for a short, one-line ``error_text``, and short bodies are drained
so the connection can go back to its pool.
"""

from __future__ import annotations

from typing import Any

import httpx2

from federation.client.errors import NotJson, TooLarge
from federation.vocab.jsontext import load_json

JSON_MEDIA_TYPES = frozenset(
    {"application/activity+json", "application/ld+json", "application/json", "application/jrd+json"}
)
ERROR_TEXT_CHARS = 500
ERROR_BODY_BYTES = 2048  # enough for the error text; a short body also keeps the connection


async def read_json_body(response: httpx2.Response, url: str, limit: int) -> bytes:
    """The body of a JSON answer, refused as ``NotJson`` or ``TooLarge`` above ``limit`` bytes."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JSON_MEDIA_TYPES:
        raise NotJson(f"content type {media_type or 'none'!r}", url=url)
    announced = response.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > limit:
        raise TooLarge(f"Content-Length {announced} above {limit} bytes", url=url)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"body above {limit} bytes", url=url)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_object(body: bytes, url: str) -> dict[str, Any]:
    """The JSON object in ``body``; ``NotJson`` when it is malformed or not an object."""
    try:
        document = load_json(body)
    except (ValueError, RecursionError) as exc:
        raise NotJson(f"malformed JSON: {exc}", url=url) from exc
    if not isinstance(document, dict):
        raise NotJson(f"JSON {type(document).__name__}, not an object", url=url)
    return document


async def error_text(response: httpx2.Response) -> str:
    """The start of an error response's body, as one line of at most ERROR_TEXT_CHARS."""
    return one_line(await _read_prefix(response, ERROR_BODY_BYTES))


def one_line(raw: bytes) -> str:
    """The start of an error body as one line of at most ERROR_TEXT_CHARS."""
    return " ".join(raw.decode("utf-8", errors="replace").split())[:ERROR_TEXT_CHARS]


async def drain_short_body(response: httpx2.Response) -> None:
    """Read a short body to its end, which lets the connection go back to the pool."""
    await _read_prefix(response, ERROR_BODY_BYTES)


async def _read_prefix(response: httpx2.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
    except httpx2.HTTPError:
        pass  # the status is what matters; the text is only a courtesy
    return b"".join(chunks)[:limit]
