"""Property tests of the query language (warta.query) and of how both backends compile it.

The reference evaluator (tests/reference_search.py) is the oracle: for any text
a user can type, the SQLite backend must either raise QueryError up front or
return exactly the reference's ids, quickly, and never leak a SQLite error
(which the web layer would report as "backend unavailable", 503).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, Iterator

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import tests.hypothesis_profiles  # noqa: F401 - loads the CI/dev profile
from indexer.base import Filters, SearchRequest
from indexer.elasticsearch_backend import build_search_body
from indexer.sqlite_fts import SqliteFtsBackend, _fts_expr, _leaf_expr
from tests.backend_contract import corpus
from tests.reference_search import evaluate
from warta.errors import QueryError
from warta.query import MAX_DEPTH, And, MatchAll, Node, Not, Or, Phrase, Term, parse, positive_leaves
from warta.textnorm import stem, tokens

pytestmark = pytest.mark.timeout(120)

ALL = Filters(include_copies=True)
SEARCH_SECONDS = 2.0  # per search on a 58-document corpus: anything slower is a pathological plan

# Words of the contract corpus (hits, stems, stop words) plus words it lacks.
VOCAB = ["pemilu", "pemilihan", "milu", "kampanye", "berkampanye", "bawaslu", "kobar", "kotim", "dan", "yang",
         "politik", "uang", "netral", "netralitas", "hoaks", "pilkada", "kpu", "asn", "rakor", "kalteng", "tps",
         "and", "or", "not", "near", "zzzz", "2024", "rp80"]
# FTS5 and SQL syntax, our own operators, and text that has broken parsers before.
SYNTAX = ["AND", "OR", "NOT", "(", ")", '"', "-", "*", ":", "^", "+", "NEAR", "NEAR(", "{", "}", "title_exact:",
          "{body_exact}:", "'", ";", "--", "/*", "se-Kalteng", "Pj.", "14/02", "café", "\x00", "😀", "\u200b",
          "İstanbul", "ß", "\t", "\n", "DROP TABLE docs", "' OR '1'='1", "-(", '-"', "**", "NOT NOT"]

fragment_text = st.lists(
    st.tuples(st.sampled_from(VOCAB + SYNTAX), st.sampled_from([" ", "", "  "])), max_size=30
).map(lambda parts: "".join(a + b for a, b in parts))
query_text = st.one_of(fragment_text, st.text(max_size=120), st.text(alphabet='ab ()"-*NOTR', max_size=60))


@pytest.fixture(scope="module")
def backend() -> Iterator[SqliteFtsBackend]:
    b = SqliteFtsBackend(":memory:")
    b.index(corpus())
    yield b
    b.close()


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return corpus()


_WORD = re.compile(r"[^\W_]+")


def _parse_or_error(text: str) -> Node | QueryError:
    try:
        return parse(text)
    except QueryError as e:
        return e


def _leaves(node: Node) -> list[Term | Phrase]:
    if isinstance(node, (Term, Phrase)):
        return [node]
    if isinstance(node, (And, Or)):
        return [leaf for c in node.children for leaf in _leaves(c)]
    if isinstance(node, Not):
        return _leaves(node.child)
    return []


# --- the parser ----------------------------------------------------------------


@given(query_text)
@example("(" * 2000 + "pemilu" + ")" * 2000)  # was RecursionError, a 500 in the web API
@example("NOT " * 5000 + "pemilu")  # was RecursionError
@example("a\x00b")
@example('"unbalanced')
def test_parse_raises_only_one_line_query_errors_and_is_deterministic(text: str) -> None:
    first, second = _parse_or_error(text), _parse_or_error(text)
    if isinstance(first, QueryError):
        assert isinstance(second, QueryError) and str(first) == str(second)
        assert str(first) and "\n" not in str(first)  # the CLI prints it on one line
    else:
        assert first == second


@given(query_text)
def test_leaves_hold_only_folded_tokens(text: str) -> None:
    """No operator, quote, star or column syntax survives into a leaf: only textnorm tokens."""
    node = _parse_or_error(text)
    if isinstance(node, QueryError):
        return
    for leaf in _leaves(node):
        toks = leaf.tokens if isinstance(leaf, Phrase) else (leaf.token,)
        assert len(toks) >= 1
        for t in toks:
            # One textnorm token of letters and digits, nothing else, already folded.
            assert _WORD.fullmatch(t) and tokens(t) == [t], (text, leaf)
        if isinstance(leaf, Phrase):
            assert len(leaf.tokens) >= 2  # a one-token phrase is a Term
    assert set(positive_leaves(node)) <= set(_leaves(node))


word = st.sampled_from([w for w in VOCAB if w not in ("and", "or", "not")])
leaf_node = st.one_of(
    word.map(Term),
    word.map(lambda w: Term(w, prefix=True)),
    st.lists(word, min_size=2, max_size=3).map(lambda ws: Phrase(tuple(ws))),
)
tree = st.recursive(
    leaf_node,
    lambda kids: st.one_of(
        kids.map(Not),
        st.lists(kids, min_size=2, max_size=3).map(lambda cs: And(tuple(cs))),
        st.lists(kids, min_size=2, max_size=3).map(lambda cs: Or(tuple(cs))),
    ),
    max_leaves=12,
)


def render(node: Node) -> str:
    """The query text of a tree, parenthesising every compound child."""
    def child(c: Node) -> str:
        return f"({render(c)})" if isinstance(c, (And, Or)) else render(c)

    if isinstance(node, Term):
        return node.token + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return '"' + " ".join(node.tokens) + '"'
    if isinstance(node, Not):
        return "NOT " + child(node.child)
    if isinstance(node, And):
        return " AND ".join(child(c) for c in node.children)
    if isinstance(node, Or):
        return " OR ".join(child(c) for c in node.children)
    raise AssertionError(node)


def depth(node: Node) -> int:
    """Parentheses plus NOTs around the deepest leaf of render(node), as the parser counts them."""
    if isinstance(node, Not):
        return 1 + (depth(node.child) + (1 if isinstance(node.child, (And, Or)) else 0))
    if isinstance(node, (And, Or)):
        return max(depth(c) + (1 if isinstance(c, (And, Or)) else 0) for c in node.children)
    return 0


@given(tree)
def test_rendered_trees_parse_back_to_themselves(node: Node) -> None:
    text = render(node)
    if depth(node) > MAX_DEPTH:
        with pytest.raises(QueryError, match="nests too deeply"):
            parse(text)
    else:
        assert parse(text) == node, text


atom = st.one_of(
    word,
    st.lists(word, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    tree.map(lambda n: f"({render(n)})"),
)


@given(atom)
@example('"politik uang"')  # -"phrase" was read as the phrase itself: the exclusion was silently dropped
@example("(kobar OR kotim)")  # -(group) likewise
def test_minus_is_the_same_as_not(text: str) -> None:
    minus, not_ = _parse_or_error("-" + text), _parse_or_error("NOT " + text)
    if isinstance(minus, QueryError):
        assert isinstance(not_, QueryError)
    else:
        assert minus == not_
        assert parse("pemilu -" + text) == parse("pemilu NOT " + text)


# --- the backends --------------------------------------------------------------

_QUOTED = re.compile(r'"(?:[^"]|"")*"')
# Everything an FTS5 expression built by indexer.sqlite_fts may hold outside its quoted strings.
_FTS_SYNTAX = re.compile(r"[\s(){}:*]|AND|OR|NOT|title_exact|body_exact|title_stem|body_stem")

any_leaf = st.one_of(
    st.builds(Term, st.text(min_size=1, max_size=12), st.booleans()),
    st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=3).map(lambda ts: Phrase(tuple(ts))),
)


@given(any_leaf)
@example(Term('uang" OR "x'))
@example(Term("x:y", prefix=True))
@example(Phrase(("politik\"", "NEAR(")))
@example(Term('a\x00" OR "b'))  # NUL ended the FTS5 string early: "unterminated string"
def test_fts_leaves_keep_every_user_character_inside_quotes(leaf: Term | Phrase) -> None:
    """Hand-built trees (API callers) may carry any text in a token; it must stay a string literal."""
    expr = _leaf_expr(leaf)
    outside = _QUOTED.sub("", expr)
    assert _FTS_SYNTAX.sub("", outside) == "", expr
    toks = leaf.tokens if isinstance(leaf, Phrase) else (leaf.token,)
    for t in toks:
        # NUL becomes a space (FTS5 would end the string there); every other character is kept.
        assert t.replace("\x00", " ").replace('"', '""') in "".join(m.group(0) for m in _QUOTED.finditer(expr))


def _search_ids(backend: SqliteFtsBackend, node: Node) -> list[str]:
    started = time.monotonic()
    page = backend.search(SearchRequest(query=node, sort="date", size=200, filters=ALL))
    assert time.monotonic() - started < SEARCH_SECONDS
    assert page.total == len(page.hits)
    return [h.id for h in page.hits]


@given(query_text)
@example("NOT " * 40 + "pemilu")  # was "parser stack overflow" from SQLite: a 503 for a typo
@example("(a OR NOT " * 20 + "pemilu" + ")" * 20)  # likewise, nested SQL predicates
@example("(a AND (" * 40 + "NOT pemilu" + "))" * 40)  # was "fts5: parser stack overflow"
@example(" ".join(f"(a{i} OR NOT b{i})" for i in range(200)))  # 1000 groups: "Expression tree is too large"
@example("(a OR NOT " * (MAX_DEPTH // 2) + "pemilu" + ")" * (MAX_DEPTH // 2))  # deepest accepted
@example("(NOT a OR " * (MAX_DEPTH - 1) + "pemilu" + ")" * (MAX_DEPTH - 1))
@example("NOT " * MAX_DEPTH + "pemilu")
@example("pemilu OR " * 255 + "kobar")
def test_sqlite_search_of_any_text_is_the_reference_result(
    backend: SqliteFtsBackend, docs: list[dict[str, Any]], text: str
) -> None:
    node = _parse_or_error(text)
    if isinstance(node, QueryError):
        return  # the clean, user-facing refusal; the parser tests check its form
    assert _search_ids(backend, node) == evaluate(docs, node, ALL).ids, text


@given(tree)
def test_sqlite_search_of_any_tree_is_the_reference_result(
    backend: SqliteFtsBackend, docs: list[dict[str, Any]], node: Node
) -> None:
    if depth(node) > MAX_DEPTH:
        return  # the parser refuses these (test_rendered_trees_parse_back_to_themselves)
    assert _search_ids(backend, node) == evaluate(docs, node, ALL).ids, render(node)
    # The export path streams one statement; it must agree with the paged search.
    streamed = [h.id for h in backend.iter_hits(SearchRequest(query=node, sort="date", filters=ALL), page_size=7)]
    assert streamed == evaluate(docs, node, ALL).ids


@given(st.one_of(tree, any_leaf, any_leaf.map(Not), st.tuples(any_leaf, any_leaf).map(lambda p: Or((p[0], Not(p[1]))))))
@example(Term("\x00"))
@example(Phrase(("a\x00b", "c")))
def test_sqlite_search_of_hand_built_trees_never_leaks_sqlite_errors(backend: SqliteFtsBackend, node: Node) -> None:
    """The web and CLI only pass parsed trees, but the backend API takes any tree."""
    page = backend.search(SearchRequest(query=node, size=5))
    assert page.total >= len(page.hits)
    for hit in page.hits:
        for a, b in hit.highlights:
            assert 0 <= a < b <= len(hit.snippet)


def _strings(value: Any) -> Iterator[tuple[str, str]]:
    """(key, string) for every string under a dict key in a JSON-like value."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str):
                yield k, v
            else:
                yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@given(query_text)
def test_elasticsearch_body_uses_only_structured_queries(text: str) -> None:
    """No query_string / simple_query_string: user text is only ever a term, prefix or phrase value."""
    node = _parse_or_error(text)
    if isinstance(node, QueryError):
        return
    body = build_search_body(SearchRequest(query=node, filters=ALL))
    dumped = json.dumps(body)
    assert "query_string" not in dumped and "regexp" not in dumped and "wildcard" not in dumped
    allowed = {t for leaf in _leaves(node) for t in (leaf.tokens if isinstance(leaf, Phrase) else (leaf.token,))}
    allowed |= {" ".join(leaf.tokens) for leaf in _leaves(node) if isinstance(leaf, Phrase)}
    allowed |= {stem(t) for t in set(allowed)}
    for key, value in _strings(body["query"]):
        if key in ("value", "query"):
            assert value in allowed, (text, key, value)


def test_fts_expression_of_an_empty_query_is_none() -> None:
    """MatchAll has no FTS5 form: it must scan docs, not MATCH an empty string (an FTS5 syntax error)."""
    assert _fts_expr(MatchAll()) is None
    assert _fts_expr(parse("")) is None


def test_limits_are_clean_query_errors() -> None:
    """The bounds that keep SQLite's parser stack and expression depth out of reach."""
    from warta.query import MAX_LEAVES

    assert parse("(" * MAX_DEPTH + "pemilu" + ")" * MAX_DEPTH) == Term("pemilu")
    with pytest.raises(QueryError, match="nests too deeply"):
        parse("(" * (MAX_DEPTH + 1) + "pemilu" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(QueryError, match="nests too deeply"):
        parse("NOT " * (MAX_DEPTH + 1) + "pemilu")
    assert isinstance(parse("pemilu " * MAX_LEAVES), And)
    with pytest.raises(QueryError, match="too long"):
        parse("pemilu " * (MAX_LEAVES + 1))
    assert parse('pemilu -"politik uang"') == And((Term("pemilu"), Not(Phrase(("politik", "uang")))))
