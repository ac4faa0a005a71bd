"""Dates in Arabic newswire: event dates (absolute and relative) and the publication date.

Why one module of this size: absolute dates, relative dates and their qualifiers are matched in one
pass over a sentence and resolve against each other (a weekday next to a day number, "ليل" joining
two days); the words are data (date_words.csv), what is left is that one grammar.

`find_dates(text, published)` is meant to run on `normalize()`d text, but the patterns also
accept the common un-normalised spellings (hamza forms, ة/ه, ى/ي, Arabic-Indic digits), so offsets
always index into whatever string is passed in.

The words (month names, weekdays, times of day, qualifiers...) are data,
`dbt_project/seeds/date_words.csv`; this module keeps the grammar. Month names of every system are
recognised (Levantine/Iraqi "كانون الثاني", Egyptian/Gulf
"يناير", Maghrebi "جانفي") as well as paired forms ("آذار/مارس", "أيار/ مايو", "آذار (مارس)").

Relative expressions ("أمس", "فجر الجمعة", "الأسبوع الماضي", ...) need the publication date;
without it they are skipped, and so are dates without a year (a year is never guessed).

Conventions for coarse precisions: a month is represented by its first day, a year by 1 January;
"منتصف"/"أواسط" move that to the 15th (month) or 1 July (year), "أواخر"/"نهاية" to the 25th
(month) or 1 November (year). `precision` tells the consumer how much of the date is meaningful.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .langdata import load_words, of_kind
from .normalize import normalize, to_ascii_digits

__all__ = [
    "DateMatch",
    "PublicationDate",
    "MONTHS",
    "WEEKDAYS",
    "find_dates",
    "detect_publication_date",
    "is_date_only_line",
    "infer_year",
]

# --------------------------------------------------------------------------------------------
# Vocabulary: the words are data, dbt_project/seeds/date_words.csv (see langdata.py), normalised
# at load. Their kinds, and the values each kind may take, are the grammar below.
# --------------------------------------------------------------------------------------------

DATE_WORD_KINDS = {
    "month": range(1, 13),  # month number, every system: كانون الثاني، يناير، جانفي
    "month_ambiguous": range(1, 13),  # also an ordinary word (آب ~ أب "father", ماي): see below
    "weekday": range(0, 7),  # Python weekday(): Monday == 0
    "time_of_day": None,  # before a day: فجر الجمعة، مساء أمس
    "qualifier": range(-1, 2),  # -1 the previous (الماضي), 0 the current (الجاري), 1 the next
    "modifier": {1, 15, 25},  # part of a month or year: the day it stands for (see below)
    "year_word": None,  # before a year: عام 2017
    "anchor": range(0, 8),  # days before publication; may introduce a full date
    "not_today": None,  # after اليوم it is not today: اليوم الأول، اليوم العالمي
    "general_noun": None,  # takes العام as "general": المدير العام الحالي
    "count": range(1, 32),  # a count in قبل ثلاثة أيام
}
DATE_WORDS_FILE = "date_words.csv"
_ROWS = load_words(DATE_WORDS_FILE, DATE_WORD_KINDS)


def _words(*kinds: str) -> list[str]:
    return [w.word for w in of_kind(_ROWS, *kinds)]


def _table(*kinds: str) -> dict[str, int]:
    return {w.word: w.value for w in of_kind(_ROWS, *kinds)}


MONTHS: dict[str, int] = _table("month", "month_ambiguous")

# Month names that are also ordinary words ("أب" father, "ماي" ...): only accepted next to a day
# number, a year, or paired with an unambiguous name.
_AMBIGUOUS_MONTHS = set(_words("month_ambiguous"))

WEEKDAYS: dict[str, int] = _table("weekday")  # Python weekday(): Monday == 0

_NUMBER_WORDS: dict[str, int] = _table("count")

# Nouns that take العام as an adjective ("general"), so "X العام الحالي" is not "this year".
_GENERAL_NOUNS = set(_words("general_noun"))

_QUALIFIERS = _table("qualifier")
_PAST_QUALS = {w for w, v in _QUALIFIERS.items() if v == -1}
_CURRENT_QUALS = {w for w, v in _QUALIFIERS.items() if v == 0}
_NEXT_QUALS = {w for w, v in _QUALIFIERS.items() if v == 1}

# "منتصف"/"أواسط" stand for the 15th of a month or 1 July of a year, "أواخر"/"نهاية" for the 25th
# or 1 November; the other modifiers for the first day (the default, so they are not listed).
_MONTH_OF_MODIFIER_DAY = {15: 7, 25: 11}
_MODIFIER_DAY = {w: v for w, v in _table("modifier").items() if v != 1}
_MODIFIER_MONTH = {w: _MONTH_OF_MODIFIER_DAY[v] for w, v in _MODIFIER_DAY.items()}

_ANCHOR_OFFSET = _table("anchor")  # days before publication: أمس 1, أول أمس 2, اليوم 0

# Not in date_words.csv although the code once listed them: "ضحى" (time of day) and "أوائل"
# (modifier) were written un-normalised, so they never matched the normalised text the pipeline
# passes. Adding them as rows makes them match: a change of output, to be checked on the dev set.


# The un-normalised spellings `_fz` accepts for a normalised letter.
_SPELLINGS = {"ا": "اأإآٱ", "ي": "يىئ", "ه": "هة", "و": "وؤ"}


def _fz(word: str) -> str:
    """Regex for a normalised word that also matches the usual un-normalised spellings."""
    out = []
    for ch in word:
        if ch == " ":
            out.append(r"\s+")
        elif ch in _SPELLINGS:
            out.append(f"[{_SPELLINGS[ch]}]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _alt(words) -> str:
    words = sorted(set(words), key=len, reverse=True)
    return "(?:" + "|".join(_fz(w) for w in words) + ")"


def _key(s: str) -> str:
    return re.sub(r"\s+", " ", normalize(s)).strip()


_BOW = r"(?:(?<!\w)|(?<=(?<!\w)[وف]))"  # word start, allowing a leading و/ف conjunction
_EOW = r"(?!\w)"
_SEP = r"\s*[،,]?\s*"

# A month name starts a word, or follows a one-letter proclitic (وفي آب، بآب، لشهر...): without
# this, the "اب" (August) at the end of الارهاب made "قانون الإرهاب لعام 2005" a date.
_MON_START = r"(?:(?<!\w)|(?<=(?<!\w)[وفبل]))"
_MON = _MON_START + _alt(MONTHS) + _EOW
_MONTH_EXPR = (
    rf"(?P<m1>{_MON})"
    rf"(?:\s*[/\\\-–]\s*(?P<m2>{_MON})|\s*[(\[]\s*(?P<m3>{_MON})\s*[)\]])?"
)
_WD = _alt(WEEKDAYS) + _EOW
_TOD = _alt(_words("time_of_day"))
_QUAL = _alt(_PAST_QUALS | _CURRENT_QUALS | _NEXT_QUALS) + _EOW
_MOD = _alt(_words("modifier")) + _EOW
_YEAR = r"(?P<year>(?<!\d)\d{4}(?!\d))"
_DAY = r"(?<![\d.,/:])(?P<day>\d{1,2})(?![\d:]|[.,/]\d)"
_YEAR_WORD = _alt(_words("year_word"))
_ANCHOR = _alt(_ANCHOR_OFFSET)

# Full date, day + month name (+ year) or numeric, optionally introduced by an anchor
# ("أمس الثلاثاء (...)") and/or a weekday, optionally in parentheses.
_PREFIX = (
    rf"(?:(?P<anchor>(?:{_TOD}\s+)?(?:يوم\s+)?{_BOW}(?P<ank>{_ANCHOR})){_EOW}{_SEP})?"
    rf"(?:(?:(?:يوم|{_TOD})\s+)?{_BOW}(?P<wd>{_WD}){_SEP})?"
    r"(?P<open>[(\[]\s*)?"
)
_CORE_NAMED = (
    rf"(?:يوم\s+)?(?:ال\s*)?{_DAY}\s*(?:من\s+)?(?:(?:شهر|الشهر)\s+)?{_MONTH_EXPR}"
    rf"(?:{_SEP}(?:من\s+)?(?:{_YEAR_WORD}\s*)?{_YEAR}(?:\s*م{_EOW}|\s*ميلادي{_EOW})?)?"
    rf"(?:\s+(?P<qual>{_QUAL}))?"
)
_CORE_NUMERIC = (
    r"(?<![\d/.\-])(?:(?P<ny>\d{4})(?P<s1>[-/.])(?P<nm>\d{1,2})(?P=s1)(?P<nd>\d{1,2})"
    r"|(?P<nd2>\d{1,2})(?P<s2>[-/.])(?P<nm2>\d{1,2})(?P=s2)(?P<ny2>\d{4}))(?![\d/\-]|\.\d)"
)
_ABS_RE = re.compile(_PREFIX + rf"(?P<core>{_CORE_NAMED}|{_CORE_NUMERIC})" + r"(?(open)\s*[)\]])")
# Month (+ year or qualifier): "في آذار 2019", "أواخر مارس/آذار الماضي", "مطلع شهر أيار".
_MONTH_RE = re.compile(
    rf"(?:(?P<mod>{_MOD})\s+|(?P<ctx>{_BOW}(?:في|خلال|منذ|حتى|بحلول|شهر|الشهر|لشهر|بشهر)\s+))?"
    rf"(?P<core>(?:(?:شهر|الشهر)\s+)?{_MONTH_EXPR}"
    rf"(?:(?:{_SEP}(?:من\s+)?(?:{_YEAR_WORD}\s*)?{_YEAR})|\s+(?P<qual>{_QUAL}))?)"
)
# Year: "عام 2017", "في 2014", "أواخر 2017".
_YEAR_RE = re.compile(
    rf"(?:(?P<mod>{_MOD})\s+(?:{_YEAR_WORD}\s+)?"
    rf"|{_BOW}{_YEAR_WORD}\s*"
    rf"|{_BOW}(?P<ctx>في|منذ|خلال|حتى|قبل|بعد|مطلع|بحلول)\s+)"
    rf"(?P<core>{_YEAR})(?![.,]\d|\s*%|\s*(?:الف|مليون|شخص|قتيل|عنصر))"
)
_PERIOD_RE = re.compile(
    rf"(?:(?P<mod>{_MOD})\s+)?{_BOW}(?:"
    rf"(?P<unit>{_alt(['الاسبوع', 'الشهر', 'العام', 'السنه'])})\s+(?P<qual>{_QUAL}|قبل الماضي)"
    rf"|(?:هذا|هذه)\s+(?P<unit2>{_alt(['الاسبوع', 'الشهر', 'العام', 'السنه'])}){_EOW})"
)
# "يوم 18 من الشهر الجاري", "في 20 الشهر الماضي": a day of a month given only relatively.
_DAY_OF_REL_MONTH_RE = re.compile(rf"(?:يوم\s+)?(?:ال\s*)?{_DAY}\s*(?:من\s+)?{_fz('الشهر')}\s+(?P<qual>{_QUAL})")
_NOT_TODAY = _alt(_words("not_today"))
_TODAY_RE = re.compile(
    rf"(?<!ذلك )(?<!نفس )(?<!هذا )(?:(?P<tod>{_TOD})\s+)?(?:يوم\s+)?{_BOW}(?:{_fz('اليوم')}|{_fz('الليله')}(?!\s+{_fz('الماضيه')})){_EOW}"
    rf"(?!\s+{_NOT_TODAY})(?:{_SEP}(?P<wd>{_WD}))?"
)
_YESTERDAY_RE = re.compile(
    rf"(?:(?P<tod>{_TOD})\s+)?(?:يوم\s+)?{_BOW}"
    rf"(?:(?P<d2>{_fz('اول')}\s+(?:من\s+)?{_fz('امس')}|{_fz('امس')}\s+{_fz('الاول')})"
    rf"|{_fz('امس')}|{_fz('الامس')}|{_fz('البارحه')}|{_fz('الليله الماضيه')}){_EOW}"
    rf"(?:{_SEP}(?P<wd>{_WD}))?"
)
_AGO_RE = re.compile(
    rf"{_BOW}(?:قبل|منذ)\s+(?:"
    rf"(?P<n>\d{{1,2}}|{_alt(_NUMBER_WORDS)})\s+(?P<unit>{_alt(['ايام', 'يوما', 'يوم', 'اسابيع', 'اسبوعا', 'اسبوع'])})"
    rf"|(?P<two>{_alt(['يومين', 'اسبوعين'])})"
    rf"|(?P<one>{_alt(['يوم واحد', 'يوم', 'اسبوع واحد', 'اسبوع'])})){_EOW}"
    rf"(?!\s*(?:من|{_fz('علي')})\s)"  # "قبل يومين من الانتخابات" is not relative to publication
)
_NIGHT_RE = re.compile(
    rf"{_BOW}(?:ليل|{_fz('ليله')})\s+(?P<wd1>{_WD})\s*(?:{_fz('علي')}|{_fz('الي')}|[-–/]|و)?\s*(?P<wd2>{_WD})"
)
_BEFORE_MIDNIGHT = re.compile(r"(?:قبيل|قبل)\s+منتصف\s*$")
_WEEKDAY_RE = re.compile(
    rf"(?:(?P<pre>يوم|{_TOD})\s+)?{_BOW}(?P<wd>{_WD})(?!\s+عشر)"
    rf"(?:\s+(?P<qual>{_QUAL}))?"
)


# Cheap necessary conditions. The patterns above open with optional prefixes and long
# alternations, so `re` tries many branches at every position of a sentence, while most sentences
# hold no date. Each pattern can only match where one of its key words occurs (a month name, a
# weekday, a digit...), so a sentence without them skips the pattern. Key words are looked up in
# the text with every spelling `_fz` accepts written as the normalised letter: `_fz(word)` matches
# a text exactly where its folded form contains `word`.
_VARIANTS = {variant: letter for letter, variants in _SPELLINGS.items() for variant in variants if variant != letter}
_FOLD = str.maketrans(_VARIANTS)
_HAS_VARIANT = re.compile(f"[{''.join(_VARIANTS)}]")


def _fold(text: str) -> str:
    """`text` with the letters `_fz` treats alike written one way (offsets unchanged)."""
    return text.translate(_FOLD) if _HAS_VARIANT.search(text) else text  # normalised text: as is


def _any_of(words) -> str:
    """Regex for any of `words` (normalised, one word each) as written in a folded text."""
    return "(?:" + "|".join(map(re.escape, words)) + ")"


_DIGIT = re.compile(r"\d")  # every day and numeric date has one
_YEAR_KEY = re.compile(r"\d{4}")
_NUMERIC_DATE_KEY = re.compile(r"\d[-/.]\d")  # "2023-09-05", "5/9/2023"
# a month name (of several words: its first word) followed by no letter, as in `_MON`
_MONTH_WORD = _any_of({name.split()[0] for name in MONTHS}) + _EOW
_MONTH_KEY = re.compile(_MONTH_WORD)
# a day number and the month name after it, as `_CORE_NAMED` has them: "18 كانون", "5 من شهر ايار"
_DAY_MONTH_KEY = re.compile(rf"\d\s*(?:من\s+)?(?:(?:شهر|الشهر)\s+)?{_MONTH_WORD}")
_WEEKDAY_KEY = re.compile(_any_of(WEEKDAYS) + _EOW)
_TODAY_KEY = re.compile(_any_of(["اليوم", "الليله"]))
_YESTERDAY_KEY = re.compile(_any_of(["امس", "البارحه", "الليله"]))  # "اول امس", "الليله الماضيه"
_AGO_KEY = re.compile(_any_of(["قبل", "منذ"]))
_NIGHT_KEY = re.compile("ليل")  # "ليل" and "ليله"
_PERIOD_KEY = re.compile(_any_of(["الاسبوع", "الشهر", "العام", "السنه"]))
_REL_MONTH_KEY = re.compile("الشهر")


def _finditer_if(possible: bool, pattern: re.Pattern, text: str):
    """`pattern.finditer(text)`, or nothing when a necessary condition says it cannot match."""
    return pattern.finditer(text) if possible else ()


@dataclass
class DateMatch:
    start: int
    end: int
    date: date
    precision: str  # 'day' | 'week' | 'month' | 'year'
    rule: str
    text: str


@dataclass
class PublicationDate:
    date: date | None
    source: str  # 'text_relative' | 'text_dateline' | 'text_other' | 'unknown'
    evidence: str | None


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _month_of(m: re.Match) -> int | None:
    return MONTHS.get(_key(m.group("m1")))


def _month_ok_alone(m: re.Match) -> bool:
    """An ambiguous month word needs a partner name ("آب/أغسطس")."""
    return _key(m.group("m1")) not in _AMBIGUOUS_MONTHS or bool(m.group("m2") or m.group("m3"))


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def infer_year(month: int, day: int, published: date) -> date | None:
    """The most recent (month, day) not after `published`."""
    for y in (published.year, published.year - 1, published.year - 2, published.year - 3, published.year - 4):
        d = _safe_date(y, month, day)
        if d is not None and d <= published:
            return d
    return None


def _next_occurrence(month: int, day: int, published: date) -> date | None:
    for y in range(published.year, published.year + 5):
        d = _safe_date(y, month, day)
        if d is not None and d >= published:
            return d
    return None


def _qual_kind(q: str | None) -> str | None:
    if not q:
        return None
    k = _key(q)
    if k in _PAST_QUALS:
        return "past"
    if k in _CURRENT_QUALS:
        return "current"
    if k in _NEXT_QUALS:
        return "next"
    return None


def _wd_of(s: str | None) -> int | None:
    return WEEKDAYS.get(_key(s)) if s else None


def _year_ok(y: int) -> bool:
    return 1900 <= y <= 2099


def _shift_months(d: date, n: int) -> date:
    idx = d.year * 12 + (d.month - 1) + n
    return date(idx // 12, idx % 12 + 1, 1)


def _most_recent_weekday(wd: int, published: date, strictly_before: bool = False) -> date:
    delta = (published.weekday() - wd) % 7
    if delta == 0 and strictly_before:
        delta = 7
    return published - timedelta(days=delta)


# --------------------------------------------------------------------------------------------
# Full dates (shared by find_dates and detect_publication_date)
# --------------------------------------------------------------------------------------------


@dataclass
class _Abs:
    start: int
    end: int
    date: date | None  # None if the year is missing and cannot be resolved
    has_year: bool
    rule: str
    anchor: str | None  # 'امس' etc. when introduced by an anchor
    weekday: int | None
    core_start: int
    core_end: int


def _may_hold_full_date(text: str, folded: str) -> bool:
    """A day number before a month name, or a numeric date: what `_ABS_RE` needs to match."""
    return bool(_DAY_MONTH_KEY.search(folded) or _NUMERIC_DATE_KEY.search(text))


def _abs_candidates(text: str, published: date | None) -> list[_Abs]:
    out = []
    if not _may_hold_full_date(text, _fold(text)):
        return out
    for m in _ABS_RE.finditer(text):
        anchor = _key(m.group("ank")) if m.group("ank") else None
        wd = _wd_of(m.group("wd"))
        if m.group("m1"):
            month = _month_of(m)
            day = int(to_ascii_digits(m.group("day")))
            if month is None or not 1 <= day <= 31:
                continue
            year = m.group("year")
            qual = _qual_kind(m.group("qual"))
            if year:
                y = int(to_ascii_digits(year))
                if not _year_ok(y):
                    continue
                d = _safe_date(y, month, day)
                if d is None:
                    continue
                out.append(_Abs(m.start(), m.end(), d, True, "absolute", anchor, wd, m.start("core"), m.end("core")))
                continue
            d = None
            rule = "absolute_no_year"
            if published is not None:
                if qual == "current":
                    rule = "current_month"
                    d = _safe_date(published.year, month, day)
                    if month != published.month:
                        d = infer_year(month, day, published)
                elif qual == "next":
                    rule = "next_month"
                    d = _next_occurrence(month, day, published)
                else:
                    rule = "past_month" if qual == "past" else "absolute_no_year"
                    d = infer_year(month, day, published)
            out.append(_Abs(m.start(), m.end(), d, False, rule, anchor, wd, m.start("core"), m.end("core")))
        else:
            if m.group("ny"):
                y, mo, dd = m.group("ny"), m.group("nm"), m.group("nd")
            else:
                y, mo, dd = m.group("ny2"), m.group("nm2"), m.group("nd2")
            y, mo, dd = (int(to_ascii_digits(x)) for x in (y, mo, dd))
            if not _year_ok(y):
                continue
            d = _safe_date(y, mo, dd)
            if d is None:
                continue
            out.append(
                _Abs(m.start(), m.end(), d, True, "absolute_numeric", anchor, wd, m.start("core"), m.end("core"))
            )
    return out


# --------------------------------------------------------------------------------------------
# find_dates
# --------------------------------------------------------------------------------------------


def find_dates(text: str, published: date | None) -> list[DateMatch]:
    """All date expressions in `text` (normalised text expected), non-overlapping, in order.

    Longer expressions win over shorter ones they overlap with, so "أمس الثلاثاء (20 كانون الأول
    2022)" is one absolute match, not a 'yesterday' plus a date.
    """
    cands: list[DateMatch] = []

    def add(start, end, d, precision, rule):
        if d is not None:
            cands.append(DateMatch(start, end, d, precision, rule, text[start:end]))

    for a in _abs_candidates(text, published):
        add(a.start, a.end, a.date, "day", a.rule)

    folded = _fold(text)
    has_digit = bool(_DIGIT.search(text))
    for m in _finditer_if(bool(_MONTH_KEY.search(folded)), _MONTH_RE, text):
        month = _month_of(m)
        if month is None:
            continue
        start = m.start("core") if m.group("ctx") else m.start()
        # A day number right before the month belongs to the full-date rule.
        if re.search(r"\d\s*(?:من\s+)?$", text[max(0, start - 8) : start]):
            continue
        mod = _key(m.group("mod")) if m.group("mod") else None
        day = _MODIFIER_DAY.get(mod, 1) if mod else 1
        year, qual = m.group("year"), _qual_kind(m.group("qual"))
        if year:
            y = int(to_ascii_digits(year))
            if _year_ok(y):
                add(start, m.end(), _safe_date(y, month, day), "month", "month")
            continue
        if published is None:
            continue
        if qual is None:
            # bare month: only with a modifier or a context word, and never an ambiguous word
            if not (mod or m.group("ctx")) or not _month_ok_alone(m):
                continue
            y = published.year if month <= published.month else published.year - 1
            add(start, m.end(), _safe_date(y, month, day), "month", "month_no_year")
        elif qual == "past":
            y = published.year if month < published.month else published.year - 1
            add(start, m.end(), _safe_date(y, month, day), "month", "past_month")
        elif qual == "current":
            y = published.year if month <= published.month else published.year - 1
            add(start, m.end(), _safe_date(y, month, day), "month", "current_month")
        else:
            y = published.year if month >= published.month else published.year + 1
            add(start, m.end(), _safe_date(y, month, day), "month", "next_month")

    for m in _finditer_if(bool(_YEAR_KEY.search(text)), _YEAR_RE, text):
        y = int(to_ascii_digits(m.group("year")))
        if not 1950 <= y <= 2049:
            continue
        mod = _key(m.group("mod")) if m.group("mod") else None
        start = m.start("core") if m.group("ctx") else m.start()
        add(start, m.end(), _safe_date(y, _MODIFIER_MONTH.get(mod, 1) if mod else 1, 1), "year", "year")

    if published is not None:
        _relative(text, folded, has_digit, published, add)

    # longest first, then earliest; keep non-overlapping
    cands.sort(key=lambda c: (-(c.end - c.start), c.start))
    chosen: list[DateMatch] = []
    for c in cands:
        if all(c.end <= o.start or c.start >= o.end for o in chosen):
            chosen.append(c)
    chosen.sort(key=lambda c: c.start)
    return chosen


def _relative(text: str, folded: str, has_digit: bool, published: date, add) -> None:
    """Relative expressions; `folded` is `_fold(text)`, `has_digit` whether `text` has a digit."""
    has_weekday = bool(_WEEKDAY_KEY.search(folded))
    for m in _finditer_if(bool(_TODAY_KEY.search(folded)), _TODAY_RE, text):
        add(m.start(), m.end(), published, "day", "today")

    for m in _finditer_if(bool(_YESTERDAY_KEY.search(folded)), _YESTERDAY_RE, text):
        if m.group("d2"):
            add(m.start(), m.end(), published - timedelta(days=2), "day", "day_before_yesterday")
        else:
            add(m.start(), m.end(), published - timedelta(days=1), "day", "yesterday")

    for m in _finditer_if(bool(_AGO_KEY.search(folded)), _AGO_RE, text):
        unit_week = False
        if m.group("n"):
            raw = _key(m.group("n"))
            n = int(to_ascii_digits(raw)) if raw.isdigit() or to_ascii_digits(raw).isdigit() else _NUMBER_WORDS.get(raw)
            unit_week = _key(m.group("unit")).startswith("اسبوع") or _key(m.group("unit")) == "اسابيع"
        elif m.group("two"):
            n = 2
            unit_week = _key(m.group("two")).startswith("اسبوع")
        else:
            n = 1
            unit_week = _key(m.group("one")).startswith("اسبوع")
        if not n or n > 31:
            continue
        if unit_week:
            add(m.start(), m.end(), published - timedelta(days=7 * n), "week", "weeks_ago")
        else:
            add(m.start(), m.end(), published - timedelta(days=n), "day", "days_ago")

    for m in _finditer_if(has_weekday and bool(_NIGHT_KEY.search(folded)), _NIGHT_RE, text):
        w1, w2 = _wd_of(m.group("wd1")), _wd_of(m.group("wd2"))
        if w1 is None or w2 != (w1 + 1) % 7:
            continue
        # "ليلة السبت إلى الأحد": what is reported of such a night happened after midnight, on the
        # second day, unless the text says before midnight ("قبيل منتصف ليل الثلاثاء الأربعاء")
        first = _most_recent_weekday(w1, published)
        if _BEFORE_MIDNIGHT.search(text[max(0, m.start() - 14) : m.start()]):
            add(m.start(), m.end(), first, "day", "night_of_before_midnight")
        else:
            add(m.start(), m.end(), min(first + timedelta(days=1), published), "day", "night_of")

    for m in _finditer_if(has_weekday, _WEEKDAY_RE, text):
        wd = _wd_of(m.group("wd"))
        if wd is None:
            continue
        q = _qual_kind(m.group("qual"))
        if q == "next":
            delta = (wd - published.weekday()) % 7 or 7
            add(m.start(), m.end(), published + timedelta(days=delta), "day", "weekday_next")
        else:
            add(m.start(), m.end(), _most_recent_weekday(wd, published, q == "past"), "day", "weekday")

    for m in _finditer_if(has_digit and bool(_REL_MONTH_KEY.search(folded)), _DAY_OF_REL_MONTH_RE, text):
        q = _qual_kind(m.group("qual"))
        step = {"past": -1, "current": 0, "next": 1}.get(q)
        if step is None:
            continue
        first = _shift_months(published, step)
        d = _safe_date(first.year, first.month, int(to_ascii_digits(m.group("day"))))
        add(
            m.start(),
            m.end(),
            d,
            "day",
            {-1: "day_of_last_month", 0: "day_of_this_month", 1: "day_of_next_month"}[step],
        )

    for m in _finditer_if(bool(_PERIOD_KEY.search(folded)), _PERIOD_RE, text):
        unit = _key(m.group("unit") or m.group("unit2"))
        qual_raw = _key(m.group("qual")) if m.group("qual") else None
        q = "current" if m.group("unit2") else ("past2" if qual_raw == "قبل الماضي" else _qual_kind(qual_raw))
        mod = _key(m.group("mod")) if m.group("mod") else None
        if unit == "العام" and m.group("unit") and not mod:
            before = text[: m.start()].split()
            if before and _key(before[-1]) in _GENERAL_NOUNS:
                continue  # "المدير العام الحالي" is the current director-general, not this year
        step = {"past": -1, "past2": -2, "current": 0, "next": 1}.get(q)
        if step is None:
            continue
        name = {-1: "last", -2: "before_last", 0: "this", 1: "next"}[step]
        if unit == "الاسبوع":
            add(m.start(), m.end(), published + timedelta(days=7 * step), "week", f"{name}_week")
        elif unit == "الشهر":
            first = _shift_months(published, step)
            day = _MODIFIER_DAY.get(mod, 1) if mod else 1
            add(m.start(), m.end(), first.replace(day=day), "month", f"{name}_month")
        else:
            mon = _MODIFIER_MONTH.get(mod, 1) if mod else 1
            add(m.start(), m.end(), date(published.year + step, mon, 1), "year", f"{name}_year")


# --------------------------------------------------------------------------------------------
# Publication date
# --------------------------------------------------------------------------------------------

_LABEL_RE = re.compile(
    r"^\s*(?:[•\-–|*]\s*)?(?P<label>"
    r"نشر\s+(?:في|بتاريخ|يوم)|تاريخ\s+النشر|تم\s+النشر|نشر|اخر\s+تحديث|تاريخ\s+التحديث|تم\s+التحديث|"
    r"(?i:published(?:\s+on)?|posted(?:\s+on)?|last\s+updated|updated(?:\s+on)?|date))"
    r"\s*[:：\-–]?\s*"
)
_CLOCK_RE = re.compile(r"(?<!\d)\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?(?!\d)")
_WEATHER_RE = re.compile(r"°|℃|درجه\s+مئويه|(?<!\w)(?:مشمس|غايم|ممطر|صحو)(?!\w)")
_LEFTOVER_OK = re.compile(rf"^(?:\s|[،,.\-–|/:•·()\[\]]|{_WD}|يوم|الموافق|م(?!\w)|ميلادي)*$")
_LEFTOVER_OK_LABELLED = re.compile(
    rf"^(?:\s|[،,.\-–|/:•·()\[\]]|{_WD}|يوم|الموافق|الساعه|بتوقيت\s+\w+|\w{{0,3}}\s*GMT|"
    rf"(?i:am|pm|gmt|utc)|[صم](?!\w)|ميلادي|\d{{1,2}}\s*[:：]\s*\d{{2}}(?:\s*[:：]\s*\d{{2}})?|"
    rf"\+\d{{1,2}}(?::?\d{{2}})?)*$"
)


def _full_date_line(line_norm: str, labelled: bool) -> date | None:
    """The date if the (normalised, label-stripped) line is essentially one full date with year."""
    if not line_norm.strip():
        return None
    if not labelled:
        if _CLOCK_RE.search(line_norm) or _WEATHER_RE.search(line_norm):
            return None
        if re.search(r"[A-Za-z]", line_norm):
            return None
    cands = [a for a in _abs_candidates(line_norm, None) if a.has_year and a.anchor is None]
    if len(cands) != 1:
        return None
    a = cands[0]
    leftover = line_norm[: a.start] + " " + line_norm[a.end :]
    ok = (_LEFTOVER_OK_LABELLED if labelled else _LEFTOVER_OK).match(leftover)
    if not ok:
        return None
    if a.weekday is not None and a.weekday != a.date.weekday():
        return None
    return a.date


_TEMP_RE = re.compile(r"[-+]?\d+(?:[.,]\d+)?\s*(?:°\s*[CFcf]?|℃|درجه)")
_PUNCT_DIGITS_RE = re.compile(r"[\s،,.\-–|/:•·()\[\]\d+]+")


def is_date_only_line(line: str) -> bool:
    """True for a header line that carries only a date and/or clock/weather, e.g. "03 اغسطس 2021",
    "الخميس 25 نيسان", "أربيل 15°C الخميس 25 نيسان 11:15" (a place name may remain)."""
    n = normalize(line).strip()
    if not n or len(n.split()) > 10:
        return False
    found = False
    for rx in (_CLOCK_RE, _TEMP_RE, _ABS_RE):
        n, k = rx.subn(" ", n)
        found = found or k > 0
    if not found:
        return False
    n = re.sub(_WD, " ", n)
    n = re.sub(r"[A-Za-z]+", " ", n)
    rest = _PUNCT_DIGITS_RE.sub(" ", n).split()
    return len(rest) <= 2


def detect_publication_date(text: str, today: date | None = None) -> PublicationDate:
    """Publication date stated in the RAW article text.

    Priority: an anchor with an explicit full date ("أمس الثلاثاء (20 كانون الأول 2022)" -> +1 day)
    -> 'text_relative'; a labelled or top-of-article line that is just a full date -> 'text_dateline';
    otherwise date None and source 'unknown'. Page clocks ("أربيل 15°C الخميس 25 نيسان 11:15"),
    Latin banners ("Sunday, 30 June 2024") and yearless dates are never used. Dates after `today`
    (default: the system date) are rejected.
    """
    today = today or _dt.date.today()
    raw_lines = text.splitlines()

    # 1. anchor + explicit full date
    for raw in raw_lines:
        norm = normalize(raw)
        for a in _abs_candidates(norm, None):
            if not a.has_year or a.anchor is None:
                continue
            offset = _ANCHOR_OFFSET.get(a.anchor)
            if offset is None:
                continue
            if a.weekday is not None and a.weekday != a.date.weekday():
                continue
            pub = a.date + timedelta(days=offset)
            if pub > today:
                continue
            return PublicationDate(pub, "text_relative", _snippet(raw, a))

    # 2. datelines: labelled publication lines, then top lines, then "last updated" lines
    labelled_pub, top, labelled_upd = [], [], []
    n_nonempty = 0
    for raw in raw_lines:
        if not raw.strip():
            continue
        n_nonempty += 1
        norm = normalize(raw).strip()
        lm = _LABEL_RE.match(norm)
        if lm:
            d = _full_date_line(norm[lm.end() :], labelled=True)
            if d is not None and d <= today:
                label = lm.group("label").lower()
                (labelled_upd if ("تحديث" in label or "update" in label) else labelled_pub).append((d, raw.strip()))
            continue
        if n_nonempty <= 15:
            d = _full_date_line(norm, labelled=False)
            if d is not None and d <= today:
                top.append((d, raw.strip()))
    for group in (labelled_pub, top, labelled_upd):
        if group:
            return PublicationDate(group[0][0], "text_dateline", group[0][1])
    return PublicationDate(None, "unknown", None)


def _snippet(raw: str, a: _Abs) -> str:
    """The raw line, or a window of it around the match when the line is long (offsets come
    from the normalised line; normalisation may shift them slightly, hence the margin)."""
    raw = raw.strip()
    if len(raw) <= 300:
        return raw
    lo, hi = max(0, a.start - 100), min(len(raw), a.end + 100)
    return raw[lo:hi].strip()
