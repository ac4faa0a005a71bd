"""Lexicon lookup: places, actors and event triggers found in normalised Arabic text.

The lexicons are the analyst-editable dbt seeds (`dbt_project/seeds/*.csv`):

- `places.csv` (curated) merged with `places_geonames.csv` (generated), in the order of precedence
  of dbt_project.yml's var `gazetteers` (which stg_places applies too): when the same normalised
  alias appears in both, the curated place wins;
- `actors.csv`, `event_triggers.csv`;
- `victim_nouns.csv` (read by `casualties.load_victim_nouns`, exposed as `Lexicon.victim_nouns`);
- `number_words.csv`, `date_words.csv`: the words of numbers and dates, read by `numbers.py` and
  `dates.py` at import from the package's own seeds folder (see `langdata.py`); listed in
  `LEXICON_FILES` only so that an edit re-extracts old articles.

Matching works on `normalize()`d text with aliases normalised the same way, on whole words,
longest match first, left to right, without overlaps. A word may carry Arabic proclitics
(و ف ب ل ك and their combinations وب ول فب فل وك فك) and the article ال:

- alias "كركوك" matches "كركوك", "لكركوك", "وكركوك", "بكركوك" (and "الكركوك");
- alias "الحسكة" matches "الحسكة", "بالحسكة", "والحسكة", "للحسكة", "وللحسكة" but NOT bare "حسكة":
  an alias written with ال needs the ال (or the لل contraction) in the text;
- an alias written without ال also matches with ال ("هجوم" -> "الهجوم").

Only the first word of an alias takes clitics; the other words must match exactly. The match
offsets point into the normalised text given to `find_*` and exclude the clitic (so the surface
of "بالحسكة" is "الحسكة"; of "للحسكة" it is "لحسكه", the contracted article).

Place aliases starting with "ريف " also match with a direction after them ("ريف دير الزور
الشرقي"), so "countryside" phrases are consumed whole.

Pure Python: no dagster / duckdb imports.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from orchestration import config

from .casualties import load_casualty_terms, load_victim_nouns
from .cues import load_cues
from .normalize import normalize

_WORD = re.compile(r"\w+", re.UNICODE)
# Longest first so "وب" is tried before "و"; every prefix is stripped at most once.
_CLITICS = ("", "وب", "ول", "فب", "فل", "وك", "فك", "و", "ف", "ب", "ل", "ك")
_LAM_CLITICS = ("ل", "ول", "فل")  # ل + ال contracts to لل
_AL = "ال"
_DIRECTIONS = (
    "الشرقي",
    "الغربي",
    "الشمالي",
    "الجنوبي",
    "الشمالي الشرقي",
    "الشمالي الغربي",
    "الجنوبي الشرقي",
    "الجنوبي الغربي",
    "الاوسط",
)
_MIN_CORE = 2  # letters left after removing ال; shorter aliases are ignored


@dataclass(frozen=True)
class LexMatch:
    start: int  # offsets into the normalised text passed to find_*
    end: int
    entry_id: str  # place_id / actor_id / trigger_id
    surface: str  # text[start:end] (the clitic is not included)


@dataclass
class _Entry:
    rest: tuple[str, ...]  # words after the first one
    needs_al: bool  # alias written with ال: text must have it too
    entry_id: str
    n_chars: int


@dataclass
class _Index:
    by_first: dict[str, list[_Entry]] = field(default_factory=dict)
    seen: set[tuple[str, ...]] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Most words of a text start no entry; caching what each word starts spares `find` the
        # lookup of all its clitic readings for every token. Bounded, and cleared by `add`.
        self._starts = functools.lru_cache(maxsize=1 << 16)(self._entries_started_by)

    def add(self, alias: str, entry_id: str) -> bool:
        """Register a raw alias; False when it is empty/too short or already taken by another entry."""
        words = tuple(_WORD.findall(normalize(alias)))
        if not words:
            return False
        first, needs_al = words[0], False
        if first.startswith(_AL) and len(first) - 2 >= _MIN_CORE + 1:
            first, needs_al = first[2:], True
        if len(first) < _MIN_CORE and len(words) == 1:
            return False
        key = (first,) + words[1:]
        if key in self.seen:
            # Same words: a ال-less alias is the looser one, keep whichever came first.
            return False
        self.seen.add(key)
        entries = self.by_first.setdefault(first, [])
        entries.append(_Entry(words[1:], needs_al, entry_id, sum(len(w) for w in words)))
        entries.sort(key=lambda e: (-len(e.rest), -e.n_chars))
        self._starts.cache_clear()
        return True

    def _entries_started_by(self, word: str) -> tuple[tuple[int, bool, list[_Entry]], ...]:
        """(offset of the match start in `word`, text had ال, entries) for the readings of `word`
        that are the first word of some entry, in `_candidates` order."""
        return tuple(
            (offset, has_al, self.by_first[bare]) for offset, bare, has_al in _candidates(word) if bare in self.by_first
        )

    def find(self, text: str) -> list[LexMatch]:
        words, spans = _words(text)
        starts = list(map(self._starts, words))  # empty for most words
        out: list[LexMatch] = []
        free = 0  # the first word not inside a match already made
        for i in itertools.compress(range(len(words)), starts):
            if i < free:
                continue
            best: tuple[int, int, int, str] | None = None  # (n_words, n_chars, start, entry_id)
            t_start = spans[i][0]
            for offset, has_al, entries in starts[i]:
                for entry in entries:
                    if entry.needs_al and not has_al:
                        continue
                    n = len(entry.rest)
                    if i + n >= len(words):
                        continue
                    if words[i + 1 : i + 1 + n] != entry.rest:
                        continue
                    end = spans[i + n][1]
                    cand = (n + 1, end - (t_start + offset), t_start + offset, entry.entry_id)
                    if best is None or cand[:2] > best[:2]:
                        best = cand
                    break  # entries are sorted longest first
            if best is None:
                continue
            n_words, n_chars, start, entry_id = best
            out.append(LexMatch(start, start + n_chars, entry_id, text[start : start + n_chars]))
            free = i + n_words
        return out


@functools.lru_cache(maxsize=256)
def _words(text: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """The words of `text` and their (start, end) offsets.

    Cached: the extractor asks the place, trigger and actor indexes (and the casualty parser the
    actor index again) about the same sentence, and tokenising costs more than the lookups.
    """
    return tuple(_WORD.findall(text)), tuple(m.span() for m in _WORD.finditer(text))


@functools.lru_cache(maxsize=1 << 16)
def _candidates(word: str) -> tuple[tuple[int, str, bool], ...]:
    """(offset of the match start in `word`, core without clitic/ال, text had ال) readings of a word.

    Cached: news vocabulary is small next to the number of tokens read.
    """
    return tuple(_readings(word))


def _readings(word: str):
    seen = set()
    for clitic in _CLITICS:
        if clitic and not word.startswith(clitic):
            continue
        rest = word[len(clitic) :]
        if len(rest) < _MIN_CORE:
            continue
        options = [(len(clitic), rest, False)]
        if rest.startswith(_AL) and len(rest) > 2 + _MIN_CORE - 1:
            options.append((len(clitic), rest[2:], True))
        if clitic in _LAM_CLITICS and rest.startswith("ل"):
            # لل = ل + ال: "للحسكة" -> الحسكة; "للاذقية" -> اللاذقية
            options.append((len(clitic), rest[1:], True))
            options.append((len(clitic), rest, True))
        for opt in options:
            if opt[1:] not in seen:
                seen.add(opt[1:])
                yield opt


def _split_aliases(value: str | None) -> list[str]:
    return [a.strip() for a in (value or "").split("|") if a.strip()]


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return [dict(r) for r in csv.DictReader(handle)]


# dbt_project.yml vars the extractor applies as the dbt models do (written once, there).
GAZETTEERS = tuple(config.dbt_var("gazetteers"))
ARMED_ACTOR_TYPES = frozenset(config.dbt_var("armed_actor_types"))

LEXICON_FILES = (
    "places.csv",
    "places_geonames.csv",
    "places_foreign.csv",
    "actors.csv",
    "event_triggers.csv",
    "victim_nouns.csv",
    "casualty_terms.csv",
    "cue_phrases.csv",
    "countries.csv",
    # language data read at import by numbers.py and dates.py (langdata.py)
    "number_words.csv",
    "date_words.csv",
)


def in_scope_countries(seeds_dir: Path) -> frozenset[str]:
    """The countries the pipeline covers: the rows of `countries.csv`, the seed the dbt marts also
    test their `country` columns against. Places elsewhere are recognised only as out of scope."""
    path = Path(seeds_dir) / "countries.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path}: the countries the pipeline covers are required")
    countries = frozenset((row.get("country") or "").strip() for row in _read(path)) - {""}
    if not countries:
        raise ValueError(f"{path}: no country (the pipeline's scope) is listed")
    return countries


class Lexicon:
    """Places, actors, triggers and victim nouns, with matchers built once at load time."""

    def __init__(self) -> None:
        self.seeds_dir: Path | None = None
        self.places: dict[str, dict] = {}
        self.actors: dict[str, dict] = {}
        self.triggers: dict[str, dict] = {}
        self.victim_nouns: dict = {}
        self.casualty_terms = None
        self.cues: dict[str, list[str]] = {}
        self.in_scope: frozenset[str] = frozenset()
        self._places = _Index()
        self._actors = _Index()
        self._triggers = _Index()

    @staticmethod
    def fingerprint(seeds_dir: Path) -> str:
        """A short hash of the lexicon files, so that an analyst's edit re-reads old articles."""
        digest = hashlib.sha256()
        for name in LEXICON_FILES:
            path = Path(seeds_dir) / name
            digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
        digest.update(repr((GAZETTEERS, sorted(ARMED_ACTOR_TYPES))).encode())
        return digest.hexdigest()[:12]

    @classmethod
    def load(cls, seeds_dir: Path) -> Lexicon:
        seeds_dir = Path(seeds_dir)
        lex = cls()
        lex.seeds_dir = seeds_dir
        # The gazetteers in their order of precedence, so curated aliases win over generated ones;
        # places abroad (Gaza, Lebanon, Turkey...) last, only so that incidents there are
        # recognised as out of scope.
        labels = {f"{g['seed']}.csv": g["label"] for g in GAZETTEERS}
        for name in [*labels, "places_foreign.csv"]:
            for row in _read(seeds_dir / name):
                pid = (row.get("place_id") or "").strip()
                if not pid or pid in lex.places:
                    continue
                row["latitude"], row["longitude"] = _float(row.get("latitude")), _float(row.get("longitude"))
                row["source"] = labels.get(name, "foreign")
                row["aliases"] = _aliases(row)
                added = [a for a in row["aliases"] if lex._places.add(a, pid)]
                if row.get("feature_type") != "country":
                    for alias in row["aliases"]:
                        if normalize(alias).startswith("ريف "):
                            for direction in _DIRECTIONS:
                                lex._places.add(f"{alias} {direction}", pid)
                if added or row["source"] == "curated":
                    lex.places[pid] = row
        for row in _read(seeds_dir / "actors.csv"):
            aid = (row.get("actor_id") or "").strip()
            if aid and aid not in lex.actors:
                row["aliases"] = _aliases(row)
                for alias in row["aliases"]:
                    lex._actors.add(alias, aid)
                lex.actors[aid] = row
        for row in _read(seeds_dir / "event_triggers.csv"):
            tid = (row.get("trigger_id") or "").strip()
            if tid and tid not in lex.triggers:
                row["priority"] = int(row.get("priority") or 0)
                row["aliases"] = _aliases(row)
                for alias in row["aliases"]:
                    lex._triggers.add(alias, tid)
                lex.triggers[tid] = row
        nouns = seeds_dir / "victim_nouns.csv"
        lex.victim_nouns = load_victim_nouns(nouns) if nouns.exists() else {}
        lex.casualty_terms = load_casualty_terms(seeds_dir / "casualty_terms.csv")
        lex.cues = load_cues(seeds_dir / "cue_phrases.csv")
        lex.in_scope = in_scope_countries(seeds_dir)
        return lex

    def find_places(self, norm_text: str) -> list[LexMatch]:
        return self._places.find(norm_text)

    def find_actors(self, norm_text: str) -> list[LexMatch]:
        return self._actors.find(norm_text)

    def find_triggers(self, norm_text: str) -> list[LexMatch]:
        return self._triggers.find(norm_text)


def _aliases(row: dict) -> list[str]:
    """name_ar plus aliases_ar, in order, without duplicates."""
    out: list[str] = []
    for alias in [row.get("name_ar") or ""] + _split_aliases(row.get("aliases_ar")):
        alias = alias.strip()
        if alias and alias not in out:
            out.append(alias)
    return out
