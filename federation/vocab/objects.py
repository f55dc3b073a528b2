"""Publications, places and tombstones ↔ JSON, and the reading rules events share.

Errors: the parsers here and in :mod:`federation.vocab.events` raise only
:class:`InvalidObject` (a ``ValueError``) for a document we cannot use — not a JSON object, the
wrong type, no usable id or author, no title or text, a malformed start time. Its
``public_message`` may be returned to the sender. Optional fields are read leniently: a value we
cannot use (a ``javascript:`` link, coordinates out of range, an unparsable ``published``) is
left out, because the object is still worth keeping without it.

Rules both modules follow:
- Every piece of HTML goes through :func:`federation.html.sanitize`; summaries become plain text.
- Instants come back timezone-aware in UTC; a time without an offset is read in the object's
  ``timezone`` when it names an IANA zone, else in UTC.
- Only absolute http(s) URLs are kept.
- Hashtags lose their ``#`` and are lowercased.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any, Final, Literal, get_args
from urllib.parse import quote, urlsplit

from babel.dates import format_date

from federation.html import sanitize, to_text
from federation.vocab.jsonld import CONTEXT, as_list, id_of, type_of

PostKind = Literal["article", "resource", "job_offer", "call", "note"]
POST_KINDS: Final[dict[str, PostKind]] = {kind: kind for kind in get_args(PostKind)}
CALL_KINDS: Final = frozenset({"projects", "volunteers"})
POST_TYPES: Final = frozenset({"Article", "Page", "Note"})

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
# The hashtag that tells every server what a job offer or a call is, by (kind, call_kind).
KIND_HASHTAGS: Final[dict[tuple[str, str | None], str]] = {
    ("job_offer", None): "emploi",
    ("call", None): "appelAProjets",
    ("call", "projects"): "appelAProjets",
    ("call", "volunteers"): "benevolat",
}
_KIND_HEADINGS: Final[dict[tuple[str, str | None], tuple[str, str, str]]] = {
    ("job_offer", None): ("Offre d'emploi", "Candidatures jusqu'au", "Candidater"),
    ("call", None): ("Appel à projets", "Candidatures jusqu'au", "En savoir plus"),
    ("call", "projects"): ("Appel à projets", "Candidatures jusqu'au", "En savoir plus"),
    ("call", "volunteers"): ("Appel à bénévoles", "Inscriptions jusqu'au", "Participer"),
}


class InvalidObject(ValueError):
    """An object document we cannot use; ``public_message`` is safe to return."""

    def __init__(self, public_message: str) -> None:
        super().__init__(public_message)
        self.public_message = public_message


# --- shared reading helpers ----------------------------------------------------------------


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
    return _require_aware(moment, "a timestamp").astimezone(UTC).isoformat().replace("+00:00", "Z")


def _require_aware(moment: datetime, what: str) -> datetime:
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
        image_alt = _clean(image_object.get("name"), 500)
    if not image_alt and banner is not None and banner[0].get("name") != "Banner":
        image_alt = _clean(banner[0].get("name"), 500)
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


# --- places --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceData:
    """A venue or an event's location; empty strings where the sender gave nothing."""

    id: str | None = None
    name: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None
    url: str | None = None
    opening_hours: str = ""


_ADDRESS_FIELDS: Final = (
    ("street", "streetAddress", 300),
    ("postcode", "postalCode", 20),
    ("city", "addressLocality", 120),
    ("region", "addressRegion", 120),
    ("country", "addressCountry", 60),
)


def place_to_json(place: PlaceData, *, with_context: bool = True) -> dict[str, Any]:
    """A ``Place`` with a schema.org ``PostalAddress`` and float coordinates, as Mobilizon reads."""
    document: dict[str, Any] = {}
    if with_context:
        document["@context"] = CONTEXT
    if place.id:
        document["id"] = place.id
    document["type"] = "Place"
    document["name"] = place.name
    address = {
        key: getattr(place, attr) for attr, key, _ in _ADDRESS_FIELDS if getattr(place, attr)
    }
    if address:
        document["address"] = {"type": "PostalAddress", **address}
    if place.latitude is not None and place.longitude is not None:
        document["latitude"] = float(place.latitude)
        document["longitude"] = float(place.longitude)
    if place.url:
        document["url"] = place.url
    if place.opening_hours:
        document["openingHours"] = place.opening_hours
    return document


def _coordinate(value: Any, limit: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if not math.isfinite(number) or not -limit <= number <= limit:
        return None
    return number


def _clean(value: Any, size: int) -> str:
    return value.strip()[:size] if isinstance(value, str) else ""


def virtual_location_url(item: dict[str, Any]) -> str | None:
    """The link of an online location: a ``VirtualLocation``, or a Place whose address is one."""
    if type_of(item) == "VirtualLocation":
        return link_href(item.get("url")) or http_url(id_of(item))
    address = item.get("address")
    if not isinstance(address, dict):
        return None
    postal = any(address.get(key) for _, key, _ in _ADDRESS_FIELDS)
    if type_of(address) == "VirtualLocation" or (address.get("url") and not postal):
        return link_href(address.get("url")) or http_url(id_of(item))
    return None


def parse_place(document: Any) -> PlaceData:
    """Validate a ``Place`` (Mobilizon, Gancio — also a bare name string).

    ``address`` may be a PostalAddress, a plain string (kept as the street, as Mobilizon does)
    or a VirtualLocation (its URL becomes ``url``). Coordinates are floats, accepted from numeric
    strings; unusable ones are dropped, and so is a lone latitude or longitude.
    """
    if isinstance(document, str) and document.strip():
        return PlaceData(name=_clean(document, 300))
    if not isinstance(document, dict):
        raise InvalidObject("a place must be a JSON object")
    if type_of(document) not in (None, "Place"):
        raise InvalidObject(f"not a place: {type_of(document)}")
    fields: dict[str, str] = {}
    address = document.get("address")
    if isinstance(address, str):
        fields["street"] = _clean(address, 300)
    elif isinstance(address, dict):
        fields = {attr: _clean(address.get(key), size) for attr, key, size in _ADDRESS_FIELDS}
    latitude = _coordinate(document.get("latitude"), 90)
    longitude = _coordinate(document.get("longitude"), 180)
    if latitude is None or longitude is None:
        latitude = longitude = None
    place = PlaceData(
        id=http_url(id_of(document)),
        name=_clean(document.get("name"), 300),
        latitude=latitude,
        longitude=longitude,
        url=virtual_location_url(document) or link_href(document.get("url")),
        opening_hours=_clean(document.get("openingHours"), 2000),
        **fields,
    )
    if not (place.name or any(fields.values()) or place.latitude is not None or place.url):
        raise InvalidObject("a place needs a name, an address, coordinates or a link")
    return place


def physical_place(location: Any) -> PlaceData | None:
    """The first physical place of a ``location`` (one value or a list); online ones are skipped.

    A location that carries nothing usable (``{}``) counts as no location.
    """
    for item in as_list(location):
        if isinstance(item, dict) and virtual_location_url(item) is not None:
            continue
        if isinstance(item, dict) and type_of(item) not in (None, "Place"):
            continue
        if not isinstance(item, (dict, str)):
            continue
        try:
            return parse_place(item)
        except InvalidObject:
            continue
    return None


# --- publications --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PostData:
    """An article, resource, job offer, call for projects/volunteers, or a plain note (reply).

    ``summary`` is plain text: the author's short summary, or a Note's content warning.
    ``deadline`` keeps the offset it was given, so the date shown is the author's date.
    """

    id: str
    attributed_to: str
    kind: PostKind = "article"
    url: str | None = None
    title: str = ""
    summary: str = ""
    content_html: str = ""
    language: str | None = None
    tags: tuple[str, ...] = ()
    image_url: str | None = None
    image_alt: str = ""
    attachments: tuple[str, ...] = ()
    contract: str | None = None
    call_kind: str | None = None
    deadline: datetime | None = None
    link_url: str | None = None
    place: PlaceData | None = None
    in_reply_to: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    sensitive: bool = False


def _kind_key(kind: str, call_kind: str | None) -> tuple[str, str | None] | None:
    key = (kind, call_kind if kind == "call" else None)
    if key in KIND_HASHTAGS:
        return key
    return (kind, None) if (kind, None) in KIND_HASHTAGS else None


def long_date(moment: datetime, locale: str = "fr") -> str:
    """``samedi 12 avril 2025`` (``samedi 1er mars 2025``) in ``moment``'s own offset."""
    day = format_date(moment.date(), "EEEE d MMMM y", locale=locale)
    if locale.startswith("fr") and moment.day == 1:
        day = day.replace(" 1 ", " 1er ", 1)
    return day


def post_heading(post: PostData) -> str:
    """The structured line that opens a job offer's or a call's summary (empty otherwise).

    E.g. ``Offre d'emploi · CDD 12 mois · Strasbourg · Candidatures jusqu'au mercredi 30 avril
    2025 · Candidater : https://…``.
    """
    key = _kind_key(post.kind, post.call_kind)
    if key is None:
        return ""
    label, until, action = _KIND_HEADINGS[key]
    parts = [label]
    if post.contract:
        parts.append(post.contract)
    if post.place is not None:
        where = post.place.city or post.place.name
        if where:
            parts.append(where)
    if post.deadline is not None:
        parts.append(f"{until} {long_date(post.deadline)}")
    if post.link_url:
        parts.append(f"{action} : {post.link_url}")
    return " · ".join(parts)


def _heading_html(post: PostData) -> str:
    heading = html.escape(post_heading(post), quote=False)
    if post.link_url and heading:
        link = html.escape(post.link_url, quote=False)
        anchor = f'<a href="{html.escape(post.link_url)}">{link}</a>'
        heading = heading[: heading.rfind(link)] + anchor
    return f"<p>{heading}</p>" if heading else ""


def _post_summary_html(post: PostData) -> str:
    pitch = html.escape(post.summary, quote=False)
    heading = _heading_html(post)
    if not heading:
        return pitch
    return heading + (f"<p>{pitch}</p>" if pitch else "")


def post_to_json(
    post: PostData, *, tag_base_url: str | None = None, with_context: bool = True
) -> dict[str, Any]:
    """An ``Article`` (articles, resources, job offers, calls) or a ``Note``.

    Job offers and calls carry a hashtag (#emploi, #appelAProjets, #benevolat) and a summary
    that opens with :func:`post_heading`, because Mastodon shows converted objects as title +
    summary + link only. Their details are also typed: ``employmentType``, ``validThrough``,
    ``location``, ``callKind`` and a ``Website`` link. Tags link to ``{tag_base_url}/tags/…``
    (default: the origin of the post's id).
    """
    is_note = post.kind == "note"
    document: dict[str, Any] = {}
    if with_context:
        document["@context"] = CONTEXT
    document["id"] = post.id
    document["type"] = "Note" if is_note else "Article"
    if post.title or not is_note:
        document["name"] = post.title
    if not is_note:
        document["postKind"] = post.kind
    if post.url:
        document["url"] = post.url
    document["attributedTo"] = post.attributed_to
    summary = _post_summary_html(post)
    if summary:
        document["summary"] = summary
    document["content"] = post.content_html
    document["mediaType"] = "text/html"
    if post.language:
        document["contentMap"] = {post.language: post.content_html}
        if summary:
            document["summaryMap"] = {post.language: summary}
    if post.in_reply_to:
        document["inReplyTo"] = post.in_reply_to
    tags = list(post.tags)
    key = _kind_key(post.kind, post.call_kind)
    if key is not None and KIND_HASHTAGS[key].lower() not in tags:
        tags.append(KIND_HASHTAGS[key])
    if tags:
        document["tag"] = hashtags_to_json(tags, tag_base_url or origin_of(post.id))
    attachments: list[dict[str, Any]] = []
    if post.image_url:
        media_type = image_media_type(post.image_url)
        attachments.append(
            {
                "type": "Document",
                "mediaType": media_type,
                "url": post.image_url,
                "name": post.image_alt,
            }
        )
        document["image"] = {"type": "Image", "mediaType": media_type, "url": post.image_url}
    if post.link_url:
        attachments.append(
            {
                "type": "Link",
                "mediaType": "text/html",
                "name": WEBSITE_LINK_NAME,
                "href": post.link_url,
            }
        )
    attachments.extend({"type": "Link", "href": url} for url in post.attachments)
    if attachments:
        document["attachment"] = attachments
    if post.contract:
        document["employmentType"] = post.contract
    if post.call_kind:
        document["callKind"] = post.call_kind
    if post.deadline is not None:
        document["validThrough"] = _require_aware(post.deadline, "deadline").isoformat()
    if post.place is not None:
        document["location"] = place_to_json(post.place, with_context=False)
    document["sensitive"] = post.sensitive
    if post.published is not None:
        document["published"] = utc_iso(post.published)
    if post.updated is not None:
        document["updated"] = utc_iso(post.updated)
    document["to"] = list(post.to)
    document["cc"] = list(post.cc)
    return document


def _deadline(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_post(document: Any) -> PostData:
    """Validate an ``Article``, ``Page`` or ``Note`` (Mastodon, Pleroma, Mobilizon, WordPress…).

    The kind is ours when an echofed server sent it (``postKind``), else ``note`` for a Note and
    ``article`` otherwise. A Note needs text or an attachment; an Article or Page needs a title
    or text. For our own job offers and calls the generated heading is taken off the summary
    again, and so is the kind hashtag.
    """
    if not isinstance(document, dict):
        raise InvalidObject("an object must be a JSON object")
    kind_of_object = type_of(document)
    if kind_of_object not in POST_TYPES:
        raise InvalidObject(f"not an article or note: {kind_of_object}")
    post_id = http_url(id_of(document))
    if post_id is None:
        raise InvalidObject("object without an http(s) id")
    author = reference(document.get("attributedTo")) or reference(document.get("actor"))
    if author is None:
        raise InvalidObject("object without an author")
    declared = document.get("postKind")
    kind = POST_KINDS.get(declared) if isinstance(declared, str) else None
    if kind is None:
        kind = "note" if kind_of_object == "Note" else "article"
    title = _clean(text_field(document, "name"), MAX_TITLE)
    content_source = text_field(document, "content")
    content_html = sanitize(content_source) if content_source else ""
    found = read_attachments(document)
    if (
        kind_of_object == "Note"
        and not to_text(content_html)
        and not found.image_url
        and not found.others
    ):
        raise InvalidObject("note without text or attachment")
    if kind_of_object != "Note" and not title and not to_text(content_html):
        raise InvalidObject("article without a title or text")
    call_kind = document.get("callKind")
    contract = document.get("employmentType")
    location = document.get("location")
    tags = parse_hashtags(document.get("tag"))
    post = PostData(
        id=post_id,
        attributed_to=author,
        kind=kind,
        url=link_href(document.get("url")),
        title=title,
        content_html=content_html,
        language=language_of(document),
        image_url=found.image_url,
        image_alt=found.image_alt,
        attachments=found.others,
        contract=_clean(contract, 60) or None,
        call_kind=call_kind if isinstance(call_kind, str) and call_kind in CALL_KINDS else None,
        deadline=_deadline(document.get("validThrough")),
        link_url=found.website,
        place=physical_place(location) if location is not None else None,
        in_reply_to=reference(document.get("inReplyTo")),
        published=optional_instant(document.get("published")),
        updated=optional_instant(document.get("updated")),
        to=references(document.get("to")),
        cc=references(document.get("cc")),
        sensitive=document.get("sensitive") is True,
    )
    summary_source = text_field(document, "summary")
    summary = to_text(summary_source) if summary_source else ""
    key = _kind_key(kind, post.call_kind) if declared == kind else None
    if key is not None:
        heading = to_text(_heading_html(post))
        if heading and summary.startswith(heading):
            summary = summary[len(heading) :].strip()
        tags = tuple(tag for tag in tags if tag != KIND_HASHTAGS[key].lower())
    return replace(post, summary=summary, tags=tags)


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
