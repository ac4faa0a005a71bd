"""The benchmark corpus generator: distinct, realistic pages whose article text trafilatura gets back."""

import hashlib
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import generate_corpus as g  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("inbox")
    paths = g.generate_corpus(out, 30, seed=3)
    return out, paths


def test_seeds_parse_into_title_and_body():
    seeds = g.load_seeds()
    assert len(seeds) == 5
    for s in seeds:
        assert s.title and len(s.paragraphs) >= 5
        # page furniture of the seed files is not part of the body
        assert not any(p.startswith(("إقرأ", "اقرأ", "التعليقات", "مقالات مشابهة")) for p in s.paragraphs)


def test_deterministic_given_seed(tmp_path):
    a = g.generate_corpus(tmp_path / "a", 5, seed=11)
    b = g.generate_corpus(tmp_path / "b", 5, seed=11)
    c = g.generate_corpus(tmp_path / "c", 5, seed=12)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]
    # page i depends on (seed, i) only: a later batch with --start does not change earlier pages
    d = g.generate_corpus(tmp_path / "d", 3, seed=11, start=3)
    assert d[0].read_bytes() == a[3].read_bytes()


def test_pages_distinct_and_carry_boilerplate(corpus):
    _, paths = corpus
    pages = [p.read_text(encoding="utf-8") for p in paths]
    urls = [re.search(r'<link rel="canonical" href="([^"]+)"', h).group(1) for h in pages]
    assert len(set(urls)) == len(urls)
    bodies = [re.search(r'<div class="post-content">(.*?)</div>', h, re.S).group(1) for h in pages]
    assert len({hashlib.sha256(b.encode()).hexdigest() for b in bodies}) == len(bodies)
    for h in pages:
        for marker in (
            'property="og:title"',
            'property="article:published_time"',
            '<nav class="main-nav">',
            "اقرأ أيضاً",
            "الأكثر قراءة",
            "share-fb",
            "<footer",
            "application/ld+json",
        ):
            assert marker in h, marker


def test_variation_swaps_places_and_figures():
    seeds = g.load_seeds()
    arts = [g.make_article(seeds, i, seed=1) for i in range(0, 50, 5)]  # all from seed file 0
    texts = [" ".join(a.paragraphs) for a in arts]
    assert len({tuple(sorted(a.paragraphs[1:-1])) for a in arts}) > 1  # different figures/places
    assert len({a.paragraphs[1] for a in arts}) > 1  # shuffled order
    assert any("كركوك" not in t for t in texts)  # Kirkuk swapped away
    assert len({a.published.date() for a in arts}) > 1
    assert len({a.site for a in arts}) > 1


def test_inbox_reader_extracts_article_text_back(corpus):
    from orchestration import inbox

    out, paths = corpus
    batch = inbox.scan_inbox(out, set())
    assert not batch.rejects
    assert len(batch.articles) == len(paths)
    assert len({a.text_fingerprint for a in batch.articles}) == len(paths)
    assert len({a.article_id for a in batch.articles}) == len(paths)
    seeds = g.load_seeds()
    by_url = {a.url: a for a in batch.articles}
    for i in range(len(paths)):
        art = g.make_article(seeds, i, seed=3)
        rec = by_url[art.url]
        assert rec.published_meta == art.published.date()
        for p in art.paragraphs:
            assert p in rec.raw_text
        # boilerplate is not in the extracted text
        assert "الأكثر قراءة" not in rec.raw_text and "جميع الحقوق محفوظة" not in rec.raw_text


def test_trafilatura_alone_gets_the_body(corpus):
    import trafilatura

    _, paths = corpus
    seeds = g.load_seeds()
    doc = trafilatura.bare_extraction(paths[7].read_text(encoding="utf-8"), with_metadata=True)
    art = g.make_article(seeds, 7, seed=3)
    assert all(p in doc.text for p in art.paragraphs)
    assert doc.url == art.url and str(doc.date).startswith(art.published.strftime("%Y-%m-%d"))
