"""The agenda, ``/agenda``: upcoming public events, narrowed by filters that live in the URL.

    du=2031-08-01  au=2031-08-31            days in the region's zone, ``au`` inclusive
    quand=aujourdhui|ce-week-end|cette-semaine|ce-mois   (instead of du/au)
    categorie=atelier  public=familles      repeatable
    gratuit=1  en-ligne=1  ville=Metz
    lat=48.69  lon=6.18  rayon=20           kilometres around a point
    origine=region|suivies|tout             local events, followed regions' events, or both
    apres=2031-08-09T19:00:00Z_42           the page after this (starts_at, id)

The same reading of the query string serves the map (``web.pages.map``); the filters are also
offered as calendar and RSS subscriptions, translated to the feeds' parameter names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from echofed.services.publishing import AUDIENCES, CATEGORIES
from storage.columns import utcnow
from storage.queries.agenda import (
    AgendaFilter,
    AgendaPage,
    Circle,
    Cursor,
    Origin,
    Period,
    agenda_page,
    period_bounds,
)
from storage.tables import Region
from web.i18n import _
from web.state import page_context, sessions_of, templates_of

PRESETS: dict[str, Period] = {
    "aujourdhui": Period.TODAY,
    "ce-week-end": Period.WEEKEND,
    "cette-semaine": Period.WEEK,
    "ce-mois": Period.MONTH,
}
ORIGINS: dict[str, Origin] = {"region": Origin.LOCAL, "suivies": Origin.REMOTE, "tout": Origin.ALL}
DEFAULT_RADIUS_KM = 20.0
MAX_RADIUS_KM = 500.0
MAX_CITY = 120
TRUE_WORDS = frozenset({"1", "on", "oui", "true", "yes"})


def category_labels() -> dict[str, str]:
    return {
        "conference": _("Conférence"), "atelier": _("Atelier"), "exposition": _("Exposition"),
        "visite": _("Visite"), "sortie_nature": _("Sortie nature"), "festival": _("Festival"),
        "cafe_sciences": _("Café des sciences"),
        "science_participative": _("Science participative"), "projection": _("Projection"),
        "spectacle": _("Spectacle"), "formation": _("Formation"), "autre": _("Autre"),
    }


def audience_labels() -> dict[str, str]:
    return {
        "enfants": _("Enfants"), "ados": _("Adolescents"), "adultes": _("Adultes"),
        "familles": _("Familles"), "scolaires": _("Scolaires"),
        "professionnels": _("Professionnels"),
    }


def preset_labels() -> dict[str, str]:
    return {
        "aujourdhui": _("Aujourd'hui"), "ce-week-end": _("Ce week-end"),
        "cette-semaine": _("Cette semaine"), "ce-mois": _("Ce mois-ci"),
    }


def origin_labels() -> dict[str, str]:
    return {
        "tout": _("Toutes"), "region": _("De la région"), "suivies": _("Des régions suivies"),
    }


def status_labels() -> dict[str, str]:
    return {"cancelled": _("Annulé"), "postponed": _("Reporté"), "tentative": _("À confirmer")}


def zone_of(region: Region) -> ZoneInfo:
    try:
        return ZoneInfo(region.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Filters:
    """The filters of one request: for the query, for the form, and for links."""

    where: AgendaFilter
    values: dict[str, Any]  # what the form shows
    errors: dict[str, str] = field(default_factory=dict)  # form field → message
    after: Cursor | None = None
    params: tuple[tuple[str, str], ...] = ()  # the filters, normalised, without ``apres``
    feed_params: tuple[tuple[str, str], ...] = ()  # the same, in the feeds' vocabulary

    def query(self, **extra: str) -> str:
        """The query string of these filters (plus ``extra``), ``?`` included when not empty."""
        pairs = list(self.params) + [(k, v) for k, v in extra.items() if v]
        return "?" + urlencode(pairs) if pairs else ""

    def feed_query(self) -> str:
        return "?" + urlencode(self.feed_params) if self.feed_params else ""

    @property
    def active(self) -> bool:
        return bool(self.params)


def finite_number(raw: str) -> float:
    """A number from the query string (a decimal comma accepted); ``ValueError`` for anything
    else, NaN and infinities included."""
    value = float(raw.replace(",", ".").strip())
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def _day(raw: str) -> date:
    if len(raw) != 10:
        raise ValueError(raw)
    return date.fromisoformat(raw)


def _listed(params: QueryParams, name: str) -> list[str]:
    found: list[str] = []
    for raw in params.getlist(name):
        for part in raw.split(","):
            value = part.strip()
            if value and value not in found:
                found.append(value)
    return found


def read_filters(
    params: QueryParams | Mapping[str, Any], *, zone: ZoneInfo, now: datetime
) -> Filters:
    """Read and check the agenda filters of a query string; messages name the form fields."""
    if not isinstance(params, QueryParams):
        params = QueryParams(params)
    errors: dict[str, str] = {}
    out: list[tuple[str, str]] = []
    feed: list[tuple[str, str]] = []
    values: dict[str, Any] = {}

    # When
    running_from: datetime | None = None
    starts_before: datetime | None = None
    preset = (params.get("quand") or "").strip()
    first_day: date | None = None
    last_day: date | None = None
    if preset:
        values["quand"] = preset
        if preset in PRESETS:
            running_from, starts_before = period_bounds(PRESETS[preset], now, zone)
            first_day = running_from.date()
            last_day = starts_before.astimezone(zone).date() - timedelta(days=1)
            out.append(("quand", preset))
        else:
            errors["quand"] = _("Période inconnue.")
    else:
        for name in ("du", "au"):
            raw = (params.get(name) or "").strip()
            values[name] = raw
            if not raw:
                continue
            try:
                day = _day(raw)
            except ValueError:
                errors[name] = _("Date attendue au format AAAA-MM-JJ.")
                continue
            out.append((name, day.isoformat()))
            if name == "du":
                first_day = day
            else:
                last_day = day
        if first_day and last_day and last_day < first_day:
            errors["au"] = _("La date de fin précède la date de début.")
        if first_day:
            running_from = datetime.combine(first_day, time(0), tzinfo=zone)
        if last_day:
            starts_before = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
    if first_day:
        feed.append(("from", first_day.isoformat()))
    if last_day:
        feed.append(("to", last_day.isoformat()))

    # What and for whom
    categories = _listed(params, "categorie")
    values["categorie"] = categories
    for value in categories:
        if value not in CATEGORIES:
            errors["categorie"] = _("Catégorie inconnue : %(value)s") % {"value": value[:40]}
    audiences = _listed(params, "public")
    values["public"] = audiences
    for value in audiences:
        if value not in AUDIENCES:
            errors["public"] = _("Public inconnu : %(value)s") % {"value": value[:40]}
    out += [("categorie", c) for c in categories] + [("public", a) for a in audiences]
    feed += [("category", c) for c in categories] + [("audience", a) for a in audiences]

    free = (params.get("gratuit") or "").strip().lower() in TRUE_WORDS
    online = (params.get("en-ligne") or "").strip().lower() in TRUE_WORDS
    values["gratuit"], values["en_ligne"] = free, online
    if free:
        out.append(("gratuit", "1"))
    if online:
        out.append(("en-ligne", "1"))
        feed.append(("online", "1"))

    # Where
    city = " ".join((params.get("ville") or "").split())
    values["ville"] = city
    if len(city) > MAX_CITY:
        errors["ville"] = _("Nom de ville trop long (120 caractères au plus).")
    elif city:
        out.append(("ville", city))
        feed.append(("city", city))
    near = _circle(params, values, errors, out)

    origin_word = (params.get("origine") or "tout").strip()
    values["origine"] = origin_word
    if origin_word not in ORIGINS:
        errors["origine"] = _("Origine inconnue.")
    elif origin_word != "tout":
        out.append(("origine", origin_word))

    after: Cursor | None = None
    if params.get("apres"):
        try:
            after = Cursor.parse(params["apres"])
        except ValueError:
            errors["apres"] = _("Position de page invalide.")

    where = AgendaFilter(
        running_from=running_from,
        starts_before=starts_before,
        categories=tuple(categories),
        audiences=tuple(audiences),
        free_only=free,
        online_only=online,
        city=city or None,
        near=near,
        origin=ORIGINS.get(origin_word, Origin.ALL),
    )
    return Filters(where, values, errors, after, tuple(out), tuple(feed))


def _circle(
    params: QueryParams, values: dict[str, Any], errors: dict[str, str], out: list[tuple[str, str]]
) -> Circle | None:
    raw = {name: (params.get(name) or "").strip() for name in ("lat", "lon", "rayon")}
    values.update(raw)
    if not any(raw.values()):
        return None
    numbers: dict[str, float] = {}
    for name, text in raw.items():
        if not text:
            continue
        try:
            numbers[name] = finite_number(text)
        except ValueError:
            errors[name] = _("Nombre attendu.")
    if "lat" in numbers and not -90 <= numbers["lat"] <= 90:
        errors["lat"] = _("La latitude est comprise entre -90 et 90.")
    if "lon" in numbers and not -180 <= numbers["lon"] <= 180:
        errors["lon"] = _("La longitude est comprise entre -180 et 180.")
    radius = numbers.get("rayon", DEFAULT_RADIUS_KM)
    if not 0 < radius <= MAX_RADIUS_KM:
        errors["rayon"] = _("Le rayon est compris entre 0 et 500 km.")
    if not (raw["lat"] and raw["lon"]):
        errors.setdefault("lat", _("Indiquez la latitude et la longitude du point."))
    if any(name in errors for name in ("lat", "lon", "rayon")):
        return None
    out += [
        ("lat", f"{numbers['lat']:g}"), ("lon", f"{numbers['lon']:g}"), ("rayon", f"{radius:g}"),
    ]
    return Circle(numbers["lat"], numbers["lon"], radius)


def form_context(filters: Filters) -> dict[str, Any]:
    """What the filter form and the event list partials need."""
    return {
        "filters": filters,
        "values": filters.values,
        "errors": filters.errors,
        "categories": list(category_labels().items()),
        "category_labels": category_labels(),
        "audiences": list(audience_labels().items()),
        "presets": list(preset_labels().items()),
        "origins": list(origin_labels().items()),
        "status_labels": status_labels(),
        "field_labels": {
            "quand": _("Période"), "du": _("Du"), "au": _("Au"), "categorie": _("Catégories"),
            "public": _("Public"), "ville": _("Ville"), "lat": _("Latitude"),
            "lon": _("Longitude"), "rayon": _("Rayon (km)"), "origine": _("Origine"),
        },
    }


async def agenda(request: Request) -> Response:
    """``GET /agenda``."""
    now = utcnow()
    async with sessions_of(request)() as session:
        context = await page_context(request, session)
        filters = read_filters(request.query_params, zone=zone_of(context["region"]), now=now)
        page = AgendaPage([], None)
        if not filters.errors:
            page = await agenda_page(session, filters.where, now=now, after=filters.after)
    context.update(form_context(filters), page=page)
    return templates_of(request).TemplateResponse(
        request, "agenda.html", context, status_code=400 if filters.errors else 200
    )
