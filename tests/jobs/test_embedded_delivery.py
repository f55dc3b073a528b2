"""The embedded runner (no Redis, what ``echofed serve`` runs) passes the same delivery test
on SQLite: one signed POST per shared inbox, nothing left pending, nothing sent twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

from echofed.jobs import EmbeddedRunner
from echofed.runtime import federation_for, open_runtime
from echofed.settings import load_settings
from tests.e2e.receiver import Receiver
from tests.jobs.fanout_rig import populate, posts_per_inbox, publish, status

BASE = "https://grandest.test"


async def test_embedded_runner_one_post_per_shared_inbox(fresh_sqlite_url: str, tmp_path: Path) -> None:
    url = fresh_sqlite_url
    settings = load_settings(database_url=url, base_url=BASE, redis_url=None,
                             allow_private_addresses=True, demo=False, sweep_seconds=0.5)
    with Receiver(count=3) as receiver:
        sender = await populate(url, BASE, [receiver.inbox(i) for i in range(3)], per_host=50)
        receiver.keys[sender.key_id] = sender.public_pem
        runner = EmbeddedRunner(concurrency=8, sweep_seconds=settings.sweep_seconds)
        async with open_runtime(settings) as runtime, federation_for(runtime, runner) as fed:
            runner.start(fed)
            try:
                published = await publish(url, BASE, sender)
                for fanout_id in published.fanout_ids:
                    await runner.enqueue("fanout", fanout_id, key=f"fanout:{fanout_id}")
                async with asyncio.timeout(20):
                    while (await status(url)).counts.get("delivered", 0) < 3:
                        await asyncio.sleep(0.1)
                await runner.drain(timeout=10)
                await asyncio.sleep(0.6)  # another sweep: nothing is sent again
            finally:
                await runner.stop()
    assert posts_per_inbox(receiver, published) == {port: 1 for port in receiver.ports}
    assert len(receiver.received()) == 3
    assert all(a.verified and a.path == "/inbox" for a in receiver.received())
    assert (await status(url)).counts == {"delivered": 3}

