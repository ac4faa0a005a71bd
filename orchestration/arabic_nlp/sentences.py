"""Sentence splitting for Arabic newswire.

Line/paragraph breaks, '.', '!', '?', '؟' and '…' end sentences. Commas ('،' or ',') never do:
Arabic news chains clauses with them. A '.' does not end a sentence inside a number ("2.5",
"1.200"), after a single-letter or listed abbreviation ("د.", "أ.ف.ب", "Dr."), before a Latin
letter or digit ("rudaw.net"), or inside short parentheses ("(20.12.2022)", "(ت. 2020)").
Sentences keep the original (un-normalised) text.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

_TERMINATORS = ".!?؟…"
_TERMINATOR = re.compile(f"[{re.escape(_TERMINATORS)}]")
_CLOSERS = "\"'”’»)]›"
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "no",
    "jr",
    "sr",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "maj",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "u.s",
    "u.n",
    "u.k",
    "inc",
    "co",
    "corp",
    "ltd",
    "fig",
    "approx",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}
_MAX_PAREN = 150  # longer "parentheses" are more likely unbalanced punctuation than an aside


def _protected(line: str) -> list[bool]:
    """Positions inside short balanced (...) or [...] groups."""
    mask = [False] * len(line)
    for m in re.finditer(r"\([^()\n]{0,%d}\)|\[[^\[\]\n]{0,%d}\]" % (_MAX_PAREN, _MAX_PAREN), line):
        for i in range(m.start() + 1, m.end() - 1):
            mask[i] = True
    return mask


_LAST_TOKEN = re.compile(r"[^\s\"'“”«»(\[]+$")
_TOKEN_WINDOW = 40


def _token_before(line: str, end: int) -> str | None:
    """The run of characters other than spaces, quotes and opening brackets that ends at `end`."""
    # a short window first: searching the whole line before every '.' is quadratic in its length
    window = max(0, end - _TOKEN_WINDOW)
    m = _LAST_TOKEN.search(line, window, end)
    if m and m.start() == window and window:  # the token may begin before the window
        m = _LAST_TOKEN.search(line, 0, end)
    return m.group() if m else None


def _is_abbreviation(line: str, end: int) -> bool:
    """The word before the '.' at `end` is an abbreviation."""
    tok = _token_before(line, end)
    if not tok:
        return False
    tok = tok.replace("\u0640", "")  # tatweel ("هـ.")
    if len(tok) == 1 and tok.isalpha():
        return True
    if re.fullmatch(r"(?:\w\.)+\w", tok) and all(len(p) == 1 for p in tok.split(".")):
        return True  # "أ.ف" / "U.S" chains of single letters
    return tok.lower() in _ABBREVIATIONS


def _boundaries(line: str) -> list[int]:
    """End offsets (exclusive) of sentences inside one line."""
    n = len(line)
    protected = _protected(line)
    cuts: list[int] = []
    i = 0
    while i < n:
        # jump to the next terminator instead of stepping through every character
        terminator = _TERMINATOR.search(line, i)
        if terminator is None:
            break
        i = terminator.start()
        if protected[i]:
            i += 1
            continue
        j = i
        while j < n and line[j] in _TERMINATORS:
            j += 1
        run = line[i:j]
        if run == ".":
            prev = line[i - 1] if i else ""
            nxt = line[j] if j < n else ""
            if prev.isdigit() and nxt.isdigit():
                i = j
                continue
            if nxt and (nxt.isdigit() or re.match(r"[A-Za-z]", nxt)):
                i = j
                continue
            if _is_abbreviation(line, i):
                i = j
                continue
            if nxt and not (nxt.isspace() or nxt in _CLOSERS or _ARABIC_LETTER.match(nxt)):
                i = j
                continue
        # swallow closing quotes/brackets that belong to the sentence just ended
        while j < n and line[j] in _CLOSERS:
            j += 1
        cuts.append(j)
        i = j
    return cuts


def split_sentences(text: str) -> list[str]:
    """Split `text` into stripped, non-empty sentences (original spelling kept)."""
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        start = 0
        pieces = []
        for cut in _boundaries(line) + [len(line)]:
            piece = line[start:cut].strip()
            start = cut
            if piece:
                pieces.append(piece)
        # a fragment without any letter (a list number "1.", a stray "...") joins the next one
        merged: list[str] = []
        carry = ""
        for p in pieces:
            if not re.search(r"[^\W\d_]", p):
                carry = (carry + " " + p).strip()
                continue
            merged.append((carry + " " + p).strip() if carry else p)
            carry = ""
        if carry:
            if merged:
                merged[-1] = merged[-1] + " " + carry
            elif re.search(r"[^\W_]", carry):  # a line of bare punctuation is not a sentence
                merged.append(carry)
        out.extend(merged)
    return out
