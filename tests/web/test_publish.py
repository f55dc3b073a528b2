"""Publishing through the real app: events as an organisation (federated through the outbox),
validation next to the field, preview, edit/cancel/delete, images, address search, articles,
offers and calls, and editing them."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.testclient import TestClient

from echofed.services.geocoding import GeocodingUnavailable, ManualGeocoder, NominatimGeocoder
from storage.columns import utcnow
from storage.tables import Actor, ActorKind, Event, OutboxActivity, Post
from tests.web.test_account_pages import (
    count,
    error_for,
    in_db,
    path_of,
    post_form,
    quick_password_hashes,  # noqa: F401 (an autouse fixture)
    running_app,
    sign_in,
    sign_out,
    sign_up,
)

YEAR = utcnow().year + 1
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EVENT = {
    "as": "vaisseau",
    "title": "Nuit des étoiles",
    "start": f"{YEAR}-08-09T21:00",
    "end": f"{YEAR}-08-10T01:00",
    "timezone": "Europe/Paris",
    "category": "sortie_nature",
    "description": "Observation **guidée** du ciel",
    "audience": ["familles", "adultes"],
    "tags": "astronomie, nuit des étoiles",
    "place-name": "Le Vaisseau",
    "street": "1 bis rue Philippe Dollinger",
    "postcode": "67100",
    "city": "Strasbourg",
    "country": "FR",
    "lat": "48.5764",
    "lon": "7.7651",
    "price": "Gratuit",
    "join-mode": "free",
    "action": "save",
}
NOMINATIM_ANSWER = [{
    "lat": "48.5763", "lon": "7.7650", "name": "Le Vaisseau",
    "display_name": "Le Vaisseau, 1b, Rue Philippe Dollinger, Strasbourg, 67100, France",
    "address": {"house_number": "1b", "road": "Rue Philippe Dollinger", "city": "Strasbourg",
                "postcode": "67100", "state": "Grand Est", "country_code": "fr"},
}]


def publish(client: TestClient, path: str = "/publier/evenement", **fields: Any) -> httpx2.Response:
    files = fields.pop("files", None)
    return post_form(client, path, {**EVENT, **fields}, page=path, files=files)


def with_organisation(client: TestClient, email: str = "staff@vaisseau.example") -> None:
    assert sign_up(client, email, "sam", name="Sam").status_code == 303
    made = post_form(client, "/compte/organisations/nouvelle", {"name": "Le Vaisseau", "username": "vaisseau"})
    assert made.status_code == 303


def activities(database_url: str) -> list[tuple[str, str | None]]:
    """What the publishing actors sent (the instance actor's relays left aside)."""

    async def work(session: AsyncSession) -> list[tuple[str, str | None]]:
        query = (
            select(OutboxActivity)
            .join(Actor, col(Actor.id) == OutboxActivity.actor_id)
            .where(Actor.kind != ActorKind.APPLICATION)
            .order_by(col(OutboxActivity.id))
        )
        return [(row.type, row.object_uri) for row in (await session.exec(query)).all()]

    return in_db(database_url, work)


@pytest.fixture
def client(fresh_sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with running_app(fresh_sqlite_url, tmp_path) as client:
        with_organisation(client)
        yield client


def test_a_member_publishes_an_event_as_the_organisation(database_url: str, tmp_path: Path) -> None:
    with running_app(database_url, tmp_path) as client:
        assert sign_up(client, "staff@vaisseau.example", "sam", name="Sam").status_code == 303
        sign_out(client)
        assert sign_in(client, "staff@vaisseau.example").status_code == 303
        made = post_form(client, "/compte/organisations/nouvelle", {"name": "Le Vaisseau", "username": "vaisseau"})
        assert made.status_code == 303
        form = client.get("/publier/evenement?as=vaisseau").text
        assert '<option value="vaisseau" selected>' in form and '<option value="sam">' in form
        assert 'enctype="multipart/form-data"' in form and '<label for="lat">' in form
        assert client.get("/static/publish.js").status_code == 200
        leaflet = re.search(r'<script src="([^"]+leaflet\.js)"', form)
        if leaflet:  # the map pin, when Leaflet is installed; the plain fields work without it
            assert client.get(leaflet.group(1)).status_code == 200
        response = publish(client)
        assert response.status_code == 303
        path = path_of(response)
        assert path.startswith("/events/")
        page = client.get(path)
        assert page.status_code == 200
        assert "Nuit des étoiles" in page.text and "Le Vaisseau" in page.text
        assert "<strong>guidée</strong>" in page.text
        assert "Nuit des étoiles" in client.get("/@vaisseau").text
        assert "Nuit des étoiles" in client.get("/compte").text

    async def stored(session: AsyncSession) -> Event:
        return (await session.exec(select(Event))).one()

    event = in_db(database_url, stored)
    assert event.uri == f"https://grandest.test{path}"
    assert event.tags == ["astronomie", "nuit des étoiles"] and event.audience == ["familles", "adultes"]
    assert (event.latitude, event.longitude, event.city) == (48.5764, 7.7651, "Strasbourg")
    assert event.starts_at.astimezone().utcoffset() is not None
    assert activities(database_url) == [("Create", event.uri)]


def test_validation_errors_are_shown_next_to_the_field_and_nothing_is_stored(
    client: TestClient, fresh_sqlite_url: str
) -> None:
    backwards = publish(client, end=f"{YEAR}-08-09T20:00")
    assert backwards.status_code == 422
    assert error_for(backwards.text, "end") == "la fin précède le début"
    assert 'value="Nuit des étoiles"' in backwards.text  # the rest is kept
    several = publish(client, title="", capacity="beaucoup", lat="quarante-huit")
    assert several.status_code == 422
    assert error_for(several.text, "title") == "le titre est obligatoire"
    assert error_for(several.text, "capacity") == "nombre entier attendu"
    assert error_for(several.text, "lat") == "nombre attendu"
    half = publish(client, lon="")
    assert error_for(half.text, "lat") == "latitude et longitude vont ensemble"
    registration = publish(client, **{"join-mode": "external"})
    assert error_for(registration.text, "registration-url")
    nowhere = publish(client, **{k: "" for k in ("place-name", "street", "postcode", "city", "lat", "lon")})
    assert error_for(nowhere.text, "place-name")
    assert count(fresh_sqlite_url, Event) == 0 and activities(fresh_sqlite_url) == []


def test_forged_forms_are_refused_and_change_nothing(client: TestClient, fresh_sqlite_url: str) -> None:
    refused = client.post("/publier/evenement", data={**EVENT, "as": "vaisseau", "csrf": "forged"})
    assert refused.status_code == 403
    assert count(fresh_sqlite_url, Event) == 0


def test_preview_renders_without_saving(client: TestClient, fresh_sqlite_url: str) -> None:
    preview = publish(client, action="preview")
    assert preview.status_code == 200
    assert "Aperçu" in preview.text and "<strong>guidée</strong>" in preview.text
    assert "samedi 9 août" in preview.text or "9 août" in preview.text
    assert count(fresh_sqlite_url, Event) == 0 and activities(fresh_sqlite_url) == []


def test_edit_cancel_and_delete_an_event(client: TestClient, fresh_sqlite_url: str) -> None:
    path = path_of(publish(client, **{"as": "vaisseau"}))
    uri = f"https://grandest.test{path}"
    edit = f"/publier/evenement/modifier?uri={uri}"
    assert f'href="/publier/evenement/modifier?uri={uri.replace(":", "%3A")}"' in client.get(path).text
    form = client.get(edit).text
    assert 'value="Nuit des étoiles"' in form and f'value="{YEAR}-08-09T21:00"' in form
    assert 'value="familles" checked' in form
    changed = publish(client, edit, title="Nuit des étoiles (complet)")
    assert changed.status_code == 303 and path_of(changed) == path
    assert "Nuit des étoiles (complet)" in client.get(path).text

    status = f"/publier/evenement/statut?uri={uri}"
    assert post_form(client, status, {"status": "cancelled"}).status_code == 303
    assert "annulé" in client.get(path).text.lower()

    async def status_of(session: AsyncSession) -> str:
        return (await session.exec(select(Event))).one().status

    assert in_db(fresh_sqlite_url, status_of) == "cancelled"

    remove = f"/publier/evenement/supprimer?uri={uri}"
    assert "Supprimer « Nuit des étoiles (complet) » ?" in client.get(remove).text
    unconfirmed = post_form(client, remove, {})
    assert unconfirmed.status_code == 422 and error_for(unconfirmed.text, "confirm")
    deleted = post_form(client, remove, {"confirm": "1"})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/compte"
    assert client.get(path).status_code == 410
    assert [t for t, _uri in activities(fresh_sqlite_url)] == ["Create", "Update", "Update", "Delete"]


def test_others_cannot_publish_or_edit_for_an_organisation(client: TestClient, fresh_sqlite_url: str) -> None:
    path = path_of(publish(client, **{"as": "vaisseau"}))
    sign_out(client)
    assert sign_up(client, "intrus@example.org", "intrus").status_code == 303
    assert '<option value="vaisseau"' not in client.get("/publier/evenement").text
    posing = publish(client, **{"as": "vaisseau"})
    assert posing.status_code == 422 and "vaisseau" in (error_for(posing.text, "as") or "")
    uri = f"https://grandest.test{path}"
    assert client.get(f"/publier/evenement/modifier?uri={uri}").status_code == 403
    assert post_form(client, f"/publier/evenement/supprimer?uri={uri}", {"confirm": "1"},
                     page="/compte").status_code == 403
    assert count(fresh_sqlite_url, Event) == 1
    sign_out(client)
    assert client.get("/publier/evenement", follow_redirects=False).headers["location"].startswith("/connexion?next=")


def test_images_are_checked_stored_and_served(client: TestClient, fresh_sqlite_url: str, tmp_path: Path) -> None:
    media = tmp_path / "media"
    gif = publish(client, **{"image-alt": "Le ciel"}, files={"image": ("ciel.png", b"GIF89a" + b"\0" * 32, "image/png")})
    assert gif.status_code == 422 and "JPEG, PNG ou WebP" in (error_for(gif.text, "image") or "")
    big = PNG + b"\0" * (5 * 1024 * 1024)
    too_big = publish(client, **{"image-alt": "Le ciel"}, files={"image": ("ciel.png", big, "image/png")})
    assert too_big.status_code == 422 and "trop volumineuse" in (error_for(too_big.text, "image") or "")
    no_alt = publish(client, files={"image": ("ciel.png", PNG, "image/png")})
    assert no_alt.status_code == 422 and error_for(no_alt.text, "image-alt")
    assert count(fresh_sqlite_url, Event) == 0
    assert not media.exists() or list(media.iterdir()) == []

    webp = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\0" * 32
    saved = publish(client, **{"image-alt": "Le ciel étoilé au-dessus du Vaisseau"},
                    files={"image": ("ciel.bin", webp, "application/octet-stream")})
    assert saved.status_code == 303
    [stored] = list(media.iterdir())
    assert stored.suffix == ".webp" and stored.read_bytes() == webp

    async def image(session: AsyncSession) -> tuple[str | None, str]:
        event = (await session.exec(select(Event))).one()
        return event.image_url, event.image_alt

    url, alt = in_db(fresh_sqlite_url, image)
    assert url == f"https://grandest.test/media/{stored.name}" and alt.startswith("Le ciel")
    served = client.get(f"/media/{stored.name}")
    assert served.status_code == 200 and served.content == webp
    assert served.headers["content-type"] == "image/webp"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert client.get("/media/..%2Fechofed.db").status_code == 404
    assert client.get("/media/" + "0" * 32 + ".png").status_code == 404


def _nominatim(seen: list[httpx2.Request], answer: Any = None, status: int = 200) -> NominatimGeocoder:
    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(status, json=NOMINATIM_ANSWER if answer is None else answer)

    return NominatimGeocoder(
        "https://geo.example/nominatim/", user_agent="echofed-test (+https://grandest.test/)",
        timeout=2.0, min_interval=0, transport=httpx2.MockTransport(handler),
    )


async def test_nominatim_backend_asks_politely_and_reads_addresses() -> None:
    seen: list[httpx2.Request] = []
    [place] = await _nominatim(seen).search("  1 bis rue Philippe   Dollinger Strasbourg ")
    assert (place.latitude, place.longitude) == (48.5763, 7.765)
    assert (place.name, place.street, place.postcode, place.city, place.country) == (
        "Le Vaisseau", "1b Rue Philippe Dollinger", "67100", "Strasbourg", "FR")
    [request] = seen
    assert request.url.path == "/nominatim/search"
    assert request.url.params["q"] == "1 bis rue Philippe Dollinger Strasbourg"
    assert request.url.params["format"] == "jsonv2" and request.url.params["countrycodes"] == "fr"
    assert request.headers["user-agent"] == "echofed-test (+https://grandest.test/)"
    with pytest.raises(GeocodingUnavailable):
        await _nominatim([], status=503).search("Strasbourg")
    with pytest.raises(GeocodingUnavailable):
        await _nominatim([], answer={"error": "nope"}).search("Strasbourg")
    assert await _nominatim([], answer=[{"lat": "x", "lon": "1"}]).search("Strasbourg") == []
    assert await ManualGeocoder().search("Strasbourg") == []
    paced = _nominatim(seen)
    paced.min_interval = 0.2
    started = time.monotonic()
    await paced.search("Metz")
    await paced.search("Nancy")
    assert time.monotonic() - started >= 0.2  # one request per interval, as Nominatim asks


def test_address_search_fills_coordinates_or_says_to_place_the_pin(client: TestClient) -> None:
    address = {"address-search": "1 bis rue Philippe Dollinger", "action": "geocode", "lat": "", "lon": "",
               "place-name": "", "street": "", "postcode": "", "city": ""}
    manual = publish(client, **address)
    assert manual.status_code == 422 and "épingle" in (error_for(manual.text, "address-search") or "")
    assert client.get("/publier/adresse?q=Strasbourg").json() == {"available": False, "results": []}

    seen: list[httpx2.Request] = []
    client.app.state.geocoder = _nominatim(seen)  # type: ignore[attr-defined]
    found = publish(client, **address)
    assert found.status_code == 200
    assert 'value="48.576300"' in found.text and 'value="7.765000"' in found.text
    assert 'value="Rue Philippe Dollinger"' not in found.text and 'value="1b Rue Philippe Dollinger"' in found.text
    answer = client.get("/publier/adresse", params={"q": "Le Vaisseau Strasbourg"})
    assert answer.json()["results"][0]["city"] == "Strasbourg"
    assert len(seen) == 2
    sign_out(client)
    assert client.get("/publier/adresse?q=x").status_code == 401


def test_articles_offers_and_calls(client: TestClient, fresh_sqlite_url: str) -> None:
    missing = post_form(client, "/publier/article", {"as": "vaisseau", "kind": "resource", "title": ""})
    assert missing.status_code == 422 and error_for(missing.text, "title")
    preview = post_form(client, "/publier/article", {
        "as": "vaisseau", "kind": "resource", "title": "Dossier : les comètes", "body": "Un *dossier*",
        "action": "preview",
    })
    assert preview.status_code == 200 and "<em>dossier</em>" in preview.text
    assert count(fresh_sqlite_url, Post) == 0

    article = post_form(client, "/publier/article", {
        "as": "vaisseau", "kind": "resource", "title": "Dossier : les comètes", "body": "Un *dossier*",
        "tags": "comètes, astronomie",
    })
    assert article.status_code == 303 and path_of(article).startswith("/posts/")
    assert "Dossier : les comètes" in client.get(path_of(article)).text
    offer = post_form(client, "/publier/offre", {
        "as": "vaisseau", "title": "Médiateur·rice scientifique", "contract": "CDD 12 mois",
        "deadline": f"{YEAR}-03-31", "city": "Strasbourg", "link-url": "https://vaisseau.example/emploi",
    })
    assert offer.status_code == 303
    bad_deadline = post_form(client, "/publier/appel", {"as": "vaisseau", "title": "Appel", "deadline": "demain"})
    assert error_for(bad_deadline.text, "deadline")
    call = post_form(client, "/publier/appel", {
        "as": "sam", "title": "Comptons les hirondelles", "call-kind": "volunteers",
    })
    assert call.status_code == 303
    assert client.get("/publier/inconnu").status_code == 404

    async def posts(session: AsyncSession) -> list[Post]:
        return list((await session.exec(select(Post).order_by(col(Post.id)))).all())

    stored = in_db(fresh_sqlite_url, posts)
    assert [(p.kind, p.contract, p.call_kind) for p in stored] == [
        ("resource", None, None), ("job_offer", "CDD 12 mois", None), ("call", None, "volunteers"),
    ]
    assert stored[1].deadline is not None and stored[1].deadline.year == YEAR
    assert [t for t, _uri in activities(fresh_sqlite_url)] == ["Create"] * 3

    remove = f"/publier/publication/supprimer?uri={stored[0].uri}"
    assert post_form(client, remove, {"confirm": "1"}).status_code == 303
    assert client.get(path_of(article)).status_code == 410
    assert json.dumps(activities(fresh_sqlite_url)[-1][0]) == '"Delete"'


def test_edit_a_publication(database_url: str, tmp_path: Path) -> None:
    with running_app(database_url, tmp_path) as client:
        with_organisation(client)
        created = post_form(client, "/publier/offre", {
            "as": "vaisseau", "title": "Médiateur·rice scientifique", "body": "Un *CDD*.",
            "contract": "CDD 12 mois", "deadline": f"{YEAR}-03-31", "city": "Strasbourg",
            "link-url": "https://vaisseau.example/emploi", "tags": "emploi, médiation",
        })
        assert created.status_code == 303
        path = path_of(created)
        uri = f"https://grandest.test{path}"
        edit = f"/publier/publication/modifier?uri={uri}"
        assert f'href="/publier/publication/modifier?uri={uri.replace(":", "%3A")}"' in client.get(path).text

        form = client.get(edit)
        assert form.status_code == 200 and "Modifier « Médiateur·rice scientifique »" in form.text
        for shown in ('value="Médiateur·rice scientifique"', 'value="CDD 12 mois"', f'value="{YEAR}-03-31"',
                      'value="Strasbourg"', 'value="https://vaisseau.example/emploi"',
                      'value="emploi, médiation"', ">Un *CDD*.</textarea>"):
            assert shown in form.text, shown
        assert 'name="as"' not in form.text  # the author does not change

        fields = {"title": "Médiateur·rice scientifique (H/F)", "body": "Un **CDD** de 12 mois.",
                  "contract": "CDD 12 mois", "deadline": f"{YEAR}-04-15", "city": "Strasbourg",
                  "link-url": "https://vaisseau.example/emploi", "tags": "emploi"}
        empty = post_form(client, edit, {**fields, "title": ""})
        assert empty.status_code == 422 and error_for(empty.text, "title") == "le titre est obligatoire"
        assert 'value="CDD 12 mois"' in empty.text
        no_alt = post_form(client, edit, fields, files={"image": ("equipe.png", PNG, "image/png")})
        assert no_alt.status_code == 422 and error_for(no_alt.text, "image-alt")
        preview = post_form(client, edit, {**fields, "action": "preview"})
        assert preview.status_code == 200 and "<strong>CDD</strong>" in preview.text
        assert "(H/F)" not in client.get(path).text  # a preview stores nothing
        assert client.post(edit, data=fields).status_code == 403  # no CSRF token
        assert client.post(edit, data={**fields, "csrf": "forged"}).status_code == 403

        saved = post_form(client, edit, {**fields, "image-alt": "L'équipe de médiation"},
                          files={"image": ("equipe.png", PNG, "image/png")})
        assert saved.status_code == 303 and path_of(saved) == path
        page = client.get(path).text
        assert "Médiateur·rice scientifique (H/F)" in page and "<strong>CDD</strong>" in page
        assert 'alt="L&#39;équipe de médiation"' in page and "/media/" in page
        image = re.search(r'src="([^"]*/media/[^"]+)"', page).group(1)  # type: ignore[union-attr]
        webp = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\0" * 32
        replaced = post_form(client, edit, {**fields, "image-url": image, "image-alt": "Le ciel"},
                             files={"image": ("ciel.webp", webp, "image/webp")})
        assert replaced.status_code == 303
        assert '.webp" alt="Le ciel"' in client.get(path).text

        sign_out(client)
        assert "/publier/publication/modifier" not in client.get(path).text
        assert sign_up(client, "intrus@example.org", "intrus").status_code == 303
        assert "/publier/publication/modifier" not in client.get(path).text
        assert client.get(edit).status_code == 403
        assert post_form(client, edit, {**fields, "title": "Pirate"}, page="/compte").status_code == 403

    async def stored(session: AsyncSession) -> Post:
        return (await session.exec(select(Post))).one()

    post = in_db(database_url, stored)
    assert (post.title, post.kind, post.tags) == ("Médiateur·rice scientifique (H/F)", "job_offer", ["emploi"])
    assert post.deadline is not None and post.deadline.day == 15 and post.image_alt == "Le ciel"
    assert activities(database_url) == [("Create", uri), ("Update", uri), ("Update", uri)]
