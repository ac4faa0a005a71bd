"""One test per kind of newswire behaviour the extractor must handle (issue: extraction an analyst
would sign). Every sentence is written for these tests in the style of Iraqi and Syrian agencies
and local sites; none is taken from a scored or development article.
"""

import datetime as dt

import pytest

from orchestration.arabic_nlp.casualties import CasualtyParser
from orchestration.arabic_nlp.extractor import default_seeds_dir, extract_article
from orchestration.arabic_nlp.lexicon import Lexicon
from orchestration.arabic_nlp.normalize import normalize

PUBLISHED = dt.date(2024, 5, 9)  # a Thursday


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon.load(default_seeds_dir())


@pytest.fixture(scope="module")
def parser(lexicon):
    return CasualtyParser(lexicon.victim_nouns, lexicon.casualty_terms, lexicon.find_actors)


def run(lexicon, text, published=PUBLISHED):
    return extract_article(text, published, lexicon)


def admin1(lexicon, report):
    return lexicon.places[report.place_id]["admin1"] if report.place_id else None


def tolls(parser, sentence, country="Iraq"):
    return [(m.kind, m.count) for m in parser.parse(normalize(sentence), country) if not m.subset]


# 1. one incident told by the headline, the lead, the body and a quoted statement ---------------
def test_headline_lead_body_and_statement_are_one_report(lexicon):
    text = (
        "مقتل أربعة جنود بهجوم لداعش في كركوك\n"
        "قتل أربعة جنود من الجيش العراقي وأصيب اثنان آخران، فجر اليوم الخميس، بهجوم شنه مسلحو داعش على "
        "نقطة عسكرية قرب قرية البو محمد في قضاء الحويجة بمحافظة كركوك.\n"
        "وقالت خلية الإعلام الأمني في بيان إن الهجوم أسفر عن استشهاد أربعة من منتسبي الجيش وجرح اثنين.\n"
        "وأضاف مصدر أمني أن قوة من الجيش طاردت المهاجمين."
    )
    (report,) = run(lexicon, text)
    assert (report.killed, report.wounded) == (4, 2)
    assert admin1(lexicon, report) == "Kirkuk"


def test_a_statement_quoting_another_figure_is_an_alternative_not_an_addend(lexicon):
    text = (
        "قتل ثلاثة مدنيين بقصف مدفعي على بلدة في ريف إدلب الجنوبي اليوم الخميس.\n"
        "وقال الدفاع المدني إن القصف أودى بحياة خمسة مدنيين بينهم طفلان."
    )
    (report,) = run(lexicon, text)
    assert report.killed == 5


# 2. restated and updated tolls are alternatives; only an explicit breakdown adds up ----------------
def test_an_updated_toll_replaces_the_first(lexicon):
    text = (
        "قتل 6 من عناصر الحشد الشعبي بهجوم لداعش على موقع في قضاء الطارمية شمالي بغداد فجر اليوم.\n"
        "ثم ارتفع عدد القتلى إلى 8 بعد وفاة اثنين من الجرحى متأثرين بجروحهم.\n"
        "وأعلنت هيئة الحشد استشهاد 8 مقاتلين في الهجوم."
    )
    (report,) = run(lexicon, text)
    assert report.killed == 8


def test_the_latest_toll_wins_even_when_lower(lexicon):
    text = (
        "أسفر التفجير الانتحاري في سوق المدينة ببغداد اليوم عن مقتل 12 شخصاً وإصابة 40.\n"
        "وارتفعت حصيلة ضحايا التفجير إلى 15 قتيلاً و38 جريحاً بحسب وزارة الصحة."
    )
    (report,) = run(lexicon, text)
    assert (report.killed, report.wounded) == (15, 38)


@pytest.mark.parametrize(
    "sentence,killed",
    [
        ("قتل 11 شخصاً بانفجار سيارة مفخخة، 7 منهم مدنيون و4 من الجنود", 11),
        ("قتل 3 من الشرطة ومدني بهجوم مسلح على حاجز أمني", 4),
        ("قتل ضابط وثلاثة جنود بانفجار عبوة ناسفة", 4),
    ],
)
def test_an_explicit_breakdown_adds_up(parser, sentence, killed):
    assert sum(c for k, c in tolls(parser, sentence) if k == "killed") == killed


# 3. ways of saying killed ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sentence,expected",
    [
        ("خمسة جنود قتلوا بانفجار عبوة ناسفة على طريق ترابي", [("killed", 5)]),
        ("وأكد المصدر أن ثلاثة عناصر من الشرطة لقوا مصرعهم في الهجوم", [("killed", 3)]),
        ("ارتقى أربعة شهداء بقصف على البلدة", [("killed", 4)]),
        ("أودى الانفجار بحياة سبعة أشخاص", [("killed", 7)]),
        ("ما أسفر عن استشهاد ١٠ مدنيين", [("killed", 10)]),
        ("أسفر الهجوم عن مقتل الشخصين على الفور", [("killed", 2)]),
        ("وأعدم التنظيم خمسة رعاة في البادية", [("killed", 5)]),
        ("اغتال مسلحون مجهولون، شاباً في البلدة", [("killed", 1)]),
        ("قتل شاب وفتى بانفجار لغم", [("killed", 1), ("killed", 1)]),
    ],
)
def test_ways_of_saying_killed(parser, sentence, expected):
    assert tolls(parser, sentence, "Syria") == expected


def test_a_number_after_its_noun_and_a_dual_pronoun(parser):
    assert tolls(parser, "قتل مدنيين اثنين بقصف مدفعي") == [("killed", 2)]
    assert tolls(parser, "أطلق مسلحون النار على الشابين ما أسفر عن مقتلهما") == [("killed", 2)]


def test_an_assassination_attempt_kills_no_one(lexicon):
    text = "نجا مسؤول محلي من محاولة اغتيال بعبوة لاصقة استهدفت سيارته في قضاء الخالص بديالى اليوم الخميس."
    reports = run(lexicon, text)
    assert all(not r.killed for r in reports)


def test_a_joint_toll_gives_neither_figure(parser):
    for sentence in (
        "أسفر الهجوم عن مقتل وإصابة ستة عناصر",
        "ما أدى إلى استشهاد وإصابة 9 أشخاص",
        "وأنباء عن 7 ضحايا بين قتيل وجريح",
    ):
        assert all(count is None for _, count in tolls(parser, sentence))


# 4. numbers that are not tolls -------------------------------------------------------------------
def test_an_age_is_not_a_toll(lexicon):
    text = "قتل الصحفي أحمد العلي (35 عاماً) برصاص مسلحين مجهولين وسط مدينة البصرة مساء أمس."
    (report,) = run(lexicon, text)
    assert report.killed == 1


# 5. running totals are not incidents ------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "ووثق المرصد مقتل 143 مدنياً في محافظة درعا منذ مطلع العام وحتى نهاية أيار.",
        "وقتل نحو 300 شخص منذ بدء الاحتجاجات في المدن العراقية.",
        "وقتل 26 شخصاً وأصيب 10 آخرون في عمليات اغتيال بمحافظة درعا خلال شهر نيسان الماضي.",
    ],
)
def test_running_totals_are_not_incidents(lexicon, text):
    assert [r for r in run(lexicon, text) if r.killed or r.wounded] == []


def test_an_overview_of_several_towns_is_not_an_incident_but_each_town_is(lexicon):
    text = (
        "استشهد 9 مدنيين بقصف لقوات النظام على مدن وبلدات في ريف إدلب اليوم الخميس.\n"
        "واستهدفت قوات النظام بلدة كفرنبل بالصواريخ ما أسفر عن استشهاد 6 مدنيين.\n"
        "وفي بلدة حزارين استشهد ثلاثة مدنيين بقذائف المدفعية."
    )
    reports = [r for r in run(lexicon, text) if r.killed]
    assert sorted(r.killed for r in reports) == [3, 6]


# 6. a dateline is not the place ----------------------------------------------------------------------
def test_a_dateline_is_not_the_scene(lexicon):
    text = "بغداد - (وكالات): قتل ثلاثة مزارعين بانفجار عبوة ناسفة في قضاء المقدادية بمحافظة ديالى اليوم الخميس."
    (report,) = run(lexicon, text)
    assert admin1(lexicon, report) == "Diyala"


# 7. dates ----------------------------------------------------------------------------------------
def test_the_same_day_takes_the_previous_incidents_date(lexicon):
    text = (
        "قتل شرطيان بهجوم مسلح على حاجز في قضاء الدبس بمحافظة كركوك، مساء الثلاثاء.\n"
        "وفي اليوم ذاته، أصيب ثلاثة رعاة بانفجار لغم أرضي في صحراء قضاء الرطبة بمحافظة الأنبار."
    )
    first, second = run(lexicon, text)
    assert first.event_date == dt.date(2024, 5, 7)
    assert second.event_date == first.event_date and second.date_rule == "same_day_as_previous"


def test_days_before_the_previous_incident_give_its_month(lexicon):
    text = (
        "قتل جنديان بهجوم لداعش على نقطة للجيش في قضاء خانقين بمحافظة ديالى في 20 نيسان الماضي.\n"
        "وسبق ذلك بأيام، تعرضت دورية للجيش لكمين مماثل أدى إلى مقتل ثلاثة جنود."
    )
    first, second = run(lexicon, text)
    assert first.event_date == dt.date(2024, 4, 20)
    assert (second.event_date, second.date_precision) == (dt.date(2024, 4, 1), "month")


def test_last_tuesday_is_before_publication(lexicon):
    text = "وكان مدنيان قد قتلا بقصف جوي على قرية في ريف الحسكة يوم الثلاثاء الماضي."
    (report,) = run(lexicon, text)
    assert report.event_date == dt.date(2024, 5, 7)


# 8. actors and roles --------------------------------------------------------------------------------
def test_the_weapons_owner_attacks_and_the_village_is_hit(lexicon):
    text = "قتل مدنيان بقصف مدفعي تركي طال قرية في ريف ناحية تل تمر بمحافظة الحسكة، اليوم الخميس."
    (report,) = run(lexicon, text)
    assert (report.actor1_id, report.actor2_id) == ("turkish_forces", "civilians")


def test_the_reporting_source_is_not_an_actor(lexicon):
    text = "قال مصدر في الشرطة العراقية إن مسلحين مجهولين اغتالوا مختار قرية في قضاء بلد بمحافظة صلاح الدين مساء أمس."
    (report,) = run(lexicon, text)
    assert report.actor1_id == "unidentified_gunmen" and report.actor2_id != "iq_police"


def test_a_tribal_feud_has_tribesmen_on_both_sides(lexicon):
    text = "قتل شخصان وأصيب ثالث بنزاع عشائري مسلح في قضاء الشطرة بمحافظة ذي قار، مساء أمس."
    (report,) = run(lexicon, text)
    assert (report.actor1_id, report.actor2_id) == ("tribal_fighters", "tribal_fighters")
    assert lexicon.triggers[report.trigger_id]["event_type"] == "Battles"


def test_unclaimed_drones_are_an_unidentified_armed_group(lexicon):
    text = "أصيب ثلاثة من عناصر الحشد الشعبي بقصف بطائرة مسيرة مجهولة على مقر في قضاء القائم بالأنبار اليوم."
    (report,) = run(lexicon, text)
    assert report.actor1_id == "unidentified_gunmen" and report.actor2_id == "pmf"


def test_syrian_army_words_name_the_transitional_forces_after_december_2024(lexicon):
    text = "قتل عنصران من الجيش السوري بكمين نصبته فلول النظام في ريف حمص الغربي اليوم الخميس."
    (report,) = run(lexicon, text, dt.date(2025, 3, 6))
    assert (report.actor1_id, report.actor2_id) == ("sy_assad_loyalists", "sy_gov_forces")
    (before,) = run(lexicon, text.replace("فلول النظام", "داعش"), dt.date(2019, 3, 7))
    assert before.actor2_id == "sy_army"


# 9. across sentences: another attacker, another town ----------------------------------------------------
def test_retaliation_by_another_attacker_is_another_incident(lexicon):
    text = (
        "قتل أربعة من عناصر قوات النظام بقصف صاروخي نفذته فصائل المعارضة على مواقعهم في ريف حماة الشمالي اليوم.\n"
        "وردت قوات النظام بقصف مدفعي على بلدة في ريف حماة، ما أدى إلى مقتل مدني."
    )
    reports = run(lexicon, text)
    assert sorted(r.killed for r in reports) == [1, 4]


# language data ------------------------------------------------------------------------------------
def test_casualty_terms_load_and_are_well_formed(lexicon, tmp_path):
    terms = lexicon.casualty_terms
    assert terms.triggers["killed"] and terms.triggers["wounded"] and terms.count_nouns["killed"]
    assert not terms.triggers["killed"] & terms.triggers["wounded"]
    bad = tmp_path / "casualty_terms.csv"
    bad.write_text("term_ar,kind,role,form,note\nمقتل,dead,trigger,noun,\n", encoding="utf-8")
    from orchestration.arabic_nlp.casualties import load_casualty_terms

    with pytest.raises(ValueError, match="casualty_terms.csv:2"):
        load_casualty_terms(bad)


def test_actor_successions_name_known_actors(lexicon):
    for actor_id, row in lexicon.actors.items():
        if row.get("succeeded_by"):
            assert row["succeeded_by"] in lexicon.actors, actor_id
            dt.date.fromisoformat(row["succeeded_on"])


@pytest.mark.parametrize(
    "sentence,expected",
    [
        ("قُتل13 شخصاً بانفجار صهريج مفخخ", [("killed", 13)]),
        ("وفقد 4 أشخاص حياتهم جراء القصف", [("killed", 4)]),
        ("أعلنت قسد فقدان 3 من مقاتليها لأرواحهم بقصف تركي", [("killed", 3)]),
        ("أصيب الشاب بطلق ناري ما أدى لوفاته على الفور", [("killed", 1)]),
        ("وأسفر الهجوم عن مقتل /10/ عناصر من الشرطة", [("killed", 10)]),
        ("وأسفر الانفجار عن إصابة (١٢) شخصاً", [("wounded", 12)]),
        ("قتل مسؤولين محليين في هجمات متفرقة", [("killed", None)]),
    ],
)
def test_more_ways_of_saying_a_toll(parser, sentence, expected):
    assert tolls(parser, sentence, "Syria") == expected


def test_a_year_beside_a_casualty_word_is_not_a_toll(lexicon):
    text = "وفي 3 آذار 2024 إصابة 4 عناصر من الشرطة بانفجار عبوة ناسفة في قضاء الطارمية ببغداد."
    (report,) = run(lexicon, text)
    assert report.wounded == 4


def test_a_body_found_shot_is_one_killed(lexicon):
    text = "عثر أهالي قرية في ريف دير الزور الشرقي، صباح اليوم الخميس، على جثة شاب مقتولاً بطلقات نارية."
    (report,) = run(lexicon, text)
    assert report.killed == 1


def test_an_assassination_kills_one(lexicon):
    text = "اغتال مسلحون مجهولون الناشط المدني علي حسين وسط مدينة العمارة بمحافظة ميسان مساء أمس."
    (report,) = run(lexicon, text)
    assert report.killed == 1


def test_survivors_who_were_wounded(lexicon):
    text = (
        "نجا صحفيان اثنان من هجوم بطائرة مسيرة استهدف سيارتهما في ريف الرقة الشمالي اليوم الخميس، وأصيبا بجروح طفيفة."
    )
    (report,) = run(lexicon, text)
    assert (report.killed or 0, report.wounded) == (0, 2)


def test_one_of_them_inside_a_counted_group_is_not_more_victims(lexicon):
    text = "أصيب خمسة جنود بانفجار عبوة ناسفة استهدفت دوريتهم في قضاء الطوز بمحافظة صلاح الدين اليوم، وحالة أحدهم خطرة."
    (report,) = run(lexicon, text)
    assert (report.killed, report.wounded) == (None, 5)


def test_cue_phrases_load_and_are_well_formed(lexicon, tmp_path):
    from orchestration.arabic_nlp.cues import CUES, load_cues, phrase_pattern

    assert set(lexicon.cues) == set(CUES) and all(lexicon.cues[cue] for cue in CUES)
    assert phrase_pattern("منذ (بداية|مطلع) العام #") == r"منذ\s+(?:بداية|مطلع)\s+العام\s+\d+"
    for row, message in (
        ("unknown_cue,شيء,", "unknown cue"),
        ("denial,(نفى|نفت,", "malformed phrase"),
        ("speech,قال,a note, with a comma", "more fields than"),
    ):
        bad = tmp_path / "cue_phrases.csv"
        bad.write_text(f"cue,phrase_ar,note\n{row}\n", encoding="utf-8")
        with pytest.raises(ValueError, match=f"cue_phrases.csv:2: {message}"):
            load_cues(bad)


def test_a_second_strike_has_the_attacker_of_the_first(lexicon):
    text = (
        "قتل ثلاثة أشخاص بغارة لطائرة مسيرة تركية على سيارة في ريف القامشلي بمحافظة الحسكة اليوم الخميس.\n"
        "وأصيب شخصان في ضربة ثانية استهدفت معملاً قرب المدينة."
    )
    first, second = run(lexicon, text)
    assert first.actor1_id == second.actor1_id == "turkish_forces"
    assert (first.killed, second.wounded) == (3, 2)


def test_a_group_announcing_its_own_dead_is_the_target(lexicon):
    text = "أعلنت قوات سوريا الديمقراطية مقتل أربعة من مقاتليها بقصف لطائرة مسيرة تركية على ريف الحسكة اليوم."
    (report,) = run(lexicon, text)
    assert (report.actor1_id, report.actor2_id) == ("turkish_forces", "sdf")


def test_the_attacks_initiator_beats_the_defender_who_killed_one_attacker(lexicon):
    text = (
        "شن عناصر من داعش هجوماً على قوة من الشرطة الاتحادية في قضاء الدبس بكركوك ليل أمس، وتسبب الهجوم "
        "بمقتل شرطيين، فيما تمكنت القوة من قتل أحد المهاجمين."
    )
    (report,) = run(lexicon, text)
    assert report.actor1_id == "isis" and report.actor2_id == "iq_federal_police"


def test_the_armed_side_hit_is_the_target_before_civilians_caught_with_it(lexicon):
    text = "قتل مدنيان وأصيب خمسة جنود أمريكيين بهجوم صاروخي على قاعدة عين الأسد في محافظة الأنبار اليوم الخميس."
    (report,) = run(lexicon, text)
    assert report.actor2_id == "us_forces"
