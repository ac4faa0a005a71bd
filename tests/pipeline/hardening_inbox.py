"""A hostile inbox mixed with the bundled seed articles, made on the fly (tests/pipeline/test_hardening.py).

`build_inbox(root, outside)` writes every file and returns EXPECTED: inbox-relative name ->
(ops.ingested_files status, set of ops.rejected_inputs reasons (prefix match), n new articles).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds" / "articles"
MAX_INPUT_BYTES = 200_000  # set as env MAX_INPUT_BYTES for the run; huge.txt is above it
MAX_ARTICLE_CHARS = 50_000  # set as env MAX_ARTICLE_CHARS; long_text.txt is above it, below MAX_INPUT_BYTES

SEED_NAMES = sorted(p.name for p in SEEDS.iterdir() if p.is_file())

ODD_NAME = "خبر عاجل (1) نسخة.txt"
ODD_TEXT = (
    "انفجرت عبوة ناسفة على طريق رئيسي في قضاء المقدادية بمحافظة ديالى، ما أسفر عن إصابة مدنيين "
    "اثنين بجروح متفاوتة، وفق ما أفادت مصادر محلية، فيما فرضت القوات الأمنية طوقاً حول المكان."
)
SQL_FRAGMENT = "'; DROP TABLE raw.articles; --"
JINJA_FRAGMENT = "{{ run_query('drop schema marts cascade') }}"
JINJA_BLOCK = "{% raw %}"
SCRIPT_FRAGMENT = '<script>alert("x")</script>'
CSV_FRAGMENT = 'قال "المصدر", ثم'
HOSTILE_TEXT = (
    f"مصدر أمني: {SQL_FRAGMENT} ثم {JINJA_FRAGMENT} و{JINJA_BLOCK} {CSV_FRAGMENT}\n"
    "قتل ثلاثة جنود عراقيين وأصيب خمسة آخرون بجروح في هجوم شنه مسلحون من تنظيم داعش على نقطة "
    "عسكرية في قضاء الدبس بمحافظة كركوك، بحسب ما أفاد مصدر أمني."
)
CP1256_TEXT = "أفادت مصادر محلية في الفلوجة بسقوط قذيفة هاون قرب سوق شعبي، من دون تسجيل إصابات."
UTF16_TEXT = "خبر بترميز UTF-16 عن اعتقال مطلوبين في قضاء بعقوبة بمحافظة ديالى."
BOM_CRLF_LINES = ["سطر أول عن تظاهرة سلمية في مدينة الناصرية", "سطر ثان عن مطالب المتظاهرين بالخدمات"]

ABSURD_TEXT = (
    "قتل 75000 شخص وأصيب 90000 آخرون في انفجار سيارة مفخخة استهدف سوقا شعبيا في مدينة كركوك "
    "صباح الخميس، بحسب ما أفاد مصدر أمني."
)
# Published 2022-01-10 (metadata) but reports an incident of 20 January 2022.
AFTER_PUB_TEXT = (
    "قتل خمسة جنود في هجوم شنه مسلحون من تنظيم داعش على نقطة عسكرية في قضاء الحويجة بمحافظة كركوك "
    "في 20 كانون الثاني 2022، بحسب ما أفاد مصدر أمني."
)
FUTURE_DATELINE_TEXT = (
    "بغداد: قتل أربعة أشخاص بانفجار عبوة ناسفة في منطقة الدورة جنوبي بغداد، بحسب ما أفاد مصدر في الشرطة."
)

# A toll above INTEGER: stored clamped, flagged in the review queue, never blocking the batch.
HUGE_TOLL_TEXT = (
    "قتل 99999999999 مدنياً وأصيب 5 آخرون في انفجار سيارة مفخخة استهدف سوقا شعبيا في مدينة كركوك "
    "صباح الخميس، بحسب ما أفاد مصدر أمني."
)
SCRIPT_TEXT = (
    "أفادت مصادر محلية بانفجار عبوة ناسفة قرب سوق في قضاء الخالص بمحافظة ديالى دون تسجيل إصابات. "
    + SCRIPT_FRAGMENT
    + " <img src=x onerror=alert(1)>"
)
BAD_NAME = b"bad \xff\xfe name.txt"  # not UTF-8
BAD_NAME_SHOWN = "bad \\xff\\xfe name.txt"  # as the reject row shows it
# Written line by line while the first run scans the inbox (see tests/pipeline/test_hardening.py): that run
# must leave it alone, the next one read it whole. No incident in it, so no report changes.
GROWING_NAME = "growing.txt"
GROWING_LINES = [f"السطر {i} من بيان لوزارة التربية عن مواعيد الامتحانات في المدارس" for i in range(40)]

JS_SHELL = """<!doctype html><html><head><meta charset="utf-8"><title>News App</title>
<script src="/static/js/main.4f1c.js"></script></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div></body></html>"""

ENGLISH_PAGE = """<html lang="en"><head><title>Market update</title>
<meta property="og:title" content="Oil prices rise on supply worries">
<meta name="date" content="2024-05-02"></head><body><article><h1>Oil prices rise on supply worries</h1>
<p>Oil prices rose on Thursday as traders weighed supply disruptions against signs of weaker demand in major
economies, with Brent crude futures climbing more than one percent in afternoon trading in London.</p>
<p>Three people were killed and five wounded in an attack in Kirkuk, officials said, in a story that the
English desk summarised; the pipeline must not turn it into Arabic events.</p></article></body></html>"""


def _w(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def build_blocker_inbox(root: Path) -> None:
    """Seeds plus the two inputs that currently block a whole run at a GX gate (one absurd toll,
    literal markup in a plain-text article): see test_one_bad_article_does_not_block_the_batch."""
    root.mkdir(parents=True, exist_ok=True)
    for name in SEED_NAMES:
        _w(root / name, (SEEDS / name).read_bytes())
    _w(
        root / "absurd.json",
        json.dumps(
            {"url": "https://example.iq/news/absurd-toll", "title": "حصيلة", "date": "2023-03-10", "text": ABSURD_TEXT},
            ensure_ascii=False,
        ),
    )
    _w(root / "markup.txt", HOSTILE_TEXT + "\n" + SCRIPT_FRAGMENT)


def build_inbox(root: Path, outside: Path) -> dict[str, tuple[str, set[str], int]]:
    """Write the mixed inbox under `root` (and a secret file under `outside`)."""
    rng = random.Random(1234)
    root.mkdir(parents=True, exist_ok=True)
    expected: dict[str, tuple[str, set[str], int]] = {}
    for name in SEED_NAMES:
        _w(root / name, (SEEDS / name).read_bytes())
        expected[name] = ("ingested", set(), 1)

    first, second = SEEDS / SEED_NAMES[0], SEEDS / SEED_NAMES[1]
    # same content under another name: byte-identical, and the same text re-wrapped
    _w(root / "zz exact copy.txt", second.read_bytes())
    expected["zz exact copy.txt"] = ("duplicate", set(), 0)
    _w(root / "zz copy (re-saved).txt", first.read_text(encoding="utf-8").replace("\n", "\r\n") + "\r\n\r\n")
    expected["zz copy (re-saved).txt"] = ("duplicate", set(), 0)

    _w(root / "empty.txt", b"")
    expected["empty.txt"] = ("rejected", {"empty file"}, 0)
    _w(root / "blank.txt", b" \r\n\t \n")
    expected["blank.txt"] = ("rejected", {"empty file"}, 0)
    _w(root / "random.txt", bytes(rng.randrange(256) for _ in range(4096)))
    expected["random.txt"] = ("rejected", {"binary content"}, 0)
    _w(root / "truncated.json", '{"url": "https://x.iq/a", "title": "عنوان", "text": "نص مقطوع')
    expected["truncated.json"] = ("rejected", {"invalid JSON"}, 0)
    _w(root / "app.html", JS_SHELL)
    expected["app.html"] = ("rejected", {"no article text"}, 0)
    _w(root / "photo.jpg", b"\xff\xd8\xff\xe0" + bytes(rng.randrange(256) for _ in range(512)))
    expected["photo.jpg"] = ("rejected", {"unsupported file type .jpg"}, 0)
    _w(root / "huge.txt", ("خبر " * (MAX_INPUT_BYTES // 7 + 100)).encode("utf-8"))
    expected["huge.txt"] = ("rejected", {"file too large"}, 0)
    os.symlink(_w(outside / "secret.txt", ODD_TEXT + "\nسر خارج صندوق الوارد"), root / "link_out.txt")
    expected["link_out.txt"] = ("rejected", {"symlink outside inbox"}, 0)

    _w(
        root / "batch.jsonl",
        "\n".join(
            [
                json.dumps(
                    {
                        "url": "https://example.iq/news/future-date",
                        "title": "تاريخ في المستقبل",
                        "date": "2099-03-10",
                        "text": FUTURE_DATELINE_TEXT,
                    },
                    ensure_ascii=False,
                ),
                '{"url": "https://x.iq/2", "text": ',
                "",
                json.dumps(
                    {
                        "url": "https://example.iq/news/after-publication",
                        "title": "حادث بعد النشر",
                        "date": "2022-01-10",
                        "text": AFTER_PUB_TEXT,
                    },
                    ensure_ascii=False,
                ),
                "[1, 2, 3]",
            ]
        )
        + "\n",
    )
    expected["batch.jsonl"] = ("partial", {"invalid JSON", "record is not an object"}, 2)

    _w(root / "english.html", ENGLISH_PAGE)
    expected["english.html"] = ("ingested", set(), 1)
    _w(root / "sub" / ODD_NAME, ODD_TEXT)
    expected["sub/" + ODD_NAME] = ("ingested", set(), 1)
    _w(root / "hostile.txt", HOSTILE_TEXT)
    expected["hostile.txt"] = ("ingested", set(), 1)
    _w(root / "cp1256.txt", CP1256_TEXT.encode("cp1256"))
    expected["cp1256.txt"] = ("ingested", set(), 1)
    _w(root / "utf16.txt", "\ufeff".encode("utf-16-le") + UTF16_TEXT.encode("utf-16-le"))
    expected["utf16.txt"] = ("ingested", set(), 1)
    _w(root / "bom_crlf.txt", b"\xef\xbb\xbf" + "\r\n".join(BOM_CRLF_LINES).encode("utf-8") + b"\r\n")
    expected["bom_crlf.txt"] = ("ingested", set(), 1)
    _w(root / "huge_toll.txt", HUGE_TOLL_TEXT)
    expected["huge_toll.txt"] = ("ingested", set(), 1)
    _w(root / "script.txt", SCRIPT_TEXT)
    expected["script.txt"] = ("ingested", set(), 1)
    _w(root / "long_text.txt", ("خبر طويل " * (MAX_ARTICLE_CHARS // 9 + 100)).encode("utf-8"))
    expected["long_text.txt"] = ("rejected", {"article text too long"}, 0)
    with open(os.fsencode(root) + b"/" + BAD_NAME, "wb") as fh:
        fh.write(ODD_TEXT.encode("utf-8"))
    expected[BAD_NAME_SHOWN] = ("rejected", {"file name is not valid UTF-8"}, 0)
    expected[GROWING_NAME] = ("ingested", set(), 1)  # written by the test while the first run scans
    # ignored (not an input yet): a partial download
    _w(root / "download.html.part", "<html>نصف")
    return expected
