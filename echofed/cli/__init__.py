"""The ``echofed`` command line: serve, worker, db, region, account, actor, event, venue, post,
follow, unfollow, follow-requests, deliveries, reply, like, boost, join, leave, demo.

Every command exits non-zero on failure with a one-line message on stderr; ``--help`` on each
explains its options.

This package holds ``main`` and the parser; the commands live by noun in ``serving`` (serve,
worker, db, demo), ``region``, ``accounts`` (account, actor), ``content`` (event, venue, post)
and ``federating`` (follow, unfollow, follow-requests, the interactions, deliveries), with
``errors`` (``CliError``). ``python -m echofed.cli`` runs ``main`` (see ``__main__``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence

from echofed.cli.accounts import (
    cmd_account_approve,
    cmd_account_create,
    cmd_account_pending,
    cmd_actor_create,
)
from echofed.cli.content import (
    EVENT_JSON_FIELDS,
    PLACE_JSON_FIELDS,
    cmd_event_create,
    cmd_event_delete,
    cmd_event_status,
    cmd_event_update,
    cmd_post_create,
    cmd_venue_create,
)
from echofed.cli.errors import CliError
from echofed.cli.federating import (
    cmd_deliveries,
    cmd_follow,
    cmd_interact,
    cmd_requests_approve,
    cmd_requests_list,
    cmd_requests_reject,
    cmd_unfollow,
    with_federation,
)
from echofed.cli.region import (
    cmd_region_home,
    cmd_region_set,
    cmd_region_show,
    parse_bounds,
    parse_center,
)
from echofed.cli.serving import cmd_db_current, cmd_db_upgrade, cmd_demo_seed, cmd_serve, cmd_worker
from echofed.errors import EchofedError, Invalid
from echofed.runtime import run_async
from echofed.settings import Settings, SettingsError, load_settings

__all__ = [
    "EVENT_JSON_FIELDS",
    "PLACE_JSON_FIELDS",
    "CliError",
    "Handler",
    "build_parser",
    "cmd_account_approve",
    "cmd_account_create",
    "cmd_account_pending",
    "cmd_actor_create",
    "cmd_db_current",
    "cmd_db_upgrade",
    "cmd_deliveries",
    "cmd_demo_seed",
    "cmd_event_create",
    "cmd_event_delete",
    "cmd_event_status",
    "cmd_event_update",
    "cmd_follow",
    "cmd_interact",
    "cmd_post_create",
    "cmd_region_home",
    "cmd_region_set",
    "cmd_region_show",
    "cmd_requests_approve",
    "cmd_requests_list",
    "cmd_requests_reject",
    "cmd_serve",
    "cmd_unfollow",
    "cmd_venue_create",
    "cmd_worker",
    "main",
    "parse_bounds",
    "parse_center",
    "with_federation",
]


Handler = Callable[[argparse.Namespace, Settings], Awaitable[int] | int]


def build_parser() -> argparse.ArgumentParser:
    """Every command, its options and help texts; each parser's ``handler`` runs it."""
    parser = argparse.ArgumentParser(
        prog="echofed",
        description="Serveur ActivityPub fédéré pour la culture scientifique régionale.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)

    serve = sub.add_parser("serve", help="servir le site et la fédération (HTTP)")
    serve.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port d'écoute (8000)")
    serve.add_argument("--workers", type=int, default=0, help="processus web (ECHOFED_WEB_CONCURRENCY)")
    serve.set_defaults(handler=cmd_serve)

    worker = sub.add_parser("worker", help="traiter les tâches (arq sur Redis, ECHOFED_REDIS_URL)")
    worker.add_argument("--burst", action="store_true", help="s'arrêter quand la file est vide")
    worker.set_defaults(handler=cmd_worker)

    db = sub.add_parser("db", help="base de données")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="appliquer les migrations")
    up.add_argument("revision", nargs="?", default="head", help="révision cible (head)")
    up.set_defaults(handler=cmd_db_upgrade)
    db_sub.add_parser("current", help="révision appliquée").set_defaults(handler=cmd_db_current)

    region = sub.add_parser("region", help="voir ou configurer la région")
    region_sub = region.add_subparsers(dest="region_command", metavar="ACTION", required=True)
    region_sub.add_parser("show", help="afficher la configuration").set_defaults(
        handler=cmd_region_show
    )
    rset = region_sub.add_parser("set", help="modifier la configuration")
    rset.add_argument("--name", help="nom de la région")
    rset.add_argument("--description", help="présentation courte")
    rset.add_argument("--base-url", help="origine publique, ex. https://grandest.example")
    rset.add_argument("--timezone", help="fuseau IANA, ex. Europe/Paris")
    rset.add_argument("--center", type=parse_center, help="centre de la carte LAT,LON")
    rset.add_argument("--zoom", type=int, help="zoom initial de la carte (1-18)")
    rset.add_argument("--bounds", type=parse_bounds, help="emprise SUD,OUEST,NORD,EST")
    rset.set_defaults(handler=cmd_region_set)
    rhome = region_sub.add_parser(
        "home", help="montrer ou non les événements d'une région suivie sur la page d'accueil"
    )
    rhome.add_argument("target", metavar="CIBLE",
                       help="URL de l'acteur suivi (ou une URL ou @compte@hôte de sa région)")
    shown = rhome.add_mutually_exclusive_group(required=True)
    shown.add_argument("--on", dest="on", action="store_true", help="les montrer (par défaut)")
    shown.add_argument("--off", dest="on", action="store_false",
                       help="les masquer de l'accueil (ils restent dans l'agenda)")
    rhome.set_defaults(handler=cmd_region_home)

    account = sub.add_parser("account", help="comptes")
    account_sub = account.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    acreate = account_sub.add_parser("create", help="créer un compte")
    acreate.add_argument("--email", required=True)
    acreate.add_argument("--name", help="nom affiché")
    acreate.add_argument("--username", help="créer aussi son profil (Person) sous cet identifiant")
    acreate.add_argument("--admin", action="store_true", help="administrateur de l'instance")
    acreate.add_argument("--password-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard")
    acreate.add_argument("--no-password", action="store_true", help="compte sans mot de passe")
    acreate.set_defaults(handler=cmd_account_create)
    aapprove = account_sub.add_parser("approve", help="approuver un compte en attente (ECHOFED_SIGNUP_APPROVAL)")
    aapprove.add_argument("email")
    aapprove.set_defaults(handler=cmd_account_approve)
    account_sub.add_parser("pending", help="comptes en attente d'approbation").set_defaults(
        handler=cmd_account_pending
    )

    actor = sub.add_parser("actor", help="acteurs (personnes, organisations, groupes)")
    actor_sub = actor.add_subparsers(dest="actor_command", metavar="ACTION", required=True)
    screate = actor_sub.add_parser("create", help="créer un acteur local")
    screate.add_argument("--username", required=True, help="identifiant (a-z, 0-9, _)")
    screate.add_argument("--type", default="Person", choices=["Person", "Organization", "Group"])
    screate.add_argument("--name", help="nom affiché")
    screate.add_argument("--summary", help="présentation (Markdown)")
    screate.add_argument("--city")
    screate.add_argument("--website")
    screate.add_argument("--owner", metavar="EMAIL", help="compte propriétaire (admin de l'organisation)")
    screate.add_argument("--member", action="append", default=[], metavar="EMAIL[:ROLE]",
                         help="membre (rôle admin, editor ou member ; répétable)")
    screate.add_argument("--manual-approval", action="store_true", help="valider les abonnements à la main")
    screate.set_defaults(handler=cmd_actor_create)

    event = sub.add_parser("event", help="événements")
    event_sub = event.add_subparsers(dest="event_command", metavar="ACTION", required=True)
    ecreate = event_sub.add_parser("create", help="publier un événement")
    ecreate.add_argument("--actor", help="acteur qui publie")
    ecreate.add_argument("--json", metavar="FICHIER", help="lire l'événement depuis un fichier JSON")
    ecreate.add_argument("--title")
    ecreate.add_argument("--start", help="début ISO 8601 (sans décalage : heure du fuseau)")
    ecreate.add_argument("--end", help="fin ISO 8601")
    ecreate.add_argument("--timezone", help="fuseau IANA (par défaut celui de la région)")
    ecreate.add_argument("--all-day", action="store_true")
    ecreate.add_argument("--description", help="description (Markdown)")
    ecreate.add_argument("--description-file", help="description depuis un fichier Markdown")
    ecreate.add_argument("--place-name")
    ecreate.add_argument("--address", help="rue")
    ecreate.add_argument("--postcode")
    ecreate.add_argument("--city")
    ecreate.add_argument("--lat", type=float)
    ecreate.add_argument("--lon", type=float)
    ecreate.add_argument("--online-url")
    ecreate.add_argument("--category")
    ecreate.add_argument("--tag", action="append", default=[])
    ecreate.add_argument("--audience", action="append", default=[])
    ecreate.add_argument("--price")
    ecreate.add_argument("--capacity", type=int)
    ecreate.add_argument("--join-mode", default="free", choices=["free", "restricted", "external"])
    ecreate.add_argument("--registration-url")
    ecreate.add_argument("--venue", metavar="URI", help="lieu à visiter existant (echofed venue create)")
    ecreate.add_argument("--repeat", metavar="RRULE",
                         help="récurrence iCalendar, ex. FREQ=WEEKLY;COUNT=6 (une occurrence = un événement)")
    ecreate.add_argument("--community", metavar="GROUPE", help="communauté thématique qui relaie l'événement")
    ecreate.set_defaults(handler=cmd_event_create)
    eupdate = event_sub.add_parser("update", help="modifier un événement (mêmes options que create)")
    eupdate.add_argument("uri", metavar="URI", help="URL de l'événement")
    for action in ecreate._actions:
        if action.dest in ("help", "actor"):
            continue
        eupdate._add_action(action)
    eupdate.set_defaults(handler=cmd_event_update)

    follow_cmd = sub.add_parser(
        "follow", help="suivre un acteur distant (@compte@hôte ou URL), une région (follow region URL) ou un relais (follow relay URL)"
    )
    follow_cmd.add_argument("target", nargs="+", metavar="CIBLE", help="@compte@hôte, URL d'acteur, « region URL » ou « relay URL »")
    follow_cmd.add_argument("--as", dest="as_actor", metavar="ACTEUR", help="acteur local qui suit (par défaut : l'instance)")
    follow_cmd.set_defaults(handler=cmd_follow)

    unfollow_cmd = sub.add_parser("unfollow", help="ne plus suivre un acteur distant")
    unfollow_cmd.add_argument("target", metavar="CIBLE", help="@compte@hôte ou URL d'acteur")
    unfollow_cmd.add_argument("--as", dest="as_actor", metavar="ACTEUR")
    unfollow_cmd.set_defaults(handler=cmd_unfollow)

    requests = sub.add_parser("follow-requests", help="demandes d'abonnement en attente")
    requests_sub = requests.add_subparsers(dest="requests_command", metavar="ACTION", required=True)
    rlist = requests_sub.add_parser("list", help="lister les demandes")
    rlist.add_argument("--as", dest="as_actor", metavar="ACTEUR", help="acteur suivi (par défaut : l'instance)")
    rlist.set_defaults(handler=cmd_requests_list)
    for name, handler, text in (
        ("approve", cmd_requests_approve, "accepter une demande (envoie Accept)"),
        ("reject", cmd_requests_reject, "refuser une demande (envoie Reject)"),
    ):
        decide = requests_sub.add_parser(name, help=text)
        decide.add_argument("follower", metavar="URL", help="URL de l'acteur qui demande")
        decide.add_argument("--as", dest="as_actor", metavar="ACTEUR")
        decide.set_defaults(handler=handler)

    deliveries = sub.add_parser("deliveries", help="état des livraisons sortantes")
    deliveries.add_argument("--errors", type=int, default=10, help="nombre de dernières erreurs (10)")
    deliveries.add_argument("--json", action="store_true", help="sortie JSON")
    deliveries.set_defaults(handler=cmd_deliveries)

    for name, text in (("cancel", "annuler un événement (Update envoyé)"),
                       ("postpone", "reporter un événement"), ("confirm", "rétablir un événement")):
        status_cmd = event_sub.add_parser(name, help=text)
        status_cmd.add_argument("uri", metavar="URI", help="URL de l'événement")
        status_cmd.set_defaults(handler=cmd_event_status)
    edelete = event_sub.add_parser("delete", help="supprimer un événement (Delete envoyé)")
    edelete.add_argument("uri", metavar="URI")
    edelete.set_defaults(handler=cmd_event_delete)

    for name, text in (
        ("reply", "répondre à un événement ou une publication"),
        ("like", "mettre en favori"), ("boost", "partager (Announce) auprès de ses abonnés"),
        ("join", "participer à un événement"), ("leave", "ne plus participer"),
    ):
        interact = sub.add_parser(name, help=text)
        interact.add_argument("uri", metavar="URI", help="URL de l'objet")
        interact.add_argument("--as", dest="as_actor", required=True, metavar="ACTEUR")
        if name == "reply":
            interact.add_argument("--text", required=True, help="texte (Markdown)")
        interact.set_defaults(handler=cmd_interact)

    venue = sub.add_parser("venue", help="lieux à visiter (musées, jardins, laboratoires…)")
    venue_sub = venue.add_subparsers(dest="venue_command", metavar="ACTION", required=True)
    vcreate = venue_sub.add_parser("create", help="créer un lieu à visiter")
    vcreate.add_argument("--actor", required=True, help="acteur qui gère le lieu")
    vcreate.add_argument("--name", required=True)
    vcreate.add_argument("--address", help="rue")
    vcreate.add_argument("--postcode")
    vcreate.add_argument("--city")
    vcreate.add_argument("--lat", type=float, required=True)
    vcreate.add_argument("--lon", type=float, required=True)
    vcreate.add_argument("--opening-hours", help="horaires d'ouverture (texte)")
    vcreate.add_argument("--description", help="présentation (Markdown)")
    vcreate.add_argument("--url", help="site web")
    vcreate.set_defaults(handler=cmd_venue_create)

    post = sub.add_parser("post", help="articles, ressources, offres d'emploi, appels")
    post_sub = post.add_subparsers(dest="post_command", metavar="ACTION", required=True)
    pcreate = post_sub.add_parser("create", help="publier un article, une ressource, une offre ou un appel")
    pcreate.add_argument("--actor", required=True)
    pcreate.add_argument("--kind", required=True, choices=["article", "resource", "job_offer", "call"])
    pcreate.add_argument("--title", required=True)
    pcreate.add_argument("--summary")
    pcreate.add_argument("--body", help="texte (Markdown)")
    pcreate.add_argument("--body-file")
    pcreate.add_argument("--tag", action="append", default=[])
    pcreate.add_argument("--attachment", action="append", default=[], metavar="URL")
    pcreate.add_argument("--contract", help="offre : type de contrat (CDD, CDI, stage…)")
    pcreate.add_argument("--call-kind", choices=["volunteers", "projects"], help="appel : bénévoles ou projets")
    pcreate.add_argument("--deadline", help="date limite (ISO)")
    pcreate.add_argument("--link", help="lien pour candidater ou participer")
    pcreate.set_defaults(handler=cmd_post_create)

    demo = sub.add_parser("demo", help="région de démonstration")
    demo_sub = demo.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    demo_sub.add_parser("seed", help="remplir une base vide avec la démo").set_defaults(
        handler=cmd_demo_seed
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status: 0, 1 on failure, 2 for bad settings, 130 on Ctrl-C."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"echofed: {exc}", file=sys.stderr)
        return 2
    try:
        outcome = args.handler(args, settings)
        if asyncio.iscoroutine(outcome):
            outcome = run_async(outcome)
        return int(outcome)
    except Invalid as exc:
        print(f"echofed: --{exc.field} : {exc.reason}", file=sys.stderr)
    except (EchofedError, CliError) as exc:
        print(f"echofed: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 1
