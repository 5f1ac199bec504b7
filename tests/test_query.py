import pytest

from warta.errors import QueryError
from warta.query import And, MatchAll, Not, Or, Phrase, Term, parse, positive_leaves


def test_words_are_anded_and_folded():
    assert parse("Pilkada Bawaslu") == And((Term("pilkada"), Term("bawaslu")))


def test_operators_and_precedence():
    assert parse("kobar OR kotim netralitas") == Or((Term("kobar"), And((Term("kotim"), Term("netralitas")))))
    assert parse("(kobar OR kotim) AND netralitas") == And((Or((Term("kobar"), Term("kotim"))), Term("netralitas")))


def test_negation_forms_agree():
    assert parse("pemilu -hoaks") == parse("pemilu NOT hoaks") == And((Term("pemilu"), Not(Term("hoaks"))))


def test_lowercase_and_is_a_word():
    assert parse("kpu and bawaslu") == And((Term("kpu"), Term("and"), Term("bawaslu")))


def test_phrase_prefix_and_split_tokens():
    assert parse('"politik uang"') == Phrase(("politik", "uang"))
    assert parse("netral*") == Term("netral", prefix=True)
    # Tokens FTS5 would choke on become quoted phrases or terms, never syntax.
    assert parse("se-Kalteng") == Phrase(("se", "kalteng"))
    assert parse("Pj.") == Term("pj")


def test_empty_and_pure_negation():
    assert parse("") == MatchAll()
    assert parse("NOT hoaks") == Not(Term("hoaks"))


@pytest.mark.parametrize("bad, message", [
    ('"politik uang', "unbalanced quote"),
    ("(kobar OR kotim", "unbalanced parenthesis"),
    ("kobar)", "unbalanced parenthesis"),
    ("OR kotim", "needs a word on both sides"),
    ("*", "prefix search needs at least one letter"),
])
def test_bad_queries_raise_one_line_errors(bad, message):
    with pytest.raises(QueryError, match=message) as e:
        parse(bad)
    assert "\n" not in str(e.value)


def test_positive_leaves_skip_negations():
    assert positive_leaves(parse("pemilu -hoaks \"politik uang\"")) == [Term("pemilu"), Phrase(("politik", "uang"))]
