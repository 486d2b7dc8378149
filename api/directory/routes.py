"""Public directory routes (no sign-in): thin — parse, call the service, serialise once with an ETag."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from api.db import PublicReadDep, ReadSessionDep
from api.directory import bundles, catalogue, content, places, sync
from api.directory.facets import FacetCounts
from api.directory.params import (
    CategoryFilter,
    CoordParam,
    DayParam,
    DistrictFilter,
    NearParam,
    PlaceDetailDep,
    PlaceDetailParams,
    PlaceQueryDep,
    PlaceSearchParams,
    QParam,
    RadiusParam,
    parse_near,
)
from api.directory.place_query import PlaceQuery
from api.directory.schemas import (
    ArticleDetail,
    ArticleSummary,
    BundleDetail,
    BundleSummary,
    CategoryNode,
    DistrictPublic,
    EventDetail,
    EventSummary,
    GuideAnswer,
    GuideRequest,
    PlaceDetail,
    PlacePage,
    StreetPublic,
    SyncAnswer,
)
from api.errors import ValidationFailed
from api.http import LanguageDep, PathId, json_with_etag, plain
from api.pagination import CursorParam, LimitParam, Page, page_in_memory

router = APIRouter(prefix="/v1", tags=["directory"])

DistrictCode = Annotated[str, Path(pattern=r"^[0-9]{6}$", examples=["310104"])]


def _page(request: Request, items: list, next_cursor: str | None, facets: FacetCounts | None = None) -> Response:
    payload: dict[str, Any] = {
        "items": [plain(item) for item in items],
        "next_cursor": next_cursor,
    }
    if facets is not None:
        payload["facets"] = facets
    return json_with_etag(request, payload)


def _page_of_all(request: Request, items: list, kind: str, limit: int, cursor: str | None) -> Response:
    """A page of a short list read whole (reference data, bundles), keyed by `code`."""
    page = page_in_memory(items, "code", kind=kind, limit=limit, cursor=cursor)
    return _page(request, page.items, page.next_cursor)


# The places routes come first: routes are matched in order, and these take most of the traffic.
@router.get("/places", response_model=PlacePage, openapi_extra=PlaceSearchParams.openapi_extra())
async def list_places(request: Request, public: PublicReadDep, query: PlaceQueryDep) -> Response:
    # By the reader: a search that opens no session transaction runs all its reads on the read pool.
    await catalogue.require_filter_values(
        public.reader, category=query.category, district=query.district, street=query.street
    )
    async with public.session() as session:
        results = await places.search_places(session, public.reader, public.language, query)
    return _page(request, results.items, results.next_cursor, facets=results.facets)


@router.get("/places/{place_id}", response_model=PlaceDetail, openapi_extra=PlaceDetailParams.openapi_extra())
async def get_place(request: Request, public: PublicReadDep, params: PlaceDetailDep) -> Response:
    detail = await places.place_detail(public.reader, params.place_id, public.language, params.coord)
    return json_with_etag(request, detail)


@router.get("/places/{place_id}/nearby", response_model=PlacePage)
async def list_nearby_places(
    request: Request,
    public: PublicReadDep,
    place_id: PathId,
    category: CategoryFilter = None,
    radius_m: RadiusParam = 1000,
    coord: CoordParam = "wgs84",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """Other published places around this one, nearest first."""
    async with public.session() as session:
        await catalogue.require_filter_values(session, category=category)
        origin = await places.place_location(session, place_id)
        query = PlaceQuery(
            category=category,
            near=origin,
            radius_m=radius_m,
            sort="distance",
            coord=coord,
            limit=limit,
            cursor=cursor,
            exclude_id=place_id,
        )
        results = await places.search_places(session, public.reader, public.language, query)
    return _page(request, results.items, results.next_cursor)


@router.get("/districts", response_model=Page[DistrictPublic])
async def list_districts(
    request: Request, session: ReadSessionDep, language: LanguageDep, limit: LimitParam = 20, cursor: CursorParam = None
) -> Response:
    return _page_of_all(request, await catalogue.list_districts(session, language), "districts", limit, cursor)


@router.get("/districts/{district_code}/streets", response_model=Page[StreetPublic])
async def list_district_streets(
    request: Request,
    session: ReadSessionDep,
    district_code: DistrictCode,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Response:
    await catalogue.get_district(session, district_code)
    streets = await catalogue.list_streets(session, district_code)
    return _page_of_all(request, streets, f"streets:{district_code}", limit, cursor)


@router.get("/categories", response_model=Page[CategoryNode])
async def list_categories(
    request: Request,
    session: ReadSessionDep,
    language: LanguageDep,
    kind: Annotated[str | None, Query(pattern="^(place|event)$")] = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Response:
    tree = await catalogue.category_tree(session, language, kind)
    return _page_of_all(request, tree, f"categories:{kind}", limit, cursor)


@router.get("/events", response_model=Page[EventSummary])
async def list_events(
    request: Request,
    session: ReadSessionDep,
    language: LanguageDep,
    starts_from: Annotated[DayParam, Query(alias="from", description="First day (Shanghai); default today.")] = None,
    ends_by: Annotated[DayParam, Query(alias="to", description="Last day (Shanghai), inclusive.")] = None,
    category: CategoryFilter = None,
    district: DistrictFilter = None,
    q: QParam = None,
    near: NearParam = None,
    radius_m: RadiusParam = 3000,
    coord: CoordParam = "wgs84",
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Response:
    """Soonest first. `q` and `near` narrow the list; with `near`, each event carries `distance_m`."""
    if starts_from and ends_by and ends_by < starts_from:
        raise ValidationFailed(
            "`to` is before `from`",
            errors=[{"loc": ["query", "to"], "msg": "must not be before `from`", "type": "date_range"}],
        )
    await catalogue.require_filter_values(session, category=category, district=district)
    items, next_cursor = await content.list_events(
        session,
        language,
        starts_from=starts_from,
        ends_by=ends_by,
        category=category,
        district=district,
        q=q,
        near=parse_near(near, coord),
        radius_m=radius_m,
        coord=coord,
        limit=limit,
        cursor=cursor,
    )
    return _page(request, items, next_cursor)


@router.get("/events/{event_id}", response_model=EventDetail)
async def get_event(
    request: Request, session: ReadSessionDep, language: LanguageDep, event_id: PathId, coord: CoordParam = "wgs84"
) -> Response:
    event = await content.event_detail(session, event_id, language, coord)
    return json_with_etag(request, plain(event))


@router.get("/articles", response_model=Page[ArticleSummary])
async def list_articles(
    request: Request,
    session: ReadSessionDep,
    language: LanguageDep,
    topic: Annotated[str | None, Query(pattern=r"^[a-z_]{2,40}$")] = None,
    audience: Annotated[str | None, Query(pattern=r"^[a-z_]{2,40}$")] = None,
    q: QParam = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Response:
    items, next_cursor = await content.list_articles(
        session, language, topic=topic, audience=audience, q=q, limit=limit, cursor=cursor
    )
    return _page(request, items, next_cursor)


@router.get("/articles/{article_id}", response_model=ArticleDetail)
async def get_article(request: Request, session: ReadSessionDep, language: LanguageDep, article_id: PathId) -> Response:
    article = await content.article_detail(session, article_id, language)
    return json_with_etag(request, plain(article))


BundleCode = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,59}$", examples=["residence_permit"])]


@router.get("/bundles", response_model=Page[BundleSummary])
async def list_bundles(
    request: Request, session: ReadSessionDep, language: LanguageDep, limit: LimitParam = 20, cursor: CursorParam = None
) -> Response:
    return _page_of_all(request, await bundles.list_bundles(session, language), "bundles", limit, cursor)


@router.get("/bundles/{bundle_code}", response_model=BundleDetail)
async def get_bundle(
    request: Request, session: ReadSessionDep, language: LanguageDep, bundle_code: BundleCode
) -> Response:
    bundle = await bundles.bundle_detail(session, bundle_code, language)
    return json_with_etag(request, plain(bundle))


@router.post("/bundles/{bundle_code}/guide", response_model=GuideAnswer)
async def guide_bundle(
    session: ReadSessionDep, language: LanguageDep, bundle_code: BundleCode, body: GuideRequest
) -> GuideAnswer:
    return await bundles.guide(session, bundle_code, body.answers, language)


@router.get("/sync", response_model=SyncAnswer, description=sync.DESCRIPTION)
async def sync_changes(
    session: ReadSessionDep,
    language: LanguageDep,
    since: Annotated[str | None, Query(max_length=512, description="`next_since` of the last sync.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> dict:
    return await sync.changes_since(session, language, since, limit)
