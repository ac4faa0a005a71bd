"""Lexicon seed data integrity: governorates, coordinates, ids, alias lengths, actor references,
and that places_geonames.csv is what the builder produces."""

import csv
import re
from pathlib import Path

import pytest

from orchestration.arabic_nlp.normalize import normalize

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
ADMIN1 = {
    "Iraq": {
        "Baghdad",
        "Basrah",
        "Ninewa",
        "Anbar",
        "Salah al-Din",
        "Kirkuk",
        "Diyala",
        "Babil",
        "Karbala",
        "Najaf",
        "Wasit",
        "Maysan",
        "Dhi-Qar",
        "Muthanna",
        "Qadissiya",
        "Erbil",
        "Duhok",
        "Sulaymaniyah",
        "Halabja",
    },
    "Syria": {
        "Aleppo",
        "Idleb",
        "Lattakia",
        "Tartous",
        "Hama",
        "Homs",
        "Damascus",
        "Rural Damascus",
        "Dar'a",
        "As-Sweida",
        "Quneitra",
        "Deir-ez-Zor",
        "Ar-Raqqa",
        "Al-Hasakeh",
    },
}
BBOX = {"Iraq": (29.0, 37.5, 38.7, 48.7), "Syria": (32.3, 37.4, 35.6, 42.5)}  # lat_min, lat_max, lon_min, lon_max
ACTOR_TYPES = {
    "State Forces",
    "Rebel Groups",
    "Political Militias",
    "Identity Militias",
    "Rioters",
    "Protesters",
    "Civilians",
    "External/Other Forces",
}


def read(name):
    with open(SEEDS / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def aliases(row):
    return [a for a in [row["name_ar"]] + row["aliases_ar"].split("|") if a.strip()]


def letters(alias):
    core = " ".join(normalize(alias).split())
    if core.startswith("ال") and len(core.split()[0]) >= 5:
        core = core[2:]
    return len(re.sub(r"\W", "", core))


@pytest.fixture(scope="module", params=["places.csv", "places_geonames.csv"])
def place_rows(request):
    return read(request.param)


def test_every_admin1_present_in_acled_spelling():
    rows = read("places.csv")
    admin1_rows = {(r["country"], r["admin1"]) for r in rows if r["feature_type"] == "admin1"}
    for country, names in ADMIN1.items():
        assert {n for c, n in admin1_rows if c == country} == names
    assert {r["country"] for r in rows if r["feature_type"] == "country"} == {"Iraq", "Syria"}


def test_admin1_values_valid(place_rows):
    for r in place_rows:
        if r["feature_type"] in ("country", "region") and not r["admin1"]:
            continue
        assert r["admin1"] in ADMIN1[r["country"]], r


def test_coordinates_inside_country(place_rows):
    for r in place_rows:
        lat, lon = float(r["latitude"]), float(r["longitude"])
        lat_min, lat_max, lon_min, lon_max = BBOX[r["country"]]
        assert lat_min <= lat <= lat_max and lon_min <= lon <= lon_max, r["place_id"]


def test_ids_unique_across_gazetteers():
    ids = [r["place_id"] for name in ("places.csv", "places_geonames.csv") for r in read(name)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9_]+", i) for i in ids)
    for name, key in (("actors.csv", "actor_id"), ("event_triggers.csv", "trigger_id")):
        keys = [r[key] for r in read(name)]
        assert len(keys) == len(set(keys)), name


@pytest.mark.parametrize("name", ["places.csv", "places_geonames.csv", "actors.csv", "event_triggers.csv"])
def test_no_short_aliases(name):
    for r in read(name):
        for a in aliases(r) if "name_ar" in r else r["aliases_ar"].split("|"):
            assert letters(a) >= 3, (name, a)


def test_curated_place_aliases_unambiguous():
    owner = {}
    for r in read("places.csv"):
        for a in {" ".join(normalize(a).split()) for a in aliases(r)}:
            assert owner.setdefault(a, r["place_id"]) == r["place_id"], (a, owner[a], r["place_id"])


def test_curated_size_and_feature_types():
    rows = read("places.csv")
    assert len(rows) >= 300
    assert {r["feature_type"] for r in rows} <= {
        "country",
        "admin1",
        "admin2",
        "admin3",
        "city",
        "town",
        "village",
        "site",
        "region",
    }
    regions = [r for r in rows if r["feature_type"] == "region"]
    assert {r["country"] for r in regions} == {"Iraq", "Syria"}


def test_actors_valid_and_victim_groups_exist():
    actors = {r["actor_id"]: r for r in read("actors.csv")}
    assert all(r["actor_type"] in ACTOR_TYPES for r in actors.values())
    groups = {g for r in read("victim_nouns.csv") for g in (r["group_iraq"], r["group_syria"]) if g}
    assert groups <= set(actors)
    for aid in (
        "isis",
        "iq_army",
        "sy_army",
        "iq_police",
        "iq_federal_police",
        "iq_security_forces",
        "civilians",
        "sdf",
    ):
        assert aid in actors
    names = {aid: r["name"] for aid, r in actors.items()}
    assert "ISIS" in names["isis"] and "Iraqi Federal Police" in names["iq_federal_police"]
    assert "Syrian Democratic Forces (SDF)" in names["sdf"] and "Syrian Arab Army" in names["sy_army"]


def test_triggers_valid():
    for r in read("event_triggers.csv"):
        assert r["event_type"] in {
            "Battles",
            "Violence against civilians",
            "Explosions/Remote violence",
            "Protests",
            "Riots",
            "Strategic developments",
        }
        int(r["priority"])


def test_builder_reproduces_committed_geonames_csv():
    from orchestration.cli.build_gazetteer import build_rows, render

    committed = (SEEDS / "places_geonames.csv").read_text(encoding="utf-8")
    assert render(build_rows(SEEDS)) == committed, "re-run: python -m orchestration.cli.build_gazetteer"
