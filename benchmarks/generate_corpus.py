"""Generate N realistic, distinct Arabic news pages (HTML) from the five bundled seed articles.

Each page is a full news-site page: <head> with og/meta tags (canonical URL,
article:published_time, JSON-LD NewsArticle), header nav and menus, a breaking-news ticker,
share widgets, an "اقرأ أيضاً" block of related links, a "most read" sidebar, inline scripts
and a footer, around the article body. The body is one of the seed texts, varied:

- places swapped among Iraqi / Syrian governorates and towns (same country, same kind,
  one consistent mapping per article, title included);
- figures changed: digits (not years) and the number words ثلاثة..عشرة;
- day-month dates changed (day 1-28, month within the same month-name system);
- paragraph order shuffled (the lead paragraph stays first);
- publication date (meta + visible <time>) and site name / domain varied;
- one closing sentence carries the article's index, so fingerprints are distinct by construction
  (also across batches generated with different --start offsets).

Deterministic: page i depends only on (--seed, i), so `--start` lets a later batch add new,
distinct articles to an inbox that already holds an earlier batch.

    .venv/bin/python benchmarks/generate_corpus.py --n 2000 --out /tmp/inbox --seed 7
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO / "seeds" / "articles"

# ------------------------------------------------------------------------------------------
# vocabularies

IRAQ_GOVS = [
    "بغداد",
    "البصرة",
    "نينوى",
    "الأنبار",
    "صلاح الدين",
    "كركوك",
    "ديالى",
    "بابل",
    "كربلاء",
    "النجف",
    "واسط",
    "ميسان",
    "ذي قار",
    "المثنى",
    "الديوانية",
    "أربيل",
    "دهوك",
    "السليمانية",
]
IRAQ_TOWNS = [
    "الموصل",
    "تكريت",
    "سامراء",
    "بعقوبة",
    "الرمادي",
    "الفلوجة",
    "هيت",
    "القائم",
    "الحويجة",
    "طوزخورماتو",
    "الخالص",
    "المقدادية",
    "خانقين",
    "بيجي",
    "الشرقاط",
    "تلعفر",
    "سنجار",
    "جلولاء",
    "داقوق",
    "الطارمية",
    "الحبانية",
    "الرشاد",
    "الصفرة",
    "حاوي العظيم",
    "القيارة",
]
SYRIA_GOVS = [
    "حلب",
    "إدلب",
    "اللاذقية",
    "طرطوس",
    "حماة",
    "حمص",
    "دمشق",
    "ريف دمشق",
    "درعا",
    "السويداء",
    "القنيطرة",
    "دير الزور",
    "الرقة",
    "الحسكة",
]
SYRIA_TOWNS = [
    "منبج",
    "القامشلي",
    "البوكمال",
    "الميادين",
    "تدمر",
    "السخنة",
    "عين العرب",
    "رأس العين",
    "تل أبيض",
    "الطبقة",
    "معرة النعمان",
    "جسر الشغور",
    "الباب",
    "عفرين",
    "الشدادي",
    "هجين",
    "غويران",
    "تل بيدر",
]
PLACE_CLASSES = {"iq_gov": IRAQ_GOVS, "iq_town": IRAQ_TOWNS, "sy_gov": SYRIA_GOVS, "sy_town": SYRIA_TOWNS}
# Targets only: these are also ordinary words ("the door", "the layer", "the fields", "hot"),
# so they are never searched for in the seed text.
_AMBIGUOUS = {"الباب", "الطبقة", "الميادين", "السخنة", "هيت", "القائم", "الرشاد", "الصفرة"}
_PLACE_CLASS = {name: cls for cls, names in PLACE_CLASSES.items() for name in names}
_PLACE_RE = re.compile(
    "|".join(sorted((re.escape(n) for n in _PLACE_CLASS if n not in _AMBIGUOUS), key=len, reverse=True))
)

LEVANT_MONTHS = [
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
]
GREG_MONTHS = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
]
_MONTH_SYSTEM = dict.fromkeys(LEVANT_MONTHS, LEVANT_MONTHS) | dict.fromkeys(GREG_MONTHS, GREG_MONTHS)
_MONTH_SYSTEM |= {"ابريل": GREG_MONTHS, "اغسطس": GREG_MONTHS}
_MONTH_ALT = "|".join(sorted(map(re.escape, _MONTH_SYSTEM), key=len, reverse=True))
_AR = "\u0600-\u06ff"
NUMBER_WORDS = ["ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة", "عشرة"]
# one pass: a day-month date, a 4-digit year (kept), a small figure, a number word
_FIGURE_RE = re.compile(
    rf"(?P<day>(?<!\d)\d{{1,2}})(?P<sp>\s+)(?P<month>{_MONTH_ALT})"
    r"|(?P<year>(?<!\d)\d{4}(?!\d))"
    r"|(?P<num>(?<![\d,.:/])\d{1,3}(?![\d,.:/]))"
    rf"|(?P<word>(?<![{_AR}])(?:{'|'.join(NUMBER_WORDS)})(?![{_AR}]))"
)

SITES = [
    ("شبكة الرافدين الإخبارية", "alrafidain-news.net", "iq"),
    ("وكالة دجلة للأنباء", "dijla-agency.com", "iq"),
    ("صحيفة المدى الجديد", "almada-jadid.com", "iq"),
    ("موقع بغداد اليوم", "baghdad-today.net", "iq"),
    ("قناة الفرات نيوز", "alfurat-tv.com", "iq"),
    ("شفق العراق", "shafaq-iraq.net", "iq"),
    ("المرصد الكردستاني", "kurdistan-observer.net", "iq"),
    ("عنب الشام", "enab-alsham.net", "sy"),
    ("وكالة الشمال السوري", "northsyria-news.com", "sy"),
    ("الجزيرة السورية اليوم", "jazira-today.net", "sy"),
    ("صوت الفرات", "sawt-alfurat.com", "sy"),
    ("المشرق نيوز", "almashriq-news.com", "xx"),
]
SECTIONS = [
    ("أخبار العراق", "iraq"),
    ("أخبار سوريا", "syria"),
    ("أمن", "security"),
    ("سياسة", "politics"),
    ("تقارير", "reports"),
    ("عربي ودولي", "world"),
]
NAV = [
    "الرئيسية",
    "العراق",
    "سوريا",
    "عربي ودولي",
    "اقتصاد",
    "رياضة",
    "ثقافة",
    "منوعات",
    "تقارير",
    "مقالات الرأي",
    "فيديو",
    "صور",
    "بودكاست",
    "اتصل بنا",
]
FOOTER = ["من نحن", "سياسة الخصوصية", "شروط الاستخدام", "أعلن معنا", "فريق التحرير", "خريطة الموقع", "الأرشيف", "RSS"]
HEADLINES = [
    "الحكومة تعلن خطة جديدة لدعم القطاع الزراعي في {gov}",
    "ارتفاع أسعار الذهب في الأسواق المحلية",
    "مجلس النواب يناقش مشروع قانون الموازنة",
    "افتتاح مستشفى جديد في {gov} بسعة {n} سرير",
    "وزارة الكهرباء: تحسن ساعات التجهيز خلال الصيف",
    "منتخب الشباب يتأهل إلى نهائي البطولة العربية",
    "انطلاق مهرجان الكتاب في {gov} بمشاركة {n} دار نشر",
    "الأمطار تغمر شوارع {gov} وتوقف الدوام الرسمي",
    "البنك المركزي يطلق منصة إلكترونية للتحويلات",
    "وزير النفط يبحث زيادة الإنتاج مع شركات أجنبية",
    "مسؤول محلي: إعادة تأهيل {n} مدرسة في {gov}",
    "تظاهرة في {gov} للمطالبة بفرص عمل",
    "الأمم المتحدة تحذر من موجة جفاف في المنطقة",
    "افتتاح جسر جديد يربط أحياء {gov}",
    "الصحة تسجل تراجعاً في الإصابات الموسمية",
    "قمة ثلاثية لبحث التعاون الاقتصادي والأمني",
]
CLOSERS = [
    "وبحسب سجلات {site}، فإن هذا هو التقرير رقم {k} الذي ينشره الموقع عن الوضع الأمني في {place} منذ مطلع العام.",
    "وأرشف قسم المتابعة في {site} هذا الخبر تحت الرقم {k} ضمن ملف {place}.",
    "ويحمل هذا التقرير الرقم المرجعي {k} في أرشيف {site} الخاص بمتابعة أخبار {place}.",
]
_CUT_MARKERS = re.compile(r"^\s*(إقرأ أيضاً|اقرأ أيضاً|اقرأ أيضا|إقرأ أيضا|مقالات مشابهة|التعليقات|المصدر|كلمات دلالية)")
_HAS_DIGIT = re.compile(r"\d")


# ------------------------------------------------------------------------------------------
# seeds


@dataclass(frozen=True)
class Seed:
    name: str
    title: str
    paragraphs: tuple[str, ...]


def _arabic_words(line: str) -> int:
    return sum(1 for w in line.split() if re.search(f"[{_AR}]", w))


def parse_seed(text: str, name: str = "") -> Seed:
    """Title + body paragraphs of a seed article (its own page furniture dropped)."""
    # whitespace collapsed (NBSP, double spaces): trafilatura normalises it the same way
    lines = [" ".join(ln.split()) for ln in text.replace("\r", "").split("\n")]
    lines = [ln for ln in lines if ln]
    title = None
    for ln in lines[:6]:
        if (
            len(ln) <= 160
            and _arabic_words(ln) >= 4
            and not _HAS_DIGIT.search(ln)
            and not _CUT_MARKERS.match(ln)
            and not ln.startswith(("إقرأ", "اقرأ"))
        ):
            title = ln
            break
    paragraphs: list[str] = []
    for ln in lines:
        if _CUT_MARKERS.match(ln):
            break
        if len(ln) >= 70 and _arabic_words(ln) >= 10 and ln != title and ln not in paragraphs:
            paragraphs.append(ln)
    if not paragraphs:
        raise ValueError(f"seed {name}: no body paragraphs")
    if title is None:
        title = " ".join(paragraphs[0].split()[:11]).rstrip("،,:")
    return Seed(name, title, tuple(paragraphs))


def load_seeds(seeds_dir: Path = SEEDS_DIR) -> list[Seed]:
    seeds = [parse_seed(p.read_text(encoding="utf-8"), p.name) for p in sorted(seeds_dir.glob("*.txt"))]
    if not seeds:
        raise SystemExit(f"no seed articles in {seeds_dir}")
    return seeds


# ------------------------------------------------------------------------------------------
# variation


def _place_mapper(rng: random.Random):
    mapping: dict[str, str] = {}

    def repl(m: re.Match) -> str:
        name = m.group(0)
        if name not in mapping:
            pool = [p for p in PLACE_CLASSES[_PLACE_CLASS[name]] if p not in mapping.values()]
            mapping[name] = rng.choice(pool) if rng.random() < 0.85 else name
        return mapping[name]

    return repl, mapping


def _figure_mapper(rng: random.Random):
    def repl(m: re.Match) -> str:
        if m.group("day"):
            months = _MONTH_SYSTEM[m.group("month")]
            return f"{rng.randint(1, 28)}{m.group('sp')}{rng.choice(months)}"
        if m.group("year"):
            return m.group("year")
        if m.group("num"):
            v = int(m.group("num"))
            if v == 0:
                return "0"
            return str(max(1, min(999, round(v * rng.uniform(0.4, 2.2)) + rng.randint(-2, 3))))
        return rng.choice(NUMBER_WORDS)

    return repl


def vary_text(text: str, place_repl, figure_repl) -> str:
    return _FIGURE_RE.sub(figure_repl, _PLACE_RE.sub(place_repl, text))


@dataclass(frozen=True)
class Article:
    index: int
    seed: str
    title: str
    paragraphs: tuple[str, ...]
    url: str
    site: str
    domain: str
    section: str
    published: datetime
    dateline_place: str
    related: tuple[tuple[str, str], ...]  # (title, url)
    most_read: tuple[str, ...]


def _slug(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))


def make_article(
    seeds: list[Seed], index: int, seed: int = 0, pub_start: date = date(2023, 1, 1), pub_end: date = date(2025, 10, 31)
) -> Article:
    rng = random.Random(f"{seed}:{index}")
    s = seeds[index % len(seeds)]
    place_repl, mapping = _place_mapper(rng)
    figure_repl = _figure_mapper(rng)
    title = vary_text(s.title, place_repl, figure_repl)
    paras = [vary_text(p, place_repl, figure_repl) for p in s.paragraphs]
    lead, rest = paras[0], paras[1:]
    rng.shuffle(rest)
    if rest and rng.random() < 0.3:  # sometimes a shorter version of the story
        rest = rest[: max(1, len(rest) - rng.randint(1, 2))]
    site, domain, country = rng.choice(SITES)
    places = list(mapping.values()) or ["بغداد"]
    dateline = rng.choice(places)
    lead = f"{dateline} - {site}: {lead}"
    closer = rng.choice(CLOSERS).format(site=site, k=f"{index + 1:06d}", place=rng.choice(places))
    paragraphs = (lead, *rest, closer)
    days = (pub_end - pub_start).days
    published = datetime.combine(pub_start + timedelta(days=rng.randint(0, days)), datetime.min.time()) + timedelta(
        minutes=rng.randint(6 * 60, 23 * 60)
    )
    section_name, section = rng.choice(SECTIONS)
    url = (
        f"https://www.{domain}/{section}/{published:%Y/%m/%d}/"
        f"{hashlib.sha1(f'{seed}:{index}'.encode()).hexdigest()[:10]}-{index}"
    )
    gov_pool = IRAQ_GOVS if country != "sy" else SYRIA_GOVS
    related = tuple(
        (
            rng.choice(HEADLINES).format(gov=rng.choice(gov_pool), n=rng.randint(3, 400)),
            f"https://www.{domain}/{rng.choice(SECTIONS)[1]}/{_slug(rng)}-{rng.randint(1000, 999999)}",
        )
        for _ in range(rng.randint(4, 7))
    )
    most_read = tuple(
        rng.choice(HEADLINES).format(gov=rng.choice(gov_pool), n=rng.randint(3, 400)) for _ in range(rng.randint(6, 10))
    )
    return Article(
        index, s.name, title, paragraphs, url, site, domain, section_name, published, dateline, related, most_read
    )


# ------------------------------------------------------------------------------------------
# HTML

_AR_MONTHS_PRINT = GREG_MONTHS


def render_html(a: Article, rng: random.Random | None = None) -> str:
    rng = rng or random.Random(a.url)
    e = html.escape
    iso = a.published.strftime("%Y-%m-%dT%H:%M:%S+03:00")
    human = f"{a.published.day} {_AR_MONTHS_PRINT[a.published.month - 1]} {a.published.year}"
    desc = a.paragraphs[0][:180]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "datePublished": iso,
        "dateModified": iso,
        "mainEntityOfPage": a.url,
        "publisher": {
            "@type": "Organization",
            "name": a.site,
            "logo": {"@type": "ImageObject", "url": f"https://www.{a.domain}/static/logo.png"},
        },
        "author": {"@type": "Person", "name": rng.choice(["فريق التحرير", "مراسل الموقع", "قسم الأخبار"])},
    }
    nav = "\n".join(
        f'<li class="nav-item"><a href="https://www.{a.domain}/{i}">{e(t)}</a></li>' for i, t in enumerate(NAV)
    )
    sub = "\n".join(f'<li><a href="https://www.{a.domain}/section/{s}">{e(n)}</a></li>' for n, s in SECTIONS)
    ticker = "\n".join(
        f'<li><a href="https://www.{a.domain}/breaking/{_slug(rng)}">{e(t)}</a></li>' for t in a.most_read[:4]
    )
    body = "\n".join(f"<p>{e(p)}</p>" for p in a.paragraphs)
    related = "\n".join(f'<li><a href="{e(u)}">{e(t)}</a></li>' for t, u in a.related)
    most = "\n".join(
        f'<li><span class="rank">{i + 1}</span><a href="https://www.{a.domain}/{_slug(rng)}">{e(t)}</a></li>'
        for i, t in enumerate(a.most_read)
    )
    share = "".join(
        f'<a class="share share-{k}" href="https://{h}/share?u={e(a.url)}" rel="nofollow">{e(lbl)}</a>'
        for k, h, lbl in (
            ("fb", "www.facebook.com", "فيسبوك"),
            ("tw", "twitter.com", "تويتر"),
            ("wa", "api.whatsapp.com", "واتساب"),
            ("tg", "t.me", "تلغرام"),
        )
    )
    footer = "\n".join(f'<li><a href="https://www.{a.domain}/p/{i}">{e(t)}</a></li>' for i, t in enumerate(FOOTER))
    tags = " ".join(
        f'<a class="tag" href="https://www.{a.domain}/tag/{i}">{e(t)}</a>'
        for i, t in enumerate(sorted({a.dateline_place, a.section, "داعش", "أمن"}))
    )
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(a.title)} | {e(a.site)}</title>
<meta name="description" content="{e(desc)}">
<link rel="canonical" href="{e(a.url)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{e(a.title)}">
<meta property="og:description" content="{e(desc)}">
<meta property="og:url" content="{e(a.url)}">
<meta property="og:site_name" content="{e(a.site)}">
<meta property="og:image" content="https://www.{a.domain}/img/{a.index}.jpg">
<meta property="article:published_time" content="{iso}">
<meta property="article:section" content="{e(a.section)}">
<meta name="twitter:card" content="summary_large_image">
<link rel="stylesheet" href="https://www.{a.domain}/static/main.css">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}gtag('js',new Date());
gtag('config','G-{rng.randint(10**8, 10**9)}');var adSlots=["top","side","inread"];</script>
<style>.ticker{{overflow:hidden}} .share{{margin:0 4px}} .rank{{font-weight:bold}}</style>
</head>
<body class="article-page">
<header class="site-header">
<div class="top-bar"><span class="today">{e(human)}</span> <a href="https://www.{a.domain}/login">تسجيل الدخول</a>
<a href="https://www.{a.domain}/subscribe">اشترك في النشرة</a></div>
<div class="logo"><a href="https://www.{a.domain}/"><img src="https://www.{a.domain}/static/logo.png" alt="{e(a.site)}"></a></div>
<nav class="main-nav"><ul>
{nav}
</ul></nav>
<nav class="sub-nav"><ul>
{sub}
</ul></nav>
<div class="ticker"><strong>عاجل</strong><ul>
{ticker}
</ul></div>
</header>
<div class="ad ad-top">إعلان</div>
<main class="container">
<div class="breadcrumbs"><a href="https://www.{a.domain}/">الرئيسية</a> › <a href="https://www.{a.domain}/{a.section}">{e(a.section)}</a></div>
<article class="post">
<h1 class="post-title">{e(a.title)}</h1>
<div class="post-meta"><span class="author">{e(ld["author"]["name"])}</span>
<time datetime="{iso}" class="published">{e(human)}</time></div>
<div class="share-bar">{share}</div>
<figure class="featured"><img src="https://www.{a.domain}/img/{a.index}.jpg" alt=""><figcaption>صورة أرشيفية</figcaption></figure>
<div class="post-content">
{body}
</div>
<div class="post-tags">{tags}</div>
<div class="share-bar bottom">شارك الخبر: {share}</div>
</article>
<section class="related">
<h3>اقرأ أيضاً</h3>
<ul>
{related}
</ul>
</section>
<aside class="sidebar">
<h3>الأكثر قراءة</h3>
<ol>
{most}
</ol>
<div class="newsletter"><h4>النشرة البريدية</h4><form><input type="email" placeholder="بريدك الإلكتروني"><button>اشترك</button></form></div>
</aside>
<section class="comments"><h3>التعليقات (0)</h3><p>لا توجد تعليقات حتى الآن</p></section>
</main>
<footer class="site-footer">
<ul>
{footer}
</ul>
<p class="copyright">جميع الحقوق محفوظة © {a.published.year} {e(a.site)}</p>
</footer>
<script src="https://www.{a.domain}/static/app.js" async></script>
</body>
</html>
"""


def article_path(out_dir: Path, index: int) -> Path:
    # 1,000 files per directory: an inbox of 100k pages stays listable
    return out_dir / f"batch_{index // 1000:04d}" / f"article_{index:07d}.html"


def generate_corpus(
    out_dir: Path | str, n: int, seed: int = 0, start: int = 0, seeds: list[Seed] | None = None
) -> list[Path]:
    """Write pages start..start+n-1 under out_dir; returns their paths."""
    out_dir = Path(out_dir)
    seeds = seeds or load_seeds()
    paths = []
    for i in range(start, start + n):
        a = make_article(seeds, i, seed)
        p = article_path(out_dir, i)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(render_html(a), encoding="utf-8")
        paths.append(p)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, required=True, help="number of pages")
    ap.add_argument("--out", type=Path, required=True, help="inbox directory to write into")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", type=int, default=0, help="index of the first page (for later batches)")
    args = ap.parse_args(argv)
    t0 = datetime.now()
    paths = generate_corpus(args.out, args.n, args.seed, args.start)
    size = sum(p.stat().st_size for p in paths)
    print(
        f"wrote {len(paths)} pages ({size / 1e6:.1f} MB) to {args.out} in "
        f"{(datetime.now() - t0).total_seconds():.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
