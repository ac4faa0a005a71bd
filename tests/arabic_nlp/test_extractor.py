"""The incident extractor on short articles written like Iraqi and Syrian newswire.

None of these texts is taken from the bundled articles: each exercises one general rule
(several incidents, updated tolls, background incidents, running totals, sides, dates, places,
actors) the way agencies and local sites actually phrase it.
"""

import datetime as dt

import pytest

from orchestration.arabic_nlp.extractor import _extractor, default_seeds_dir, extract_article
from orchestration.arabic_nlp.lexicon import Lexicon
from orchestration.arabic_nlp.normalize import normalize

PUBLISHED = dt.date(2023, 3, 16)  # a Thursday


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon.load(default_seeds_dir())


def run(lexicon, text, published=PUBLISHED):
    return extract_article(text, published, lexicon)


def admin1(lexicon, report):
    return lexicon.places[report.place_id]["admin1"] if report.place_id else None


def test_two_incidents_in_two_governorates(lexicon):
    text = (
        "قُتل جنديان من الجيش العراقي وأصيب ثالث بهجوم شنه مسلحو داعش على نقطة عسكرية في قضاء الطارمية "
        "شمالي بغداد، فجر اليوم الخميس.\n"
        "وفي حادث منفصل، أصيب ثلاثة مدنيين بانفجار عبوة ناسفة على طريق زراعي في قضاء المقدادية بمحافظة ديالى، "
        "مساء أمس الأربعاء."
    )
    reports = run(lexicon, text)
    assert [(r.killed, r.wounded) for r in reports] == [(2, 1), (None, 3)]
    assert [admin1(lexicon, r) for r in reports] == ["Baghdad", "Diyala"]
    assert [r.event_date for r in reports] == [PUBLISHED, PUBLISHED - dt.timedelta(days=1)]
    assert reports[0].actor1_id == "isis" and reports[0].actor2_id == "iq_army"
    assert reports[1].trigger_id is not None


def test_updated_toll_is_one_report_with_the_latest_figure(lexicon):
    text = (
        "قتل تسعة أشخاص بتفجير سيارة مفخخة استهدف سوقاً شعبياً في مدينة القامشلي، أمس الأربعاء.\n"
        "وقالت مصادر طبية إن حصيلة ضحايا التفجير ارتفعت إلى 11 قتيلاً و23 جريحاً."
    )
    reports = run(lexicon, text)
    assert len(reports) == 1
    assert (reports[0].killed, reports[0].wounded) == (11, 23)
    assert admin1(lexicon, reports[0]) == "Al-Hasakeh"


def test_background_incident_with_its_own_date_is_a_report(lexicon):
    text = (
        "جددت أنقرة تهديدها بشن عملية برية في شمال سوريا.\n"
        "وكانت طائرات تركية قد شنت في 20 شباط الماضي غارات على مواقع في ريف الحسكة أسفرت عن مقتل 14 شخصاً، "
        "بينهم ستة مدنيين."
    )
    reports = run(lexicon, text)
    assert len(reports) == 1
    assert reports[0].event_date == dt.date(2023, 2, 20)
    assert reports[0].killed == 14
    assert reports[0].actor1_id == "turkish_forces"
    assert ("civilians", 6) in [(v.actor_id, v.killed) for v in reports[0].victims]


def test_running_totals_and_history_are_not_incidents(lexicon):
    text = (
        "وقال المرصد إن أكثر من 300 شخص قتلوا منذ بداية العام في هجمات متفرقة في البادية السورية.\n"
        "وأعلن العراق عام 2017 هزيمة التنظيم بعد معارك قتل فيها آلاف المسلحين.\n"
        "ولقي زعيم التنظيم السابق حتفه في عام 2019."
    )
    assert run(lexicon, text) == []


def test_statements_without_an_incident_give_no_casualty_report(lexicon):
    text = (
        "أكد وزير الخارجية العراقي خلال مؤتمر صحفي في بغداد أن الحكومة ماضية في تعزيز التعاون الأمني مع "
        "التحالف الدولي لمواجهة بقايا داعش.\n"
        "وأضاف أن تضحيات القوات الأمنية وشهداءها كانت الأساس في تحرير المدن."
    )
    assert [r for r in run(lexicon, text) if r.killed or r.wounded] == []


def test_traffic_accidents_are_not_conflict_events(lexicon):
    text = "لقي ثلاثة أشخاص حتفهم وأصيب خمسة آخرون بحادث سير على الطريق الدولي قرب الرمادي."
    assert run(lexicon, text) == []


def test_breakdown_by_side_and_total(lexicon):
    text = (
        "أسفرت المعارك بين قوات سوريا الديمقراطية وخلايا داعش في ريف دير الزور الشرقي، أمس الأربعاء، "
        "عن مقتل 23 شخصاً، 7 منهم من عناصر قسد و16 من مسلحي التنظيم."
    )
    (report,) = run(lexicon, text)
    assert report.killed == 23
    assert sorted((v.actor_id, v.killed) for v in report.victims) == [("isis", 16), ("sdf", 7)]
    assert admin1(lexicon, report) == "Deir-ez-Zor"


def test_weekday_and_night_dates_resolve_against_publication(lexicon):
    text = "قتل شرطي وأصيب آخر بهجوم مسلح على سيطرة أمنية في قضاء الحويجة جنوب غربي كركوك ليل الثلاثاء."
    (report,) = run(lexicon, text)
    assert report.event_date == dt.date(2023, 3, 14)
    assert report.date_precision == "day"
    assert (report.killed, report.wounded) == (1, 1)
    assert admin1(lexicon, report) == "Kirkuk"


def test_unknown_publication_date_leaves_relative_dates_unresolved(lexicon):
    (report,) = run(lexicon, "قتل ثلاثة جنود بانفجار عبوة ناسفة في قضاء هيت بمحافظة الأنبار أمس.", published=None)
    assert report.event_date is None
    assert report.killed == 3


def test_place_named_as_reference_point_is_not_the_location(lexicon):
    text = (
        "أصيب أربعة من عناصر الحشد الشعبي بهجوم لداعش في ناحية العظيم بمحافظة ديالى الواقعة شمال شرق بغداد، صباح اليوم."
    )
    (report,) = run(lexicon, text)
    assert admin1(lexicon, report) == "Diyala"
    assert report.wounded == 4
    assert report.actor2_id == "pmf"


def test_perpetrator_named_later_replaces_gunmen(lexicon):
    text = (
        "هاجم مسلحون مجهولون منزلاً في قرية تابعة لقضاء خانقين بمحافظة ديالى ليل أمس، ما أسفر عن مقتل "
        "ثلاثة مدنيين. وقالت مصادر أمنية إن الهجوم نفذته خلية تابعة لتنظيم داعش."
    )
    (report,) = run(lexicon, text)
    assert report.killed == 3
    assert report.actor1_id == "isis"
    assert report.actor2_id == "civilians"


def test_drone_strike_actor_and_type(lexicon):
    text = "قتل عنصران من قوات سوريا الديمقراطية بقصف مسيّرة تركية استهدف سيارتهما قرب مدينة القامشلي صباح اليوم الخميس."
    (report,) = run(lexicon, text)
    assert report.killed == 2
    assert report.actor1_id == "turkish_forces"
    assert report.actor2_id == "sdf"
    assert lexicon.triggers[report.trigger_id]["sub_event_type"] == "Air/drone strike"


def test_no_casualties_is_a_stated_zero(lexicon):
    text = "انفجرت عبوة ناسفة على رتل للجيش العراقي في قضاء بيجي بمحافظة صلاح الدين ظهر اليوم دون وقوع إصابات."
    (report,) = run(lexicon, text)
    assert (report.killed, report.wounded) == (0, 0)


def test_every_figure_keeps_its_evidence_and_rule(lexicon):
    text = "استشهد مدنيان بقصف مدفعي استهدف بلدة في ريف إدلب الجنوبي يوم الثلاثاء."
    (report,) = run(lexicon, text)
    assert report.killed == 2
    assert "استشهد مدنيان" in report.evidence
    assert report.killed_rule and "dual" in report.killed_rule


def test_denied_reports_are_not_incidents(lexicon):
    text = (
        "نفت قيادة عمليات نينوى، اليوم الخميس، الأنباء التي تحدثت عن مقتل ثمانية جنود بهجوم على "
        "مقر عسكري في قضاء تلعفر، مؤكدة أنها عارية عن الصحة."
    )
    assert run(lexicon, text) == []


def test_anniversaries_are_not_incidents(lexicon):
    text = (
        "استذكر أهالي قضاء سنجار، اليوم، الذكرى السنوية للهجوم الذي شنه تنظيم داعش في آب 2014 "
        "وراح ضحيته أكثر من خمسة آلاف مدني."
    )
    assert run(lexicon, text) == []


def test_retaliation_with_its_own_toll_is_another_incident(lexicon):
    text = (
        "قتل أربعة من عناصر قوات النظام بقصف صاروخي نفذته فصائل المعارضة على مواقعهم في ريف حماة "
        "الشمالي، صباح اليوم.\n"
        "وردت قوات النظام بقصف مدفعي على بلدة في ريف إدلب الجنوبي، ما أدى إلى مقتل مدنيين اثنين."
    )
    reports = run(lexicon, text)
    assert [(r.killed, admin1(lexicon, r)) for r in reports] == [(4, "Hama"), (2, "Idleb")]
    assert reports[1].actor1_id == "sy_army" and reports[1].actor2_id == "civilians"


def test_clash_between_two_named_sides(lexicon):
    text = (
        "اندلعت اشتباكات بين قوات سوريا الديمقراطية ومسلحين من داعش في بلدة الشحيل بريف دير الزور، "
        "أمس الأربعاء، أسفرت عن مقتل ثلاثة عناصر من قسد."
    )
    (report,) = run(lexicon, text)
    assert (report.actor1_id, report.actor2_id) == ("sdf", "isis") or report.actor1_id == "isis"
    assert report.killed == 3
    assert report.event_date == PUBLISHED - dt.timedelta(days=1)


def test_the_day_of_a_statement_gives_way_to_the_day_of_the_attack(lexicon):
    text = (
        "أعلنت خلية الإعلام الأمني، اليوم الخميس، مقتل ستة إرهابيين بضربة جوية نفذتها طائرات القوة "
        "الجوية العراقية مساء الثلاثاء على وكر في جبال حمرين."
    )
    (report,) = run(lexicon, text)
    assert report.killed == 6
    assert report.event_date == dt.date(2023, 3, 14)
    assert report.actor1_id == "iq_army" and report.actor2_id == "isis"


def test_scene_set_one_sentence_before_the_toll(lexicon):
    text = (
        "شن مسلحو داعش هجوماً على نقطة للجيش العراقي في قضاء الدبس بمحافظة كركوك ليل أمس.\n"
        "وأسفر الهجوم عن مقتل جنديين وإصابة ثلاثة آخرين."
    )
    (report,) = run(lexicon, text)
    assert (report.killed, report.wounded) == (2, 3)
    assert admin1(lexicon, report) == "Kirkuk"
    assert report.event_date == PUBLISHED - dt.timedelta(days=1)
    assert report.actor1_id == "isis"


def test_a_clause_about_the_same_operation_stays_in_it(lexicon):
    text = (
        "أعلنت قيادة العمليات المشتركة، اليوم، مقتل 9 إرهابيين في عملية أمنية بصحراء الأنبار، "
        "فيما أصيب جنديان خلال العملية."
    )
    (report,) = run(lexicon, text)
    assert (report.killed, report.wounded) == (9, 2)
    assert admin1(lexicon, report) == "Anbar"


def test_an_incident_told_again_later_is_one_report(lexicon):
    text = (
        "قتل ثلاثة جنود بهجوم لداعش على ثكنة عسكرية في قضاء خانقين بمحافظة ديالى فجر اليوم.\n"
        "وقال محافظ ديالى إن الوضع الأمني في المحافظة مستقر رغم الخروقات.\n"
        "وأضاف أن الحكومة المحلية تعمل مع القيادات الأمنية على سد الثغرات.\n"
        "وأشار إلى أن خلايا التنظيم تستغل الطبيعة الجغرافية الوعرة للتسلل.\n"
        "وكان الهجوم الذي استهدف الثكنة قد أسفر عن مقتل ثلاثة جنود، بحسب مصادر أمنية."
    )
    (report,) = run(lexicon, text)
    assert report.killed == 3


def test_judicial_executions_are_not_conflict_events(lexicon):
    text = "نفذت وزارة العدل، اليوم، حكم الإعدام بحق 11 مداناً بقضايا إرهاب في سجن الناصرية."
    assert run(lexicon, text) == []


def test_an_earlier_incident_without_a_date_is_left_undated(lexicon):
    text = (
        "أصيب شرطيان بانفجار عبوة ناسفة في قضاء الحويجة بكركوك صباح اليوم.\n"
        "وقال مسؤول محلي إن المنطقة تشهد نشاطاً لخلايا التنظيم.\n"
        "وكان هجوم مماثل قد أسفر عن مقتل خمسة جنود في ناحية الرياض."
    )
    first, earlier = run(lexicon, text)
    assert (first.wounded, first.event_date) == (2, PUBLISHED)
    assert (earlier.killed, earlier.event_date, earlier.date_rule) == (5, None, "earlier_undated")


def test_scattered_attacks_over_days_are_a_tally_not_an_incident(lexicon):
    text = "قتل 17 شخصاً في هجمات متفرقة شنها مسلحو داعش في البادية السورية خلال الأيام الماضية."
    assert run(lexicon, text) == []


def test_an_earlier_toll_told_after_the_update_keeps_the_latest(lexicon):
    text = (
        "ارتفعت حصيلة ضحايا التفجير الانتحاري الذي استهدف سوقاً في قضاء الطارمية إلى 12 قتيلاً و25 جريحاً.\n"
        "وكان مصدر طبي قد أفاد في وقت سابق بمقتل 8 أشخاص وإصابة 20 آخرين."
    )
    (report,) = run(lexicon, text)
    assert (report.killed, report.wounded) == (12, 25)


def test_a_speakers_city_is_not_the_incident_place(lexicon):
    text = (
        "وقال المتحدث باسم وزارة البيشمركة في مؤتمر صحفي عقده في أربيل، اليوم، إن هجوماً لمسلحي داعش "
        "على قرية تابعة لقضاء خانقين أسفر عن مقتل مدنيين اثنين."
    )
    (report,) = run(lexicon, text)
    assert admin1(lexicon, report) == "Diyala"
    assert report.killed == 2


def test_incidents_abroad_are_out_of_scope(lexicon):
    text = (
        "استشهد 14 فلسطينياً وأصيب العشرات بغارات إسرائيلية على مخيم جباليا شمال قطاع غزة فجر اليوم.\n"
        "وفي جنوب لبنان، قتل ثلاثة أشخاص بغارة إسرائيلية على بلدة حدودية."
    )
    assert run(lexicon, text) == []


def test_a_strike_from_abroad_on_syria_is_in_scope(lexicon):
    text = "قتل أربعة عسكريين بغارات إسرائيلية استهدفت مواقع في ريف دمشق الغربي فجر اليوم، بحسب وزارة الدفاع السورية."
    (report,) = run(lexicon, text)
    assert report.killed == 4
    assert admin1(lexicon, report) == "Rural Damascus"
    assert report.actor1_id == "israeli_forces"


def test_kama_starts_another_incident_in_the_same_sentence(lexicon):
    text = (
        "قتل جندي بانفجار عبوة ناسفة في قضاء الشرقاط بمحافظة صلاح الدين، كما أصيب مدنيان بقصف "
        "مدفعي على قرية في ناحية العظيم بمحافظة ديالى، صباح اليوم."
    )
    reports = run(lexicon, text)
    assert [(r.killed, r.wounded, admin1(lexicon, r)) for r in reports] == [
        (1, None, "Salah al-Din"),
        (None, 2, "Diyala"),
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "نفى مصدر أمني مقتل جنود",
        "ونفت الوزارة الأنباء",
        "مصدر ينفي الهجوم",
        "الأنباء عارية عن الصحة",
        "لا صحة لمقتل الجنود",
        "الأنباء غير صحيحة",
        "شائعات عن مقتل قائد",
        "في الذكرى السنوية للمجزرة",
        "إحياء ذكرى الضحايا",
        "ذكرى الهجوم",
    ],
)
def test_denials_and_commemorations_in_every_wording(lexicon, sentence):
    assert "denial_or_memory" in _extractor(lexicon).cues.scan(normalize(sentence))


def test_the_words_of_saying_come_from_the_cue_seed(lexicon):
    """Every speech and news_source phrase of cue_phrases.csv marks the actor after it as the
    source; every speech and statement phrase marks a date after it as a day something was said."""
    cues = _extractor(lexicon).cues
    assert lexicon.cues["speech"] and lexicon.cues["statement"] and lexicon.cues["news_source"]
    for phrase in lexicon.cues["speech"] + lexicon.cues["news_source"]:
        assert cues.source_before.search(phrase + " "), phrase
    for phrase in lexicon.cues["speech"] + lexicon.cues["statement"]:
        assert cues.statement_before.search(phrase + " اليوم الثلاثاء، "), phrase
    assert not cues.source_before.search(normalize("هاجم مسلحون "))
    assert not cues.statement_before.search(normalize("قتل ثلاثة جنود يوم "))
