"""Lexicon matching on newswire-style sentences: clitics, ال, spelling variants, longest match."""

from pathlib import Path

import pytest

from orchestration.arabic_nlp.lexicon import Lexicon, LexMatch, _Index
from orchestration.arabic_nlp.normalize import normalize

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.load(SEEDS)


def places(lex, text):
    norm = normalize(text)
    return [(m.entry_id, m.surface) for m in lex.find_places(norm)]


def ids(matches):
    return [m.entry_id for m in matches]


def test_load_shapes(lex):
    assert lex.seeds_dir == SEEDS
    kirkuk = lex.places["iq_kirkuk"]
    assert isinstance(kirkuk["latitude"], float) and isinstance(kirkuk["aliases"], list)
    assert isinstance(lex.triggers["ambush"]["priority"], int)
    assert "isis" in lex.actors and lex.victim_nouns
    # generated places are merged in
    assert any(pid.startswith("gn") for pid in lex.places)


def test_offsets_point_into_normalised_text(lex):
    norm = normalize("وقالت مصادر أمنية إن الهجوم وقع في قضاء الحويجة غربي كركوك.")
    for m in lex.find_places(norm):
        assert isinstance(m, LexMatch)
        assert norm[m.start : m.end] == m.surface


@pytest.mark.parametrize(
    "text,expected",
    [
        ("هجوم مسلح جنوبي كركوك فجر اليوم", "iq_kirkuk"),
        ("عاد النازحون لكركوك بعد سنوات", "iq_kirkuk"),
        ("اشتباكات في محافظة التأميم", "iq_kirkuk"),
        ("انفجرت عبوة ناسفة بمحافظة ديالى", "iq_diyala"),
        ("انفجرت عبوة ناسفة في ديالي", "iq_diyala"),
        ("قصف مدفعي بالحسكة ليلاً", "sy_hasakeh"),
        ("وللحسكة نصيب من الهجمات", "sy_hasakeh"),
        ("والحسكة تشهد توتراً", "sy_hasakeh"),
        ("هجوم على ناحية الرشاد", "iq_rashad"),
        ("ووصلت التعزيزات والرشاد هادئة", "iq_rashad"),
        ("في اربيل وأربيل وإربيل", "iq_erbil"),
        ("قصف تركي قرب دهۆك", "iq_duhok"),
        ("مقتل راعٍ في ديرالزور", "sy_deir_ez_zor"),
        ("عملية أمنية في الانبار", "iq_anbar"),
        ("عملية أمنية في صلاح الدين", "iq_salah_al_din"),
        ("اعتقال متهم في نينوي", "iq_ninewa"),
        ("قصف على روجآفا", "sy_northeast"),
        ("مسيرة تستهدف إقليم كوردستان العراق", "iq_kurdistan_region"),
        ("اشتباكات في سورية", "sy"),
    ],
)
def test_place_variants_and_clitics(lex, text, expected):
    assert expected in [pid for pid, _ in places(lex, text)]


def test_surface_excludes_clitic(lex):
    assert places(lex, "انفجار بالحسكة") == [("sy_hasakeh", "الحسكه")]
    assert places(lex, "وصلوا لكركوك") == [("iq_kirkuk", "كركوك")]


def test_al_alias_needs_al(lex):
    # "الحسكة" must not match a bare "حسكة" (no article, no clitic+article)
    assert "sy_hasakeh" not in [pid for pid, _ in places(lex, "حسكة")]


def test_whole_words_only(lex):
    assert places(lex, "كركوكي") == []
    assert places(lex, "السوريين") == []


@pytest.mark.parametrize(
    "text,expected_id,expected_surface",
    [
        ("هجوم لخلايا داعش على سجن غويران في الحسكة", "sy_ghuwayran_prison", "سجن غويران"),
        ("عودة عائلات من مخيم الهول إلى العراق", "sy_hol_camp", "مخيم الهول"),
        ("قصف في ريف دير الزور الشرقي", "sy_deir_ez_zor", "ريف دير الزور الشرقي"),
        ("غارة على قاعدة عين الأسد غربي الأنبار", "iq_ain_al_asad", "قاعده عين الاسد"),
    ],
)
def test_longest_place_match(lex, text, expected_id, expected_surface):
    found = places(lex, text)
    assert (expected_id, normalize(expected_surface)) in found
    # the shorter alias inside the longer one is not reported separately
    start_ids = [pid for pid, _ in found]
    assert start_ids.count(expected_id) == 1
    if expected_id == "sy_hol_camp":
        assert "sy_hol" not in start_ids
    if expected_id == "sy_ghuwayran_prison":
        assert "sy_ghuwayran" not in start_ids


def test_directions_and_governorate(lex):
    found = places(lex, "هجوم جنوبي كركوك وآخر في بمحافظة ديالى")
    assert ("iq_kirkuk", "كركوك") in found
    assert ("iq_diyala", normalize("محافظة ديالى")) in found


@pytest.mark.parametrize(
    "text,expected",
    [
        ("هاجمت عصابات داعش الإرهابية نقطة للجيش", "isis"),
        ("قالت قسد إن خلايا التنظيم هاجمت حاجزاً", "sdf"),
        ("استهدفت مسيّرة تركية سيارة في القامشلي", "turkish_forces"),
        ("قتل منتسب في الشرطة الاتحادية", "iq_federal_police"),
        ("أعلنت قوات البيشمركة", "peshmerga"),
        ("وأكدت البشمركة", "peshmerga"),
        ("شنت طائرات التحالف الدولي غارات", "coalition"),
        ("هاجم مسلحون مجهولون منزل مختار", "unidentified_gunmen"),
        ("قوات النظام السوري تقصف", "sy_army"),
        ("وقال الحشد الشعبي في بيان", "pmf"),
        ("ولقوات الحشد العشائري دور", "iq_tribal_mobilisation"),
        ("طالت مدنيين في القرية", "civilians"),
    ],
)
def test_actor_matches(lex, text, expected):
    assert expected in ids(lex.find_actors(normalize(text)))


def test_actor_longest_match(lex):
    found = lex.find_actors(normalize("وأصيب عنصران من الشرطة الاتحادية وعنصر من الشرطة المحلية"))
    assert ids(found) == ["iq_federal_police", "iq_police"]
    found = lex.find_actors(normalize("هاجمت عصابات داعش الإرهابية"))
    assert [(m.entry_id, m.surface) for m in found] == [("isis", normalize("عصابات داعش الإرهابية"))]
    found = lex.find_actors(normalize("مسلحي داعش"))
    assert ids(found) == ["isis"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("نصب مسلحو داعش كميناً لقوة من الجيش", "ambush"),
        ("اندلعت اشتباكات عنيفة", "armed_clash"),
        ("انفجار عبوة ناسفة على دورية", "ied"),
        ("فجر انتحاري حزاماً ناسفاً", "suicide_bomb"),
        ("انفجرت سيارة مفخخة", "vbied"),
        ("غارة جوية لطيران التحالف", "airstrike"),
        ("سقطت قذائف هاون على القرية", "shelling"),
        ("تعرضت القرية للقصف", "shelling_generic"),
        ("اختطف مسلحون مزارعاً", "abduction"),
        ("حملة مداهمة واعتقال", "arrest"),
        ("إطلاق النار على سيارة", "armed_attack"),
    ],
)
def test_trigger_matches(lex, text, expected):
    assert expected in ids(lex.find_triggers(normalize(text)))


def test_trigger_longest_match(lex):
    found = lex.find_triggers(normalize("انفجار عبوة ناسفة"))
    assert len(found) == 1 and found[0].entry_id == "ied"
    found = lex.find_triggers(normalize("قصف مدفعي"))
    assert ids(found) == ["shelling"]


def test_curated_wins_over_geonames(lex):
    found = places(lex, "في الموصل")
    assert found == [("iq_mosul", "الموصل")]


def test_alias_added_after_a_search_is_found():
    """The index caches what each word starts; adding an alias must not leave that stale."""
    index = _Index()
    index.add("كركوك", "kirkuk")
    text = normalize("قرب قرية الفا في كركوك")
    assert [m.entry_id for m in index.find(text)] == ["kirkuk"]
    index.add("قرية الفا", "alpha")
    index.add("الفا", "alpha_short")
    assert [(m.entry_id, m.surface) for m in index.find(text)] == [("alpha", "قريه الفا"), ("kirkuk", "كركوك")]


def test_lexicon_from_tmp_seeds(tmp_path):
    (tmp_path / "places.csv").write_text(
        "place_id,name,name_ar,aliases_ar,feature_type,admin1,admin2,country,latitude,longitude\n"
        "x1,Alpha,الفا,قرية الفا|الفا,village,Kirkuk,,Iraq,35.1,44.1\n",
        encoding="utf-8",
    )
    (tmp_path / "places_geonames.csv").write_text(
        "place_id,name,name_ar,aliases_ar,feature_type,admin1,admin2,country,latitude,longitude\n"
        "gn1,Alpha2,الفا,الفا,town,Kirkuk,,Iraq,,\n",
        encoding="utf-8",
    )
    with pytest.raises(FileNotFoundError, match="casualty_terms.csv"):
        Lexicon.load(tmp_path)  # the language data is required: without it nothing would be found
    import shutil

    from orchestration.arabic_nlp.extractor import default_seeds_dir

    for name in ("casualty_terms.csv", "cue_phrases.csv"):
        shutil.copy(default_seeds_dir() / name, tmp_path / name)
    with pytest.raises(FileNotFoundError, match="countries.csv"):
        Lexicon.load(tmp_path)  # so is the scope: which countries' incidents are in it
    shutil.copy(default_seeds_dir() / "countries.csv", tmp_path / "countries.csv")
    lex = Lexicon.load(tmp_path)
    assert lex.in_scope == {"Iraq", "Syria"}
    assert [m.entry_id for m in lex.find_places(normalize("وصلوا قرية الفا"))] == ["x1"]
    assert lex.places["x1"]["latitude"] == 35.1
    assert lex.actors == {} and lex.triggers == {} and lex.victim_nouns == {}


def test_fingerprint_changes_with_any_lexicon_file(tmp_path):
    import shutil

    from orchestration.arabic_nlp.extractor import default_seeds_dir
    from orchestration.arabic_nlp.lexicon import LEXICON_FILES, Lexicon

    for name in LEXICON_FILES:
        shutil.copy(default_seeds_dir() / name, tmp_path / name)
    before = Lexicon.fingerprint(tmp_path)
    assert before == Lexicon.fingerprint(default_seeds_dir())
    with open(tmp_path / "actors.csv", "a", encoding="utf-8") as handle:
        handle.write("new_group,New Group,جماعة جديدة,جماعة جديدة,Rebel Groups,Iraq\n")
    assert Lexicon.fingerprint(tmp_path) != before
