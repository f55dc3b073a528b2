"""Accessibility of every main page, checked on the HTML the app serves and on its CSS:
landmarks, a skip link first, the page's language, labelled controls, images with alt text,
one h1 and headings in order, references that point somewhere, a visible focus ring on every
control, text colours with a contrast of at least 4.5:1, and the map's list alternative.

The browser test (tests/browser/test_site_in_chromium.py) drives the same pages with the
keyboard and on a phone-sized screen.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from lxml import html as lxml_html
from starlette.testclient import TestClient

from echofed.services.demo import seed_demo
from federation.urls import Urls
from storage.engine import make_engine
from storage.migrate import upgrade
from tests.conftest import TEST_BASE_URL
from tests.web.test_account_pages import in_db, path_of, post_form, running_app, sign_out
from tests.web.test_publish import EVENT, with_organisation

WEB = Path(__file__).resolve().parents[2] / "web"
FOCUSABLE = (
    "//a[@href] | //button | //input[not(@type='hidden')] | //select | //textarea | //summary"
    " | //*[@tabindex and not(@tabindex='-1')]"
)
CONTROLS = (
    "//input[not(@type='hidden') and not(@type='submit') and not(@type='button')]"
    " | //select | //textarea"
)


# ---------------------------------------------------------------------------------------------
# What a page must have


def page_problems(text: str, lang: str) -> list[str]:
    """Everything wrong with one page, as readable sentences (empty when all is well)."""
    doc = lxml_html.document_fromstring(text)
    found: list[str] = []
    if doc.get("lang") != lang:
        found.append(f'<html lang="{doc.get("lang")}">, expected {lang}')
    body = doc.find("body")
    mains = doc.xpath("//main")
    if len(mains) != 1:
        found.append(f"{len(mains)} <main> landmarks")
    main_id = mains[0].get("id") if mains else None
    if not body.xpath("./header"):
        found.append("no page header (banner) landmark")
    if not body.xpath("./footer"):
        found.append("no page footer (contentinfo) landmark")
    navs = doc.xpath("//nav")
    if not navs:
        found.append("no <nav> landmark")
    found += [f"an unnamed <nav> among {len(navs)}" for nav in navs
              if not (nav.get("aria-label") or nav.get("aria-labelledby"))]
    focusable = doc.xpath(FOCUSABLE)
    if not focusable or focusable[0].tag != "a" or focusable[0].get("href") != f"#{main_id}":
        first = lxml_html.tostring(focusable[0]).decode()[:80] if focusable else None
        found.append(f"the first focusable element is not a link to #{main_id}: {first}")
    ids = [element.get("id") for element in doc.xpath("//*[@id]")]
    found += [f'id="{i}" used twice' for i in sorted({i for i in ids if ids.count(i) > 1})]
    for element in doc.xpath("//*[@aria-describedby or @aria-labelledby]"):
        for attribute in ("aria-describedby", "aria-labelledby"):
            found += [f"{attribute} points to a missing #{ref}"
                      for ref in (element.get(attribute) or "").split() if ref not in ids]
    labelled = {label.get("for") for label in doc.xpath("//label[@for]")}
    for control in doc.xpath(CONTROLS):
        if not (control.get("id") in labelled or control.xpath("ancestor::label")
                or control.get("aria-label") or control.get("aria-labelledby")):
            found.append(f"<{control.tag} name={control.get('name')}> has no label")
    for button in doc.xpath("//button"):
        if not (button.text_content().strip() or button.get("aria-label")):
            found.append("a button without a name")
    for link in doc.xpath("//a[@href]"):
        if not (link.text_content().strip() or link.get("aria-label") or link.xpath(".//img[@alt!='']")):
            found.append(f"a link without a name: {link.get('href')}")
    found += [f"<img src={img.get('src')}> without alt" for img in doc.xpath("//img[not(@alt)]")]
    levels = [int(h.tag[1]) for h in doc.xpath("//h1 | //h2 | //h3 | //h4 | //h5 | //h6")]
    if levels.count(1) != 1:
        found.append(f"{levels.count(1)} <h1>")
    elif levels[0] != 1:
        found.append(f"the first heading is an <h{levels[0]}>")
    found += [f"<h{a}> followed by <h{b}>" for a, b in pairwise(levels) if b > a + 1]
    return found


def test_the_checker_sees_what_is_missing() -> None:
    bad = """<!doctype html><html lang="en"><body><div><a href="/">Home</a></div>
      <main id="contenu"><h2>Titre</h2><h4>Sous-titre</h4><img src="x.png">
      <input name="q"><input id="q2" aria-describedby="nope"><button></button><a href="/x"></a></main>
      </body></html>"""
    problems = " | ".join(page_problems(bad, "fr"))
    for expected in ('lang="en"', "no page header", "no page footer", "no <nav>",
                     "first focusable", "missing #nope", "name=q> has no label",
                     "button without a name", "link without a name: /x", "without alt",
                     "0 <h1>", "<h2> followed by <h4>"):
        assert expected in problems, expected


# ---------------------------------------------------------------------------------------------
# The pages, served by the real app over the demo region


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _publishing_pages(client: TestClient) -> tuple[dict[str, str], str]:
    event = path_of(post_form(client, "/publier/evenement", EVENT))
    article = path_of(post_form(client, "/publier/article", {
        "as": "vaisseau", "kind": "article", "title": "Les comètes", "body": "Un *dossier*.",
    }))
    edit_event = f"/publier/evenement/modifier?uri={TEST_BASE_URL}{event}"
    edit_post = f"/publier/publication/modifier?uri={TEST_BASE_URL}{article}"
    pages = {
        "event": event, "post": article, "actor": "/@vaisseau", "account": "/compte",
        "new organisation": "/compte/organisations/nouvelle",
        "publish event": "/publier/evenement", "publish article": "/publier/article",
        "publish offer": "/publier/offre", "publish call": "/publier/appel",
        "edit event": edit_event, "edit post": edit_post,
        "event status": f"/publier/evenement/statut?uri={TEST_BASE_URL}{event}",
    }
    html = {name: client.get(path).text for name, path in pages.items()}
    # the same forms showing errors next to their fields, and a preview
    html["publish event, errors"] = post_form(client, "/publier/evenement", {**EVENT, "title": "", "lat": "x"}).text
    html["publish article, preview"] = post_form(client, "/publier/article", {
        "as": "vaisseau", "kind": "article", "title": "Aperçu", "body": "Texte", "action": "preview",
    }).text
    html["edit post, errors"] = post_form(client, edit_post, {"kind": "article", "title": ""}).text
    return html, event


PUBLIC = {
    "home": "/", "agenda": "/agenda", "map": "/carte", "articles": "/articles", "offers": "/offres",
    "search": "/recherche?q=com%C3%A8te", "sign in": "/connexion", "sign up": "/inscription",
    "forgotten password": "/mot-de-passe/oubli",
    "organisation with members": "/@sciences_en_partage",
}
SIGNED_IN = ("event", "post", "actor", "account", "new organisation", "publish event",
             "publish article", "publish offer", "publish call", "edit event", "edit post",
             "event status", "publish event, errors", "publish article, preview", "edit post, errors")
ENGLISH = ("home", "agenda", "map", "sign in", "event")
PAGES = [*PUBLIC, *SIGNED_IN, *(f"{name} (en)" for name in ENGLISH)]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The HTML of every main page, French and some in English (SQLite: the markup does not
    depend on the database)."""
    folder = tmp_path_factory.mktemp("a11y")
    url = f"sqlite+aiosqlite:///{folder / 'a11y.db'}"
    asyncio.run(_migrate(url))
    in_db(url, lambda session: seed_demo(session, Urls(TEST_BASE_URL)))
    with pytest.MonkeyPatch.context() as patch:
        from argon2 import PasswordHasher

        from echofed.services import accounts

        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        with running_app(url, folder) as client:
            with_organisation(client)
            html, event = _publishing_pages(client)
            english = {"Accept-Language": "en"}
            sign_out(client)
            html.update({name: client.get(path).text for name, path in PUBLIC.items()})
            english_paths = {**PUBLIC, "event": event}
            html.update({f"{name} (en)": client.get(english_paths[name], headers=english).text
                         for name in ENGLISH})
            yield html


@pytest.mark.parametrize("name", PAGES)
def test_main_pages_are_accessible(pages: dict[str, str], name: str) -> None:
    assert page_problems(pages[name], "en" if name.endswith("(en)") else "fr") == []


def test_the_map_list_is_reachable_without_going_through_the_map(pages: dict[str, str]) -> None:
    doc = lxml_html.document_fromstring(pages["map"])
    [map_element] = doc.xpath("//*[@id='carte']")
    skips = doc.xpath("//a[@href='#liste-carte']")
    assert skips and _before(doc, skips[0], map_element), "a link before the map leads to its list"
    [heading] = doc.xpath("//*[@id='liste-carte']")
    assert heading.get("tabindex") == "-1", "the list's heading takes the focus"
    items = doc.xpath("//section[contains(@class, 'map-list')]//li[@data-uri]")
    assert items and all(item.xpath(".//a[@href]") for item in items)
    assert all(item.get("data-lat") and item.get("data-lon") for item in items), \
        "located events carry their coordinates, for the « show on the map » buttons"


def _before(doc: lxml_html.HtmlElement, first: lxml_html.HtmlElement, second: lxml_html.HtmlElement) -> bool:
    order = {id(element): n for n, element in enumerate(doc.iter())}
    return order[id(first)] < order[id(second)]


# ---------------------------------------------------------------------------------------------
# The stylesheets: focus ring and contrast


def _hex(colour: str) -> tuple[float, float, float]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return tuple(int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2)."""
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in _hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _stylesheets() -> dict[str, str]:
    """Our CSS: the static files and the <style> blocks of templates (vendor files aside)."""
    sheets = {path.name: path.read_text() for path in sorted((WEB / "static").glob("*.css"))}
    for path in sorted((WEB / "templates").rglob("*.html")):
        for n, block in enumerate(re.findall(r"<style>(.*?)</style>", path.read_text(), re.DOTALL)):
            sheets[f"{path.relative_to(WEB / 'templates')}#{n}"] = block
    return sheets


def _variables() -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})", (WEB / "static" / "site.css").read_text()))


def _colour(value: str, variables: dict[str, str]) -> str | None:
    value = value.replace("!important", "").strip()
    named = re.fullmatch(r"var\((--[\w-]+)(?:,\s*(#[0-9a-fA-F]{3,6}))?\)", value)
    if named:
        return variables.get(named.group(1), named.group(2))
    if value in ("#fff", "white"):
        return "#ffffff"
    return value if re.fullmatch(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}", value) else None


def _rules(css: str) -> Iterator[tuple[str, dict[str, str]]]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {}
        for declaration in body.split(";"):
            name, _sep, value = declaration.partition(":")
            if value.strip():
                declarations[name.strip()] = value.strip()
        yield " ".join(selector.split()), declarations


def colour_pairs() -> list[tuple[str, str, str, float]]:
    """(where, text colour, background, ratio) for every colour our CSS sets: a rule's text
    on its own background, or on the page and card backgrounds (white) when it sets none;
    a background without a text colour carries body text and links."""
    variables = _variables()
    page = variables["--bg"]
    pairs = []
    for sheet, css in _stylesheets().items():
        for selector, rule in _rules(css):
            text = _colour(rule["color"], variables) if "color" in rule else None
            background_value = rule.get("background-color") or rule.get("background")
            background = _colour(background_value, variables) if background_value else None
            if text is not None:
                grounds = [background] if background else [page, "#ffffff"]
                pairs += [(f"{sheet}: {selector}", text, ground, contrast(text, ground)) for ground in grounds]
            elif background is not None:
                pairs += [(f"{sheet}: {selector} (inherited)", inherited, background, contrast(inherited, background))
                          for inherited in (variables["--ink"], variables["--accent"])]
    return pairs


def test_text_colours_contrast_at_least_4_5_to_1() -> None:
    pairs = colour_pairs()
    assert len(pairs) > 40  # the parser read our stylesheets
    weak = [f"{where}: {text} on {ground} = {ratio:.2f}" for where, text, ground, ratio in pairs if ratio < 4.5]
    assert weak == []


def test_every_control_shows_a_visible_focus_ring() -> None:
    variables = _variables()
    rings = [(selector, rule) for selector, rule in _rules((WEB / "static" / "site.css").read_text())
             if ":focus-visible" in selector and rule.get("outline", "none") not in ("none", "0")]
    covered = {part.strip().split(":")[0] for selector, _rule in rings for part in selector.split(",")}
    assert {"a", "button", "input", "select", "textarea", "summary", "[tabindex]"} <= covered
    for _selector, rule in rings:
        width, style, colour = rule["outline"].split()
        assert float(width.removesuffix("px")) >= 2 and style == "solid"
        ring = _colour(colour, variables)
        assert ring is not None
        for ground in (variables["--bg"], "#ffffff"):  # non-text contrast: 3:1 at least
            assert contrast(ring, ground) >= 3, (ring, ground)
    for sheet, css in _stylesheets().items():  # nothing takes the ring away from a control
        for selector, rule in _rules(css):
            if ":focus" in selector and rule.get("outline", "").strip() in ("none", "0"):
                assert all(part.strip().startswith("main") for part in selector.split(",")), (sheet, selector)
