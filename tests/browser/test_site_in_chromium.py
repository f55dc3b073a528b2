"""The regional site in a real browser (Debian's Chromium driven by Playwright): browse, filter,
read an event and download its calendar file; sign up, create an organisation, publish an event
with a place and see it on the agenda and, live, on a map open in another tab; switch to
English; move with the keyboard (skip link, the map's list) and on a phone-sized screen.
Screenshots of the main pages go to tests/artifacts/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from icalendar import Calendar

from tests.e2e.instances import Instance, make_instance

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    instance = make_instance(
        "browser", tmp_path_factory.mktemp("browser"), ECHOFED_DEMO="1", ECHOFED_SIGNUP_APPROVAL="0",
        ECHOFED_GEOCODER_URL="", ECHOFED_MAP_TILES_URL="http://127.0.0.1:9/{z}/{x}/{y}.png",
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_browse_filter_event_and_calendar(site: Instance, browser: object) -> None:
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(site.base + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Grand Est — démo" in page.title()
    shot(page, "home")

    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Agenda").click()
    page.wait_for_url("**/agenda")
    first_count = page.locator(".agenda-results li, .events li").count()
    assert first_count > 0
    shot(page, "agenda")
    page.locator('input[name="categorie"][value="conference"]').check()
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**categorie=conference**")
    filtered = page.locator(".agenda-results li, .events li")
    assert 0 < filtered.count() <= first_count
    assert page.locator('a[href*="/agenda.ics?"]').count() >= 1  # the filter is a subscription

    filtered.first.locator("a").first.click()
    page.wait_for_url("**/events/**")
    assert page.locator("h1").count() == 1
    ld = page.locator('script[type="application/ld+json"]').first.inner_text()
    assert '"@type": "Event"' in ld or '"@type":"Event"' in ld
    shot(page, "event")
    ics_link = page.locator('a[href$=".ics"]').first
    with page.expect_download() as download_info:
        ics_link.click()
    calendar = Calendar.from_ical(Path(download_info.value.path()).read_bytes())
    [event] = calendar.walk("VEVENT")
    assert str(event["DTSTART"].params.get("TZID")) == "Europe/Paris"
    page.close()


def test_publish_and_see_it_live_on_the_map(site: Instance, browser: object) -> None:
    context = browser.new_context(locale="fr-FR")  # type: ignore[attr-defined]
    map_tab = context.new_page()
    map_tab.goto(site.base + "/carte")
    map_tab.wait_for_function("document.querySelector('#carte-etat') !== null")
    shot(map_tab, "map")

    page = context.new_page()
    page.goto(site.base + "/inscription")
    page.fill("#email", "claire@example.org")
    page.fill("#display-name", "Claire Martin")
    page.fill("#username", "claire")
    page.fill("#password", "une phrase de passe")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_load_state()
    if "/connexion" in page.url:
        page.fill("#email", "claire@example.org")
        page.fill("#password", "une phrase de passe")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()

    page.goto(site.base + "/compte/organisations/nouvelle")
    page.fill("#name", "Club d'astronomie de Metz")
    page.fill("#username", "astro_metz")
    page.fill("#city", "Metz")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()

    page.goto(site.base + "/publier/evenement")
    page.select_option("#as", value="astro_metz")
    page.fill("#title", "Observation de Saturne")
    page.fill("#start", "2031-09-20T21:00")
    page.fill("#end", "2031-09-20T23:30")
    page.fill("#place-name", "Jardin botanique de Metz")
    page.fill("#street", "27 rue du Pont-à-Mousson")
    page.fill("#postcode", "57950")
    page.fill("#city", "Montigny-lès-Metz")
    page.fill("#lat", "49.1033")
    page.fill("#lon", "6.1603")
    page.get_by_role("button", name="Publier").click()
    page.wait_for_url("**/events/**")
    assert "Observation de Saturne" in page.locator("h1").inner_text()

    map_tab.wait_for_function(
        "document.querySelector('#carte-etat').textContent.includes('Observation de Saturne')",
        timeout=20_000,
    )
    page.goto(site.base + "/agenda?ville=Montigny-l%C3%A8s-Metz")
    assert page.get_by_text("Observation de Saturne").count() >= 1
    context.close()


def test_switch_to_english(site: Instance, browser: object) -> None:
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(site.base + "/agenda")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    nav = page.get_by_role("navigation", name="Main navigation")
    assert nav.get_by_role("link", name="Events").count() == 1
    shot(page, "agenda-en")
    page.close()


def test_keyboard_skip_link_and_the_map_list(site: Instance, browser: object) -> None:
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(site.base + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip", "#contenu"]  # the first Tab reaches the skip link…
    box = page.locator("a.skip").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0  # …which then shows
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName + '#' + document.activeElement.id") == "MAIN#contenu"
    page.keyboard.press("Tab")  # and the next Tab goes on inside the content
    assert page.evaluate("!!document.activeElement.closest('main')")

    # The map: its list is one link away, and each event there opens on the map.
    page.goto(site.base + "/carte")
    page.wait_for_selector(".leaflet-marker-icon", timeout=20_000)
    page.keyboard.press("Tab")
    for _step in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "#liste-carte":
            break
    else:
        pytest.fail("no link from the keyboard to the map's list")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "liste-carte"
    for _step in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('show-on-map')"):
            break
    else:
        pytest.fail("no « Voir sur la carte » button in the list")
    title = page.evaluate("document.activeElement.closest('li').querySelector('.agenda-title').textContent.trim()")
    page.keyboard.press("Enter")
    page.wait_for_function("!!document.activeElement.closest('.leaflet-popup')", timeout=10_000)
    assert page.evaluate("document.activeElement.textContent.trim()") == title
    shot(page, "map-keyboard")
    page.close()


def test_phone_sized_screens_do_not_scroll_sideways(site: Instance, browser: object) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 700})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(site.base + "/agenda")
    event_path = page.locator(".agenda-results .agenda-title a").first.get_attribute("href")
    assert event_path
    for name, path in (("home", "/"), ("agenda", "/agenda"), ("event", event_path)):
        page.goto(urljoin(site.base, path))
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (name, widths)
        nav = page.get_by_role("navigation", name="Navigation principale").bounding_box()
        assert nav is not None and nav["x"] >= 0 and nav["x"] + nav["width"] <= widths[1], (name, nav)
        shot(page, f"mobile-{name}")
    context.close()
