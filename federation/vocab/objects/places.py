"""Places ↔ JSON: venues and event locations (Mobilizon, Gancio), physical or online.

A ``Place`` carries a schema.org ``PostalAddress`` and float coordinates; an online location is
a ``VirtualLocation`` or a Place whose address is one, and ``physical_place`` skips it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from federation.vocab.jsonld import CONTEXT, as_list, id_of, type_of
from federation.vocab.objects.properties import InvalidObject, clean_text, http_url, link_href


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
        return PlaceData(name=clean_text(document, 300))
    if not isinstance(document, dict):
        raise InvalidObject("a place must be a JSON object")
    if type_of(document) not in (None, "Place"):
        raise InvalidObject(f"not a place: {type_of(document)}")
    fields: dict[str, str] = {}
    address = document.get("address")
    if isinstance(address, str):
        fields["street"] = clean_text(address, 300)
    elif isinstance(address, dict):
        fields = {attr: clean_text(address.get(key), size) for attr, key, size in _ADDRESS_FIELDS}
    latitude = _coordinate(document.get("latitude"), 90)
    longitude = _coordinate(document.get("longitude"), 180)
    if latitude is None or longitude is None:
        latitude = longitude = None
    place = PlaceData(
        id=http_url(id_of(document)),
        name=clean_text(document.get("name"), 300),
        latitude=latitude,
        longitude=longitude,
        url=virtual_location_url(document) or link_href(document.get("url")),
        opening_hours=clean_text(document.get("openingHours"), 2000),
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
