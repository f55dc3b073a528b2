"""Turning an address into coordinates for the publishing forms.

    Geocoder            the interface: ``await search(query)`` → a few candidate places
    NominatimGeocoder   any Nominatim-compatible service (nominatim.org, a regional mirror,
                        Photon's Nominatim API…), base URL, time-out and User-Agent configurable
    ManualGeocoder      offline mode: finds nothing, the form's latitude/longitude fields and
                        the map pin are the way to place an event

A geocoder failure (time-out, refusal, bad JSON) raises ``GeocodingUnavailable``; the form then
says so and keeps working with manual coordinates.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2

log = logging.getLogger(__name__)
MAX_QUERY = 200
MAX_RESULTS = 5


class GeocodingUnavailable(Exception):
    """The geocoding service could not answer; the public message is safe to show."""

    public_message = "la recherche d'adresse est indisponible : placez le lieu à la main"


@dataclass(frozen=True)
class GeocodedPlace:
    label: str
    latitude: float
    longitude: float
    name: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    region: str = ""
    country: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label, "lat": self.latitude, "lon": self.longitude, "name": self.name,
            "street": self.street, "postcode": self.postcode, "city": self.city,
            "region": self.region, "country": self.country,
        }


class Geocoder(Protocol):
    @property
    def available(self) -> bool:
        """Whether searching can find anything (False in the offline, manual mode)."""
        ...

    async def search(self, query: str, *, limit: int = MAX_RESULTS) -> list[GeocodedPlace]: ...


class ManualGeocoder:
    """No geocoding service configured: coordinates are entered or pinned by hand."""

    available = False

    async def search(self, query: str, *, limit: int = MAX_RESULTS) -> list[GeocodedPlace]:
        return []


def _street(address: dict[str, Any]) -> str:
    number = str(address.get("house_number") or "").strip()
    road = str(address.get("road") or address.get("pedestrian") or address.get("square") or "").strip()
    return " ".join(part for part in (number, road) if part)


def _city(address: dict[str, Any]) -> str:
    for key in ("city", "town", "village", "municipality", "hamlet"):
        if address.get(key):
            return str(address[key])
    return ""


def parse_nominatim(results: Any) -> list[GeocodedPlace]:
    """Nominatim's ``format=jsonv2`` answer (with ``addressdetails=1``) → places; entries
    without valid coordinates are skipped."""
    if not isinstance(results, list):
        raise GeocodingUnavailable("unexpected answer (not a list)")
    places: list[GeocodedPlace] = []
    for item in results:
        if not isinstance(item, dict):
            continue
        try:
            lat, lon = float(item["lat"]), float(item["lon"])
        except (KeyError, TypeError, ValueError):
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            continue
        address = item.get("address") if isinstance(item.get("address"), dict) else {}
        places.append(
            GeocodedPlace(
                label=str(item.get("display_name") or "")[:300],
                latitude=lat,
                longitude=lon,
                name=str(item.get("name") or "")[:300],
                street=_street(address)[:300],
                postcode=str(address.get("postcode") or "")[:20],
                city=_city(address)[:120],
                region=str(address.get("state") or "")[:120],
                country=str(address.get("country_code") or "").upper()[:60],
            )
        )
    return places


class NominatimGeocoder:
    """A Nominatim-compatible search API (``GET {base}/search?q=…&format=jsonv2``)."""

    available = True

    def __init__(
        self,
        base_url: str,
        *,
        user_agent: str,
        timeout: float = 5.0,
        country_codes: str | None = "fr",
        language: str = "fr",
        min_interval: float = 1.0,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_agent = user_agent
        self.timeout = timeout
        self.country_codes = country_codes
        self.language = language
        self.min_interval = min_interval  # Nominatim's policy: one request per second at most
        self._transport = transport
        self._pace = asyncio.Lock()
        self._last_request = -min_interval

    async def _wait_turn(self) -> None:
        async with self._pace:
            wait = self._last_request + self.min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_request = time.monotonic()

    async def search(self, query: str, *, limit: int = MAX_RESULTS) -> list[GeocodedPlace]:
        query = " ".join(query.split())[:MAX_QUERY]
        if not query:
            return []
        params: dict[str, str | int] = {
            "q": query, "format": "jsonv2", "addressdetails": 1, "limit": max(1, min(limit, 10)),
        }
        if self.country_codes:
            params["countrycodes"] = self.country_codes
        headers = {"User-Agent": self.user_agent, "Accept-Language": self.language}
        await self._wait_turn()
        try:
            async with httpx2.AsyncClient(
                timeout=self.timeout, transport=self._transport, follow_redirects=False
            ) as client:
                response = await client.get(f"{self.base_url}/search", params=params, headers=headers)
                response.raise_for_status()
                data = response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            log.warning("geocoding failed", extra={"geocoder": self.base_url, "error": repr(exc)})
            raise GeocodingUnavailable(repr(exc)) from None
        return parse_nominatim(data)[:limit]


def geocoder_from(
    base_url: str | None, *, user_agent: str, timeout: float = 5.0, country_codes: str | None = "fr"
) -> Geocoder:
    """The configured geocoder: Nominatim-compatible when a URL is set, else manual."""
    if not base_url:
        return ManualGeocoder()
    return NominatimGeocoder(
        base_url, user_agent=user_agent, timeout=timeout, country_codes=country_codes or None
    )
