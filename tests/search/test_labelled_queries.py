"""The labelled query set: every query's answer against its expected listings, scored for precision and recall,
and the same answer from SQLite and PostgreSQL."""

import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Place
from tests.directory.test_places import collect
from tests.search.oracle import expected

LABELLED = json.loads((Path(__file__).parent / "labelled_queries.json").read_text(encoding="utf-8"))
ANSWERS: dict[str, dict[str, list[int]]] = {}  # backend → query → ids, to compare the backends


def _key(case: dict[str, Any]) -> str:
    return json.dumps([case["q"], case.get("filters", {})], ensure_ascii=False, sort_keys=True)


async def score(client: httpx.AsyncClient, session: AsyncSession) -> tuple[float, float, list[str], dict]:
    published = (await session.scalars(select(Place).where(Place.status == "published"))).all()
    precisions, recalls, misses, answers = [], [], [], {}
    for case in LABELLED:
        wanted = {place.id for place in published if expected(place, case["expect"])}
        assert wanted, f"the oracle expects nothing for {case['q']!r}: fix the label"
        got_items = await collect(client, "/v1/places", q=case["q"], **case.get("filters", {}))
        got = [item["id"] for item in got_items]
        answers[_key(case)] = got
        hits = len(wanted & set(got))
        precision = hits / len(got) if got else 0.0
        recall = hits / len(wanted)
        precisions.append(precision)
        recalls.append(recall)
        if precision < 0.9 or recall < 0.95:
            misses.append(f"{case['q']!r} {case.get('filters', {})}: precision {precision:.2f} recall {recall:.2f}")
    return sum(precisions) / len(precisions), sum(recalls) / len(recalls), misses, answers


def test_the_set_is_large_and_varied() -> None:
    assert len(LABELLED) >= 60
    queries = [case["q"] for case in LABELLED]
    assert any(q.isascii() and q.isalpha() and q.islower() and len(q) > 4 for q in queries)  # pinyin
    assert any(len(q) == 1 for q in queries) and any(len(q) == 2 for q in queries)
    assert any(" " in q for q in queries)


async def test_precision_and_recall_meet_the_bar(
    client: httpx.AsyncClient, session: AsyncSession, backend: str
) -> None:
    precision, recall, misses, answers = await score(client, session)
    ANSWERS[backend] = answers
    print(f"\n{backend}: precision {precision:.3f} recall {recall:.3f}; below the bar: {len(misses)}")
    for miss in misses:
        print("  ", miss)
    assert precision >= 0.90 and recall >= 0.95, misses


async def test_answers_are_stable_and_identical_on_both_backends(
    backend: str, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, _, answers = await score(client, session)
    if backend in ANSWERS:
        assert answers == ANSWERS[backend], "the same query gave another answer on the same database"
    ANSWERS[backend] = answers
    # Backends run one after the other; the second one compares itself, row for row, with the first.
    for other, other_answers in ANSWERS.items():
        if other != backend:
            assert answers == other_answers, f"{backend} and {other} disagree"
