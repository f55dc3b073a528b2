"""Discovery benchmark (issue 7): region B's events reaching region A over loopback, then A's
agenda, map and search over a database holding a large number of federated events.

    .venv/bin/python bench/discovery.py                                   # both parts, defaults
    .venv/bin/python bench/discovery.py --events 200 --population 20000   # a smoke run
    .venv/bin/python bench/discovery.py --phase queries --database postgresql

Part 1, *ingest* (``--events``, ``--ingest-db``). Regions A and B are two ``echofed serve``
processes on loopback, each with its own database (``ECHOFED_ALLOW_PRIVATE_ADDRESSES=1``, the
embedded worker). A follows B (``echofed follow region URL``), B's operator approves it
(``echofed follow-requests approve``). B then publishes ``--events`` events through its JSON
API (``POST /api/v1/events``, bearer token, ``--concurrency`` clients): each one goes through
B's publishing service, which records the organiser's ``Create`` and the instance actor's
``Announce`` with the event, in one transaction; B's worker delivers the Announce to A's shared
inbox; A verifies the signature, fetches the event from B (signed GET) and stores it. Reported:
B's publishing rate and API latency, the time until all events are in A's database (polled
every 0.5 s), A's ingest rate, each event's lag from B's ``published`` to A's row
(``updated_at``), B's deliveries (rate, queue lag), and the CPU both processes used.

Part 2, *queries* (``--population``, ``--database``). A fresh database migrated with ``echofed
db upgrade``; one local organisation (``echofed actor create``); then, in bulk (sqlite3
``executemany``, PostgreSQL ``COPY``) with the migrations' indexes and full-text structures in
place: remote organisers of ``--regions`` regions and ``--population`` events, one place each,
shaped like ingested remote events (the typed columns plus the stored ActivityStreams document
in ``raw``), spread over ``--years-past`` + ``--years-ahead`` years, twelve categories, ~50
cities; ``--local-share`` of them local. Then ``ANALYZE`` (``VACUUM ANALYZE`` on PostgreSQL).
The site's queries are timed twice: the storage functions (``agenda_page``, ``map_events``,
``search_events``; one session per call, as a request does) and HTTP GETs of ``/agenda``,
``/carte/evenements.geojson`` and ``/recherche`` against ``echofed serve`` on that database.
Both read their filters from the same query strings with the site's own ``read_filters``.
Each query's SQL is captured and explained (EXPLAIN QUERY PLAN; EXPLAIN ANALYZE on PostgreSQL);
plans are printed when p99 is over ``--slow-ms``. On SQLite the storage queries are first timed
before ANALYZE too: echofed never runs it, so that is how a real SQLite instance plans.

Every process is stopped by PID; PostgreSQL ``bench_*`` databases are dropped; the work folder
(``/tmp/echofed-discovery-*``) is removed unless ``--keep``. Results go to
``bench/results/discovery-*.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import signal
import sqlite3
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    PYTHON,
    Database,
    Processes,
    cpu_seconds,
    database,
    echofed_cli,
    echofed_env,
    free_port,
    latency_summary,
    load_average,
    machine_cpu,
    machine_facts,
    start_echofed,
    table,
    workdir,
    write_results,
)

ZONE = ZoneInfo("Europe/Paris")

# --- what events look like -------------------------------------------------------------------

# region key → (name, cities: (city, postcode, latitude, longitude))
REGIONS: dict[str, tuple[str, list[tuple[str, str, float, float]]]] = {
    "grandest": ("Grand Est", [
        ("Strasbourg", "67000", 48.5734, 7.7521), ("Metz", "57000", 49.1193, 6.1757),
        ("Nancy", "54000", 48.6921, 6.1844), ("Reims", "51100", 49.2583, 4.0317),
        ("Mulhouse", "68100", 47.7508, 7.3359), ("Colmar", "68000", 48.0794, 7.3585)]),
    "occitanie": ("Occitanie", [
        ("Toulouse", "31000", 43.6047, 1.4442), ("Montpellier", "34000", 43.6108, 3.8767),
        ("Nîmes", "30000", 43.8367, 4.3601), ("Perpignan", "66000", 42.6887, 2.8948)]),
    "bretagne": ("Bretagne", [
        ("Rennes", "35000", 48.1173, -1.6778), ("Brest", "29200", 48.3904, -4.4861),
        ("Vannes", "56000", 47.6582, -2.7608), ("Saint-Brieuc", "22000", 48.5136, -2.7603)]),
    "nouvelleaquitaine": ("Nouvelle-Aquitaine", [
        ("Bordeaux", "33000", 44.8378, -0.5792), ("Limoges", "87000", 45.8336, 1.2611),
        ("Poitiers", "86000", 46.5802, 0.3404), ("La Rochelle", "17000", 46.1603, -1.1511)]),
    "auvergnerhonealpes": ("Auvergne-Rhône-Alpes", [
        ("Lyon", "69001", 45.7640, 4.8357), ("Grenoble", "38000", 45.1885, 5.7245),
        ("Clermont-Ferrand", "63000", 45.7772, 3.0870), ("Saint-Étienne", "42000", 45.4397, 4.3872)]),
    "hautsdefrance": ("Hauts-de-France", [
        ("Lille", "59000", 50.6292, 3.0573), ("Amiens", "80000", 49.8941, 2.2958),
        ("Dunkerque", "59140", 51.0343, 2.3768)]),
    "normandie": ("Normandie", [
        ("Rouen", "76000", 49.4432, 1.0999), ("Caen", "14000", 49.1829, -0.3707),
        ("Le Havre", "76600", 49.4944, 0.1079)]),
    "paysdelaloire": ("Pays de la Loire", [
        ("Nantes", "44000", 47.2184, -1.5536), ("Angers", "49000", 47.4784, -0.5632),
        ("Le Mans", "72000", 48.0061, 0.1996)]),
    "centrevaldeloire": ("Centre-Val de Loire", [
        ("Orléans", "45000", 47.9030, 1.9093), ("Tours", "37000", 47.3941, 0.6848),
        ("Bourges", "18000", 47.0810, 2.3988)]),
    "bourgognefranchecomte": ("Bourgogne-Franche-Comté", [
        ("Dijon", "21000", 47.3220, 5.0415), ("Besançon", "25000", 47.2378, 6.0241)]),
    "paca": ("Provence-Alpes-Côte d'Azur", [
        ("Marseille", "13001", 43.2965, 5.3698), ("Nice", "06000", 43.7102, 7.2620),
        ("Avignon", "84000", 43.9493, 4.8055)]),
    "iledefrance": ("Île-de-France", [
        ("Paris", "75005", 48.8462, 2.3447), ("Saclay", "91400", 48.7314, 2.1695),
        ("Versailles", "78000", 48.8049, 2.1204)]),
    "corse": ("Corse", [("Ajaccio", "20000", 41.9192, 8.7386), ("Bastia", "20200", 42.6973, 9.4509)]),
}
LOCAL_REGION = "occitanie"  # region A in part 2; the others are the regions it follows

# category → (weight, titles); "formation" is deliberately rare (≈1 %)
CATEGORIES: dict[str, tuple[int, list[str]]] = {
    "conference": (15, ["Conférence : l'univers en expansion", "Conférence : le climat de demain",
                        "Conférence : l'intelligence artificielle expliquée", "Conférence : les origines de la vie"]),
    "atelier": (20, ["Atelier robotique", "Atelier « petits chimistes »", "Atelier codage",
                     "Atelier fabrication de fusées à eau"]),
    "exposition": (8, ["Exposition : lumières", "Exposition : le monde des insectes",
                       "Exposition : mathématiques en jeu"]),
    "visite": (10, ["Visite du laboratoire de physique", "Visite de l'observatoire",
                    "Visite guidée du jardin botanique"]),
    "sortie_nature": (8, ["Sortie nature : les oiseaux migrateurs", "Sortie nature : la forêt la nuit",
                          "Sortie nature : les zones humides"]),
    "festival": (3, ["Fête de la science", "Festival des sciences et du cinéma"]),
    "cafe_sciences": (8, ["Café des sciences : les abeilles", "Café des sciences : le sommeil",
                          "Café des sciences : l'eau"]),
    "science_participative": (5, ["Comptage des papillons", "Inventaire des chauves-souris",
                                  "Observation des hirondelles"]),
    "projection": (5, ["Projection-débat : l'océan", "Ciné-sciences : l'espace"]),
    "spectacle": (5, ["Spectacle : la chimie en scène", "Planétarium : voyage aux confins"]),
    "formation": (1, ["Formation à la médiation scientifique", "Formation : animer un atelier"]),
    "autre": (12, ["Nuit des étoiles", "Rencontre avec une chercheuse", "Portes ouvertes du muséum"]),
}
CATEGORY_NAMES = list(CATEGORIES)
CATEGORY_WEIGHTS = [w for w, _ in CATEGORIES.values()]
VENUES = ["Planétarium", "Muséum d'histoire naturelle", "Médiathèque", "Maison de la science",
          "Jardin botanique", "Université, amphithéâtre A", "Fab lab", "Salle des fêtes", "Observatoire"]
TAGS = ["astronomie", "biodiversité", "climat", "chimie", "physique", "numérique", "robotique",
        "santé", "océan", "géologie", "mathématiques", "archéologie", "énergie", "insectes", "oiseaux"]
AUDIENCES = ["enfants", "ados", "adultes", "familles", "scolaires", "professionnels"]
DESCRIPTIONS = [
    ("Une soirée pour observer le ciel avec les astronomes amateurs du club. Télescopes fournis, "
     "venez avec des vêtements chauds.\n\nEn cas de nuages, repli en salle pour une visite du ciel "
     "au planétarium."),
    ("Des expériences à faire en famille, guidées par des médiatrices et des chercheurs. "
     "**Dès 7 ans.** Inscription conseillée, places limitées."),
    ("Une conférence suivie d'un échange avec le public. Les diapositives seront en ligne après la "
     "séance.\n\nAccessible aux personnes à mobilité réduite."),
    ("Balade commentée d'environ deux heures. Prévoir de bonnes chaussures et des jumelles si vous "
     "en avez ; le parcours est adapté aux poussettes."),
]


@dataclass
class Draft:
    """One event's fields, before they become an API body (part 1) or table rows (part 2)."""

    title: str
    category: str
    description: str
    starts: datetime  # aware
    ends: datetime
    all_day: bool
    tags: list[str]
    audience: list[str]
    venue: str | None
    street: str
    city: str | None
    postcode: str
    latitude: float | None
    longitude: float | None
    online_url: str | None
    price: str | None
    capacity: int | None
    image_url: str | None


def make_draft(rng: random.Random, cities: Sequence[tuple[str, str, float, float]],
               earliest: datetime, span_s: float, online_base: str) -> Draft:
    category = rng.choices(CATEGORY_NAMES, CATEGORY_WEIGHTS)[0]
    city, postcode, lat, lon = rng.choice(cities)
    title = rng.choice(CATEGORIES[category][1])
    if rng.random() < 0.6:
        title = f"{title} à {city}"
    day = (earliest + timedelta(seconds=rng.random() * span_s)).astimezone(ZONE)
    shape = rng.random()
    if shape < 0.02:  # exhibitions: weeks to months
        starts = day.replace(hour=0, minute=0, second=0, microsecond=0)
        ends, all_day = starts + timedelta(days=rng.randint(30, 120)), True
    elif shape < 0.07:  # festivals, multi-day
        starts = day.replace(hour=0, minute=0, second=0, microsecond=0)
        ends, all_day = starts + timedelta(days=rng.randint(2, 6)), True
    elif shape < 0.15:  # one whole day
        starts = day.replace(hour=0, minute=0, second=0, microsecond=0)
        ends, all_day = starts + timedelta(days=1), True
    else:
        starts = day.replace(hour=rng.randint(9, 20), minute=rng.choice((0, 30)), second=0, microsecond=0)
        ends, all_day = starts + timedelta(minutes=rng.choice((60, 90, 120, 180, 240))), False
    online = rng.random()
    online_only = online < 0.05
    return Draft(
        title=title,
        category=category,
        description=rng.choice(DESCRIPTIONS),
        starts=starts,
        ends=ends,
        all_day=all_day,
        tags=rng.sample(TAGS, rng.randint(1, 3)),
        audience=rng.sample(AUDIENCES, rng.randint(0, 2)),
        venue=None if online_only else rng.choice(VENUES),
        street="" if online_only else f"{rng.randint(1, 120)} rue de la Science",
        city=None if online_only else city,
        postcode="" if online_only else postcode,
        latitude=None if online_only else round(lat + rng.uniform(-0.05, 0.05), 5),
        longitude=None if online_only else round(lon + rng.uniform(-0.07, 0.07), 5),
        online_url=f"{online_base}/live/{rng.randint(1, 10**6)}" if online < 0.10 else None,
        price=None if rng.random() < 0.7 else f"{rng.choice((3, 5, 8, 12))} €",
        capacity=rng.choice((None, None, 20, 40, 100, 300)),
        image_url=f"{online_base}/media/{rng.randint(1, 10**6)}.jpg" if rng.random() < 0.4 else None,
    )


def api_body(draft: Draft, actor: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "actor": actor, "title": draft.title, "category": draft.category,
        "description": draft.description, "start": draft.starts.isoformat(), "end": draft.ends.isoformat(),
        "timezone": "Europe/Paris", "all_day": draft.all_day, "tags": draft.tags, "audience": draft.audience,
    }
    if draft.city is not None:
        body["place"] = {"name": draft.venue, "street": draft.street, "postcode": draft.postcode,
                         "city": draft.city, "lat": draft.latitude, "lon": draft.longitude}
    for key in ("online_url", "price", "capacity", "image_url"):
        if getattr(draft, key) is not None:
            body[key] = getattr(draft, key)
    return body


# --- part 1: B publishes, A ingests ----------------------------------------------------------


def _false(db: Database) -> str:
    return "0" if db.kind == "sqlite" else "false"


def _instant(value: Any) -> datetime:
    """A timestamp read back from either database as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def issue_token(db_url: str, base_url: str, email: str) -> str:
    """An API token for ``email`` (what the /compte page does), written in B's database."""
    from echofed.runtime import open_runtime
    from echofed.services.tokens import issue_api_token
    from echofed.settings import load_settings
    from storage.queries.accounts import account_by_email

    settings = load_settings(database_url=db_url, base_url=base_url, redis_url=None)
    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        account = await account_by_email(session, email)
        assert account is not None
        return (await issue_api_token(session, account, "bench")).secret


def wait_until(predicate: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.3)
    raise RuntimeError(f"timed out waiting for {what}")


async def publish_and_watch(
    b_base: str, token: str, bodies: list[dict[str, Any]], a_db: Database, b_host: str,
    concurrency: int, timeout: float, stall: float,
) -> dict[str, Any]:
    """POST every body to B's API with ``concurrency`` clients while polling A's event count."""
    import httpx2

    count_sql = f"SELECT count(*) FROM event WHERE local = {_false(a_db)} AND origin_domain = '{b_host}'"
    total = len(bodies)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    samples: list[tuple[float, int]] = []
    next_index = 0
    started = time.monotonic()
    started_wall = time.time()
    published_at = 0.0

    async def client_loop(client: Any) -> None:
        nonlocal next_index
        while next_index < total:
            body = bodies[next_index]
            next_index += 1
            t0 = time.perf_counter()
            response = await client.post("/api/v1/events", json=body)
            latencies.append(time.perf_counter() - t0)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code != 201 and len(errors) < 5:
                errors.append(f"{response.status_code} {response.text[:300]}")

    async def publish() -> None:
        nonlocal published_at
        headers = {"Authorization": f"Bearer {token}"}
        limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx2.AsyncClient(base_url=b_base, headers=headers, timeout=60, limits=limits) as client:
            await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        published_at = time.monotonic() - started

    publisher = asyncio.create_task(publish())
    seen = 0
    last_progress = time.monotonic()
    while True:
        await asyncio.sleep(0.5)
        seen = int(await a_db.scalar(count_sql) or 0)
        now = time.monotonic()
        if not samples or seen != samples[-1][1]:
            samples.append((round(now - started, 2), seen))
            last_progress = now
        if seen >= total and publisher.done():
            break
        if now - started > timeout:
            errors.append(f"timeout after {timeout:.0f} s with {seen}/{total} in A")
            break
        if publisher.done() and now - last_progress > stall:
            errors.append(f"no progress for {stall:.0f} s: {seen}/{total} in A")
            break
    if not publisher.done():
        publisher.cancel()
    await asyncio.gather(publisher, return_exceptions=True)
    first = next((t for t, n in samples if n > 0), None)
    all_in = samples[-1][0] if samples and samples[-1][1] >= total else None
    return {
        "started_wall": started_wall,
        "publish_seconds": round(published_at, 2),
        "publish_per_s": total / published_at if published_at else None,
        "api_latency": latency_summary(latencies),
        "api_statuses": statuses,
        "errors": errors,
        "seen_in_a": seen,
        "first_in_a_s": first,
        "all_in_a_s": all_in,
        "samples": samples,
    }


async def ingest_figures(a_db: Database, b_db: Database, b_host: str, started_wall: float) -> dict[str, Any]:
    """What the two databases say: per-event lags, deliveries, inbox states."""
    rows = await a_db.fetch(
        f"SELECT published_at, updated_at FROM event WHERE local = {_false(a_db)} AND origin_domain = '{b_host}'"
    )
    published = [_instant(p) for p, _ in rows]
    stored = [_instant(u) for _, u in rows]
    lags = [(s - p).total_seconds() for p, s in zip(published, stored)]
    distinct = await a_db.scalar(f"SELECT count(DISTINCT uri) FROM event WHERE origin_domain = '{b_host}'")
    inbox = await a_db.fetch("SELECT type, state, count(*) FROM inbox_item GROUP BY type, state ORDER BY 1, 2")
    handled = await a_db.fetch(
        "SELECT received_at, processed_at FROM inbox_item WHERE type = 'Announce' AND processed_at IS NOT NULL")
    handling = [(_instant(p) - _instant(r)).total_seconds() for r, p in handled]
    outbox = await b_db.fetch("SELECT type, count(*) FROM outbox_activity GROUP BY type ORDER BY 1")
    deliveries = await b_db.fetch(
        "SELECT a.type, d.state, d.created_at, d.delivered_at FROM delivery d "
        "JOIN outbox_activity a ON a.id = d.activity_id"
    )
    delivered = [(_instant(c), _instant(d)) for t, s, c, d in deliveries
                 if t == "Announce" and s == "delivered" and d is not None]
    by_state: dict[str, int] = {}
    for kind, state, _c, _d in deliveries:
        by_state[f"{kind} {state}"] = by_state.get(f"{kind} {state}", 0) + 1
    start = datetime.fromtimestamp(started_wall, UTC)
    result: dict[str, Any] = {
        "events_in_a": len(rows),
        "distinct_uris_in_a": distinct,
        "lag_publish_to_stored_s": latency_summary(lags),
        "a_inbox": [list(r) for r in inbox],
        "a_inbox_handling_s": latency_summary(handling),
        "b_outbox": [list(r) for r in outbox],
        "b_deliveries": by_state,
        "b_delivery_queue_lag_s": latency_summary([(d - c).total_seconds() for c, d in delivered]),
    }
    if stored:
        first, last = min(stored), max(stored)
        result["a_first_stored_s"] = (first - start).total_seconds()
        result["a_last_stored_s"] = (last - start).total_seconds()
        result["a_ingest_per_s"] = len(stored) / max(1e-6, (last - first).total_seconds())
    if delivered:
        first_d = min(d for _, d in delivered)
        last_d = max(d for _, d in delivered)
        result["b_delivered"] = len(delivered)
        result["b_delivery_per_s"] = len(delivered) / max(1e-6, (last_d - first_d).total_seconds())
    return result


def run_ingest(args: argparse.Namespace, work: Path, processes: Processes) -> dict[str, Any]:
    kind = args.ingest_db
    with database(kind, "disc_a", work) as a_db, database(kind, "disc_b", work) as b_db:
        a_port, b_port = free_port(), free_port()
        b_host, b_base = f"127.0.0.1:{b_port}", f"http://127.0.0.1:{b_port}"
        a_base = f"http://127.0.0.1:{a_port}"
        a_env = echofed_env(a_port, a_db.url, ECHOFED_LOG_LEVEL=args.log_level)
        b_env = echofed_env(b_port, b_db.url, ECHOFED_LOG_LEVEL=args.log_level)
        for env in (a_env, b_env):
            echofed_cli(env, "db", "upgrade")
        email = "mediation@planetarium.example"
        echofed_cli(b_env, "account", "create", "--email", email, "--name", "Médiation", "--no-password")
        echofed_cli(b_env, "actor", "create", "--username", "planetarium", "--type", "Organization",
                    "--name", "Planétarium de Strasbourg", "--city", "Strasbourg", "--owner", email)
        token = asyncio.run(issue_token(b_db.url, b_base, email))
        a = start_echofed(processes, a_env, a_port, args.workers, work / "a.log")
        b = start_echofed(processes, b_env, b_port, args.workers, work / "b.log")

        echofed_cli(a_env, "follow", "region", b_base)
        wait_until(lambda: f"{a_base}/actor" in echofed_cli(b_env, "follow-requests", "list"), "A's follow on B")
        echofed_cli(b_env, "follow-requests", "approve", f"{a_base}/actor")
        wait_until(lambda: asyncio.run(a_db.scalar("SELECT count(*) FROM follow WHERE state = 'accepted'")),
                   "B's Accept in A")
        print(f"  A ({a_base}) follows B ({b_base}), approved; publishing {args.events} events on B…", flush=True)

        rng = random.Random(args.seed)
        cities = REGIONS["grandest"][1]
        now = datetime.now(UTC)
        bodies = [api_body(make_draft(rng, cities, now + timedelta(days=1), 365 * 86400, b_base), "planetarium")
                  for _ in range(args.events)]
        pids = a.all_pids() + b.all_pids()
        load_before = load_average()
        machine0 = machine_cpu()
        a_cpu0, b_cpu0 = cpu_seconds(a.all_pids()), cpu_seconds(b.all_pids())
        watched = asyncio.run(publish_and_watch(
            b_base, token, bodies, a_db, b_host, args.concurrency, args.timeout, args.stall,
        ))
        machine1 = machine_cpu()
        a_cpu, b_cpu = cpu_seconds(a.all_pids()) - a_cpu0, cpu_seconds(b.all_pids()) - b_cpu0
        load_after = load_average()
        figures = asyncio.run(ingest_figures(a_db, b_db, b_host, watched["started_wall"]))
        import httpx2

        agenda = httpx2.get(f"{a_base}/agenda", params={"origine": "suivies"}, timeout=60)
        geojson = httpx2.get(f"{a_base}/carte/evenements.geojson", params={"origine": "suivies"}, timeout=60)
        result = {
            "database": kind,
            "events": args.events,
            "concurrency": args.concurrency,
            **{k: v for k, v in watched.items() if k != "samples"},
            **figures,
            "a_agenda_status": agenda.status_code,
            "a_geojson_features": len(geojson.json().get("features", [])) if geojson.status_code == 200 else None,
            "a_cpu_s": round(a_cpu, 1),
            "b_cpu_s": round(b_cpu, 1),
            "a_cpu_ms_per_event": a_cpu * 1000 / max(1, args.events),
            "b_cpu_ms_per_event": b_cpu * 1000 / max(1, args.events),
            "machine_busy_pct": round(100 * (machine1[0] - machine0[0]) / max(1e-9, machine1[1] - machine0[1]), 1),
            "load_before": load_before,
            "load_after": load_after,
            "samples": watched["samples"],
            "pids": pids,
        }
        result["ok"] = (
            figures["events_in_a"] == args.events == figures["distinct_uris_in_a"]
            and watched["api_statuses"].get(201, 0) == args.events
        )
        if not result["ok"]:
            print(a.tail(3000), file=sys.stderr)
            print(b.tail(3000), file=sys.stderr)
        processes.stop(a)
        processes.stop(b)
    return result


def print_ingest(r: dict[str, Any]) -> None:
    lag = r["lag_publish_to_stored_s"]
    api = r["api_latency"]
    print(
        f"  ingest ({r['database']}): {r['events_in_a']}/{r['events']} events in A "
        f"(distinct {r['distinct_uris_in_a']}), all in A after {r['all_in_a_s']} s "
        f"(first at {r['first_in_a_s']} s); B published in {r['publish_seconds']} s "
        f"({r['publish_per_s'] or 0:.1f}/s, API p50 {api['p50_ms']:.0f} ms p99 {api['p99_ms']:.0f} ms); "
        f"A ingested {r.get('a_ingest_per_s', 0):.1f}/s; publish→stored lag p50 {lag['p50_ms'] / 1000:.1f} s "
        f"p99 {lag['p99_ms'] / 1000:.1f} s; B delivered {r.get('b_delivered', 0)} "
        f"({r.get('b_delivery_per_s', 0):.1f}/s, queue lag p50 {r['b_delivery_queue_lag_s']['p50_ms']:.0f} ms); "
        f"CPU A {r['a_cpu_ms_per_event']:.0f} ms/event, B {r['b_cpu_ms_per_event']:.0f} ms/event; "
        f"load {r['load_before'][0]:.1f}→{r['load_after'][0]:.1f}; ok={r['ok']}",
        flush=True,
    )
    if r["errors"]:
        print("  errors: " + " | ".join(r["errors"]), flush=True)


# --- part 2: a large federated database ------------------------------------------------------


class JsonText(str):
    """A value that already is JSON text (the stored document)."""


@dataclass
class Population:
    """Ids and names the generated rows refer to."""

    local_host: str
    local_actor_id: int
    first_actor_id: int
    organisers: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, uri, domain, region key


def actor_rows(pop: Population, regions: int, per_region: int, now: datetime) -> list[dict[str, Any]]:
    from bench.inbox import ensure_keys

    pem = ensure_keys(1)[0]["public"]  # every remote organiser shows a real-size public key
    keys = [k for k in REGIONS if k != LOCAL_REGION][:regions]
    rows: list[dict[str, Any]] = []
    next_id = pop.first_actor_id
    for key in keys:
        domain = f"{key}.example"
        for n in range(per_region):
            username = f"orga{n}"
            uri = f"https://{domain}/actors/{username}"
            name = f"{rng_name(n)} ({REGIONS[key][0]})"
            document = {
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": uri, "type": "Organization", "preferredUsername": username, "name": name,
                "summary": "<p>Culture scientifique pour tous.</p>", "inbox": f"{uri}/inbox",
                "outbox": f"{uri}/outbox", "followers": f"{uri}/followers", "following": f"{uri}/following",
                "endpoints": {"sharedInbox": f"https://{domain}/inbox"}, "url": uri, "discoverable": True,
                "manuallyApprovesFollowers": False,
                "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": pem},
            }
            rows.append({
                "id": next_id, "uri": uri, "kind": "Organization", "username": username, "domain": domain,
                "local": False, "name": name, "summary": "Culture scientifique pour tous.", "icon_url": None,
                "url": uri, "inbox": f"{uri}/inbox", "outbox": f"{uri}/outbox",
                "shared_inbox": f"https://{domain}/inbox", "followers_url": f"{uri}/followers",
                "following_url": f"{uri}/following", "public_key_id": f"{uri}#main-key",
                "public_key_pem": pem, "private_key_pem": None, "manually_approves_followers": False,
                "discoverable": True, "account_id": None, "city": REGIONS[key][1][n % len(REGIONS[key][1])][0],
                "website": None, "moved_to": None, "raw": JsonText(json.dumps(document)), "fetched_at": now,
                "created_at": now, "updated_at": now, "deleted_at": None,
            })
            pop.organisers.append((next_id, uri, domain, key))
            next_id += 1
    return rows


def rng_name(n: int) -> str:
    kinds = ["Muséum", "Association", "Laboratoire", "Planétarium", "Médiathèque", "Fab lab", "Club"]
    return f"{kinds[n % len(kinds)]} n° {n}"


def _document_template() -> tuple[str, dict[str, Any]]:
    """The JSON-LD context (as text) and the other keys of a real event document, from echofed's
    own serialiser, so that generated documents have the size and shape of ingested ones."""
    from federation.documents import event_document
    from federation.urls import Urls
    from storage.tables import Actor, Event, Place

    urls = Urls("https://grandest.example")
    actor = Actor(id=1, uri="https://grandest.example/actors/x", username="x", domain="grandest.example",
                  inbox="https://grandest.example/actors/x/inbox", kind="Organization",
                  followers_url="https://grandest.example/actors/x/followers")
    place = Place(id=1, name="Planétarium", street="1 rue", postcode="67000", city="Strasbourg",
                  region="Grand Est", country="FR", latitude=48.58, longitude=7.75)
    starts = datetime(2031, 5, 17, 18, tzinfo=UTC)
    event = Event(id=1, uri="https://grandest.example/events/x", url="https://grandest.example/events/x",
                  actor_id=1, local=True, origin_domain="grandest.example", title="x", summary="x",
                  content_html="<p>x</p>", starts_at=starts, ends_at=starts + timedelta(hours=2), place_id=1,
                  category="atelier", tags=["x"], capacity=40, image_url="https://grandest.example/m.jpg",
                  published_at=starts, updated_at=starts)
    document = event_document(event, actor, place, urls)
    context = json.dumps(document.pop("@context"))
    return context, document


MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
DAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]


def _summary(d: Draft) -> str:
    local = d.starts.astimezone(ZONE)
    when = f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}"
    if not d.all_day:
        end = d.ends.astimezone(ZONE)
        when += f", {local.hour} h {local.minute:02d} – {end.hour} h {end.minute:02d}"
    where = f"{d.venue}, {d.city}" if d.city else "En ligne"
    return f"{when} · {where} · {d.category.replace('_', ' ').capitalize()}"


def _html(markdown: str) -> str:
    return "".join(f"<p>{part}</p>" for part in markdown.replace("**", "").split("\n\n"))


def event_rows(
    args: argparse.Namespace, pop: Population, now: datetime
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """(places, events) in chunks; event and place ids both run from 1."""
    context, template = _document_template()
    rng = random.Random(args.seed)
    earliest = now - timedelta(days=365 * args.years_past)
    span = 86400 * 365 * (args.years_past + args.years_ahead)
    local_cities = REGIONS[LOCAL_REGION][1]
    chunk = 5000
    next_id = 1
    while next_id <= args.population:
        places: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for event_id in range(next_id, min(args.population, next_id + chunk - 1) + 1):
            local = rng.random() < args.local_share
            if local:
                actor_id, actor_uri = pop.local_actor_id, f"http://{pop.local_host}/actors/museum"
                domain, cities = pop.local_host, local_cities
                base = f"http://{pop.local_host}"
            else:
                actor_id, actor_uri, domain, key = rng.choice(pop.organisers)
                cities, base = REGIONS[key][1], f"https://{domain}"
            d = make_draft(rng, cities, earliest, span, base)
            uri = f"{base}/events/{uuid.UUID(int=rng.getrandbits(128), version=4)}"
            published = min(d.starts - timedelta(days=rng.randint(3, 60)), now)
            stored = published + timedelta(seconds=rng.randint(1, 600))
            place_id = None
            if d.city is not None:
                place_id = event_id
                places.append({
                    "id": place_id, "uri": None, "actor_id": actor_id if local else None, "is_venue": False,
                    "name": d.venue, "street": d.street, "postcode": d.postcode, "city": d.city,
                    "region": "", "country": "FR", "latitude": d.latitude, "longitude": d.longitude,
                    "description": "", "opening_hours": "", "url": None, "created_at": stored,
                })
            summary = _summary(d)
            content = _html(d.description)
            raw = None
            if not local:
                document = dict(template)
                document.update({
                    "id": uri, "name": d.title, "url": uri, "attributedTo": actor_uri, "summary": summary,
                    "content": content, "contentMap": {"fr": content}, "summaryMap": {"fr": summary},
                    "startTime": d.starts.astimezone(ZONE).isoformat(),
                    "endTime": d.ends.astimezone(ZONE).isoformat(),
                    "scienceCategory": d.category,
                    "tag": [{"type": "Hashtag", "name": f"#{t}", "href": f"{base}/tags/{t}"} for t in d.tags],
                    "published": published.isoformat(), "updated": published.isoformat(),
                    "cc": [f"{actor_uri}/followers"],
                })
                if d.city is None:
                    document["location"] = {"type": "Place", "name": "En ligne",
                                            "address": {"type": "VirtualLocation", "url": d.online_url}}
                    document["isOnline"] = True
                else:
                    document["location"] = {
                        "type": "Place", "name": d.venue,
                        "address": {"type": "PostalAddress", "streetAddress": d.street, "postalCode": d.postcode,
                                    "addressLocality": d.city, "addressCountry": "FR"},
                        "latitude": d.latitude, "longitude": d.longitude}
                if d.image_url is None:
                    document.pop("image", None)
                    document.pop("attachment", None)
                raw = JsonText('{"@context": ' + context + ", " + json.dumps(document)[1:])
            status = rng.random()
            visibility = rng.random()
            events.append({
                "id": event_id, "uri": uri, "url": uri, "actor_id": actor_id, "local": local,
                "origin_domain": domain, "title": d.title, "summary": summary if not local else d.description[:280],
                "content_html": content, "source_md": d.description if local else None, "language": "fr",
                "starts_at": d.starts, "ends_at": d.ends, "timezone": "Europe/Paris", "all_day": d.all_day,
                "place_id": place_id, "latitude": d.latitude, "longitude": d.longitude, "city": d.city,
                "online_url": d.online_url, "category": d.category, "tags": d.tags, "audience": d.audience,
                "price": d.price, "is_free": d.price is None, "accessibility": "", "image_url": d.image_url,
                "image_alt": "", "capacity": d.capacity, "join_mode": "free", "registration_url": None,
                "status": "cancelled" if status < 0.02 else "postponed" if status < 0.03 else "scheduled",
                "visibility": "public" if visibility < 0.97 else "unlisted" if visibility < 0.99 else "followers",
                "comments_enabled": True, "recurrence_rule": None, "series_uri": None, "raw": raw,
                "published_at": published, "updated_at": stored,
                "deleted_at": stored + timedelta(days=1) if rng.random() < 0.01 else None,
            })
        next_id += chunk
        yield places, events


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as SQLAlchemy's SQLite DATETIME stores it (UTC, naive)
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, JsonText):
        return str(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


def _pg_value(value: Any) -> Any:
    if isinstance(value, JsonText):
        return str(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


class Loader:
    """Bulk inserts into one database: sqlite3 executemany or asyncpg COPY, column lists checked
    against the migrated schema (a NOT NULL column without default we do not fill is an error)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.columns: dict[str, list[str]] = {}
        self.sqlite: sqlite3.Connection | None = None
        self.pg: Any = None

    async def open(self) -> None:
        if self.db.kind == "sqlite":
            assert self.db.path is not None
            self.sqlite = sqlite3.connect(self.db.path, timeout=60)
            self.sqlite.execute("PRAGMA synchronous=NORMAL")
            self.sqlite.execute("PRAGMA foreign_keys=ON")
        else:
            import asyncpg

            self.pg = await asyncpg.connect(self.db.pg_dsn)

    async def close(self) -> None:
        if self.sqlite is not None:
            self.sqlite.close()
        if self.pg is not None:
            await self.pg.close()

    async def _columns(self, table_name: str, given: Sequence[str]) -> list[str]:
        if table_name not in self.columns:
            if self.sqlite is not None:
                info = self.sqlite.execute(f"PRAGMA table_info({table_name})").fetchall()
                names = [r[1] for r in info]
                required = [r[1] for r in info if r[3] and r[4] is None and not r[5]]
            else:
                info = await self.pg.fetch(
                    "SELECT column_name, is_nullable, column_default FROM information_schema.columns "
                    "WHERE table_name = $1 ORDER BY ordinal_position", table_name)
                names = [r[0] for r in info]
                required = [r[0] for r in info if r[1] == "NO" and r[2] is None]
            missing = [name for name in required if name not in given]
            if missing:
                raise RuntimeError(f"{table_name}: the benchmark does not fill required columns {missing}")
            self.columns[table_name] = [name for name in given if name in names]
        return self.columns[table_name]

    async def insert(self, table_name: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = await self._columns(table_name, list(rows[0]))
        if self.sqlite is not None:
            sql = f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            with self.sqlite:
                self.sqlite.executemany(sql, [tuple(_sqlite_value(r[c]) for c in columns) for r in rows])
        else:
            records = [tuple(_pg_value(r[c]) for c in columns) for r in rows]
            await self.pg.copy_records_to_table(table_name, records=records, columns=columns)

    async def finish(self) -> None:
        """Sequences past the explicit ids (PostgreSQL); nothing to do on SQLite."""
        if self.pg is not None:
            for table_name in ("actor", "place", "event"):
                await self.pg.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                    f"(SELECT max(id) FROM {table_name}))")


async def analyze(db: Database) -> float:
    """``ANALYZE`` (SQLite) or ``VACUUM ANALYZE`` (PostgreSQL, as autovacuum would); seconds."""
    started = time.perf_counter()
    if db.kind == "sqlite":
        assert db.path is not None
        with sqlite3.connect(db.path) as conn:
            conn.execute("ANALYZE")
    else:
        import asyncpg

        conn = await asyncpg.connect(db.pg_dsn)
        try:
            await conn.execute("VACUUM ANALYZE")
        finally:
            await conn.close()
    return time.perf_counter() - started


async def populate(args: argparse.Namespace, db: Database, local_host: str) -> float:
    """Insert the remote organisers, places and events; seconds taken."""
    loader = Loader(db)
    await loader.open()
    try:
        local_actor_id = int(await db.scalar("SELECT id FROM actor WHERE username = 'museum'"))
        first = int(await db.scalar("SELECT max(id) FROM actor")) + 1
        pop = Population(local_host, local_actor_id, first)
        now = datetime.now(UTC)
        started = time.perf_counter()
        await loader.insert("actor", actor_rows(pop, args.regions, args.organisers, now))
        inserted = 0
        for places, events in event_rows(args, pop, now):
            await loader.insert("place", places)
            await loader.insert("event", events)
            inserted += len(events)
            if inserted % 100_000 < 5000:
                print(f"    {inserted:,} events ({time.perf_counter() - started:.0f} s)", flush=True)
        await loader.finish()
        return time.perf_counter() - started
    finally:
        await loader.close()


async def population_check(db_url: str) -> dict[str, Any]:
    """Read one generated row back through the ORM: the bulk rows must look like real ones."""
    from sqlmodel import func, select

    from storage.engine import make_engine, make_sessionmaker
    from storage.queries.content import event_by_uri
    from storage.tables import Event

    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            uri = (await session.exec(select(Event.uri).where(Event.local == False).limit(1))).one()
            event = await event_by_uri(session, uri)
            assert event is not None and event.starts_at.tzinfo is not None and isinstance(event.tags, list)
            assert isinstance(event.raw, dict) and event.raw.get("id") == uri
            total = (await session.exec(select(func.count()).select_from(Event))).one()
            return {"events": total, "sample_uri": uri, "sample_starts_at": event.starts_at.isoformat()}
    finally:
        await engine.dispose()


async def database_size(db: Database) -> dict[str, Any]:
    if db.kind == "sqlite":
        assert db.path is not None
        with sqlite3.connect(db.path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size: dict[str, Any] = {"database_bytes": db.path.stat().st_size}
            try:
                rows = conn.execute(
                    "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 14").fetchall()
                size["largest"] = {name: int(n) for name, n in rows}
            except sqlite3.OperationalError:
                pass
        return size
    rows = await db.fetch(
        "SELECT pg_database_size(current_database()), pg_total_relation_size('event'), "
        "pg_relation_size('event'), pg_indexes_size('event'), "
        "pg_total_relation_size('event') - pg_relation_size('event') - pg_indexes_size('event'), "
        "pg_total_relation_size('place')")
    database_bytes, event_total, event_heap, event_indexes, event_toast, place_total = rows[0]
    indexes = await db.fetch(
        "SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes "
        "WHERE relname = 'event' ORDER BY 2 DESC")
    return {"database_bytes": database_bytes, "event_total": event_total, "event_heap": event_heap,
            "event_indexes": event_indexes, "event_toast": event_toast, "place_total": place_total,
            "largest": {name: int(n) for name, n in indexes}}


# --- the queries the site runs ---------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    name: str
    kind: str  # agenda | map | search
    params: dict[str, str]

    def path(self) -> str:
        base = {"agenda": "/agenda", "map": "/carte/evenements.geojson", "search": "/recherche"}[self.kind]
        return base + ("?" + urlencode(self.params) if self.params else "")


def queries(page_two: str) -> list[Query]:
    today = datetime.now(ZONE).date()
    strasbourg = REGIONS["grandest"][1][0]
    return [
        Query("agenda, no filter", "agenda", {}),
        Query("category atelier (20 %)", "agenda", {"categorie": "atelier"}),
        Query("category formation (1 %)", "agenda", {"categorie": "formation"}),
        Query("dates: one week in 2 months", "agenda", {"du": (today + timedelta(days=60)).isoformat(),
                                                        "au": (today + timedelta(days=66)).isoformat()}),
        Query("ce week-end", "agenda", {"quand": "ce-week-end"}),
        Query("followed regions only", "agenda", {"origine": "suivies"}),
        Query("city Strasbourg", "agenda", {"ville": "Strasbourg"}),
        Query("20 km around Strasbourg", "agenda", {"lat": str(strasbourg[2]), "lon": str(strasbourg[3]),
                                                    "rayon": "20"}),
        Query("keyset page 2", "agenda", {"apres": page_two}),
        Query("map, no bbox (2,000 max)", "map", {}),
        Query("map bbox Grand Est", "map", {"bbox": "3.38,47.42,8.23,50.17"}),
        Query("map bbox Strasbourg", "map", {"bbox": "7.65,48.52,7.85,48.63"}),
        Query("search 'atelier'", "search", {"q": "atelier"}),
        Query("search 'nuit étoiles strasbourg'", "search", {"q": "nuit étoiles strasbourg"}),
    ]


async def run_query(session: Any, query: Query) -> int:
    """One call of the storage function the page behind ``query.path()`` calls."""
    from storage.columns import utcnow
    from storage.queries.agenda import agenda_page, map_events
    from storage.queries.search import search_events, words_of
    from web.pages.agenda import read_filters
    from web.pages.map import parse_bbox

    now = utcnow()
    if query.kind == "search":
        return len(await search_events(session, words_of(query.params["q"]), now=now, limit=20))
    params = {k: v for k, v in query.params.items() if k != "bbox"}
    filters = read_filters(params, zone=ZONE, now=now)
    if filters.errors:
        raise RuntimeError(f"{query.name}: {filters.errors}")
    if query.kind == "map":
        bbox = parse_bbox(query.params["bbox"]) if "bbox" in query.params else None
        items, _truncated = await map_events(session, replace(filters.where, bbox=bbox), now=now)
        return len(items)
    page = await agenda_page(session, filters.where, now=now, after=filters.after)
    return len(page.items)


async def page_two_token(db_url: str) -> str:
    from storage.columns import utcnow
    from storage.engine import make_engine, make_sessionmaker
    from storage.queries.agenda import AgendaFilter, agenda_page

    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            page = await agenda_page(session, AgendaFilter(), now=utcnow())
            assert page.next is not None, "fewer than one page of upcoming events"
            return page.next.token()
    finally:
        await engine.dispose()


async def timed(call: Callable[[], Awaitable[int]], repeat: int, budget: float) -> tuple[list[float], int]:
    """Up to ``repeat`` timed calls within ``budget`` seconds (at least 3), after one warm-up."""
    found = await call()
    samples: list[float] = []
    deadline = time.monotonic() + budget
    while len(samples) < repeat and (len(samples) < 3 or time.monotonic() < deadline):
        started = time.perf_counter()
        found = await call()
        samples.append(time.perf_counter() - started)
    return samples, found


async def sql_alone(db: Database, statement: str, parameters: Any, runs: int = 3) -> float:
    """Median seconds of the statement run through the bare driver (rows fetched, no ORM)."""
    samples: list[float] = []
    if db.kind == "sqlite":
        assert db.path is not None
        with sqlite3.connect(db.path) as conn:
            for _ in range(runs):
                started = time.perf_counter()
                conn.execute(statement, parameters).fetchall()
                samples.append(time.perf_counter() - started)
    else:
        import asyncpg

        conn = await asyncpg.connect(db.pg_dsn)
        try:
            for _ in range(runs):
                started = time.perf_counter()
                await conn.fetch(statement, *(parameters or ()))
                samples.append(time.perf_counter() - started)
        finally:
            await conn.close()
    return sorted(samples)[len(samples) // 2]


async def explain(db: Database, statement: str, parameters: Any) -> str:
    if db.kind == "sqlite":
        assert db.path is not None
        with sqlite3.connect(db.path) as conn:
            rows = conn.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
        return "\n".join(f"{'  ' * (r[1] and 1)}{r[3]}" for r in rows)
    import asyncpg

    conn = await asyncpg.connect(db.pg_dsn)
    try:
        rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *(parameters or ()))
    finally:
        await conn.close()
    return "\n".join(r[0] for r in rows)


async def time_storage(db: Database, specs: list[Query], args: argparse.Namespace, label: str) -> list[dict[str, Any]]:
    from sqlalchemy import event as sa_event

    from storage.engine import make_engine, make_sessionmaker

    engine = make_engine(db.url)
    sessions = make_sessionmaker(engine)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM event" in statement:
            captured.append((statement, parameters))

    rows: list[dict[str, Any]] = []
    try:
        for query in specs:
            async def call(query: Query = query) -> int:
                async with sessions() as session:
                    return await run_query(session, query)

            load = load_average()[0]
            samples, found = await timed(call, args.repeat, args.budget)
            captured.clear()
            sa_event.listen(engine.sync_engine, "before_cursor_execute", capture)
            await call()
            sa_event.remove(engine.sync_engine, "before_cursor_execute", capture)
            plans = [await explain(db, statement, parameters) for statement, parameters in captured[:3]]
            bare = await sql_alone(db, *captured[0]) if captured else float("nan")
            row = {"database": db.kind, "mode": label, "query": query.name, "path": query.path(),
                   "rows": found, "load": load, **latency_summary(samples), "sql_ms": bare * 1000,
                   "plans": plans, "sql": [s for s, _ in captured[:3]]}
            rows.append(row)
            print(f"    {label:22} {query.name:34} p50 {row['p50_ms']:8.1f} ms  p99 {row['p99_ms']:8.1f} ms  "
                  f"n={row['n']:3}  rows={found:5}  SQL alone {row['sql_ms']:7.1f} ms  load {load:.1f}",
                  flush=True)
    finally:
        await engine.dispose()
    return rows


def time_http(base: str, specs: list[Query], args: argparse.Namespace, db_kind: str) -> list[dict[str, Any]]:
    import httpx2

    rows: list[dict[str, Any]] = []
    with httpx2.Client(base_url=base, timeout=120) as client:
        for query in specs:
            response = client.get(query.path())
            if response.status_code != 200:
                raise RuntimeError(f"GET {query.path()} answered {response.status_code}: {response.text[:500]}")
            samples: list[float] = []
            load = load_average()[0]
            deadline = time.monotonic() + args.budget
            size = len(response.content)
            while len(samples) < args.http_repeat and (len(samples) < 3 or time.monotonic() < deadline):
                started = time.perf_counter()
                response = client.get(query.path())
                samples.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {query.path()} answered {response.status_code}")
            row = {"database": db_kind, "mode": "HTTP", "query": query.name, "path": query.path(),
                   "bytes": size, "load": load, **latency_summary(samples)}
            rows.append(row)
            print(f"    {'HTTP':22} {query.name:34} p50 {row['p50_ms']:8.1f} ms  p99 {row['p99_ms']:8.1f} ms  "
                  f"n={row['n']:3}  {size:,} B  load {load:.1f}", flush=True)
    return rows


def run_queries(kind: str, args: argparse.Namespace, work: Path, processes: Processes) -> dict[str, Any]:
    with database(kind, "disc_q", work, keep=args.keep) as db:
        port = free_port()
        env = echofed_env(port, db.url, ECHOFED_LOG_LEVEL="WARNING")
        started = time.perf_counter()
        echofed_cli(env, "db", "upgrade")
        echofed_cli(env, "actor", "create", "--username", "museum", "--type", "Organization",
                    "--name", "Muséum de Toulouse", "--city", "Toulouse")
        migrate_s = time.perf_counter() - started
        load_before = load_average()
        print(f"  {kind}: migrated in {migrate_s:.1f} s; inserting {args.population:,} events…", flush=True)
        insert_s = asyncio.run(populate(args, db, f"127.0.0.1:{port}"))
        check = asyncio.run(population_check(db.url))
        print(f"  {kind}: {check['events']:,} events inserted in {insert_s:.0f} s "
              f"(load {load_average()[0]:.1f})", flush=True)
        rows: list[dict[str, Any]] = []
        specs = queries(asyncio.run(page_two_token(db.url)))
        if kind == "sqlite" and args.sqlite_before_analyze:  # as echofed leaves it: never analysed
            rows += asyncio.run(time_storage(db, specs, args, "storage, no ANALYZE"))
        analyze_s = asyncio.run(analyze(db))
        print(f"  {kind}: {'VACUUM ' if kind == 'postgresql' else ''}ANALYZE took {analyze_s:.1f} s", flush=True)
        size = asyncio.run(database_size(db))
        rows += asyncio.run(time_storage(db, specs, args, "storage"))
        if not args.no_http:
            server = start_echofed(processes, env, port, 1, work / f"serve-{kind}.log")
            rows += time_http(f"http://127.0.0.1:{port}", specs, args, kind)
            processes.stop(server)
        return {"database": kind, "population": args.population, "migrate_s": round(migrate_s, 1),
                "insert_s": round(insert_s, 1), "analyze_s": round(analyze_s, 1), "check": check, "size": size, "load_before": load_before,
                "load_after": load_average(), "rows": rows}


def print_slow(result: dict[str, Any], slow_ms: float) -> None:
    for row in result["rows"]:
        if row["mode"].startswith("storage") and row["p99_ms"] > slow_ms:
            print(f"\n  SLOW ({result['database']}, {row['mode']}): {row['query']} p99 {row['p99_ms']:.0f} ms")
            for sql, plan in zip(row["sql"], row["plans"]):
                print("    SQL: " + " ".join(sql.split())[:1500])
                print("    " + plan.replace("\n", "\n    "))


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase", default="ingest,queries", help="ingest, queries or both (ingest,queries)")
    part1 = parser.add_argument_group("part 1, ingest")
    part1.add_argument("--events", type=int, default=10_000, help="events B publishes (10000)")
    part1.add_argument("--ingest-db", choices=["sqlite", "postgresql"], default="sqlite",
                       help="database of A and B (sqlite: the trial set-up)")
    part1.add_argument("--concurrency", type=int, default=4, help="API clients publishing on B (4)")
    part1.add_argument("--workers", type=int, default=1, help="web processes per instance (1)")
    part1.add_argument("--timeout", type=float, default=3600, help="seconds allowed for part 1 (3600)")
    part1.add_argument("--stall", type=float, default=180, help="give up after this long without progress (180)")
    part1.add_argument("--log-level", default="INFO", help="ECHOFED_LOG_LEVEL of A and B (INFO)")
    part2 = parser.add_argument_group("part 2, queries")
    part2.add_argument("--population", type=int, default=1_000_000, help="events in A's database (1000000)")
    part2.add_argument("--database", default="both", choices=["sqlite", "postgresql", "both"])
    part2.add_argument("--regions", type=int, default=12, help="followed regions (12 at most)")
    part2.add_argument("--organisers", type=int, default=60, help="remote organisers per region (60)")
    part2.add_argument("--local-share", type=float, default=0.02, help="share of local events (0.02)")
    part2.add_argument("--years-past", type=float, default=3.0, help="events start from this long ago (3)")
    part2.add_argument("--years-ahead", type=float, default=1.0, help="…until this far ahead (1)")
    part2.add_argument("--repeat", type=int, default=100, help="timed calls per storage query (100)")
    part2.add_argument("--http-repeat", type=int, default=40, help="timed GETs per page (40)")
    part2.add_argument("--budget", type=float, default=20, help="seconds per query before stopping early (20)")
    part2.add_argument("--slow-ms", type=float, default=100, help="print plans of queries with p99 above (100)")
    part2.add_argument("--no-http", action="store_true", help="storage functions only")
    part2.add_argument("--no-sqlite-before-analyze", dest="sqlite_before_analyze", action="store_false",
                       help="skip timing SQLite before ANALYZE")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true",
                        help="keep the work folder (logs, SQLite files) and part 2's PostgreSQL database")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop our processes on the way out
    phases = {p.strip() for p in args.phase.split(",") if p.strip()}
    facts = machine_facts()
    print(f"machine: {facts['nproc']} cores ({facts['cpu']}), Python {facts['python']}; "
          f"load {load_average()}", flush=True)
    work = workdir("discovery")
    processes = Processes()
    report: dict[str, Any] = {"machine": facts, "args": vars(args),
                              "command": " ".join([Path(PYTHON).name, "bench/discovery.py", *argv])}
    ok = True
    try:
        if "ingest" in phases:
            report["ingest"] = run_ingest(args, work, processes)
            print_ingest(report["ingest"])
            ok = ok and report["ingest"]["ok"]
        if "queries" in phases:
            kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
            report["queries"] = []
            for kind in kinds:
                result = run_queries(kind, args, work, processes)
                report["queries"].append(result)
                print_slow(result, args.slow_ms)
            rows = [row for r in report["queries"] for row in r["rows"]]
            print()
            print(table(rows, [("database", "db"), ("mode", "measured"), ("query", "query"),
                               ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"), ("n", "n"), ("rows", "rows"),
                               ("sql_ms", "SQL alone ms"), ("load", "load")]))
            for r in report["queries"]:
                print(f"  {r['database']}: {r['population']:,} events, insert {r['insert_s']} s, "
                      f"ANALYZE {r['analyze_s']:.1f} s, size {r['size']['database_bytes'] / 2**20:,.0f} MiB")
    finally:
        processes.stop_all()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    path = write_results("discovery", report)
    print(f"\nresults: {path}" + (f"; work folder kept: {work}" if args.keep else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
