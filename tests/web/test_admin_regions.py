"""``/admin/regions`` through the real app, on SQLite and PostgreSQL: only instance
administrators reach it; they approve, refuse and remove follows of the instance actor
(Accept/Reject recorded and delivered), follow and unfollow regions and relays, and switch a
followed region's events off the home page (and on again) while the agenda keeps them; the
same switch from the command line (``echofed region home``).

Remote regions that receive deliveries live on a ``RemoteOrigin`` on loopback; the two
regions whose events are listed are rows only (nothing is delivered to them).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.testclient import TestClient

from echofed.services.accounts import create_account
from echofed.services.region import ensure_instance_actor
from federation.actors import store_actor
from federation.urls import Urls
from storage.columns import utcnow
from storage.tables import Actor, Event, Follow, FollowState, OutboxActivity
from tests.conftest import TEST_BASE_URL
from tests.federation.remote_origin import RemoteActor, RemoteOrigin
from tests.test_cli import run as run_cli
from tests.web.test_account_pages import in_db, running_app
from tests.web.test_pages import section, signed_in

OCCITANIE = "https://occitanie.test/actor"
BRETAGNE = "https://bretagne.test/actor"
TOULOUSE = "Nuit des étoiles à Toulouse"
BREST = "Fête de la science à Brest"


@dataclass
class Admin:
    client: TestClient
    origin: RemoteOrigin
    database_url: str
    admin_id: int
    member_id: int
    relay: RemoteActor  # asks to follow the instance: approved
    bourgogne: RemoteActor  # asks to follow the instance: refused
    normandie: RemoteActor  # follows the instance: removed
    alsace: RemoteActor  # followed by the instance: unfollowed

    def as_admin(self) -> str:
        return signed_in(self.client, self.admin_id)

    def as_member(self) -> str:
        return signed_in(self.client, self.member_id)


def _region(session: AsyncSession, uri: str, kind: str = "Application") -> Actor:
    host = uri.split("/")[2]
    actor = Actor(uri=uri, kind=kind, username=uri.rsplit("/", 1)[1], domain=host,
                  inbox=f"https://{host}/inbox", name=host, fetched_at=utcnow())
    session.add(actor)
    return actor


async def _seed(session: AsyncSession, origin: RemoteOrigin, remote: list[RemoteActor]) -> tuple[int, int]:
    admin = await create_account(session, email="op@example.org", password=None, is_admin=True)
    member = await create_account(session, email="membre@example.org", password=None)
    instance = await ensure_instance_actor(session, Urls(TEST_BASE_URL))
    now = utcnow()
    stored = {a.username: await store_actor(session, a.document(), now) for a in remote}
    for name, state in (("relay", FollowState.PENDING), ("bourgogne", FollowState.PENDING),
                        ("normandie", FollowState.ACCEPTED)):
        session.add(Follow(uri=f"{stored[name].uri}#follows/1", follower_id=stored[name].id,
                           followed_id=instance.id, state=state,
                           accepted_at=now if state == FollowState.ACCEPTED else None))
    session.add(Follow(uri=f"{instance.uri}#follows/alsace", follower_id=instance.id,
                       followed_id=stored["alsace"].id, state=FollowState.ACCEPTED, accepted_at=now))
    soon = now + timedelta(days=2)
    for region_uri, title in ((OCCITANIE, TOULOUSE), (BRETAGNE, BREST)):
        region = _region(session, region_uri)
        organiser = _region(session, region_uri.replace("/actor", "/@museum"), kind="Organization")
        await session.flush()
        assert instance.id and region.id and organiser.id
        session.add(Follow(uri=f"{instance.uri}#follows/{region.domain}", follower_id=instance.id,
                           followed_id=region.id, state=FollowState.ACCEPTED, accepted_at=now))
        session.add(Event(uri=f"https://{region.domain}/events/1", actor_id=organiser.id, local=False,
                          origin_domain=region.domain, title=title, starts_at=soon,
                          ends_at=soon + timedelta(hours=2), timezone="Europe/Paris"))
    await session.flush()
    assert admin.id is not None and member.id is not None
    return admin.id, member.id


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Admin]:
    with RemoteOrigin() as origin:
        remote = [origin.actor(name, kind="Application")
                  for name in ("relay", "bourgogne", "normandie", "alsace")]

        async def seed(session: AsyncSession) -> tuple[int, int]:
            return await _seed(session, origin, remote)

        admin_id, member_id = in_db(database_url, seed)
        with running_app(database_url, tmp_path, allow_private_addresses=True) as client:
            yield Admin(client, origin, database_url, admin_id, member_id, *remote)


def rows(site: Admin, model: Any, *where: Any) -> list[Any]:
    async def read(session: AsyncSession) -> list[Any]:
        query = select(model)
        for condition in where:
            query = query.where(condition)
        return list((await session.exec(query)).all())

    return in_db(site.database_url, read)


def follow_of(site: Admin, actor_uri: str, *, of_instance: bool) -> Follow | None:
    [actor] = rows(site, Actor, Actor.uri == actor_uri)
    [instance] = rows(site, Actor, Actor.uri == f"{TEST_BASE_URL}/actor")
    pair = (actor.id, instance.id) if of_instance else (instance.id, actor.id)
    found = rows(site, Follow, Follow.follower_id == pair[0], Follow.followed_id == pair[1])
    return found[0] if found else None


def post(site: Admin, action: str, csrf: str, **data: str) -> Any:
    return site.client.post(f"/admin/regions/{action}", data={"csrf": csrf, **data},
                            follow_redirects=False)


def delivered(origin: RemoteOrigin, kind: str, *, timeout: float = 10) -> dict[str, Any]:
    """The first activity of this type POSTed to the origin by the embedded worker."""
    deadline = time.monotonic() + timeout
    while True:
        for hit in origin.requests("POST"):
            body = hit.json() or {}
            if body.get("type") == kind:
                return dict(body)
        assert time.monotonic() < deadline, f"no {kind} was delivered"
        time.sleep(0.05)


# ---------------------------------------------------------------------------------------------


def test_only_instance_admins_reach_the_page(site: Admin) -> None:
    client = site.client
    anonymous = client.get("/admin/regions", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/connexion?next=%2Fadmin%2Fregions"

    csrf = site.as_member()
    assert client.get("/admin/regions").status_code == 403
    assert "/admin/regions" not in client.get("/compte").text  # no link for members
    refused = post(site, "approuver", csrf, uri=site.relay.uri)
    assert refused.status_code == 403
    assert post(site, "accueil", csrf, uri=OCCITANIE).status_code == 403
    follow = follow_of(site, site.relay.uri, of_instance=True)
    assert follow is not None and follow.state == FollowState.PENDING
    assert follow_of(site, OCCITANIE, of_instance=False).show_on_home  # type: ignore[union-attr]

    csrf = site.as_admin()
    account_page = client.get("/compte").text
    assert 'href="/admin/regions"' in account_page
    page = client.get("/admin/regions")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert page.text.count('href="/admin/regions"') == 1  # the navigation link
    assert post(site, "approuver", "forged", uri=site.relay.uri).status_code == 403
    assert client.post("/admin/regions/approuver", data={"uri": site.relay.uri}).status_code == 403
    assert client.get("/admin/regions/approuver").status_code == 405  # mutations are POST only
    assert post(site, "effacer-tout", csrf).status_code == 404
    assert follow_of(site, site.relay.uri, of_instance=True).state == FollowState.PENDING  # type: ignore[union-attr]

    following = section(page.text, "suivies")
    for shown in (OCCITANIE, BRETAGNE, site.alsace.uri):
        assert f'value="{shown}"' in following
    assert "accepté" in following and "région ou instance" in following
    followers = section(page.text, "abonnes")
    assert followers.count("/admin/regions/approuver") == 2  # relay and bourgogne are pending
    assert followers.count("/admin/regions/retirer") == 1  # normandie is accepted
    assert "en attente" in followers


def test_admins_approve_refuse_and_remove_follows_of_the_instance(site: Admin) -> None:
    csrf = site.as_admin()
    relay_follow = follow_of(site, site.relay.uri, of_instance=True)
    assert relay_follow is not None

    approved = post(site, "approuver", csrf, uri=site.relay.uri)
    assert approved.status_code == 303 and approved.headers["location"] == "/admin/regions"
    assert f"Abonnement de {site.relay.uri} accepté." in site.client.get("/admin/regions").text
    after = follow_of(site, site.relay.uri, of_instance=True)
    assert after is not None and after.state == FollowState.ACCEPTED and after.accepted_at
    [accept] = rows(site, OutboxActivity, OutboxActivity.type == "Accept")
    assert accept.payload["object"]["id"] == relay_follow.uri
    assert accept.payload["to"] == [site.relay.uri] and not accept.public
    sent = delivered(site.origin, "Accept")  # scheduled after the commit, delivered by the worker
    assert sent["object"]["id"] == relay_follow.uri

    bourgogne_follow = follow_of(site, site.bourgogne.uri, of_instance=True)
    assert bourgogne_follow is not None
    assert post(site, "refuser", csrf, uri=site.bourgogne.uri).status_code == 303
    assert follow_of(site, site.bourgogne.uri, of_instance=True) is None
    [reject] = rows(site, OutboxActivity, OutboxActivity.type == "Reject")
    assert reject.payload["object"]["id"] == bourgogne_follow.uri
    assert reject.payload["to"] == [site.bourgogne.uri]

    assert post(site, "retirer", csrf, uri=site.normandie.uri).status_code == 303
    assert follow_of(site, site.normandie.uri, of_instance=True) is None
    rejects = rows(site, OutboxActivity, OutboxActivity.type == "Reject")
    assert sorted(r.payload["to"][0] for r in rejects) == sorted([site.bourgogne.uri, site.normandie.uri])

    # Answering a request that is no longer pending changes nothing and says why.
    again = post(site, "approuver", csrf, uri=site.bourgogne.uri)
    assert again.status_code == 303
    page = site.client.get("/admin/regions").text
    assert 'role="alert"' in page and "aucune demande" in page
    assert len(rows(site, OutboxActivity, OutboxActivity.type == "Accept")) == 1


def test_the_home_switch_hides_a_region_from_home_but_not_from_the_agenda(site: Admin) -> None:
    client = site.client
    home = client.get("/").text
    assert TOULOUSE in home and BREST in home

    csrf = site.as_admin()
    page = client.get("/admin/regions").text
    assert page.count('name="show" value="1" checked') == 3  # Occitanie, Bretagne, Alsace
    hidden = post(site, "accueil", csrf, uri=OCCITANIE)  # the box unticked: no "show"
    assert hidden.status_code == 303
    page = client.get("/admin/regions").text
    assert "@actor@occitanie.test n&#39;apparaissent plus sur la page d&#39;accueil" in page
    assert page.count('name="show" value="1" checked') == 2
    assert follow_of(site, OCCITANIE, of_instance=False).show_on_home is False  # type: ignore[union-attr]

    home = client.get("/").text
    assert TOULOUSE not in home and BREST in home
    agenda = client.get("/agenda").text
    assert TOULOUSE in agenda and BREST in agenda
    assert TOULOUSE in client.get("/agenda?origine=suivies").text

    assert post(site, "accueil", csrf, uri=OCCITANIE, show="1").status_code == 303
    assert TOULOUSE in client.get("/").text

    # The same switch from the command line, naming the region by its address.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECHOFED_")}
    env.update(ECHOFED_DATABASE_URL=site.database_url, ECHOFED_BASE_URL=TEST_BASE_URL,
               ECHOFED_DEMO="0")
    off = run_cli(env, "region", "home", "https://bretagne.test", "--off")
    assert off.returncode == 0, off.stderr
    assert "@actor@bretagne.test" in off.stdout and "masqués" in off.stdout
    home = client.get("/").text
    assert BREST not in home and TOULOUSE in home
    unknown = run_cli(env, "region", "home", "https://nulle-part.test", "--on")
    assert unknown.returncode == 1 and "ne suit aucune région" in unknown.stderr
    assert run_cli(env, "region", "home", BRETAGNE, "--on").returncode == 0
    assert BREST in client.get("/").text


def test_admins_follow_and_unfollow_regions_and_relays(site: Admin) -> None:
    origin, csrf = site.origin, site.as_admin()
    corse = origin.actor("corse", kind="Application")
    origin.serve("/.well-known/nodeinfo", {"links": [
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": f"{origin.base}/nodeinfo/2.1"},
        {"rel": "https://www.w3.org/ns/activitystreams#Application", "href": corse.uri},
    ]})
    followed = post(site, "suivre", csrf, target=origin.base, kind="region")
    assert followed.status_code == 303
    assert f"Demande d&#39;abonnement envoyée à @corse@{origin.host}" in site.client.get("/admin/regions").text
    record = follow_of(site, corse.uri, of_instance=False)
    assert record is not None and record.state == FollowState.PENDING and not record.relay
    assert delivered(origin, "Follow")["object"] == corse.uri

    relay = origin.actor("relais", kind="Application")
    assert post(site, "suivre", csrf, target=relay.uri, kind="relay").status_code == 303
    subscription = follow_of(site, relay.uri, of_instance=False)
    assert subscription is not None and subscription.relay
    page = site.client.get("/admin/regions").text
    [row] = [tr for tr in section(page, "suivies").split("<tr>") if relay.uri in tr]
    assert "relais" in row and 'name="show"' not in row  # no home switch for a relay

    assert post(site, "ne-plus-suivre", csrf, uri=site.alsace.uri).status_code == 303
    assert follow_of(site, site.alsace.uri, of_instance=False) is None
    undo = delivered(origin, "Undo")
    assert undo["object"]["type"] == "Follow" and undo["object"]["object"] == site.alsace.uri

    for target, expected in (("", "indiquez l&#39;adresse"),
                             (f"{origin.base}/users/personne", "introuvable")):
        failed = post(site, "suivre", csrf, target=target, kind="region")
        assert failed.status_code == 303
        page = site.client.get("/admin/regions").text
        assert 'role="alert"' in page and expected in page
    assert post(site, "suivre", csrf, target=corse.uri, kind="region").status_code == 303
    assert "suit déjà" in site.client.get("/admin/regions").text


def test_the_admin_page_speaks_english(site: Admin) -> None:
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    web = Path(__file__).parents[2] / "web"
    english: set[str] = set()
    for po in (web / "locale" / "en").glob("*.po"):
        with po.open("rb") as source:
            english |= {m.id for m in read_po(source) if m.id}
    texts = [m for _l, m, _c, _x in extract_from_file("python", str(web / "pages" / "admin.py"))]
    for template in (web / "templates" / "admin").glob("*.html"):
        texts += [m for _l, m, _c, _x in extract_from_file(
            "jinja2.ext:babel_extract", str(template), options={"extensions": "jinja2.ext.i18n"})]
    assert texts and sorted(set(texts) - english) == []

    site.as_admin()
    site.client.cookies.set("lang", "en")
    page = site.client.get("/admin/regions").text
    assert '<html lang="en">' in page and "What the instance follows" in page
    assert "Who follows the instance" in page and "pending" in page

