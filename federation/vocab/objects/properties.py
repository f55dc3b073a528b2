"""The properties every object shares, read leniently and written as other servers expect.

Links and references, natural-language text and its language, instants, hashtags, and the
banner image and links of ``attachment``; plus :class:`InvalidObject`, the one error the
parsers raise. Optional values we cannot use are read as None (or empty), never as an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, Final
from urllib.parse import quote, urlsplit

from federation.vocab.jsonld import as_list, id_of, type_of

WEBSITE_LINK_NAME: Final = "Website"
MAX_URL: Final = 500
MAX_TITLE: Final = 300
MAX_TAG: Final = 60
_LANGUAGE_TAG: Final = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_IMAGE_TYPES: Final = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "svg": "image/svg+xml",
}


class InvalidObject(ValueError):
    """An object document we cannot use; ``public_message`` is safe to return."""

    def __init__(self, public_message: str) -> None:
        super().__init__(public_message)
        self.public_message = public_message


def http_url(value: Any) -> str | None:
    """``value`` when it is an absolute http(s) URL of reasonable length, else None."""
    if not isinstance(value, str):
        return None
    candidate = value.strip()
    if not candidate or len(candidate) > MAX_URL:
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return candidate


def link_href(value: Any) -> str | None:
    """The URL of a ``url``-like value (string, Link, or a list of them), HTML links first."""
    fallback: str | None = None
    for item in as_list(value):
        media_type: Any = None
        if isinstance(item, dict):
            target = item.get("href", item.get("url"))
            href = link_href(target) if isinstance(target, (list, dict)) else http_url(target)
            media_type = item.get("mediaType")
        else:
            href = http_url(item)
        if href is None:
            continue
        if media_type in (None, "text/html"):
            return href
        fallback = fallback or href
    return fallback


def reference(value: Any) -> str | None:
    """The http(s) id of a reference (string or embedded object); the first one of a list."""
    for item in as_list(value):
        ident = http_url(id_of(item))
        if ident is not None:
            return ident
    return None


def references(value: Any) -> tuple[str, ...]:
    """Audience-style lists (``to``, ``cc``) as a tuple of ids, keeping ``as:Public`` aliases."""
    found: list[str] = []
    for item in as_list(value):
        ident = id_of(item)
        if ident and ident not in found:
            found.append(ident)
    return tuple(found)


def text_field(document: dict[str, Any], name: str) -> str | None:
    """A natural-language property, or the first value of its ``…Map`` form."""
    value = document.get(name)
    if isinstance(value, str) and value.strip():
        return value
    mapped = document.get(f"{name}Map")
    if isinstance(mapped, dict):
        for text in mapped.values():
            if isinstance(text, str) and text.strip():
                return text
    return None


def _first_key(mapped: Any) -> Any:
    return next(iter(mapped), None) if isinstance(mapped, dict) else None


def language_of(document: dict[str, Any]) -> str | None:
    """The language of an object: ``contentMap``'s key, ``inLanguage``, then other maps."""
    candidates = (
        _first_key(document.get("contentMap")),
        document.get("inLanguage"),
        _first_key(document.get("nameMap")),
        _first_key(document.get("summaryMap")),
    )
    for candidate in candidates:
        if isinstance(candidate, str) and _LANGUAGE_TAG.fullmatch(candidate) and candidate != "und":
            return candidate
    return None


def parse_instant(value: Any, name: str, zone: tzinfo = UTC) -> datetime:
    """An ISO 8601 date-time as an aware UTC instant; a naive one is read in ``zone``.

    Raises :class:`InvalidObject` naming the property when the value is missing or malformed.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidObject(f"{name} is missing")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidObject(f"{name} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def optional_instant(value: Any) -> datetime | None:
    """``published``/``updated``: an aware UTC instant, or None when absent or unreadable."""
    if value is None:
        return None
    try:
        return parse_instant(value, "date")
    except InvalidObject:
        return None


def utc_iso(moment: datetime) -> str:
    """An instant as ``YYYY-MM-DDTHH:MM:SSZ``, the form Mastodon and Mobilizon emit."""
    return require_aware(moment, "a timestamp").astimezone(UTC).isoformat().replace("+00:00", "Z")


def require_aware(moment: datetime, what: str) -> datetime:
    """``moment`` itself; ``ValueError`` naming ``what`` when it is naive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment


def normalise_tag(name: Any) -> str | None:
    """``#Astronomie`` → ``astronomie``; None for an empty or unusable name."""
    if not isinstance(name, str):
        return None
    clean = name.strip().lstrip("#").strip().lower()
    if not clean or len(clean) > MAX_TAG or any(c.isspace() for c in clean):
        return None
    return clean


def parse_hashtags(value: Any) -> tuple[str, ...]:
    """The Hashtag names of a ``tag`` list (Mentions and Emoji are not tags)."""
    found: list[str] = []
    for item in as_list(value):
        if isinstance(item, dict):
            if type_of(item) != "Hashtag":
                continue
            name = normalise_tag(item.get("name"))
        elif isinstance(item, str) and "/" not in item:
            name = normalise_tag(item)  # Mobilizon and old Pleroma send bare names
        else:
            continue
        if name and name not in found:
            found.append(name)
    return tuple(found)


def hashtags_to_json(tags: tuple[str, ...] | list[str], base_url: str) -> list[dict[str, Any]]:
    """Hashtag objects with ``#name`` and an absolute ``href`` under ``{base_url}/tags/``."""
    base = base_url.rstrip("/")
    return [
        {"type": "Hashtag", "name": f"#{tag}", "href": f"{base}/tags/{quote(tag.lower(), safe='')}"}
        for tag in tags
    ]


def origin_of(uri: str) -> str:
    """``https://host`` of an id: where tag pages live when no base URL is given."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def image_media_type(url: str) -> str:
    """A media type guessed from the file extension (Gancio needs one on every attachment)."""
    path = urlsplit(url).path.lower()
    extension = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return _IMAGE_TYPES.get(extension, "image/jpeg")


@dataclass(frozen=True, slots=True)
class Attachments:
    """What an object's ``attachment`` and ``image`` carry, sorted into what we keep."""

    image_url: str | None
    image_alt: str
    website: str | None
    others: tuple[str, ...]


def _is_image(item: dict[str, Any]) -> bool:
    kind = type_of(item)
    media_type = item.get("mediaType")
    if kind == "Image":
        return media_type is None or (
            isinstance(media_type, str) and media_type.startswith("image/")
        )
    return kind == "Document" and isinstance(media_type, str) and media_type.startswith("image/")


def read_attachments(document: dict[str, Any]) -> Attachments:
    """Banner image, alt text, Mobilizon's "Website" link and other links of an object.

    The banner is the image attachment named ``Banner`` (Mobilizon), else the first image
    attachment, else ``image``. Its alt text is the ``name`` of ``image`` when that describes the
    same picture, else the attachment's own ``name`` unless it is the ``Banner`` marker.
    """
    items = [item for item in as_list(document.get("attachment")) if isinstance(item, dict)]
    images = [(item, link_href(item.get("url"))) for item in items if _is_image(item)]
    images = [(item, url) for item, url in images if url]
    named = [pair for pair in images if pair[0].get("name") == "Banner"]
    banner = named[0] if named else (images[0] if images else None)
    image_property = document.get("image")
    image_object = image_property if isinstance(image_property, dict) else None
    image_url = (
        banner[1]
        if banner
        else link_href(image_object.get("url") if image_object else image_property)
    )
    image_alt = ""
    if image_object is not None and link_href(image_object.get("url")) == image_url:
        image_alt = clean_text(image_object.get("name"), 500)
    if not image_alt and banner is not None and banner[0].get("name") != "Banner":
        image_alt = clean_text(banner[0].get("name"), 500)
    website: str | None = None
    others: list[str] = []
    for item in items:
        if type_of(item) == "Link":
            href = http_url(item.get("href"))
            if href and website is None and item.get("name") == WEBSITE_LINK_NAME:
                website = href
                continue
        else:
            href = link_href(item.get("url"))
        if href and href != image_url and href not in others:
            others.append(href)
    return Attachments(image_url, image_alt, website, tuple(others))


def clean_text(value: Any, size: int) -> str:
    """A string value stripped and cut to ``size`` characters; ``""`` for anything else."""
    return value.strip()[:size] if isinstance(value, str) else ""
