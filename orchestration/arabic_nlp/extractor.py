"""Incidents in one article: casualties by side, date, place, actors, event type.

The article is cut into units (sentences, and clauses joined by فيما/بينما/في حين). Each unit is
read on its own (casualty mentions, dates, places, actors, event triggers); consecutive units that
tell the same incident (a definite "الهجوم" referring back, an updated toll, the same place and
day) are joined into one incident, and each incident becomes one `Report` carrying its evidence.
Running totals ("منذ بداية العام"), history (a year and nothing finer) and non-conflict deaths
(traffic, disease, disasters) are not incidents.

Why one module of this size: the units, the joining of units into incidents and the report built
from each incident are one grammar whose rules consult each other (a place decides whether a unit
continues an incident, the incident's date decides the actor who held a town then); split, every
part would import every other. The words it reads are data (seeds), and the sentence-level
readers (casualties, dates, lexicon, cues) are modules of their own.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from .casualties import KILLED, WEAPON_START, WOUNDED, CasualtyMention, CasualtyParser
from .cues import alternation
from .dates import DateMatch, find_dates
from .langdata import SEEDS_DIR
from .lexicon import ARMED_ACTOR_TYPES, Lexicon
from .normalize import normalize
from .reports import Report, Victim
from .sentences import split_sentences

EXTRACTOR_VERSION = "2026.12.01.1"

# Clauses that start another incident inside one sentence.
# (Applied to the original text, so hamza forms are spelled both ways.)
_CLAUSE_BREAK = re.compile(
    r"،?\s+(?=(?:فيما|بينما|في حين|وفي حادث|وفي هجوم|كما (?:قتل|قُتل|[أا]صيب|لقي|جرح|استشهد|ارتقى))\s)"
)
# Words that refer back to an incident already told: the toll or details of the same event.
_ANAPHORA = re.compile(
    normalize(
        r"(?:^|\s)(?:و|ف|ب|ل)?(?:ال(?:هجوم|هجمه|اشتباك|اشتباكات|كمين|انفجار|تفجير|حادث|حادثه|قصف|غاره|ضربه|معارك|"
        r"عمليه|اعتداء|استهداف|مواجهات|قتلي|ضحايا|جرحي|مصابين|شهداء)|(?:هجوم|اعتداء|تفجير|قصف)(?:هم|ه|ها)|جراءه|"
        r"جراء ذلك|اثره|اثرها|حصيله|ارتفع|ارتفعت|ارتفاع|منهم|في وقت سابق|سابقا)(?!\w)"
    )
)
# "وفي بلدة الخوين"، "أما في محافظة ديالى": a paragraph that opens on a place
_OPENS_ON_PLACE = re.compile(
    normalize(r"^(?:و|ف)?(?:أما\s+)?(?:في|ب)\s*(?:مدينة|بلدة|قرية|منطقة|محافظة|ناحية|قضاء|ريف|حي|مخيم)?\s*")
)
_GOVERNORATES_BEFORE = re.compile(normalize(r"(?:محافظات|مدن|مناطق|ولايات)\s*$"))
_LISTED = re.compile(r"^\s*(?:،\s*)?و?\s*$")
# An updated toll: "ارتفعت حصيلة الهجوم إلى"، "حصيلة جديدة"، "آخر حصيلة". Its figures replace earlier ones.
_UPDATE = re.compile(
    normalize(
        r"(?:ارتفعت|ارتفع|ارتفاع|وصلت|وصل|بلغت|بلغ)\s+(?:\S+\s+){0,6}?(?:إلى|الى)\s|حصيله (?:جديده|محدثه|نهائيه)|"
        r"(?:آخر|اخر) حصيله|الحصيله النهائيه|الحصيله الجديده"
    )
)
# "وكان هجوم مماثل قد أسفر...": an earlier incident; without its own date it cannot be dated
_PLUPERFECT = re.compile(normalize(r"^(?:و)?(?:كان|كانت|كانوا)\s+(?:\S+\s+){0,8}?قد\s"))
_FUTURE_OR_THREAT = re.compile(normalize(r"(?:يهدد|تهدد|هدد|هددت|تتوعد|يتوعد|محاولة|محاولات)\s+(?:ب|بال)?"))
_SINCE = re.compile(normalize(r"منذ[^،.]*$"))
# Ordinal day of an ongoing fight: "استمرت لليوم الثالث" → it began two days earlier.
_ORDINAL_DAY = re.compile(normalize(r"لليوم (الثاني|الثالث|الرابع|الخامس|السادس|السابع)"))
_ORDINALS = {normalize(w): n for n, w in enumerate(["الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع"], 2)}
# A place after one of these is a reference point, not where it happened.
_REFERENCE_BEFORE = re.compile(
    normalize(
        r"(?:شمال|جنوب|شرق|غرب|شمالي|جنوبي|شرقي|غربي|شمال شرق|شمال غرب|جنوب شرق|جنوب غرب|شمال شرقي|شمال غربي|"
        r"جنوب شرقي|جنوب غربي)(?:\s+(?:مدينة|محافظة|العاصمة))?\s*(?:من|ل)?\s*$"
    )
)
_REFERENCE_CONTEXT = re.compile(
    normalize(
        r"(?:الواقعة|الواقع|التي تقع|الذي يقع|المحاذية|المحاذي|القريبة من|المتاخمة|بين|والمتنازع|المتنازع|"
        r"الناطق|المتحدث|مراسل|وكالة|مكتب|مؤتمر|زار|زيارة|وصل|عاد|مطار|قادما|العاصمة)[^،.]{0,25}$"
    )
)
_EXPLICIT_ADMIN = re.compile(normalize(r"(?:مدينة|بلدة|قرية|منطقة|مخيم|سجن|قاعدة)\s*$"))
# "بلدة النيرب في ريف إدلب": the container a reporter names decides between homonyms elsewhere.
_CONTAINER = re.compile(normalize(r"(?:محافظة|محافظه|ولاية|قضاء|ناحية|ريف)\s*$"))
# A dateline: the city a story was filed from, at the head of a paragraph before a dash or the
# agency in brackets ("بغداد - (وكالات)"، "بيروت 5 أيار (شينخوا)"، "أربيل (كوردستان24)-").
_DATELINE_AFTER = re.compile(r"^\s*(?:\d{1,2}\s+\S+\s*(?:\d{4}\s*)?)?(?:[-–—:/]|\()")
_CONTAINER_WORDS = tuple(normalize(w) + " " for w in ("ريف", "محافظة", "محافظه", "ولاية", "قضاء", "ناحية"))
_OUTLET_BEFORE = re.compile(normalize(r"(?:تلقته|تلقتها|تلقت|نقلته|نقلت|لـ|ل|لوكالة|موقع|صحيفة|قناة|وكالة)\s*\"\s*$"))
# A country is the scene only when the text puts something in it ("في سوريا"، "داخل العراق").
_IN_COUNTRY = re.compile(normalize(r"(?:في|داخل|ب|الأراضي|أراضي)\s*$"))
# Verbs whose subject is the attacker when it follows them, or which it follows.
_AGENT_NAMED_LATER = re.compile(
    normalize(
        r"(?:^|\s)(?:و|ف)?(?:نصبه|نصبها|نصبته|شنه|شنها|شنته|نفذه|نفذها|نفذته|نفذتها|تبناه|تبنته|تبنى|تبنت|نسب|ونسب|ينسب|تنسب|نسبت|"
        r"يقف وراءه|تقف وراءه|المسؤولية عن|مسؤوليته عن)(?:\s+\S+){0,3}\s+(?:ل|ال|لل)?$"
    )
)
_AGENT_BEFORE = re.compile(
    normalize(
        r"(?:^|\s)(?:و|ف|ب|ل)?(?:نصبه|نصبها|شنه|شنها|نفذه|نفذها|تبناه|تبنى|تبنت|نسب|ونسب|ينسب|تنسب|نسبت|من قبل|على يد|بأيدي|بيد|"
        r"هجوم|هجوما|هجمات|هجمة|كمين|كمينا|اعتداء|قصف|غارة|غارات|ضربة|ضربات|مسلحو|عناصر|خلية|خلايا|اتهم|اتهام|تتهم|يتهم|"
        r"شن|شنت|نفذ|نفذت|هاجم|هاجمت|اقتحم|اقتحمت|فجر|فجرت|قصفت|أطلق|أطلقت|تمكن|تمكنت|قتل|قتلت|اغتال|خطف|اختطف|أعدم)"
        r"\s+(?:ل|ال|لل)?$"
    )
)
_AGENT_AFTER = re.compile(
    normalize(
        r"^\s*(?:قد\s+|(?:\S+\s+)?قد\s+)?(?:شن|شنت|نفذ|نفذت|هاجم|هاجمت|استهدف|استهدفت|قصف|قصفت|نصب|نصبت|أطلق|أطلقت|فجر|فجرت|اقتحم|اقتحمت|"
        r"تمكن|تمكنت|قتل|قتلت|اغتال|اغتالت|خطف|اختطف|أعدم|أعدمت|ضرب|ضربت|يشن|تشن|ينفذ|تنفذ|يهاجم|تهاجم|"
        r"تستهدف|يستهدف|حاول|حاولت)(?:\s|$)"
    )
)
_TARGET_BEFORE = re.compile(
    normalize(
        r"(?:^|\s)(?:و|ف|ب|ل)?(?:على|ضد|مقر|مقرا|مقرات|رتل|رتلا|دورية|دوريه|نقطة|ثكنة|قوة من|قوة|"
        r"موقع|موقعا|مواقع|مواقع ل|عجلة|آلية|سيارة|منزل|حاجز|كمين ل|بحق)\s+(?:ل|ال|لل|من)?\s*(?:\S+\s+)?$"
    )
)
# "هجوم استهدف X" names the target; a bare "استهدفت X" (verb first) names the attacker.
_TARGET_OF_EVENT = re.compile(
    normalize(
        r"(?:هجوم|هجوما|هجمة|تفجير|انفجار|عبوة|عبوات|غارة|غارات|ضربة|ضربات|قصف|كمين|قذيفة|قذائف|صاروخ|صواريخ|"
        r"اعتداء|عملية|الهجوم|التفجير|الانفجار|العبوة|الغارة|الضربة|القصف|الكمين)(?:\s+\S+){0,3}\s+"
        r"(?:استهدف|استهدفت|يستهدف|تستهدف|طال|طالت)\s+(?:\S+\s+)?(?:ل|ال|لل|من)?\s*(?:\S+\s+)?$"
    )
)
_SOURCE_AFTER = re.compile(normalize(r"^\s*(?:في|،)?\s*(?:بيان|تصريح|مؤتمر صحفي|إن|ان|أن)(?:\s|$)"))
# "من قبل مجهولين"، "على يد داعش": the attacker, whatever comes before.
_BY_AGENT = re.compile(normalize(r"(?:من قبل|على يد|على أيدي|بأيدي|بيد)\s+(?:ل|ال|لل)?$"))
# "هجوماً لعناصر داعش"، "كمين لداعش": the attack's own initiator
_INITIATOR_BEFORE = re.compile(normalize(r"(?:^|\s)(?:هجوم|هجوما|هجمات|هجمه|كمين|كمينا|اعتداء)\s+ل?$"))
# "من مقاتليها"، "عناصره"، "منتسبيها": fighters of the one who speaks
_OWN_MEN = re.compile(normalize(r"(?:مقاتلي|مقاتل|عناصر|منتسبي|جنود|أفراد|افراد)(?:ها|ه|هم)(?!\w)"))
_BETWEEN = re.compile(r"(?:^|\s)بين(?:\s+\S+){0,2}\s+$")
_TARGET_AFTER = re.compile(normalize(r"^\s*(?:تعرض|تعرضت|تعرضوا)"))
_FEATURE_RANK = {
    "site": 7,
    "village": 6,
    "town": 5,
    "city": 5,
    "admin3": 4,
    "admin2": 3,
    "admin1": 2,
    "region": 1,
    "country": 0,
}


@dataclass
class _Unit:
    """A sentence or clause as read: its original text and what was found in it."""

    index: int
    text: str
    norm: str
    sentence: int = 0  # clauses of one sentence share it
    mentions: list[CasualtyMention] = field(default_factory=list)
    dates: list[DateMatch] = field(default_factory=list)
    place_matches: list = field(default_factory=list)  # LexMatch, read once per unit
    places: list = field(default_factory=list)  # (LexMatch, weight)
    triggers: list = field(default_factory=list)  # LexMatch
    actors: list = field(default_factory=list)  # LexMatch
    agents: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)  # "اشتباكات بين X و Y"
    sources: list[str] = field(default_factory=list)  # who tells it: "قال مصدر في الشرطة"
    victims: list[str] = field(default_factory=list)  # actors named inside a casualty phrase
    strong_agents: int = 0  # agents[:strong_agents] were named as doers ("نفذته"، "على يد"، "قصف تركي")
    trigger: object | None = None
    no_casualties: bool = False
    survived: bool = False
    anaphora: bool = False
    new_incident: bool = False
    another_incident: bool = False  # "ضربة ثانية"، "هجوم آخر": a further incident of the same kind
    background: bool = False

    @property
    def has_casualties(self) -> bool:
        return bool(self.mentions) or self.no_casualties or self.survived


@dataclass
class _Incident:
    units: list[_Unit]
    context: list[_Unit] = field(default_factory=list)

    @property
    def last_index(self) -> int:
        return max(u.index for u in self.units + self.context)


class Extractor:
    """Holds the lexicons; `extract(text, published)` returns the article's reports."""

    def __init__(self, lexicon: Lexicon):
        self.lex = lexicon
        self.parser = CasualtyParser(lexicon.victim_nouns, lexicon.casualty_terms, lexicon.find_actors)
        self.cues = _Cues(lexicon.cues)
        # victim nouns that name fighters of a side the text does not give ("عنصراً"، "مقاتلين")
        self._fighter_nouns = {
            noun
            for noun in lexicon.victim_nouns
            if any(noun.startswith(normalize(w)) for w in ("عنصر", "عناصر", "مقاتل", "مسلح", "فرد", "افراد"))
        }
        # governorate name -> its admin1 row, for reports placed only by the article's governorate
        self._admin1_place = {}
        for pid, place in lexicon.places.items():
            if place.get("feature_type") == "admin1" and place.get("admin1"):
                self._admin1_place.setdefault(place["admin1"], pid)

    # -- units --------------------------------------------------------------------------------
    def _units(self, text: str) -> list[_Unit]:
        units = []
        for number, sentence in enumerate(split_sentences(text)):
            for clause in self._clauses(sentence):
                clause = clause.strip(" ،,")
                if clause:
                    norm = normalize(clause)
                    units.append(
                        _Unit(
                            index=len(units),
                            text=clause,
                            norm=norm,
                            sentence=number,
                            place_matches=self.lex.find_places(norm),
                        )
                    )
        return units

    def _clauses(self, sentence: str) -> list[str]:
        """Clauses that may tell incidents of their own. "شهدت المنطقة تصاعداً في الهجمات خلال الأشهر
        الماضية، حيث هاجمت مجموعات ... في 22 كانون الأول": after a running total, حيث tells one incident."""
        out = []
        for clause in _CLAUSE_BREAK.split(sentence):
            head, sep, rest = clause.partition("، حيث ")
            if sep and self.cues.running_total.search(normalize(head)):
                out.extend([head, rest])
            else:
                out.append(clause)
        return out

    def _read(self, unit: _Unit, published: dt.date | None, country_hint: str | None) -> None:
        norm = unit.norm
        unit.places = self._weighted_places(norm, unit.place_matches)
        country = self._unit_country(unit) or country_hint
        unit.triggers = self.lex.find_triggers(norm)
        cues = self.cues.scan(norm)
        unit.background = (
            bool(cues & _NOT_AN_INCIDENT)
            or ("non_conflict" in cues and not self._conflict_trigger(unit.triggers))
            or self._lists_governorates(unit)
        )
        dates = actors = None
        if not unit.background and self.parser.may_mention(norm):
            # a number inside a date is never a count ("3 آذار 2024 إصابة 4 عناصر")
            dates, actors = find_dates(norm, published), self.lex.find_actors(norm)
            unit.mentions = [
                m
                for m in self.parser.parse(norm, country, [(d.start, d.end) for d in dates], actors)
                if not self._threat(norm, m)
            ]
            if unit.mentions and _UPDATE.search(norm):
                for m in unit.mentions:
                    m.updated = True
            unit.no_casualties = self.parser.no_casualties(norm)
            unit.survived = self.parser.survived(norm) and not unit.mentions
        unit.anaphora = bool(_ANAPHORA.search(norm))
        unit.new_incident = bool(self.cues.new_incident.match(norm))
        unit.another_incident = bool(self.cues.another_incident.search(norm))
        if not (unit.has_casualties or unit.triggers or unit.anaphora):
            return  # a sentence with no figure, no trigger and no back-reference joins no incident
        unit.dates = dates if dates is not None else find_dates(norm, published)
        unit.actors = _named_over_generic(norm, actors if actors is not None else self.lex.find_actors(norm))
        if unit.triggers:
            unit.trigger = max(unit.triggers, key=lambda t: (int(self.lex.triggers[t.entry_id]["priority"]), -t.start))
        self._roles(unit)

    def _lists_governorates(self, unit: _Unit) -> bool:
        """ "في محافظات المثنى والأنبار وديالى": governorates listed after a plural "محافظات", or three
        side by side ("بين بغداد وأربيل" names two parties, not two scenes)."""
        run = 1
        for (a, _), (b, _) in zip(unit.places, unit.places[1:]):
            admin_a, admin_b = self._place_key(a)[1], self._place_key(b)[1]
            if admin_a and admin_b and admin_a != admin_b and _LISTED.match(unit.norm[a.end : b.start]):
                run += 1
                if run >= 3 or _GOVERNORATES_BEFORE.search(unit.norm[max(0, a.start - 14) : a.start]):
                    return True
            else:
                run = 1
        return False

    def _conflict_trigger(self, triggers: list) -> bool:
        return any(int(self.lex.triggers[t.entry_id]["priority"]) >= 60 for t in triggers)

    @staticmethod
    def _threat(norm: str, mention: CasualtyMention) -> bool:
        """ "يهدد بقتل"، "محاولة اغتيال": no one was harmed by the words themselves."""
        return bool(_FUTURE_OR_THREAT.search(norm[max(0, mention.start - 14) : mention.start]))

    def _weighted_places(self, norm: str, matches: list) -> list:
        """Places in the unit with a weight: reference points and speakers' cities count little."""
        out = []
        for match in matches:
            before = norm[max(0, match.start - 40) : match.start]
            weight = 1.0
            if _REFERENCE_BEFORE.search(before):
                weight = 0.4
            if _REFERENCE_CONTEXT.search(before):
                weight = 0.2
            if not before.strip(" \"'") and _DATELINE_AFTER.match(norm[match.end : match.end + 25]):
                out.append((match, 0.05))
                continue
            if _OUTLET_BEFORE.search(before):
                out.append((match, 0.05))  # "في بيان تلقته "بغداد اليوم"": a news outlet, not a place
                continue
            if _EXPLICIT_ADMIN.search(before):
                weight += 0.5
            elif _CONTAINER.search(before) or match.surface.startswith(_CONTAINER_WORDS):
                weight += 1.0
            if self.lex.places[match.entry_id].get("feature_type") == "country" and not _IN_COUNTRY.search(before):
                weight = min(weight, 0.3)
            out.append((match, weight))
        return out

    def _place_key(self, match) -> tuple[str | None, str | None]:
        place = self.lex.places[match.entry_id]
        return place.get("country") or None, place.get("admin1") or None

    def _votes(self, weighted: list) -> dict[tuple[str | None, str | None], float]:
        """(country, admin1) → summed weight of the (place match, weight) pairs."""
        votes: dict[tuple[str | None, str | None], float] = {}
        for match, weight in weighted:
            key = self._place_key(match)
            votes[key] = votes.get(key, 0) + weight
        return votes

    @staticmethod
    def _top_country(votes: dict[tuple[str | None, str | None], float]) -> str | None:
        by_country: dict[str, float] = {}
        for (country, _), weight in votes.items():
            if country:
                by_country[country] = by_country.get(country, 0) + weight
        return max(by_country, key=by_country.get) if by_country else None

    def _unit_country(self, unit: _Unit) -> str | None:
        return self._top_country(self._votes(unit.places))

    def _roles(self, unit: _Unit) -> None:
        """Attackers and targets from the words around each actor mention."""
        norm = unit.norm
        for first, second in zip(unit.actors, unit.actors[1:]):
            between = norm[first.end : second.start]
            if _BETWEEN.search(norm[max(0, first.start - 25) : first.start]) and re.fullmatch(
                r"\s*(?:\S+\s+){0,3}و\s*", between
            ):
                unit.parties.extend([first.entry_id, second.entry_id])
        victim_spans = [(m.start, m.end) for m in unit.mentions]
        for match in unit.actors:
            before = norm[max(0, match.start - 30) : match.start]
            after = norm[match.end : match.end + 20]
            if self.cues.source_before.search(before) or _SOURCE_AFTER.search(after):
                unit.sources.append(match.entry_id)
            elif (
                _BY_AGENT.search(before)
                or _AGENT_NAMED_LATER.search(before)
                or WEAPON_START.match(match.surface)
                or _INITIATOR_BEFORE.search(before)
            ):
                unit.agents.insert(unit.strong_agents, match.entry_id)  # named as the doer: before weaker cues
                unit.strong_agents += 1
            elif _TARGET_AFTER.search(after) or _TARGET_BEFORE.search(before) or _TARGET_OF_EVENT.search(before):
                unit.targets.append(match.entry_id)
            elif any(a <= match.start < b for a, b in victim_spans):
                unit.victims.append(match.entry_id)  # "قتل ثلاثة من عناصر الأمن": the victims, not the attacker
            elif _AGENT_BEFORE.search(before) or _AGENT_AFTER.search(after):
                unit.agents.append(match.entry_id)

    # -- incidents ----------------------------------------------------------------------------
    def extract(self, text: str, published: dt.date | None) -> list[Report]:
        units = self._units(text)
        article_country = self._article_country(units)
        for unit in units:
            self._read(unit, published, article_country)
        scene = self._article_governorate(units)
        told: list[tuple[_Incident, Report]] = []
        for incident in self._group(units):
            report = self._report(incident, published, article_country, len(told) + 1, scene)
            if report is None:
                continue
            if told:
                self.cues.date_from_previous(report, incident.units[0].norm, told[-1][1])
                _attacker_from_previous(report, incident.units[0], told[-1][1])
            for k, (earlier, earlier_report) in enumerate(told):
                if self._retold(earlier, earlier_report, incident, report):
                    earlier.units.extend(incident.units)
                    earlier.context.extend(incident.context)
                    told[k] = (earlier, self._report(earlier, published, article_country, earlier_report.seq, scene))
                    break
            else:
                told.append((incident, report))
        return [report for _, report in told]

    def _retold(self, earlier: _Incident, earlier_report: Report, incident: _Incident, report: Report) -> bool:
        """Headline, lead, body and a quoted statement retell one incident: a later report of the same
        article is the same incident when nothing tells them apart. Told apart by: a cue of another
        incident ("وفي حادث آخر"، "ضربة ثانية"), dates more than a day apart or of another precision,
        another governorate, or two different specific places (a village or town each)."""
        if any(u.new_incident or u.another_incident for u in incident.units):
            return False
        if not self._same_day(earlier_report, report):
            return False
        here, there = (
            self.lex.places.get(earlier_report.place_id or "", {}),
            self.lex.places.get(report.place_id or "", {}),
        )
        for key in ("country", "admin1"):
            if here.get(key) and there.get(key) and here[key] != there[key]:
                return False
        specific = [p for p in (here, there) if _FEATURE_RANK.get(p.get("feature_type"), 0) >= _FEATURE_RANK["city"]]
        if len(specific) == 2 and earlier_report.place_id != report.place_id:
            return False
        attackers = {earlier_report.actor1_id, report.actor1_id}
        if None not in attackers and len(attackers - {"unidentified_gunmen"}) == 2:
            return False  # "وردت قوات النظام بقصف ...": another attacker, another incident
        scenes, other_scenes = _scenes(earlier.units), _scenes(incident.units)
        if (
            scenes
            and other_scenes
            and not _named_in(scenes, incident.units)
            and not _named_in(other_scenes, earlier.units)
        ):
            return False  # "بلدة النيرب" and "بلدة الخوين", named or not in the gazetteer
        return self._figures_agree(earlier_report, report) or incident.units[0].anaphora

    @staticmethod
    def _same_day(a: Report, b: Report) -> bool:
        """Dates one incident may carry: the same precision, a day apart at most. A date that only
        falls back to the publication day fits any day-precision date within a day of it."""
        if a.event_date is None or b.event_date is None:
            return True  # an undated retelling ("وكان الهجوم قد أسفر عن ...") fits any date
        if a.date_precision != b.date_precision:
            return False
        return abs((a.event_date - b.event_date).days) <= (1 if a.date_precision == "day" else 0)

    @staticmethod
    def _figures_agree(a: Report, b: Report) -> bool:
        """Both tell the same toll, or one tells none, or one is an update of the other: figures
        of one kind that differ while the other kind is the same or unknown."""

        def same(x, y):
            return x is None or y is None or x == y

        if same(a.killed, b.killed) and same(a.wounded, b.wounded):
            return True

        def within(x, y):
            return x is None or (y is not None and x <= y)

        if (
            within(b.killed, a.killed)
            and within(b.wounded, a.wounded)
            or within(a.killed, b.killed)
            and within(a.wounded, b.wounded)
        ):
            return True  # "قتل الطفلان ..." beside "قتل 37 شخصاً": some of the victims, told again
        return b.killed_rule is not None and "update" in (b.killed_rule + (b.wounded_rule or ""))

    def _article_country(self, units: list[_Unit]) -> str | None:
        return self._top_country(self._votes([(m, 1.0) for u in units for m in u.place_matches]))

    def _eventful(self, unit: _Unit) -> bool:
        if unit.background:
            return False
        if unit.has_casualties:
            return True
        return self._eventful_without_casualties(unit)

    def _eventful_without_casualties(self, unit: _Unit) -> bool:
        """A specific attack or strike on a stated day, named with who or where."""
        return (
            unit.trigger is not None
            and any(d.precision == "day" for d in unit.dates)
            and bool(unit.actors or unit.places)
            and int(self.lex.triggers[unit.trigger.entry_id]["priority"]) >= 70
        )

    def _group(self, units: list[_Unit]) -> list[_Incident]:
        incidents: list[_Incident] = []
        current: _Incident | None = None
        for unit in units:
            if current and (unit.new_incident or unit.another_incident or self._elsewhere(current, unit)):
                current = None  # "أما في محافظة ديالى، فقد تعرض مقر آخر ...": what follows is another incident
            if not self._eventful(unit):
                # details of the incident just told: "هجومهم الذي وقع ... في منطقة حاوي العظيم"
                if (
                    current
                    and unit.anaphora
                    and not unit.background
                    and unit.index - current.last_index <= 2
                    and self._compatible(current, unit)
                ):
                    current.context.append(unit)
                continue
            if current and self._continues(current, unit):
                current.units.append(unit)
            else:
                current = _Incident(units=[unit])
                previous = units[unit.index - 1] if unit.index else None
                # "شن داعش هجوما على قرية في ديالى فجر اليوم. وأسفر الهجوم عن مقتل ثلاثة": the scene
                # is set one sentence before the figures
                # "سلسلة انفجارات ضربت جرف الصخر ليل الثلاثاء، فيما يعتقد مقتل اثنين": a clause of the same
                # sentence sets the scene too
                if (
                    previous is not None
                    and not self._eventful(previous)
                    and not previous.background
                    and previous.trigger
                    and (unit.anaphora or previous.sentence == unit.sentence)
                    and (not unit.places or not unit.dates)
                ):
                    current.context.append(previous)
                incidents.append(current)
        return incidents

    def _elsewhere(self, incident: _Incident, unit: _Unit) -> bool:
        """The unit opens on another specific place ("وفي بلدة الخوين ...") or governorate."""
        if not _OPENS_ON_PLACE.match(unit.norm):
            return False
        own = [m for m, w in unit.places if w >= 0.9]
        if not own:  # "وفي بلدة الخوين": a settlement the gazetteer does not know is still another scene
            return bool(_SCENE.match(unit.norm)) and not _scenes([unit]) & _scenes(incident.units + incident.context)
        theirs = [m for u in incident.units + incident.context for m, w in u.places if w >= 0.9]
        return (
            bool(theirs)
            and not {m.entry_id for m in own} & {m.entry_id for m in theirs}
            and (self._place_key(own[0])[1] != self._place_key(theirs[0])[1] or self._specific(own[0]))
        )

    def _specific(self, match) -> bool:
        return _FEATURE_RANK.get(self.lex.places[match.entry_id].get("feature_type"), 0) >= _FEATURE_RANK["city"]

    def _continues(self, incident: _Incident, unit: _Unit) -> bool:
        gap = unit.index - incident.last_index
        if unit.new_incident or gap > (3 if unit.anaphora else 1):
            return False
        if not self._compatible(incident, unit):
            return False
        if unit.anaphora:
            return True
        # new figures with no word pointing back start another incident
        if any(m.count is not None for m in unit.mentions) and any(
            m.count is not None for u in incident.units for m in u.mentions
        ):
            return False
        prev_trigger = next((u.trigger for u in reversed(incident.units) if u.trigger), None)
        if unit.trigger and prev_trigger:
            return (
                self.lex.triggers[unit.trigger.entry_id]["event_type"]
                == self.lex.triggers[prev_trigger.entry_id]["event_type"]
            )
        return True

    def _compatible(self, incident: _Incident, unit: _Unit) -> bool:
        inc_date = self._incident_date(incident.units)
        unit_date = self._pick_date(unit)
        if inc_date and unit_date and not _same_time(inc_date, unit_date):
            return False
        inc_admin = self._admin1_votes(incident.units)
        unit_admin = self._admin1_votes([unit])
        if inc_admin and unit_admin:
            best_inc, best_unit = max(inc_admin, key=inc_admin.get), max(unit_admin, key=unit_admin.get)
            if best_inc[1] and best_unit[1] and best_inc[1] != best_unit[1]:
                return False
            if best_inc[0] and best_unit[0] and best_inc[0] != best_unit[0]:
                return False
        return True

    # -- the report of one incident -----------------------------------------------------------
    def _pick_date(self, unit: _Unit) -> DateMatch | None:
        """The incident's date in this unit: not a date things are counted from ("منذ دحره في آذار
        2019"; a day a fight broke out is kept), preferably not the day a statement was made, then
        the date nearest the casualty figure or trigger, then the most precise."""
        dated = [
            d
            for d in unit.dates
            if d.precision in ("day", "week", "month")
            and (d.precision == "day" or not _SINCE.search(unit.norm[max(0, d.start - 30) : d.start]))
        ]
        if not dated:
            return None
        anchor = unit.mentions[0].start if unit.mentions else (unit.trigger.start if unit.trigger else 0)

        def rank(d: DateMatch):
            said = bool(self.cues.statement_before.search(unit.norm[max(0, d.start - 45) : d.start]))
            distance = d.start - anchor if d.start >= anchor else anchor - d.end
            return (said, ("day", "week", "month").index(d.precision) > 0, distance)

        best = min(dated, key=rank)
        ordinal = _ORDINAL_DAY.search(unit.norm)
        if ordinal and best.precision == "day":
            back = _ORDINALS.get(ordinal.group(1), 1) - 1
            return DateMatch(
                best.start, best.end, best.date - dt.timedelta(days=back), "day", best.rule + "+ordinal_day", best.text
            )
        return best

    def _incident_date(self, units: list[_Unit]) -> DateMatch | None:
        for unit in units:
            picked = self._pick_date(unit)
            if picked:
                return picked
        return None

    def _admin1_votes(self, units: list[_Unit]) -> dict[tuple[str | None, str | None], float]:
        return self._votes([mw for u in units for mw in u.places])

    def _place(self, units: list[_Unit]):
        """The incident's place: the best-supported governorate, then its most specific place."""
        candidates = [(m, w) for u in units for m, w in u.places]
        if not candidates:
            return None
        # a place abroad only decides when nothing in Iraq or Syria is named ("غارة على دمشق" by Israel)
        in_scope = [(m, w) for m, w in candidates if self.lex.places[m.entry_id].get("country") in self.lex.in_scope]
        candidates = in_scope or candidates
        admin_weight = self._votes(candidates)

        # a country or region mention fits every governorate of its country: a governorate named
        # with enough weight wins over it
        def score(key):
            country, admin1 = key
            return (admin1 is not None and admin_weight[key] >= 0.4, admin_weight[key])

        best_key = max(admin_weight, key=score)
        in_best = [(m, w) for m, w in candidates if self._place_key(m) == best_key]
        strong = [(m, w) for m, w in in_best if w >= 0.4] or in_best
        match, _ = max(
            strong, key=lambda mw: (_FEATURE_RANK.get(self.lex.places[mw[0].entry_id].get("feature_type"), 0), mw[1])
        )
        return match

    def _actors(self, incident: _Incident, victims: dict[str | None, dict[str, int | None]]):
        units = incident.units + incident.context
        agents = [a for u in units for a in u.agents[: u.strong_agents]] + [
            a for u in units for a in u.agents[u.strong_agents :]
        ]
        targets = [t for u in units for t in u.targets]
        sources = {a for u in units for a in u.sources}
        named_victims = [a for u in units for a in u.victims]
        mentioned = [m.entry_id for u in units for m in u.actors if m.entry_id not in sources]
        actor1 = None
        # a named perpetrator beats "gunmen" ("شن مسلحون هجوماً ... الهجوم نفذه داعش")
        agents = [a for a in agents if a != "civilians"]
        named = [a for a in agents if a not in ("unidentified", "unidentified_gunmen")]
        if named:
            actor1 = named[-1] if any(a == "isis" for a in named) and named[-1] == "isis" else named[0]
        elif agents:
            actor1 = agents[0]
        parties = [p for u in units for p in u.parties]
        if actor1 is None and parties:  # a clash "بين X و Y": both sides fight
            actor1 = parties[0]
            targets = [p for p in parties[1:] if p != actor1] + targets
        # the target among the victims: an armed side before civilians caught with it, then the most hit
        victim_groups = sorted(
            (g for g in victims if g),
            key=lambda g: (not self._is_armed(g), -((victims[g].get(KILLED) or 0) + (victims[g].get(WOUNDED) or 0))),
        )
        if actor1 is None:
            if "isis" in mentioned and "isis" not in victim_groups[:1] and "isis" not in targets[:1]:
                actor1 = "isis"
            else:
                # a named armed actor that is neither hit nor counted among the dead is the likely attacker
                others = [
                    a
                    for a in mentioned
                    if a not in targets and a not in victim_groups and a != "civilians" and a not in named_victims
                ]
                actor1 = others[0] if others else None
        if actor1 is None and victim_groups[:1] == ["isis"]:
            # "أعلنت قيادة العمليات مقتل 9 إرهابيين": forces announcing the jihadists' dead killed them
            actor1 = next((a for u in units for a in u.sources if self._is_armed(a) and a != "isis"), None)
        actor2 = next((t for t in targets if t != actor1), None)
        if actor2 is None:
            actor2 = next((g for g in victim_groups + named_victims if g != actor1), None)
        if actor2 is None:
            actor2 = next((a for a in mentioned if a != actor1 and a != "civilians" and a not in agents), None)
        if actor2 in (None, "civilians") and any(_OWN_MEN.search(u.norm) for u in incident.units):
            # "أعلنت قسد مقتل 3 من مقاتليها": the source's own fighters are the victims
            actor2 = next((a for u in units for a in u.sources if self._is_armed(a) and a != actor1), actor2)
        if (
            actor2 is None
            and any((m.count or 0) > 0 for u in incident.units for m in u.mentions)
            and not any(self._is_armed(g) for g in victim_groups)
            and not any(m.noun in self._fighter_nouns for u in units for m in u.mentions)
        ):
            actor2 = "civilians"  # people killed or hurt with no side named: civilians, as ACLED codes them
        if actor2 is None and actor1 == "tribal_fighters":
            actor2 = actor1  # "نزاع عشائري": tribesmen on both sides
        if actor1 is None and actor2 == "tribal_fighters" and not targets:
            actor1 = actor2
        return actor1, actor2

    def _is_armed(self, actor_id: str) -> bool:
        return self.lex.actors.get(actor_id, {}).get("actor_type") in ARMED_ACTOR_TYPES

    def _successor(self, actor_id: str | None, date: dt.date | None) -> str | None:
        """The actor the same words name on `date` ("الجيش السوري" after 8 December 2024)."""
        row = self.lex.actors.get(actor_id or "")
        if (
            row
            and date
            and row.get("succeeded_by")
            and row.get("succeeded_on")
            and date >= dt.date.fromisoformat(row["succeeded_on"])
        ):
            return row["succeeded_by"]
        return actor_id

    def _article_governorate(self, units: list[_Unit]) -> str | None:
        """The admin1 place the article's incidents happen in, when one governorate dominates its
        scene-setting mentions (datelines, outlets and reference points weigh little)."""
        votes: dict[str, float] = {}
        for unit in units:
            if not self._eventful(unit):
                continue
            for match, weight in unit.places:
                place = self.lex.places[match.entry_id]
                if place.get("country") in self.lex.in_scope and place.get("admin1"):
                    votes[place["admin1"]] = votes.get(place["admin1"], 0) + weight
        if not votes:
            return None
        best = max(votes, key=votes.get)
        if votes[best] < 2 * sum(v for k, v in votes.items() if k != best):
            return None  # several governorates: a report without a place is not given one
        return self._admin1_place.get(best)

    def _report(self, incident: _Incident, published, article_country, seq, scene=None) -> Report | None:
        units = incident.units
        mentions = [m for u in units for m in u.mentions]
        killed, killed_rule, victims_k = _toll(mentions, KILLED)
        wounded, wounded_rule, victims_w = _toll(mentions, WOUNDED)
        if killed is None and any(u.survived for u in units):
            killed, killed_rule = 0, "survived"
        if killed is None and wounded is None and any(u.no_casualties for u in units):
            killed, wounded, killed_rule, wounded_rule = 0, 0, "no_casualties", "no_casualties"
        has_figure = killed is not None or wounded is not None
        has_trigger = any(u.trigger for u in units)
        if not has_figure and not has_trigger:
            return None
        if not has_figure and not any(self._eventful_without_casualties(u) for u in units):
            return None  # "هجمات أوقعت عددا من الضحايا": no figure and no specific incident

        date = self._incident_date(units) or self._incident_date(incident.context)
        all_dates = [d for u in units for d in u.dates]
        if date is None and any(d.precision == "year" for d in all_dates):
            return None  # history: only a year is given ("قتل زعيم التنظيم عام 2019")
        if date is None and _PLUPERFECT.search(units[0].norm):
            date_value, precision, rule, date_text = None, None, "earlier_undated", None
        elif date is None:
            if published is None:
                date_value, precision, rule, date_text = None, None, "unknown", None
            else:
                date_value, precision, rule, date_text = published, "day", "published_date", None
        else:
            date_value, precision, rule, date_text = date.date, date.precision, date.rule, date.text
        if published and date_value and date_value > published:
            date_value, precision, rule = published, "day", rule + "+capped_at_published"

        place = self._place(units + incident.context)
        country = self.lex.places[place.entry_id].get("country") if place else article_country
        if country and country not in self.lex.in_scope:
            return None  # Gaza, Lebanon, Turkey...: outside what this pipeline codes
        if (
            scene
            and (place is None or self.lex.places[place.entry_id].get("feature_type") == "country")
            and self.lex.places[scene].get("country") == country
        ):
            place = None  # "تعرض المطار لهجوم": the article's one governorate is the scene
            place_id, location_text = scene, None
        elif place is None and article_country:
            country_place = next(
                (
                    pid
                    for pid, p in self.lex.places.items()
                    if p.get("feature_type") == "country" and p.get("country") == article_country
                ),
                None,
            )
            place_id, location_text = country_place, None
        else:
            place_id, location_text = (place.entry_id, place.surface) if place else (None, None)

        victims: dict[str | None, dict[str, int | None]] = {}
        for group, count in victims_k.items():
            victims.setdefault(group, {})[KILLED] = count
        for group, count in victims_w.items():
            victims.setdefault(group, {})[WOUNDED] = count
        actor1, actor2 = self._actors(incident, victims)
        trigger = max(
            (u.trigger for u in units + incident.context if u.trigger),
            key=lambda t: int(self.lex.triggers[t.entry_id]["priority"]),
            default=None,
        )
        if (
            actor1 is None
            and trigger
            and self.lex.triggers[trigger.entry_id]["event_type"] in _VIOLENT_TYPES
            and (killed or wounded or actor2)
        ):
            actor1 = "unidentified_gunmen"  # unclaimed drones, unnamed gunmen: an unidentified armed group
        actor1, actor2 = self._successor(actor1, date_value), self._successor(actor2, date_value)
        vague = "; ".join(m.vague_text for m in mentions if m.vague_text) or None
        evidence = " … ".join(u.text for u in units)
        return Report(
            seq=seq,
            event_date=date_value,
            date_precision=precision,
            date_rule=rule,
            date_text=date_text,
            place_id=place_id,
            location_text=location_text,
            trigger_id=trigger.entry_id if trigger else None,
            trigger_text=trigger.surface if trigger else None,
            actor1_id=actor1,
            actor2_id=actor2,
            killed=killed,
            wounded=wounded,
            killed_rule=killed_rule,
            wounded_rule=wounded_rule,
            vague_text=vague,
            evidence=evidence,
            victims=[
                Victim(actor_id=g, killed=v.get(KILLED), wounded=v.get(WOUNDED), evidence=evidence)
                for g, v in victims.items()
                if g
            ],
        )


_GENERIC_ACTORS = {"unidentified_gunmen"}
# Event types whose attacker, when the text names none, is an unidentified armed group.
_VIOLENT_TYPES = {"Battles", "Explosions/Remote violence", "Violence against civilians"}
_OF_THE = re.compile(r"^\s*(?:من|تابعين|تابعه|تابع|ينتمون|ينتمي)?\s*(?:ل|ال|لل)?\s*$")


# A settlement a reporter names by its kind: "بلدة الخوين"، "قرية الصفرة"، "حي المقوس".
_SCENE = re.compile(
    normalize(
        r"(?:^|\s)(?:(?:و|ف)?(?:في|ب)\s+)?(?:و|ب)?(?:بلدة|قرية|مدينة|حي|مخيم)\s+(?!ال(?:بلدة|قرية|مدينة|منطقة)\b)(\S+)"
    )
)


def _scenes(units: list[_Unit]) -> set[str]:
    return {m.group(1).lstrip("ال") for u in units for m in _SCENE.finditer(u.norm)}


# Dates told against the incident just reported: "وفي اليوم ذاته"، "وسبق ذلك بأيام"، "قبل ذلك بيومين".
_BEFORE_PREVIOUS = re.compile(
    normalize(r"(?:سبق ذلك|سبقه|سبقها|قبل ذلك|قبلها|قبله)\s+(ب(?:يوم|يومين|أيام|ايام|أسبوع|اسبوع|ساعات|ساعه))")
)
_DAYS_BEFORE = {
    normalize(k): v
    for k, v in {
        "بيوم": (1, "day"),
        "بيومين": (2, "day"),
        "بساعات": (0, "day"),
        "بساعه": (0, "day"),
        "بأسبوع": (7, "week"),
        "باسبوع": (7, "week"),
        "بأيام": (None, "month"),
        "بايام": (None, "month"),
    }.items()
}
_NO_OWN_DATE = ("published_date", "unknown", "earlier_undated")


def _attacker_from_previous(report: Report, first: _Unit, previous: Report) -> None:
    """ "ضربة ثانية على مصنع"، "وفي بلدة الخوين استشهد شخص آخر نتيجة القصف": a further incident of the
    same kind, or one pointing back at the attack told before, has the same attacker when it names none."""
    if (
        report.actor1_id in (None, "unidentified_gunmen")
        and (first.another_incident or first.anaphora)
        and previous.actor1_id not in (None, "unidentified_gunmen")
        and previous.actor1_id != report.actor2_id
    ):
        report.actor1_id = previous.actor1_id


def _named_in(scenes: set[str], units: list[_Unit]) -> bool:
    """One of the scenes is named in the units ("بلدة خان أرنبة بالقنيطرة" names القنيطرة)."""
    return any(scene in u.norm for scene in scenes for u in units)


def _named_over_generic(norm: str, matches: list) -> list:
    """ "مسلحين من داعش": gunmen followed by the group they belong to are that group."""
    out = []
    for match in matches:
        if (
            out
            and out[-1].entry_id in _GENERIC_ACTORS
            and match.entry_id not in _GENERIC_ACTORS
            and _OF_THE.match(norm[out[-1].end : match.start])
        ):
            out[-1] = type(match)(out[-1].start, match.end, match.entry_id, norm[out[-1].start : match.end])
            continue
        out.append(match)
    return out


def _same_time(a: DateMatch, b: DateMatch) -> bool:
    """Two dates can describe one incident: a day apart at most, or the same month/week."""
    if "month" in (a.precision, b.precision):
        return (a.date.year, a.date.month) == (b.date.year, b.date.month)
    limit = 7 if "week" in (a.precision, b.precision) else 1
    return abs((a.date - b.date).days) <= limit


def _toll(mentions: list[CasualtyMention], kind: str) -> tuple[int | None, str | None, dict[str | None, int]]:
    """The incident's figure of one kind, and by victim group.

    Per group, repeated or updated figures take the largest ("قتل 9 ... ارتفع إلى 11"), unless
    the text says "another" (then they add up). Figures of different groups add up; a figure with
    no group is a total, so the toll is the larger of that total and the sum of the groups.
    Shares ("16 منهم مدنيون") fill the breakdown but never the total.
    """
    of_kind = [m for m in mentions if m.kind == kind]
    counted = [m for m in of_kind if m.count is not None]
    if not counted:
        return None, ("vague" if of_kind else None), {}
    if any(m.updated for m in counted):  # the latest toll replaces the earlier ones, never adds to them
        counted = [m for m in counted if m.updated]
    groups: dict[object, int] = {}
    listed: dict[tuple[int, str], int] = {}
    for idx, m in enumerate(counted):
        if m.subset:
            continue
        if m.group is None and m.listed:  # an unnamed side in a list of sides: adds up, is not a total
            groups[("side", idx)] = m.count
        elif m.listed:  # "قتل شاب وفتى": the items of one list add up
            listed[(m.chain, m.group)] = listed.get((m.chain, m.group), 0) + m.count
        elif m.additive and m.group in groups:
            groups[m.group] += m.count
        else:
            groups[m.group] = max(groups.get(m.group, 0), m.count)
    for (_, group), count in listed.items():  # the same side told again elsewhere: the larger figure
        groups[group] = max(groups.get(group, 0), count)
    shares: dict[str | None, int] = {}
    for m in counted:
        if m.subset and m.group:
            shares[m.group] = max(shares.get(m.group, 0), m.count)
    known = sum(v for g, v in groups.items() if g is not None)
    unknown = groups.get(None, 0)
    total = max(known, unknown)
    breakdown = {g: v for g, v in groups.items() if isinstance(g, str)}
    for g, v in shares.items():
        breakdown.setdefault(g, v)
    rules = sorted({m.rule for m in counted} | ({"update"} if any(m.updated for m in counted) else set()))
    how = "sum_of_groups" if known >= unknown and len(breakdown) > 1 else "largest_figure"
    return total, f"{how}({','.join(rules)})", breakdown


_DENIAL_OR_MEMORY = r"(?:^|\s)(?:و)?{}(?!\w)"
# "أعلنت الخلية، اليوم الثلاثاء،": the day something was said, not always the day it happened.
_STATEMENT_BEFORE = r"{}(?:\s+\S+){{0,4}}[\s،,]*(?:في\s+)?$"
# "قال مصدر في الشرطة"، "بحسب المرصد"، "المتحدث باسم قسد": who tells the news is not who did it.
_SOURCE_BEFORE = (
    r"(?:^|\s)(?:و|ف)?{}"
    + normalize(r"(?:\s+(?:مؤسسة|مؤسسه|مديرية|قيادة|هيئة|وزارة|دائرة|مكتب|جهاز|خلية|مركز|إدارة|ادارة|قوات|وكالة))?")
    + r"\s+(?:ل|ال|لل)?$"
)
# A sentence holding one of these cues tells no incident of its own (non_conflict: unless a conflict trigger).
_NOT_AN_INCIDENT = {"running_total", "judicial", "overview", "denial_or_memory"}


class _Cues:
    """The cue phrases of `cue_phrases.csv` compiled into the patterns the grammar needs."""

    def __init__(self, cues: dict[str, list[str]]):
        self.running_total = re.compile(alternation(cues["running_total"]) + r"(?!\w)")
        self.statement_before = re.compile(_STATEMENT_BEFORE.format(alternation(cues["speech"] + cues["statement"])))
        self.source_before = re.compile(_SOURCE_BEFORE.format(alternation(cues["speech"] + cues["news_source"])))
        # the words these cue phrases start with (a "word*" phrase by its first four letters), to pass
        # over the sentences holding none of them without running the pattern
        self._scan_firsts = set()
        for name in ("running_total", "non_conflict", "judicial", "overview", "denial", "memory"):
            for phrase in cues[name]:
                first = phrase.split()[0]
                alternatives = first[1:-1].split("|") if first.startswith("(") else [first]
                self._scan_firsts.update(w.rstrip("*")[:4] if w.endswith("*") else w for w in alternatives)
        # the cues that make a sentence no incident, found in one pass over it
        self._scan = re.compile(
            "|".join(
                [
                    f"(?P<{name}>{alternation(cues[name])}(?!\\w))"
                    for name in ("running_total", "non_conflict", "judicial", "overview")
                ]
                + [
                    "(?P<denial_or_memory>"
                    + _DENIAL_OR_MEMORY.format(alternation(cues["denial"] + cues["memory"]))
                    + ")"
                ]
            )
        )
        self.new_incident = re.compile(r"(?:و)?" + alternation(cues["new_incident"]) + r"(?!\w)")
        self.another_incident = re.compile(
            alternation(cues["incident_noun"]) + r"\s+" + alternation(cues["another_mark"]) + r"(?!\w)"
        )
        self.same_day_as_previous = re.compile(r"(?:و)?" + alternation(cues["same_day_as_previous"]) + r"(?!\w)")
        self.same_time_as_previous = re.compile(r"(?:و)?" + alternation(cues["same_time_as_previous"]) + r"(?!\w)")

    def scan(self, norm: str) -> set[str]:
        """The no-incident cues in a sentence: running_total, non_conflict, judicial, overview, denial_or_memory."""
        firsts = self._scan_firsts
        if not any(w in firsts or w[1:] in firsts or w[:4] in firsts for w in norm.split()):
            return set()  # no word a cue phrase starts with: most sentences
        return {m.lastgroup for m in self._scan.finditer(norm)}

    def date_from_previous(self, report: Report, norm: str, previous: Report) -> None:
        """A report without its own date that points at the one before takes its date from it."""
        if report.date_rule not in _NO_OWN_DATE or previous.event_date is None:
            return
        if self.same_day_as_previous.search(norm):
            report.event_date, report.date_precision = previous.event_date, previous.date_precision
            report.date_rule, report.date_text = "same_day_as_previous", None
        elif self.same_time_as_previous.search(norm):
            report.event_date, report.date_precision = previous.event_date.replace(day=1), "month"
            report.date_rule, report.date_text = "same_time_as_previous", None
        elif before := _BEFORE_PREVIOUS.search(norm):
            days, precision = _DAYS_BEFORE[before.group(1)]
            date = previous.event_date if days is None else previous.event_date - dt.timedelta(days=days)
            report.event_date = date.replace(day=1) if precision == "month" else date
            report.date_precision, report.date_rule, report.date_text = precision, "before_previous", before.group(0)


@functools.lru_cache(maxsize=4)
def _extractor(lexicon: Lexicon) -> Extractor:
    """One extractor per loaded lexicon (bounded: a keyed-by-id dict kept every lexicon alive)."""
    return Extractor(lexicon)


def extract_article(text: str, published: dt.date | None, lexicon: Lexicon, title: str | None = None) -> list[Report]:
    """The reports of one article. `title` is not read: newswire repeats it in the body."""
    return _extractor(lexicon).extract(text, published)


def default_seeds_dir() -> Path:
    """The dbt project's seeds folder, where the lexicons live (config.DBT_SEEDS_DIR)."""
    return SEEDS_DIR
