"""Stopping the embedded runner (``echofed serve`` shutting down) lets the jobs under way finish
within a grace period instead of cancelling them mid-statement, and cancels those that overrun."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from echofed import jobs
from echofed.jobs import EmbeddedRunner


async def test_jobs_under_way_finish_and_overruns_are_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    finished: list[str] = []
    cancelled: list[str] = []

    async def nap(_fed: Any, name: str, seconds: float) -> str:
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            cancelled.append(name)
            raise
        finished.append(name)
        return name

    async def no_sweep(_fed: Any) -> str:
        return "nothing"

    monkeypatch.setitem(jobs.JOBS, "nap", nap)
    monkeypatch.setitem(jobs.JOBS, "sweep", no_sweep)
    runner = EmbeddedRunner(concurrency=2, sweep_seconds=60)
    runner.start(object())  # type: ignore[arg-type]  (these jobs do not use it)
    await runner.enqueue("nap", "short", 0.2)
    await runner.enqueue("nap", "long", 30)
    await asyncio.sleep(0.05)  # both under way
    loop = asyncio.get_running_loop()
    started = loop.time()
    await runner.stop(grace=1.0)
    assert finished == ["short"] and cancelled == ["long"]
    assert 0.9 < loop.time() - started < 5
