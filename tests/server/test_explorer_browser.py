"""The web explorer end to end: `kgbuild serve` on loopback, driven by headless Chromium.

Needs Debian's chromium and chromium-driver (`make test` installs them when missing) and the
built front-end (`make explorer`); without them these tests skip and say so. Screenshots go
to test-artifacts/explorer/.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from helpers import REPO, start_server

ARTIFACTS = REPO / "test-artifacts" / "explorer"
ASSETS = REPO / "kgbuild" / "server" / "static" / "index.html"
ASTRONAUT = "astronaut_eileen_collins.jpg"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,1000"]


def _binary(name: str) -> str | None:
    return shutil.which(name) or next((p for p in (f"/usr/bin/{name}",) if os.access(p, os.X_OK)), None)


@pytest.fixture(scope="module")
def server(explorer_store):
    if not ASSETS.is_file():
        pytest.skip("the explorer's front-end is not built: run `make explorer` (needs npm)")
    proc, url = start_server(explorer_store)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    chromium, driver_path = _binary("chromium"), _binary("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("Debian chromium and chromium-driver are not installed "
                    "(apt-get install chromium chromium-driver; `make test` does it)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed: pip install 'kgbuild[dev]'")
    from selenium.webdriver.chrome.service import Service

    # Selenium must not look for or download a driver or browser, nor report usage.
    os.environ.setdefault("SE_OFFLINE", "true")
    os.environ.setdefault("SE_AVOID_STATS", "true")
    profile = tempfile.mkdtemp(prefix="kgbuild-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait(driver, script: str, timeout: float = 15):
    """Wait until a JavaScript expression is truthy; return its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(f"return {script}"))


def open_page(driver, url: str) -> None:
    driver.get(url)
    wait(driver, "document.querySelector('.page')?.dataset.ready === 'true'")


def screenshot(driver, name: str) -> Path:
    """The whole page, not just the window (Chromium's DevTools protocol can do that)."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 4000), "scale": 1}})
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def page_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def api(server: str, path: str, **params):
    query = urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(f"{server}{path}?{query}", timeout=10) as response:
        return json.load(response)


def test_search_then_entity_draws_the_detected_box(server, browser):
    open_page(browser, f"{server}/#/?q=person")
    results = browser.find_elements("css selector", "li.result")
    hit = next(li for li in results if ASTRONAUT in li.text)
    iri = hit.get_attribute("data-iri")
    hit.find_element("css selector", "a").click()
    wait(browser, "document.querySelector('.page[data-page=entity]')?.dataset.ready === 'true'")
    wait(browser, "document.querySelector('article.evidence.image img')?.naturalWidth > 0")

    expected = api(server, "/api/entity", iri=iri)["mentions"]["image"][0]["selectors"]["box"]
    rect = browser.find_element("css selector", "article.evidence.image svg.overlay rect.box")
    assert [float(rect.get_attribute(a)) for a in ("x", "y", "width", "height")] == expected
    # Drawn where the detector saw it: the box, scaled like the image, lies over the same pixels.
    placed = browser.execute_script("""
        const img = document.querySelector('article.evidence.image img').getBoundingClientRect();
        const box = document.querySelector('article.evidence.image rect.box').getBoundingClientRect();
        const natural = document.querySelector('article.evidence.image img').naturalWidth;
        const k = img.width / natural;
        return [(box.x - img.x) / k, (box.y - img.y) / k, box.width / k, box.height / k];""")
    assert placed == pytest.approx(expected, abs=3)
    assert "xywh=pixel:" in browser.find_element("css selector", "article.evidence.image .meta").text
    path = screenshot(browser, "entity-detected-person")
    browser.find_element("css selector", "article.evidence.image").screenshot(str(ARTIFACTS / "image-box.png"))
    assert path.stat().st_size > 10_000
    assert page_errors(browser) == []


def test_entity_page_plays_speech_from_the_mention_and_marks_inferred_relations(server, browser):
    entity = api(server, "/api/entity", iri="Eileen Collins")
    start, end = entity["mentions"]["speech"][0]["selectors"]["time"]
    open_page(browser, f"{server}/#/entity?iri={urllib.parse.quote(entity['iri'], safe='')}")

    player = browser.find_element("css selector", "article.evidence.speech audio.player")
    assert player.get_attribute("src").endswith(f"#t={start:g},{end:g}")
    # The browser fetched the metadata (by Range requests) and put the playhead on the mention.
    wait(browser, "document.querySelector('article.evidence.speech audio').readyState >= 1")
    position = wait(browser, f"""(() => {{ const t = document.querySelector('article.evidence.speech audio').currentTime;
                                          return Math.abs(t - {start}) < 0.05 ? t : null; }})()""")
    assert position == pytest.approx(start, abs=0.05)
    button = browser.find_element("css selector", "article.evidence.speech button.play")
    assert float(button.get_attribute("data-start")) == start

    # Each snippet highlights exactly its mention's words.
    surface = {m["iri"]: m["text"] for ms in entity["mentions"].values() for m in ms}
    snippets = browser.find_elements("css selector", "#evidence blockquote.snippet")
    assert len(snippets) == sum(1 for ms in entity["mentions"].values() for m in ms if m["snippet"])
    for quote in snippets:
        assert quote.find_element("css selector", "mark").text == surface[quote.get_attribute("data-mention")]
    # Every relation is listed; the inferred ones (the fixture adds one) carry the badge, no other does.
    rows = browser.find_elements("css selector", "table.relations tr.relation")
    assert len(rows) == len(entity["relations"])
    inferred = browser.find_elements("css selector", "table.relations tr.relation.inferred")
    assert len(inferred) == sum(r["inferred"] for r in entity["relations"]) >= 1
    assert any("schema:memberOf" in row.text and "test-rule" in row.text for row in inferred)
    assert all(row.find_elements("css selector", ".badge.inferred") for row in inferred)
    assert not browser.find_elements("css selector", "table.relations tr.relation:not(.inferred) .badge.inferred")
    assert "Contact.Meet" in browser.find_element("css selector", "table.events").text

    nodes = int(wait(browser, "document.querySelector('#graph[data-ready=true]')?.dataset.nodes"))
    assert nodes > 1
    screenshot(browser, "entity-eileen-collins")
    assert page_errors(browser) == []


def test_sparql_editor_runs_a_query_into_a_table(server, browser):
    open_page(browser, f"{server}/#/sparql")
    wait(browser, "!!window.kgbuildYasqe")
    query = ("PREFIX kg: <https://w3id.org/kgbuild/ns#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
             "SELECT ?person ?label WHERE { ?person kg:entityType \"PERSON\" ; rdfs:label ?label } ORDER BY ?label")
    browser.execute_script("window.kgbuildYasqe.setValue(arguments[0])", query)
    browser.find_element("css selector", "button.run").click()
    wait(browser, "document.querySelector('.sparql-results').dataset.state === 'done'")
    rows = browser.find_elements("css selector", "table.results-table tbody tr")
    labels = [r.find_elements("css selector", "td")[1].text for r in rows]
    assert len(rows) >= 3 and "Eileen Collins" in labels
    assert [th.text for th in browser.find_elements("css selector", "table.results-table th")] == ["?person", "?label"]
    screenshot(browser, "sparql-results")
    assert page_errors(browser) == []

    browser.execute_script("window.kgbuildYasqe.setValue('SELECT ?x WHERE { ?x a }')")
    browser.find_element("css selector", "button.run").click()
    wait(browser, "document.querySelector('.sparql-results').dataset.state === 'error'")
    assert "syntax" in browser.find_element("css selector", ".sparql-results .error").text.lower()



def test_ocr_mention_shows_its_line_box_and_transcript_snippet(server, browser, explorer_store):
    """An OCR mention has two selectors: the box of the line it was read from (drawn on the
    image) and offsets into the OCR transcript (the snippet under it)."""
    from kgbuild.store import KGStore

    iri = next(KGStore(explorer_store, read_only=True).rows(
        "SELECT ?e WHERE { ?m kg:modality 'ocr' ; kg:refersTo ?e } ORDER BY ?e LIMIT 1"))["e"]
    ocr = api(server, "/api/entity", iri=iri)["mentions"]["ocr"][0]
    assert ocr["selectors"]["box"] and ocr["selectors"]["char"]
    page_errors(browser)  # reading the log empties it: the previous test ended on a deliberate 400
    open_page(browser, f"{server}/#/entity?iri={urllib.parse.quote(iri, safe='')}")
    wait(browser, "document.querySelector('.page[data-page=entity]')?.dataset.ready === 'true'")
    wait(browser, "document.querySelector('article.evidence.ocr img')?.naturalWidth > 0")
    rect = browser.find_element("css selector", "article.evidence.ocr svg.overlay rect.box")
    assert [float(rect.get_attribute(a)) for a in ("x", "y", "width", "height")] == ocr["selectors"]["box"]
    mark = browser.find_element("css selector", "article.evidence.ocr blockquote.snippet mark")
    assert mark.text == ocr["text"] == ocr["snippet"]["match"]
    browser.find_element("css selector", "article.evidence.ocr").screenshot(str(ARTIFACTS / "ocr-box.png"))
    screenshot(browser, "entity-ocr-mention")
    assert page_errors(browser) == []
