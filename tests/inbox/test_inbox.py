"""Inbox reader: every hostile input ends as an article or an explicit reject, nothing crashes.

All inputs are created here in tmp_path (plus copies of the bundled seeds/articles).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from orchestration import inbox
from orchestration.inbox import (
    ArticleRecord,
    FileOutcome,
    InboxBatch,
    RejectedInput,
    bound_html,
    canonical_url,
    list_inbox_files,
    scan_inbox,
    text_fingerprint,
)

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds" / "articles"
TODAY = date(2024, 7, 1)

ARTICLE_AR = (
    "قُتل ثلاثة جنود عراقيين وأصيب خمسة آخرون بجروح، مساء السبت، في هجوم شنه مسلحون من تنظيم "
    "داعش على نقطة عسكرية في قضاء الدبس شمال غربي محافظة كركوك، بحسب ما أفاد مصدر أمني.\n"
    "وقال المصدر إن المسلحين استخدموا أسلحة متوسطة وقناصات في الهجوم الذي استمر نحو ساعة، قبل أن "
    "ينسحبوا باتجاه المناطق الوعرة في وادي الشاي، مشيراً إلى أن تعزيزات عسكرية وصلت إلى المكان."
)
ARTICLE_AR_2 = (
    "أعلنت خلية الإعلام الأمني اعتقال أربعة مطلوبين بتهم إرهابية في عملية نوعية جنوب الموصل، "
    "وضبط أسلحة وأعتدة كانت بحوزتهم، فيما أحيل المعتقلون إلى الجهات القضائية المختصة لاستكمال "
    "الإجراءات القانونية بحقهم."
)
ARTICLE_AR_3 = (
    "انفجرت عبوة ناسفة على طريق رئيسي في قضاء المقدادية بمحافظة ديالى، ما أسفر عن إصابة مدنيين "
    "اثنين بجروح متفاوتة، وفق ما أفادت مصادر محلية، فيما فرضت القوات الأمنية طوقاً حول المكان."
)

CP1256_TEXT = "أفادت مصادر محلية في الفلوجة بسقوط قذيفة هاون قرب سوق شعبي، من دون تسجيل إصابات."

NEWS_PAGE = """<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<title>مقتل ثلاثة جنود بهجوم لداعش في كركوك | وكالة الأنباء التجريبية</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="مقتل ثلاثة جنود وإصابة خمسة في هجوم لداعش على نقطة عسكرية في كركوك">
<meta property="og:type" content="article">
<meta property="og:title" content="مقتل ثلاثة جنود بهجوم لداعش في كركوك">
<meta property="og:site_name" content="وكالة الأنباء التجريبية">
<meta property="og:url" content="https://News.Example.iq/ar/security/2024/06/29/kirkuk-attack/?utm_source=twitter&amp;utm_medium=social&amp;id=7#comments">
<meta property="article:published_time" content="2024-06-29T14:30:00+03:00">
<link rel="canonical" href="https://News.Example.iq/ar/security/2024/06/29/kirkuk-attack/?utm_source=twitter&amp;utm_medium=social&amp;id=7#comments">
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}</script>
<style>body { font-family: sans-serif } .nav li { display: inline }</style>
</head>
<body>
<header>
  <div class="logo"><a href="/">وكالة الأنباء التجريبية</a></div>
  <nav class="nav"><ul>
    <li><a href="/">الرئيسية</a></li><li><a href="/politics">سياسة</a></li>
    <li><a href="/economy">اقتصاد</a></li><li><a href="/sport">رياضة</a></li>
  </ul></nav>
  <div class="ticker">عاجل: سعر صرف الدولار في بغداد</div>
</header>
<main>
<article>
  <h1>مقتل ثلاثة جنود بهجوم لداعش في كركوك</h1>
  <div class="byline">بغداد - مراسل الوكالة</div>
  <p>قُتل ثلاثة جنود عراقيين وأصيب خمسة آخرون بجروح، مساء السبت، في هجوم شنه مسلحون من تنظيم داعش على نقطة عسكرية في قضاء الدبس شمال غربي محافظة كركوك، بحسب ما أفاد مصدر أمني.</p>
  <p>وقال المصدر إن المسلحين استخدموا أسلحة متوسطة وقناصات في الهجوم الذي استمر نحو ساعة، قبل أن ينسحبوا باتجاه المناطق الوعرة في وادي الشاي، مشيراً إلى أن تعزيزات عسكرية وصلت إلى المكان.</p>
  <p>وأضاف أن القوات الأمنية باشرت عملية تفتيش واسعة في القرى المحيطة بحثاً عن المهاجمين، فيما نُقل الجرحى إلى مستشفى كركوك العام لتلقي العلاج.</p>
  <p>ويشهد شمال العراق بين الحين والآخر هجمات متفرقة لخلايا التنظيم رغم إعلان الحكومة العراقية النصر عليه عسكرياً نهاية عام 2017.</p>
</article>
<aside class="related"><h3>أخبار ذات صلة</h3><ul>
  <li><a href="/a/1">انفجار عبوة ناسفة في ديالى</a></li>
  <li><a href="/a/2">اعتقال إرهابي في الموصل</a></li>
  <li><a href="/a/3">أسعار النفط ترتفع في الأسواق العالمية</a></li>
</ul></aside>
<div class="share">شارك على فيسبوك | تويتر | واتساب</div>
</main>
<footer><p>جميع الحقوق محفوظة © 2024 وكالة الأنباء التجريبية</p>
<a href="/privacy">سياسة الخصوصية</a> <a href="/contact">اتصل بنا</a></footer>
</body></html>
"""

JS_SHELL = """<!doctype html><html><head><meta charset="utf-8"><title>News App</title>
<script src="/static/js/main.4f1c.js"></script></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div></body></html>"""

COOKIE_WALL = """<html><head><title>Consent</title></head><body><div class="cmp">
<h2>We value your privacy</h2><p>We use cookies to improve your experience. By clicking Accept you agree
to our use of cookies and our privacy policy.</p><button>Accept all</button><button>Reject</button></div></body></html>"""

ENGLISH_PAGE = """<html lang="en"><head><title>Market update</title>
<meta property="og:title" content="Oil prices rise on supply worries">
<meta name="date" content="2024-05-02"></head><body><article><h1>Oil prices rise on supply worries</h1>
<p>Oil prices rose on Thursday as traders weighed supply disruptions against signs of weaker demand in major
economies, with Brent crude futures climbing more than one percent in afternoon trading in London.</p>
<p>Analysts said the market remained sensitive to inventory data and to any change in production policy
announced by the largest exporters over the coming weeks.</p></article></body></html>"""

HOSTILE = (
    "مصدر أمني: '; DROP TABLE raw.articles; -- ثم {{ config() }} و{% raw %} و<script>alert(1)</script> "
    "انفجار في بغداد أسفر عن مقتل شخصين."
)


def _w(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def _by_name(batch: InboxBatch):
    files = {Path(f.source_path).name: f for f in batch.files}
    rejects: dict[str, list[RejectedInput]] = {}
    for r in batch.rejects:
        rejects.setdefault(Path(r.source_path).name, []).append(r)
    arts: dict[str, list[ArticleRecord]] = {}
    for a in batch.articles:
        arts.setdefault(Path(a.source_path).name, []).append(a)
    return files, rejects, arts


def _assert_accounted(batch: InboxBatch, expected_paths: set[str]) -> None:
    """Every input file has exactly one outcome that agrees with the articles/rejects lists."""
    paths = [f.source_path for f in batch.files]
    assert len(paths) == len(set(paths))
    assert set(paths) == expected_paths
    art_files = {a.source_path for a in batch.articles}
    rej_files = {r.source_path for r in batch.rejects}
    dup_files = {f.source_path for f in batch.files if f.status == "duplicate"}
    # n files = files that gave articles + rejected files + duplicate files (partial files are both)
    assert set(paths) == art_files | rej_files | dup_files
    for f in batch.files:
        n = sum(1 for a in batch.articles if a.source_path == f.source_path)
        assert f.n_articles == n, f
        has_rej = f.source_path in rej_files
        if f.status == "ingested":
            assert n > 0 and not has_rej
        elif f.status == "partial":
            assert has_rej
        elif f.status == "duplicate":
            assert n == 0 and not has_rej
        elif f.status == "rejected":
            assert n == 0 and has_rej
        else:
            pytest.fail(f"bad status {f.status}")
    ids = [a.article_id for a in batch.articles]
    fps = [a.text_fingerprint for a in batch.articles]
    assert len(ids) == len(set(ids)) and len(fps) == len(set(fps))


# ---------------------------------------------------------------------------------------------
# the realistic page


def test_realistic_arabic_news_page(tmp_path):
    _w(tmp_path / "inbox" / "kirkuk.html", NEWS_PAGE)
    batch = scan_inbox(tmp_path / "inbox", set(), today=TODAY)
    assert batch.rejects == []
    [a] = batch.articles
    assert a.source_type == "html" and a.source_line is None
    assert a.title == "مقتل ثلاثة جنود بهجوم لداعش في كركوك"
    assert a.published_meta == date(2024, 6, 29)
    assert a.url == "https://news.example.iq/ar/security/2024/06/29/kirkuk-attack?id=7"
    assert a.site == "وكالة الأنباء التجريبية"
    assert a.article_id == "a_" + hashlib.sha256(a.url.encode()).hexdigest()[:16]
    assert "قضاء الدبس شمال غربي محافظة كركوك" in a.raw_text
    assert "مستشفى كركوك العام" in a.raw_text
    assert "نهاية عام 2017" in a.raw_text
    for boiler in (
        "الرئيسية",
        "رياضة",
        "أخبار ذات صلة",
        "أسعار النفط",
        "جميع الحقوق محفوظة",
        "سياسة الخصوصية",
        "شارك على",
        "dataLayer",
        "font-family",
        "عاجل",
    ):
        assert boiler not in a.raw_text, boiler
    assert a.content_sha256 == hashlib.sha256(NEWS_PAGE.encode()).hexdigest()
    assert batch.files == [FileOutcome(a.source_path, a.content_sha256, len(NEWS_PAGE.encode()), "ingested", 1)]


def test_page_dates_only_from_metadata_and_validated(tmp_path):
    body = "<body><article><h1>عنوان</h1><p>" + ARTICLE_AR + "</p><p>نشر في 2023-03-12</p></article></body>"
    _w(tmp_path / "in" / "a_nometa.html", f"<html><head><title>t</title></head>{body}</html>")
    _w(
        tmp_path / "in" / "b_future.html",
        f'<html><head><meta property="article:published_time" content="2099-01-01"></head>'
        f"{body.replace(ARTICLE_AR, ARTICLE_AR_2)}</html>",
    )
    _w(
        tmp_path / "in" / "c_old.html",
        f'<html><head><meta name="date" content="1985-05-05"></head>{body.replace(ARTICLE_AR, ARTICLE_AR_3)}</html>',
    )
    _w(
        tmp_path / "in" / "d_ldjson.html",
        '<html><head><script type="application/ld+json">{"@graph":[{"@type":"NewsArticle",'
        '"datePublished":"2024-02-30T10:00"},{"@type":"NewsArticle","datePublished":"2024-02-28T10:00:00Z"}]}'
        f"</script></head>{body.replace(ARTICLE_AR, HOSTILE + ' ' + ARTICLE_AR_3[:60])}</html>",
    )
    batch = scan_inbox(tmp_path / "in", set(), today=TODAY)
    _, _, arts = _by_name(batch)
    assert arts["a_nometa.html"][0].published_meta is None  # body text dates are not metadata
    assert arts["b_future.html"][0].published_meta is None  # in the future
    assert arts["c_old.html"][0].published_meta is None  # before 1990
    assert arts["d_ldjson.html"][0].published_meta == date(2024, 2, 28)  # 30 Feb is not a date
    assert inbox.parse_meta_date("Sat, 29 Jun 2024 10:00:00 +0300", TODAY) == date(2024, 6, 29)
    assert inbox.parse_meta_date("2024-07-02", TODAY) == date(2024, 7, 2)  # +1 day time-zone slack
    assert inbox.parse_meta_date("2024-07-03", TODAY) is None
    assert inbox.parse_meta_date("yesterday", TODAY) is None


# ---------------------------------------------------------------------------------------------
# the hostile inbox, all at once


@pytest.fixture()
def hostile_inbox(tmp_path):
    root = tmp_path / "inbox"
    outside = _w(tmp_path / "outside" / "secret.txt", ARTICLE_AR_3 + "\nسر خارج صندوق الوارد")
    (root / "sub" / "deeper").mkdir(parents=True)
    _w(root / "empty.txt", b"")
    _w(root / "blank.txt", b"  \n\t\r\n  ")
    _w(root / "random.txt", bytes(range(256)) + os.urandom(1024))
    _w(root / "png_named.txt", b"\x89PNG\r\n\x1a\n" + b"IHDR" + os.urandom(64))
    _w(root / "picture.png", b"\x89PNG\r\n\x1a\n" + os.urandom(64))
    _w(root / "report.pdf", b"%PDF-1.4\n" + os.urandom(64))
    _w(root / "bundle.zip", b"PK\x03\x04" + os.urandom(64))
    _w(root / "notes.xyz", "نص")
    _w(root / "README", "نص بلا امتداد")
    _w(root / "truncated.json", '{"url": "https://x.iq/a", "title": "عنوان", "text": "نص مقطوع')
    _w(
        root / "batch.jsonl",
        "\n".join(
            [
                json.dumps(
                    {
                        "url": "https://alsumaria.example/news/1",
                        "title": "خبر 1",
                        "date": "2024-06-01",
                        "hostname": "alsumaria.example",
                        "text": ARTICLE_AR_2,
                    },
                    ensure_ascii=False,
                ),
                '{"url": "https://x.iq/2", "text": ',
                "",
                json.dumps(
                    {
                        "source": "https://shafaq.example/ar/2/",
                        "title": "خبر 2",
                        "sitename": "شفق",
                        "date": "2024-06-02T08:00:00",
                        "text": ARTICLE_AR_3,
                    },
                    ensure_ascii=False,
                ),
                json.dumps({"url": "https://x.iq/3", "title": "بلا نص", "text": "   "}, ensure_ascii=False),
            ]
        )
        + "\n",
    )
    _w(root / "app.html", JS_SHELL)
    _w(root / "consent.htm", COOKIE_WALL)
    _w(root / "huge.txt", ("خبر " * 400).encode())  # 2800 bytes > the 2000-byte limit below
    _w(root / "sub" / "deeper" / "خبر عاجل (1) نسخة.txt", ARTICLE_AR)
    _w(
        root / "zz same article again.html",
        f"<html><body><article><p>{ARTICLE_AR.replace(chr(10), '</p><p>').replace('قُتل', 'قتل')}</p>"
        "</article></body></html>",
    )
    _w(root / "english.html", ENGLISH_PAGE)
    _w(root / "hostile.txt", HOSTILE)
    _w(root / "cp1256.txt", CP1256_TEXT.encode("cp1256"))
    _w(root / "utf16.txt", "\ufeff".encode("utf-16-le") + "خبر بترميز UTF-16 عن ديالى".encode("utf-16-le"))
    _w(root / "bom_crlf.txt", b"\xef\xbb\xbf" + "سطر أول عن الموصل\r\nسطر ثان عن تكريت\r\n".encode())
    os.symlink(outside, root / "link_out.txt")
    os.symlink(root / "hostile.txt", root / "link_in.txt")
    os.symlink(root / "sub", root / "linkdir")
    os.symlink(tmp_path / "outside", root / "linkdir_out")
    os.symlink(root / "gone.txt", root / "dangling.txt")
    # ignored: hidden and temporary
    _w(root / ".DS_Store", b"\x00\x00\x00\x01Bud1" + os.urandom(32))
    _w(root / "download.html.part", "<html>نصف")
    _w(root / "x.tmp", "tmp")
    _w(root / "edit.txt~", "backup")
    _w(root / ".hidden" / "inside.txt", ARTICLE_AR)
    return root


EXPECTED = {
    # name: (status, n_articles, [reasons])
    "empty.txt": ("rejected", 0, ["empty file"]),
    "blank.txt": ("rejected", 0, ["empty file"]),
    "random.txt": ("rejected", 0, ["binary content"]),
    "png_named.txt": ("rejected", 0, ["binary content"]),
    "picture.png": ("rejected", 0, ["unsupported file type .png"]),
    "report.pdf": ("rejected", 0, ["unsupported file type .pdf"]),
    "bundle.zip": ("rejected", 0, ["unsupported file type .zip"]),
    "notes.xyz": ("rejected", 0, ["unsupported file type .xyz"]),
    "README": ("rejected", 0, ["unsupported file type (no extension)"]),
    "truncated.json": ("rejected", 0, ["invalid JSON: Unterminated string starting at: line 1 column 53 (char 52)"]),
    "batch.jsonl": ("partial", 2, ["invalid JSON: Expecting value: line 1 column 35 (char 34)", "no article text"]),
    "app.html": ("rejected", 0, ["no article text"]),
    "consent.htm": ("rejected", 0, ["no article text"]),
    "huge.txt": ("rejected", 0, ["file too large (2800 bytes > 2000, MAX_INPUT_BYTES)"]),
    "خبر عاجل (1) نسخة.txt": ("ingested", 1, []),
    "zz same article again.html": ("duplicate", 0, []),
    "english.html": ("ingested", 1, []),
    "hostile.txt": ("ingested", 1, []),
    "cp1256.txt": ("ingested", 1, []),
    "utf16.txt": ("ingested", 1, []),
    "bom_crlf.txt": ("ingested", 1, []),
    "link_out.txt": ("rejected", 0, ["symlink outside inbox"]),
    "link_in.txt": ("duplicate", 0, []),
    "linkdir": ("rejected", 0, ["symlink to directory (not followed)"]),
    "dangling.txt": ("rejected", 0, ["broken symlink"]),
    "linkdir_out": ("rejected", 0, ["symlink outside inbox"]),
}


def _small_limit_scan(root: Path, known=frozenset()):
    # ARTICLE_AR etc. are < 2000 bytes; huge.txt is 2800 bytes
    return scan_inbox(root, set(known), max_bytes=2000, today=TODAY)


def test_hostile_inbox_every_input_accounted_for(hostile_inbox):
    batch = _small_limit_scan(hostile_inbox)
    files, rejects, arts = _by_name(batch)
    assert set(files) == set(EXPECTED)
    for name, (status, n, reasons) in EXPECTED.items():
        f = files[name]
        assert (f.status, f.n_articles) == (status, n), name
        assert sorted(r.reason for r in rejects.get(name, [])) == sorted(reasons), name
        assert len(arts.get(name, [])) == n, name
    expected_paths = {
        str(hostile_inbox / p)
        for p in (*[k for k in EXPECTED if k != "خبر عاجل (1) نسخة.txt"], "sub/deeper/خبر عاجل (1) نسخة.txt")
    }
    _assert_accounted(batch, expected_paths)
    # only JSONL lines carry a line number
    assert {(r.source_line, r.reason) for r in rejects["batch.jsonl"]} == {
        (2, "invalid JSON: Expecting value: line 1 column 35 (char 34)"),
        (5, "no article text"),
    }
    assert all(r.source_line is None for n, rs in rejects.items() if n != "batch.jsonl" for r in rs)
    # hidden/temporary files are ignored but reported for logs
    assert sorted(Path(s.source_path).name for s in batch.skipped) == sorted(
        [".DS_Store", ".hidden", "download.html.part", "edit.txt~", "x.tmp"]
    )
    assert all(s.reason.startswith("temporary/hidden file") for s in batch.skipped)
    # nothing outside the inbox was read
    assert not any("سر خارج" in a.raw_text for a in batch.articles)


def test_hostile_inbox_order_and_list_inbox_files(hostile_inbox):
    batch = _small_limit_scan(hostile_inbox)
    again = _small_limit_scan(hostile_inbox)
    assert [f.source_path for f in batch.files] == [f.source_path for f in again.files]
    assert [a.article_id for a in batch.articles] == [a.article_id for a in again.articles]
    names = [Path(f.source_path).relative_to(hostile_inbox).as_posix() for f in batch.files]
    assert names == sorted(names, key=lambda p: p.split("/"))
    listed = list_inbox_files(hostile_inbox)
    assert listed == sorted(listed, key=lambda p: p.relative_to(hostile_inbox).parts)
    rel = {p.relative_to(hostile_inbox).as_posix() for p in listed}
    assert "link_in.txt" in rel and "sub/deeper/خبر عاجل (1) نسخة.txt" in rel
    for never in (
        "link_out.txt",
        "linkdir",
        "linkdir_out",
        "dangling.txt",
        ".DS_Store",
        "x.tmp",
        "edit.txt~",
        "download.html.part",
        ".hidden/inside.txt",
    ):
        assert never not in rel
    # every listed path gets an outcome; the unlisted outcomes are the non-followed symlinks
    outcome_paths = {f.source_path for f in batch.files}
    assert {str(p) for p in listed} <= outcome_paths
    assert {Path(p).name for p in outcome_paths - {str(p) for p in listed}} == {
        "link_out.txt",
        "linkdir",
        "linkdir_out",
        "dangling.txt",
    }


def test_known_sha256_are_skipped_without_new_rows(hostile_inbox):
    first = _small_limit_scan(hostile_inbox)
    known = {f.content_sha256 for f in first.files}
    second = _small_limit_scan(hostile_inbox, known)
    assert second.files == [] and second.rejects == [] and second.articles == []
    # a new file is still picked up
    _w(hostile_inbox / "new.txt", ARTICLE_AR_3)
    third = _small_limit_scan(hostile_inbox, known)
    assert [Path(f.source_path).name for f in third.files] == ["new.txt"]
    assert len(third.articles) == 1


def test_hostile_inbox_contents(hostile_inbox):
    batch = _small_limit_scan(hostile_inbox)
    _, _, arts = _by_name(batch)
    # Arabic, spaces, parentheses in the file name
    [a] = arts["خبر عاجل (1) نسخة.txt"]
    assert Path(a.source_path).name == "خبر عاجل (1) نسخة.txt"
    assert a.source_path == str(hostile_inbox / "sub" / "deeper" / "خبر عاجل (1) نسخة.txt")
    assert (a.source_type, a.url, a.title, a.site, a.published_meta) == ("txt", None, None, None, None)
    assert a.raw_text == ARTICLE_AR
    assert a.article_id == "a_" + a.text_fingerprint[:16]
    # hostile text is data, kept literally
    [h] = arts["hostile.txt"]
    assert h.raw_text == HOSTILE
    for frag in ("'; DROP TABLE raw.articles; --", "{{ config() }}", "{% raw %}", "<script>alert(1)</script>"):
        assert frag in h.raw_text
    # encodings decoded, not rejected
    assert arts["cp1256.txt"][0].raw_text == CP1256_TEXT
    assert arts["utf16.txt"][0].raw_text == "خبر بترميز UTF-16 عن ديالى"
    assert arts["bom_crlf.txt"][0].raw_text == "سطر أول عن الموصل\nسطر ثان عن تكريت"
    # non-Arabic pages are articles (the clean stage marks the language)
    [e] = arts["english.html"]
    assert e.title == "Oil prices rise on supply worries" and e.published_meta == date(2024, 5, 2)
    assert "Brent crude futures" in e.raw_text
    # the jsonl good lines, with trafilatura field names
    j1, j2 = arts["batch.jsonl"]
    assert (j1.source_type, j1.source_line, j1.url, j1.title, j1.site, j1.published_meta) == (
        "jsonl",
        1,
        "https://alsumaria.example/news/1",
        "خبر 1",
        "alsumaria.example",
        date(2024, 6, 1),
    )
    assert (j2.source_line, j2.url, j2.site, j2.published_meta) == (
        4,
        "https://shafaq.example/ar/2",
        "شفق",
        date(2024, 6, 2),
    )
    assert j2.raw_text == ARTICLE_AR_3
    assert j1.article_id == "a_" + hashlib.sha256(j1.url.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# focused cases


def test_seed_articles(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    batch = scan_inbox(tmp_path / "seeds", set())
    n = len(list(SEEDS.glob("*.txt")))
    assert n >= 5 and len(batch.articles) == n and batch.rejects == []
    assert all(f.status == "ingested" and f.n_articles == 1 for f in batch.files)
    for a in batch.articles:
        src = Path(a.source_path)
        original = (SEEDS / src.name).read_bytes()
        assert a.content_sha256 == hashlib.sha256(original).hexdigest()
        assert a.raw_text == original.decode("utf-8").replace("\r\n", "\n").strip()
        assert a.source_type == "txt" and a.published_meta is None and a.article_id.startswith("a_")
        assert len(a.article_id) == 18


def test_windows_1256_html_with_meta_charset_and_mislabelled_utf8(tmp_path):
    page = NEWS_PAGE.replace(
        '<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
    )
    _w(tmp_path / "in" / "a.html", page.replace("©", "(c)").encode("cp1256"))
    # declared windows-1256 but really UTF-8: valid UTF-8 wins
    other = (
        NEWS_PAGE.replace("kirkuk-attack", "other")
        .replace(ARTICLE_AR[:20], "قتل أربعة")
        .replace('<meta charset="utf-8">', '<meta charset="windows-1256">')
    )
    _w(tmp_path / "in" / "b.html", other)
    batch = scan_inbox(tmp_path / "in", set(), today=TODAY)
    _, rejects, arts = _by_name(batch)
    assert rejects == {}
    assert arts["a.html"][0].title == "مقتل ثلاثة جنود بهجوم لداعش في كركوك"
    assert "قضاء الدبس" in arts["a.html"][0].raw_text
    assert "قتل أربعة" in arts["b.html"][0].raw_text


def test_utf16_big_endian_and_bomless_utf16(tmp_path):
    _w(tmp_path / "in" / "be.txt", codecs_bom_be("هجوم في الرمادي"))
    _w(tmp_path / "in" / "le_nobom.txt", "اشتباكات في دير الزور بين قوات سوريا الديمقراطية ومسلحين".encode("utf-16-le"))
    batch = scan_inbox(tmp_path / "in", set())
    _, rejects, arts = _by_name(batch)
    assert rejects == {}
    assert arts["be.txt"][0].raw_text == "هجوم في الرمادي"
    assert arts["le_nobom.txt"][0].raw_text.startswith("اشتباكات في دير الزور")


def codecs_bom_be(text: str) -> bytes:
    return b"\xfe\xff" + text.encode("utf-16-be")


def test_same_article_under_other_names_and_markup_is_one_article(tmp_path):
    root = tmp_path / "in"
    _w(root / "a.txt", ARTICLE_AR)
    # same text: different name, diacritics dropped, hamza/ta marbuta variants, spacing, punctuation
    variant = ARTICLE_AR.replace("قُتل", "قتل").replace("أسلحة", "اسلحة").replace("،", " ,").replace("\n", "\n\n")
    _w(root / "b copy.txt", variant)
    # same url as a jsonl record: one article (by article_id) even though the text differs
    _w(
        root / "c.json",
        json.dumps({"url": "https://site.example/x/1?utm_campaign=z#top", "text": ARTICLE_AR_2}, ensure_ascii=False),
    )
    _w(
        root / "d.jsonl",
        json.dumps({"url": "HTTPS://SITE.example/x/1/", "text": ARTICLE_AR_3}, ensure_ascii=False) + "\n",
    )
    batch = scan_inbox(root, set())
    files, rejects, arts = _by_name(batch)
    assert text_fingerprint(ARTICLE_AR) == text_fingerprint(variant)
    assert [f.status for f in batch.files] == ["ingested", "duplicate", "ingested", "duplicate"]
    assert files["b copy.txt"].n_articles == 0 and rejects == {}
    assert [Path(a.source_path).name for a in batch.articles] == ["a.txt", "c.json"]
    _assert_accounted(batch, {str(root / n) for n in ("a.txt", "b copy.txt", "c.json", "d.jsonl")})


def test_json_list_and_html_field(tmp_path):
    recs = [
        {"url": "https://a.example/news/1", "title": "أ", "date": "2024-06-10", "text": ARTICLE_AR},
        "not an object",
        {"url": "https://a.example/news/2", "html": NEWS_PAGE.replace(ARTICLE_AR[:30], "x")},
        {"url": "https://a.example/news/3", "text": ""},
        {"url": "https://a.example/news/4", "date": "2999-01-01", "text": ARTICLE_AR_3},
        {"url": "https://a.example/news/5", "text": 42},
    ]
    _w(tmp_path / "in" / "list.json", json.dumps(recs, ensure_ascii=False))
    _w(tmp_path / "in" / "scalar.json", "42")
    _w(tmp_path / "in" / "emptylist.json", "[]")
    batch = scan_inbox(tmp_path / "in", set(), today=TODAY)
    files, rejects, arts = _by_name(batch)
    assert files["list.json"].status == "partial" and files["list.json"].n_articles == 3
    assert [r.reason for r in rejects["list.json"]] == [
        "record 2: record is not an object",
        "record 4: no article text",
        "record 6: field 'text' is not a string",
    ]
    a1, a2, a4 = arts["list.json"]
    assert all(a.source_type == "json" and a.source_line is None for a in (a1, a2, a4))
    assert a1.published_meta == date(2024, 6, 10)
    # html field -> trafilatura; the record url wins, metadata fills title/site/date
    assert a2.url == "https://a.example/news/2"
    assert a2.title == "مقتل ثلاثة جنود بهجوم لداعش في كركوك"
    assert a2.site == "وكالة الأنباء التجريبية" and a2.published_meta == date(2024, 6, 29)
    assert "جميع الحقوق محفوظة" not in a2.raw_text
    assert a4.published_meta is None  # future date dropped, article kept
    assert [r.reason for r in rejects["scalar.json"]] == ["JSON is not an object or a list of objects"]
    assert [r.reason for r in rejects["emptylist.json"]] == ["no records (empty JSON list)"]


def test_jsonl_all_bad_is_rejected_line_by_line(tmp_path):
    _w(tmp_path / "in" / "bad.jsonl", '[1, 2]\n{"text": \n')
    batch = scan_inbox(tmp_path / "in", set())
    assert [f.status for f in batch.files] == ["rejected"]
    assert [(r.source_line, r.reason) for r in batch.rejects] == [
        (1, "record is not an object"),
        (2, "invalid JSON: Expecting value: line 1 column 10 (char 9)"),
    ]


def test_size_limit_from_env_and_sparse_giant_file_is_not_read(tmp_path, monkeypatch):
    root = tmp_path / "in"
    _w(root / "small.txt", ARTICLE_AR)
    giant = root / "giant.txt"
    with open(giant, "wb") as fh:  # sparse 3 GB file: reading it would take far too long / too much RAM
        fh.truncate(3 * 10**9)
    t0 = time.monotonic()
    batch = scan_inbox(root, set())
    assert time.monotonic() - t0 < 10
    files, rejects, _ = _by_name(batch)
    assert (
        rejects["giant.txt"][0].reason
        == f"file too large ({3 * 10**9} bytes > {inbox.DEFAULT_MAX_INPUT_BYTES}, MAX_INPUT_BYTES)"
    )
    assert files["giant.txt"].size_bytes == 3 * 10**9
    assert files["small.txt"].status == "ingested"
    monkeypatch.setenv("MAX_INPUT_BYTES", "100")
    batch = scan_inbox(root, set())
    _, rejects, _ = _by_name(batch)
    size = len(ARTICLE_AR.encode())
    assert rejects["small.txt"][0].reason == f"file too large ({size} bytes > 100, MAX_INPUT_BYTES)"
    # the pseudo digest of an oversized file is stable, so the next scan skips it
    known = {f.content_sha256 for f in batch.files}
    assert scan_inbox(root, known).files == []


@pytest.mark.integration
def test_big_html_is_bounded(tmp_path):
    junk = "<script>var x = 1;</script><!-- comment -->" * 20000 + "<div><b>x</b></div>" * 60000
    page = NEWS_PAGE.replace("</article>", "</article>" + junk)
    assert len(page) > 1_500_000
    out = bound_html(page, 200_000)
    assert len(out) <= 200_000 and "<script>var x" not in out and "article:published_time" in out
    _w(tmp_path / "in" / "big.html", page)
    # element-heavy but under the char limit: 100k+ elements, would take minutes in full mode
    _w(
        tmp_path / "in" / "many.html",
        NEWS_PAGE.replace("kirkuk-attack", "many")
        .replace("</article>", "</article>" + "<div><b>x</b></div>" * 50000)
        .replace(ARTICLE_AR[:20], "قتل خمسة"),
    )
    t0 = time.monotonic()
    batch = scan_inbox(tmp_path / "in", set(), html_limit=200_000, today=TODAY)
    assert time.monotonic() - t0 < 20
    assert batch.rejects == []
    big, many = batch.articles
    assert "قضاء الدبس" in big.raw_text and big.published_meta == date(2024, 6, 29)
    t0 = time.monotonic()
    batch = scan_inbox(tmp_path / "in", set(), today=TODAY)  # default 1M char limit
    assert time.monotonic() - t0 < 30
    assert [a.raw_text for a in batch.articles][:1] == [big.raw_text]
    assert "قتل خمسة" in batch.articles[1].raw_text


def test_a_crashing_extractor_rejects_one_file_not_the_batch(tmp_path, monkeypatch):
    import trafilatura

    def boom(*args, **kwargs):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(trafilatura, "bare_extraction", boom)
    _w(tmp_path / "in" / "a.html", NEWS_PAGE)
    _w(tmp_path / "in" / "b.txt", ARTICLE_AR_2)
    _w(tmp_path / "in" / "c.jsonl", json.dumps({"html": NEWS_PAGE}) + "\n" + json.dumps({"text": ARTICLE_AR}) + "\n")
    batch = scan_inbox(tmp_path / "in", set())
    files, rejects, arts = _by_name(batch)
    assert rejects["a.html"][0].reason == "internal error (RuntimeError: parser exploded)"
    assert files["a.html"].status == "rejected" and files["b.txt"].status == "ingested"
    # inside a JSONL file only the broken record is lost
    assert [(r.source_line, r.reason) for r in rejects["c.jsonl"]] == [
        (1, "internal error (RuntimeError: parser exploded)")
    ]
    assert files["c.jsonl"].status == "partial" and files["c.jsonl"].n_articles == 1


def test_hostile_text_in_json_and_escaped_in_html(tmp_path):
    _w(tmp_path / "in" / "h.json", json.dumps({"title": "{{ title }}", "text": HOSTILE}, ensure_ascii=False))
    _w(
        tmp_path / "in" / "h.html",
        "<html><body><article><p>" + ARTICLE_AR_2 + "</p><p>"
        "قال: &#39;; DROP TABLE raw.articles; -- و {{ config() }} و &lt;script&gt;alert(1)&lt;/script&gt;"
        "</p></article></body></html>",
    )
    batch = scan_inbox(tmp_path / "in", set())
    _, rejects, arts = _by_name(batch)
    assert rejects == {}
    assert arts["h.json"][0].raw_text == HOSTILE and arts["h.json"][0].title == "{{ title }}"
    t = arts["h.html"][0].raw_text
    assert "'; DROP TABLE raw.articles; --" in t and "{{ config() }}" in t and "<script>alert(1)</script>" in t


def test_short_real_article_is_not_mistaken_for_a_wall(tmp_path):
    short = "أعلنت قيادة عمليات بغداد تفعيل خطة أمنية جديدة بعد مقتل شخصين بانفجار في الشعلة."
    _w(tmp_path / "in" / "s.html", f"<html><body><article><p>{short}</p></article></body></html>")
    _w(
        tmp_path / "in" / "w.html",
        "<html><body><div><p>يرجى تفعيل جافا سكريبت في المتصفح لعرض هذه الصفحة بشكل صحيح.</p></div></body></html>",
    )
    files, rejects, arts = _by_name(scan_inbox(tmp_path / "in", set()))
    assert arts["s.html"][0].raw_text == short
    assert [r.reason for r in rejects["w.html"]] == ["no article text"]


def test_canonical_url():
    assert (
        canonical_url("https://WWW.Example.COM:443/a/b/?utm_source=x&id=3&UTM_Medium=y#frag")
        == "https://www.example.com/a/b?id=3"
    )
    assert canonical_url("http://example.com/") == "http://example.com"
    assert canonical_url("http://example.com:8080/x/") == "http://example.com:8080/x"
    assert canonical_url("javascript:alert(1)") is None
    assert canonical_url("/relative/path") is None
    assert canonical_url("http://[bad") is None
    assert canonical_url(None) is None


def test_home_page_url_is_not_used_as_identity(tmp_path):
    # a site whose canonical points at its home page must not merge different articles
    for name, text in (("a.json", ARTICLE_AR), ("b.json", ARTICLE_AR_2)):
        _w(tmp_path / "in" / name, json.dumps({"url": "https://site.example/", "text": text}, ensure_ascii=False))
    batch = scan_inbox(tmp_path / "in", set())
    assert len(batch.articles) == 2
    assert all(a.url == "https://site.example" for a in batch.articles)
    assert [a.article_id for a in batch.articles] == ["a_" + a.text_fingerprint[:16] for a in batch.articles]


def test_missing_inbox_is_an_empty_batch(tmp_path):
    assert scan_inbox(tmp_path / "nope", set()) == InboxBatch()
    assert list_inbox_files(tmp_path / "nope") == []


# --------------------------------------------------------------------------------------------
# parallel scan and stat-key skipping

OLD_MTIME = 1_700_000_000  # well before any scan: not a "racy" timestamp


def _generated_inbox(root: Path, n: int) -> Path:
    import subprocess
    import sys

    subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "generate_corpus.py"),
            "--n",
            str(n),
            "--out",
            str(root),
            "--seed",
            "3",
        ],
        check=True,
        capture_output=True,
    )
    pages = sorted(p for p in root.rglob("*.html"))
    # cross-file duplicates, rejects and a partial file among the generated pages, so the
    # in-batch dedup and the per-file error paths are exercised across chunk boundaries
    shutil.copy(pages[3], root / "zz_copy_same_bytes.html")
    _w(root / "zz_copy_other_markup.html", pages[7].read_text(encoding="utf-8").replace("<body", "<body data-x='1'", 1))
    _w(root / "aa_binary.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    _w(root / "mid" / "empty.txt", "")
    _w(
        root / "mid" / "lines.jsonl",
        json.dumps({"text": ARTICLE_AR}) + "\n{not json\n" + json.dumps({"text": ARTICLE_AR}) + "\n",
    )
    _w(root / "mid" / "wall.html", "<html><body><p>Please enable JavaScript and accept cookies.</p></body></html>")
    _w(root / "mid" / "notes.docx", "x")
    for p in root.rglob("*"):
        if p.is_file():
            os.utime(p, (OLD_MTIME, OLD_MTIME))
    return root


@pytest.fixture(scope="module")
def generated_inbox(tmp_path_factory):
    return _generated_inbox(tmp_path_factory.mktemp("gen") / "inbox", 120)


@pytest.mark.integration
def test_pooled_scan_equals_sequential_scan(generated_inbox, monkeypatch):
    monkeypatch.setenv("INBOX_WORKERS", "2")
    seq = scan_inbox(generated_inbox, set(), parallel=False, today=TODAY)
    pooled = scan_inbox(generated_inbox, set(), parallel=True, today=TODAY)
    assert seq.mode == "sequential" and pooled.mode == "process_pool[2]"
    # identical ids, order, dedup and outcomes (mtime keys too)
    assert pooled == seq
    assert [(f.source_path, f.mtime_ns) for f in pooled.files] == [(f.source_path, f.mtime_ns) for f in seq.files]
    files, rejects, arts = _by_name(pooled)
    assert len(pooled.files) == 127 and len(pooled.articles) == 121
    assert files["zz_copy_same_bytes.html"].status == "duplicate"
    assert files["zz_copy_other_markup.html"].status == "duplicate"
    assert files["aa_binary.html"].status == "rejected" and files["empty.txt"].status == "rejected"
    assert files["lines.jsonl"].status == "partial" and files["lines.jsonl"].n_articles == 1
    assert [r.reason for r in rejects["wall.html"]] == ["no article text"]
    assert all(f.mtime_ns == OLD_MTIME * 10**9 for f in pooled.files)
    # above the threshold the pool is used by default
    monkeypatch.setenv("INBOX_PARALLEL_THRESHOLD", "50")
    assert (
        scan_inbox(generated_inbox, {f.content_sha256 for f in seq.files[:10]}, today=TODAY).mode == "process_pool[2]"
    )


@pytest.mark.integration
def test_a_dead_worker_loses_no_file(generated_inbox, monkeypatch):
    """A chunk whose worker process dies is read again in-process: same batch."""
    from concurrent.futures.process import BrokenProcessPool

    seq = scan_inbox(generated_inbox, set(), parallel=False, today=TODAY)

    class DeadPool:
        def __init__(self, *a, **kw):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, fn, chunk):
            import concurrent.futures

            fut = concurrent.futures.Future()
            fut.set_exception(BrokenProcessPool("worker died"))
            return fut

    from orchestration.utils import workers as parallel  # where the reader's pool is started

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", DeadPool)
    batch = scan_inbox(generated_inbox, set(), parallel=True, today=TODAY)
    assert batch == seq and "redone in-process" in batch.mode


def test_known_stat_keys_skip_files_without_reading_them(tmp_path, monkeypatch):
    root = tmp_path / "in"
    a = _w(root / "a.txt", ARTICLE_AR)
    b = _w(root / "b.txt", ARTICLE_AR_2)
    c = _w(root / "c.txt", ARTICLE_AR_3)
    for p in (a, b, c):
        os.utime(p, (OLD_MTIME, OLD_MTIME))
    first = scan_inbox(root, set())
    assert [f.mtime_ns for f in first.files] == [OLD_MTIME * 10**9] * 3
    known = inbox.KnownInputs(
        {f.content_sha256 for f in first.files}, [(f.source_path, f.size_bytes, f.mtime_ns) for f in first.files]
    )

    opened: list[str] = []
    from orchestration.inbox import reader

    real_read = reader._read_file
    monkeypatch.setattr(reader, "_read_file", lambda task, ctx: opened.append(task[0]) or real_read(task, ctx))
    again = scan_inbox(root, known)
    assert again == InboxBatch() and again.n_unchanged == 3 and opened == []

    # new content under the same name and the same size, older mtime: read again (mtime differs)
    a.write_text(ARTICLE_AR.replace("ثلاثة", "أربعة", 1), encoding="utf-8")
    assert a.stat().st_size == first.files[0].size_bytes
    os.utime(a, (OLD_MTIME - 60, OLD_MTIME - 60))
    # appended text, same mtime: read again (size differs)
    b.write_text(ARTICLE_AR_2 + "\nوأضاف المصدر أن التحقيقات مستمرة.", encoding="utf-8")
    os.utime(b, (OLD_MTIME, OLD_MTIME))
    # touched, same bytes: read, content hash known -> no outcome, new stat key to record
    os.utime(c, (OLD_MTIME + 60, OLD_MTIME + 60))
    third = scan_inbox(root, known)
    assert sorted(Path(p).name for p in opened) == ["a.txt", "b.txt", "c.txt"]
    assert [(Path(f.source_path).name, f.status) for f in third.files] == [("a.txt", "ingested"), ("b.txt", "ingested")]
    assert [(Path(f.source_path).name, f.status, f.mtime_ns) for f in third.refreshed] == [
        ("c.txt", "known", (OLD_MTIME + 60) * 10**9)
    ]
    # the content hash stays the final word even without a stat key
    assert scan_inbox(root, {f.content_sha256 for f in first.files + third.files}).files == []


def test_a_file_modified_just_now_gets_no_stat_key(tmp_path):
    _w(tmp_path / "in" / "fresh.txt", ARTICLE_AR)
    batch = scan_inbox(tmp_path / "in", set())
    assert batch.files[0].status == "ingested" and batch.files[0].mtime_ns is None


def test_ingest_records_stat_keys_and_migrates_old_warehouse(tmp_path):
    import duckdb

    from orchestration.stages import ingest

    root = tmp_path / "in"
    for i, text in enumerate((ARTICLE_AR, ARTICLE_AR_2, ARTICLE_AR_3)):
        os.utime(_w(root / f"{i}.txt", text), (OLD_MTIME, OLD_MTIME))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        # a warehouse created before the mtime column existed, with one file already recorded
        con.execute("CREATE SCHEMA ops")
        con.execute("""CREATE TABLE ops.ingested_files (source_path VARCHAR, content_sha256 VARCHAR,
                       size_bytes BIGINT, status VARCHAR, n_articles INTEGER, processed_at TIMESTAMP)""")
        sha0 = hashlib.sha256((root / "0.txt").read_bytes()).hexdigest()
        con.execute(
            "INSERT INTO ops.ingested_files VALUES (?, ?, ?, 'ingested', 1, now())",
            [str(root / "0.txt"), sha0, (root / "0.txt").stat().st_size],
        )
        first = ingest.ingest_inbox(con, root)
        assert first["new_articles"] == 2 and first["unchanged_files"] == 0
        # the old row got its stat key from the re-hash; the new rows have theirs
        assert con.execute(
            "SELECT count(*) FROM ops.ingested_files WHERE mtime_ns = ?", [OLD_MTIME * 10**9]
        ).fetchone() == (3,)
        second = ingest.ingest_inbox(con, root)
        assert second["unchanged_files"] == 3 and second["files_scanned"] == 0
        assert con.execute("SELECT count(*) FROM ops.ingested_files").fetchone() == (3,)
    finally:
        con.close()


@pytest.mark.parametrize("parallel", [False, True])
def test_slices_of_the_inbox_add_up_to_the_whole_scan(tmp_path, parallel):
    shutil.copytree(SEEDS, tmp_path / "in")
    shutil.copy(SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0], tmp_path / "in" / "copy.txt")  # dup
    (tmp_path / "in" / "empty.txt").write_text("")  # reject
    whole = scan_inbox(tmp_path / "in", set(), parallel=parallel)
    parts = list(inbox.iter_inbox(tmp_path / "in", set(), parallel=parallel, batch_files=2))
    assert len(parts) == 4  # 7 files, 2 per slice
    for name in ("articles", "rejects", "files"):
        assert [x for p in parts for x in getattr(p, name)] == getattr(whole, name), name
    assert sum(1 for f in whole.files if f.status == "duplicate") == 1  # in-inbox dedup spans slices
