"""Publications ↔ JSON: articles, resources, job offers, calls, and notes (replies).

Ours go out as an ``Article`` (or a ``Note``) that Mastodon can show as title + summary + link;
we read ``Article``, ``Page`` and ``Note`` from Mastodon, Pleroma, Mobilizon, WordPress and
others, and recognise our own job offers and calls by ``postKind``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final, Literal, get_args

from babel.dates import format_date

from federation.html import sanitize, to_text
from federation.vocab.jsonld import CONTEXT, id_of, type_of
from federation.vocab.objects.places import PlaceData, physical_place, place_to_json
from federation.vocab.objects.properties import (
    MAX_TITLE,
    WEBSITE_LINK_NAME,
    InvalidObject,
    clean_text,
    hashtags_to_json,
    http_url,
    image_media_type,
    language_of,
    link_href,
    optional_instant,
    origin_of,
    parse_hashtags,
    read_attachments,
    reference,
    references,
    require_aware,
    text_field,
    utc_iso,
)

PostKind = Literal["article", "resource", "job_offer", "call", "note"]
POST_KINDS: Final[dict[str, PostKind]] = {kind: kind for kind in get_args(PostKind)}
CALL_KINDS: Final = frozenset({"projects", "volunteers"})
POST_TYPES: Final = frozenset({"Article", "Page", "Note"})
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
        document["validThrough"] = require_aware(post.deadline, "deadline").isoformat()
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
    title = clean_text(text_field(document, "name"), MAX_TITLE)
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
        contract=clean_text(contract, 60) or None,
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
