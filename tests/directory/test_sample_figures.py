"""A sample's live figures (free beds, spaces, connectors) are never shown as a live reading, on any read path, and
`available=true` never answers a sample: whoever wrote figures into a sample row (a database seeded by an earlier
version, an operator trying a demo)."""

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.places.strategies.grid import GridNearAPoint
from api.directory.places.strategies.nearest import NearestOnTheMap
from models import Place
from tests.directory.test_places import collect

LIVE_FIGURES = ("capacity", "available", "available_updated_at", "available_age_seconds")


@pytest.fixture
async def figures_written(session: AsyncSession) -> tuple[Place, list[Place]]:
    """Every car park in 黄浦 reports 12 free spaces: the real one and the samples."""
    car_parks = (
        await session.scalars(
            select(Place).where(Place.category_code == "transport.parking", Place.district_code == "310101")
        )
    ).all()
    for car_park in car_parks:
        car_park.capacity, car_park.available = car_park.capacity or 200, 12
        car_park.available_updated_at = datetime.now(UTC)
    await session.flush()
    real = [car_park for car_park in car_parks if not car_park.is_sample]
    samples = [car_park for car_park in car_parks if car_park.is_sample]
    assert len(real) == 1 and samples
    return real[0], samples


def _spy(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> list[str]:
    """Records that `owner.name` served a request (the fast paths are taken only for some shapes of query)."""
    calls: list[str] = []
    original = getattr(owner, name)

    async def recorded(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(name)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, recorded)
    return calls


def _shown(item: dict) -> tuple:
    return tuple(item[figure] for figure in LIVE_FIGURES)


async def test_every_read_path_shows_a_samples_figures_as_none_and_a_real_ones_as_reported(
    client: httpx.AsyncClient, figures_written: tuple[Place, list[Place]], monkeypatch: pytest.MonkeyPatch
) -> None:
    real, samples = figures_written
    sample_ids = {place.id for place in samples}
    nearest_served = _spy(monkeypatch, NearestOnTheMap, "page")
    grid_served = _spy(monkeypatch, GridNearAPoint, "page")

    listed = await collect(client, "/v1/places", category="transport.parking", district="310101")
    for sample in samples:
        near = f"{sample.lat},{sample.lng}"
        answers = {
            "list": listed,
            "detail": [(await client.get(f"/v1/places/{sample.id}")).json()],
            "map": (await client.get("/v1/places", params={"near": near, "radius_m": 300})).json()["items"],
            "words near": (await client.get("/v1/places", params={"q": "停车", "near": near})).json()["items"],
            "nearby": await collect(
                client, f"/v1/places/{real.id}/nearby", category="transport.parking", radius_m=10000
            ),
        }
        for path, items in answers.items():
            shown = [item for item in items if item["id"] == sample.id]
            assert shown, f"{path} does not show sample {sample.id}"
            assert shown[0]["sample"] is True and _shown(shown[0]) == (None,) * len(LIVE_FIGURES), path
    assert nearest_served and grid_served

    across_kinds = (await client.get("/v1/search", params={"q": "停车场", "kinds": "place", "limit": 100})).json()
    shown = [item for item in across_kinds["items"] if item["id"] in sample_ids]
    assert shown and all(_shown(item) == (None,) * len(LIVE_FIGURES) for item in shown)
    detail = (await client.get(f"/v1/places/{real.id}")).json()
    assert detail["sample"] is False and detail["available"] == 12 and detail["available_updated_at"].endswith("+08:00")


async def test_available_filter_answers_the_real_listing_and_no_sample(
    client: httpx.AsyncClient, figures_written: tuple[Place, list[Place]]
) -> None:
    real, samples = figures_written
    free = await collect(client, "/v1/places", available="true", district="310101")
    assert [item["id"] for item in free] == [real.id]
    near_one = await collect(
        client, "/v1/places", available="true", near=f"{samples[0].lat},{samples[0].lng}", radius_m=20000
    )
    assert real.id in {item["id"] for item in near_one}
    assert all(item["sample"] is False and item["available"] > 0 for item in near_one)
