"""Removal of web boilerplate from extracted article text, line by line.

Every removed line is recorded with a reason, so analysts can audit the cleaner. The rules are
generic page furniture found on Arabic news sites: "related content" blocks (which cut the rest
of the page: what follows is other articles), teasers, repeated headlines, Latin-only lines,
page clocks and datelines, share/font widgets, comment and newsletter prompts, tag lines,
source attributions, bullet lists of headlines, bylines, photo captions with an agency credit,
and very short unpunctuated lines (site names, section labels).

A line that ends like a sentence and is long enough is never removed by the short-line or
bullet rules, so news sentences survive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import is_date_only_line
from .normalize import arabic_share, normalize

__all__ = ["CleanedArticle", "clean_article"]


@dataclass
class CleanedArticle:
    text: str
    n_lines_removed: int
    removed: list[tuple[str, str]] = field(default_factory=list)  # (line, reason)


def _n(s: str) -> str:
    return normalize(s).strip()


_ARABIC = re.compile("[\u0621-\u064a\u0671-\u06d3]")
_FINAL_PUNCT = tuple(".!?؟…:\"'”»)")
_SENTENCE_END = tuple(".!?؟…")

# Related-content headings (normalised forms); optional trailing ':' / count "(3)".
_RELATED_WORDS = (
    r"اقرا\s+(?:ايضا|المزيد)|(?:مقالات|مواضيع|اخبار|تقارير|قصص)\s+(?:مشابهه|ذات\s+صله|متعلقه|مرتبطه|اخري|قد\s+تهمك)"
    r"|ذات\s+صله|الاكثر\s+(?:قراءه|مشاهده|تداولا|تعليقا)|التعليقات|تعليقات\s+القراء|شاهد\s+(?:ايضا|المزيد)"
    r"|المزيد\s+من\s+\S+(?:\s+\S+)?|اخترنا\s+لك|قد\s+يعجبك\s+(?:ايضا)?|يهمك\s+ايضا|اقرا\s+كذلك"
    r"|(?:اخر|احدث|اهم)\s+الاخبار|اخبار\s+عاجله|الاخبار\s+العاجله|مواد\s+ذات\s+صله|روابط\s+ذات\s+صله"
)
_RELATED_HEADING = re.compile(rf"^(?:[•\-–*|#]\s*)?(?:{_RELATED_WORDS})\s*(?:\(\s*\d*\s*\))?\s*[:：.\-–…]*\s*$")
# The same words followed by a headline on the same line: a teaser for another article.
_TEASER = re.compile(
    r"^(?:[•\-–*|]\s*)?(?:اقرا\s+(?:ايضا|المزيد|كذلك)|شاهد\s+(?:ايضا|المزيد)|اقرا\s+اكثر|ذات\s+صله"
    r"|اخترنا\s+لك|يهمك\s+ايضا|طالع\s+ايضا|للمزيد\s+(?:اقرا|اضغط|تابع|شاهد))\s*[:：\-–|>»«.…]*\s*\S"
)
_TAGS = re.compile(
    r"^(?:[•\-–*]\s*)?(?:كلمات\s+دلاليه|الكلمات\s+(?:المفتاحيه|الدلاليه)|كلمات\s+مفتاحيه|الوسوم|وسوم"
    r"|(?i:tags|keywords))\s*[:：]?"
)
_SOURCE = re.compile(r"^(?:[•\-–*(]\s*)?(?:المصدر|المصادر|مصدر\s+الخبر|(?i:source))\s*[:：\-–]?\s*")
_BYLINE = re.compile(
    r"^(?:[•\-–*]\s*)?(?:بقلم|كتب|كتبت|كتبه|اعداد|تحرير|ترجمه|تقرير|متابعه|مراسل|مراسله|تصوير"
    r"|(?i:by|written\s+by))(?:\s*[:：\-–]|\s+\S)"
)
_PROMPTS = re.compile(
    r"لا\s+توجد\s+تعليقات|لا\s+يوجد\s+تعليقات|كن\s+اول\s+من\s+يعلق|(?:اضف|اترك|اكتب)\s+(?:تعليق|تعليقك|رد)"
    r"|الرد\s+كضيف|ارسال\s+التعليق|سجل\s+الدخول|تسجيل\s+الدخول|اشترك\s+(?:الان|معنا|في\s+(?:النشره|قناتنا|خدمه))"
    r"|اشتراك\s+في\s+النشره"
    r"|النشره\s+(?:البريديه|الاخباريه)|بريدك\s+الالكتروني|تلقي\s+(?:اشعارات|الاشعارات)"
    r"|تفعيل\s+الاشعارات|ابق\s+علي\s+اطلاع|ابقي\s+علي\s+اطلاع|تابعونا\s+علي|تابعنا\s+علي|حمل\s+تطبيق"
    r"|جميع\s+الحقوق\s+محفوظه|حقوق\s+النشر|سياسه\s+الخصوصيه|شروط\s+الاستخدام|ادخل\s+بريدك"
)
_WIDGET_WORDS = {
    _n(w)
    for w in (
        "شارك",
        "شاركها",
        "مشاركة",
        "المشاركة",
        "المقال",
        "الخبر",
        "طباعة",
        "اطبع",
        "الخط",
        "حجم",
        "تكبير",
        "تصغير",
        "نسخ",
        "الرابط",
        "رابط",
        "مختصر",
        "فيسبوك",
        "تويتر",
        "واتساب",
        "واتس",
        "اب",
        "تلغرام",
        "تيليغرام",
        "تليجرام",
        "لينكدإن",
        "ارسال",
        "إرسال",
        "بريد",
        "حفظ",
        "عبر",
        "على",
        "أرسل",
        "لصديق",
        "انستغرام",
        "يوتيوب",
        "إكس",
        "العودة",
        "للأعلى",
        "الأعلى",
    )
}
_CAPTION_CREDIT = re.compile(
    r"[(\[]\s*(?:(?i:getty(?:\s+images)?|afp|reuters|ap|epa|anadolu|sana|ina|twitter|x|facebook)"
    r"|ا\s*ف\s*ب|فرانس\s+برس|رويترز|اسوشيتد\s+برس|الاناضول|الاناضول|سانا|واع|تويتر|فيسبوك|ارشيف"
    r"|ارشيفيه|صوره\s+ارشيفيه|مواقع\s+التواصل(?:\s+الاجتماعي)?|وسايل\s+التواصل|انترنت|الانترنت|خاص"
    r"|مصدر\s+الصوره|[^()\[\]]{0,30}/\s*(?i:getty|afp|reuters|ap|epa)[^()\[\]]{0,20})\s*[)\]]\s*$"
)
_CAPTION_PREFIX = re.compile(r"^(?:صوره|الصوره|صور|(?i:photo|image))\s*[:：\-–]")
_BULLET = re.compile(r"^\s*(?:[•·▪►◄■●◆▶✓*]|[-–—](?=\s)|\d{1,2}[.)\-](?=\s))")
_CLOCK_WEATHER = re.compile(r"(?<!\d)\d{1,2}\s*:\s*\d{2}(?!\d)|°|℃")


def _words(s: str) -> list[str]:
    return [w for w in s.split() if re.search(r"[^\W_]", w)]


def _dup_key(s: str) -> str:
    return re.sub(r"[\W_]+", " ", _n(s)).strip()


def _title_keys(title: str | None) -> set[str]:
    if not title or not title.strip():
        return set()
    keys = {_dup_key(title)}
    # "Headline | Site" / "Headline - Site": the headline part alone also counts
    parts = re.split(r"\s+[|–—-]\s+", title.strip())
    if len(parts) > 1:
        keys.add(_dup_key(max(parts, key=len)))
    return {k for k in keys if k}


def _line_reason(line: str, norm: str, arabic_article: bool = True) -> str | None:
    """Reason to drop a single line (independent of context), or None to keep it.

    In an article written in another language, lines without Arabic are its text, not chrome.
    """
    words = _words(norm)
    n_words = len(words)
    ends_sentence = line.rstrip().endswith(_SENTENCE_END)

    if arabic_article and not _ARABIC.search(norm):
        return "no_arabic"
    if _TEASER.match(norm) and n_words <= 25:
        return "teaser"
    if _TAGS.match(norm):
        return "tags"
    if _SOURCE.match(norm) and n_words <= 8:
        return "source"
    if _PROMPTS.search(norm) and n_words <= 20:
        return "prompt"
    if n_words <= 12 and (_CLOCK_WEATHER.search(norm) or not ends_sentence) and is_date_only_line(norm):
        return "dateline_or_clock"
    toks = [t for t in re.split(r"[\s|/•·]+", norm) if t]
    if (
        toks
        and sum(1 for t in toks if t in _WIDGET_WORDS or not re.search(r"\w", t)) >= 0.8 * len(toks)
        and n_words <= 8
        and not ends_sentence
    ):
        return "widget"
    if _BYLINE.match(norm) and n_words <= 8 and not ends_sentence:
        return "byline"
    if _CAPTION_CREDIT.search(norm) and n_words <= 30:
        return "caption"
    if _CAPTION_PREFIX.match(norm) and n_words <= 30:
        return "caption"
    if _BULLET.match(line) and n_words <= 25 and not line.rstrip().endswith("."):
        return "bullet_headline"
    # "site name - city" style byline/dateline lines
    if re.search(r"\s[-–]\s", norm) and n_words <= 4 and not line.rstrip().endswith(_FINAL_PUNCT):
        return "byline"
    if n_words <= 3 and not line.rstrip().endswith(_FINAL_PUNCT):
        return "short_line"
    return None


def clean_article(raw_text: str, title: str | None = None) -> CleanedArticle:
    """Drop boilerplate lines from `raw_text`; kept lines are joined with "\\n"."""
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    seen: set[str] = set()
    title_keys = _title_keys(title)
    kept_chars = 0
    cut = False
    in_related_block = False  # a related list met before any article body: drop the list only
    arabic_article = arabic_share(raw_text) >= 0.5

    for raw_line in raw_text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        if cut:
            removed.append((line, "after_related"))
            continue
        norm = _n(line)
        key = _dup_key(line)

        if _RELATED_HEADING.match(norm):
            if kept_chars >= 200:
                cut = True
                removed.append((line, "related_heading"))
            else:
                in_related_block = True
                removed.append((line, "related_heading"))
            continue
        if in_related_block:
            if not line.endswith(_SENTENCE_END) and len(_words(norm)) <= 20:
                removed.append((line, "related_list"))
                continue
            in_related_block = False

        if key and key in title_keys:
            removed.append((line, "title"))
            continue
        reason = _line_reason(line, norm, arabic_article)
        if reason is None and key in seen:
            reason = "duplicate"
        if reason:
            removed.append((line, reason))
            continue
        seen.add(key)
        kept.append(line)
        kept_chars += len(line)

    return CleanedArticle("\n".join(kept), len(removed), removed)
