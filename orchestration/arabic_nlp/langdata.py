"""The words of the language, read from the analyst-editable seeds; the modules keep the grammar.

`numbers.py` reads `number_words.csv` and `dates.py` reads `date_words.csv`, both in the dbt seeds
folder (`dbt_project/seeds/`, the folder `extract.default_seeds_dir()` returns), once, at import.
The way dateparser keeps its language data and spaCy its EntityRuler patterns: adding a spelling
of a month or a number word is a row, not a code change.

Each file has the columns `word_ar, kind, value, note`. Words are written in ordinary spelling
(hamza forms, ة, ى, diacritics): they are `normalize()`d here, so two spellings that normalise
alike are one word. Every row is checked: a known kind, a value that is an integer in the kind's
range (or empty for kinds without one), and no word given two different values. A malformed row
is an error naming the file and line, never a row silently skipped.
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from orchestration.config import DBT_SEEDS_DIR as SEEDS_DIR

from .normalize import normalize

COLUMNS = ("word_ar", "kind", "value", "note")


@dataclass(frozen=True)
class Word:
    word: str  # normalize()d, single spaces
    kind: str
    value: int | None
    line: int  # line in the CSV file, for messages


class LanguageDataError(ValueError):
    """A malformed row in a language-data CSV (the message names the file and line)."""


def load_words(name: str, kinds: dict[str, Collection[int] | None], seeds_dir: Path | None = None) -> list[Word]:
    """The rows of seeds file `name`, in file order, validated.

    `kinds` maps every allowed kind to the values it may take (a range or a set), or None when
    the kind takes no value (the value column must then be empty).
    """
    path = Path(seeds_dir or SEEDS_DIR) / name
    try:
        handle = open(path, encoding="utf-8", newline="")  # noqa: SIM115 - closed by the with block below
    except OSError as exc:
        raise LanguageDataError(f"{path}: cannot read the language data file ({exc})") from exc
    words: list[Word] = []
    valued: dict[str, Word] = {}  # normalised word -> first row giving it a value
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise LanguageDataError(
                f"{path}:1: header must have the columns {', '.join(COLUMNS)}; missing {', '.join(missing)}"
            )
        for row in reader:
            line = reader.line_num
            if None in row or any(v is None for v in row.values()):
                raise LanguageDataError(f"{path}:{line}: expected {len(reader.fieldnames)} fields; got {row}")
            raw, kind, value = row["word_ar"].strip(), row["kind"].strip(), row["value"].strip()
            if not raw and not kind and not value:
                continue  # blank line
            word = " ".join(normalize(raw).split())
            if not word:
                raise LanguageDataError(f"{path}:{line}: word_ar is empty; got {row}")
            if kind not in kinds:
                raise LanguageDataError(f"{path}:{line}: kind {kind!r} is not one of {', '.join(kinds)}; got {row}")
            allowed = kinds[kind]
            if allowed is None:
                if value:
                    raise LanguageDataError(f"{path}:{line}: kind {kind!r} takes no value; got {row}")
                number = None
            else:
                try:
                    number = int(value)
                except ValueError:
                    raise LanguageDataError(f"{path}:{line}: kind {kind!r} needs an integer value; got {row}") from None
                if number not in allowed:
                    raise LanguageDataError(
                        f"{path}:{line}: value {number} is not allowed for kind "
                        f"{kind!r} ({_describe(allowed)}); got {row}"
                    )
                other = valued.setdefault(word, Word(word, kind, number, line))
                if other.value != number:
                    raise LanguageDataError(
                        f"{path}:{line}: {raw!r} ({word}) already has the value "
                        f"{other.value} ({other.kind}) on line {other.line}; got {row}"
                    )
            words.append(Word(word, kind, number, line))
    return words


def _describe(allowed: Collection[int]) -> str:
    if isinstance(allowed, range) and allowed.step == 1:
        return f"{allowed.start}..{allowed.stop - 1}"
    return ", ".join(map(str, sorted(allowed)))


def of_kind(words: list[Word], *kinds: str) -> list[Word]:
    """The rows of the given kinds, in file order."""
    return [w for w in words if w.kind in kinds]
