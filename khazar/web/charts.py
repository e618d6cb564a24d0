"""Server-rendered SVG charts: a map of the places mentioned and an entity co-occurrence graph.

Same discipline as render.py: every name comes from articles (hostile input) and goes through
markupsafe's escaping in Markup.format; only the markup written here is added around it. No style
attributes (the CSP forbids inline styles): colours come from classes in khazar.css, geometry from
presentation attributes.
"""
from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from ..kb.loader import load_kb

TYPES = ("PER", "ORG", "LOC")  # anything else becomes "other" so the class attribute holds only known words

# A hand-made, SCHEMATIC outline of the Caspian Sea, (lat, lon) read off well-known coastal points (Volga
# delta, Makhachkala, Baku/Absheron, Astara, Anzali, Gorgan bay, Turkmenbashi, Garabogaz, Aktau, Atyrau).
# It is only an orientation aid, a few dozen degrees of accuracy off in places; not geographic data.
CASPIAN_SCHEMATIC: tuple[tuple[float, float], ...] = (
    (47.0, 51.8), (46.6, 53.1), (45.5, 53.0), (44.6, 51.0), (44.3, 50.3), (43.6, 51.2), (42.5, 52.5),
    (41.6, 52.7), (40.9, 52.9), (40.0, 53.0), (38.9, 53.8), (37.3, 53.9), (36.85, 53.5), (36.7, 52.5),
    (36.9, 51.0), (37.45, 49.5), (38.4, 48.9), (39.2, 49.3), (40.2, 49.5), (40.5, 50.35), (40.7, 49.9),
    (41.8, 48.6), (43.0, 47.5), (44.0, 47.3), (44.8, 46.9), (45.6, 47.6), (46.3, 48.5), (46.8, 49.5),
)
# The map never zooms in closer than this (degrees), so two places in one city still read as a region.
MIN_LAT_SPAN, MIN_LON_SPAN = 6.0, 9.0
MAX_MAP_PLACES = 40


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
    counts and the same filters as the timeline."""
    return places_from([{"id": e, "name": n, "kb_id": k, "type": "LOC", "count": c}
                        for e, n, k, c in store.search_place_counts(sq)])


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


def map_svg(places: list[dict[str, Any]], width: int = 640) -> Markup:
    """The places as circles (area ~ article count) on an equirectangular projection fitted to them.

    Equirectangular with the longitude scale shrunk by cos(mid latitude), so that around 40°N a degree
    east is drawn as long as it is on the ground; the height follows from the box's aspect."""
    if not places:
        return Markup("")
    lat0, lat1, lon0, lon1 = _bbox(places)
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    scale = width / ((lon1 - lon0) * kx)
    height = max(160, round((lat1 - lat0) * scale))
    # When the height was raised to its floor, centre the latitudes in it.
    y_off = (height - (lat1 - lat0) * scale) / 2

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - lon0) * kx * scale, y_off + (lat1 - lat) * scale

    parts = [Markup('<svg class="map" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">')
             .format(width, height, "نقشهٔ مکان‌های نام‌برده در خبرها"),
             Markup('<rect class="sea-bg" x="0" y="0" width="{}" height="{}"/>').format(width, height)]
    sea_lats = [p[0] for p in CASPIAN_SCHEMATIC]
    sea_lons = [p[1] for p in CASPIAN_SCHEMATIC]
    if min(sea_lats) < lat1 and max(sea_lats) > lat0 and min(sea_lons) < lon1 and max(sea_lons) > lon0:
        pts = " ".join("{:.1f},{:.1f}".format(*xy(la, lo)) for la, lo in CASPIAN_SCHEMATIC)
        parts.append(Markup('<polygon class="caspian" points="{}"><title>{}</title></polygon>').format(
            pts, "دریای خزر (طرح تقریبی)"))
    top = max(p["count"] for p in places)
    taken: list[tuple[float, float, float, float]] = []
    # Biggest first, so smaller circles are drawn on top and stay clickable.
    for p in places:
        x, y = xy(p["lat"], p["lon"])
        r = 4 + 12 * math.sqrt(p["count"] / top)
        cls = "place current" if p.get("current") else "place"
        label = Markup("")
        # Greedy label placement: a label that would overlap one already drawn is left out (the circle
        # keeps its tooltip and link), so a crowded coast stays readable. Width is a rough per-letter guess.
        half = 3.2 * len(str(p["name"])) + 2
        box = (x - half, y + r + 1, x + half, y + r + 15)
        if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
            taken.append(box)
            label = Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>').format(x, y + r + 12, p["name"])
        parts.append(Markup(
            '<a class="{}" href="{}"><circle cx="{:.1f}" cy="{:.1f}" r="{:.1f}"><title>{}: {} خبر</title></circle>{}</a>')
            .format(cls, _href(p["id"]), x, y, r, p["name"], p["count"], label))
    parts.append(Markup('<text class="note" x="4" y="{}" text-anchor="start">{}</text>').format(
        height - 4, "طرح خزر تقریبی است"))
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
