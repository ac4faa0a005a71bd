"""Numbers as Arabic newswire writes them: digits of both scripts and number words.

Works on `normalize()`d text (ة→ه, ى→ي, hamza folded, Arabic-Indic digits → 0-9); the number
words are data, `dbt_project/seeds/number_words.csv`, written in ordinary spelling and normalised
once at import. Gender and case variants are all listed
(ثلاثه/ثلاث، ثمانيه/ثماني/ثمان، اثنان/اثنين/اثنتين/اثنتان) because reporters use them
interchangeably. A clitic و/ب/ل before a number word is allowed ("وخمسه" = 5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .langdata import load_words, of_kind

# The words are data: dbt_project/seeds/number_words.csv (see langdata.py). Their kinds, and the
# values each kind may take, are the grammar below.
NUMBER_WORD_KINDS = {
    "unit": range(1, 10),  # ثلاثة، ثلاث
    "ten": range(10, 11),  # عشرة: after a unit, a teen (ثلاثة عشر = 13)
    "tens": range(20, 100, 10),  # عشرون، عشرين
    "hundred": range(100, 1000, 100),  # مئة (after a unit, multiplies: ثلاث مئة), مئتان، ثلاثمئة
    "thousand": range(1000, 10000, 1000),  # ألف، ألفان
    "thousand_plural": range(1000, 1001),  # آلاف, after a count: ثلاثة آلاف
    "vague": None,  # an amount without a figure: عدد من، عشرات
}
NUMBER_WORDS_FILE = "number_words.csv"
_ROWS = load_words(NUMBER_WORDS_FILE, NUMBER_WORD_KINDS)


def _table(*kinds: str) -> dict[str, int]:
    return {w.word: w.value for w in of_kind(_ROWS, *kinds)}


UNITS = _table("unit")
TENS = _table("tens")
TEN = _table("ten")
HUNDREDS = _table("hundred")
HUNDRED_WORDS = {word for word, value in HUNDREDS.items() if value == 100}
THOUSANDS = _table("thousand", "thousand_plural")
THOUSAND_PLURAL = set(_table("thousand_plural"))

# Amounts that say "some" or "dozens" without a figure: the count stays unknown.
VAGUE_AMOUNTS = tuple(w.word for w in of_kind(_ROWS, "vague"))

_CLITIC = "(?:و|ف|ب|ل)?"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+"
_WORDS_ALL = sorted({*UNITS, *TENS, *TEN, *HUNDREDS, *THOUSANDS}, key=len, reverse=True)
_WORD = "|".join(_WORDS_ALL)
_TOKEN = re.compile(rf"(?<![\w])({_CLITIC})({_DIGITS}|{_WORD})(?![\w])")


@dataclass(frozen=True)
class NumberMatch:
    start: int  # offset of the number itself (after any clitic)
    end: int
    value: int
    text: str
    kind: str  # 'digits' | 'words'


def _word_value(word: str) -> int | None:
    for table in (UNITS, TENS, TEN, HUNDREDS, THOUSANDS):
        if word in table:
            return table[word]
    return None


def find_numbers(text: str) -> list[NumberMatch]:
    """Every number in `text` (normalised), compound word numbers joined into one match.

    "خمسه وعشرين" → 25, "احد عشر" → 11, "ثلاثه الاف" → 3000, "1,200" → 1200, "11" → 11.
    A digit string inside a clock time or a decimal ("02:30", "2.5") is not a count and is skipped.
    """
    tokens = []
    for m in _TOKEN.finditer(text):
        tok = m.group(2)
        before, after = text[max(0, m.start(2) - 1) : m.start(2)], text[m.end(2) : m.end(2) + 2]
        if tok[0].isdigit():
            slashed = before == "/" and after[:1] == "/" and not after[1:2].isdigit()  # "مقتل /10/ عناصر"
            if not slashed and (before in {":", ".", "/", "-"} or re.match(r"[:.]\d|/\d|-\d", after)):
                continue
            tokens.append((m.start(2), m.end(2), int(tok.replace(",", "")), "digits", m.group(1)))
        else:
            tokens.append((m.start(2), m.end(2), None, "words", m.group(1)))
    out: list[NumberMatch] = []
    i = 0
    while i < len(tokens):
        start, end, value, kind, _ = tokens[i]
        if kind == "digits":
            # "3 آلاف" / "3 الاف" → 3000
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt and nxt[3] == "words" and text[nxt[0] : nxt[1]] in THOUSANDS and text[end : nxt[0]].strip() == "":
                value, end = value * 1000, nxt[1]
                i += 1
            out.append(NumberMatch(start, end, value, text[start:end], kind))
            i += 1
            continue
        words = [text[start:end]]
        j = i + 1
        # join following number words separated by one space, or by " و" ("خمسه وعشرين")
        while j < len(tokens) and tokens[j][3] == "words":
            gap = text[tokens[j - 1][1] : tokens[j][0]]
            if gap not in (" ", " و"):
                break
            words.append(text[tokens[j][0] : tokens[j][1]])
            end = tokens[j][1]
            j += 1
        value = _compound_value(words)
        if value is not None:
            out.append(NumberMatch(start, end, value, text[start:end], kind))
        i = j
    return out


def _compound_value(words: list[str]) -> int | None:
    """Value of a run of number words: 'احد عشر', 'خمسه وعشرين' (clitic already split), 'ثلاث مئه'."""
    total, current = 0, 0
    for k, word in enumerate(words):
        value = _word_value(word)
        if value is None:
            return None
        if word in TEN and current and current < 10:  # teens: ثلاثه عشر = 13
            current += 10
        elif word in HUNDRED_WORDS and current and current < 10:  # ثلاث مئه = 300
            current *= 100
        elif (
            word in THOUSANDS and word in THOUSAND_PLURAL and current or word in THOUSANDS and current and k > 0
        ):  # ثلاثه الاف = 3000
            total += current * 1000
            current = 0
        else:
            current += value
    return total + current


def parse_number(text: str) -> int | None:
    """The value of a text that is one number expression, else None."""
    matches = find_numbers(text.strip())
    if len(matches) == 1 and matches[0].start <= 1 and matches[0].end == len(text.strip()):
        return matches[0].value
    return None


def find_vague_amount(text: str) -> str | None:
    """The vague-amount phrase ("عدد من", "العشرات"...) `text` starts with, if any."""
    stripped = re.sub(r"^(?:و|ف|ب|ل)(?=ال|عد|عش|مئ|بض)", "", text.strip())
    for phrase in sorted(VAGUE_AMOUNTS, key=len, reverse=True):
        if stripped.startswith(phrase) and (len(stripped) == len(phrase) or not stripped[len(phrase)].isalnum()):
            return phrase
    return None
