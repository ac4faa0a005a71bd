"""The words of numbers and dates are data (dbt_project/seeds/*.csv): well-formed, and checked on load."""

import csv

import pytest

from orchestration.arabic_nlp import dates, numbers
from orchestration.arabic_nlp.langdata import COLUMNS, SEEDS_DIR, LanguageDataError, load_words
from orchestration.arabic_nlp.normalize import normalize

FILES = {numbers.NUMBER_WORDS_FILE: numbers.NUMBER_WORD_KINDS, dates.DATE_WORDS_FILE: dates.DATE_WORD_KINDS}


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_seed_files_load_and_are_well_formed(name):
    kinds = FILES[name]
    words = load_words(name, kinds)
    assert words and {w.kind for w in words} == set(kinds)  # every kind is used, none unknown
    with open(SEEDS_DIR / name, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == COLUMNS
    assert all(len(row) == len(COLUMNS) for row in rows), "every row has word_ar,kind,value,note"
    values: dict[str, set[int]] = {}
    for w in words:
        assert w.word == normalize(w.word) and w.word.strip() == w.word
        allowed = kinds[w.kind]
        assert (w.value is None) if allowed is None else (w.value in allowed)
        if w.value is not None:
            values.setdefault(w.word, set()).add(w.value)
    assert {word: v for word, v in values.items() if len(v) > 1} == {}  # no word with two values
    raw = [(row[0].strip(), row[1].strip()) for row in rows[1:]]
    assert len(raw) == len(set(raw)), "a row is listed twice"


def test_the_modules_read_their_words_from_the_seeds():
    assert numbers.UNITS[normalize("ثلاثة")] == 3 and numbers.HUNDREDS[normalize("مائتين")] == 200
    assert {normalize("مئة"), normalize("مائة")} == numbers.HUNDRED_WORDS
    assert {normalize("آلاف")} == numbers.THOUSAND_PLURAL
    assert normalize("عدداً من") in numbers.VAGUE_AMOUNTS and normalize("آلاف") in numbers.VAGUE_AMOUNTS
    assert dates.MONTHS[normalize("مايس")] == 5 and dates.MONTHS[normalize("كانون الأول")] == 12
    assert {"اب", "ماي", "اوت", "مايس"} <= dates._AMBIGUOUS_MONTHS
    assert dates.WEEKDAYS[normalize("الجمعة")] == 4 and dates.WEEKDAYS["الاتنين"] == 0
    assert dates._MODIFIER_DAY[normalize("أواخر")] == 25 and dates._MODIFIER_MONTH[normalize("منتصف")] == 7
    assert normalize("مطلع") not in dates._MODIFIER_DAY  # the first day is the default
    assert dates._ANCHOR_OFFSET.items() >= {
        ("اول من امس", 2),
        ("اول امس", 2),
        ("امس الاول", 2),
        ("امس", 1),
        ("البارحه", 1),
        ("اليوم", 0),
    }
    assert {"الماضي", "الفايت", "المنصرم", "السابق"} <= dates._PAST_QUALS
    assert {"المقبل", "القادم"} <= dates._NEXT_QUALS and not dates._PAST_QUALS & dates._NEXT_QUALS


def _write(tmp_path, body):
    (tmp_path / "words.csv").write_text("word_ar,kind,value,note\n" + body, encoding="utf-8")


@pytest.mark.parametrize(
    "body,message",
    [
        ("ثلاثة,unit,3,\nاربعة,digit,4,\n", "words.csv:3: kind 'digit' is not one of"),
        ("ثلاثة,unit,three,\n", "words.csv:2: kind 'unit' needs an integer value"),
        ("ثلاثة,unit,30,\n", "words.csv:2: value 30 is not allowed for kind 'unit' (1..9)"),
        ("عدد من,vague,3,\n", "words.csv:2: kind 'vague' takes no value"),
        (",unit,3,\n", "words.csv:2: word_ar is empty"),
        ("ثلاثة,unit,3,\nثلاثه,unit,4,\n", "words.csv:3: 'ثلاثه' (ثلاثه) already has the value 3 (unit) on line 2"),
        ("ثلاثة,unit\n", "words.csv:2: expected 4 fields"),
        ("ثلاثة,unit,3,,extra\n", "words.csv:2: expected 4 fields"),
    ],
)
def test_a_malformed_row_is_an_error_naming_file_and_line(tmp_path, body, message):
    _write(tmp_path, body)
    with pytest.raises(LanguageDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_words("words.csv", numbers.NUMBER_WORD_KINDS, seeds_dir=tmp_path)


def test_a_missing_file_or_column_is_an_error(tmp_path):
    with pytest.raises(LanguageDataError, match="missing.csv: cannot read"):
        load_words("missing.csv", numbers.NUMBER_WORD_KINDS, seeds_dir=tmp_path)
    (tmp_path / "words.csv").write_text("word,kind,value\nثلاثة,unit,3\n", encoding="utf-8")
    with pytest.raises(LanguageDataError, match="words.csv:1: header must have the columns"):
        load_words("words.csv", numbers.NUMBER_WORD_KINDS, seeds_dir=tmp_path)


def test_spellings_that_normalise_alike_are_one_word_and_blank_lines_are_skipped(tmp_path):
    _write(tmp_path, "آذار,month,3,\nاذار,month,3,\n\nمايس,month_ambiguous,5,Iraqi\n")
    words = load_words("words.csv", dates.DATE_WORD_KINDS, seeds_dir=tmp_path)
    assert [(w.word, w.kind, w.value, w.line) for w in words] == [
        ("اذار", "month", 3, 2),
        ("اذار", "month", 3, 3),
        ("مايس", "month_ambiguous", 5, 5),
    ]
