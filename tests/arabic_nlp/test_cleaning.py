"""Unit tests for orchestration.arabic_nlp.cleaning (synthetic pages in newswire style)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.arabic_nlp.cleaning import CleanedArticle, clean_article

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "articles"

BODY = [
    "أفاد مصدر أمني في محافظة ديالى، اليوم الأحد، بمقتل ثلاثة عناصر من الحشد الشعبي وإصابة اثنين آخرين بهجوم لمسلحين على نقطة مراقبة في قضاء المقدادية.",
    "وقال المصدر إن المهاجمين استخدموا أسلحة قناصة وانسحبوا إلى منطقة بساتين قريبة، مبيناً أن قوة أمنية طوقت المكان وبدأت عمليات تفتيش.",
    "وتشهد المناطق الزراعية شمال شرقي ديالى هجمات متكررة تنسب إلى خلايا تنظيم داعش.",
]


def page(*lines: str) -> str:
    return "\n\n".join(lines)


def reasons(result: CleanedArticle) -> dict[str, str]:
    return dict(result.removed)


def assert_body_kept(result: CleanedArticle, body=BODY):
    kept = result.text.split("\n")
    for sentence in body:
        assert sentence in kept


def test_plain_article_is_untouched():
    r = clean_article(page(*BODY))
    assert r.text == "\n".join(BODY)
    assert r.n_lines_removed == 0 and r.removed == []


def test_related_heading_cuts_everything_after_it():
    other = "قال وزير الخارجية التركي إن بلاده ستواصل عملياتها ضد حزب العمال في شمال العراق حتى تحقيق أهدافها."
    for heading in [
        "اقرأ أيضاً:",
        "إقرأ أيضا",
        "مقالات مشابهة",
        "مواضيع ذات صلة",
        "أخبار ذات صلة",
        "الأكثر قراءة",
        "التعليقات",
        "التعليقات (4)",
        "شاهد أيضاً",
        "المزيد من أخبار العراق",
    ]:
        r = clean_article(page(*BODY, heading, "عنوان خبر آخر عن تركيا", other))
        assert r.text == "\n".join(BODY), heading
        why = reasons(r)
        assert why[heading] == "related_heading"
        assert why[other] == "after_related"
        assert r.n_lines_removed == 3


def test_teaser_line_is_dropped_alone():
    teaser = "اقرأ المزيد: الحشد الشعبي يعلن إحباط تسلل في صحراء الأنبار"
    r = clean_article(page(BODY[0], teaser, BODY[1], "شاهد أيضاً: مشاهد من موقع الانفجار في الرمادي", BODY[2]))
    assert r.text == "\n".join(BODY)
    assert reasons(r)[teaser] == "teaser"


def test_related_heading_before_any_body_drops_only_the_list():
    r = clean_article(page("الأكثر قراءة", "• انفجار في سوق شعبي", "مقتل راعٍ بلغم أرضي في البادية", *BODY))
    assert r.text == "\n".join(BODY)


def test_repeated_headline_keeps_first_occurrence():
    head = "مقتل ثلاثة من الحشد بهجوم على نقطة مراقبة في ديالى"
    r = clean_article(page(head, head, BODY[0], head, BODY[1], BODY[2]))
    assert r.text.split("\n") == [head, *BODY]
    assert [reason for _, reason in r.removed] == ["duplicate", "duplicate"]


def test_duplicate_comparison_is_on_normalised_text():
    r = clean_article(page("هجوم على نقطة مراقبة في ديالى", "هجومٌ على نقطة مراقبة في ديالى", *BODY))
    assert r.text.split("\n")[0] == "هجوم على نقطة مراقبة في ديالى"
    assert r.removed == [("هجومٌ على نقطة مراقبة في ديالى", "duplicate")]


def test_title_is_not_repeated_at_the_top():
    title = "مقتل ثلاثة من الحشد بهجوم على نقطة مراقبة في ديالى"
    r = clean_article(page(title, *BODY), title=title)
    assert r.text == "\n".join(BODY)
    assert r.removed == [(title, "title")]
    # "headline | site" titles also match the bare headline
    r = clean_article(page(title, *BODY), title=title + " | شفق نيوز")
    assert r.text == "\n".join(BODY)


@pytest.mark.parametrize(
    "line,reason",
    [
        ("logo", "no_arabic"),
        ("Top", "no_arabic"),
        ("Rudaw TV", "no_arabic"),
        ("• Tuesday, 14 March 2023", "no_arabic"),
        ("السليمانية 12°C الثلاثاء 14 آذار 09:40", "dateline_or_clock"),
        ("الثلاثاء 14 آذار 2023", "dateline_or_clock"),
        ("١٤ مارس ٢٠٢٣", "dateline_or_clock"),
        ("+ الخط -", "widget"),
        ("شارك الخبر", "widget"),
        ("فيسبوك تويتر واتساب", "widget"),
        ("لا توجد تعليقات بعد، كن أول من يعلق", "prompt"),
        ("أضف تعليقك", "prompt"),
        ("اشترك في النشرة البريدية ليصلك كل جديد", "prompt"),
        ("هل ترغب في تلقي إشعارات بآخر الأخبار؟", "prompt"),
        ("كلمات دلالية: ديالى الحشد الشعبي داعش", "tags"),
        ("الكلمات المفتاحية: سوريا، درعا، اغتيال", "tags"),
        ("المصدر: وكالات", "source"),
        ("المصدر: عنب بلدي", "source"),
        ("• انفجار عبوة ناسفة في الطارمية", "bullet_headline"),
        ("- الجيش السوري يستعيد قرى في ريف حماة", "bullet_headline"),
        ("بقلم: أحمد الربيعي", "byline"),
        ("كتب: سامر العلي", "byline"),
        ("السومرية نيوز - بغداد", "byline"),
        ("عناصر من قوات الأمن العراقية في الموصل (AFP)", "caption"),
        ("دورية للجيش على الحدود السورية (Getty)", "caption"),
        ("آثار القصف على بلدة سرمين (فرانس برس)", "caption"),
        ("صورة أرشيفية لمقاتلين في دير الزور (أرشيف)", "caption"),
        ("شفق نيوز", "short_line"),
        ("أخبار العراق", "short_line"),
    ],
)
def test_boilerplate_line_kinds(line, reason):
    r = clean_article(page(BODY[0], line, BODY[1], BODY[2]))
    assert r.removed == [(line, reason)]
    assert r.text == "\n".join(BODY)


@pytest.mark.parametrize(
    "sentence",
    [
        "قتل جنديان.",  # short but a sentence
        "وأضاف:",  # introduces a quote on the next line
        "- وقتل في الهجوم ثلاثة مدنيين بينهم طفل.",  # bullet that is a full sentence
        "وأشار المصدر إلى أن الهجوم وقع في 14 آذار 2023 قرب المقدادية.",  # contains a date
        "وقال مدير الناحية إن المسلحين فروا باتجاه البساتين (أ ف ب).",  # credit not a caption
        "وأوضح البيان أن المصدر: مستشفى بعقوبة العام، وأن الحصيلة مرشحة للارتفاع في الساعات المقبلة بسبب خطورة الإصابات.",
        'وأكد أن قوات الأمن ستواصل ملاحقة الخلايا، مضيفاً أن "الوضع تحت السيطرة"',
        "اشترك في الهجوم أكثر من عشرين مسلحاً يستقلون دراجات نارية.",
        "المزيد من القوات وصلت إلى المدينة لتعزيز الأمن.",
    ],
)
def test_real_sentences_survive(sentence):
    r = clean_article(page(BODY[0], sentence, BODY[1], BODY[2]))
    assert sentence in r.text.split("\n"), r.removed
    assert r.n_lines_removed == 0


def test_paragraph_breaks_and_counts():
    raw = "\n".join(["Zagros TV", "", BODY[0], "\xa0", "", BODY[1], "المصدر: رووداو", BODY[2], "Top"])
    r = clean_article(raw)
    assert r.text == "\n".join(BODY)
    assert r.n_lines_removed == 3 == len(r.removed)
    assert {reason for _, reason in r.removed} == {"no_arabic", "source"}


def test_every_removal_has_a_reason():
    raw = page("logo", "اقرأ أيضاً: خبر آخر عن الرمادي", *BODY, "كلمات دلالية: العراق", "الأكثر قراءة", "خبر")
    r = clean_article(raw)
    assert all(reason for _, reason in r.removed)
    assert r.n_lines_removed == len(r.removed) == 5


# ---------------------------------------------------------------- bundled demo corpus


def _seed(prefix: str) -> str:
    [path] = SEEDS.glob(prefix + "*.txt")
    return path.read_text(encoding="utf-8")


@pytest.mark.skipif(not SEEDS.exists(), reason="demo corpus not present")
def test_demo_corpus_related_cut_removes_second_article():
    raw = _seed("002_")
    r = clean_article(raw)
    assert "شينكر" in raw and "شينكر" not in r.text  # the unrelated article after "إقرأ أيضاً:"
    assert "رومانوفسكي" in r.text and "15 أبريل" in r.text  # the real article is intact
    assert "كلمات دلالية" not in r.text and "المصدر:" not in r.text


@pytest.mark.skipif(not SEEDS.exists(), reason="demo corpus not present")
def test_demo_corpus_headers_and_footers():
    r1 = clean_article(_seed("001_"))
    assert "11:15" not in r1.text and "Zagros" not in r1.text and "تعليقات" not in r1.text
    assert "ليل الخميس الجمعة سجن غويران" in r1.text
    r4 = clean_article(_seed("004_"))
    assert "Getty" not in r4.text and "الخط" not in r4.text and "03 اغسطس 2021" not in r4.text
    r3 = clean_article(_seed("003_"))
    assert r3.text.count("أمريكا ملتزمة بشركائها العراقيين والسوريين ضد الإرهاب") == 1


def test_an_article_in_another_language_keeps_its_text():
    raw = (
        "Home | World | Sports\n"
        "Three soldiers were killed in an attack near Kirkuk on Tuesday, officials said.\n"
        "The attack targeted a checkpoint south of the city."
    )
    cleaned = clean_article(raw)
    assert "Three soldiers were killed" in cleaned.text
    assert "The attack targeted a checkpoint" in cleaned.text
