"""Three regions on loopback: A follows B and C (approved by their operators); B's and C's
events reach A through the instance actors; updates, cancellations and deletions follow; an
event arriving by two paths is stored once; a member of A boosts an event of C and C counts it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.e2e.instances import Instance, make_instance, wait_for

pytestmark = pytest.mark.slow


def rows(instance: Instance, sql: str, *params: object) -> list[tuple[object, ...]]:
    path = instance.env["ECHOFED_DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(path) as db:
        return db.execute(sql, params).fetchall()


def remote_events(instance: Instance) -> dict[str, tuple[object, ...]]:
    found = rows(instance, "SELECT title, status, deleted_at, origin_domain, uri FROM event WHERE local = 0")
    return {str(r[0]): r for r in found}


@pytest.fixture
def regions(tmp_path: Path) -> Iterator[tuple[Instance, Instance, Instance]]:
    a, b, c = (make_instance(name, tmp_path) for name in ("occitanie", "grandest", "bretagne"))
    try:
        a.cli("actor", "create", "--username", "ana", "--type", "Person", "--name", "Ana")
        b.cli("actor", "create", "--username", "planetarium", "--type", "Organization", "--name", "Planétarium")
        c.cli("actor", "create", "--username", "oceanopolis", "--type", "Organization", "--name", "Océanopolis")
        for instance in (a, b, c):
            instance.start()
        yield a, b, c
    finally:
        for instance in (a, b, c):
            instance.stop()


def create_event(instance: Instance, actor: str, title: str, city: str, lat: str, lon: str) -> str:
    result = instance.cli(
        "event", "create", "--actor", actor, "--title", title, "--start", "2031-09-12T20:00",
        "--end", "2031-09-12T22:00", "--place-name", city, "--city", city, "--lat", lat, "--lon", lon,
        "--category", "conference",
    )
    return result.stdout.strip().rsplit(" ", 1)[-1]


def test_regions_discover_each_other(regions: tuple[Instance, Instance, Instance]) -> None:
    a, b, c = regions
    for other in (b, c):
        a.cli("follow", "region", other.base)
        wait_for(lambda o=other: a.base + "/actor" in o.cli("follow-requests", "list").stdout,
                 what="pending region follow")
        other.cli("follow-requests", "approve", a.base + "/actor")
    wait_for(lambda: len(rows(a, "SELECT id FROM follow WHERE state = 'accepted'")) == 2, what="both accepted")

    nuit = create_event(b, "planetarium", "Nuit des étoiles", "Strasbourg", "48.58", "7.77")
    marees = create_event(c, "oceanopolis", "Grandes marées", "Brest", "48.39", "-4.43")
    wait_for(lambda: {"Nuit des étoiles", "Grandes marées"} <= set(remote_events(a)), what="events in A")
    assert remote_events(a)["Nuit des étoiles"][3] == b.host
    assert remote_events(a)["Grandes marées"][3] == c.host
    found = httpx2.get(f"{a.base}/recherche", params={"q": "marees brest"}).text
    assert "Grandes marées" in found and c.host in found

    # a second path (a direct follow of the organisation) does not duplicate the event
    a.cli("follow", f"@planetarium@{b.host}", "--as", "ana")
    wait_for(lambda: b.get_json("/actors/planetarium/followers")["totalItems"] == 1, what="direct follow")
    second = create_event(b, "planetarium", "Café des sciences", "Strasbourg", "48.58", "7.75")
    wait_for(lambda: "Café des sciences" in remote_events(a), what="second event")
    assert len(rows(a, "SELECT id FROM event WHERE uri = ?", second)) == 1
    assert len(rows(a, "SELECT id FROM event WHERE uri = ?", nuit)) == 1

    b.cli("event", "update", nuit, "--title", "Nuit des étoiles filantes", "--start", "2031-09-12T20:00",
          "--end", "2031-09-12T23:00", "--place-name", "Strasbourg", "--city", "Strasbourg",
          "--lat", "48.58", "--lon", "7.77")
    wait_for(lambda: "Nuit des étoiles filantes" in remote_events(a), what="update in A")
    b.cli("event", "cancel", nuit)
    wait_for(lambda: remote_events(a)["Nuit des étoiles filantes"][1] == "cancelled", what="cancel in A")
    b.cli("event", "delete", second)
    wait_for(lambda: remote_events(a)["Café des sciences"][2] is not None, what="deletion in A")

    a.cli("boost", marees, "--as", "ana")
    wait_for(lambda: rows(c, "SELECT kind FROM interaction WHERE object_uri = ?", marees) == [("announce",)],
             what="boost counted on C")
