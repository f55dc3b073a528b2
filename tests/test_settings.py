"""Settings from ``ECHOFED_*`` variables: a bad value names its variable; who runs the jobs."""

from __future__ import annotations

import pytest

from echofed.settings import EmbeddedWorker, SettingsError, load_settings

REDIS = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"database_url": "mysql://x"}, "ECHOFED_DATABASE_URL"),
        ({"redis_url": "http://127.0.0.1:6379"}, "ECHOFED_REDIS_URL"),
        ({"worker_concurrency": 0}, "ECHOFED_WORKER_CONCURRENCY"),
        ({"secret_key": "short"}, "ECHOFED_SECRET_KEY"),
    ],
)
def test_a_bad_value_names_its_variable(overrides: dict[str, object], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings(**overrides)


@pytest.mark.parametrize(
    ("worker", "redis", "embedded"),
    [
        (EmbeddedWorker.AUTO, None, True),
        (EmbeddedWorker.AUTO, REDIS, False),
        (EmbeddedWorker.ON, REDIS, True),
        (EmbeddedWorker.ON, None, True),
        (EmbeddedWorker.OFF, REDIS, False),
    ],
)
def test_who_runs_the_jobs(worker: EmbeddedWorker, redis: str | None, embedded: bool) -> None:
    settings = load_settings(embedded_worker=worker, redis_url=redis)
    assert settings.runs_embedded_worker is embedded


def test_no_worker_and_no_redis_is_refused() -> None:
    # Nothing would ever handle an accepted activity: refused at start, naming both variables.
    with pytest.raises(SettingsError, match="ECHOFED_EMBEDDED_WORKER=off needs ECHOFED_REDIS_URL"):
        load_settings(embedded_worker=EmbeddedWorker.OFF, redis_url=None)
