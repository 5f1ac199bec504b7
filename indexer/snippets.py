"""Highlighted snippets, built in Python from the unstemmed text for every backend.

Both backends index pre-stemmed tokens, so their own highlighters would mark
stems ("milu") or miss stemmed matches. Matching here uses the same rules as
the queries (stem of a word, exact phrase tokens, unstemmed prefix), so a
highlighted word is always one that made the document match, and both
backends produce the same snippet for the same document.

This runs for every hit of every search, and choosing the window needs every
token of the body, so the body is tokenised once, and per-token work is done by
C-level maps over the distinct tokens (a body repeats its vocabulary). Python
loops only over hits and the window's tokens.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress
from operator import methodcaller, not_
from typing import Callable

from warta.query import Node, Phrase, Term, positive_leaves
from warta.textnorm import _TOKEN, stem, stop_words, tokens

WINDOW_TOKENS = 32
# The faster tokenisers below assume warta.textnorm's tokens are maximal runs of letters
# and digits, [^\W_]+ (tests/test_snippets.py checks it).
# Tokens stay at the odd indexes: [separator, token, separator, ..., token, separator].
_PARTS = re.compile(f"({_TOKEN.pattern})", _TOKEN.flags)
_WORDS = re.compile(r"(\w+)")  # _PARTS for a text without "_", ~15 % faster
_SPACES = re.compile(r"\s+")  # sre's \s is str.isspace, so this is what str.split() splits on
_ASCII_BYTES = bytes(range(128))
# bytes.translate table: ASCII letters and digits stay, every other byte becomes a space.
_SEPARATORS_TO_SPACE = bytes(b if b < 128 and chr(b).isalnum() else 0x20 for b in range(256))


@lru_cache(maxsize=100_000)
def _fold_token(raw: str) -> str:
    # A body repeats its vocabulary, and Unicode folding per token was ~90 % of
    # a snippet's cost; ASCII needs only lower().
    if raw.isascii():
        return raw.lower()
    folded = tokens(raw)
    return folded[0] if folded else ""


@lru_cache(maxsize=100_000)
def _stem_token(raw: str) -> str:
    return stem(_fold_token(raw))


@dataclass(frozen=True)
class _Matcher:
    """A query's positive leaves, in the form the matching below needs."""

    stems: frozenset[str]
    # Words matched exactly but not via `stems`: stop words have no stem clause.
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    def can_match(self) -> bool:
        return bool(self.stems or self.exact or self.prefixes or self.phrases)


@lru_cache(maxsize=256)  # called for each hit of a page with the same query
def _matcher(node: Node) -> _Matcher:
    leaves = positive_leaves(node)
    words = {leaf.token for leaf in leaves if isinstance(leaf, Term) and not leaf.prefix}
    return _Matcher(
        stems=frozenset(stem(w) for w in words if w not in stop_words()),
        exact=frozenset(words & stop_words()),
        prefixes=tuple(leaf.token for leaf in leaves if isinstance(leaf, Term) and leaf.prefix),
        phrases=tuple(leaf.tokens for leaf in leaves if isinstance(leaf, Phrase)),
    )


# --------------------------------------------------------------------------- tokenising


@dataclass(frozen=True)
class _Tokens:
    """The tokens of a text that fold to something, in order, and where each starts."""

    raw: list[str]
    distinct: set[str]
    start_of: Callable[[int], int]  # token index -> character offset in the text


def _split(text: str, max_tokens: int) -> tuple[list[str], set[str]]:
    """([separator, token, ..., token, separator], distinct tokens) of `text` (of its first
    `max_tokens` tokens when > 0), a token that folds to nothing counted as separator."""
    parts = (_PARTS if "_" in text else _WORDS).split(text, maxsplit=max_tokens)
    distinct = set(parts[1::2])
    if "".join(distinct).isascii():  # only a non-ASCII token can fold to nothing
        return parts, distinct
    empty = set(compress(distinct, map(not_, map(_fold_token, distinct))))
    if not empty:
        return parts, distinct
    if max_tokens:  # too few tokens left: rare enough to split it all
        return _split(text, 0)
    merged = [parts[0]]
    for tok, sep in zip(parts[1::2], parts[2::2]):
        if tok in empty:
            merged[-1] += tok + sep
        else:
            merged += (tok, sep)
    return merged, distinct - empty


def _ascii_spaced(text: str) -> str | None:
    """`text` with every separator character replaced by a space (so with the same
    offsets), if all its tokens are ASCII; else None.

    Most bodies qualify, their other characters being quotes, dashes and no-break
    spaces, and then str.split() tokenises in a third of the regex's time.
    """
    if not text.isascii():
        # ASCII bytes never occur inside a multi-byte UTF-8 sequence: deleting them
        # leaves exactly the non-ASCII characters.
        others = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
        if _TOKEN.search(others.decode("utf-8", "surrogatepass")):
            return None
    return text.encode("ascii", "replace").translate(_SEPARATORS_TO_SPACE).decode("ascii")


def _tokenise(text: str, max_tokens: int) -> _Tokens:
    """The tokens of `text` (its first `max_tokens` when > 0)."""
    spaced = _ascii_spaced(text)
    if spaced is not None:
        # split(None, n) leaves the untokenised rest as an (n+1)th item.
        raw = spaced.split(None, max_tokens)[:max_tokens] if max_tokens else spaced.split()
        return _Tokens(raw, set(raw), lambda k: len(spaced) - len(spaced.split(None, k)[-1]))
    parts, distinct = _split(text, max_tokens)
    return _Tokens(parts[1::2], distinct, lambda k: sum(map(len, parts[: 2 * k + 1])))


# --------------------------------------------------------------------------- matching


def _matching_tokens(distinct: set[str], m: _Matcher) -> set[str]:
    """The tokens of `distinct` that match a Term leaf."""
    # compress() pairs the set with a map over it: an unmodified set iterates in one order.
    out: set[str] = set()
    if m.stems:
        out.update(compress(distinct, map(m.stems.__contains__, map(_stem_token, distinct))))
    if m.exact or m.prefixes:
        folded = list(map(_fold_token, distinct))
        if m.exact:
            out.update(compress(distinct, map(m.exact.__contains__, folded)))
        if m.prefixes:
            out.update(compress(distinct, map(methodcaller("startswith", m.prefixes), folded)))
    return out


def _positions(raw: list[str], wanted: set[str]) -> list[int]:
    return list(compress(range(len(raw)), map(wanted.__contains__, raw))) if wanted else []


def _phrase_positions(raw: list[str], distinct: set[str], phrase: tuple[str, ...]) -> list[int]:
    n = len(phrase)
    firsts = {t for t in distinct if _fold_token(t) == phrase[0]}
    return [i + k for i in _positions(raw, firsts)
            if tuple(map(_fold_token, raw[i : i + n])) == phrase for k in range(n)]


def _hit_indexes(raw: list[str], distinct: set[str], m: _Matcher) -> list[int]:
    """Sorted indexes of the tokens of `raw` (whose set is `distinct`) that made the document match."""
    hits = _positions(raw, _matching_tokens(distinct, m))
    if not m.phrases:
        return hits
    hit = set(hits)
    for phrase in m.phrases:
        hit.update(_phrase_positions(raw, distinct, phrase))
    return sorted(hit)


# --------------------------------------------------------------------------- the window


def _best_start(hits: list[int], window: int) -> int:
    """First token of the window holding the most hits (the earliest such), with some lead-in."""
    if not hits:
        return 0
    best, best_count, j = hits[0], 0, 0
    for i, h in enumerate(hits):
        while hits[j] < h - window + 1:
            j += 1
        if i - j + 1 > best_count:
            best_count, best = i - j + 1, hits[j]
    return max(0, best - 3)


def _render(text: str, lo: int, first: int, end: int, hits: list[int]) -> tuple[str, list[tuple[int, int]]]:
    """Tokens first..end-1 (token `first` starting at offset `lo`) with whitespace runs
    collapsed, and the offsets of their hits."""
    parts, _ = _split(text[lo:], end - first)
    pieces = parts[1 : 2 * (end - first)]  # token, separator, ..., token
    hi = lo + sum(map(len, pieces))
    # Whitespace never sits inside a token, so collapsing it per separator equals
    # " ".join(window.split()), and the tokens' new offsets follow from the lengths.
    pieces[1::2] = [s if s == " " else _SPACES.sub(" ", s) for s in pieces[1::2]]
    prefix = "… " if lo > 0 else ""
    suffix = " …" if hi < len(text) else ""
    offsets = list(accumulate(map(len, pieces), initial=len(prefix)))  # token k starts at offsets[2k]
    marks: list[tuple[int, int]] = []
    prev = -2
    for i in hits[bisect_left(hits, first) : bisect_left(hits, end)]:
        k = 2 * (i - first)
        s, e = offsets[k], offsets[k + 1]
        # Adjacent hits separated by one character read as one highlighted phrase.
        if i == prev + 1 and s == marks[-1][1] + 1:
            marks[-1] = (marks[-1][0], e)
        else:
            marks.append((s, e))
        prev = i
    return prefix + "".join(pieces) + suffix, marks


def build_snippet(text: str, node: Node, window: int = WINDOW_TOKENS) -> tuple[str, list[tuple[int, int]]]:
    """Best window of `window` tokens and the (start, end) offsets of matches in it."""
    m = _matcher(node)
    # Without a leaf that can match, the window is the start: tokenise no further.
    toks = _tokenise(text, 0 if m.can_match() else window)
    if not toks.raw:
        return "", []
    hits = _hit_indexes(toks.raw, toks.distinct, m) if m.can_match() else []
    first = _best_start(hits, window)
    return _render(text, toks.start_of(first), first, min(len(toks.raw), first + window), hits)
