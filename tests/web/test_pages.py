"""The public pages through the real app, on SQLite and PostgreSQL: home, event, actor, lists,
remote follow and interaction, moderation of replies, English rendering.

The demo region is seeded once per database (module scope) with a few extra rows: an event
with every detail, its boosts, likes, replies and participants, a remote event, a closed offer
and a followed region. Tests that change rows touch only what no other test reads.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
from base64 import b64encode
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from itsdangerous import TimestampSigner
from markupsafe import escape
from sqlmodel import select
from starlette.testclient import TestClient

from echofed.app import create_app
from echofed.demo import data
from echofed.services.accounts import ActorInput, create_account, create_actor
from echofed.services.demo import DEMO_EMAIL_DOMAIN, seed_demo
from echofed.services.publishing import EventInput, PlaceInput, PostInput, create_event, create_post
from echofed.settings import Settings
from federation.urls import Urls
from storage.columns import utcnow
from storage.engine import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.queries.accounts import account_by_email
from storage.queries.actors import local_actor
from storage.tables import (
    Actor,
    Event,
    Follow,
    FollowState,
    Interaction,
    OutboxActivity,
    Post,
    Region,
)
from tests.conftest import TEST_BASE_URL, create_pg_database, drop_pg_database, unavailable
from tests.federation.remote_origin import RemoteActor, RemoteOrigin

SECRET = Settings(database_url="sqlite+aiosqlite:///unused").secret_key
YEAR = utcnow().year + 1
PARIS = ZoneInfo("Europe/Paris")
STAR_TITLE = "Éclipse et comètes : soirée d'observation </script><b>"
ORGANISER = "sciences_en_partage"  # members: julien_weber (admin), lea_schmitt, claire_marchal


@dataclass
class Site:
    client: TestClient
    url: str
    star_path: str  # the event with every detail
    star_uri: str
    kept_reply: int
    hidden_reply: int  # hidden by the moderation test
    stranger_reply: int  # a stranger tries to hide it
    member_id: int  # lea_schmitt, editor of the organiser
    person_id: int  # julien_weber, who has a Person actor
    stranger_id: int
    remote_event_title: str
    closed_offer_title: str


async def _seed(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    urls = Urls(TEST_BASE_URL)
    try:
        async with make_sessionmaker(engine)() as session:
            await seed_demo(session, urls)
            organiser = await local_actor(session, ORGANISER)
            assert organiser is not None and organiser.id is not None
            star = await create_event(
                session, urls, organiser,
                EventInput(
                    title=STAR_TITLE,
                    start=datetime(YEAR, 7, 14, 21, 30, tzinfo=PARIS),
                    end=datetime(YEAR, 7, 15, 0, 30, tzinfo=PARIS),
                    timezone="Europe/Paris",
                    description_md="Observation **commentée** du ciel d'été.",
                    place=PlaceInput(name="Observatoire de Sélestat", street="2 rue des Étoiles",
                                     postcode="67600", city="Sélestat", region="Grand Est",
                                     latitude=48.2594, longitude=7.4542),
                    online_url="https://visio.example/eclipse",
                    category="visite", tags=("astronomie", "comètes"), audience=("familles",),
                    price="5 €", accessibility="Accès de plain-pied, boucle magnétique",
                    image_url="https://images.example/eclipse.jpg", image_alt="Une comète au-dessus des Vosges",
                    capacity=10,
                ),
            )
            alice = Actor(uri="https://mastodon.test/users/alice", username="alice",
                          domain="mastodon.test", name="Alice", inbox="https://mastodon.test/users/alice/inbox",
                          url="https://mastodon.test/@alice")
            bob = Actor(uri="https://mobilizon.test/@bob", username="bob", domain="mobilizon.test",
                        name="Bob", inbox="https://mobilizon.test/@bob/inbox")
            occitanie = Actor(uri="https://occitanie.test/actor", username="occitanie.test",
                              domain="occitanie.test", kind="Application", name="Occitanie",
                              inbox="https://occitanie.test/inbox")
            session.add_all([alice, bob, occitanie])
            await session.flush()
            assert alice.id and bob.id and occitanie.id

            def interaction(kind: str, actor: Actor, n: int, **extra: Any) -> Interaction:
                assert actor.id is not None
                return Interaction(uri=f"{actor.uri}/{kind}/{n}", kind=kind, actor_id=actor.id,
                                   object_uri=star.uri, **extra)

            kept = interaction("reply", alice, 1, content_html="<p>Superbe programme, à bientôt !</p>")
            hidden = interaction("reply", bob, 2, content_html="<p>Réponse à masquer</p>")
            other = interaction("reply", bob, 3, content_html="<p>Une autre réponse</p>")
            rows = [
                kept, hidden, other,
                interaction("announce", alice, 4), interaction("announce", bob, 5),
                interaction("like", alice, 6),
                interaction("join", alice, 7), interaction("join", bob, 8),
                interaction("join", occitanie, 9, state="pending"),
            ]
            session.add_all(rows)
            region = await session.get(Region, 1)
            assert region is not None and region.instance_actor_id is not None
            session.add(Follow(uri="https://grandest.test/activities/f1", follower_id=region.instance_actor_id,
                               followed_id=occitanie.id, state=FollowState.ACCEPTED))
            remote_title = "Fête de la science à Montpellier"
            session.add(Event(
                uri="https://occitanie.test/events/fds", url="https://occitanie.test/events/fds",
                actor_id=occitanie.id, local=False, origin_domain="occitanie.test",
                title=remote_title, starts_at=utcnow() + timedelta(days=2, hours=3),
                ends_at=utcnow() + timedelta(days=2, hours=5), city="Montpellier",
            ))
            closed_title = "Offre close : chargé·e de médiation"
            await create_post(session, urls, organiser, PostInput(
                kind="job_offer", title=closed_title, body_md="Trop tard.", contract="CDD",
                deadline=utcnow() - timedelta(days=3), link_url="https://jobs.example/closed",
            ))
            stranger = await create_account(session, email="stranger@example.test", password=None,
                                            display_name="Stranger")
            member = await account_by_email(session, f"lea_schmitt@{DEMO_EMAIL_DOMAIN}")
            person = await account_by_email(session, f"julien_weber@{DEMO_EMAIL_DOMAIN}")
            await session.commit()
            assert member and person and kept.id and hidden.id and other.id
            return {
                "star_uri": star.uri, "kept_reply": kept.id, "hidden_reply": hidden.id,
                "stranger_reply": other.id, "member_id": member.id, "person_id": person.id,
                "stranger_id": stranger.id, "remote_event_title": remote_title,
                "closed_offer_title": closed_title,
            }
    finally:
        await engine.dispose()


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("pages") / "pages.db"
        shutil.copy(template, path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        try:
            url = create_pg_database()
        except Exception as exc:
            unavailable("PostgreSQL", exc)
            raise
        asyncio.run(_migrate(url))
    try:
        seeded = asyncio.run(_seed(url))
        settings = Settings(database_url=url, base_url=TEST_BASE_URL, demo=False)
        with TestClient(create_app(settings), base_url=TEST_BASE_URL) as client:
            yield Site(client=client, url=url,
                       star_path=urlsplit(seeded["star_uri"]).path, **seeded)
    finally:
        if request.param == "postgresql":
            drop_pg_database(url)


def signed_in(client: TestClient, account_id: int) -> str:
    """Give the client the session cookie of a signed-in account; returns its CSRF token."""
    token = f"csrf-{account_id}"
    payload = b64encode(json.dumps({"account_id": account_id, "csrf": token}).encode())
    client.cookies.clear()
    host = urlsplit(str(client.base_url)).hostname or ""
    client.cookies.set("echofed_session", TimestampSigner(SECRET).sign(payload).decode(), domain=host)
    return token


def section(html: str, heading_id: str) -> str:
    """The HTML of the section whose heading has this id, up to the next section."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def rows_of(site: Site, model: Any, *where: Any) -> list[Any]:
    async def read() -> list[Any]:
        engine = make_engine(site.url)
        try:
            async with make_sessionmaker(engine)() as session:
                query = select(model)
                for condition in where:
                    query = query.where(condition)
                return list((await session.exec(query)).all())
        finally:
            await engine.dispose()

    return asyncio.run(read())


# --- home --------------------------------------------------------------------------------------


def test_home_shows_every_section(site: Site) -> None:
    html = site.client.get("/").text
    assert "Grand Est — démo" in html and data.REGION_DESCRIPTION[:40] in html
    week = section(html, "cette-semaine")
    soon = [e.title for e in data.EVENTS if e.day_offset <= 5]
    assert soon and all(title in week for title in soon)
    assert site.remote_event_title in week and "depuis occitanie.test" in week
    assert "Éclipse et comètes" not in week  # next year
    assert "Éclipse et comètes" in section(html, "a-la-une")  # it has an image
    articles = section(html, "articles")
    newest = max((a for a in data.ARTICLES), key=lambda a: a.day_offset)
    assert newest.title.replace("'", "&#39;") in articles
    offers = section(html, "offres")
    assert data.JOB_OFFERS[1].title in offers and site.closed_offer_title not in offers
    figures = section(html, "en-chiffres")
    people = len([a for a in data.ACTORS])
    numbers = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", figures))
    assert numbers == {
        "Acteurs": str(people), "Événements": str(len(data.EVENTS) + 1),
        "Articles et ressources": str(len(data.ARTICLES)),
        "Membres": str(len([a for a in data.ACTORS if a.kind == "Person"]) + 1),
        "Régions suivies": "1",
    }


# --- event page --------------------------------------------------------------------------------


def _json_ld(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert found is not None
    parsed: dict[str, Any] = json.loads(found.group(1))
    return parsed


def test_event_page_carries_json_ld_and_social_tags(site: Site) -> None:
    response = site.client.get(site.star_path)
    assert response.status_code == 200
    html = response.text
    ld = _json_ld(html)
    assert ld["@type"] == "Event" and ld["name"] == STAR_TITLE
    assert ld["startDate"] == f"{YEAR}-07-14T21:30:00+02:00"
    assert ld["endDate"] == f"{YEAR}-07-15T00:30:00+02:00"
    assert ld["eventStatus"] == "https://schema.org/EventScheduled"
    assert ld["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    place, online = ld["location"]
    assert place["@type"] == "Place" and place["name"] == "Observatoire de Sélestat"
    assert place["address"] == {
        "@type": "PostalAddress", "streetAddress": "2 rue des Étoiles", "postalCode": "67600",
        "addressLocality": "Sélestat", "addressRegion": "Grand Est", "addressCountry": "FR",
    }
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": 48.2594, "longitude": 7.4542}
    assert online == {"@type": "VirtualLocation", "url": "https://visio.example/eclipse"}
    assert ld["organizer"]["@type"] == "Organization"
    assert ld["offers"]["price"] == "5" and ld["offers"]["priceCurrency"] == "EUR"
    assert ld["image"] == ["https://images.example/eclipse.jpg"]
    assert html.count("</script>") == 1  # the title's </script> did not close the element
    assert f'<meta property="og:title" content="{escape(STAR_TITLE)}">' in html
    assert '<meta property="og:image" content="https://images.example/eclipse.jpg">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f'<meta property="og:url" content="{site.star_uri}">' in html


def test_event_page_shows_details_counts_and_replies(site: Site) -> None:
    html = site.client.get(site.star_path).text
    assert f'href="{site.star_path}.ics"' in html and "Ajouter à mon agenda" in html
    assert "(Europe/Paris)" in html and "21:30" in html
    assert "2 rue des Étoiles" in html and "67600 Sélestat" in html
    assert "openstreetmap.org/?mlat=48.259400&amp;mlon=7.454200" in html
    assert "https://visio.example/eclipse" in html and "5 €" in html
    assert "Familles" in html and "boucle magnétique" in html
    assert "10 places" in html and "8 restantes" in html  # 2 accepted joins, 1 pending
    reactions = section(html, "reactions")
    for text in ("2 partages", "1 favori", "participants"):
        assert text in reactions
    assert "Superbe programme" in section(html, "reponses")
    assert "@alice@mastodon.test" in html
    assert "Organisé par" in html and f"@{ORGANISER}@grandest.test" in html
    assert f'value="{site.star_uri}"' in html  # to paste into Mastodon or Mobilizon
    assert "Se connecter pour participer" in html and "/masquer" not in html


def test_cancelled_event_has_a_banner(site: Site) -> None:
    async def cancel() -> str:
        engine = make_engine(site.url)
        try:
            async with make_sessionmaker(engine)() as session:
                event = (await session.exec(
                    select(Event).where(Event.title == data.EVENTS[-1].title)
                )).first()
                assert event is not None
                event.status = "cancelled"
                session.add(event)
                await session.commit()
                return urlsplit(event.uri).path
        finally:
            await engine.dispose()

    path = asyncio.run(cancel())
    html = site.client.get(path).text
    assert "Cet événement est annulé." in html
    assert "EventCancelled" in html


def test_a_member_hides_a_reply_and_a_stranger_cannot(site: Site) -> None:
    client = site.client
    try:
        token = signed_in(client, site.stranger_id)
        refused = client.post(f"{site.star_path}/reponses/{site.stranger_reply}/masquer",
                              data={"csrf": token}, follow_redirects=False)
        assert refused.status_code == 403
        token = signed_in(client, site.member_id)
        page = client.get(site.star_path).text
        assert f"/reponses/{site.hidden_reply}/masquer" in page
        forged = client.post(f"{site.star_path}/reponses/{site.hidden_reply}/masquer",
                             data={"csrf": "wrong"}, follow_redirects=False)
        assert forged.status_code == 403
        hidden = client.post(f"{site.star_path}/reponses/{site.hidden_reply}/masquer",
                             data={"csrf": token}, follow_redirects=False)
        assert hidden.status_code == 303
        page = client.get(hidden.headers["location"]).text
        assert "La réponse a été masquée." in page
        assert "Réponse à masquer" not in page and "Une autre réponse" in page
    finally:
        client.cookies.clear()
    states = {i.id: i.state for i in rows_of(site, Interaction, Interaction.kind == "reply")}
    assert states[site.hidden_reply] == "hidden" and states[site.stranger_reply] == "accepted"


def test_post_pages_show_offer_details(site: Site) -> None:
    offer = data.JOB_OFFERS[0]
    post = rows_of(site, Post, Post.title == offer.title)[0]
    html = site.client.get(urlsplit(post.uri).path).text
    assert re.search(r"Offre d(&#39;|')emploi", html) and offer.contract in html
    assert "Date limite" in html and f'href="{offer.apply_url}"' in html and "Postuler" in html


# --- actor page and following from elsewhere ---------------------------------------------------


def test_actor_page_lists_members_events_and_articles(site: Site) -> None:
    html = site.client.get(f"/@{ORGANISER}").text
    members = section(html, "membres")
    names = {a.username: a.name for a in data.ACTORS}
    assert names["julien_weber"] in members and "(administration)" in members
    assert names["lea_schmitt"] in members and "(rédaction)" in members
    assert "Éclipse et comètes" in section(html, "a-venir")
    assert "Suivre depuis le fediverse" in html and 'action="/suivre-a-distance"' in html
    assert f'@{ORGANISER}@grandest.test' in html
    owned = [a.title for a in data.ARTICLES if a.actor == ORGANISER]
    assert all(title in section(html, "publications") for title in owned)


def test_remote_follow_explains_a_bad_or_private_handle(site: Site) -> None:
    client = site.client
    token = signed_in(client, site.stranger_id)
    try:
        bad = client.post("/suivre-a-distance", data={"csrf": token, "username": ORGANISER,
                                                      "handle": "pas une adresse"})
        assert bad.status_code == 400
        assert "Indiquez votre adresse complète" in bad.text and 'aria-invalid="true"' in bad.text
        private = client.post("/suivre-a-distance", data={"csrf": token, "username": ORGANISER,
                                                          "handle": "camille@127.0.0.1"})
        assert private.status_code == 400 and "adresse privée" in private.text
        assert client.post("/suivre-a-distance", data={"username": ORGANISER, "handle": "a@b.c"}).status_code == 403
    finally:
        client.cookies.clear()


def test_authorize_interaction_offers_actions_and_records_them(site: Site) -> None:
    client = site.client
    anonymous = client.get("/authorize_interaction", params={"uri": site.star_uri})
    assert anonymous.status_code == 200 and "Se connecter" in anonymous.text
    token = signed_in(client, site.person_id)
    try:
        page = client.get("/authorize_interaction", params={"uri": site.star_uri}).text
        assert 'value="join"' in page and 'value="boost"' in page and 'name="text"' in page
        done = client.post("/authorize_interaction", follow_redirects=False,
                           data={"csrf": token, "uri": site.star_uri, "action": "join"})
        assert done.status_code == 303 and "fait=join" in done.headers["location"]
        assert "Votre participation a été envoyée" in client.get(done.headers["location"]).text
        unknown = client.get("/authorize_interaction", params={"uri": "https://grandest.test/events/nope"})
        assert unknown.status_code == 404 and "Nous n’avons pas pu trouver" in unknown.text
    finally:
        client.cookies.clear()
    person = rows_of(site, Actor, Actor.username == "julien_weber", Actor.local == True)[0]
    joins = rows_of(site, OutboxActivity, OutboxActivity.type == "Join", OutboxActivity.actor_id == person.id)
    assert [j.object_uri for j in joins] == [site.star_uri]


# --- lists ---------------------------------------------------------------------------------------


def test_articles_filter_by_kind_and_tag(site: Site) -> None:
    article = next(a for a in data.ARTICLES if a.kind == "article")
    resource = next(a for a in data.ARTICLES if a.kind == "resource")
    esc = lambda text: text.replace("'", "&#39;")
    everything = site.client.get("/articles").text
    assert esc(article.title) in everything and esc(resource.title) in everything
    resources = site.client.get("/articles", params={"type": "resource"}).text
    assert esc(resource.title) in resources and esc(article.title) not in resources
    tag = article.tags[0]
    tagged = site.client.get("/articles", params={"tag": tag}).text
    holders = [a.title for a in data.ARTICLES if tag in a.tags]
    assert all(esc(t) in tagged for t in holders)
    assert all(esc(a.title) not in tagged for a in data.ARTICLES if tag not in a.tags)


def test_offers_are_open_ones_unless_asked(site: Site) -> None:
    default = site.client.get("/offres").text
    assert all(o.title in default for o in data.JOB_OFFERS)
    assert site.closed_offer_title not in default
    calls = site.client.get("/offres", params={"type": "call"}).text
    assert all(c.title in calls for c in data.CALLS)
    assert all(o.title not in calls for o in data.JOB_OFFERS)
    everything = site.client.get("/offres", params={"closes": "1"}).text
    assert site.closed_offer_title in everything and "clos" in everything


# --- search (the grouping; the query itself is tested in test_search.py) -------------------------


def test_search_groups_results_and_reports_failed_lookups(site: Site) -> None:
    html = site.client.get("/recherche", params={"q": "selestat"}).text
    assert "Éclipse et comètes" in section(html, "res-evenements")
    html = site.client.get("/recherche", params={"q": "planetarium"}).text
    assert "res-acteurs" in html and "Planétarium" in section(html, "res-acteurs")
    local = site.client.get("/recherche", params={"q": f"@{ORGANISER}@grandest.test"}).text
    assert f"/@{ORGANISER}" in section(local, "trouve")
    failed = site.client.get("/recherche", params={"q": "@camille@127.0.0.1"})
    assert failed.status_code == 200
    assert "Nous n’avons pas pu trouver" in failed.text and 'role="alert"' in failed.text


# --- English ------------------------------------------------------------------------------------


def test_pages_render_in_english(site: Site) -> None:
    english = {"Accept-Language": "en"}
    home = site.client.get("/", headers=english).text
    assert "This week" in home and "In figures" in home and "Regions followed" in home
    event = site.client.get(site.star_path, headers=english).text
    assert "Add to my calendar" in event and "Practical information" in event
    assert "2 boosts" in event and "1 like" in event and "Local time:" in event
    assert "Follow from the fediverse" in site.client.get(f"/@{ORGANISER}", headers=english).text
    assert "Include closed ones" in site.client.get("/offres", headers=english).text


# --- another server on loopback: following from it, looking things up on it ---------------------


@dataclass
class Loopback:
    client: TestClient
    origin: RemoteOrigin
    camille: RemoteActor
    event_url: str
    csrf: str


def _webfinger_path(user: str, host: str) -> str:
    return "/.well-known/webfinger?" + urlencode({"resource": f"acct:{user}@{host}"})


@pytest.fixture
def loopback(fresh_sqlite_url: str) -> Iterator[Loopback]:
    """Our app on http://grandest.test (private addresses allowed) with a signed-in person, and
    a remote server on 127.0.0.1 with an actor, its WebFinger (and follow page) and an event."""

    async def seed() -> int:
        engine = make_engine(fresh_sqlite_url)
        urls = Urls("http://grandest.test")
        try:
            async with make_sessionmaker(engine)() as session:
                account = await create_account(session, email="nora@example.test", password=None)
                await create_actor(session, urls, ActorInput(username="nora", owner_email=account.email))
                await create_actor(session, urls, ActorInput(username="vaisseau", kind="Organization",
                                                             name="Le Vaisseau"))
                await session.commit()
                assert account.id is not None
                return account.id
        finally:
            await engine.dispose()

    account_id = asyncio.run(seed())
    with RemoteOrigin() as origin:
        camille = origin.actor("camille")
        origin.serve(_webfinger_path("camille", origin.host), {
            "subject": f"acct:camille@{origin.host}",
            "links": [
                {"rel": "self", "type": "application/activity+json", "href": camille.uri},
                {"rel": "http://ostatus.org/schema/1.0/subscribe",
                 "template": f"{origin.base}/authorize_interaction?uri={{uri}}"},
            ],
        })
        event_url = f"{origin.base}/events/chauves-souris"
        origin.serve("/events/chauves-souris", {
            "@context": "https://www.w3.org/ns/activitystreams", "id": event_url, "type": "Event",
            "name": "Nuit des chauves-souris", "attributedTo": camille.uri,
            "startTime": f"{YEAR}-08-20T21:00:00+02:00", "endTime": f"{YEAR}-08-20T23:00:00+02:00",
            "content": "<p>Sortie nature</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"],
        })
        settings = Settings(database_url=fresh_sqlite_url, base_url="http://grandest.test", demo=False,
                            allow_private_addresses=True)
        with TestClient(create_app(settings), base_url="http://grandest.test") as client:
            yield Loopback(client, origin, camille, event_url, signed_in(client, account_id))


def test_remote_follow_sends_the_visitor_to_their_server(loopback: Loopback) -> None:
    client, host = loopback.client, loopback.origin.host
    sent = client.post("/suivre-a-distance", follow_redirects=False, data={
        "csrf": loopback.csrf, "username": "vaisseau", "handle": f"@camille@{host}",
    })
    assert sent.status_code == 303
    assert sent.headers["location"] == f"http://{host}/authorize_interaction?uri=vaisseau@grandest.test"
    unknown = client.post("/suivre-a-distance", data={
        "csrf": loopback.csrf, "username": "vaisseau", "handle": f"nobody@{host}",
    })
    assert unknown.status_code == 400
    assert "n'a pas pu être joint" in unknown.text.replace("&#39;", "'")


def test_remote_lookups_and_a_follow_from_here(loopback: Loopback) -> None:
    client, origin = loopback.client, loopback.origin
    by_handle = client.get("/recherche", params={"q": f"@camille@{origin.host}"}).text
    assert f"@camille@{origin.host}" in section(by_handle, "trouve")
    by_url = client.get("/recherche", params={"q": loopback.event_url}).text
    found = section(by_url, "trouve")
    assert "Nuit des chauves-souris" in found and f"depuis {origin.host}" in found
    page = client.get("/authorize_interaction", params={"uri": loopback.camille.uri}).text
    assert 'value="follow"' in page and "@nora@grandest.test" in page
    followed = client.post("/authorize_interaction", follow_redirects=False, data={
        "csrf": loopback.csrf, "uri": loopback.camille.uri, "action": "follow",
    })
    assert followed.status_code == 303
    assert "Demande d&#39;abonnement envoyée." in client.get(followed.headers["location"]).text
    deadline = time.monotonic() + 10
    while not any((hit.json() or {}).get("type") == "Follow" for hit in origin.requests("POST")):
        assert time.monotonic() < deadline, "the Follow was not delivered"
        time.sleep(0.05)
