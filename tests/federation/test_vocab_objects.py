"""Publications and tombstones ↔ JSON (federation.vocab.objects), against real Mastodon and
Pleroma notes. JSON-LD expansion of these documents is checked in test_vocab_events.py."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from federation.html import markdown_to_html, sanitize, to_text
from federation.vocab.jsonld import PUBLIC
from federation.vocab.objects import (
    InvalidObject,
    PlaceData,
    PostData,
    parse_post,
    post_heading,
    post_to_json,
    tombstone_to_json,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
BASE = "https://grandest.test"
JARDIN = f"{BASE}/actors/jardin"
FOLLOWERS = f"{JARDIN}/followers"
PARIS_SUMMER = timezone(timedelta(hours=2))


def fixture(path: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / path).read_text(encoding="utf-8"))
    return document


# --- real-world notes ----------------------------------------------------------------------


def test_mastodon_reply_with_image() -> None:
    post = parse_post(fixture("mastodon/mastodon-note-reply.json"))
    assert post.kind == "note"
    assert post.id == "https://floss.social/users/kde/statuses/113306831140126616"
    assert post.url == "https://floss.social/@kde/113306831140126616"
    assert post.attributed_to == "https://floss.social/users/kde"
    assert post.in_reply_to == "https://floss.social/users/kde/statuses/113306824627995724"
    assert post.language == "en"
    assert post.title == "" and post.summary == ""
    assert post.image_url is not None and post.image_url.endswith("c8d906a2f2ab2334.jpg")
    assert post.image_alt.startswith("The KDE dragons Katie and Konqi")
    assert post.tags == ()
    assert post.published == datetime(2024, 10, 14, 16, 57, 15, tzinfo=UTC)
    assert post.to == (PUBLIC,)
    assert post.cc[0] == "https://floss.social/users/kde/followers"
    assert "We also need funding" in post.content_html
    assert 'target="_blank"' not in post.content_html and "translate=" not in post.content_html


def test_mastodon_unlisted_reply() -> None:
    post = parse_post(fixture("mastodon/mastodon-create-note-reply.json")["object"])
    assert post.in_reply_to == "https://mamot.fr/users/retiolus/statuses/107224244380204526"
    assert post.to == ("https://mastodon.madrid/users/felix/followers",)
    assert PUBLIC in post.cc
    assert post.attachments == () and post.image_url is None
    assert "thinkpad" in post.content_html


@pytest.mark.parametrize(
    ("path", "tags"),
    [
        ("mastodon/mastodon-post-activity.json", ()),
        ("mastodon/mastodon-post-activity-hashtag.json", ("moo",)),
    ],
)
def test_mastodon_note_with_content_warning(path: str, tags: tuple[str, ...]) -> None:
    post = parse_post(fixture(path)["object"])
    assert (post.summary, post.sensitive, post.tags) == ("cw", True, tags)
    assert post.in_reply_to is None


def test_pleroma_notes() -> None:
    comment = parse_post(fixture("pleroma/pleroma-comment-object.json"))
    assert comment.tags == ("animeirl",)
    assert comment.image_url is not None and "p5d85wsralb61.jpg" in comment.image_url
    assert comment.published == datetime(2021, 6, 7, 9, 0, 4, 292206, tzinfo=UTC)
    assert comment.sensitive is False  # "sensitive": null
    note = parse_post(fixture("pleroma/https__info.pleroma.site_activity.json"))
    assert note.content_html == "<p>this post was not actually written by Haelwenn</p>"
    assert note.attributed_to == "http://mastodon.example.org/users/admin"


def test_page_from_a_link_aggregator() -> None:
    # The shape Lemmy and Mobilizon use for titled posts: a Page with a name and a link.
    post = parse_post(
        {
            "id": "https://lemmy.example/post/1",
            "type": "Page",
            "attributedTo": "https://lemmy.example/u/alice",
            "name": "Les abeilles et le froid",
            "content": "<p>Un article</p>",
            "attachment": [{"type": "Link", "href": "https://science.example/abeilles"}],
            "mediaType": "text/html",
        }
    )
    assert (post.kind, post.title) == ("article", "Les abeilles et le froid")
    assert post.attachments == ("https://science.example/abeilles",)


def test_scripts_styles_and_handlers_are_removed() -> None:
    post = parse_post(
        {
            "id": "https://remote.example/notes/1",
            "type": "Note",
            "attributedTo": "https://remote.example/@eve",
            "content": '<p onclick="x()" style="color:red">Bonjour<script>alert(1)</script>'
            "<style>body{}</style><iframe src=https://evil.example></iframe></p>",
            "summary": "<b>attention</b><script>x</script>",
        }
    )
    for bad in ("script", "alert", "onclick", "style", "iframe"):
        assert bad not in post.content_html
    assert "Bonjour" in post.content_html
    assert post.summary == "attention"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("texte", "an object must be a JSON object"),
        ({"type": "Event", "id": "https://r.example/1"}, "not an article or note: Event"),
        ({"type": "Note", "id": "urn:x", "content": "hi"}, "object without an http(s) id"),
        (
            {"type": "Note", "id": "https://r.example/1", "content": "hi"},
            "object without an author",
        ),
        (
            {
                "type": "Note",
                "id": "https://r.example/1",
                "attributedTo": "https://r.example/@a",
                "content": "<p> </p>",
            },
            "note without text or attachment",
        ),
        (
            {
                "type": "Article",
                "id": "https://r.example/1",
                "attributedTo": "https://r.example/@a",
            },
            "article without a title or text",
        ),
    ],
)
def test_unusable_posts_are_refused(document: Any, message: str) -> None:
    with pytest.raises(InvalidObject) as caught:
        parse_post(document)
    assert caught.value.public_message == message


# --- what we send --------------------------------------------------------------------------

METZ = PlaceData(
    name="Muséum-Aquarium",
    street="2 rue du Jardin Botanique",
    postcode="57000",
    city="Metz",
    country="FR",
    latitude=49.1089,
    longitude=6.1648,
)


def job_offer(**changes: Any) -> PostData:
    values: dict[str, Any] = {
        "id": f"{BASE}/posts/emploi-1",
        "url": f"{BASE}/posts/emploi-1",
        "attributed_to": JARDIN,
        "kind": "job_offer",
        "title": "Médiateur·rice scientifique",
        "summary": "Animer les visites du jardin & les ateliers.",
        "content_html": markdown_to_html("## Missions\n\n- accueillir les **publics**"),
        "language": "fr",
        "tags": ("mediation",),
        "contract": "CDD 12 mois, temps plein",
        "deadline": datetime(2025, 4, 30, 23, 59, tzinfo=PARIS_SUMMER),
        "link_url": "https://emplois.example/jardin/1",
        "place": METZ,
        "published": datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        "to": (PUBLIC,),
        "cc": (FOLLOWERS,),
    }
    values.update(changes)
    return PostData(**values)


def test_job_offer_is_an_article_with_hashtag_and_heading() -> None:
    document = post_to_json(job_offer(), tag_base_url=BASE)
    assert document["type"] == "Article" and document["postKind"] == "job_offer"
    assert {"type": "Hashtag", "name": "#emploi", "href": f"{BASE}/tags/emploi"} in document["tag"]
    assert post_heading(job_offer()) == (
        "Offre d'emploi · CDD 12 mois, temps plein · Metz · Candidatures jusqu'au mercredi "
        "30 avril 2025 · Candidater : https://emplois.example/jardin/1"
    )
    assert document["summary"] == (
        "<p>Offre d'emploi · CDD 12 mois, temps plein · Metz · Candidatures jusqu'au mercredi 30 "
        'avril 2025 · Candidater : <a href="https://emplois.example/jardin/1">'
        "https://emplois.example/jardin/1</a></p>"
        "<p>Animer les visites du jardin &amp; les ateliers.</p>"
    )
    assert document["employmentType"] == "CDD 12 mois, temps plein"
    assert document["validThrough"] == "2025-04-30T23:59:00+02:00"
    assert document["location"]["address"]["addressLocality"] == "Metz"
    assert {
        "type": "Link",
        "mediaType": "text/html",
        "name": "Website",
        "href": "https://emplois.example/jardin/1",
    } in document["attachment"]
    assert document["contentMap"] == {"fr": document["content"]}


@pytest.mark.parametrize(
    ("call_kind", "hashtag", "heading"),
    [
        ("projects", "#appelAProjets", "Appel à projets · Metz · Candidatures jusqu'au"),
        ("volunteers", "#benevolat", "Appel à bénévoles · Metz · Inscriptions jusqu'au"),
        (None, "#appelAProjets", "Appel à projets · Metz · Candidatures jusqu'au"),
    ],
)
def test_calls(call_kind: str | None, hashtag: str, heading: str) -> None:
    call = job_offer(kind="call", call_kind=call_kind, contract=None)
    document = post_to_json(call)
    assert hashtag in [tag["name"] for tag in document["tag"]]
    assert to_text(document["summary"]).startswith(heading)


def mastodon_status_text(document: dict[str, Any]) -> str:
    """What Mastodon shows for a converted type: ``<h2>name</h2>``, summary, link
    (StatusParser#processed_text), as plain text."""
    link = document.get("url") or document["id"]
    parts = [
        f"<h2>{document['name']}</h2>",
        document.get("summary"),
        f'<a href="{link}">{link}</a>',
    ]
    return to_text(sanitize("\n\n".join(part for part in parts if part)))


def test_what_a_mastodon_user_sees_of_a_job_offer() -> None:
    text = mastodon_status_text(post_to_json(job_offer()))
    for expected in (
        "Médiateur·rice scientifique",
        "Offre d'emploi",
        "CDD 12 mois",
        "Metz",
        "Candidatures jusqu'au mercredi 30 avril 2025",
        "https://emplois.example/jardin/1",
        "Animer les visites du jardin & les ateliers.",
    ):
        assert expected in text


def test_note_reply_goes_out_as_a_note() -> None:
    reply = PostData(
        id=f"{BASE}/posts/r1",
        attributed_to=JARDIN,
        kind="note",
        content_html="<p>Merci !</p>",
        summary="divulgâchage",
        sensitive=True,
        in_reply_to="https://mastodon.example/users/bob/statuses/1",
        to=(PUBLIC,),
    )
    document = post_to_json(reply)
    assert document["type"] == "Note" and "name" not in document and "postKind" not in document
    assert (document["summary"], document["sensitive"]) == ("divulgâchage", True)
    assert document["inReplyTo"] == "https://mastodon.example/users/bob/statuses/1"


def test_tombstone() -> None:
    deleted = datetime(2025, 5, 1, 12, 0, tzinfo=PARIS_SUMMER)
    document = tombstone_to_json(f"{BASE}/events/7c1d", "Event", deleted, with_context=False)
    assert document == {
        "id": f"{BASE}/events/7c1d",
        "type": "Tombstone",
        "formerType": "Event",
        "deleted": "2025-05-01T10:00:00Z",
    }


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "post",
    [
        job_offer(),
        job_offer(kind="call", call_kind="volunteers", contract=None, summary=""),
        job_offer(kind="call", call_kind="projects", link_url=None, deadline=None, place=None),
        job_offer(
            kind="article",
            contract=None,
            deadline=None,
            link_url=None,
            place=None,
            image_url=f"{BASE}/media/abeille.webp",
            image_alt="Une abeille",
            attachments=(f"{BASE}/media/dossier.pdf", "https://science.example/abeilles"),
            updated=datetime(2025, 3, 2, tzinfo=UTC),
            tags=("biodiversite", "abeilles"),
        ),
        job_offer(
            kind="resource",
            contract=None,
            deadline=None,
            link_url=None,
            place=None,
            language=None,
            url=None,
            published=None,
            to=(),
            cc=(),
        ),
        PostData(
            id=f"{BASE}/posts/r1",
            attributed_to=JARDIN,
            kind="note",
            content_html="<p>Merci !</p>",
            summary="cw",
            sensitive=True,
            language="fr",
            in_reply_to="https://mastodon.example/users/bob/statuses/1",
            to=(PUBLIC,),
        ),
    ],
    ids=["job_offer", "call_volunteers", "call_projects", "article", "resource", "note"],
)
def test_post_round_trip(post: PostData) -> None:
    assert parse_post(json.loads(json.dumps(post_to_json(post, tag_base_url=BASE)))) == post


def test_summary_escaping_round_trips() -> None:
    post = job_offer(
        kind="article",
        summary="Sol < 0 °C & gel",
        contract=None,
        deadline=None,
        link_url=None,
        place=None,
    )
    document = post_to_json(post)
    assert document["summary"] == "Sol &lt; 0 °C &amp; gel"
    assert parse_post(document).summary == html.unescape(document["summary"])
