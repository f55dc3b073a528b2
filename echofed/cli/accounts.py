"""Accounts and local actors: ``echofed account create|approve|pending`` and ``actor create``.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from echofed.cli.errors import CliError
from echofed.runtime import open_runtime
from echofed.settings import Settings


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if args.no_password:
        return None
    if not sys.stdin.isatty():
        raise CliError("mot de passe : utilisez --password-stdin ou --no-password")
    first = getpass.getpass("Mot de passe : ")
    if first != getpass.getpass("Confirmez : "):
        raise CliError("les deux mots de passe diffèrent")
    return first


async def cmd_account_create(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.accounts import ActorInput, create_account, create_actor

    password = _read_password(args)
    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        account = await create_account(
            session,
            email=args.email,
            password=password,
            display_name=args.name or "",
            is_admin=args.admin,
        )
        line = f"Compte créé : {account.email}"
        if args.username:
            actor = await create_actor(
                session,
                runtime.urls,
                ActorInput(username=args.username, name=args.name or "", owner_email=args.email),
            )
            line += f" (profil {actor.handle})"
    print(line)
    return 0


async def cmd_account_approve(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.tokens import approve_account

    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        account = await approve_account(session, args.email)
    print(f"Compte approuvé : {account.email}")
    return 0


async def cmd_account_pending(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.tokens import pending_accounts

    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        accounts = await pending_accounts(session)
    if not accounts:
        print("Aucun compte en attente.")
    for account in accounts:
        print(f"{account.email}\t{account.display_name}\t{account.created_at:%Y-%m-%d %H:%M}")
    return 0


def _member(text: str) -> tuple[str, str]:
    email, _, role = text.partition(":")
    return email.strip(), (role.strip() or "editor")


async def cmd_actor_create(args: argparse.Namespace, settings: Settings) -> int:
    from echofed.services.accounts import ActorInput, create_actor

    data = ActorInput(
        username=args.username,
        kind=args.type,
        name=args.name or "",
        summary_md=args.summary or "",
        city=args.city,
        website=args.website,
        manually_approves_followers=args.manual_approval,
        owner_email=args.owner,
        members=[_member(m) for m in args.member],
    )
    async with open_runtime(settings) as runtime, runtime.sessions() as session, session.begin():
        actor = await create_actor(session, runtime.urls, data)
        print(f"{actor.kind} créé : {actor.handle} — {actor.uri}")
    return 0
