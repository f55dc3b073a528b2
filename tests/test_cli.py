"""The CLI as a user runs it: a subprocess, exit codes, messages, effects in the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ECHOFED = [sys.executable, "-m", "echofed.cli"]


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ECHOFED, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ECHOFED_")}
    environment.update(
        ECHOFED_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        ECHOFED_BASE_URL="https://grandest.test",
        ECHOFED_DEMO="0",
    )
    return environment


def test_help_lists_every_command(env: dict[str, str]) -> None:
    result = run(env, "--help")
    assert result.returncode == 0
    for command in ("serve", "worker", "db", "region", "account", "actor", "event"):
        assert command in result.stdout
    for sub in (["db", "upgrade"], ["region", "set"], ["actor", "create"], ["event", "create"]):
        assert run(env, *sub, "--help").returncode == 0


def test_operator_journey(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "db", "upgrade").returncode == 0
    result = run(
        env, "region", "set", "--name", "Occitanie", "--center", "43.6,1.44",
        "--bounds", "42.3,-0.4,45.1,4.9",
    )
    assert result.returncode == 0, result.stderr
    shown = run(env, "region", "show").stdout
    assert "Occitanie" in shown and "43.6,1.44" in shown

    created = run(
        env, "account", "create", "--email", "ana@example.org", "--name", "Ana",
        "--username", "ana", "--password-stdin", stdin="un long secret\n",
    )
    assert created.returncode == 0, created.stderr
    org = run(
        env, "actor", "create", "--username", "planetarium", "--type", "Organization",
        "--name", "Planétarium", "--owner", "ana@example.org",
    )
    assert org.returncode == 0, org.stderr
    assert "https://grandest.test/actors/planetarium" in org.stdout

    event = run(
        env, "event", "create", "--actor", "planetarium", "--title", "Ciel d'hiver",
        "--start", "2031-01-10T20:00", "--end", "2031-01-10T22:00", "--timezone", "Europe/Paris",
        "--place-name", "Planétarium", "--address", "13 rue de l'Observatoire",
        "--city", "Strasbourg", "--lat", "48.5833", "--lon", "7.7686", "--category", "conference",
    )
    assert event.returncode == 0, event.stderr
    assert "https://grandest.test/events/" in event.stdout

    spec = tmp_path / "event.json"
    spec.write_text(
        json.dumps(
            {
                "actor": "planetarium",
                "title": "Atelier fusées",
                "start": "2031-02-01T14:00:00+01:00",
                "end": "2031-02-01T16:00:00+01:00",
                "online_url": "https://visio.example.org/fusees",
                "category": "atelier",
                "audience": ["enfants"],
            }
        ),
        encoding="utf-8",
    )
    from_json = run(env, "event", "create", "--json", str(spec))
    assert from_json.returncode == 0, from_json.stderr


def test_bad_input_fails_with_a_clear_message(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "db", "upgrade").returncode == 0
    run(env, "actor", "create", "--username", "labo", "--type", "Organization")
    bad_date = run(
        env, "event", "create", "--actor", "labo", "--title", "X", "--start", "demain",
        "--online-url", "https://example.org",
    )
    assert bad_date.returncode == 1
    assert "--start" in bad_date.stderr and "ISO 8601" in bad_date.stderr
    unknown_actor = run(
        env, "event", "create", "--actor", "ghost", "--title", "X", "--start", "2031-01-01T10:00",
        "--online-url", "https://example.org",
    )
    assert unknown_actor.returncode == 1 and "ghost" in unknown_actor.stderr
    bad_type = run(env, "actor", "create", "--username", "x", "--type", "Robot")
    assert bad_type.returncode == 2 and "invalid choice" in bad_type.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    bad_json = run(env, "event", "create", "--actor", "labo", "--json", str(broken))
    assert bad_json.returncode == 1 and "JSON invalide" in bad_json.stderr
    bad_setting = run({**env, "ECHOFED_DATABASE_URL": "mysql://x"}, "region", "show")
    assert bad_setting.returncode == 2 and "ECHOFED_DATABASE_URL" in bad_setting.stderr
