"""The search queries on SQLite and PostgreSQL: every word must match, case and accents are
folded both ways, LIKE wildcards are literal; and what counts as a remote lookup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.services.accounts import ActorInput, create_actor
from echofed.services.publishing import EventInput, PlaceInput, PostInput, create_event, create_post
from echofed.services.remote_follow import looks_remote
from storage.columns import utcnow
from storage.queries.search import fold, search_actors, search_events, search_posts, words_of
from storage.tables import Actor, Event, Post
from tests.conftest import Db


async def _seed(db: Db, session: AsyncSession) -> None:
    museum = await create_actor(session, db.urls, ActorInput(
        username="musee_lorrain", kind="Organization", name="Musée Lorrain", city="Nancy",
        summary_md="Histoire et **patrimoine** de la Lorraine.",
    ))
    soon = utcnow() + timedelta(days=3)
    await create_event(session, db.urls, museum, EventInput(
        title="Éclipse de Lune commentée", start=soon, tags=("astronomie", "lune"),
        place=PlaceInput(name="Parc", city="Épinal"),
    ))
    await create_event(session, db.urls, museum, EventInput(
        title="Nuit des étoiles", start=soon + timedelta(days=1), tags=("ciel",),
        place=PlaceInput(name="Observatoire", city="Sélestat"),
    ))
    await create_event(session, db.urls, museum, EventInput(
        title="Conférence passée sur les comètes", start=utcnow() - timedelta(days=30),
        place=PlaceInput(name="Amphi", city="Nancy"), tags=("astronomie",),
    ))
    await create_event(session, db.urls, museum, EventInput(
        title="Atelier 100% fusées_à_eau", start=soon, online_url="https://visio.example/fusees",
    ))
    await create_post(session, db.urls, museum, PostInput(
        kind="article", title="Réchauffement et forêts vosgiennes", summary="Ce que mesurent les forestiers.",
        tags=("climat", "forêt"),
    ))
    assert museum.id is not None
    session.add(Post(uri="https://mastodon.test/notes/1", actor_id=museum.id, local=False,
                     origin_domain="mastodon.test", kind="note", summary="forêts"))  # a reply: not listed
    session.add(Actor(uri="https://occitanie.test/@museum", username="museum", domain="occitanie.test",
                      kind="Organization", name="Muséum de Toulouse", inbox="https://occitanie.test/inbox"))
    session.add(Actor(uri="https://hidden.test/@shy", username="shy", domain="hidden.test",
                      name="Musée discret", inbox="https://hidden.test/inbox", discoverable=False))
    await session.commit()


def _titles(rows: Sequence[tuple[Event | Post, Actor]]) -> list[str]:
    return [item.title for item, _author in rows]


async def test_events_by_city_title_and_tag_with_accents_folded(db: Db, session: AsyncSession) -> None:
    await _seed(db, session)
    now = utcnow()
    for query in ("selestat", "SÉLESTAT", "Sélestat", "sel"):
        assert _titles(await search_events(session, words_of(query), now=now)) == ["Nuit des étoiles"], query
    assert _titles(await search_events(session, words_of("eclipse"), now=now)) == ["Éclipse de Lune commentée"]
    assert _titles(await search_events(session, words_of("ÉCLIPSE lune"), now=now)) == ["Éclipse de Lune commentée"]
    assert _titles(await search_events(session, words_of("etoiles"), now=now)) == ["Nuit des étoiles"]
    assert _titles(await search_events(session, words_of("eclipse selestat"), now=now)) == []
    # Tags are searched too; coming events come before past ones.
    assert _titles(await search_events(session, words_of("astronomie"), now=now)) == [
        "Éclipse de Lune commentée", "Conférence passée sur les comètes",
    ]


async def test_punctuation_is_not_query_syntax(db: Db, session: AsyncSession) -> None:
    """Full-text queries are built from letters and digits only: ``%``, ``_``, quotes and
    operators are neither wildcards nor syntax errors."""
    await _seed(db, session)
    now = utcnow()
    assert _titles(await search_events(session, words_of("100%"), now=now)) == ["Atelier 100% fusées_à_eau"]
    assert _titles(await search_events(session, words_of("fusées_à_eau"), now=now)) == ["Atelier 100% fusées_à_eau"]
    assert await search_events(session, words_of('% " * ( ) & | !'), now=now) == []
    assert _titles(await search_events(session, words_of('"fusées" AND NOT'), now=now)) == []


async def test_publications_and_actors(db: Db, session: AsyncSession) -> None:
    await _seed(db, session)
    assert _titles(await search_posts(session, words_of("forets"))) == ["Réchauffement et forêts vosgiennes"]
    assert _titles(await search_posts(session, words_of("climat"))) == ["Réchauffement et forêts vosgiennes"]
    names = [a.name for a in await search_actors(session, words_of("musee"))]
    assert names == ["Musée Lorrain"]  # the undiscoverable one is left out
    names = [a.name for a in await search_actors(session, words_of("museum"))]
    assert names == ["Muséum de Toulouse"]
    assert [a.name for a in await search_actors(session, words_of("patrimoine nancy"))] == ["Musée Lorrain"]
    assert await search_actors(session, []) == []


def test_folding_and_words() -> None:
    assert fold("Éclipse À Sélestat — Œuvre’s") == "eclipse a selestat — oeuvre's"
    assert words_of("  Lune  lune ÉCLIPSE ") == ["lune", "eclipse"]
    assert len(words_of(" ".join(f"w{i}" for i in range(20)))) == 8


@pytest.mark.parametrize(
    ("text", "remote"),
    [
        ("@planetarium@grandest.example", True),
        ("planetarium@grandest.example", True),
        ("https://mobilizon.example/events/1", True),
        ("planétarium Nancy", False),
        ("Nancy", False),
        ("@nancy", False),
    ],
)
def test_what_is_looked_up_remotely(text: str, remote: bool) -> None:
    assert looks_remote(text) is remote
