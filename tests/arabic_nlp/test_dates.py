"""Unit tests for orchestration.arabic_nlp.dates (sentences written for the tests, newswire style)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from orchestration.arabic_nlp.dates import (
    MONTHS,
    DateMatch,
    detect_publication_date,
    find_dates,
    infer_year,
    is_date_only_line,
)
from orchestration.arabic_nlp.normalize import normalize

PUB = date(2023, 3, 9)  # a Thursday
assert PUB.weekday() == 3
SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "articles"


def dates_in(text: str, published: date | None = PUB) -> list[DateMatch]:
    return find_dates(normalize(text), published)


def only(text: str, published: date | None = PUB) -> DateMatch:
    found = dates_in(text, published)
    assert len(found) == 1, [(m.text, m.date, m.rule) for m in found]
    return found[0]


# ---------------------------------------------------------------- month names, all systems


@pytest.mark.parametrize(
    "name,num",
    [
        ("كانون الثاني", 1),
        ("شباط", 2),
        ("آذار", 3),
        ("نيسان", 4),
        ("أيار", 5),
        ("حزيران", 6),
        ("تموز", 7),
        ("آب", 8),
        ("أيلول", 9),
        ("تشرين الأول", 10),
        ("تشرين الثاني", 11),
        ("كانون الأول", 12),
        ("يناير", 1),
        ("فبراير", 2),
        ("مارس", 3),
        ("أبريل", 4),
        ("ابريل", 4),
        ("إبريل", 4),
        ("مايو", 5),
        ("يونيو", 6),
        ("يونيه", 6),
        ("يوليو", 7),
        ("يوليه", 7),
        ("أغسطس", 8),
        ("اغسطس", 8),
        ("سبتمبر", 9),
        ("أكتوبر", 10),
        ("نوفمبر", 11),
        ("ديسمبر", 12),
        ("جانفي", 1),
        ("فيفري", 2),
        ("أفريل", 4),
        ("ماي", 5),
        ("جوان", 6),
        ("جويلية", 7),
        ("أوت", 8),
    ],
)
def test_every_month_name_resolves_in_a_full_date(name, num):
    m = only(f"وقع الانفجار في 7 {name} 2021 قرب السوق")
    assert m.date == date(2021, num, 7)
    assert m.precision == "day" and m.rule == "absolute"


def test_month_table_is_keyed_on_normalised_forms():
    assert all(k == normalize(k) for k in MONTHS)
    assert MONTHS[normalize("آذار")] == 3 and MONTHS[normalize("كانون الثاني")] == 1


# ---------------------------------------------------------------- absolute dates


def test_levantine_full_date_keeps_offsets_into_given_string():
    text = normalize("وقتل جنديان في هجوم يوم 18 كانون الأول 2022 شمالي بغداد")
    [m] = find_dates(text, PUB)
    assert m.date == date(2022, 12, 18)
    assert text[m.start : m.end] == m.text
    assert "18 كانون الاول 2022" in m.text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("شنت الطائرات غارات في 3 آب/أغسطس 2021 على مواقع التنظيم", date(2021, 8, 3)),
        ("أعلنت الوزارة في 14 أيار/ مايو 2020 عن انتهاء العملية", date(2020, 5, 14)),
        ("اندلعت الاشتباكات في 9 آذار (مارس) 2019 داخل المخيم", date(2019, 3, 9)),
        ("وفي 2 مارس/آذار 2018 سقطت قذائف على الحي", date(2018, 3, 2)),
        ("وقع الهجوم في 21 أكتوبر/تشرين الأول 2016 جنوب الموصل", date(2016, 10, 21)),
    ],
)
def test_paired_month_forms(text, expected):
    m = only(text)
    assert m.date == expected and m.rule == "absolute"


def test_arabic_indic_digits_raw_and_normalised():
    raw = "قُتل ثلاثة مدنيين في ١٢ شباط ٢٠٢٠ بقصف على ريف إدلب"
    assert only(raw).date == date(2020, 2, 12)
    # un-normalised input (hamza on the month, Arabic-Indic digits) works too
    [m] = find_dates("وقعت المجزرة في ٥ أيار ٢٠١٥ في القرية", PUB)
    assert m.date == date(2015, 5, 5)


@pytest.mark.parametrize(
    "raw",
    [
        "قتل جنديان في 18 كانون الأول 2022 شمالي بغداد",
        "وقعت المجزرة يوم ٥ من شهر أيار ٢٠١٥ في القرية",
        "شنت الطائرات غارات في أواخر آذار الماضي",
        "وأعلن العراق النصر على التنظيم عام 2017",
        "قتل مدني اليوم الثلاثاء وأصيب آخر الليلة",
        "هاجم مسلحون القرية أمس الأول، وفي البارحة سقطت قذيفة",
        "وقع الهجوم قبل ثلاثة أيام",
        "اندلعت الاشتباكات ليلة الخميس على الجمعة",
        "سقطت قذائف مساء يوم الأربعاء الماضي",
        "يوم 18 من الشهر الجاري",
        "خلال الأسبوع الماضي وفي هذه السنة",
    ],
)
def test_unnormalised_spellings_find_what_normalised_text_finds(raw):
    """The key-word checks that skip patterns fold hamza/ة/ى like the patterns do (same lengths)."""
    norm = normalize(raw)
    assert len(norm) == len(raw)
    found = [(m.start, m.end, m.date, m.rule) for m in find_dates(raw, PUB)]
    assert found and found == [(m.start, m.end, m.date, m.rule) for m in find_dates(norm, PUB)]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("نشرت الوكالة البيان بتاريخ 2021-08-03 مساء", date(2021, 8, 3)),
        ("ووثّق المرصد الحادثة بتاريخ 03/08/2021 في دير الزور", date(2021, 8, 3)),
        ("بتاريخ 25-12-2019 اعتقلت الدورية شخصين", date(2019, 12, 25)),
        ("بتاريخ ٢٠٢٠/٠٦/١٥ أفاد مصدر محلي", date(2020, 6, 15)),
    ],
)
def test_numeric_dates_are_day_month_year(text, expected):
    m = only(text)
    assert m.date == expected and m.precision == "day"


def test_invalid_numeric_date_is_ignored():
    assert dates_in("رقم القرار 45/13/2021 صدر أمس", None) == []


def test_yearless_date_takes_most_recent_not_after_publication():
    m = only("استهدفت مسيّرة سيارة في 14 أيار قرب القامشلي", date(2023, 6, 1))
    assert m.date == date(2023, 5, 14) and m.rule == "absolute_no_year"
    m = only("استهدفت مسيّرة سيارة في 14 أيار قرب القامشلي", date(2023, 2, 1))
    assert m.date == date(2022, 5, 14)


def test_yearless_date_is_skipped_without_publication_date():
    assert dates_in("استهدفت مسيّرة سيارة في 14 أيار قرب القامشلي", None) == []
    assert dates_in("وقع الهجوم 18 كانون الأول الجاري", None) == []


def test_weekday_prefixed_date_is_one_match():
    m = only("ونفذت المقاتلات، يوم الأحد، 14 أيار/ مايو، غارات على مواقع التنظيم", date(2023, 5, 20))
    assert m.date == date(2023, 5, 14) and "الاحد" in m.text
    m = only("أعلنت القيادة الخميس 14 أيار مقتل قيادي بارز", date(2023, 5, 20))
    assert m.date == date(2023, 5, 14)


def test_current_month_qualifier():
    m = only("تعرضت دورية للشرطة يوم 18 كانون الأول الجاري لكمين", date(2022, 12, 21))
    assert m.date == date(2022, 12, 18) and m.rule == "current_month"


@pytest.mark.parametrize("qual", ["الماضي", "الفائت", "المنصرم"])
def test_past_month_qualifier(qual):
    m = only(f"وفي 20 تشرين الثاني {qual} قصفت المدفعية قرى حدودية", date(2022, 12, 21))
    assert m.date == date(2022, 11, 20) and m.rule == "past_month"
    # in January the "last November" is in the previous year
    m = only(f"وفي 20 تشرين الثاني {qual} قصفت المدفعية قرى حدودية", date(2023, 1, 10))
    assert m.date == date(2022, 11, 20)


def test_explicit_date_wins_over_yesterday():
    text = "وقال المتحدث في مؤتمر صحفي عقد أمس الثلاثاء (20 كانون الأول 2022) إن القوات تتقدم"
    m = only(text, date(2022, 12, 21))
    assert m.date == date(2022, 12, 20) and m.rule == "absolute"
    assert m.text.startswith("امس")


# ---------------------------------------------------------------- month precision


def test_month_with_year():
    m = only("وتراجعت الهجمات منذ دحر التنظيم في آذار 2019 بشكل كبير")
    assert (m.date, m.precision, m.rule) == (date(2019, 3, 1), "month", "month")
    assert m.text.startswith("اذار")


@pytest.mark.parametrize(
    "mod,day",
    [
        ("بداية", 1),
        ("مطلع", 1),
        ("أوائل", 1),
        ("منتصف", 15),
        ("أواسط", 15),
        ("أواخر", 25),
        ("نهاية", 25),
    ],
)
def test_month_part_modifiers_with_past_qualifier(mod, day):
    m = only(f"وأعلنت قيادة العمليات، {mod} مارس/آذار الفائت، انسحاب القوات", date(2023, 5, 2))
    assert m.date == date(2023, 3, day) and m.precision == "month"
    # "March last" said in February means the previous year's March
    m = only(f"وأعلنت قيادة العمليات، {mod} مارس/آذار الفائت، انسحاب القوات", date(2023, 2, 2))
    assert m.date == date(2022, 3, day)


def test_bare_month_needs_context_and_publication():
    m = only("وشهدت المدينة خلال شباط موجة اغتيالات", date(2023, 5, 2))
    assert m.date == date(2023, 2, 1) and m.rule == "month_no_year"
    assert dates_in("وشهدت المدينة خلال شباط موجة اغتيالات", None) == []


def test_ambiguous_month_word_alone_is_not_a_date():
    # "أب" (father) normalises like the month "آب"
    assert dates_in("قتل أب وابنه في قصف على المخيم", PUB) == []
    assert dates_in("وفي أب قتل رجلان", PUB) == []
    assert only("خلال آب/أغسطس الماضي", PUB).date == date(2022, 8, 1)


@pytest.mark.parametrize(
    "text,expected,rule",
    [
        ("وارتفعت حصيلة الضحايا الشهر الماضي", date(2023, 2, 1), "last_month"),
        ("ونفذ الجيش ثلاث عمليات إنزال الشهر الجاري", date(2023, 3, 1), "this_month"),
        ("وتصاعدت الهجمات منذ مطلع الشهر الحالي", date(2023, 3, 1), "this_month"),
        ("وقتل العشرات منتصف الشهر المنصرم", date(2023, 2, 15), "last_month"),
    ],
)
def test_relative_month(text, expected, rule):
    m = only(text)
    assert (m.date, m.precision, m.rule) == (expected, "month", rule)


@pytest.mark.parametrize(
    "text,expected,rule",
    [
        ("وكانت قوة قد تعرضت يوم 18 من الشهر الجاري لهجوم", date(2023, 3, 18), "day_of_this_month"),
        ("وفي الـ٢٠ من الشهر الماضي قتل مختار القرية", date(2023, 2, 20), "day_of_last_month"),
        ("اعتقل في 31 الشهر الماضي", None, None),  # 31 February does not exist
    ],
)
def test_day_of_relative_month(text, expected, rule):
    found = dates_in(text)
    if expected is None:
        assert all(m.precision != "day" for m in found)
    else:
        [m] = found
        assert (m.date, m.precision, m.rule) == (expected, "day", rule)
    assert all(m.precision != "day" for m in dates_in(text, None))


def test_last_month_across_year_boundary():
    assert only("وقع الهجوم الشهر الماضي", date(2023, 1, 5)).date == date(2022, 12, 1)


# ---------------------------------------------------------------- year precision


@pytest.mark.parametrize(
    "text,expected",
    [
        ("وأعلن العراق النصر على التنظيم عام 2017", date(2017, 1, 1)),
        ("بعد سيطرة المسلحين على المدينة في 2014 نزح الآلاف", date(2014, 1, 1)),
        ("وأعلنت الحكومة أواخر 2017 انتهاء العمليات", date(2017, 11, 1)),
        ("منذ العام ٢٠١١ قتل مئات الآلاف", date(2011, 1, 1)),
    ],
)
def test_year_precision(text, expected):
    m = only(text)
    assert m.date == expected and m.precision == "year"


def test_relative_years():
    assert only("وتضاعفت الهجمات العام الماضي").date == date(2022, 1, 1)
    assert only("ونفذت القوات 40 عملية منذ مطلع العام الجاري").date == date(2023, 1, 1)


def test_number_that_is_not_a_year():
    assert dates_in("وصل في 2500 عنصر إلى القاعدة", None) == []
    assert dates_in("نشرت الوزارة في 1500 موقع نقاط تفتيش", None) == []


def test_general_adjective_is_not_this_year():
    assert dates_in("وقال المدير العام الحالي للشركة إن الوضع مستقر") == []
    assert dates_in("دعا المدعي العام الحالي إلى التحقيق") == []


# ---------------------------------------------------------------- relative days


@pytest.mark.parametrize("expr", ["اليوم", "صباح اليوم", "ظهر اليوم", "مساء اليوم", "فجر اليوم"])
def test_today_forms(expr):
    m = only(f"وأفاد مصدر أمني أن انفجاراً هز المدينة {expr} دون وقوع إصابات")
    assert m.date == PUB and m.rule == "today"


def test_today_ordinal_is_not_today():
    assert dates_in("واستمرت المعارك لليوم الثالث على التوالي") == []
    assert dates_in("وفي اليوم الثاني من الهجوم انسحبت القوات") == []
    assert dates_in("وعادت الاشتباكات في اليوم التالي") == []


@pytest.mark.parametrize(
    "expr", ["أمس", "يوم أمس", "البارحة", "ليل أمس", "ليلة أمس", "مساء أمس", "فجر أمس", "الليلة الماضية"]
)
def test_yesterday_forms(expr):
    m = only(f"وأكد المرصد مقتل عنصرين {expr} بانفجار لغم")
    assert m.date == PUB - timedelta(days=1) and m.rule == "yesterday"


def test_yesterday_with_conjunction_and_weekday():
    m = only("وأمس الأربعاء، أعلنت السلطات حظر التجوال")
    assert m.date == date(2023, 3, 8) and "الاربعاء" in m.text


@pytest.mark.parametrize("expr", ["أول أمس", "أول من أمس", "أمس الأول"])
def test_day_before_yesterday(expr):
    m = only(f"وكانت خلية نائمة قد هاجمت نقطة تفتيش {expr} في الطارمية")
    assert m.date == PUB - timedelta(days=2)


@pytest.mark.parametrize(
    "expr,days",
    [
        ("قبل يومين", 2),
        ("قبل ثلاثة أيام", 3),
        ("قبل أربعة أيام", 4),
        ("قبل خمسة أيام", 5),
        ("قبل 6 أيام", 6),
        ("قبل ٧ أيام", 7),
        ("قبل عشرة أيام", 10),
        ("منذ يومين", 2),
    ],
)
def test_days_ago(expr, days):
    m = only(f"وعثر الأهالي على الجثث {expr} في بستان")
    assert m.date == PUB - timedelta(days=days) and m.rule == "days_ago"


def test_days_before_an_event_is_not_relative_to_publication():
    assert dates_in("وقعت الاغتيالات قبل يومين من الانتخابات") == []


def test_week_relative():
    m = only("وقتل الأسبوع الماضي أربعة رعاة في البادية")
    assert (m.date, m.precision, m.rule) == (PUB - timedelta(days=7), "week", "last_week")
    m = only("ووقع الانفجار قبل أسبوعين")
    assert (m.date, m.precision) == (PUB - timedelta(days=14), "week")


@pytest.mark.parametrize(
    "expr,expected",
    [
        ("يوم الخميس", PUB),  # the publication's own weekday
        ("الخميس الماضي", PUB - timedelta(7)),  # ... unless qualified
        ("فجر الجمعة", date(2023, 3, 3)),
        ("مساء السبت", date(2023, 3, 4)),
        ("يوم الإثنين", date(2023, 3, 6)),
        ("الاثنين", date(2023, 3, 6)),
        ("الأربعاء الفائت", date(2023, 3, 8)),
        ("صباح الأحد", date(2023, 3, 5)),
        ("ظهر الثلاثاء", date(2023, 3, 7)),
    ],
)
def test_weekdays(expr, expected):
    m = only(f"وشنت خلايا التنظيم هجوماً {expr} على مقر للجيش")
    assert m.date == expected and m.rule == "weekday"


def test_eleven_is_not_sunday():
    assert dates_in("وأصيب الأحد عشر عنصراً بجروح") == []


@pytest.mark.parametrize("expr", ["ليل الخميس الجمعة", "ليلة الخميس على الجمعة", "ليل الخميس - الجمعة"])
def test_night_of(expr):
    # the night from Thursday to Friday: what happened in it is reported on the Friday
    m = only(f"وهاجم مسلحون السجن {expr} في الحسكة", date(2023, 3, 11))
    assert m.date == date(2023, 3, 10) and m.rule == "night_of"


def test_a_night_before_midnight_is_its_first_day():
    m = only("وقع الهجوم قبيل منتصف ليل الخميس الجمعة في الحسكة", date(2023, 3, 11))
    assert m.date == date(2023, 3, 9) and m.rule == "night_of_before_midnight"


def test_relative_expressions_need_publication_date():
    text = "وقتل جندي أمس وأصيب آخر اليوم بينما قصفت الطائرات الجمعة والأسبوع الماضي"
    assert dates_in(text, None) == []
    assert {m.rule for m in dates_in(text)} >= {"yesterday", "today", "weekday", "last_week"}


def test_several_dates_in_order_non_overlapping():
    text = normalize("قتل جنديان أمس، بعد هجوم مماثل في 3 آب 2021 ومعارك عام 2017 والشهر الماضي")
    found = find_dates(text, PUB)
    assert [m.rule for m in found] == ["yesterday", "absolute", "year", "last_month"]
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))
    assert all(text[m.start : m.end] == m.text for m in found)


def test_infer_year():
    assert infer_year(12, 30, date(2023, 1, 2)) == date(2022, 12, 30)
    assert infer_year(1, 1, date(2023, 1, 2)) == date(2023, 1, 1)
    assert infer_year(2, 29, date(2023, 3, 1)) == date(2020, 2, 29)


# ---------------------------------------------------------------- publication date


def test_publication_from_yesterday_anchor_with_explicit_date():
    text = (
        "• Monday, 3 June 2024\n\nالسليمانية\n\n"
        "وقالت وزارة الداخلية في بيان أصدرته أمس الأحد (5 آذار 2023) إن دورية تعرضت لهجوم."
    )
    pd = detect_publication_date(text)
    assert pd.date == date(2023, 3, 6) and pd.source == "text_relative"
    assert "5 آذار 2023" in pd.evidence


def test_publication_from_today_anchor():
    pd = detect_publication_date("أعلنت خلية الإعلام الأمني اليوم الأحد 5 آذار 2023 مقتل إرهابيين.")
    assert (pd.date, pd.source) == (date(2023, 3, 5), "text_relative")


def test_publication_anchor_with_wrong_weekday_is_ignored():
    # 5 March 2023 was a Sunday, not a Friday
    pd = detect_publication_date("وأعلنت الوزارة أمس الجمعة (5 آذار 2023) حصيلة جديدة.")
    assert pd.date is None and pd.source == "unknown"


def test_publication_from_dateline_arabic_month():
    text = "عنوان الخبر عن هجوم في ديالى\n\n12 تموز 2022\n\nقتل ثلاثة أشخاص بهجوم مسلح أمس."
    pd = detect_publication_date(text)
    assert (pd.date, pd.source) == (date(2022, 7, 12), "text_dateline")


def test_publication_from_labelled_line_with_time():
    text = "هجوم على نقطة تفتيش\n" + "فقرة.\n" * 30 + "نُشر في: الثلاثاء 12 تموز 2022 - 10:45\n"
    pd = detect_publication_date(text)
    assert (pd.date, pd.source) == (date(2022, 7, 12), "text_dateline")
    assert detect_publication_date("Published: 2022-07-12 10:45\nنص الخبر.").date == date(2022, 7, 12)


def test_labelled_publication_beats_last_update():
    text = "آخر تحديث: 14 تموز 2022\nتاريخ النشر: 12 تموز 2022\nنص الخبر هنا."
    assert detect_publication_date(text).date == date(2022, 7, 12)


@pytest.mark.parametrize(
    "header",
    [
        "Erbil 15°C الخميس 25 نيسان 11:15",  # page clock with weather, no year
        "دمشق 22° الأحد 12 أيار 2024 09:30",  # page clock even with a year
        "• Sunday, 30 June 2024",  # Latin banner
        "الخميس 25 نيسان",  # no year
        "الاثنين 13 آذار 2023 | 14:20",  # unlabelled clock
    ],
)
def test_page_clocks_and_banners_are_not_publication_dates(header):
    pd = detect_publication_date(f"{header}\n\nعنوان\n\nقتل ثلاثة أشخاص بهجوم مسلح.")
    assert pd.date is None and pd.source == "unknown" and pd.evidence is None


def test_dateline_weekday_must_agree():
    assert detect_publication_date("الجمعة 5 آذار 2023\nنص.").date is None
    assert detect_publication_date("الأحد 5 آذار 2023\nنص.").date == date(2023, 3, 5)


def test_future_dates_are_rejected():
    assert detect_publication_date("12 تموز 2099\nنص الخبر.").date is None
    assert detect_publication_date("12 تموز 2022\nنص.", today=date(2022, 7, 1)).date is None


def test_relative_beats_dateline():
    text = "1 أيار 2023\nقالت الشرطة أمس الإثنين (8 أيار 2023) إن مسلحين هاجموا قرية."
    assert detect_publication_date(text).date == date(2023, 5, 9)


def test_dateline_deep_in_text_is_not_used_unless_labelled():
    text = "\n".join(["سطر من الخبر رقم %d." % i for i in range(20)] + ["12 تموز 2022"])
    assert detect_publication_date(text).source == "unknown"


def test_is_date_only_line():
    assert is_date_only_line("03 اغسطس 2021")
    assert is_date_only_line("Erbil 15°C الخميس 25 نيسان 11:15")
    assert not is_date_only_line("قتل جنديان في 3 آب 2021 بهجوم")
    assert not is_date_only_line("قوات الأمن تعتقل خلية في كركوك")


# ---------------------------------------------------------------- bundled demo corpus


def _seed(prefix: str) -> str:
    [path] = SEEDS.glob(prefix + "*.txt")
    return path.read_text(encoding="utf-8")


@pytest.mark.skipif(not SEEDS.exists(), reason="demo corpus not present")
def test_demo_corpus_publication_dates():
    pd0 = detect_publication_date(_seed("000_"))
    assert (pd0.date, pd0.source) == (date(2022, 12, 21), "text_relative")
    pd1 = detect_publication_date(_seed("001_"))
    assert pd1.date is None  # its only date header is a page clock
    pd4 = detect_publication_date(_seed("004_"))
    assert (pd4.date, pd4.source) == (date(2021, 8, 3), "text_dateline")


@pytest.mark.parametrize(
    "text",
    [
        "قانون مكافحة الإرهاب لعام 2005 ما زال ساريا",
        "ارتفع عدد ضحايا الإرهاب 2019 إلى مستوى قياسي",
        "وأدان البيان هجمات الإرهاب الماضية",
    ],
)
def test_a_month_name_inside_a_word_is_not_a_month(text):
    # "اب" (August) ends الإرهاب; only a whole word (or one after و/ف/ب/ل) is a month
    assert not any(d.precision == "month" for d in find_dates(normalize(text), PUB))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("وفي آب 2015 سيطر التنظيم على البلدة", date(2015, 8, 1)),
        ("بحلول آب 2016 انسحبت القوات", date(2016, 8, 1)),
        ("اعتقل في آب الماضي", date(2022, 8, 1)),
    ],
)
def test_august_with_a_proclitic_or_context_word_is_still_found(text, expected):
    assert [d.date for d in find_dates(normalize(text), PUB) if d.precision == "month"] == [expected]
