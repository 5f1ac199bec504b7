"""Highlighted snippets, built in Python from the unstemmed text for every backend.

Both backends index pre-stemmed tokens, so their own highlighters would mark
stems ("milu") or miss stemmed matches. Matching here uses the same rules as
the queries (stem of a word, exact phrase tokens, unstemmed prefix), so a
highlighted word is always one that made the document match, and both
backends produce the same snippet for the same document.
"""

from __future__ import annotations

from functools import lru_cache

from warta.query import Node, Phrase, Term, positive_leaves
from warta.textnorm import _TOKEN, stem, stop_words, tokens

WINDOW_TOKENS = 32


@lru_cache(maxsize=100_000)
def _fold_token(raw: str) -> str:
    # A body repeats its vocabulary, and Unicode folding per token was ~90 % of
    # a snippet's cost; ASCII needs only lower().
    if raw.isascii():
        return raw.lower()
    folded = tokens(raw)
    return folded[0] if folded else ""


def _spans(text: str) -> list[tuple[int, int, str]]:
    """`warta.textnorm.token_spans`, memoised per token."""
    out = []
    for m in _TOKEN.finditer(text):
        folded = _fold_token(m.group())
        if folded:
            out.append((m.start(), m.end(), folded))
    return out


def _folded_tokens(text: str) -> list[str]:
    """The folded tokens of `_spans`, without their offsets: findall and a memoised
    fold run in C, and only the chosen window needs offsets."""
    return [f for f in map(_fold_token, _TOKEN.findall(text)) if f]


def _window_spans(text: str, first: int, last: int) -> list[tuple[int, int]]:
    """(start, end) of the non-empty tokens numbered first..last, scanning no further."""
    out: list[tuple[int, int]] = []
    k = 0
    for m in _TOKEN.finditer(text):
        if not _fold_token(m.group()):
            continue
        if k >= first:
            out.append((m.start(), m.end()))
            if k == last:
                break
        k += 1
    return out


def _matched_token_indexes(toks: list[str], node: Node) -> set[int]:
    leaves = positive_leaves(node)
    words = {leaf.token for leaf in leaves if isinstance(leaf, Term) and not leaf.prefix}
    stems = {stem(w) for w in words if w not in stop_words()}
    prefixes = tuple(leaf.token for leaf in leaves if isinstance(leaf, Term) and leaf.prefix)
    phrases = [leaf.tokens for leaf in leaves if isinstance(leaf, Phrase)]
    # A body repeats its words: decide once per distinct token, then mark positions.
    matching = {t for t in set(toks)
                if t in words or (prefixes and t.startswith(prefixes)) or (stems and stem(t) in stems)}
    hit = {i for i, t in enumerate(toks) if t in matching} if matching else set()
    for ph in phrases:
        n = len(ph)
        first = ph[0]
        for i, t in enumerate(toks):
            if t == first and tuple(toks[i : i + n]) == ph:
                hit.update(range(i, i + n))
    return hit


def build_snippet(text: str, node: Node, window: int = WINDOW_TOKENS) -> tuple[str, list[tuple[int, int]]]:
    """Best window of `window` tokens and the (start, end) offsets of matches in it."""
    toks = _folded_tokens(text)
    if not toks:
        return "", []
    hits = sorted(_matched_token_indexes(toks, node))
    start_tok = 0
    if hits:
        best, best_count, j = hits[0], 0, 0
        for i, h in enumerate(hits):
            while hits[j] < h - window + 1:
                j += 1
            if i - j + 1 > best_count:
                best_count, best = i - j + 1, hits[j]
        start_tok = max(0, best - 3)
    end_tok = min(len(toks), start_tok + window) - 1
    spans = _window_spans(text, start_tok, end_tok)
    lo, hi = spans[0][0], spans[-1][1]
    prefix = "… " if lo > 0 else ""
    suffix = " …" if hi < len(text) else ""
    snippet = prefix + " ".join(text[lo:hi].split()) + suffix
    # Recompute offsets on the whitespace-normalised snippet.
    marks: list[tuple[int, int]] = []
    hitset = set(hits)
    sn_spans = _spans(snippet)
    for k, (s, e, _) in enumerate(sn_spans):
        if start_tok + k in hitset:
            if marks and marks[-1][1] == s - 1 and start_tok + k - 1 in hitset:
                marks[-1] = (marks[-1][0], e)
            else:
                marks.append((s, e))
    return snippet, marks
