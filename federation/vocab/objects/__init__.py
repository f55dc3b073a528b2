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

This package is the public entry point; its modules are ``publications`` (``PostData``),
``places`` (``PlaceData``), ``tombstones`` and ``properties`` (the shared reading and writing
of links, text, instants, hashtags and attachments, and ``InvalidObject``).
"""

from __future__ import annotations

from federation.vocab.objects.places import (
    PlaceData,
    parse_place,
    physical_place,
    place_to_json,
    virtual_location_url,
)
from federation.vocab.objects.properties import (
    MAX_TAG,
    MAX_TITLE,
    MAX_URL,
    WEBSITE_LINK_NAME,
    Attachments,
    InvalidObject,
    hashtags_to_json,
    http_url,
    image_media_type,
    language_of,
    link_href,
    normalise_tag,
    optional_instant,
    origin_of,
    parse_hashtags,
    parse_instant,
    read_attachments,
    reference,
    references,
    text_field,
    utc_iso,
)
from federation.vocab.objects.publications import (
    CALL_KINDS,
    KIND_HASHTAGS,
    POST_KINDS,
    POST_TYPES,
    PostData,
    PostKind,
    long_date,
    parse_post,
    post_heading,
    post_to_json,
)
from federation.vocab.objects.tombstones import tombstone_to_json

__all__ = [
    "CALL_KINDS",
    "KIND_HASHTAGS",
    "MAX_TAG",
    "MAX_TITLE",
    "MAX_URL",
    "POST_KINDS",
    "POST_TYPES",
    "WEBSITE_LINK_NAME",
    "Attachments",
    "InvalidObject",
    "PlaceData",
    "PostData",
    "PostKind",
    "hashtags_to_json",
    "http_url",
    "image_media_type",
    "language_of",
    "link_href",
    "long_date",
    "normalise_tag",
    "optional_instant",
    "origin_of",
    "parse_hashtags",
    "parse_instant",
    "parse_place",
    "parse_post",
    "physical_place",
    "place_to_json",
    "post_heading",
    "post_to_json",
    "read_attachments",
    "reference",
    "references",
    "text_field",
    "tombstone_to_json",
    "utc_iso",
    "virtual_location_url",
]
