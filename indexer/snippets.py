"""Highlighted snippets, built in Python from the unstemmed text for every backend.

Both backends index pre-stemmed tokens, so their own highlighters would mark
stems ("milu") or miss stemmed matches. Matching here uses the same rules as
the queries (stem of a word, exact phrase tokens, unstemmed prefix), so a
highlighted word is always one that made the document match, and both
backends produce the same snippet for the same document.
"""

from __future__ import annotations

from warta.query import Node, Phrase, Term, positive_leaves
from warta.textnorm import stem, stop_words, token_spans

WINDOW_TOKENS = 32


def _matched_token_indexes(toks: list[str], node: Node) -> set[int]:
    leaves = positive_leaves(node)
    words = {leaf.token for leaf in leaves if isinstance(leaf, Term) and not leaf.prefix}
    stems = {stem(w) for w in words if w not in stop_words()}
    prefixes = tuple(leaf.token for leaf in leaves if isinstance(leaf, Term) and leaf.prefix)
    phrases = [leaf.tokens for leaf in leaves if isinstance(leaf, Phrase)]
    hit: set[int] = set()
    for i, t in enumerate(toks):
        if t in words or (prefixes and t.startswith(prefixes)) or (stems and stem(t) in stems):
            hit.add(i)
    for ph in phrases:
        n = len(ph)
        for i in range(len(toks) - n + 1):
            if tuple(toks[i : i + n]) == ph:
                hit.update(range(i, i + n))
    return hit


def build_snippet(text: str, node: Node, window: int = WINDOW_TOKENS) -> tuple[str, list[tuple[int, int]]]:
    """Best window of `window` tokens and the (start, end) offsets of matches in it."""
    spans = token_spans(text)
    if not spans:
        return "", []
    hits = sorted(_matched_token_indexes([s[2] for s in spans], node))
    start_tok = 0
    if hits:
        best, best_count, j = hits[0], 0, 0
        for i, h in enumerate(hits):
            while hits[j] < h - window + 1:
                j += 1
            if i - j + 1 > best_count:
                best_count, best = i - j + 1, hits[j]
        start_tok = max(0, best - 3)
    end_tok = min(len(spans), start_tok + window) - 1
    lo, hi = spans[start_tok][0], spans[end_tok][1]
    prefix = "… " if lo > 0 else ""
    suffix = " …" if hi < len(text) else ""
    snippet = prefix + " ".join(text[lo:hi].split()) + suffix
    # Recompute offsets on the whitespace-normalised snippet.
    marks: list[tuple[int, int]] = []
    hitset = set(hits)
    sn_spans = token_spans(snippet)
    for k, (s, e, _) in enumerate(sn_spans):
        if start_tok + k in hitset:
            if marks and marks[-1][1] == s - 1 and start_tok + k - 1 in hitset:
                marks[-1] = (marks[-1][0], e)
            else:
                marks.append((s, e))
    return snippet, marks
