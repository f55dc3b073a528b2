"""``echofed worker``: arq worker processes that run the job functions of echofed.jobs.

Only used with ``ECHOFED_REDIS_URL``; without Redis, ``echofed serve`` runs the same jobs in an
embedded worker.
"""

from __future__ import annotations

from echofed.errors import EchofedError
from echofed.settings import Settings


async def run_worker(settings: Settings, *, burst: bool = False) -> int:
    if not settings.redis_url:
        raise EchofedError(
            "ECHOFED_REDIS_URL n'est pas défini : sans Redis, « echofed serve » exécute "
            "les tâches lui-même (worker embarqué)."
        )
    from echofed.jobs import run_arq_worker

    await run_arq_worker(settings, burst=burst)
    return 0
