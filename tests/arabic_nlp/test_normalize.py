"""Unit tests for orchestration.arabic_nlp.normalize."""

from orchestration.arabic_nlp import normalize as nz
from orchestration.arabic_nlp.normalize import normalize


def test_no_replacement_is_itself_replaced():
    """normalize replaces characters one after another: that equals one simultaneous mapping only
    if no replacement contains a character that is replaced."""
    replaced = {char for char, _ in nz._REPLACEMENTS}
    assert not any(ch in replaced for _, new in nz._REPLACEMENTS for ch in new)


def test_letters_digits_marks_and_spaces():
    raw = "قُتِلَ  ثلاثةٌ\u00a0في إدلب، ١٢ «مسلّحاً» يوم الأحد\u200c\u200cالماضي\tمساءً\nلکن ی"
    assert normalize(raw) == 'قتل ثلاثه في ادلب، 12 "مسلحا" يوم الاحد الماضي مساء\nلكن ي'


def test_every_mapped_character():
    for char, new in nz._CHAR_MAP.items():
        assert normalize(f"-{char}ب") == f"-{new}ب", repr(char)


def test_a_figure_glued_to_a_word_is_set_apart():
    assert normalize("قُتل13 شخصاً") == "قتل 13 شخصا"
    assert normalize("كوفيد-19 و F16") == "كوفيد-19 و F16"


def test_runs_of_spaces_fold_to_one_and_newlines_stay():
    assert normalize("a \u2003 b\t\tc  d\n\ne") == "a b c d\n\ne"
    assert normalize("a b") == "a b"
