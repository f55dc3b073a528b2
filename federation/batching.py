"""Group work that concurrent requests or jobs submit at the same moment into one transaction.

Each caller awaits its own result; the batch runs when it is full, when ``wait`` has passed,
or (with ``wait=0``) on the next turn of the event loop when fewer than ``parallel`` batches are
running. Under light load a
caller waits for nobody; under heavy load batches grow by themselves while the previous ones
run, so a process pays one statement and one commit for many items instead of one each.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from federation.context import Federation

Item = TypeVar("Item")
Key = TypeVar("Key", bound=Hashable)

_BACKGROUND: set[asyncio.Task[None]] = set()


class Batcher(Generic[Item, Key]):
    """``run`` takes a batch of items and returns a result per key; ``key`` names an item's
    result (a missing key answers ``None``). An exception in ``run`` reaches every caller of
    that batch."""

    def __init__(
        self,
        run: Callable[[list[Item]], Awaitable[dict[Key, Any]]],
        key: Callable[[Item], Key],
        *,
        max_size: int = 64,
        wait: float = 0.0,
        parallel: int = 2,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self._run, self._key = run, key
        self.max_size, self.wait, self.parallel = max_size, wait, parallel
        self._waiting: list[tuple[Item, asyncio.Future[Any]]] = []
        self._timer: asyncio.Handle | None = None
        self._running = 0

    async def submit(self, item: Item) -> Any:
        future: asyncio.Future[Any] = self.loop.create_future()
        self._waiting.append((item, future))
        if len(self._waiting) >= self.max_size:
            self._flush()
        elif self.wait > 0:
            if self._timer is None:
                self._timer = self.loop.call_later(self.wait, self._flush)
        elif self._running < self.parallel and self._timer is None:
            # On the next turn of the loop, so that callers submitting in this one share it.
            self._timer = self.loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        waiting, self._waiting = self._waiting[: self.max_size], self._waiting[self.max_size :]
        if not waiting:
            return
        self._running += 1
        task = self.loop.create_task(self._settle(waiting))
        _BACKGROUND.add(task)
        task.add_done_callback(_BACKGROUND.discard)

    async def _settle(self, waiting: list[tuple[Item, asyncio.Future[Any]]]) -> None:
        try:
            results = await self._run([item for item, _ in waiting])
        except BaseException as exc:
            for _, future in waiting:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        else:
            for item, future in waiting:
                if not future.done():
                    future.set_result(results.get(self._key(item)))
        finally:
            self._running -= 1
            if self._waiting and (self.wait <= 0 or len(self._waiting) >= self.max_size):
                self._flush()  # what arrived while this batch ran


_SHARED: weakref.WeakKeyDictionary[Any, dict[str, tuple[Any, Batcher[Any, Any]]]] = weakref.WeakKeyDictionary()


def shared(fed: Federation, name: str, make: Callable[[], Batcher[Item, Key]]) -> Batcher[Item, Key]:
    """The process's batcher ``name`` for ``fed`` on the running event loop, made on first use
    (kept per session factory: a test rig may build several federations)."""
    per_fed = _SHARED.setdefault(fed.sessions, {})
    found = per_fed.get(name)
    if found is None or found[0] is not fed or found[1].loop is not asyncio.get_running_loop():
        found = per_fed[name] = (fed, make())
    return found[1]
