"""What operators see after a fan-out where some hosts fail: ``echofed deliveries`` (text and
JSON) and ``GET /metrics`` (Prometheus text), from an ``echofed serve`` whose embedded worker
found the recorded activity by its sweep."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from storage.columns import utcnow
from storage.engine import make_engine, make_sessionmaker
from storage.tables import DomainHealth
from tests.e2e.instances import Instance, free_port, wait_for
from tests.e2e.receiver import Answer, Receiver
from tests.jobs.fanout_rig import delivery_rows, populate, publish, run, status, worker_env

pytestmark = pytest.mark.slow
OK, OK2, LONG_DEAD, FAILING, GONE = range(5)
ANSWERS = {LONG_DEAD: Answer(503), FAILING: Answer(500), GONE: Answer(410)}


async def failing_for_a_week(url: str, host: str) -> None:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            session.add(DomainHealth(host=host, failing_since=utcnow() - timedelta(days=8),
                                     consecutive_failures=30, last_error="HTTP 503"))
    finally:
        await engine.dispose()


@pytest.fixture
def scenario(fresh_sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Instance, Receiver]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    instance = Instance("serve", port, worker_env(fresh_sqlite_url, None, base), tmp_path / "serve.log")
    receiver = Receiver(count=5)
    receiver.behaviour = lambda p, path: ANSWERS.get(receiver.ports.index(p), Answer(202))
    with receiver:
        sender = run(populate(fresh_sqlite_url, base, [receiver.inbox(i) for i in range(5)], per_host=2))
        receiver.keys[sender.key_id] = sender.public_pem
        run(failing_for_a_week(fresh_sqlite_url, f"127.0.0.1:{receiver.ports[LONG_DEAD]}"))
        instance.start()
        try:
            run(publish(fresh_sqlite_url, base, sender))  # nobody schedules it: the sweep will
            expected = {"delivered": 2, "parked": 1, "pending": 1, "failed": 1}
            wait_for(lambda: run(status(fresh_sqlite_url)).counts == expected, timeout=20,
                     interval=0.1, what=f"deliveries {expected}")
            yield instance, receiver
        finally:
            instance.stop()


def echofed(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
            instance: Instance, *args: str) -> str:
    """Run the ``echofed`` command in this process (a child would spend seconds importing)."""
    from echofed.cli import main

    with monkeypatch.context() as patch:
        for name, value in instance.env.items():
            if name.startswith("ECHOFED_"):
                patch.setenv(name, value)
        capsys.readouterr()
        assert main(list(args)) == 0
    return capsys.readouterr().out


def test_deliveries_command_and_metrics(
    scenario: tuple[Instance, Receiver], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    instance, receiver = scenario
    dead = f"127.0.0.1:{receiver.ports[LONG_DEAD]}"
    url = instance.env["ECHOFED_DATABASE_URL"]
    retrying = next(d for d in run(delivery_rows(url)) if d.state == "pending")
    assert retrying.attempts == 1 and retrying.last_status == 500

    report = json.loads(echofed(monkeypatch, capsys, instance, "deliveries", "--json"))
    assert report["deliveries"] == {"delivered": 2, "parked": 1, "pending": 1, "failed": 1}
    assert report["retrying"] == 1
    assert report["oldest_pending"] is not None
    assert report["unavailable_domains"] == [dead]
    errors = {e["inbox"]: e for e in report["last_errors"]}
    assert errors[receiver.inbox(GONE)]["status"] == 410
    assert errors[receiver.inbox(GONE)]["state"] == "failed"
    assert errors[receiver.inbox(FAILING)]["error"].startswith("HTTP 500")
    assert errors[receiver.inbox(LONG_DEAD)]["state"] == "parked"

    text = echofed(monkeypatch, capsys, instance, "deliveries")
    assert "delivered 2, failed 1, parked 1, pending 1" in text
    assert "En nouvel essai : 1" in text
    assert f"Domaines indisponibles : {dead}" in text
    assert "Plus ancienne en attente : 20" in text
    assert f"{receiver.inbox(GONE)} — 410" in text

    response = httpx2.get(f"{instance.base}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    by_state = {s.labels["state"]: s.value for s in families["echofed_deliveries"].samples}
    assert by_state == {"pending": 1, "delivered": 2, "failed": 1, "parked": 1}
    assert families["echofed_deliveries_retrying"].samples[0].value == 1
    assert {s.labels["state"] for s in families["echofed_inbox_items"].samples} >= {"received", "processed"}
    assert families["echofed_job_seconds"].type == "histogram"
    counts = {s.labels["job"]: s.value for s in families["echofed_job_seconds"].samples
              if s.name == "echofed_job_seconds_count"}
    # The fan-out queues its five new deliveries as one batch job; retries are jobs of their own.
    assert counts["deliver_batch"] >= 1 and counts["fanout"] >= 1 and counts["sweep"] >= 1
