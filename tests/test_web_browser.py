"""The web interface in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium).

Starts `uvicorn` on a free localhost port over a temporary database ingested from the seeds (or the
package sample), searches, opens an article, follows an entity link (or the date link when the article
has no entity yet), and saves screenshots under tests/_artifacts/. Skipped when Chromium is absent.
"""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "_artifacts"
SEEDS = ROOT.parent / "shared" / "seeds"
SAMPLE = ROOT / "khazar" / "sample"
JALALI_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")

pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and DRIVER.exists()),
                                reason="needs Debian packages chromium and chromium-driver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from khazar.ingest import read_paths
    from khazar.model import Rejection
    from khazar.pipeline import process
    from khazar.store.sqlite import SQLiteStore

    db = str(tmp_path_factory.mktemp("web") / "web.db")
    source = SEEDS if SEEDS.is_dir() else SAMPLE
    with SQLiteStore(db) as store:
        for raw in read_paths([source]):
            if not isinstance(raw, Rejection):
                store.add_article(process(raw), raw)
        store.index_pending()
        store.commit()
    port = _free_port()
    code = ("import sys, uvicorn; from khazar.api import create_app; "
            "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')")
    proc = subprocess.Popen([sys.executable, "-c", code, db, str(port)], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/api/stories", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the server did not start")
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


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
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def test_search_open_article_follow_link(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 15)
    browser.get(server + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fa"
    box = browser.find_element(By.NAME, "q")
    box.send_keys("خزر")
    box.submit()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "li.hit a.title")))
    assert "q=" in browser.current_url
    hits = browser.find_elements(By.CSS_SELECTOR, "li.hit")
    assert hits, "a search for خزر found nothing"
    assert browser.find_elements(By.CSS_SELECTOR, ".snippet mark"), "no highlighted match in the snippets"
    # The shipped web font is loaded (a CSP or path mistake would leave the fallback font).
    assert browser.execute_async_script(
        "const done = arguments[0]; document.fonts.load('16px Vazirmatn').then(f => done(f.length > 0), () => done(false));")
    _shot(browser, "1-search")

    title = hits[0].find_element(By.CSS_SELECTOR, "a.title").text
    hits[0].find_element(By.CSS_SELECTOR, "a.title").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "article.article h1")))
    assert browser.find_element(By.CSS_SELECTOR, "article.article h1").text == title
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    meta = browser.find_element(By.CSS_SELECTOR, "article .meta").text
    assert any(m in meta for m in JALALI_MONTHS), f"no Jalali date in {meta!r}"
    assert re.search(r"\d{4}-\d{2}-\d{2}", meta), f"no Gregorian date in {meta!r}"
    _shot(browser, "2-article")

    links = browser.find_elements(By.CSS_SELECTOR, ".article .body a.ent")
    if links:
        name = links[0].get_attribute("title")  # the entity's canonical name; the link text is the mention
        links[0].click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "h1.entity-name")))
        assert browser.find_element(By.CSS_SELECTOR, "h1.entity-name").text.startswith(name)
        assert "/entities/" in browser.current_url
        assert browser.find_elements(By.CSS_SELECTOR, "ul.articles li"), "entity page lists no article"
    else:  # no entity recognised yet: a date link (or the outlet link) is the one to follow
        other = browser.find_elements(By.CSS_SELECTOR, "a.published, .article .body a.time, a.outlet")
        assert other, "the article page has no link to follow"
        other[0].click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "li.hit")))
        assert "from=" in browser.current_url or "outlet=" in browser.current_url
    _shot(browser, "3-followed")

    csp_errors = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert not csp_errors, csp_errors
