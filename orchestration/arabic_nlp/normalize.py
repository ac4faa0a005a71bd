"""Normalisation of Arabic text for matching.

Newswire spells the same word many ways: hamza forms (أ إ آ ا), alef maqsura (ى/ي), ta marbuta
(ة/ه), optional diacritics and tatweel, Arabic-Indic or Persian digits. Matching is done on the
normalised form only; evidence shown to analysts always keeps the original text.
"""

from __future__ import annotations

import re
import unicodedata

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_CHAR_MAP = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ئ": "ي",
    "ؤ": "و",
    "ة": "ه",
    "ک": "ك",
    "ی": "ي",
    "ۆ": "و",
    "ێ": "ي",
    "ە": "ه",
    "ڕ": "ر",
    "ڵ": "ل",  # Kurdish/Persian letters
    "٠": "0",
    "١": "1",
    "٢": "2",
    "٣": "3",
    "٤": "4",
    "٥": "5",
    "٦": "6",
    "٧": "7",
    "٨": "8",
    "٩": "9",
    "۰": "0",
    "۱": "1",
    "۲": "2",
    "۳": "3",
    "۴": "4",
    "۵": "5",
    "۶": "6",
    "۷": "7",
    "۸": "8",
    "۹": "9",
    "٫": ".",
    "٬": ",",
    "،": "،",
    "\u200c": " ",
    "\u200d": "",
    "\u200e": "",
    "\u200f": "",
    "\xa0": " ",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "„": '"',
}
# str.translate looks every character up in a dict, slow on Arabic text; replacing only the
# characters that occur gives the same result because no replacement is itself replaced.
_REPLACEMENTS = tuple((char, new) for char, new in _CHAR_MAP.items() if char != new)
_DIGITS_ONLY = str.maketrans(dict(zip("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")))
_SPACES = re.compile(r"[ \t\u2000-\u200b\u202f\u205f\u3000]+")
_OTHER_SPACE = re.compile(r"[\t\u2000-\u200b\u202f\u205f\u3000]")  # `_SPACES` but the plain space
_LETTER_THEN_DIGIT = re.compile("([\u0621-\u064a])([0-9])")
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")


def strip_diacritics(text: str) -> str:
    """Remove harakat, shadda, sukun, superscript alef and tatweel."""
    return _DIACRITICS.sub("", text).replace(_TATWEEL, "")


def to_ascii_digits(text: str) -> str:
    """Arabic-Indic (١٢٣) and Persian (۱۲۳) digits to 0-9; nothing else changes."""
    return text.translate(_DIGITS_ONLY)


def normalize(text: str) -> str:
    """The matching form: NFKC, no diacritics/tatweel, unified letters and digits, single spaces.

    Newlines are kept (they separate lines for the cleaner); runs of other white space fold to one.
    """
    text = strip_diacritics(unicodedata.normalize("NFKC", text))
    for char, new in _REPLACEMENTS:
        if char in text:
            text = text.replace(char, new)
    if "  " in text or _OTHER_SPACE.search(text):  # else every run of spaces is one plain space
        text = _SPACES.sub(" ", text)
    if _LETTER_THEN_DIGIT.search(text):  # "قتل13 شخصاً": a figure glued to its verb is still a figure
        text = _LETTER_THEN_DIGIT.sub(r"\1 \2", text)
    return text


def arabic_share(text: str) -> float:
    """Share of Arabic letters among Arabic and Latin letters (0.0 when there are none)."""
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    return arabic / (arabic + latin) if arabic + latin else 0.0
