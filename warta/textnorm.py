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
import unicodedata
from functools import lru_cache

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case and strip accents ("Pemilu" == "pemilu", "café" == "cafe")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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
