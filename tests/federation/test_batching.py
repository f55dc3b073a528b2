"""federation.batching.Batcher: a lone caller runs at once; callers arriving while batches run
are grouped; a failing batch fails its own callers only."""

from __future__ import annotations

import asyncio

from federation.batching import Batcher


class Recorder:
    def __init__(self, delay: float = 0.01, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.delay, self.fail_on = delay, fail_on

    async def run(self, items: list[int]) -> dict[int, int]:
        self.batches.append(items)
        await asyncio.sleep(self.delay)
        if self.fail_on in items:
            raise ValueError(f"batch with {self.fail_on}")
        return {i: i * 10 for i in items if i % 7}  # multiples of 7: no result (None)


async def test_a_lone_caller_does_not_wait_for_company() -> None:
    recorder = Recorder(delay=0)
    batcher = Batcher(recorder.run, key=lambda i: i)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await batcher.submit(3) == 30
    assert await batcher.submit(14) is None
    assert recorder.batches == [[3], [14]]
    assert loop.time() - started < 0.5


async def test_callers_of_one_turn_of_the_loop_share_one_batch() -> None:
    recorder = Recorder(delay=0)
    batcher = Batcher(recorder.run, key=lambda i: i)
    assert await asyncio.gather(*(batcher.submit(i) for i in (1, 2, 3))) == [10, 20, 30]
    assert recorder.batches == [[1, 2, 3]]


async def test_callers_arriving_together_share_batches() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.run, key=lambda i: i, max_size=50, parallel=2)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(1, 201)))
    assert results == [None if i % 7 == 0 else i * 10 for i in range(1, 201)]
    assert sorted(i for batch in recorder.batches for i in batch) == list(range(1, 201))
    assert len(recorder.batches) <= 8 and max(map(len, recorder.batches)) == 50


async def test_a_failed_batch_fails_its_callers_only() -> None:
    recorder = Recorder(fail_on=5)
    batcher = Batcher(recorder.run, key=lambda i: i, max_size=4, parallel=1)
    outcomes = await asyncio.gather(*(batcher.submit(i) for i in range(1, 13)), return_exceptions=True)
    failed = next(batch for batch in recorder.batches if 5 in batch)
    for i, outcome in zip(range(1, 13), outcomes, strict=True):
        if i in failed:
            assert isinstance(outcome, ValueError)
        else:
            assert outcome == (None if i % 7 == 0 else i * 10)


async def test_a_waiting_batcher_gathers_for_its_window() -> None:
    recorder = Recorder(delay=0)
    batcher = Batcher(recorder.run, key=lambda i: i, wait=0.05)

    async def later(i: int) -> int:
        await asyncio.sleep(0.01 * (i % 3))
        return await batcher.submit(i)

    await asyncio.gather(*(later(i) for i in range(1, 10)))
    assert recorder.batches == [list(recorder.batches[0])] and len(recorder.batches[0]) == 9
