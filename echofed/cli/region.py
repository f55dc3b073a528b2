"""The region an instance serves: ``echofed region show|set|home``.

``parse_center`` and ``parse_bounds`` are the argparse types of ``region set --center`` and
``--bounds``.
"""

from __future__ import annotations

import argparse
from typing import Any

from echofed.runtime import Runtime, open_runtime
from echofed.settings import Settings


def _floats(text: str, count: int, name: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {count} nombres séparés par des virgules")
    if len(values) != count:
        raise argparse.ArgumentTypeError(f"{name}: {count} nombres séparés par des virgules")
    return values


def parse_center(text: str) -> tuple[float, ...]:
    """``LAT,LON`` as floats (an argparse type)."""
    return _floats(text, 2, "--center LAT,LON")


def parse_bounds(text: str) -> tuple[float, ...]:
    """``SUD,OUEST,NORD,EST`` as floats (an argparse type)."""
    return _floats(text, 4, "--bounds SUD,OUEST,NORD,EST")


def _print_region(region: Any, runtime: Runtime) -> None:
    print(f"nom          : {region.name}")
    print(f"description  : {region.description}")
    print(f"adresse      : {runtime.urls.base}")
    print(f"fuseau       : {region.timezone}")
    print(f"centre       : {region.center_lat},{region.center_lon} (zoom {region.zoom})")
    print(
        f"limites      : {region.bounds_south},{region.bounds_west},"
        f"{region.bounds_north},{region.bounds_east}"
    )


async def cmd_region_show(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.region import ensure_region

    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        region = await ensure_region(session)
        _print_region(region, runtime)
    return 0


async def cmd_region_set(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.region import RegionChanges, update_region

    changes = RegionChanges(
        name=args.name,
        description=args.description,
        base_url=args.base_url,
        timezone=args.timezone,
        center=tuple(args.center) if args.center else None,  # type: ignore[arg-type]
        zoom=args.zoom,
        bounds=tuple(args.bounds) if args.bounds else None,  # type: ignore[arg-type]
    )
    if args.base_url is not None:
        from echofed.settings import Settings as _S

        _S(base_url=args.base_url)  # same validation as ECHOFED_BASE_URL
    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        region = await update_region(session, changes)
        _print_region(region, runtime)
    return 0


async def cmd_region_home(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.following import set_show_on_home

    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        _, actor = await set_show_on_home(session, runtime.urls, args.target, show=args.on)
    where = "affichés" if args.on else "masqués"
    print(f"Événements de {actor.handle} {where} sur la page d'accueil (toujours dans l'agenda).")
    return 0
