"""The web interface in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium), on
real news: the first articles of each ../shared/data/news file, the annotated xdoc-dev week (real stories
across outlets, their contradictions, daily figures as series) and the seeds, ingested by `khazar ingest`
(the whole pipeline, stories included), served by `khazar serve`.

Every page type is loaded and photographed (screenshots under the test's tmp folder, named in the failure
message); every link on those pages is followed and none may be 404; snippets keep their ZWNJ; the
timeline's x axis is proportional to time; the map and the graph draw labelled elements. Skipped when
Chromium or ../shared is absent.
"""
from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from itertools import islice
from pathlib import Path

import pytest

from live_server import live_server

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
NEWS = SHARED / "data" / "news"
SEEDS = SHARED / "seeds"
WEEK = SHARED / "gold" / "xdoc-dev.articles.jsonl"
PER_FILE = 150  # articles of each news file: enough for stories across outlets, quotes, events, a map
JALALI_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
ZWNJ = "\u200c"
LINKS_PER_KIND = 25  # links followed per (path prefix) kind: every kind of link, not every entity of the corpus

pytestmark = [pytest.mark.skipif(not (CHROMIUM.exists() and DRIVER.exists()),
                                 reason="needs Debian packages chromium and chromium-driver"),
              pytest.mark.skipif(not NEWS.is_dir(), reason="../shared/data/news is not beside the repository")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    subset = folder / "news.jsonl"
    with subset.open("w", encoding="utf-8") as out:
        for f in sorted(NEWS.glob("*.jsonl")):
            with f.open(encoding="utf-8") as fh:
                out.writelines(islice(fh, PER_FILE))
    db = folder / "web.db"
    subprocess.run([sys.executable, "-m", "khazar.cli", "ingest", str(subset), str(WEEK), str(SEEDS), "--db", str(db)],
                   cwd=ROOT, check=True, capture_output=True)
    with (folder / "server.log").open("w") as log, live_server(db, log) as base:
        yield base


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chrome-profile')}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver is given explicitly so that Selenium Manager never tries to download one.
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _open(browser, server: str, path: str, shots: Path, name: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + path)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert len(browser.find_elements(By.TAG_NAME, "h1")) == 1, f"{path}: one <h1> per page"
    browser.save_screenshot(str(shots / f"{name}.png"))


def _kind(path: str) -> str:
    """/entities/per:x → /entities/, /search?q=… → /search: links grouped by what page they open."""
    parts = urllib.parse.urlsplit(path)
    segments = parts.path.split("/")
    return "/".join(segments[:2]) + ("/" if len(segments) > 2 else "") + ("/feed" if parts.path.endswith(".atom") else "")


def test_every_page_type_renders_and_no_link_is_404(server, browser, shots):
    from selenium.webdriver.common.by import By

    browser.get(server + "/search?sort=date")
    article = browser.find_element(By.CSS_SELECTOR, "li.hit a.title").get_attribute("href")
    article_path = urllib.parse.urlsplit(article).path
    browser.get(server + "/entities")
    entity_path = urllib.parse.urlsplit(browser.find_element(By.CSS_SELECTOR, ".entity-list a").get_attribute("href")).path
    browser.get(server + "/stories")
    story_links = browser.find_elements(By.CSS_SELECTOR, "ol.stories a")
    assert story_links, "the ingest made no story"
    story_path = urllib.parse.urlsplit(story_links[0].get_attribute("href")).path
    browser.get(server + "/series")
    series_links = browser.find_elements(By.CSS_SELECTOR, "ol.stories a")
    assert series_links, "the ingest made no series"
    series_path = urllib.parse.urlsplit(series_links[0].get_attribute("href")).path
    pages = {"home": "/", "search": "/search?q=ایران", "search-dates": "/search?q=تهران&from=۱ اسفند ۱۳۹۸",
             "article": article_path, "raw": article_path + "/raw", "entities": "/entities", "entity": entity_path,
             "quotes": "/quotes", "quotes-surname": "/quotes?speaker=روحانی", "events": "/events", "map": "/map",
             "graph": "/graph?from=1380-01-01", "stories": "/stories", "story": story_path,
             "contradictions": "/contradictions", "series-list": "/series", "series": series_path,
             "error": "/no/such/page"}
    links: dict[str, set[str]] = {}
    for name, path in pages.items():
        _open(browser, server, path, shots, name)
        for a in browser.find_elements(By.CSS_SELECTOR, "a[href]"):
            href = a.get_attribute("href")
            if href and href.startswith(server) and "#" not in href:
                rel = href[len(server):]
                links.setdefault(_kind(rel), set()).add(rel)
    assert {"/articles/", "/entities/", "/search", "/stories/", "/quotes", "/events", "/series/",
            "/contradictions"} <= set(links), sorted(links)
    broken = []
    for _kind_name, hrefs in sorted(links.items()):
        for rel in sorted(hrefs)[:LINKS_PER_KIND]:
            if _status(server + rel) == 404:
                broken.append(rel)
    assert not broken, f"404 links: {broken[:10]} (screenshots in {shots})"
    csp = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert not csp, csp


def test_search_snippets_keep_zwnj_and_both_calendars(server, browser, shots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, server, "/search?q=" + urllib.parse.quote(f"بین{ZWNJ}المللی"), shots, "search-zwnj")
    snippets = [s.text for s in browser.find_elements(By.CSS_SELECTOR, ".snippet")]
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".snippet mark")]
    assert snippets and marks
    assert all(m.replace(ZWNJ, "") == "بینالمللی" for m in marks)
    assert any(ZWNJ in m for m in marks), marks[:5]  # the text's own spelling, not the index's
    assert not any("بینالمللی" in s for s in snippets if f"بین{ZWNJ}المللی" in s)
    meta = browser.find_element(By.CSS_SELECTOR, "li.hit .meta").text
    assert any(m in meta for m in JALALI_MONTHS) and re.search(r"\(\d{4}-\d{2}-\d{2}\)", meta), meta
    # The search box of the home page leads to the results, and a hit to its article.
    browser.get(server + "/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("خزر")
    box.submit()
    # submit() does not wait for the next page: on a loaded machine the home page may still be shown.
    title = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.CSS_SELECTOR, "li.hit a.title"))
    text = title.text
    title.click()
    assert browser.find_element(By.CSS_SELECTOR, "article.article h1").text == text
    # The page's web font is loaded (a CSP or path mistake would leave the fallback font).
    assert browser.execute_async_script(
        "const done = arguments[0]; document.fonts.load('16px Vazirmatn').then(f => done(f.length > 0), () => done(false));")


def test_timeline_axis_is_proportional_to_time(server, browser, shots):
    from selenium.webdriver.common.by import By

    _open(browser, server, "/search?q=ایران", shots, "timeline")
    svg = browser.find_element(By.CSS_SELECTOR, "svg.timeline")
    first = date.fromisoformat(svg.get_attribute("data-first"))
    last = date.fromisoformat(svg.get_attribute("data-last"))
    assert (last - first).days > 365, "the sample spans years: gaps must show"
    points = []
    for rect in svg.find_elements(By.CSS_SELECTOR, "rect[data-from]"):
        right = float(rect.get_attribute("x")) + float(rect.get_attribute("width"))
        points.append(((date.fromisoformat(rect.get_attribute("data-from")) - first).days, right))
    assert len(points) >= 5
    # Right to left: a bar's right edge sits at a fixed distance per day from the right end of the axis.
    (d0, x0), (d1, x1) = min(points), max(points)
    slope = (x1 - x0) / (d1 - d0)
    assert slope < 0
    for d, x in points:
        assert abs(x0 + slope * (d - d0) - x) < 1.5, (d, x)
    # A drag across the chart sets the date filter (brushing).
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).move_to_element_with_offset(svg, -100, -10).click_and_hold() \
        .move_by_offset(120, 0).release().perform()
    time.sleep(1)
    assert "from=" in browser.current_url and "to=" in browser.current_url


def test_map_and_graph_draw_labelled_elements(server, browser, shots):
    from selenium.webdriver.common.by import By

    _open(browser, server, "/map", shots, "map-page")
    places = browser.find_elements(By.CSS_SELECTOR, "svg.map a.place")
    assert len(places) >= 5
    assert browser.find_elements(By.CSS_SELECTOR, "svg.map path.land")  # the offline base map
    labels = [t.get_attribute("textContent") for t in browser.find_elements(By.CSS_SELECTOR, "svg.map a.place text")]
    assert sum(bool(x.strip()) for x in labels) >= 5
    hidden = browser.find_elements(By.CSS_SELECTOR, "svg.map text.minor")
    svg = browser.find_element(By.CSS_SELECTOR, "svg.map")
    focus = float(svg.get_attribute("data-focus-x")), float(svg.get_attribute("data-focus-y"))
    view_box = "var b = arguments[0].viewBox.baseVal; return [b.x, b.y, b.width, b.height];"
    full = browser.execute_script(view_box, svg)
    assert full[0] < focus[0] < full[0] + full[2] and full[1] < focus[1] < full[1] + full[3]
    if hidden:  # crowded labels wait for the zoom, then show
        assert not hidden[0].is_displayed()
    for _ in range(3):
        browser.find_element(By.CSS_SELECTOR, "button[data-zoom=in]").click()
    x, y, w, h = browser.execute_script(view_box, svg)
    assert w < full[2] / 3, "zoomed in"
    # The buttons zoom on Iran and the Caspian (in the middle of the view unless the map's edge is near).
    assert x <= focus[0] <= x + w and y <= focus[1] <= y + h
    assert abs(focus[0] - (x + w / 2)) < 2 or x in (full[0], full[0] + full[2] - w)
    if hidden:
        assert hidden[0].is_displayed()
    browser.save_screenshot(str(shots / "map-zoomed.png"))
    _open(browser, server, "/graph?from=1380-01-01", shots, "graph-page")
    nodes = browser.find_elements(By.CSS_SELECTOR, "svg.graph-page a.node")
    edges = browser.find_elements(By.CSS_SELECTOR, "svg.graph-page line.edge")
    assert len(nodes) >= 10 and edges
    assert all(n.find_element(By.TAG_NAME, "text").get_attribute("textContent").strip() for n in nodes)
    assert {n.get_attribute("class").split()[1] for n in nodes} <= {"node-PER", "node-ORG"}


def test_contradiction_reports_side_by_side_and_a_series_chart(server, browser, shots):
    """The seeds' contradiction (9 vs 7 foreign regions) flagged on the home page, shown on its story page
    with each outlet's sentence beside the other and the value marked in it; a series' figure charted."""
    from selenium.webdriver.common.by import By

    _open(browser, server, "/", shots, "home-flags")
    flag = browser.find_element(By.CSS_SELECTOR, "ol.stories a.flag")
    flag.click()
    assert "/stories/" in browser.current_url and browser.current_url.endswith("#contradictions")
    browser.save_screenshot(str(shots / "story-contradiction.png"))
    card = browser.find_element(By.CSS_SELECTOR, "#contradictions article.contradiction")
    sides = card.find_elements(By.CSS_SELECTOR, "section.side-report")
    assert len(sides) == 2
    (a, b) = (s.rect for s in sides)
    assert abs(a["y"] - b["y"]) < 2 and a["x"] > b["x"], "side by side, the older report on the right"
    values = [s.find_element(By.CSS_SELECTOR, ".value").text for s in sides]
    marked = [s.find_element(By.CSS_SELECTOR, ".evidence mark").text for s in sides]
    assert sorted(values) == ["۷", "۹"] and marked == values  # the sentence marks the very value it gives
    assert all(m.is_displayed() for s in sides for m in s.find_elements(By.CSS_SELECTOR, ".evidence mark"))
    _open(browser, server, "/contradictions", shots, "contradictions-list")
    assert browser.find_elements(By.CSS_SELECTOR, "article.contradiction section.side-report")
    browser.get(server + "/series")
    browser.find_element(By.CSS_SELECTOR, "ol.stories li.has-figures a").click()
    browser.save_screenshot(str(shots / "series-chart.png"))
    chart = browser.find_element(By.CSS_SELECTOR, "svg.figure-chart")
    points = chart.find_elements(By.CSS_SELECTOR, "a.point circle")
    assert len(points) >= 2 and chart.find_elements(By.CSS_SELECTOR, "polyline.line")
    dates = [p.get_attribute("data-date") for p in points]
    xs = [p.rect["x"] for p in points]
    assert dates == sorted(dates) and xs == sorted(xs, reverse=True), "time runs right to left"
    browser.get(server + "/series")
    charted = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "ol.stories li.has-figures a")]
    for url in charted:  # a label at either end of the time axis stays inside its chart, whole
        browser.get(url)
        for chart in browser.find_elements(By.CSS_SELECTOR, "svg.figure-chart"):
            box = chart.rect
            for label in chart.find_elements(By.CSS_SELECTOR, "text.point-label"):
                r = label.rect
                assert box["x"] <= r["x"] and r["x"] + r["width"] <= box["x"] + box["width"], f"{url}: label cut off"
