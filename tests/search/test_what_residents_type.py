"""What residents type into the search box and were answered wrongly: initials of any length, English words
that met pinyin initials, the everyday words for dementia, a search page of places only, names in code point
order."""

import httpx
import pytest
from pypinyin import lazy_pinyin
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.textsearch.tokens import warm_up
from models import Place
from tests.directory.test_places import collect

KINDS = ("place", "event", "article", "bundle")


async def _add_place(session: AsyncSession, name: str, category: str) -> Place:
    """A published listing of `category` named `name`, where another listing of that category stands."""
    template = (await session.scalars(select(Place).where(Place.category_code == category).limit(1))).one()
    place = Place(
        category_code=category,
        name=name,
        address=template.address,
        district_code=template.district_code,
        lat=template.lat,
        lng=template.lng,
        attributes=template.attributes,
        status="published",
    )
    session.add(place)
    await session.commit()
    return place


def _initials_of(name: str) -> list[str]:
    """The initials of each Chinese run of a name, read by pypinyin itself (not by the search's tokenizer)."""
    warm_up()
    runs, current = [], []
    for character in name:
        if "\u4e00" <= character <= "\u9fff":
            current.append(character)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return ["".join(syllable[0] for syllable in lazy_pinyin(run)) for run in runs]


@pytest.mark.parametrize("initials", ["wlfwz", "wlfwzx", "sqzhwlfwzx", "lhlsly", "lhlslydmtcc"])
async def test_initials_of_any_length_find_every_name_that_has_them(
    client: httpx.AsyncClient, session: AsyncSession, initials: str
) -> None:
    await _add_place(session, "测试街道社区综合为老服务中心", "elder_care.service_center")
    await _add_place(session, "龙华烈士陵园东门停车场", "transport.parking")  # lhlsly dmtcc
    # Every pair of lhlsly (lh, ls, ly), but not the six letters in a row: l h l s l l y.
    await _add_place(session, "龙华绿色路旅游停车场", "transport.parking")
    published = (await session.scalars(select(Place).where(Place.status == "published"))).all()
    having = {place.id for place in published if any(initials in run for run in _initials_of(place.name))}
    found = [item["id"] for item in await collect(client, "/v1/places", q=initials)]
    assert having and set(found) == having
    # They are name matches: they come first.
    assert set(found[: len(having)]) == having


async def test_initials_no_name_has_whole_are_read_word_by_word(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # ylzx: 养老中心, which no listing is called; read as 养老 中心 are, it finds the elderly's centres.
    published = (await session.scalars(select(Place).where(Place.status == "published"))).all()
    centres = {place.id for place in published if "为老服务中心" in place.name}
    found = await collect(client, "/v1/places", q="ylzx")
    assert centres and centres <= {item["id"] for item in found}
    assert "为老服务中心" in found[0]["name"]
    assert all(item["category"].startswith(("elder_care", "health")) for item in found)


@pytest.mark.parametrize("word", ["toilets", "restroom", "wc", "washroom"])
async def test_english_words_never_meet_pinyin_initials(
    client: httpx.AsyncClient, session: AsyncSession, word: str
) -> None:
    # 五村 is wu cun: its initials are wc, an English word for a toilet.
    locker = await _add_place(session, "测试智能快递柜（天山五村8号门）", "convenience.parcel_locker")
    found = await collect(client, "/v1/places", q=word)
    assert found and all(item["category"] == "convenience.toilet" for item in found)
    toilets = {item["id"] for item in await collect(client, "/v1/places", q="toilet")}
    assert {item["id"] for item in found} == toilets
    # The initials still find it when they are meant as pinyin.
    assert locker.id in {item["id"] for item in await collect(client, "/v1/places", q="tswc")}


async def test_the_words_for_dementia_find_the_same_listings(client: httpx.AsyncClient) -> None:
    clinical = {item["id"] for item in await collect(client, "/v1/places", q="认知症")}
    assert clinical
    for word in ("老年痴呆", "失智", "认知障碍"):
        assert {item["id"] for item in await collect(client, "/v1/places", q=word)} == clinical, word


async def test_the_first_search_page_shows_the_best_of_every_kind(client: httpx.AsyncClient) -> None:
    first = (await client.get("/v1/search", params={"q": "养老"})).json()
    best = {}
    for kind in KINDS:
        items = (await client.get("/v1/search", params={"q": "养老", "kinds": kind, "limit": 1})).json()["items"]
        assert items, f"养老 matches no {kind}"
        best[kind] = items[0]
    # Many more places match than fit a page; still every kind's best is on the first page, and first of its kind.
    assert len(await collect(client, "/v1/search", q="养老", kinds="place")) > len(first["items"])
    for kind in KINDS:
        of_kind = [item for item in first["items"] if item["kind"] == kind]
        assert of_kind and of_kind[0] == best[kind], kind
    assert [item["kind"] for item in first["items"][:4]] == list(KINDS)


def _key(item: dict) -> tuple[str, object]:
    return item["kind"], item.get("id") or item.get("code")


async def _pages(client: httpx.AsyncClient, path: str, limit: int, **params: object) -> list[dict]:
    """Every page of `limit` items, each full but the last."""
    items, cursor = [], None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(path, params=query)).json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            assert len(body["items"]) <= limit
            return items
        assert len(body["items"]) == limit


@pytest.mark.parametrize("limit", [1, 3, 20])
async def test_search_pages_see_every_match_exactly_once(client: httpx.AsyncClient, limit: int) -> None:
    seen = [_key(item) for item in await _pages(client, "/v1/search", limit, q="养老")]
    each = [_key(item) for kind in KINDS for item in await collect(client, "/v1/search", q="养老", kinds=kind)]
    assert len(seen) == len(set(seen)) and sorted(seen, key=str) == sorted(each, key=str)
    # Each kind keeps its own order across the pages.
    for kind in KINDS:
        own = [_key(item) for item in await collect(client, "/v1/search", q="养老", kinds=kind)]
        assert [key for key in seen if key[0] == kind] == own


async def test_a_search_cursor_carries_on_while_listings_change(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = (await client.get("/v1/search", params={"q": "养老", "limit": 8})).json()
    added = await _add_place(session, "新开养老服务站", "elder_care.service_center")
    rest = await collect(client, "/v1/search", q="养老", cursor=first["next_cursor"])
    keys = [_key(item) for item in first["items"] + rest]
    assert len(keys) == len(set(keys)) and ("place", added.id) in keys


def _first_syllable(name: str) -> str:
    warm_up()
    return lazy_pinyin(name.lower())[0]


async def test_names_sort_by_their_pinyin(client: httpx.AsyncClient, session: AsyncSession) -> None:
    # Code point order puts 乌 (U+4E4C) before 交 (U+4EA4); pinyin order puts jiao before wu.
    late = await _add_place(session, "乌鲁木齐南路测试公厕", "convenience.toilet")
    early = await _add_place(session, "交大测试公厕", "convenience.toilet")
    items = await collect(client, "/v1/places", sort="name")
    ids = [item["id"] for item in items]
    assert ids.index(early.id) < ids.index(late.id)
    syllables = [_first_syllable(item["name"]) for item in items]
    assert syllables == sorted(syllables)
    toilets = await _pages(client, "/v1/places", 7, sort="name", category="convenience.toilet")
    assert [item["id"] for item in toilets] == [
        item["id"] for item in items if item["category"] == "convenience.toilet"
    ]
