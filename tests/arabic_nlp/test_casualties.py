"""Casualty mentions in sentences written like Iraqi and Syrian newswire."""

import pytest

from orchestration.arabic_nlp.casualties import CasualtyParser, load_victim_nouns
from orchestration.arabic_nlp.extractor import default_seeds_dir
from orchestration.arabic_nlp.lexicon import Lexicon
from orchestration.arabic_nlp.normalize import normalize


@pytest.fixture(scope="module")
def parser():
    lexicon = Lexicon.load(default_seeds_dir())
    return CasualtyParser(
        load_victim_nouns(default_seeds_dir() / "victim_nouns.csv"), lexicon.casualty_terms, lexicon.find_actors
    )


def figures(parser, sentence, country="Iraq"):
    return [(m.kind, m.count) for m in parser.parse(normalize(sentence), country) if not m.subset]


@pytest.mark.parametrize(
    "sentence,expected",
    [
        ("قُتل ١٣ مدنياً بقصف مدفعي على قرية في ريف إدلب", [("killed", 13)]),
        ("أسفر الانفجار عن مقتل خمسة أشخاص وإصابة سبعة آخرين", [("killed", 5), ("wounded", 7)]),
        ("استشهد ثلاثة جنود وأصيب اثنان بجروح", [("killed", 3), ("wounded", 2)]),
        ("أعلنت خلية الإعلام الأمني مقتل عنصرين من الحشد الشعبي", [("killed", 2)]),
        ("وأسفر الهجوم عن مقتل جنديين", [("killed", 2)]),
        ("ما أدى إلى إصابة شرطيين", [("wounded", 2)]),
        ("قتل شرطي وأصيب آخر بهجوم مسلح", [("killed", 1), ("wounded", 1)]),
        ("أودى الهجوم بحياة أحد عشر مقاتلاً", [("killed", 11)]),
        ("وأسفر القصف عن سقوط 17 قتيلاً و40 جريحاً", [("killed", 17), ("wounded", 40)]),
        ("ثلاثة عناصر من الشرطة لقوا حتفهم بانفجار عبوة ناسفة", [("killed", 3)]),
        ("أسفر عن مقتل ما لا يقل عن 20 شخصاً", [("killed", 20)]),
        ("مقتل طفل وإصابة امرأتين بقذيفة هاون", [("killed", 1), ("wounded", 2)]),
    ],
)
def test_counts(parser, sentence, expected):
    assert figures(parser, sentence) == expected


def test_vague_amounts_leave_the_count_unknown(parser):
    mentions = parser.parse(normalize("وأسفر التفجير عن سقوط عدد من الجرحى بين المدنيين"), "Iraq")
    assert [(m.kind, m.count) for m in mentions] == [("wounded", None)]
    assert mentions[0].vague_text


def test_plural_noun_without_number_is_unknown(parser):
    mentions = parser.parse(normalize("وأدى القصف إلى مقتل مدنيين في البلدة"), "Syria")
    assert [(m.kind, m.count) for m in mentions] == [("killed", None)]


def test_killed_and_wounded_together_is_unknown_for_each(parser):
    mentions = parser.parse(normalize("سقط 15 بين قتيل وجريح بتفجير سيارة مفخخة"), "Iraq")
    assert all(m.count is None for m in mentions)
    mentions = parser.parse(normalize("أسفر عن مقتل وإصابة سبعة أشخاص"), "Iraq")
    assert [(m.kind, m.count) for m in mentions] == [("killed", None), ("wounded", None)]


def test_breakdown_shares_are_marked_as_part_of_the_total(parser):
    mentions = parser.parse(normalize("وأسفرت الغارات عن مقتل 40 شخصاً، 12 منهم مدنيون و28 من مقاتلي قسد"), "Syria")
    assert [(m.count, m.subset, m.group) for m in mentions] == [
        (40, False, None),
        (12, True, "civilians"),
        (28, True, "sdf"),
    ]


def test_a_list_of_sides_adds_up(parser):
    mentions = parser.parse(
        normalize("وأدت المعارك إلى مقتل 9 عناصر من قوات سوريا الديمقراطية و14 مسلحاً من داعش وثلاثة مدنيين"), "Syria"
    )
    assert [(m.count, m.group) for m in mentions] == [(9, "sdf"), (14, "isis"), (3, "civilians")]


def test_victims_named_after_the_count(parser):
    mentions = parser.parse(normalize("أسفر عن استشهاد 4 منتسبين في الشرطة الاتحادية"), "Iraq")
    assert mentions[0].group == "iq_federal_police"


def test_elided_noun_takes_its_neighbours_group(parser):
    mentions = parser.parse(normalize("ما تسبب بمقتل 3 وإصابة 5 من أفراد الجيش العراقي"), "Iraq")
    assert [(m.kind, m.count, m.group) for m in mentions] == [("killed", 3, "iq_army"), ("wounded", 5, "iq_army")]


def test_survival_and_no_casualties(parser):
    assert parser.survived(normalize("نجا قائممقام القضاء من محاولة اغتيال بعبوة لاصقة"))
    assert parser.no_casualties(normalize("انفجرت عبوة ناسفة على الطريق دون وقوع إصابات"))
    assert parser.no_casualties(normalize("سقطت ثلاثة صواريخ قرب القاعدة ولم تسفر عن خسائر بشرية"))
    assert not parser.no_casualties(normalize("أسفر الهجوم عن إصابات بين المدنيين"))


def test_numbers_that_are_not_casualties(parser):
    assert parser.parse(normalize("يضم التحالف نحو 80 دولة وشارك 300 جندي في التدريبات"), "Iraq") == []
    assert parser.parse(normalize("وصلت 12 شاحنة محملة بالمساعدات إلى المخيم"), "Syria") == []


def test_a_range_counts_its_lower_bound(parser):
    mentions = parser.parse(normalize("أسفر التفجير عن سقوط ما بين 12 و15 قتيلاً"), "Syria")
    assert [(m.kind, m.count, m.rule) for m in mentions] == [("killed", 12, "range_low")]


def test_regular_dual_not_listed_in_the_lexicon(parser):
    mentions = parser.parse(normalize("أصيب منتسبان في الشرطة الاتحادية بانفجار عبوة"), "Iraq")
    assert [(m.kind, m.count, m.group) for m in mentions] == [("wounded", 2, "iq_federal_police")]


def test_number_after_its_plural_noun(parser):
    mentions = parser.parse(normalize("أسفر الهجوم عن مقتل مدنيين اثنين"), "Iraq")
    assert [(m.kind, m.count, m.group) for m in mentions] == [("killed", 2, "civilians")]


def test_the_quick_filter_knows_every_casualty_word(parser):
    terms = parser.terms
    words = [w for role, table in terms.by_role.items() if role != "life_verb" for ws in table.values() for w in ws]
    assert words and [w for w in words if not terms.may_hold_term(w)] == []
    assert [w for w in words if not terms.may_hold_term("و" + w)] == []
    assert not terms.may_hold_term("استهداف مقر القضاء في المدينة")


def test_coordinated_victims_add_up(parser):
    mentions = parser.parse(normalize("قتل ضابط برتبة ملازم وجنديان بانفجار عبوة ناسفة"), "Iraq")
    assert [(m.kind, m.count) for m in mentions] == [("killed", 1), ("killed", 2)]


def test_a_pronoun_on_the_trigger_is_one_victim(parser):
    mentions = parser.parse(normalize("استهدفت مسيرة سيارة مسؤول محلي ما أدى إلى مقتله على الفور"), "Iraq")
    assert [(m.kind, m.count, m.rule) for m in mentions] == [("killed", 1, "pronoun_singular")]


def test_others_after_the_dead_are_not_more_wounded(parser):
    mentions = parser.parse(normalize("أسفر عن مقتل 8 أشخاص وإصابة 20 آخرين"), "Iraq")
    assert [(m.kind, m.count, m.additive) for m in mentions] == [("killed", 8, False), ("wounded", 20, False)]
    mentions = parser.parse(normalize("أصيب شرطي بجروح وأصيب آخر بشظايا"), "Iraq")
    assert [(m.kind, m.count, m.additive) for m in mentions] == [("wounded", 1, False), ("wounded", 1, True)]


def test_a_dual_after_a_toll_is_its_own_count(parser):
    mentions = parser.parse(normalize("ارتفعت الحصيلة إلى أربعة قتلى وجريحين من الجنود"), "Iraq")
    assert [(m.kind, m.count) for m in mentions] == [("killed", 4), ("wounded", 2)]


def test_military_statement_verbs_for_killing(parser):
    assert [
        (m.kind, m.count)
        for m in parser.parse(
            normalize("أعلنت القيادة العامة للجيش القضاء على 12 إرهابياً في ريف حماة الشمالي"), "Syria"
        )
    ] == [("killed", 12)]
    assert [
        (m.kind, m.count) for m in parser.parse(normalize("هلاك أربعة من عناصر داعش بضربة جوية في وادي الشاي"), "Iraq")
    ] == [("killed", 4)]
    assert parser.parse(normalize("وصل المحافظ إلى قضاء علي الغربي لتفقد المشاريع"), "Iraq") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "انفجرت العبوة دون وقوع إصابات",
        "سقطت القذيفة بدون خسائر بشرية",
        "من دون تسجيل أية ضحايا",
        "الهجوم لم يسفر عن وقوع أي إصابات",
        "ولم تؤد إلى سقوط قتلى",
        "ولا ضحايا في صفوف المدنيين",
    ],
)
def test_no_casualties_in_every_wording(sentence):
    assert CasualtyParser.no_casualties(normalize(sentence))


@pytest.mark.parametrize(
    "sentence",
    ["نجا المحافظ من محاولة اغتيال", "ونجت الدورية", "نجاة قائد الشرطة من التفجير", "أعلن عن نجاة مدير الناحية"],
)
def test_survived_in_every_wording(sentence):
    assert CasualtyParser.survived(normalize(sentence))
