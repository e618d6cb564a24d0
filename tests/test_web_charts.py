"""The server-rendered SVG map of places and the co-occurrence graph (khazar/web/charts.py), through the pages."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from khazar.api import create_app  # noqa: E402
from khazar.store.sqlite import SQLiteStore  # noqa: E402
from khazar.web.charts import graph_svg, map_svg, places_from  # noqa: E402
from fixtures import make_article  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
XSS = '<script>alert("x")</script>'


def ent(etype: str, name: str, kb_id: str | None = None) -> dict:
    return {"type": etype, "name": name, "kb_id": kb_id, "roles": [], "mentions": []}


@pytest.fixture()
def client(tmp_path):
    s = SQLiteStore(str(tmp_path / "charts.db"))
    # Rasht is in two articles, the others in one; the hostile names sit on a real KB place (so it is
    # drawn on the map) and on a person (so it is a graph node).
    arts = [
        make_article("a1", "نشست در رشت و باکو", "گفت‌وگوی زیتون در رشت و باکو", published="2025-11-01",
                     entities=[ent("LOC", "رشت", "loc:rasht"), ent("LOC", XSS, "loc:baku"),
                               ent("PER", XSS), ent("ORG", "وزارت امور خارجه", "org:foreign-ministry")]),
        make_article("a2", "سفر به تهران و مسکو", "سفر از رشت به تهران و مسکو", published="2025-11-02",
                     entities=[ent("LOC", "رشت", "loc:rasht"), ent("LOC", "تهران", "loc:tehran"),
                               ent("LOC", "مسکو", "loc:moscow"), ent("LOC", "ده ناپیدا")]),  # no KB coords
        make_article("a3", "خبر ورزشی", "بازی فوتبال", published="2025-11-03"),
    ]
    for art, raw in arts:
        s.add_article(art, raw)
    s.commit()
    s.close()
    with TestClient(create_app(str(tmp_path / "charts.db"), token="t"), raise_server_exceptions=False) as c:
        yield c


def svg_of(html: str, cls: str) -> ET.Element:
    m = re.search(rf'<svg class="{cls}".*?</svg>', html, re.S)
    assert m, f"no svg.{cls} on the page"
    return ET.fromstring(m.group(0))  # also proves the markup is well-formed after escaping


def viewbox(svg: ET.Element) -> tuple[float, float]:
    x, y, w, h = map(float, svg.get("viewBox").split())
    assert (x, y) == (0, 0)
    return w, h


def circles(svg: ET.Element, link_class: str) -> list[tuple[str, ET.Element]]:
    return [(a.get("href"), a.find(f"{SVG}circle")) for a in svg.iter(f"{SVG}a")
            if link_class in a.get("class", "").split()]


def assert_inside(svg: ET.Element, cs: list) -> None:
    w, h = viewbox(svg)
    for _, c in cs:
        assert 0 <= float(c.get("cx")) <= w and 0 <= float(c.get("cy")) <= h, (c.attrib, w, h)


def test_search_page_maps_every_place_with_coords(client):
    html = client.get("/search").text
    svg = svg_of(html, "map")
    cs = circles(svg, "place")
    assert sorted(h for h, _ in cs) == ["/entities/loc:baku", "/entities/loc:moscow", "/entities/loc:rasht",
                                        "/entities/loc:tehran"]  # the place without KB coords is left out
    assert_inside(svg, cs)
    radius = {h: float(c.get("r")) for h, c in cs}
    assert radius["/entities/loc:rasht"] > radius["/entities/loc:tehran"]  # two articles against one
    # Moscow is north-west of Tehran: smaller x, smaller y in the projection.
    pos = {h: (float(c.get("cx")), float(c.get("cy"))) for h, c in cs}
    assert pos["/entities/loc:moscow"][0] < pos["/entities/loc:tehran"][0]
    assert pos["/entities/loc:moscow"][1] < pos["/entities/loc:tehran"][1]


def test_search_map_follows_the_query(client):
    svg = svg_of(client.get("/search", params={"q": "زیتون"}).text, "map")
    assert sorted(h for h, _ in circles(svg, "place")) == ["/entities/loc:baku", "/entities/loc:rasht"]
    assert 'class="map"' not in client.get("/search", params={"q": "فوتبال"}).text  # no places, no empty map


def test_entity_page_graph_and_map(client):
    html = client.get("/entities/loc:rasht").text
    graph = svg_of(html, "graph")
    nodes = circles(graph, "node")
    # Six co-mentioned entities (Baku, the hostile person, the ministry, Tehran, Moscow, the village
    # without coords: the graph is not limited to places) plus the centre.
    assert len(nodes) == 7
    assert nodes[-1][0] == "/entities/loc:rasht"
    assert_inside(graph, nodes)
    classes = {a.get("href"): a.get("class") for a in graph.iter(f"{SVG}a")}
    assert classes["/entities/org:foreign-ministry"] == "node node-ORG"
    assert classes["/entities/loc:tehran"] == "node node-LOC"
    widths = {float(line.get("stroke-width")) for line in graph.iter(f"{SVG}line")}
    assert len(graph.findall(f"{SVG}line")) == 6 and len(widths) == 1  # every partner shares one article
    emap = svg_of(html, "map")
    places = circles(emap, "place")
    assert sorted(h for h, _ in places) == ["/entities/loc:baku", "/entities/loc:moscow", "/entities/loc:rasht",
                                            "/entities/loc:tehran"]
    assert_inside(emap, places)
    current = [a.get("href") for a in emap.iter(f"{SVG}a") if "current" in a.get("class")]
    assert current == ["/entities/loc:rasht"]


def test_labels_are_escaped(client):
    for html in (client.get("/search").text, client.get("/entities/loc:rasht").text):
        assert XSS not in html
        svg_text = re.search(r'<svg class="(map|graph)".*?</svg>', html, re.S).group(0)
        assert "&lt;script&gt;" in svg_text
    # Parsed back, the hostile name is plain text of a label and a tooltip, never an element.
    graph = svg_of(client.get("/entities/loc:rasht").text, "graph")
    assert not list(graph.iter(f"{SVG}script")) and not list(graph.iter("script"))
    assert XSS in [t.text for t in graph.iter(f"{SVG}text")]


def test_map_keeps_a_minimum_extent_and_is_deterministic():
    one = places_from([{"id": "loc:rasht", "name": "رشت", "type": "LOC", "count": 3}])
    svg = ET.fromstring(str(map_svg(one)))
    w, h = viewbox(svg)
    c = svg.find(f"{SVG}a/{SVG}circle")
    # A single place is centred in a box of at least the minimum extent, not blown up to fill it.
    assert abs(float(c.get("cx")) - w / 2) < 1 and abs(float(c.get("cy")) - h / 2) < 1
    # The offline base map: land outlines around Rasht, Iran's provinces since Iran is in view.
    assert svg.find(f"{SVG}path[@class='land']") is not None
    assert svg.find(f"{SVG}path[@class='province']") is not None
    far = places_from([{"id": "loc:moscow", "name": "مسکو", "type": "LOC", "count": 1}])
    far_svg = ET.fromstring(str(map_svg(far)))
    assert far_svg.find(f"{SVG}path[@class='land']") is not None
    assert far_svg.find(f"{SVG}path[@class='province']") is None  # Iran is far from Moscow's box
    assert str(map_svg(one)) == str(map_svg(one))
    assert map_svg([]) == ""


def test_graph_sanitises_type_and_handles_no_partners():
    e = {"id": "x:1", "name": "الف", "type": '"><b', "co_mentioned": [
        {"id": "x:2", "name": "ب", "type": "PER", "count": 3}, {"id": "x:3", "name": "پ", "type": "\"x", "count": 1}]}
    svg = ET.fromstring(str(graph_svg(e)))
    assert [a.get("class") for a in svg.iter(f"{SVG}a")] == ["node node-PER", "node node-other", "node centre node-other"]
    widths = [float(line.get("stroke-width")) for line in svg.iter(f"{SVG}line")]
    assert widths[0] > widths[1]  # three shared articles against one
    assert graph_svg(e) == graph_svg(e)
    assert graph_svg({**e, "co_mentioned": []}) == ""
