"""Two echofed processes: an organisation publishes, updates, cancels and deletes an event; a
follower on the other instance sees each state; a reply and a Join reach the origin."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.e2e.instances import Instance, make_instance, wait_for

pytestmark = pytest.mark.slow


def remote_event(instance: Instance, title_like: str) -> tuple[str, str, str | None] | None:
    path = instance.env["ECHOFED_DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT title, status, deleted_at FROM event WHERE local = 0 AND title LIKE ?",
            (f"%{title_like}%",),
        ).fetchone()
    return tuple(row) if row else None  # type: ignore[return-value]


def interactions(instance: Instance, kind: str) -> list[tuple[str, str]]:
    path = instance.env["ECHOFED_DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(path) as db:
        return db.execute("SELECT state, content_html FROM interaction WHERE kind = ?", (kind,)).fetchall()


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    a = make_instance("reader", tmp_path)
    b = make_instance("origin", tmp_path)
    try:
        a.cli("actor", "create", "--username", "ana", "--type", "Person", "--name", "Ana")
        b.cli("actor", "create", "--username", "vaisseau", "--type", "Organization", "--name", "Le Vaisseau")
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


def test_event_lifecycle_reply_and_join(pair: tuple[Instance, Instance]) -> None:
    a, b = pair
    a.cli("follow", f"@vaisseau@{b.host}", "--as", "ana")
    wait_for(lambda: b.get_json("/actors/vaisseau/followers")["totalItems"] == 1, what="follow accepted")

    created = b.cli(
        "event", "create", "--actor", "vaisseau", "--title", "Nuit des étoiles",
        "--start", "2031-08-09T21:00", "--end", "2031-08-10T00:30", "--timezone", "Europe/Paris",
        "--place-name", "Le Vaisseau", "--address", "1 bis rue Philippe Dollinger", "--postcode", "67100",
        "--city", "Strasbourg", "--lat", "48.5764", "--lon", "7.7651", "--category", "sortie_nature",
    )
    uri = created.stdout.strip().rsplit(" ", 1)[-1]
    assert uri.startswith(b.base + "/events/")
    wait_for(lambda: remote_event(a, "Nuit des étoiles"), what="Create on the reader")
    assert "Nuit des étoiles" in httpx2.get(a.base + "/").text

    b.cli("event", "update", uri, "--title", "Nuit des étoiles filantes", "--start", "2031-08-09T21:00",
          "--end", "2031-08-10T00:30", "--place-name", "Le Vaisseau", "--city", "Strasbourg",
          "--lat", "48.5764", "--lon", "7.7651")
    wait_for(lambda: remote_event(a, "filantes"), what="Update on the reader")

    a.cli("reply", uri, "--as", "ana", "--text", "J'y serai avec les enfants !")
    wait_for(lambda: interactions(b, "reply"), what="reply on the origin")
    assert "enfants" in interactions(b, "reply")[0][1]
    a.cli("join", uri, "--as", "ana")
    wait_for(lambda: interactions(b, "join") == [("accepted", "")], what="join on the origin")
    page = httpx2.get(uri, headers={"Accept": "text/html"}).text
    assert "<li>1 réponse</li>" in page and "<li>1 participant</li>" in page and "enfants" in page

    b.cli("event", "cancel", uri)
    wait_for(lambda: (remote_event(a, "filantes") or ("", "", None))[1] == "cancelled", what="cancellation")
    b.cli("event", "delete", uri)
    wait_for(lambda: (remote_event(a, "filantes") or ("", "", None))[2] is not None, what="deletion")
    gone = httpx2.get(uri, headers={"Accept": "application/activity+json"})
    assert gone.status_code == 410 and gone.json()["type"] == "Tombstone"
