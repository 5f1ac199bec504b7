"""build_snippet: the highlighted window both backends show.

The expected values were produced by the implementation before it was rewritten
for speed (it tokenised the whole body twice and re-tokenised the snippet), so
these cases pin "same snippet, same highlights" on the paths the rewrite added:
str.split() for ASCII tokens, the partial scan when nothing can match, tokens
that fold to nothing, "_", whitespace collapsing. When the rewrite landed, the
two implementations agreed on 140k random (text, query, window) triples and on
3k from bench/generate.py bodies.
"""

from __future__ import annotations

import pytest

from indexer.snippets import build_snippet
from warta.query import parse
from warta.textnorm import _TOKEN

BODY = (
    "KPU Kotawaringin Barat menggelar rapat pleno. " * 6
    + "Bawaslu  mengawasi\n\nkampanye, dan para calon berkampanye di   pasar; politik uang politik uang dilarang. "
    + "Warga datang ke TPS. " * 8
)

# (what it shows, text, query, window, expected snippet, expected highlights)
CASES = [
    ('stem match marks the surface word', BODY, 'kampanye', 32,
     '… pleno. Bawaslu mengawasi kampanye, dan para calon berkampanye di pasar; politik uang politik uang dilarang. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga …',
     [(27, 35), (52, 63)]),
    ('stem match marks the surface word', BODY, 'kampanye', 5,
     '… pleno. Bawaslu mengawasi kampanye, dan …',
     [(27, 35)]),
    ('phrase repeated back to back', BODY, '"politik uang"', 32,
     '… berkampanye di pasar; politik uang politik uang dilarang. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS …',
     [(24, 49)]),
    ('phrase repeated back to back', BODY, '"politik uang"', 5,
     '… berkampanye di pasar; politik uang …',
     [(24, 36)]),
    ('prefix is not stemmed', BODY, 'kampa*', 32,
     '… pleno. Bawaslu mengawasi kampanye, dan para calon berkampanye di pasar; politik uang politik uang dilarang. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga …',
     [(27, 35)]),
    ('prefix is not stemmed', BODY, 'kampa*', 5,
     '… pleno. Bawaslu mengawasi kampanye, dan …',
     [(27, 35)]),
    ('OR of terms', BODY, 'tps OR bawaslu', 32,
     '… Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS. Warga datang ke TPS …',
     [(18, 21), (39, 42), (60, 63), (81, 84), (102, 105), (123, 126), (144, 147), (165, 168)]),
    ('OR of terms', BODY, 'tps OR bawaslu', 5,
     '… Warga datang ke TPS. Warga …',
     [(18, 21)]),
    ('nothing can match: the first window', BODY, '', 32,
     'KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin …',
     []),
    ('nothing can match: the first window', BODY, '', 5,
     'KPU Kotawaringin Barat menggelar rapat …',
     []),
    ('negation only', BODY, '-kampanye', 32,
     'KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin …',
     []),
    ('negation only', BODY, '-kampanye', 5,
     'KPU Kotawaringin Barat menggelar rapat …',
     []),
    ('no hit', BODY, 'zzzqqq', 32,
     'KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin Barat menggelar rapat pleno. KPU Kotawaringin …',
     []),
    ('no hit', BODY, 'zzzqqq', 5,
     'KPU Kotawaringin Barat menggelar rapat …',
     []),
    ('stop word matches exactly', 'Ini yang pertama, dan yang kedua. Ini yang pertama, dan yang kedua. Ini yang pertama, dan yang kedua. ', 'yang', 32,
     'Ini yang pertama, dan yang kedua. Ini yang pertama, dan yang kedua. Ini yang pertama, dan yang kedua …',
     [(4, 8), (22, 26), (38, 42), (56, 60), (72, 76), (90, 94)]),
    ('stop word matches exactly', 'Ini yang pertama, dan yang kedua. Ini yang pertama, dan yang kedua. Ini yang pertama, dan yang kedua. ', 'yang', 5,
     'Ini yang pertama, dan yang …',
     [(4, 8), (22, 26)]),
    ('adjacent hits merge over one character', 'rapat pleno rapat, pleno rapat  pleno', 'rapat pleno', 32,
     'rapat pleno rapat, pleno rapat pleno',
     [(0, 17), (19, 36)]),
    ('adjacent hits merge over one character', 'rapat pleno rapat, pleno rapat  pleno', 'rapat pleno', 5,
     'rapat pleno rapat, pleno rapat …',
     [(0, 17), (19, 30)]),
    ('whitespace runs collapse', 'a\xa0\xa0b\t\tc\n\nd\u2003e rapat\x1c\x1cf', 'rapat', 32,
     '… c d e rapat f',
     [(8, 13)]),
    ('whitespace runs collapse', 'a\xa0\xa0b\t\tc\n\nd\u2003e rapat\x1c\x1cf', 'rapat', 5,
     '… c d e rapat f',
     [(8, 13)]),
    ('underscore separates tokens', 'kpu_kalteng kpu_2024 pemilu_serentak', 'kpu', 32,
     'kpu_kalteng kpu_2024 pemilu_serentak',
     [(0, 3), (12, 15)]),
    ('underscore separates tokens', 'kpu_kalteng kpu_2024 pemilu_serentak', 'kpu', 5,
     'kpu_kalteng kpu_2024 pemilu …',
     [(0, 3), (12, 15)]),
    ('accents and case fold', 'CAFÉ café Café naïve İstanbul Kelvin', 'cafe', 32,
     'CAFÉ café Café naïve İstanbul Kelvin',
     [(0, 14)]),
    ('accents and case fold', 'CAFÉ café Café naïve İstanbul Kelvin', 'cafe', 5,
     'CAFÉ café Café naïve İstanbul …',
     [(0, 14)]),
    ('tokens folding to nothing are skipped', 'pemilu ﾞ pemilu ͺͺ kampanye ｶﾞ pemilu', 'pemilu', 32,
     'pemilu ﾞ pemilu ͺͺ kampanye ｶﾞ pemilu',
     [(0, 6), (9, 15), (31, 37)]),
    ('tokens folding to nothing are skipped', 'pemilu ﾞ pemilu ͺͺ kampanye ｶﾞ pemilu', 'pemilu', 5,
     'pemilu ﾞ pemilu ͺͺ kampanye ｶﾞ pemilu',
     [(0, 6), (9, 15), (31, 37)]),
    ('first window after a token folding to nothing', 'ﾞ kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata ', '', 32,
     '… kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata …',
     []),
    ('first window after a token folding to nothing', 'ﾞ kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata kata ', '', 5,
     '… kata kata kata kata kata …',
     []),
    ('short text', 'Pemilu damai', 'pemilu', 32,
     'Pemilu damai',
     [(0, 6)]),
    ('short text', 'Pemilu damai', 'pemilu', 5,
     'Pemilu damai',
     [(0, 6)]),
    ('empty text', '', 'pemilu', 32,
     '',
     []),
    ('empty text', '', 'pemilu', 5,
     '',
     []),
    ('separators only', ' … – ', 'pemilu', 32,
     '',
     []),
    ('separators only', ' … – ', 'pemilu', 5,
     '',
     []),
]


@pytest.mark.parametrize(("label", "text", "query", "window", "snippet", "highlights"), CASES,
                         ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_snippet_matches_the_previous_implementation(label: str, text: str, query: str, window: int, snippet: str,
                                                     highlights: list[tuple[int, int]]) -> None:
    assert build_snippet(text, parse(query), window) == (snippet, highlights)


def test_highlights_mark_the_query_words_in_the_snippet() -> None:
    snippet, highlights = build_snippet(BODY, parse('berkampanye "politik uang"'))
    assert [snippet[s:e] for s, e in highlights] == ["kampanye", "berkampanye", "politik uang politik uang"]


def test_the_same_text_under_different_queries() -> None:
    # The per-query matcher is cached: a second query must not reuse the first one's.
    assert build_snippet(BODY, parse("tps"))[1] != build_snippet(BODY, parse("bawaslu"))[1]


def test_tokens_are_runs_of_letters_and_digits() -> None:
    # indexer.snippets tokenises with str.split() (ASCII tokens) or \w+ (no "_" in the
    # text) instead of this regex: both are only equal to it for this pattern.
    assert _TOKEN.pattern == r"[^\W_]+"
