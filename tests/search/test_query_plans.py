"""What a query asks of the index: no spelling that could add a match is lost, none that cannot is sent."""

from api.textsearch import grid
from api.textsearch.tokens import PINYIN, QueryPlan, Term, parse_query, to_fts5, to_tsquery


def test_longer_spellings_that_add_no_match_are_left_out() -> None:
    (parking,) = parse_query("停车").words
    # 停车场 and 停车库 (停车 & 车场, 停车 & 车库) match nothing that 停车 alone does not.
    assert Term(("停车",)) in parking and Term(("车位",)) in parking
    assert not [term for term in parking if "停车" in term.tokens and len(term.tokens) > 1]
    assert "车场" not in to_tsquery(parse_query("停车")) and "车场" not in to_fts5(parse_query("停车"))


def test_a_prefix_never_stands_in_for_whole_words() -> None:
    (elderly,) = parse_query("yanglao").words
    assert Term((PINYIN + "yanglao",), prefix=True) in elderly and Term(("养老",)) in elderly
    (toilet,) = parse_query("厕所").words
    assert Term(("卫生", "生间")) in toilet and Term(("洗手", "手间")) in toilet


def test_english_words_of_the_vocabulary_ask_for_no_pinyin() -> None:
    # wc is 五村's initials, toilet could be read as to-i-le-t: as English words, they are looked for as such only.
    for text in ("toilets", "wc", "restroom", "aged"):
        tokens = [token for word in parse_query(text).words for term in word for token in term.tokens]
        assert tokens and not [token for token in tokens if token.startswith(PINYIN)], text
    # A word that may be pinyin is looked for both ways: zhongshan is also an English name's word.
    (zhongshan,) = parse_query("zhongshan").words
    assert Term((PINYIN + "zhongshan",), prefix=True) in zhongshan and Term(("zhongshan",)) in zhongshan


def test_words_near_a_point_ask_each_cell_for_exactly_the_plan() -> None:
    cells = grid.cells_around(31.2304, 121.4737, 3000)
    assert cells is not None
    for text in ("厕所", "老人 吃饭", "yanglao", "toilet"):
        plan = parse_query(text)
        asked = grid.match_parameters(plan, "postgresql", cells)["grid_words"]
        assert asked == [to_tsquery(plan.scoped(f"g{row}x{column}w")) for row, column in cells]
        sqlite = grid.match_parameters(plan, "sqlite", cells)["grid_words"]
        assert sqlite == " OR ".join(f"({to_fts5(plan.scoped(f'g{row}x{column}w'))})" for row, column in cells)
    # A token that holds the character standing for the cell is still asked for as it is.
    odd = QueryPlan(((Term(("a\x00b",)),),))
    assert grid.match_parameters(odd, "postgresql", cells[:2])["grid_words"] == [
        to_tsquery(odd.scoped(f"g{row}x{column}w")) for row, column in cells[:2]
    ]
