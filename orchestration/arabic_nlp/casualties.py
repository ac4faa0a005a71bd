"""Death and injury figures in one sentence: who was killed or wounded, and how many.

Why one module of this size: triggers, count phrases, victim groups and their breakdowns are one
grammar over the same token stream; the words are data (casualty_terms.csv, victim_nouns.csv).

Reads `normalize()`d sentences. A mention is a trigger (مقتل، استشهاد، لقي حتفه، أصيب، جرح…)
or a casualty noun (قتلى، جرحى، شهداء…) with the count phrase that goes with it: digits, number
words, a dual noun (عنصرين = 2), a singular noun (مقتل شرطي = 1), "another" (وجرح آخر = 1), or a
vague amount (عدد من، العشرات) that leaves the count unknown. Victim groups come from the noun
(جنود، مدنيين) or from an actor named right after it ("11 عنصراً في الشرطة الاتحادية").
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from .normalize import normalize
from .numbers import find_numbers, find_vague_amount

KILLED, WOUNDED = "killed", "wounded"

# "N قتلى وجرحى"، "بين قتيل وجريح": one figure for both, so each stays unknown.
# ("قتلى وجريحين" is two wounded: a dual second noun carries its own count)
_JOINT = re.compile(
    normalize(
        r"(?:ضحايا\s+)?(?:بين\s+)?(?:قتيل|قتلى|شهيد|شهداء|مقتل|قتل|استشهاد|وفاة|ضحايا)(?:ا|اً)?\s+و\s?"
        r"(?:جريح|جرحى|مصاب|مصابين|إصابة|جرح|اصابه)(?!ين|ان|تين|تان)"
    )
)
_NO_CASUALTIES = re.compile(
    normalize(
        r"(?:دون|بدون|من دون|عدم)\s+(?:وقوع|تسجيل|حدوث|أن يسفر عن|أية|أي)?\s*(?:أي|أية)?\s*(?:إصابات|خسائر بشرية|ضحايا|إصابات بشرية)"
        r"|(?:لم|ولم)\s+(?:يسفر|تسفر|يسفرا|تسجل|يسجل|يؤد|تؤد)\s+(?:عن|إلى)?\s*(?:وقوع|سقوط|أي|أية)?\s*(?:أي|أية)?\s*(?:إصابات|خسائر بشرية|ضحايا|قتلى)"
        r"|(?:لا|ولا)\s+(?:إصابات|خسائر بشرية|ضحايا)"
    )
)
# Words every match of the pattern above contains: a sentence without them is not searched
# (most sentences; the pattern's alternatives are tried at every position otherwise).
_NO_CASUALTIES_WORDS = tuple(normalize(w) for w in ("إصابات", "خسائر", "ضحايا", "قتلى"))
_SURVIVED = re.compile(normalize(r"(?:^|\s)(?:و|ف)?(?:نجا|نجت|نجوا|نجاة|ينجو|بنجاة)(?:\s|$)"))
_SURVIVED_STEM = "نج"  # in every form above
_APPROX = [
    normalize(p)
    for p in (
        "ما لا يقل عن",
        "لا يقل عن",
        "ما يزيد عن",
        "ما يزيد على",
        "أكثر من",
        "نحو",
        "حوالي",
        "حوالى",
        "قرابة",
        "زهاء",
        "ما يقارب",
        "يقارب",
        "على الأقل",
        "عن",
        "ما مجموعه",
        "إلى",
        "الى",
    )
]
_ANOTHER_SINGLE = {
    normalize(w) for w in ("آخر", "أخرى", "آخرا", "آخراً", "اخرى", "ثالث", "ثالثة", "رابع", "رابعة", "خامس")
}
_ANOTHER_DUAL = {normalize(w) for w in ("آخران", "آخرين", "أخريين", "آخرون")}
_THEY_ARE = {normalize(w) for w in ("هم", "وهم", "هما", "وهما")}
_SUBSET = {normalize(w) for w in ("منهم", "بينهم", "منهما", "بينهما", "منهن", "بينهن")}
_VAGUE_ENDINGS = {
    normalize(p).split()[0][-3:]
    for p in (
        "عدد",
        "عددا",
        "العديد",
        "عشرات",
        "العشرات",
        "مئات",
        "المئات",
        "آلاف",
        "الآلاف",
        "بضعة",
        "بضع",
        "عدة",
        "جميع",
        "كل",
    )
}
# An actor named by its weapon ("القصف التركي"، "غارة إسرائيلية") is the attacker, never the victims.
WEAPON_START = re.compile(normalize(r"(?:ال)?(?:قصف|غاره|غارات|ضربه|ضربات|طائره|طائرات|مسيره|مسيرات|طيران|مدفعيه)\s"))
_RANGE_LOW = re.compile(r"بين\s+(\d+)\s+و\s*$")
_TOKEN = re.compile(r"\d+(?:,\d{3})*|[^\W\d_]+|[،,؛;:.()\"]", re.UNICODE)


@dataclass
class CasualtyMention:
    kind: str  # killed | wounded
    count: int | None  # None: vague or not stated
    rule: str  # which pattern gave the count
    start: int
    end: int
    group: str | None = None  # actor_id of the victims, when the text says
    noun: str | None = None  # the victim noun as written (normalised)
    subset: bool = False  # "منهم/بينهم": part of a figure already given
    additive: bool = False  # "آخر/آخرين": more victims on top of those already given
    chain: int = 0  # mentions of one list share it ("شاب وفتى"، "ضابط وجنديان")
    updated: bool = False  # told as an update ("ارتفعت الحصيلة إلى ..."): wins over earlier figures
    listed: bool = False  # one item of a list of sides ("28 عنصرا ... و56 مقاتلا ... وخمسه مدنيين")
    vague_text: str | None = None


def _died_of_wounds(mentions: list[CasualtyMention]) -> None:
    """ "أصيب الشاب بطلق ناري ما أدى لوفاته": the wounded died; they are counted once, as killed."""
    for idx, m in enumerate(mentions):
        if (
            m.kind == KILLED
            and m.rule.startswith("pronoun")
            and idx
            and mentions[idx - 1].kind == WOUNDED
            and mentions[idx - 1].count == m.count
        ):
            del mentions[idx - 1]
            return


@dataclass(frozen=True)
class VictimNoun:
    """A row of the casualty-noun lexicon: how many a bare noun means and whose side it is."""

    noun: str
    number: str  # singular | dual | plural | group
    group_iraq: str | None
    group_syria: str | None

    def group(self, country: str | None) -> str | None:
        return self.group_syria if country == "Syria" else self.group_iraq


def load_victim_nouns(path: Path) -> dict[str, VictimNoun]:
    """The casualty-noun lexicon (`victim_nouns.csv`), keyed by normalised noun."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        normalize(r["noun_ar"]).strip(): VictimNoun(
            normalize(r["noun_ar"]).strip(), r["number"], r["group_iraq"] or None, r["group_syria"] or None
        )
        for r in rows
        if r.get("noun_ar", "").strip()
    }


@dataclass
class _Tok:
    start: int
    end: int
    text: str  # as written (normalised)


def _tokens(text: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        out.append(_Tok(m.start(), m.end(), word))
    return out


ROLES = ("trigger", "kill_phrase", "post_verb", "count_noun", "dual_count_noun", "life_taker", "life_verb", "life_noun")


class CasualtyTerms:
    """The words of death and injury (`casualty_terms.csv`), by role, normalised once.

    - trigger: a verb or verbal noun the victims and their count follow ("مقتل 5"، "أصيب جنديان");
    - kill_phrase: a multi-word phrase that says "killed" before the victims ("أودى بحياة 3");
    - post_verb: a verb that follows its victims ("ثلاثة جنود قتلوا"، "5 عناصر لقوا حتفهم");
    - count_noun: a noun that is itself the casualty ("89 قتيلا"، "سقوط 5 جرحى");
    - dual_count_noun: a dual count noun, its own count of two ("قتيلين"، "جريحان");
    - life_taker: a verb whose بحياة may stand a few words later ("أودى الهجوم بحياة 4");
    - life_verb / life_noun: "lose" and "life", a killing only together ("فقد 4 أشخاص حياتهم").
    """

    def __init__(self, rows: list[dict]):
        self.by_role: dict[str, dict[str, set[str]]] = {role: {KILLED: set(), WOUNDED: set()} for role in ROLES}
        for row in rows:
            self.by_role[row["role"]][row["kind"]].add(normalize(row["term_ar"]).strip())
        self.triggers = self.by_role["trigger"]
        self.verbal_nouns = {
            normalize(r["term_ar"]).strip() for r in rows if r["role"] == "trigger" and r.get("form") == "noun"
        }
        self.dual_verbs = {
            normalize(r["term_ar"]).strip() for r in rows if r["role"] == "trigger" and r.get("form") == "dual_verb"
        }
        self.post_verbs = self.by_role["post_verb"]
        self.all_post_verbs = self.post_verbs[KILLED] | self.post_verbs[WOUNDED]
        self.count_nouns = self.by_role["count_noun"]
        self.dual_count_nouns = self.by_role["dual_count_noun"]
        self.life_takers = self.by_role["life_taker"][KILLED]
        self.life_verbs = self.by_role["life_verb"][KILLED]
        self.life_nouns = self.by_role["life_noun"][KILLED]
        # with a possessive: "حياتهم"، "لأرواحهم"
        self.life_noun_starts = tuple(
            p + n[:-1] + "ت" if n.endswith("ه") else p + n for n in self.life_nouns for p in ("", "ل", "ب")
        )
        self.any_trigger = self.triggers[KILLED] | self.triggers[WOUNDED]
        phrases = sorted(self.by_role["kill_phrase"][KILLED])
        self.kill_phrase_starts = tuple(phrases + ["و" + p for p in phrases])
        # A token holds no space, so a window can only start with a phrase if its first token
        # starts with the phrase's first word: most tokens are ruled out without building the window.
        self.kill_phrase_first_words = tuple({p.split()[0] for p in self.kill_phrase_starts})
        # Quick filter: every casualty word starts with one of these stems (its first three letters
        # when it has no more, else four), so a sentence with no word holding one is not tokenised:
        # most sentences speak of no casualty. A life_verb needs its life_noun, which the filter knows.
        # Phrases of several words are looked for whole.
        self.stems: dict[int, set[str]] = {3: set(), 4: set()}
        self.phrases: tuple[str, ...] = ()
        for role, table in self.by_role.items():
            if role == "life_verb":
                continue
            for term in (w for words in table.values() for w in words):
                if " " in term:
                    self.phrases += (term,)
                    continue
                core = _core(term)
                # "إصابة" → "إصابتهم": ta marbuta before a pronoun
                for form in {core, core[:-1] + "ت" if core.endswith("ه") else core}:
                    self.stems[3 if len(form) <= 3 else 4].add(form[:4])
        # one pattern, searched in C (a stem inside a longer word passes too: the parser decides)
        self._stem_pattern = re.compile(
            "|".join(sorted(map(re.escape, self.stems[4] | self.stems[3] | set(self.phrases)), key=len, reverse=True))
        )
        self.trigger_kind = functools.lru_cache(maxsize=1 << 16)(lambda w: _kind_of(w, self.triggers))
        self.dual_count_noun = functools.lru_cache(maxsize=1 << 16)(lambda w: _kind_of(w, self.dual_count_nouns))
        self.life_verb = functools.lru_cache(maxsize=1 << 16)(lambda w: _strip_clitics(w, self.life_verbs) is not None)

    def may_hold_term(self, text: str) -> bool:
        """Whether `text` may hold a casualty word: one of the stems appears in it."""
        return bool(self._stem_pattern.search(text))


def _core(word: str) -> str:
    """The word without a leading article, for the quick filter's stems."""
    return word[2:] if word.startswith("ال") and len(word) > 4 else word


def load_casualty_terms(path: Path) -> CasualtyTerms:
    """The casualty-word lexicon; a row with an unknown kind or role is an error, not skipped."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if (r.get("term_ar") or "").strip()]
    for line, row in enumerate(rows, 2):
        if (
            row.get("kind") not in (KILLED, WOUNDED)
            or row.get("role") not in ROLES
            or (row["role"] == "trigger") != (row.get("form") in ("verb", "noun", "dual_verb"))
        ):
            raise ValueError(
                f"{path}:{line}: kind must be killed|wounded, role one of {ROLES}, and a "
                f"trigger's form verb|noun|dual_verb; got {row}"
            )
    return CasualtyTerms(rows)


def _kind_of(word: str, table: dict[str, set[str]], clitics: bool = True) -> str | None:
    """killed/wounded when `word` (with clitics stripped, unless `clitics` is False) is in the table."""
    for kind, words in table.items():
        if _strip_clitics(word, words) if clitics else word in words:
            return kind
    return None


def _strip_clitics(word: str, vocab: set[str]) -> str | None:
    """`word` or `word` without a leading و/ف/ب/ل/ك (and ال), if that form is in `vocab`."""
    if word in vocab:
        return word
    for prefix in ("وب", "ول", "فب", "فل", "و", "ف", "ب", "ل", "ك"):
        if word.startswith(prefix) and word[len(prefix) :] in vocab:
            return word[len(prefix) :]
    for prefix in ("وال", "بال", "فال", "لل", "ال"):
        if word.startswith(prefix) and word[len(prefix) :] in vocab:
            return word[len(prefix) :]
    return None


class CasualtyParser:
    """Finds casualty mentions in normalised sentences, using the victim-noun and actor lexicons."""

    def __init__(self, victim_nouns: dict[str, VictimNoun], terms: CasualtyTerms, actor_finder=None):
        self.terms = terms
        self.nouns = victim_nouns
        self.noun_vocab = set(victim_nouns)
        self.find_actors = actor_finder or (lambda text: [])
        self._pronoun_cache = functools.lru_cache(maxsize=1 << 16)(self._pronoun_victim_uncached)

    def _noun(self, word: str) -> str | None:
        """The lexicon key of a victim noun, also for regular duals and accusatives not listed:
        "منتسبان" → a dual of "منتسب"; "شرطيا" → the singular "شرطي"."""
        key = _strip_clitics(word, self.noun_vocab)
        if key or len(word) < 4:
            return key
        # "-ان" is a dual; "-ين" is dual or plural alike ("مسؤولين محليين"): a plural, unless listed as a dual
        for suffix, number in (("ان", "dual"), ("ين", "plural"), ("ا", None)):
            if word.endswith(suffix):
                stem = _strip_clitics(word[: -len(suffix)], self.noun_vocab)
                if stem and self.nouns[stem].number == "singular":
                    if number is None:
                        return stem
                    form = word[: -len(suffix)] + suffix
                    self.nouns[form] = VictimNoun(
                        form, number, self.nouns[stem].group_iraq, self.nouns[stem].group_syria
                    )
                    self.noun_vocab.add(form)
                    return form
        return None

    # -- public -------------------------------------------------------------------------------
    def may_mention(self, text: str) -> bool:
        """False when the sentence holds no casualty word at all (most sentences)."""
        return self.terms.may_hold_term(text)

    def parse(
        self, text: str, country: str | None = None, dates: list[tuple[int, int]] = (), actors: list | None = None
    ) -> list[CasualtyMention]:
        """Casualty mentions in `text`; numbers inside the `dates` spans are not counts. `actors`:
        the actor matches of `text`, when the caller has them already."""
        if actors is None and not self.may_mention(text):  # (a caller passing actors has checked)
            return []
        toks = _tokens(text)
        numbers = {n.start: n for n in find_numbers(text) if not any(a <= n.start < b for a, b in dates)}
        actors = self.find_actors(text) if actors is None else actors
        mentions: list[CasualtyMention] = []
        consumed_until = -1
        joint_spans = [m.span() for m in _JOINT.finditer(text)]

        i = 0
        while i < len(toks):
            tok = toks[i]
            if tok.start < consumed_until:
                i += 1
                continue
            pronoun = self._pronoun_victim(tok.text) if not self.terms.trigger_kind(tok.text) else None
            if pronoun:
                mentions.append(
                    CasualtyMention(
                        kind=pronoun[0],
                        count=pronoun[1],
                        rule="pronoun_dual" if pronoun[1] == 2 else "pronoun_singular",
                        start=tok.start,
                        end=tok.end,
                    )
                )
                consumed_until = tok.end
                i += 1
                continue
            kind = self._trigger_kind(toks, i)
            if kind:
                if any(a <= tok.start < b for a, b in joint_spans):
                    found = self._joint(toks, i, text, numbers)
                    mentions.extend(found)
                    consumed_until = max((m.end for m in found), default=tok.end)
                    i += 1
                    continue
                j = self._skip_fillers(toks, i + 1, text, kind)
                # "اغتال مسلحون مجهولون شاباً"، "أعدم التنظيم 3 مدنيين": the attacker stands between
                # an active verb and its victims; read past it, or, when no victims follow, read it as the victims
                after_subject = (
                    j if _strip_clitics(tok.text, self.terms.verbal_nouns) else self._after_subject(toks, j, actors)
                )
                chain = (
                    self._count_chain(
                        toks,
                        self._skip_fillers(toks, after_subject, text, kind),
                        text,
                        numbers,
                        actors,
                        kind,
                        country,
                        mentions,
                    )
                    if after_subject != j
                    else []
                )
                chain = chain or self._count_chain(toks, j, text, numbers, actors, kind, country, mentions)
                if not chain and _strip_clitics(tok.text, self.terms.dual_verbs):
                    # "وأصيبا بجروح": the dual verb is its own count of two
                    chain = [CasualtyMention(kind=kind, count=2, rule="dual_verb", start=tok.start, end=tok.end)]
                if chain:
                    mentions.extend(chain)
                    consumed_until = chain[-1].end
                i += 1
                continue
            dual_kind = self.terms.dual_count_noun(tok.text)
            if dual_kind:  # "قتيلين"، "وجريحان": a dual casualty noun is its own count
                mentions.append(
                    CasualtyMention(kind=dual_kind, count=2, rule="dual_count_noun", start=tok.start, end=tok.end)
                )
                consumed_until = tok.end
                i += 1
                continue
            vague = find_vague_amount(text[tok.start : tok.start + 30]) if tok.text[-3:] in _VAGUE_ENDINGS else None
            if vague:
                found = self._vague_count_noun(toks, i, text, vague, actors, country)
                if found:
                    mentions.append(found)
                    consumed_until = found.end
                    i += 1
                    continue
            # a count before its noun or verb: "89 قتيلا"، "ثلاثه جنود لقوا حتفهم"
            if tok.start in numbers:
                found = self._number_first(toks, i, text, numbers, actors, country, joint_spans)
                if found:
                    mentions.append(found)
                    consumed_until = found.end
            i += 1
        _died_of_wounds(mentions)
        self._resolve_subsets(mentions)
        self._fill_groups(mentions)
        for prev, m in zip(mentions, mentions[1:]):
            # "مقتل 8 وإصابة 20 آخرين": "others" than the dead, not more wounded on top of earlier wounded
            if m.additive and prev.kind != m.kind:
                m.additive = False
        return mentions

    @staticmethod
    def _resolve_subsets(mentions: list[CasualtyMention]) -> None:
        """ "منهم" is a share of an earlier figure of the same kind; else it only names the group
        ("وجرح اثنين آخرين منهم": two more of the same unit)."""
        for idx, m in enumerate(mentions):
            if m.subset and not any(p.kind == m.kind and not p.subset for p in mentions[:idx]):
                m.subset = False
                if idx and not m.group:
                    m.group, m.noun = mentions[idx - 1].group, mentions[idx - 1].noun

    @staticmethod
    def no_casualties(text: str) -> bool:
        """The sentence says the incident caused no casualties ("دون وقوع إصابات")."""
        return any(w in text for w in _NO_CASUALTIES_WORDS) and bool(_NO_CASUALTIES.search(text))

    @staticmethod
    def survived(text: str) -> bool:
        """The sentence says the target survived ("نجا من محاولة اغتيال")."""
        return _SURVIVED_STEM in text and bool(_SURVIVED.search(text))

    # -- triggers -----------------------------------------------------------------------------
    def _trigger_kind(self, toks: list[_Tok], i: int) -> str | None:
        word = toks[i].text
        kind = self.terms.trigger_kind(word)
        if kind:
            return kind
        # "فقد 4 أشخاص حياتهم"، "فقدان 3 من مقاتليها لأرواحهم"، "فارق الحياة": losing one's life
        if self.terms.life_verb(word) and any(
            _strip_clitics(t.text, self.terms.life_nouns) or t.text.startswith(self.terms.life_noun_starts)
            for t in toks[i + 1 : i + 7]
        ):
            return KILLED
        # لقي حتفه / لقوا مصرعهم: the victim comes before, handled in _number_first; here the
        # victim follows ("لقي شرطي حتفه")
        if (
            "لق" in word
            and _strip_clitics(word, {"لقي", "لقيت", "لقوا", "لقيا"})
            and any(t.text.startswith(("حتف", "مصرع")) for t in toks[i + 1 : i + 5])
        ):
            return KILLED
        if word.startswith(self.terms.kill_phrase_first_words) and " ".join(t.text for t in toks[i : i + 2]).startswith(
            self.terms.kill_phrase_starts
        ):
            return KILLED
        # "بين القتلى 19 من مقاتلي العشائر و25 ...": a definite casualty noun introducing figures
        if i + 1 < len(toks) and toks[i + 1].text[:1].isdigit() and word.startswith(("ال", "وال", "بال")):
            kind = _kind_of(word, self.terms.count_nouns)
            if kind:
                return kind
        # "أودى الهجوم بحياة ...": the subject may stand between the verb and بحياة
        if word == "بحياه" and any(_strip_clitics(t.text, self.terms.life_takers) for t in toks[max(0, i - 4) : i]):
            return KILLED
        return None

    def _pronoun_victim(self, word: str) -> tuple[str, int] | None:
        return self._pronoun_cache(word)

    def _pronoun_victim_uncached(self, word: str) -> tuple[str, int] | None:
        """ "مقتله"، "إصابتها" (one victim), "مقتلهما" (two): the trigger carries its victims as a pronoun."""
        for suffix, count in (("هما", 2), ("ه", 1), ("ها", 1)):
            if word.endswith(suffix):
                stem = word[: -len(suffix)]
                stem = stem[:-1] + "ه" if stem.endswith("ت") else stem  # إصابت+ه → إصابه
                kind = self.terms.trigger_kind(stem)
                if kind:
                    return kind, count
        return None

    @staticmethod
    def _after_subject(toks, j, actors) -> int:
        """Index after an actor named at token j (and a comma after it), else j."""
        if j >= len(toks):
            return j
        actor = next((a for a in actors if a.start <= toks[j].start < a.end), None)
        if actor is None or actor.entry_id == "civilians":
            return j
        k = j
        while k < len(toks) and toks[k].start < actor.end:
            k += 1
        return k + 1 if k < len(toks) and toks[k].text in {"،", ","} else k

    def _skip_fillers(self, toks, j, text, kind) -> int:
        """Skip what may stand between a trigger and its count: 'بحياة', 'عن', 'ما لا يقل عن'…"""
        while j < len(toks):
            rest = text[toks[j].start :]
            if toks[j].text in {"بحياه", "ضحيته", "ضحيتها", "ارواح", "وقوع", "سقوط", "بحق", "("} or (
                toks[j].text == "علي" and toks[j - 1].text.endswith("قضاء")
            ):  # "القضاء على"
                j += 1
                continue
            for phrase in _APPROX:
                if rest.startswith(phrase + " "):
                    j += len(phrase.split())
                    break
            else:
                return j
        return j

    # -- count phrases ------------------------------------------------------------------------
    def _count_chain(self, toks, j, text, numbers, actors, kind, country, previous) -> list[CasualtyMention]:
        """The count phrase after a trigger, and the list it may start: "مقتل 28 عنصرا ... و56 مقاتلا … وخمسه مدنيين"."""
        out: list[CasualtyMention] = []
        first = self._count_phrase(toks, j, text, numbers, actors, kind, country)
        if not first:
            return out
        mention, j = first
        out.append(mention)
        # continuation items of the same kind: "، 16 منهم مدنيون و19 من مقاتلي قسد"; an unknown
        # victim description may stand between items ("28 عنصرا من القوات الكورديه، و56 مقاتلا")
        while j < len(toks):
            k = self._next_item(toks, j, numbers)
            if k is None:
                break
            item = self._count_phrase(toks, k, text, numbers, actors, kind, country)
            if not item or item[0].count is None:
                break
            # "14 شخصا، بينهم سته مدنيين"، "3 اشخاص، هم جندي ومدنيان": shares of the figure before
            crossed = {t.text for t in toks[j:k]}
            nxt, j = item
            if crossed & (_SUBSET | _THEY_ARE):
                nxt.subset = True
            # "16 منهم" after a total is a share of it, not more victims
            if not nxt.subset and out[0].group is None and nxt.group is not None and any(m.subset for m in out[1:]):
                nxt.subset = True
            out.append(nxt)
        items = [m for m in out[1:] if not m.subset]
        if items:
            for m in [out[0], *items]:
                m.listed = True
                m.chain = id(out[0])
        return out

    def _next_item(self, toks, j, numbers) -> int | None:
        """Index of the next list item's number ("، و19"، "و24") within a few tokens, else None."""
        for k in range(j, min(len(toks), j + 7)):
            tok = toks[k]
            if tok.text in {".", "؛", ";", ":"} or self._trigger_kind(toks, k):
                return None
            if tok.start in numbers:
                prev = toks[k - 1].text if k > 0 else ""
                return k if prev in {"و", "،", ","} or prev in _SUBSET else None
            if tok.text.startswith("و") and tok.start + 1 in numbers:  # "وخمسه مدنيين"
                return k
            noun = self._noun(tok.text) if tok.text.startswith("و") else None
            if noun and self.nouns[noun].number in ("singular", "dual"):  # "ضابط ... وجنديان"
                return k
        return None

    def _count_phrase(self, toks, j, text, numbers, actors, kind, country):
        """(mention, index after it) for the count phrase starting at token j, else None."""
        if j >= len(toks):
            return None
        tok = toks[j]
        start = tok.start
        vague = find_vague_amount(text[tok.start : tok.start + 30])
        number = numbers.get(tok.start) or (numbers.get(tok.start + 1) if tok.text[:1] in "وفبل" else None)
        if number is not None:
            count, rule, k = number.value, "number", j
            while k < len(toks) and toks[k].end <= number.end:
                k += 1
        elif vague:
            count, rule, k = None, "vague", j + len(vague.split())
        else:
            noun_key = self._noun(tok.text)
            bare = tok.text
            if _strip_clitics(bare, _ANOTHER_SINGLE):
                count, rule, k = 1, "another", j + 1
            elif _strip_clitics(bare, _ANOTHER_DUAL) and bare.endswith("ان"):
                count, rule, k = 2, "another_dual", j + 1
            elif noun_key and self.nouns[noun_key].number in ("singular", "dual"):
                count = 1 if self.nouns[noun_key].number == "singular" else 2
                rule = f"{self.nouns[noun_key].number}_noun"
                k = j  # the noun is read below as the victim noun
            elif (
                noun_key
                and self.nouns[noun_key].number == "plural"
                and j + 1 < len(toks)
                and toks[j + 1].start in numbers
            ):  # "مدنيين اثنين": the number follows its noun
                number = numbers[toks[j + 1].start]
                count, rule, k = number.value, "noun_then_number", j
            elif noun_key and self.nouns[noun_key].number == "plural":
                count, rule, k, vague = None, "plural_noun", j, tok.text
            else:
                return None
        mention = CasualtyMention(
            kind=kind, count=count, rule=rule, start=start, end=toks[max(k - 1, j)].end, vague_text=vague
        )
        mention.additive = rule in ("another", "another_dual")
        k = self._read_victims(toks, k, text, actors, mention, country, numbers)
        return mention, k

    def _read_victims(self, toks, k, text, actors, mention, country, numbers) -> int:
        """Read the victim noun, "منهم", "آخرين" and an actor named right after the count."""
        limit = min(len(toks), k + 8)
        seen_noun = False
        while k < limit:
            tok = toks[k]
            if tok.start in numbers and tok.start > mention.start:
                if mention.rule == "noun_then_number" and numbers[tok.start].value == mention.count:
                    k += 1  # "منتسبين اثنين بالحشد": the count after its noun, the side after both
                    continue
                break
            if self._trigger_kind(toks, k) or tok.text in {"،", ",", ".", "؛", ":", "("}:
                break
            if tok.text == "و" or (tok.text.startswith("و") and _strip_clitics(tok.text, self.terms.any_trigger)):
                break
            if tok.text in _SUBSET:
                if seen_noun:  # "11 جنديا بينهم ضابط": what follows is a share, read separately
                    break
                mention.subset = True
                k += 1
                continue
            if _strip_clitics(tok.text, _ANOTHER_SINGLE | _ANOTHER_DUAL):
                mention.additive = True
                k += 1
                continue
            if tok.text.startswith("و") and self.terms.dual_count_noun(tok.text):
                break  # "اربعه قتلى وجريحين": the next item, with its own count
            noun_kind = _kind_of(tok.text, self.terms.count_nouns)
            if noun_kind:
                mention.kind = noun_kind
                seen_noun = True
            actor = next(
                (a for a in actors if a.start < tok.end and tok.start < a.end), None
            )  # "بالحشد": past the clitic
            if actor is not None and WEAPON_START.match(actor.surface):
                break  # "قتل 10 أشخاص في القصف الإسرائيلي": the cause, not the victims' side
            if actor is not None:
                mention.group = actor.entry_id
                mention.end = max(mention.end, actor.end)
                k += 1
                while k < len(toks) and toks[k].start < actor.end:
                    k += 1
                break
            noun_key = self._noun(tok.text)
            if (
                noun_key
                and seen_noun
                and tok.text.startswith("و")
                and self.nouns[noun_key].number in ("singular", "dual")
            ):
                break  # "قتل شاب وفتى": the next victim, counted on its own
            if noun_key:
                noun = self.nouns[noun_key]
                mention.noun = mention.noun or noun_key
                if noun.group(country):
                    mention.group = noun.group(country)
                seen_noun = True
                mention.end = tok.end
                k += 1
                continue
            if tok.text in {"من", "في", "بين"}:
                k += 1
                continue
            if seen_noun and self._actor_soon(toks, k, actors):
                k += 1  # "مسؤول رفيع في حزب العمال": an adjective before the victims' side
                continue
            if seen_noun or tok.start > mention.end + 1:
                break
            k += 1
        return k

    @staticmethod
    def _actor_soon(toks, k, actors) -> bool:
        """An actor starts within three tokens after `k`, introduced by في/من/ب."""
        for step in range(k + 1, min(len(toks), k + 4)):
            if any(toks[step].start <= a.start < toks[step].end for a in actors):
                return toks[step - 1].text in {"في", "من"} or toks[step].text[:1] == "ب"
        return False

    def _number_first(self, toks, i, text, numbers, actors, country, joint_spans):
        """A number followed by a casualty noun ("89 قتيلا") or by victims and a verb ("3 جنود قتلوا")."""
        number = numbers[toks[i].start]
        k = i
        while k < len(toks) and toks[k].end <= number.end:
            k += 1
        if k >= len(toks):
            return None
        if any(a <= toks[k].start < b for a, b in joint_spans):
            return None
        nxt = toks[k].text
        # "ما بين 20 و25 قتيلا": a range counts its lower bound, as ACLED does
        low = _RANGE_LOW.search(text[max(0, toks[i].start - 20) : toks[i].start])
        value, rule = (int(low.group(1)), "range_low") if low else (number.value, "count_noun")
        kind = _kind_of(nxt, self.terms.count_nouns, clitics=False)
        if kind:
            mention = CasualtyMention(kind=kind, count=value, rule=rule, start=toks[i].start, end=toks[k].end)
            self._read_victims(toks, k + 1, text, actors, mention, country, numbers)
            return mention
        # victims then a verb: "ثلاثه جنود لقوا حتفهم"
        for step in range(k, min(len(toks), k + 8)):
            word = toks[step].text
            if word in {".", "؛", ";", ":"}:
                break
            word = word[1:] if word.startswith("و") and word[1:] in self.terms.all_post_verbs else word
            for kind, verbs in self.terms.post_verbs.items():
                if word in verbs and (
                    kind == WOUNDED
                    or not word.startswith("لق")
                    or any(t.text.startswith(("حتف", "مصرع")) for t in toks[step + 1 : step + 3])
                ):
                    mention = CasualtyMention(
                        kind=kind, count=number.value, rule="number_then_verb", start=toks[i].start, end=toks[step].end
                    )
                    self._read_victims(toks, k, text, actors, mention, country, numbers)
                    if mention.noun or mention.group:
                        return mention
                    return None
        return None

    def _vague_count_noun(self, toks, i, text, vague, actors, country):
        """ "عدد من الجرحى"، "عشرات القتلى": a toll without a figure."""
        k = i + len(vague.split())
        if k >= len(toks):
            return None
        kind = _kind_of(toks[k].text, self.terms.count_nouns)
        if kind is None:
            return None
        mention = CasualtyMention(
            kind=kind,
            count=None,
            rule="vague",
            start=toks[i].start,
            end=toks[k].end,
            vague_text=text[toks[i].start : toks[k].end],
        )
        self._read_victims(toks, k + 1, text, actors, mention, country, {})
        return mention

    def _joint(self, toks, i, text, numbers) -> list[CasualtyMention]:
        """ "N قتلى وجرحى"/"مقتل وإصابة N": one figure for both sides of the toll, so none is known."""
        end = toks[min(len(toks) - 1, i + 6)].end
        phrase = text[toks[i].start : end]
        return [
            CasualtyMention(
                kind=kind, count=None, rule="joint_killed_wounded", start=toks[i].start, end=end, vague_text=phrase
            )
            for kind in (KILLED, WOUNDED)
        ]

    @staticmethod
    def _fill_groups(mentions: list[CasualtyMention]) -> None:
        """An elided victim noun takes the group of its neighbour: "بمقتل 6 وإصابة 12 من أفراد الأمن",
        "استشهاد ثمانيه أشخاص ... وجرح ثلاثه"."""
        for idx, m in enumerate(mentions):
            if m.group or m.noun:
                continue
            if (
                idx + 1 < len(mentions)
                and (mentions[idx + 1].group or mentions[idx + 1].noun)
                and mentions[idx + 1].start - m.end < 12
            ):
                m.group, m.noun = mentions[idx + 1].group, mentions[idx + 1].noun
            elif idx > 0:
                m.group, m.noun = mentions[idx - 1].group, mentions[idx - 1].noun
