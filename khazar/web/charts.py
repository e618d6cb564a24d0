"""Server-rendered SVG charts: a map of the places mentioned and an entity co-occurrence graph.

Same discipline as render.py: every name comes from articles (hostile input) and goes through
markupsafe's escaping in Markup.format; only the markup written here is added around it. No style
attributes (the CSP forbids inline styles): colours come from classes in khazar.css, geometry from
presentation attributes.
"""
from __future__ import annotations

import functools
import json
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
from markupsafe import Markup

from ..kb.loader import load_kb
from .render import both_dates, fa_number, time_ticks

TYPES = ("PER", "ORG", "LOC")  # anything else becomes "other" so the class attribute holds only known words

BASEMAP = Path(__file__).resolve().parent / "data" / "basemap.json"  # built by khazar/web/build_basemap.py


@functools.lru_cache(maxsize=1)
def _basemap() -> dict[str, list[dict[str, Any]]]:
    """Country and Iranian-province outlines, each ring with its bounding box (lon0, lat0, lon1, lat1)."""
    data = json.loads(BASEMAP.read_text(encoding="utf-8"))
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in ("countries", "provinces"):
        out[kind] = []
        for shape in data[kind]:
            for ring in shape["rings"]:
                lon_lat = np.array(ring, dtype=float)
                (lon_min, lat_min), (lon_max, lat_max) = lon_lat.min(axis=0), lon_lat.max(axis=0)
                out[kind].append({"name": shape.get("name"), "ring": lon_lat,
                                  "box": (lon_min, lat_min, lon_max, lat_max)})
    return out


# The map never zooms in closer than this (degrees), so two places in one city still read as a region.
MIN_LAT_SPAN, MIN_LON_SPAN = 6.0, 9.0
MAX_MAP_PLACES = 40
# Where the news is (lon0, lat0, lon1, lat1): Iran and the Caspian. The zoom buttons zoom on it while it is in
# view, so that a world-wide map of a query's places closes in on the region and not on the open sea.
FOCUS_REGION = (44.0, 25.0, 63.5, 47.5)


def _href(entity_id: str) -> str:
    return "/entities/" + quote(str(entity_id), safe=":~")


def _type_class(t: Any) -> str:
    return t if t in TYPES else "other"


def coords_of(entity_id: str | None) -> tuple[float, float] | None:
    """KB coordinates (lat, lon) of a LOC entity id, or None (not a KB place, or no coords)."""
    if not entity_id:
        return None
    rec = load_kb().get(str(entity_id))
    return rec.coords if rec is not None and rec.type == "LOC" else None


def places_from(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the rows (id, name, count; optional kb_id, type) that are LOC entities with KB coords, most
    mentioned first, adding "lat"/"lon"."""
    out = []
    for r in rows:
        if r.get("type") not in (None, "LOC"):
            continue
        c = coords_of(r.get("kb_id") or r.get("id"))
        if c is not None and r.get("count", 0) > 0:
            out.append({**r, "lat": c[0], "lon": c[1]})
    out.sort(key=lambda p: (-p["count"], str(p["id"])))
    return out[:MAX_MAP_PLACES]


def search_places(store: Any, sq: Any) -> list[dict[str, Any]]:
    """The places mentioned in everything the query matches (not just the page shown), with article
    counts (marked "estimated" when counted over a sample) and the same filters as the timeline."""
    rows, estimated = store.search_place_counts(sq)
    return places_from([{"id": e, "name": n, "kb_id": k, "type": "LOC", "count": c, "estimated": estimated}
                        for e, n, k, c in rows])


def entity_places(entity: dict[str, Any]) -> list[dict[str, Any]]:
    """For an entity page: the entity itself when it is a place, and the places mentioned with it."""
    rows = [{"id": c["id"], "name": c["name"], "type": c.get("type"), "count": c["count"]}
            for c in entity.get("co_mentioned") or []]
    if entity.get("type") == "LOC":
        rows.append({"id": entity["id"], "kb_id": entity.get("kb_id"), "name": entity["name"], "type": "LOC",
                     "count": entity.get("article_count", 1), "current": True})
    return places_from(rows)


def _bbox(places: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    lats = [p["lat"] for p in places]
    lons = [p["lon"] for p in places]
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    # Pad by a tenth (labels and circles need room), then widen to the minimum extent around the centre.
    plat, plon = (lat1 - lat0) * 0.1 + 0.5, (lon1 - lon0) * 0.1 + 0.5
    lat0, lat1, lon0, lon1 = lat0 - plat, lat1 + plat, lon0 - plon, lon1 + plon
    if lat1 - lat0 < MIN_LAT_SPAN:
        mid = (lat0 + lat1) / 2
        lat0, lat1 = mid - MIN_LAT_SPAN / 2, mid + MIN_LAT_SPAN / 2
    if lon1 - lon0 < MIN_LON_SPAN:
        mid = (lon0 + lon1) / 2
        lon0, lon1 = mid - MIN_LON_SPAN / 2, mid + MIN_LON_SPAN / 2
    return max(lat0, -90.0), min(lat1, 90.0), max(lon0, -180.0), min(lon1, 180.0)


def map_svg(places: list[dict[str, Any]], width: int = 640, zoomable: bool = False) -> Markup:
    """The places as circles (area ~ article count) on an equirectangular projection fitted to them, over
    the offline base map: land (country outlines) on the sea's colour, so the Caspian and the Gulf show as
    what no country covers, and Iran's provinces when Iran is in view.

    Equirectangular with the longitude scale shrunk by cos(mid latitude), so that around 40°N a degree
    east is drawn as long as it is on the ground; the height follows from the box's aspect. With
    `zoomable`, khazar.js adds zoom and pan, and labels that overlap at full view (class "minor") appear
    once zoomed in."""
    if not places:
        return Markup("")
    lat0, lat1, lon0, lon1 = _bbox(places)
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    scale = width / ((lon1 - lon0) * kx)
    height = max(160, round((lat1 - lat0) * scale))
    # When the height was raised to its floor, centre the latitudes in it.
    y_off = (height - (lat1 - lat0) * scale) / 2
    view_lat0, view_lat1 = lat0 - y_off / scale, lat1 + y_off / scale

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - lon0) * kx * scale, y_off + (lat1 - lat) * scale

    def outlines(kind: str, cls: str) -> Markup:
        # Whole pixels, and a point on the same pixel as the one before dropped: a world-wide view draws
        # a few thousand points instead of every vertex of every coast.
        origin, factor = np.array([lon0, lat1]), np.array([kx * scale, -scale])
        paths = []
        for shape in _basemap()[kind]:
            b = shape["box"]
            if b[0] > lon1 or b[2] < lon0 or b[1] > view_lat1 or b[3] < view_lat0:
                continue
            pixels = np.rint((shape["ring"] - origin) * factor + (0, y_off)).astype(np.int64)
            moved = np.ones(len(pixels), dtype=bool)
            moved[1:] = (pixels[1:] != pixels[:-1]).any(axis=1)
            pixels = pixels[moved]
            if len(pixels) >= 3:
                paths.append("M" + "L".join(f"{x},{y}" for x, y in pixels.tolist()) + "Z")
        return Markup('<path class="{}" d="{}"/>').format(cls, " ".join(paths)) if paths else Markup("")

    # The visible part of the focus region, as a point of the SVG (khazar.js zooms on it); none out of view.
    f_lon0, f_lat0 = max(FOCUS_REGION[0], lon0), max(FOCUS_REGION[1], view_lat0)
    f_lon1, f_lat1 = min(FOCUS_REGION[2], lon1), min(FOCUS_REGION[3], view_lat1)
    focus = Markup("")
    if zoomable and f_lon0 < f_lon1 and f_lat0 < f_lat1:
        fx, fy = xy((f_lat0 + f_lat1) / 2, (f_lon0 + f_lon1) / 2)
        focus = Markup(' data-focus-x="{:.1f}" data-focus-y="{:.1f}"').format(fx, fy)
    parts = [Markup('<svg class="map{}" viewBox="0 0 {} {}"{} role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">')
             .format(" zoomable" if zoomable else "", width, height, focus, "نقشهٔ مکان‌های نام‌برده در خبرها"),
             Markup('<rect class="sea-bg" x="0" y="0" width="{}" height="{}"/>').format(width, height),
             outlines("countries", "land"), outlines("provinces", "province")]
    top = max(p["count"] for p in places)
    taken: list[tuple[float, float, float, float]] = []
    # Biggest first, so smaller circles are drawn on top and stay clickable.
    for p in places:
        x, y = xy(p["lat"], p["lon"])
        r = 4 + 12 * math.sqrt(p["count"] / top)
        cls = "place current" if p.get("current") else "place"
        # Greedy label placement: a label that would overlap one already drawn is left out at full view (the
        # circle keeps its tooltip and link; a zoomable map shows it once zoomed), so a crowded coast stays
        # readable. Width is a rough per-letter guess.
        half = 3.2 * len(str(p["name"])) + 2
        box = (x - half, y + r + 1, x + half, y + r + 15)
        free = not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken)
        label = Markup("")
        if free:
            taken.append(box)
        if free or zoomable:
            label = Markup('<text class="{}" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>').format(
                "label" if free else "label minor", x, y + r + 12, p["name"])
        parts.append(Markup(
            '<a class="{}" href="{}"><circle cx="{:.1f}" cy="{:.1f}" r="{:.1f}"><title>{}: {}{} خبر</title></circle>{}</a>')
            .format(cls, _href(p["id"]), x, y, r, p["name"], "≈" if p.get("estimated") else "", p["count"], label))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


MAX_GRAPH_NODES = 16


def graph_svg(entity: dict[str, Any], size: int = 420) -> Markup:
    """The entity in the centre, its most co-mentioned entities on a circle around it (most shared articles
    first, clockwise from the top: deterministic, no randomness), edges as thick as the shared count."""
    co = [c for c in entity.get("co_mentioned") or [] if c.get("count", 0) > 0][:MAX_GRAPH_NODES]
    if not co:
        return Markup("")
    # Wider than tall: labels on the left and right of the ring run sideways and need the room.
    width, c0, cy = size + 220, (size + 220) / 2, size / 2
    ring = size / 2 - 45
    top = max(c["count"] for c in co)
    nodes = []
    for i, c in enumerate(co):
        a = 2 * math.pi * i / len(co) - math.pi / 2
        nodes.append((c, c0 + ring * math.cos(a), cy + ring * math.sin(a)))
    parts = [Markup('<svg class="graph" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">')
             .format(width, size, "نمودار هم‌آیی موجودیت‌ها")]
    for c, x, y in nodes:
        parts.append(Markup('<line class="edge" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke-width="{:.1f}">'
                            '<title>{} خبر مشترک</title></line>').format(
            c0, cy, x, y, 1 + 5 * c["count"] / top, c["count"]))
    for c, x, y in nodes:
        r = 6 + 8 * math.sqrt(c["count"] / top)
        # Labels sit outside the ring, on the side away from the centre.
        lx, ly = c0 + (x - c0) * (ring + r + 6) / ring, cy + (y - cy) * (ring + r + 6) / ring + 4
        anchor = "middle" if abs(x - c0) < 5 else ("start" if x > c0 else "end")
        parts.append(Markup(
            '<a class="node node-{}" href="{}"><circle cx="{:.1f}" cy="{:.1f}" r="{:.1f}"><title>{}: {} خبر مشترک</title></circle>'
            '<text x="{:.1f}" y="{:.1f}" text-anchor="{}">{}</text></a>').format(
            _type_class(c.get("type")), _href(c["id"]), x, y, r, c["name"], c["count"], lx, ly, anchor, c["name"]))
    parts.append(Markup(
        '<a class="node centre node-{}" href="{}"><circle cx="{:.1f}" cy="{:.1f}" r="18"><title>{}</title></circle>'
        '<text x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text></a>').format(
        _type_class(entity.get("type")), _href(entity["id"]), c0, cy, entity["name"], c0, cy + 34, entity["name"]))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


MAX_GRAPH_EDGES = 150


def _force_layout(n: int, edges: list[tuple[int, int, float]], width: float, height: float,
                  iterations: int = 300) -> list[tuple[float, float]]:
    """Fruchterman–Reingold positions for n nodes, started on a circle (most mentioned first), no
    randomness: the same data always gives the same picture."""
    import numpy as np

    if n == 0:
        return []
    angles = 2 * math.pi * np.arange(n) / n
    pos = np.stack([np.cos(angles), np.sin(angles)], axis=1) * 0.8
    k = math.sqrt(4.0 / n)
    src = np.array([a for a, _b, _w in edges], dtype=int)
    dst = np.array([b for _a, b, _w in edges], dtype=int)
    wts = np.array([w for _a, _b, w in edges], dtype=float)
    temp = 0.2
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        disp = ((k * k / dist ** 2)[:, :, None] * delta).sum(axis=1)  # every pair repels
        if len(src):
            d = pos[src] - pos[dst]
            length = np.maximum(np.linalg.norm(d, axis=1), 1e-3)
            pull = (length / k * wts)[:, None] * d  # neighbours attract, the more shared articles the more
            np.add.at(disp, src, -pull)
            np.add.at(disp, dst, pull)
        disp -= pos * 0.05  # a weak pull to the centre keeps loose nodes on the canvas
        length = np.maximum(np.linalg.norm(disp, axis=1), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temp)[:, None]
        temp = max(temp * 0.985, 0.005)
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    margin_x, margin_y = 90, 30
    xs = margin_x + (pos[:, 0] - lo[0]) / span[0] * (width - 2 * margin_x)
    ys = margin_y + (pos[:, 1] - lo[1]) / span[1] * (height - 2 * margin_y)
    return list(zip(xs.tolist(), ys.tolist()))


def graph_page_svg(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], focus: str | None = None,
                   width: int = 960, height: int = 640) -> Markup:
    """The entity graph: people and organisations as circles (area ~ articles), an edge between two of them
    as thick as the articles they share, laid out by force (neighbours close), each node a link to its page."""
    if not nodes:
        return Markup("")
    index = {n["id"]: i for i, n in enumerate(nodes)}
    kept = [e for e in edges if e["a"] in index and e["b"] in index][:MAX_GRAPH_EDGES]
    top_edge = max((e["count"] for e in kept), default=1)
    positions = _force_layout(len(nodes), [(index[e["a"]], index[e["b"]], e["count"] / top_edge) for e in kept],
                              width, height)
    top = max(n["count"] for n in nodes)
    parts = [Markup('<svg class="graph graph-page" viewBox="0 0 {} {}" role="img" aria-label="{}" '
                    'xmlns="http://www.w3.org/2000/svg">').format(width, height, "نمودار روابط اشخاص و سازمان‌ها")]
    for e in kept:
        (x1, y1), (x2, y2) = positions[index[e["a"]]], positions[index[e["b"]]]
        parts.append(Markup('<line class="edge" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke-width="{:.1f}"'
                            ' data-a="{}" data-b="{}"><title>{} و {}: {} خبر مشترک</title></line>').format(
            x1, y1, x2, y2, 0.6 + 5 * e["count"] / top_edge, e["a"], e["b"],
            nodes[index[e["a"]]]["name"], nodes[index[e["b"]]]["name"], e["count"]))
    for n, (x, y) in zip(nodes, positions):
        r = 5 + 13 * math.sqrt(n["count"] / top)
        cls = "node node-{}{}".format(_type_class(n.get("type")), " centre" if n["id"] == focus else "")
        parts.append(Markup(
            '<a class="{}" href="{}" data-id="{}"><circle cx="{:.1f}" cy="{:.1f}" r="{:.1f}"><title>{}: {} خبر</title></circle>'
            '<text x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text></a>').format(
            cls, _href(n["id"]), n["id"], x, y, r, n["name"], n["count"], x, y + r + 14, n["name"]))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `ticks` pieces."""
    raw = span / ticks if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def figure_chart_svg(noun: str, points: list[dict[str, Any]], titles: dict[str, str] | None = None,
                     width: int = 640, height: int = 200) -> Markup:
    """One figure of a recurring report over time (a series' deaths or a coin's price): a line through
    its values on a real time axis, the oldest on the right as on the timeline, the value axis on the
    right too; each point is a link to the report that gave it. The value axis starts at zero unless the
    values vary by less than half their size (a price moving by 1% would be a flat line at zero)."""
    pts = sorted(((date.fromisoformat(str(p["date"])[:10]), float(p["value"]), p.get("doc")) for p in points
                  if p.get("date") and isinstance(p.get("value"), (int, float))), key=lambda p: (p[0], p[2] or ""))
    if not pts:
        return Markup("")
    titles = titles or {}
    first, last = pts[0][0], pts[-1][0]
    if first == last:  # one report: a day either side, so that it sits in the middle of an axis
        first, last = first - timedelta(days=1), last + timedelta(days=1)
    lo, hi = min(p[1] for p in pts), max(p[1] for p in pts)
    if lo >= 0 and (hi == 0 or (hi - lo) / hi > 0.5):
        lo = 0.0
    step = _nice_step(hi - lo if hi > lo else abs(hi) or 1.0)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    if hi == lo:
        hi = lo + step
    axis_w, top_pad, bottom = 70, 16, height - 22
    left, right = 8, width - axis_w

    def x_of(d: date) -> float:
        return right - (d - first).days / max((last - first).days, 1) * (right - left - 12) - 6

    def y_of(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * (bottom - top_pad)

    parts = [Markup('<svg class="figure-chart" viewBox="0 0 {} {}" role="img" aria-label="{}" data-first="{}" '
                    'data-last="{}" xmlns="http://www.w3.org/2000/svg">').format(
        width, height, f"نمودار «{noun}» در طول زمان", first, last)]
    v = lo
    while v <= hi + step / 2:
        y = y_of(v)
        parts.append(Markup('<line class="grid" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"/>'
                            '<text class="value-tick" x="{}" y="{:.1f}" text-anchor="start">{}</text>').format(
            left, y, right, y, right + 6, y + 4, fa_number(round(v, 6))))
        v += step
    parts.append(Markup('<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>').format(left, bottom, right, bottom))
    for tick, label in time_ticks(first, last):
        x = x_of(tick)
        parts.append(Markup('<line class="tick" x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}"/>'
                            '<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>').format(
            x, bottom, x, bottom + 4, min(max(x, left + 20), right - 20), bottom + 16, label))
    coords = [(x_of(d), y_of(val)) for d, val, _doc in pts]
    parts.append(Markup('<polyline class="line" points="{}"/>').format(" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)))
    label_each = len(pts) <= 12
    for (d, val, doc), (x, y) in zip(pts, coords):
        tip = f"{both_dates(d.isoformat())}: {fa_number(val)} {noun}" + (f" — {titles[doc]}" if titles.get(doc) else "")
        dot = Markup('<circle cx="{:.1f}" cy="{:.1f}" r="4" data-date="{}" data-value="{}"><title>{}</title></circle>').format(
            x, y, d, val, tip)
        if label_each:
            # A label centred on a point at either end would run past the plot (cut off by the SVG's edge, or
            # over the value axis): there it ends, or starts, at its point instead.
            anchor = "start" if x < left + 40 else ("end" if x > right - 40 else "middle")
            dot += Markup('<text class="point-label" x="{:.1f}" y="{:.1f}" text-anchor="{}">{}</text>').format(
                x, y - 8, anchor, fa_number(val))
        parts.append(Markup('<a class="point" href="{}">{}</a>').format("/articles/" + quote(str(doc), safe=":~"), dot)
                     if doc else dot)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
