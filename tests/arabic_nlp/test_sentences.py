"""Unit tests for orchestration.arabic_nlp.sentences."""

from __future__ import annotations

import pytest

from orchestration.arabic_nlp.sentences import split_sentences


def test_basic_terminators():
    text = "قتل ثلاثة مدنيين بقصف مدفعي. وأصيب خمسة آخرون! فهل تتوقف الهجمات؟ لا أحد يعلم… والتحقيق جار"
    assert split_sentences(text) == [
        "قتل ثلاثة مدنيين بقصف مدفعي.",
        "وأصيب خمسة آخرون!",
        "فهل تتوقف الهجمات؟",
        "لا أحد يعلم…",
        "والتحقيق جار",
    ]


def test_latin_question_mark_and_runs():
    assert split_sentences("من يقف وراء الهجوم?! لم تتبنه أي جهة.") == ["من يقف وراء الهجوم?!", "لم تتبنه أي جهة."]


def test_line_and_paragraph_breaks_end_sentences():
    text = "أعلنت الشرطة حظر التجوال\n\nوانتشرت دوريات في الأحياء\r\nوأغلقت المحال"
    assert split_sentences(text) == ["أعلنت الشرطة حظر التجوال", "وانتشرت دوريات في الأحياء", "وأغلقت المحال"]


def test_commas_never_split():
    text = "وأفادت مصادر محلية، نقلاً عن شهود عيان، بأن طائرة مسيرة استهدفت سيارة، ما أدى إلى مقتل شخصين, وإصابة ثالث."
    assert split_sentences(text) == [text]


@pytest.mark.parametrize("number", ["2.5", "1.200", "02,30", "٣.٥", "0.75"])
def test_numbers_are_not_split(number):
    text = f"بلغت الحصيلة {number} وفق التقديرات الأولية. ثم ارتفعت لاحقاً."
    assert split_sentences(text) == [f"بلغت الحصيلة {number} وفق التقديرات الأولية.", "ثم ارتفعت لاحقاً."]


def test_parenthesised_dates_are_not_split():
    text = "عقد المؤتمر أمس الثلاثاء (20.12.2022. بتوقيت بغداد) في المنطقة الخضراء. وحضره السفراء."
    assert split_sentences(text) == [
        "عقد المؤتمر أمس الثلاثاء (20.12.2022. بتوقيت بغداد) في المنطقة الخضراء.",
        "وحضره السفراء.",
    ]


@pytest.mark.parametrize("abbr", ["د.", "م.", "ق.", "Dr.", "U.S."])
def test_abbreviations(abbr):
    text = f"وقال {abbr} محمود العبيدي إن الوضع مستقر. وأضاف أن الطرق مفتوحة."
    assert split_sentences(text) == [f"وقال {abbr} محمود العبيدي إن الوضع مستقر.", "وأضاف أن الطرق مفتوحة."]


def test_agency_initials_are_not_split():
    text = "ونقلت وكالة أ.ف.ب عن مصدر طبي أن الجرحى نقلوا إلى المستشفى. وتضاربت الروايات."
    assert split_sentences(text) == ["ونقلت وكالة أ.ف.ب عن مصدر طبي أن الجرحى نقلوا إلى المستشفى.", "وتضاربت الروايات."]


def test_missing_space_after_full_stop_between_arabic_words():
    assert split_sentences("انفجرت عبوة ناسفة.وأسفرت عن مقتل جندي") == ["انفجرت عبوة ناسفة.", "وأسفرت عن مقتل جندي"]


def test_urls_are_not_split():
    assert split_sentences("نشر موقع shafaq.com التفاصيل كاملة. وعلق المتحدث.") == [
        "نشر موقع shafaq.com التفاصيل كاملة.",
        "وعلق المتحدث.",
    ]


def test_closing_quotes_stay_with_their_sentence():
    text = 'وقال المتحدث: "لن نسمح بعودة الإرهاب." وأضاف أن القوات في حالة تأهب.'
    assert split_sentences(text) == ['وقال المتحدث: "لن نسمح بعودة الإرهاب."', "وأضاف أن القوات في حالة تأهب."]
    text = "وأكد «أن الوضع تحت السيطرة.» وتابع حديثه"
    assert split_sentences(text) == ["وأكد «أن الوضع تحت السيطرة.»", "وتابع حديثه"]


def test_double_dot_ellipsis_without_space():
    assert split_sentences("رغم التهديدات..واصل المزارعون عملهم") == ["رغم التهديدات..", "واصل المزارعون عملهم"]


def test_list_numbers_do_not_become_sentences():
    assert split_sentences("1. قصف مدفعي على القرية\n2. نزوح عشرات العائلات") == [
        "1. قصف مدفعي على القرية",
        "2. نزوح عشرات العائلات",
    ]


def test_original_text_is_kept_not_normalised():
    text = "قُتِلَ ٣ أشخاصٍ في إدلب. وأُصيب آخرون"
    assert split_sentences(text) == ["قُتِلَ ٣ أشخاصٍ في إدلب.", "وأُصيب آخرون"]


def test_whitespace_and_empties_dropped():
    assert split_sentences("  \n\n . \n  \xa0 \n…") == []
    assert split_sentences("2023") == ["2023"]
    assert split_sentences("") == []
    assert split_sentences("   وقع الانفجار صباحاً.   ") == ["وقع الانفجار صباحاً."]


def test_sentences_reassemble_to_the_text():
    text = (
        "أعلنت وزارة الدفاع السورية، في بيان، إسقاط مسيرتين. وقالت إن الدفاعات الجوية تصدت لهما "
        "فوق ريف اللاذقية (بحسب سانا)! ولم تسجل أضرار؟ لا."
    )
    assert " ".join(split_sentences(text)) == text
