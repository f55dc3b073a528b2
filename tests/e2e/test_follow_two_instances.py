"""Two echofed processes on loopback: follow through WebFinger, Accept, Undo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.instances import Instance, make_instance, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    a = make_instance("alpha", tmp_path)
    b = make_instance("beta", tmp_path)
    try:
        a.cli("actor", "create", "--username", "ana", "--type", "Person", "--name", "Ana")
        b.cli("actor", "create", "--username", "planetarium", "--type", "Organization",
              "--name", "Planétarium")
        b.cli("actor", "create", "--username", "labo", "--type", "Organization", "--name", "Labo",
              "--manual-approval")
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


def _followers(instance: Instance, username: str) -> list[str]:
    page = instance.get_json(f"/actors/{username}/followers?page=1")
    return list(page["orderedItems"])


def test_follow_accept_and_undo_over_real_http(pair: tuple[Instance, Instance]) -> None:
    a, b = pair
    ana = f"{a.base}/actors/ana"
    a.cli("follow", f"@planetarium@{b.host}", "--as", "ana")

    wait_for(lambda: ana in _followers(b, "planetarium"), what="follower on beta")
    assert b.get_json("/actors/planetarium/followers")["totalItems"] == 1
    wait_for(
        lambda: f"{b.base}/actors/planetarium" in a.get_json("/actors/ana/following?page=1")["orderedItems"],
        what="Accept on alpha",
    )

    a.cli("unfollow", f"{b.base}/actors/planetarium", "--as", "ana")
    wait_for(lambda: ana not in _followers(b, "planetarium"), what="Undo on beta")
    assert b.get_json("/actors/planetarium/followers")["totalItems"] == 0


def test_manual_approval_then_reject(pair: tuple[Instance, Instance]) -> None:
    a, b = pair
    ana = f"{a.base}/actors/ana"
    a.cli("follow", f"@labo@{b.host}", "--as", "ana")
    wait_for(lambda: ana in b.cli("follow-requests", "list", "--as", "labo").stdout, what="pending request")
    assert _followers(b, "labo") == []
    b.cli("follow-requests", "approve", ana, "--as", "labo")
    wait_for(lambda: ana in _followers(b, "labo"), what="approved follower")
    wait_for(
        lambda: f"{b.base}/actors/labo" in a.get_json("/actors/ana/following?page=1")["orderedItems"],
        what="Accept delivered to alpha",
    )
