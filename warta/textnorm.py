"""Tokens, stems and stop words, computed in Python so both backends agree.

Elasticsearch's test distribution has no analysis-common module (no Indonesian
analyzer), and SQLite FTS5 has no Indonesian stemmer. So every backend indexes
text that is already tokenised here: an *exact* field (lower-cased, accents
folded, tokens joined by single spaces) and a *stem* field (PySastrawi stems,
stop words removed). Each backend only has to split on spaces, which the
standard analyzer and FTS5's unicode61 tokenizer do identically.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache
from typing import Callable

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _class_of(codes: list[int]) -> re.Pattern[str]:
    ranges: list[tuple[int, int]] = []
    for c in codes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    return re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in ranges) + "]")


@lru_cache(maxsize=1)
def _combining() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(marks below U+10000, marks above) as two character classes, built once (~40 ms)
    from unicodedata.combining.

    Stripping marks with a regex runs in C: a per-character combining() test in Python
    was the pipeline's hottest helper, and str.translate with a table of all marks
    costs ten times the regex. sre tests a class of BMP ranges with a bitmap but walks
    a list for astral ones, so the rare astral marks get their own class, used only
    when the text has an astral character at all.
    """
    marks = [c for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))]
    return _class_of([c for c in marks if c <= 0xFFFF]), _class_of([c for c in marks if c > 0xFFFF])


def fold(text: str) -> str:
    """Lower-case and strip accents ("Pemilu" == "pemilu", "café" == "cafe", "𝑨" == "a").

    Decomposition comes first: NFKD turns compatibility letters ("𝑨", "Ａ") into
    plain capitals, which must still be lower-cased, or fold(fold(x)) != fold(x).
    """
    if text.isascii():  # NFKD leaves ASCII as it is and it has no combining marks
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text).lower()
    if decomposed.isascii():
        return decomposed
    bmp_marks, astral_marks = _combining()
    stripped = bmp_marks.sub("", decomposed)
    return astral_marks.sub("", stripped) if _ASTRAL.search(stripped) else stripped


# The only characters for which an IGNORECASE regex and a case-sensitive one over
# str.lower() can disagree about an ASCII pattern: "İ" lower-cases to two characters,
# the Kelvin sign to ASCII "k", and sre's IGNORECASE also pairs "ı" with "i" and "ſ"
# with "s". Derived once over every code point (non-ASCII c with c.lower() != c whose
# lower case is not a single non-ASCII character of the same \w/\s class, plus
# re._casefix's pairs with an ASCII letter), for Python 3.11's Unicode tables.
_CASE_UNSAFE = re.compile("[\u0130\u0131\u017f\u212a]")


def caseless_search(pattern: str, flags: int = 0) -> Callable[[str], bool]:
    """A test equal to `bool(re.search(pattern, text, flags | re.IGNORECASE))`, faster.

    Under IGNORECASE sre cannot skip ahead to a possible first character and tries
    every position; a case-sensitive regex over the lower-cased text can. That is
    exact for an ASCII pattern written in lower case and any text without the
    characters above, which take the IGNORECASE way.
    """
    if not pattern.isascii() or pattern != pattern.lower():
        raise ValueError(f"caseless_search needs an ASCII pattern in lower case: {pattern!r}")
    folded = re.compile(pattern, flags & ~re.IGNORECASE)
    exact = re.compile(pattern, flags | re.IGNORECASE)

    def search(text: str) -> bool:
        if text.isascii() or not _CASE_UNSAFE.search(text):
            return folded.search(text.lower()) is not None
        return exact.search(text) is not None

    return search


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded token) over the original text, for snippets."""
    out = []
    for m in _TOKEN.finditer(text):
        folded = tokens(m.group(0))
        if folded:
            out.append((m.start(), m.end(), folded[0]))
    return out


@lru_cache(maxsize=1)
def _stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    return frozenset(StopWordRemoverFactory().get_stop_words())


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    # Sastrawi only stems alphabetic words; numbers and codes pass unchanged.
    if not token.isalpha():
        return token
    return _stemmer().stem(token) or token


def exact_text(text: str) -> str:
    return " ".join(tokens(text))


def stem_text(text: str) -> str:
    sw = stop_words()
    return " ".join(stem(t) for t in tokens(text) if t not in sw)
