"""Cue phrases: the words that tell the extractor what kind of sentence it reads (`cue_phrases.csv`).

The grammar stays in `extractor.py` (where a cue may stand, what it decides); the words live in the
analyst-editable seed, one phrase a row. A phrase is written in ordinary Arabic spelling (it is
`normalize()`d on load) with two conveniences, so one row can cover a family of phrasings:

- `(a|b|c)` — one of the alternatives ("منذ (بداية|مطلع) العام");
- `#` — a figure of one or more digits ("منذ عام #");
- a trailing `*` — the word may go on ("حريق*" is حريق، حريقا، حريقين).

Words are separated by single spaces and match any run of white space in the text.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .normalize import normalize

# cue -> what a sentence holding it is (the README and the seed's yml say the same)
CUES = {
    "running_total": "a total over a period, campaign or wave: not one incident",
    "non_conflict": "deaths that are not political violence (traffic, disease, disasters)",
    "judicial": "an execution by a court's sentence: not a conflict event",
    "denial": "a denial: the incident did not happen",
    "memory": "a commemoration of a past incident",
    "new_incident": "opens another incident (at the start of a sentence or clause)",
    "overview": "sums several incidents told one by one (several towns or governorates)",
    "incident_noun": "a noun an another_mark may follow ('هجوم آخر')",
    "another_mark": "after an incident_noun: a further incident ('ثان'، 'آخر'، 'مماثل')",
    "same_day_as_previous": "dated on the day of the incident told before ('في اليوم ذاته')",
    "same_time_as_previous": "dated in the month of the incident told before ('في الوقت ذاته')",
    "speech": "a verb or noun of saying ('قال'، 'أعلنت'، 'بيان'): what follows is what someone told",
    "statement": "besides speech, a word for the occasion of a statement ('تصريح'، 'مؤتمر صحفي'): a date "
    "after it may be the day it was said, not the day of the incident",
    "news_source": "besides speech, who or what tells the news ('مصدر في'، 'بحسب'، 'المتحدث باسم'): an "
    "actor named right after it is the source, not a party",
}
_GROUP = re.compile(r"^\(([^()]+)\)$")


def load_cues(path: Path) -> dict[str, list[str]]:
    """cue -> its normalised phrases; an unknown cue or a malformed phrase is an error naming the line."""
    cues: dict[str, list[str]] = {cue: [] for cue in CUES}
    with open(path, encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), 2):
            if None in row:  # more fields than the header: an unquoted comma (dbt would refuse the seed)
                raise ValueError(f"{path}:{line}: more fields than cue,phrase_ar,note (quote a note holding a comma)")
            phrase = normalize((row.get("phrase_ar") or "").strip())
            if not phrase:
                continue
            if row.get("cue") not in CUES:
                raise ValueError(f"{path}:{line}: unknown cue {row.get('cue')!r} (one of {', '.join(CUES)})")
            try:
                re.compile(phrase_pattern(phrase))
            except (re.error, ValueError) as exc:
                raise ValueError(f"{path}:{line}: malformed phrase {row['phrase_ar']!r}: {exc}") from None
            cues[row["cue"]].append(phrase)
    return cues


def phrase_pattern(phrase: str) -> str:
    """The regular expression of one phrase written as above."""
    parts = []
    for word in phrase.split():
        group = _GROUP.match(word)
        if word == "#":
            parts.append(r"\d+")
        elif word.endswith("*") and len(word) > 1 and not group:
            parts.append(re.escape(word[:-1]) + r"\w*")
        elif group:
            parts.append("(?:" + "|".join(re.escape(w) for w in group.group(1).split("|")) + ")")
        elif "(" in word or ")" in word or "|" in word:
            raise ValueError("alternatives are written as one word in brackets: (a|b)")
        else:
            parts.append(re.escape(word))
    return r"\s+".join(parts)


def alternation(phrases: list[str]) -> str:
    """One group matching any of the phrases, longest first."""
    return "(?:" + "|".join(phrase_pattern(p) for p in sorted(phrases, key=len, reverse=True)) + ")"
