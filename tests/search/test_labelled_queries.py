"""The labelled query set: every query's answer against its expected listings, each held to its own bar for
precision and recall, and the same answers from SQLite and PostgreSQL.

Each case may carry `bar` (the precision and recall it must reach: 0.9 and 1.0 unless stated) with `exception`
(why that query may fall short); `held_back: true` marks the cases written before their results were looked at.
Run with `-s` to see every query's figures on each database."""

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db import Database
from api.lifecycle import migrate
from api.main import create_app
from models import Place
from seed.loader import load_seed
from tests.conftest import app_settings
from tests.databases import blank_database, configured_backends
from tests.directory.test_places import collect
from tests.search.oracle import expected

LABELLED: list[dict[str, Any]] = json.loads((Path(__file__).parent / "labelled_queries.json").read_text("utf-8"))
BAR = {"precision": 0.9, "recall": 1.0}


def _key(case: dict[str, Any]) -> str:
    return json.dumps([case["q"], case.get("filters", {})], ensure_ascii=False, sort_keys=True)


async def answers(client: httpx.AsyncClient) -> dict[str, list[int]]:
    """Every labelled query's listings, in the order they came."""
    found = {}
    for case in LABELLED:
        items = await collect(client, "/v1/places", q=case["q"], **case.get("filters", {}))
        found[_key(case)] = [item["id"] for item in items]
    return found


async def scores(client: httpx.AsyncClient, session: AsyncSession) -> list[tuple[dict[str, Any], float, float]]:
    published = (await session.scalars(select(Place).where(Place.status == "published"))).all()
    got = await answers(client)
    scored = []
    for case in LABELLED:
        wanted = {place.id for place in published if expected(place, case["expect"])}
        assert wanted, f"the oracle expects nothing for {case['q']!r}: fix the label"
        found = got[_key(case)]
        hits = len(wanted & set(found))
        scored.append((case, hits / len(found) if found else 0.0, hits / len(wanted)))
    return scored


def test_the_set_is_large_and_varied() -> None:
    assert len(LABELLED) >= 60
    queries = [case["q"] for case in LABELLED]
    assert any(q.isascii() and q.isalpha() and q.islower() and len(q) > 4 for q in queries)  # pinyin
    assert any(len(q) == 1 for q in queries) and any(len(q) == 2 for q in queries)
    assert any(" " in q for q in queries)
    assert sum(bool(case.get("held_back")) for case in LABELLED) >= 10
    assert len({_key(case) for case in LABELLED}) == len(LABELLED), "a query is labelled twice"
    exceptions = [case for case in LABELLED if "bar" in case]
    assert all(case.get("exception") for case in exceptions), "every lowered bar says why"
    assert len(exceptions) <= len(LABELLED) // 10, "exceptions are the few, not the rule"


async def test_every_query_meets_its_own_bar(client: httpx.AsyncClient, session: AsyncSession, backend: str) -> None:
    scored = await scores(client, session)
    below = []
    print(f"\n{backend}: {'precision':>9} {'recall':>6}  query")
    for case, precision, recall in scored:
        bar = case.get("bar", BAR)
        short = precision < bar["precision"] or recall < bar["recall"]
        label = f"{case['q']!r} {case.get('filters', {}) or ''}".strip()
        flags = ("held back " if case.get("held_back") else "") + ("BELOW ITS BAR" if short else "")
        print(f"{'':{len(backend) + 1}} {precision:9.2f} {recall:6.2f}  {label} {flags}".rstrip())
        if short:
            below.append(f"{label}: precision {precision:.2f} recall {recall:.2f}, bar {bar}")
    count = len(scored)
    mean_precision = sum(precision for _, precision, _ in scored) / count
    mean_recall = sum(recall for _, _, recall in scored) / count
    held = [(p, r) for case, p, r in scored if case.get("held_back")]
    print(f"{backend}: {count} queries, mean precision {mean_precision:.3f}, mean recall {mean_recall:.3f}")
    print(
        f"{backend}: {len(held)} held back, mean precision {sum(p for p, _ in held) / len(held):.3f}, "
        f"mean recall {sum(r for _, r in held) / len(held):.3f}"
    )
    assert not below, below


async def _answers_on(backend: str, folder: Path) -> dict[str, list[int]]:
    """The labelled queries' answers on a database of its own, built by the migrations and the seed."""
    async with blank_database(backend, folder) as url:
        await asyncio.to_thread(migrate, url)
        database = Database(Settings(database_url=url, app_env="test"))
        try:
            async with database.sessionmaker() as session, session.begin():
                await load_seed(session)
            application = create_app(app_settings(url))
            application.state.database = database
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                return await answers(client)
        finally:
            await database.dispose()


async def test_sqlite_and_postgresql_answer_every_query_alike(tmp_path: Path) -> None:
    if "postgresql" not in configured_backends():
        pytest.skip("compares SQLite with PostgreSQL: set TEST_POSTGRES_URL (CI does)")
    sqlite = await _answers_on("sqlite", tmp_path / "sqlite")
    postgresql = await _answers_on("postgresql", tmp_path / "postgresql")
    differing = [key for key in sqlite if sqlite[key] != postgresql[key]]
    assert sqlite.keys() == postgresql.keys() and not differing, differing
