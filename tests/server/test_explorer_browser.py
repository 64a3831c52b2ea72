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

from helpers import EXPLORER_MORE as MORE, EXPLORER_VALUE_TYPES as VALUE_TYPES, REPO, SAMPLE, start_server

ARTIFACTS = REPO / "test-artifacts" / "explorer"
ID = "https://w3id.org/kgbuild/id/"
ASSETS = REPO / "kgbuild" / "server" / "static" / "index.html"
ASTRONAUT = "astronaut_eileen_collins.jpg"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,1000"]


def _binary(name: str) -> str | None:
    return shutil.which(name) or next((p for p in (f"/usr/bin/{name}",) if os.access(p, os.X_OK)), None)


@pytest.fixture(scope="module")
def more_store(explorer_store, tmp_path_factory):
    from kgbuild.store import KGStore

    path = tmp_path_factory.mktemp("explorer-browser") / "store"
    shutil.copytree(explorer_store, path)
    store = KGStore(path)
    store.update(MORE)
    store.close()
    return path


@pytest.fixture(scope="module")
def server(more_store):
    if not ASSETS.is_file():
        pytest.skip("the explorer's front-end is not built: run `make explorer` (needs npm)")
    proc, url = start_server(more_store)
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


def element_screenshot(driver, css: str, name: str) -> Path:
    """One element whole, also the part outside the window (WebElement.screenshot clips it)."""
    box = driver.execute_script(f"""const r = document.querySelector({json.dumps(css)}).getBoundingClientRect();
        return {{x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: Math.min(r.height, 4000)}};""")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                             "clip": {**box, "scale": 1}})
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def page_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def api(server: str, path: str, **params):
    query = urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(f"{server}{path}?{query}", timeout=10) as response:
        return json.load(response)


def test_home_page_ranks_things_with_their_values_and_the_store_overview(server, browser):
    """The most connected list holds no dates or numbers: they sit under their things; the
    overview counts the sources by modality and lists each failure with its reason."""
    top = api(server, "/api/top-things", top=25)
    overview = api(server, "/api/overview")
    open_page(browser, f"{server}/#/")
    rows = browser.find_elements("css selector", "ul.top-things li.thing")
    assert [r.get_attribute("data-iri") for r in rows] == [t["iri"] for t in top]
    assert not {r.get_attribute("data-type") for r in rows} & VALUE_TYPES
    chips = browser.find_elements("css selector", "ul.top-things li.thing ul.values li.value")
    assert chips and {c.get_attribute("data-type") for c in chips} <= VALUE_TYPES
    assert len(chips) == sum(len(t["values"]) for t in top)
    # Eileen Collins' row names the portrait her fused person box is in.
    collins = next(r for r in rows if r.find_element("css selector", "a").text == "Eileen Collins")
    assert ASTRONAUT in collins.find_element("css selector", ".where").text
    assert "person" in collins.find_element("css selector", ".fused").text

    stats = [e.text for e in browser.find_elements("css selector", ".card.sources .stat .value")]
    files = sum(1 for f in SAMPLE.iterdir() if f.is_file())  # the sample, and one broken picture added
    assert stats == [str(overview["sources"][k]) for k in ("total", "ok", "failed")] == [str(files + 1), str(files), "1"]
    table = {r.get_attribute("data-modality"): [td.text for td in r.find_elements("css selector", "td")]
             for r in browser.find_elements("css selector", "table.by-modality tbody tr")}
    assert table == {m["modality"]: [m["modality"], str(m["sources"]), str(m["ok"]), str(m["failed"]), str(m["mentions"])]
                     for m in overview["sources_by_modality"]}
    [failure] = browser.find_elements("css selector", "table.failures tr.failure")
    assert "broken/truncated.png" in failure.text and "E303" in failure.text and "image is truncated" in failure.text
    things = browser.find_element("css selector", ".card.entities .stat .value").text
    assert things == str(overview["entities"]["things"])
    assert browser.find_element("css selector", ".card.build time").get_attribute("datetime") == overview["last_build"]["at"]
    screenshot(browser, "home")
    assert page_errors(browser) == []


def test_entity_page_groups_a_relation_found_in_several_sources(server, browser):
    entity = api(server, "/api/entity", iri="Eileen Collins")
    [knows] = [g for g in entity["relation_groups"] if g["predicate_short"] == "schema:knows" and not g["inferred"]]
    open_page(browser, f"{server}/#/entity?iri={urllib.parse.quote(entity['iri'], safe='')}")
    row = next(r for r in browser.find_elements("css selector", "table.relations tr.relation")
               if r.get_attribute("data-key") == knows["key"])
    assert row.get_attribute("data-relations") == "2" and row.get_attribute("data-sources") == "2"
    assert row.find_element("css selector", ".badge.sources").text == "2 sources"
    listed = [li.get_attribute("data-path") for li in row.find_elements("css selector", "li.evidence-source")]
    assert listed == ["eileen_collins.md", "northwind_relocation.txt"]
    assert [m.text for m in row.find_elements("css selector", "li.evidence-source mark")] == ["Eileen Collins"] * 2
    assert "test-re, test-re-2" in row.text
    # The other rows: each fact once.
    keys = [r.get_attribute("data-key") for r in browser.find_elements("css selector", "table.relations tr.relation")]
    assert len(keys) == len(set(keys)) == len(entity["relation_groups"])
    assert element_screenshot(browser, "#relations", "entity-grouped-relations").stat().st_size > 10_000
    assert page_errors(browser) == []


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
    # Every fact is one row; the inferred ones (the fixture adds one) carry the badge, no other does.
    rows = browser.find_elements("css selector", "table.relations tr.relation")
    assert len(rows) == len(entity["relation_groups"])
    inferred = browser.find_elements("css selector", "table.relations tr.relation.inferred")
    assert len(inferred) == sum(g["inferred"] for g in entity["relation_groups"]) >= 1
    assert any("schema:memberOf" in row.text and "test-rule" in row.text for row in inferred)
    assert all(row.find_elements("css selector", ".badge.inferred") for row in inferred)
    assert not browser.find_elements("css selector", "table.relations tr.relation:not(.inferred) .badge.inferred")
    assert "Contact.Meet" in browser.find_element("css selector", "table.events").text

    # The detected person fused into her: listed with the file it is seen in.
    fused = browser.find_element("css selector", "div.members").text
    assert ASTRONAUT in fused and all(m["label"] in fused for m in entity["member_details"])

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

    # The server predeclares kg:, rdfs: and the others: the editor must not mark them.
    browser.execute_script("window.kgbuildYasqe.setValue(arguments[0])",
                           'SELECT ?e ?l WHERE { ?e a kg:Entity ; rdfs:label ?l ; kg:entityType "PERSON" }')
    assert browser.execute_script("return window.kgbuildYasqe.queryValid") is True
    assert not browser.find_elements("css selector", ".yasqe .parseErrorIcon")
    browser.find_element("css selector", "button.run").click()
    wait(browser, "document.querySelector('.sparql-results').dataset.state === 'done'")
    assert len(browser.find_elements("css selector", "table.results-table tbody tr")) == len(rows)
    screenshot(browser, "sparql-predeclared-prefixes")
    browser.execute_script("window.kgbuildYasqe.setValue(arguments[0])", "SELECT ?e WHERE { ?e a nosuch:Thing }")
    assert browser.execute_script("return window.kgbuildYasqe.queryValid") is False
    assert browser.find_elements("css selector", ".yasqe .parseErrorIcon")

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
