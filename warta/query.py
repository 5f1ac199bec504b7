"""The search language, parsed once into a tree that each backend compiles.

    words            pilkada bawaslu        (all must match: implicit AND)
    "phrases"        "politik uang"
    AND / OR / NOT   kobar OR kotim   NOT hoaks   (upper case only: a lower-case
                     "and" is searched as a word, as in most search engines)
    -word            -hoaks                 (same as NOT; also -"phrase" and -(group))
    prefix*          netral*                (never stemmed)
    ( )              (kobar OR kotim) AND netralitas

No user text ever reaches FTS5 MATCH or Elasticsearch query syntax: the
backends build their queries from this tree, quoting each token.

Queries are bounded (MAX_DEPTH nesting, MAX_LEAVES words and phrases): the
compiled SQL/FTS5 expressions overflow SQLite's parser stack and expression
depth long before any real search gets near these numbers, and that overflow
would surface as "backend unavailable" rather than as a bad query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from warta.errors import QueryError
from warta.textnorm import tokens


@dataclass(frozen=True)
class Term:
    token: str  # folded, unstemmed
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class MatchAll:
    pass


Node = Term | Phrase | And | Or | Not | MatchAll

# Parentheses plus NOTs that enclose a word. SQLite's parser stack overflows at
# about 20 levels of "(a OR NOT (...))"; 16 leaves a margin and no human query
# nests that deep.
MAX_DEPTH = 16
# Words and phrases in one query. A SQL predicate per negated leaf hits SQLite's
# expression depth (1000) at several hundred; a query of 256 words is a pasted
# document, not a search.
MAX_LEAVES = 256

# `neg` is a '-' glued to a phrase or group: -"politik uang" excludes it like -word does.
_LEX = re.compile(
    r'\s*(?:(?P<quote>"[^"]*("|$))|(?P<lpar>\()|(?P<rpar>\))|(?P<neg>-(?=["(]))|(?P<word>[^\s()"]+))'
)


def _lex(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _LEX.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        if m.group("quote") is not None:
            q = m.group("quote")
            if len(q) < 2 or not q.endswith('"'):
                raise QueryError(f"unbalanced quote in query: {text!r}")
            out.append(("phrase", q[1:-1]))
        elif m.group("lpar"):
            out.append(("(", "("))
        elif m.group("rpar"):
            out.append((")", ")"))
        elif m.group("neg"):
            out.append(("NOT", "-"))
        else:
            w = m.group("word")
            if w in ("AND", "OR", "NOT"):
                out.append((w, w))
            else:
                out.append(("word", w))
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _lex(text)
        self.i = 0
        self.depth = 0
        self.leaves = 0

    def peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.toks:
            return MatchAll()
        node = self.or_expr()
        if self.peek() == ")":
            raise QueryError(f"unbalanced parenthesis in query: {self.text!r}")
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.toks[self.i][1]!r} in query: {self.text!r}")
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.unary()]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.unary())
        parts = [p for p in parts if not isinstance(p, MatchAll)] or [MatchAll()]
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        kind = self.peek()
        if kind == "NOT":
            self.take()
            self._enter()
            node = Not(self.unary())
            self.depth -= 1
            return node
        if kind == "word" and self.toks[self.i][1].startswith("-") and len(self.toks[self.i][1]) > 1:
            _, w = self.take()
            self._count_leaf()
            return Not(self._word(w[1:]))
        return self.primary()

    def primary(self) -> Node:
        kind = self.peek()
        if kind is None:
            raise QueryError(f"query ends where a word was expected: {self.text!r}")
        if kind == "(":
            self.take()
            self._enter()
            node = self.or_expr()
            if self.peek() != ")":
                raise QueryError(f"unbalanced parenthesis in query: {self.text!r}")
            self.take()
            self.depth -= 1
            return node
        if kind == ")":
            raise QueryError(f"unbalanced parenthesis in query: {self.text!r}")
        if kind in ("AND", "OR"):
            raise QueryError(f"{kind} needs a word on both sides in query: {self.text!r}")
        _, value = self.take()
        self._count_leaf()
        if kind == "phrase":
            toks = tokens(value)
            if not toks:
                raise QueryError(f"empty phrase in query: {self.text!r}")
            return Phrase(tuple(toks)) if len(toks) > 1 else Term(toks[0])
        return self._word(value)

    def _count_leaf(self) -> None:
        self.leaves += 1
        if self.leaves > MAX_LEAVES:
            raise QueryError(f"query too long: more than {MAX_LEAVES} words and phrases")

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"query nests too deeply: at most {MAX_DEPTH} parentheses and NOTs inside each other")

    def _word(self, word: str) -> Node:
        prefix = word.endswith("*")
        toks = tokens(word.rstrip("*"))
        if not toks:
            if prefix:
                raise QueryError(f"prefix search needs at least one letter before '*': {self.text!r}")
            return MatchAll()
        if prefix:
            if len(toks) > 1:
                raise QueryError(f"prefix search works on one word, not {word!r}")
            return Term(toks[0], prefix=True)
        # "se-Kalteng" or "14/02" split into several tokens: they must be adjacent.
        return Phrase(tuple(toks)) if len(toks) > 1 else Term(toks[0])


def parse(text: str) -> Node:
    """Parse a user query; a pure negation ("NOT hoaks") means everything except."""
    return _Parser(text or "").parse()


def positive_leaves(node: Node) -> list[Term | Phrase]:
    """Leaves that are not under a NOT: they drive ranking and snippets."""
    if isinstance(node, (Term, Phrase)):
        return [node]
    if isinstance(node, (And, Or)):
        return [leaf for c in node.children for leaf in positive_leaves(c)]
    return []
