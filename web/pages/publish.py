"""Publishing forms: events (create, edit, cancel or postpone, delete) and publications
(articles and resources, job offers, calls), with a preview, an address search and images.

    /publier/evenement                     new event (``?as=username`` preselects the actor)
    /publier/evenement/modifier?uri=…      edit          /publier/evenement/statut?uri=…  status
    /publier/evenement/supprimer?uri=…     delete (a confirmation page, then POST)
    /publier/article  /publier/offre  /publier/appel       new publication of each kind
    /publier/publication/modifier?uri=…    edit a publication
    /publier/publication/supprimer?uri=…   delete a publication
    /publier/adresse?q=…                   address search (JSON, for the form's script)
    /media/{name}                          uploaded images

Every form works without JavaScript: the buttons "Aperçu" (render without saving — the
service runs in a transaction that is rolled back, so the preview shows exactly what would be
stored) and "Chercher l'adresse" re-render the form. Objects loaded before a rolled-back
transaction are expired by it, so what a page needs afterwards is copied into plain values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, time
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import NoMatchFound

from echofed.errors import Forbidden, Invalid, NotFound
from echofed.services.geocoding import Geocoder, GeocodingUnavailable, geocoder_from
from echofed.services.outbox import schedule_recorded
from echofed.services.publishing import (
    AUDIENCES,
    CATEGORIES,
    EventInput,
    PlaceInput,
    PostInput,
    create_event,
    create_post,
    delete_event,
    delete_post,
    local_event,
    local_post,
    publishing_actor,
    set_event_status,
    typed_summary,
    update_event,
    update_post,
)
from echofed.services.tokens import publishable_actors
from storage.tables import Account, Actor, Event, EventStatus, JoinMode, Place, Post
from web.auth import RateLimiter, check_csrf, current_account
from web.forms import (
    FORM_OVERHEAD,
    Form,
    max_upload_bytes,
    media_dir,
    media_file,
    read_form,
    save_media,
    uploaded_image,
)
from web.i18n import _
from web.pages.accounts import flash, render, setting, sign_in_redirect
from web.state import region_of, runtime_of, sessions_of
from web.templating import STATIC_DIR

STATUS_CHOICES = (
    EventStatus.SCHEDULED, EventStatus.POSTPONED, EventStatus.CANCELLED, EventStatus.TENTATIVE
)


class _Rollback(Exception):
    """Leave the transaction without writing (a preview)."""


def _category_labels() -> dict[str, str]:
    return {
        "conference": _("Conférence"), "atelier": _("Atelier"), "exposition": _("Exposition"),
        "visite": _("Visite"), "sortie_nature": _("Sortie nature"), "festival": _("Festival"),
        "cafe_sciences": _("Café des sciences"), "science_participative": _("Science participative"),
        "projection": _("Projection"), "spectacle": _("Spectacle"), "formation": _("Formation"),
        "autre": _("Autre"),
    }


def _audience_labels() -> dict[str, str]:
    return {
        "enfants": _("Enfants"), "ados": _("Adolescents"), "adultes": _("Adultes"),
        "familles": _("Familles"), "scolaires": _("Scolaires"), "professionnels": _("Professionnels"),
    }


def _status_labels() -> dict[str, str]:
    return {
        "scheduled": _("Maintenu"), "postponed": _("Reporté"), "cancelled": _("Annulé"),
        "tentative": _("À confirmer"),
    }


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def _fed(request: Request) -> Any:
    return request.app.state.fed


async def _choices(session: AsyncSession, account: Account) -> list[tuple[str, str]]:
    """(username, label) of the actors the account may publish as, as plain values."""
    return [
        (actor.username, f"{actor.name or actor.username} (@{actor.username})")
        for actor in await publishable_actors(session, account)
    ]


def _leaflet_base(request: Request) -> str | None:
    """Where Leaflet is served (``/static/vendor/leaflet/``), or None when it is not installed:
    the form then keeps its plain latitude and longitude fields."""
    try:
        return str(request.app.url_path_for("vendor_leaflet", path="/"))
    except NoMatchFound:
        if (STATIC_DIR / "vendor" / "leaflet" / "leaflet.js").is_file():
            return "/static/vendor/leaflet/"
        return None


def _map_settings(request: Request, region: Any) -> dict[str, Any]:
    return {
        "leaflet": _leaflet_base(request),
        "tiles": request.app.state.settings.map_tiles_url,
        "attribution": request.app.state.settings.map_attribution,
        "center": (region.center_lat, region.center_lon),
        "zoom": region.zoom,
    }


# ---------------------------------------------------------------------------------------------
# Images and addresses


async def _image_url(request: Request, form: Form) -> str | None:
    """The image the object will carry: a new upload (checked and stored under the media
    folder), else the one already there (hidden field), unless asked to remove it."""
    settings = request.app.state.settings
    upload = await uploaded_image(form, max_bytes=max_upload_bytes(settings))
    if upload is not None:
        name = save_media(media_dir(settings), upload)
        form.set("image-url", f"{runtime_of(request).urls.base}/media/{name}")
    if form.flag("remove-image"):
        form.set("image-url", "")
        return None
    url = form.optional("image-url")
    if url and not form.text("image-alt") and "image-alt" not in form.errors:
        form.add_error("image-alt", _("décrivez l'image pour qui ne la voit pas (texte alternatif)"))
    return url


def geocoder_of(request: Request) -> Geocoder:
    """The configured geocoder, built once per app (tests may put their own on app.state)."""
    geocoder: Geocoder | None = getattr(request.app.state, "geocoder", None)
    if geocoder is None:
        base = runtime_of(request).urls.base
        geocoder = geocoder_from(
            request.app.state.settings.geocoder_url,
            user_agent=setting(request, "geocoder_user_agent", f"echofed (+{base}/)"),
            timeout=float(setting(request, "geocoder_timeout", 5.0)),
            country_codes=setting(request, "geocoder_countries", "fr"),
        )
        request.app.state.geocoder = geocoder
    return geocoder


def _address_query(form: Form) -> str:
    typed = form.text("address-search")
    if typed:
        return typed
    return " ".join(
        part for part in (form.text("street"), form.text("postcode"), form.text("city")) if part
    )


async def _geocode_into(request: Request, form: Form) -> list[dict[str, Any]]:
    """The no-JavaScript address search: the first match fills the place's fields."""
    geocoder = geocoder_of(request)
    if not geocoder.available:
        form.add_error("address-search", _(
            "aucun service de recherche d'adresse n'est configuré : saisissez la latitude et la "
            "longitude, ou placez l'épingle sur la carte"))
        return []
    query = _address_query(form)
    if not query:
        form.add_error("address-search", _("saisissez une adresse à chercher"))
        return []
    try:
        results = await geocoder.search(query)
    except GeocodingUnavailable:
        form.add_error("address-search", _(
            "la recherche d'adresse ne répond pas : saisissez les coordonnées à la main"))
        return []
    if not results:
        form.add_error("address-search", _("aucune adresse trouvée"))
        return []
    first = results[0]
    form.set("lat", f"{first.latitude:.6f}")
    form.set("lon", f"{first.longitude:.6f}")
    for name, value in (("place-name", first.name), ("street", first.street),
                        ("postcode", first.postcode), ("city", first.city),
                        ("country", first.country)):
        if value and not form.text(name):
            form.set(name, value)
    return [place.as_dict() for place in results]


async def address_search(request: Request) -> Response:
    """``GET /publier/adresse?q=…``: candidates as JSON (signed-in contributors only, and
    rate-limited, so the instance is not an open proxy to the geocoding service)."""
    async with sessions_of(request)() as session:
        account = await current_account(request, session)
    if account is None:
        return JSONResponse({"error": _("connexion requise")}, status_code=401)
    limiter = getattr(request.app.state, "geocoding_limiter", None)
    if limiter is None:
        limiter = request.app.state.geocoding_limiter = RateLimiter(limit=30, window=60.0)
    if not limiter.allow(f"geocode|{account.id}"):
        return JSONResponse({"error": _("trop de recherches : patientez une minute")}, status_code=429)
    geocoder = geocoder_of(request)
    if not geocoder.available:
        return JSONResponse({"available": False, "results": []})
    try:
        results = await geocoder.search(request.query_params.get("q", ""))
    except GeocodingUnavailable as exc:
        return JSONResponse({"error": _(exc.public_message)}, status_code=503)
    return JSONResponse({"available": True, "results": [r.as_dict() for r in results]})


async def media(request: Request) -> Response:
    path = media_file(media_dir(request.app.state.settings), request.path_params["name"])
    if path is None:
        raise HTTPException(404, _("Image introuvable"))
    return FileResponse(
        path,
        media_type={"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[path.suffix[1:]],
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


# ---------------------------------------------------------------------------------------------
# The steps every publishing form shares

Page = Callable[..., Awaitable[Response]]  # re-renders the form: page(status_code=…, preview=…)
Store = Callable[[bool], Awaitable[tuple[str, dict[str, Any] | None]]]


async def _submitted(request: Request) -> Form | None:
    """The posted form with its CSRF token checked (room left for an image), or None on GET."""
    if request.method != "POST":
        return None
    form = await read_form(
        request, max_bytes=max_upload_bytes(request.app.state.settings) + FORM_OVERHEAD
    )
    check_csrf(request, form.get("csrf"))
    return form


def _fresh_form(request: Request, choices: list[tuple[str, str]], **defaults: str) -> Form:
    """An empty form publishing as ``?as=`` when the account may, else as its first choice."""
    wanted = request.query_params.get("as", "")
    publish_as = wanted if wanted in dict(choices) else (choices[0][0] if choices else "")
    return Form({"as": publish_as, **defaults})


async def _save(request: Request, session: AsyncSession, form: Form, page: Page, store: Store) -> Response:
    """Run ``store`` in one transaction. « Aperçu » shows what it would store and rolls back;
    otherwise the change and its activity commit together, the fan-out is scheduled and the
    browser goes to the object. A refusal is shown next to its field."""
    previewing = form.get("action") == "preview"
    target, preview = "", None
    try:
        async with session.begin():
            target, preview = await store(previewing)
            if previewing:
                raise _Rollback
    except _Rollback:
        return await page(preview=preview)
    except Invalid as exc:
        form.invalid(exc)
    except (Forbidden, NotFound) as exc:
        form.add_error("as", exc.public_message)
    if not form.ok:
        return await page(status_code=422)
    await schedule_recorded(session, _fed(request).scheduler)
    return RedirectResponse(target, status_code=303)


# ---------------------------------------------------------------------------------------------
# Events


def _event_input(form: Form, image_url: str | None) -> EventInput:
    if not form.text("title"):
        form.add_error("title", _("le titre est obligatoire"))
    if not form.text("start"):
        form.add_error("start", _("la date de début est obligatoire"))
    lat, lon = form.number("lat"), form.number("lon")
    has_place = lat is not None or lon is not None or any(
        form.text(name) for name in ("place-name", "street", "postcode", "city")
    )
    place = PlaceInput(
        name=form.text("place-name"), street=form.text("street"), postcode=form.text("postcode"),
        city=form.text("city"), country=form.text("country") or "FR",
        latitude=float(lat) if lat is not None else None,
        longitude=float(lon) if lon is not None else None,
    ) if has_place else None
    capacity = form.number("capacity", integer=True)
    return EventInput(
        title=form.text("title"),
        start=form.text("start"),
        end=form.optional("end"),
        timezone=form.optional("timezone"),
        all_day=form.flag("all-day"),
        description_md=form.get("description").strip(),
        place=place,
        online_url=form.optional("online-url"),
        category=form.optional("category"),
        tags=tuple(form.items("tags")),
        audience=tuple(form.values("audience")),
        price=form.optional("price"),
        accessibility=form.text("accessibility"),
        image_url=image_url,
        image_alt=form.text("image-alt") if image_url else "",
        capacity=int(capacity) if capacity is not None else None,
        join_mode=form.text("join-mode") or JoinMode.FREE,
        registration_url=form.optional("registration-url"),
    )


def _local_input(value: datetime | None, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if value else ""


def _event_form_values(event: Event, place: Place | None) -> Form:
    return Form({
        "title": event.title, "start": _local_input(event.starts_at, event.timezone),
        "end": _local_input(event.ends_at, event.timezone), "timezone": event.timezone,
        "all-day": "1" if event.all_day else "", "description": event.source_md or "",
        "place-name": place.name if place else "", "street": place.street if place else "",
        "postcode": place.postcode if place else "", "city": place.city if place else "",
        "country": place.country if place else "FR",
        "lat": "" if place is None or place.latitude is None else f"{place.latitude:.6f}",
        "lon": "" if place is None or place.longitude is None else f"{place.longitude:.6f}",
        "online-url": event.online_url, "category": event.category,
        "tags": ", ".join(event.tags), "audience": list(event.audience), "price": event.price,
        "accessibility": event.accessibility, "image-url": event.image_url,
        "image-alt": event.image_alt, "capacity": event.capacity,
        "join-mode": event.join_mode, "registration-url": event.registration_url,
    })


async def _event_preview(session: AsyncSession, event: Event, actor: Actor) -> dict[str, Any]:
    place = await session.get(Place, event.place_id) if event.place_id else None
    return {
        "title": event.title, "starts_at": event.starts_at, "ends_at": event.ends_at,
        "timezone": event.timezone, "content_html": event.content_html, "status": event.status,
        "online_url": event.online_url, "category": event.category, "tags": list(event.tags),
        "price": event.price, "accessibility": event.accessibility,
        "image_url": event.image_url, "image_alt": event.image_alt,
        "place": None if place is None else {
            "name": place.name, "street": place.street, "postcode": place.postcode,
            "city": place.city, "latitude": place.latitude, "longitude": place.longitude,
        },
        "actor": actor.name or actor.username,
    }


@dataclass(frozen=True)
class _Editing:
    uri: str
    title: str
    path: str
    actor: str


async def _editable(session: AsyncSession, uri: str, account: Account) -> tuple[Event, Actor]:
    event, actor = await local_event(session, uri)
    await publishing_actor(session, actor.username, account)  # Forbidden for others
    return event, actor


async def _event_page(
    request: Request, session: AsyncSession, form: Form, *, choices: list[tuple[str, str]],
    editing: _Editing | None, status_code: int = 200, preview: dict[str, Any] | None = None,
    geocoded: list[dict[str, Any]] | None = None,
) -> Response:
    region = await region_of(session)
    if not form.get("timezone"):
        form.set("timezone", region.timezone)
    return await render(
        request, session, "publish/event.html", status_code=status_code, form=form,
        choices=choices, editing=editing, preview=preview, geocoded=geocoded or [],
        categories=[(c, _category_labels()[c]) for c in CATEGORIES],
        audiences=[(a, _audience_labels()[a]) for a in AUDIENCES],
        join_modes=[(JoinMode.FREE.value, _("Libre")), (JoinMode.RESTRICTED.value, _("Sur validation")),
                    (JoinMode.EXTERNAL.value, _("Inscription sur un autre site"))],
        map=_map_settings(request, region), geocoder=geocoder_of(request).available,
        max_upload_mb=round(max_upload_bytes(request.app.state.settings) / (1024 * 1024), 1),
    )


async def event_new(request: Request) -> Response:
    return await _event_form(request, uri=None)


async def event_edit(request: Request) -> Response:
    uri = request.query_params.get("uri", "")
    if not uri:
        raise HTTPException(404, _("Événement introuvable"))
    return await _event_form(request, uri=uri)


async def _event_form(request: Request, *, uri: str | None) -> Response:
    form = await _submitted(request)
    async with sessions_of(request)() as session:
        account = await current_account(request, session)
        if account is None:
            return sign_in_redirect(request)
        choices = await _choices(session, account)
        editing = None
        if uri is not None:
            event, actor = await _editable(session, uri, account)
            editing = _Editing(event.uri, event.title, _path(event.url or event.uri), actor.username)
            if form is None:
                place = await session.get(Place, event.place_id) if event.place_id else None
                form = _event_form_values(event, place)
        region_zone = (await region_of(session)).timezone
        await session.commit()  # end the reads; loaded objects stay usable (no expiry on commit)
        filled = form or _fresh_form(request, choices, country="FR", **{"join-mode": "free"})
        page = partial(_event_page, request, session, filled, choices=choices, editing=editing)
        if request.method != "POST":
            return await page()
        image_url = await _image_url(request, filled)
        if filled.get("action") == "geocode":
            geocoded = await _geocode_into(request, filled)
            return await page(geocoded=geocoded, status_code=200 if geocoded else 422)
        data = _event_input(filled, image_url)
        if not filled.ok:
            return await page(status_code=422)
        urls = runtime_of(request).urls

        async def store(previewing: bool) -> tuple[str, dict[str, Any] | None]:
            if editing is not None:
                event = await update_event(session, urls, editing.uri, data, account=account,
                                           default_timezone=region_zone)
                actor = await publishing_actor(session, editing.actor, account)
            else:
                actor = await publishing_actor(session, filled.text("as"), account)
                event = await create_event(session, urls, actor, data, default_timezone=region_zone)
            preview = await _event_preview(session, event, actor) if previewing else None
            return _path(event.url or event.uri), preview

        return await _save(request, session, filled, page, store)


async def _event_for_action(request: Request, session: AsyncSession) -> tuple[Account, _Editing, str]:
    account = await current_account(request, session)
    if account is None:
        raise _SignIn
    uri = request.query_params.get("uri", "")
    event, actor = await _editable(session, uri, account)
    editing = _Editing(event.uri, event.title, _path(event.url or event.uri), actor.username)
    status = event.status
    await session.commit()
    return account, editing, status


class _SignIn(Exception):
    """The page needs a signed-in account."""


async def event_status(request: Request) -> Response:
    form = None
    if request.method == "POST":
        form = await read_form(request)
        check_csrf(request, form.get("csrf"))
    async with sessions_of(request)() as session:
        try:
            account, editing, status = await _event_for_action(request, session)
        except _SignIn:
            return sign_in_redirect(request)
        options = [(s.value, _status_labels()[s.value]) for s in STATUS_CHOICES]
        if form is None:
            return await render(request, session, "publish/event_status.html",
                                form=Form({"status": status}), editing=editing, options=options)
        try:
            async with session.begin():
                await set_event_status(session, runtime_of(request).urls, editing.uri,
                                       form.text("status"), account=account)
        except Invalid as exc:
            form.invalid(exc)
            return await render(request, session, "publish/event_status.html", form=form,
                                editing=editing, options=options, status_code=422)
        await schedule_recorded(session, _fed(request).scheduler)
        return RedirectResponse(editing.path, status_code=303)


async def event_delete(request: Request) -> Response:
    form = None
    if request.method == "POST":
        form = await read_form(request)
        check_csrf(request, form.get("csrf"))
    async with sessions_of(request)() as session:
        try:
            account, editing, _status = await _event_for_action(request, session)
        except _SignIn:
            return sign_in_redirect(request)
        if form is None or not form.flag("confirm"):
            form = form or Form()
            if request.method == "POST":
                form.add_error("confirm", _("cochez la case pour confirmer la suppression"))
            return await render(
                request, session, "publish/delete.html", form=form, title=editing.title,
                path=editing.path, action=f"/publier/evenement/supprimer?uri={quote(editing.uri, safe='')}",
                kind=_("l'événement"), status_code=422 if form.errors else 200,
            )
        async with session.begin():
            await delete_event(session, runtime_of(request).urls, editing.uri, account=account)
        await schedule_recorded(session, _fed(request).scheduler)
    flash(request, _("« {title} » a été supprimé.").format(title=editing.title))
    return RedirectResponse("/compte", status_code=303)


# ---------------------------------------------------------------------------------------------
# Publications: articles and resources, job offers, calls


@dataclass(frozen=True)
class PostForm:
    path: str
    kinds: tuple[str, ...]  # the first is the default

    def heading(self) -> str:
        return {
            "article": _("Publier un article ou une ressource"),
            "job_offer": _("Publier une offre d'emploi"),
            "call": _("Publier un appel"),
        }[self.kinds[0]]


POST_FORMS = {
    "article": PostForm("/publier/article", ("article", "resource")),
    "offre": PostForm("/publier/offre", ("job_offer",)),
    "appel": PostForm("/publier/appel", ("call",)),
}


def _deadline(form: Form, zone: str) -> datetime | None:
    raw = form.text("deadline")
    if not raw:
        return None
    try:
        day = datetime.fromisoformat(raw).date()
    except ValueError:
        form.add_error("deadline", _("date attendue (AAAA-MM-JJ)"))
        return None
    return datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(zone))


def _post_input(form: Form, spec: PostForm, image_url: str | None, zone: str) -> PostInput:
    if not form.text("title"):
        form.add_error("title", _("le titre est obligatoire"))
    kind = form.text("kind") or spec.kinds[0]
    if kind not in spec.kinds:
        form.add_error("kind", _("type de publication inconnu"))
    city = form.text("city")
    return PostInput(
        kind=kind, title=form.text("title"), body_md=form.get("body").strip(),
        summary=form.text("summary"), tags=tuple(form.items("tags")),
        image_url=image_url, image_alt=form.text("image-alt") if image_url else "",
        contract=form.optional("contract") if "job_offer" in spec.kinds else None,
        call_kind=form.optional("call-kind") if "call" in spec.kinds else None,
        deadline=_deadline(form, zone) if spec.kinds[0] != "article" else None,
        link_url=form.optional("link-url"),
        place=PlaceInput(city=city) if city else None,
    )


def _post_preview(post: Post, actor: Actor, city: str) -> dict[str, Any]:
    return {
        "title": post.title, "summary": post.summary, "content_html": post.content_html,
        "kind": post.kind, "tags": list(post.tags), "image_url": post.image_url,
        "image_alt": post.image_alt, "contract": post.contract, "deadline": post.deadline,
        "link_url": post.link_url, "city": city, "actor": actor.name or actor.username,
    }


def _post_form_values(post: Post, place: Place | None, zone: str) -> Form:
    return Form({
        "kind": post.kind, "title": post.title, "summary": typed_summary(post),
        "body": post.source_md or "", "tags": ", ".join(post.tags),
        "contract": post.contract, "call-kind": post.call_kind,
        "deadline": post.deadline.astimezone(ZoneInfo(zone)).date().isoformat() if post.deadline else "",
        "city": place.city if place else "", "link-url": post.link_url,
        "image-url": post.image_url, "image-alt": post.image_alt,
    })


async def _editable_post(session: AsyncSession, uri: str, account: Account) -> tuple[Post, Actor]:
    post, actor = await local_post(session, uri)
    await publishing_actor(session, actor.username, account)  # Forbidden for others
    return post, actor


def _spec_for(kind: str) -> PostForm:
    return next(spec for spec in POST_FORMS.values() if kind in spec.kinds)


async def post_new(request: Request) -> Response:
    spec = POST_FORMS.get(request.path_params["kind"])
    if spec is None:
        raise HTTPException(404, _("Page introuvable"))
    return await _post_form(request, spec, uri=None)


async def post_edit(request: Request) -> Response:
    """``/publier/publication/modifier?uri=…``: the same form, filled with the publication."""
    uri = request.query_params.get("uri", "")
    if not uri:
        raise HTTPException(404, _("Publication introuvable"))
    return await _post_form(request, None, uri=uri)


async def _post_form(request: Request, spec: PostForm | None, *, uri: str | None) -> Response:
    form = await _submitted(request)
    async with sessions_of(request)() as session:
        account = await current_account(request, session)
        if account is None:
            return sign_in_redirect(request)
        choices = await _choices(session, account)
        zone = (await region_of(session)).timezone
        editing, attachments = None, ()
        if uri is not None:
            post, actor = await _editable_post(session, uri, account)
            spec = _spec_for(post.kind)
            editing = _Editing(post.uri, post.title, _path(post.url or post.uri), actor.username)
            attachments = tuple(a["url"] for a in post.attachments if a.get("url"))
            if form is None:
                place = await session.get(Place, post.place_id) if post.place_id else None
                form = _post_form_values(post, place, zone)
        await session.commit()
        assert spec is not None
        filled = form or _fresh_form(request, choices, kind=spec.kinds[0])
        page = partial(
            render, request, session, "publish/post.html", form=filled, spec=spec, choices=choices,
            editing=editing, preview=None,
            kind_labels={"article": _("Article"), "resource": _("Ressource"),
                         "job_offer": _("Offre d'emploi"), "call": _("Appel")},
            max_upload_mb=round(max_upload_bytes(request.app.state.settings) / (1024 * 1024), 1),
        )
        if request.method != "POST":
            return await page()
        image_url = await _image_url(request, filled)
        data = replace(_post_input(filled, spec, image_url, zone), attachments=attachments)
        if not filled.ok:
            return await page(status_code=422)
        urls = runtime_of(request).urls

        async def store(previewing: bool) -> tuple[str, dict[str, Any] | None]:
            if editing is not None:
                post = await update_post(session, urls, editing.uri, data, account=account)
                actor = await publishing_actor(session, editing.actor, account)
            else:
                actor = await publishing_actor(session, filled.text("as"), account)
                post = await create_post(session, urls, actor, data)
            preview = _post_preview(post, actor, filled.text("city")) if previewing else None
            return _path(post.url or post.uri), preview

        return await _save(request, session, filled, page, store)


async def post_delete(request: Request) -> Response:
    form = None
    if request.method == "POST":
        form = await read_form(request)
        check_csrf(request, form.get("csrf"))
    uri = request.query_params.get("uri", "")
    async with sessions_of(request)() as session:
        account = await current_account(request, session)
        if account is None:
            return sign_in_redirect(request)
        post, _actor = await _editable_post(session, uri, account)
        title, path = post.title, _path(post.url or post.uri)
        await session.commit()
        if form is None or not form.flag("confirm"):
            form = form or Form()
            if request.method == "POST":
                form.add_error("confirm", _("cochez la case pour confirmer la suppression"))
            return await render(
                request, session, "publish/delete.html", form=form, title=title, path=path,
                action=f"/publier/publication/supprimer?uri={quote(uri, safe='')}", kind=_("la publication"),
                status_code=422 if form.errors else 200,
            )
        async with session.begin():
            await delete_post(session, runtime_of(request).urls, uri, account=account)
        await schedule_recorded(session, _fed(request).scheduler)
    flash(request, _("« {title} » a été supprimé.").format(title=title))
    return RedirectResponse("/compte", status_code=303)
