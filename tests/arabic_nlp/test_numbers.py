"""Numbers as newswire writes them: both digit scripts, words in every gender and case."""

import pytest

from orchestration.arabic_nlp.normalize import normalize
from orchestration.arabic_nlp.numbers import find_numbers, find_vague_amount, parse_number


def values(text):
    return [m.value for m in find_numbers(normalize(text))]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("قتل ١٢ مدنياً", [12]),
        ("أصيب 7 عناصر", [7]),
        ("سقط ۱۵ جريحاً", [15]),  # Persian digits
        ("ثلاثة جنود", [3]),
        ("ثلاث نساء", [3]),
        ("ثمانية أشخاص", [8]),
        ("ثماني سيارات", [8]),
        ("اثنان من المسلحين", [2]),
        ("اثنين آخرين", [2]),
        ("اثنتين من النساء", [2]),
        ("أحد عشر مقاتلاً", [11]),
        ("اثنا عشر شرطياً", [12]),
        ("خمسة عشر مدنياً", [15]),
        ("عشرون شخصاً", [20]),
        ("خمسة وعشرين عنصراً", [25]),
        ("مئة وخمسون قتيلاً", [150]),
        ("ثلاث مئة عائلة", [300]),
        ("ثلاثة آلاف نازح", [3000]),
        ("1,250 شخصاً", [1250]),
        ("3 آلاف مقاتل", [3000]),
    ],
)
def test_counts(text, expected):
    assert values(text) == expected


def test_clock_times_and_decimals_are_not_counts():
    assert values("وقع الهجوم حوالى الساعة 02:30 فجراً") == []
    assert values("بنسبة 2.5 بالمئة") == []


def test_clitic_waw_before_a_number_word():
    matches = find_numbers(normalize("مقتل جنديين وخمسة مدنيين"))
    assert [m.value for m in matches] == [5]
    assert matches[0].text == "خمسه"


def test_weekday_sunday_is_not_the_number_one():
    assert values("الأحد الماضي") == []


def test_parse_number_whole_expression():
    assert parse_number(normalize("سبعة عشر")) == 17
    assert parse_number(normalize("جنود")) is None


@pytest.mark.parametrize(
    "text,phrase",
    [
        ("عدد من الجرحى", "عدد من"),
        ("العشرات من المدنيين", "العشرات"),
        ("وعشرات القتلى", "عشرات"),
        ("بضعة أشخاص", "بضعه"),
    ],
)
def test_vague_amounts(text, phrase):
    assert find_vague_amount(normalize(text)) == phrase


def test_a_number_is_not_vague():
    assert find_vague_amount(normalize("ثلاثة جرحى")) is None
