"""JSON-LD contexts and small helpers for compacted ActivityStreams JSON.

We parse compacted JSON with the contexts known to be in use (as Mastodon does) instead of
running JSON-LD expansion on the hot path; tests check our output expands correctly.
"""

from __future__ import annotations

from typing import Any

AS = "https://www.w3.org/ns/activitystreams"
SECURITY = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})
AS_MEDIA_TYPES = ("application/activity+json", "application/ld+json")
AS_CONTENT_TYPE = 'application/activity+json; charset=utf-8'
LD_PROFILE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

# Terms beyond ActivityStreams that we emit; each maps to the namespace its origin server uses.
EXTENSIONS: dict[str, Any] = {
    "toot": "http://joinmastodon.org/ns#",
    "schema": "http://schema.org#",
    "mz": "https://joinmobilizon.org/ns#",
    "ical": "http://www.w3.org/2002/12/cal/ical#",
    "pt": "https://joinpeertube.org/ns#",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "PostalAddress": "schema:PostalAddress",
    "address": {"@id": "schema:address", "@type": "@id"},
    "addressCountry": "schema:addressCountry",
    "addressLocality": "schema:addressLocality",
    "addressRegion": "schema:addressRegion",
    "postalCode": "schema:postalCode",
    "streetAddress": "schema:streetAddress",
    "location": {"@id": "schema:location", "@type": "@id"},
    "timezone": {"@id": "mz:timezone", "@type": "schema:Text"},
    "isOnline": {"@id": "mz:isOnline", "@type": "schema:Boolean"},
    "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"},
    "joinModeType": {"@id": "mz:joinModeType", "@type": "rdfs:Class"},
    "category": "mz:category",
    "participantCount": {"@id": "mz:participantCount", "@type": "schema:Number"},
    "maximumAttendeeCapacity": "schema:maximumAttendeeCapacity",
    "remainingAttendeeCapacity": "schema:remainingAttendeeCapacity",
    "commentsEnabled": {"@id": "pt:commentsEnabled", "@type": "schema:Boolean"},
    "anonymousParticipationEnabled": {"@id": "mz:anonymousParticipationEnabled", "@type": "schema:Boolean"},
    "externalParticipationUrl": {"@id": "mz:externalParticipationUrl", "@type": "schema:URL"},
    "status": {"@id": "ical:status", "@type": "ical:status"},
    "openingHours": "schema:openingHours",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    # Events and publications (federation/vocab/events.py, objects.py; see docs/federation.md).
    "echofed": "https://echofed.org/ns#",
    "VirtualLocation": "schema:VirtualLocation",
    "inLanguage": "schema:inLanguage",
    "eventStatus": {"@id": "schema:eventStatus", "@type": "@id"},
    "employmentType": "schema:employmentType",
    "validThrough": {"@id": "schema:validThrough", "@type": "xsd:dateTime"},
    "scienceCategory": "echofed:scienceCategory",
    "allDay": {"@id": "echofed:allDay", "@type": "schema:Boolean"},
    "postKind": "echofed:postKind",
    "callKind": "echofed:callKind",
}

CONTEXT: list[Any] = [AS, SECURITY, EXTENSIONS]


def as_list(value: Any) -> list[Any]:
    """ActivityStreams allows one value or a list wherever a list is meant."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def id_of(value: Any) -> str | None:
    """The id of a reference that is either a string or an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        ident = value.get("id") or value.get("@id")
        return ident if isinstance(ident, str) else None
    return None


def type_of(value: Any) -> str | None:
    """The first type of an object (``type`` may be a list)."""
    if not isinstance(value, dict):
        return None
    kind = value.get("type") or value.get("@type")
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    return kind if isinstance(kind, str) else None


def is_public(document: dict[str, Any]) -> bool:
    audience = as_list(document.get("to")) + as_list(document.get("cc"))
    return any(a in PUBLIC_ALIASES for a in audience if isinstance(a, str))


def is_activity_json(content_type: str) -> bool:
    """Whether a Content-Type or Accept value names ActivityStreams JSON."""
    lowered = content_type.lower()
    if "application/activity+json" in lowered:
        return True
    return "application/ld+json" in lowered and "activitystreams" in lowered
