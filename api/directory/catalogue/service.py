"""Reference data reads: districts, streets and the category tree."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import PublicRead
from api.directory.catalogue import views
from api.directory.catalogue.names import reference_names
from api.directory.catalogue.schemas import CategoryNode, DistrictPublic, StreetPublic
from api.errors import NotFound, ValidationFailed
from api.http import Language
from api.pagination import Page, page_in_memory
from api.prepared import Reader
from models import Category, District, Street


async def list_districts(public: PublicRead, *, limit: int, cursor: str | None) -> Page[DistrictPublic]:
    async with public.session() as session:
        rows = (await session.scalars(select(District).order_by(District.sort_order, District.code))).all()
        districts = [views.district(row, public.language) for row in rows]
    return page_in_memory(districts, "code", kind="districts", limit=limit, cursor=cursor)


async def all_districts(session: AsyncSession, language: Language) -> list[DistrictPublic]:
    """Every district in the directory's order, whole (for choosers: an operator's grants, a feed key's scope)."""
    rows = (await session.scalars(select(District).order_by(District.sort_order, District.code))).all()
    return [views.district(row, language) for row in rows]


async def live_figure_categories(session: AsyncSession, language: Language) -> list[CategoryNode]:
    """The place categories that take live figures (free beds, spaces, connectors), flat, in the tree's order."""
    statement = (
        select(Category)
        .where(Category.kind == "place", Category.live_capacity_unit.is_not(None))
        .order_by(Category.sort_order, Category.code)
    )
    rows = (await session.scalars(statement)).all()
    return [node for row in rows for node in views.category_tree([row], language)]


async def list_streets(public: PublicRead, district_code: str, *, limit: int, cursor: str | None) -> Page[StreetPublic]:
    async with public.session() as session:
        if await session.get(District, district_code) is None:
            raise NotFound(f"there is no district {district_code}")
        statement = select(Street).where(Street.district_code == district_code).order_by(Street.code)
        streets = [views.street(row) for row in (await session.scalars(statement)).all()]
    return page_in_memory(streets, "code", kind=f"streets:{district_code}", limit=limit, cursor=cursor)


async def list_categories(
    public: PublicRead, kind: str | None, *, limit: int, cursor: str | None
) -> Page[CategoryNode]:
    """The category tree (of one kind of listing, when `kind` is given), paged by its roots."""
    statement = select(Category).order_by(Category.sort_order, Category.code)
    if kind:
        statement = statement.where(Category.kind == kind)
    async with public.session() as session:
        tree = views.category_tree((await session.scalars(statement)).all(), public.language)
    return page_in_memory(tree, "code", kind=f"categories:{kind}", limit=limit, cursor=cursor)


async def require_filter_values(
    source: AsyncSession | Reader,
    *,
    category: str | None = None,
    district: str | None = None,
    street: str | None = None,
) -> None:
    """A filter naming something that does not exist is a mistake the client should hear about."""
    if not (category or district or street):
        return
    known = await reference_names(source)
    problems = []
    if category and category not in known.categories:
        problems.append({"loc": ["query", "category"], "msg": f"unknown category {category}", "type": "unknown"})
    if district and district not in known.districts:
        problems.append({"loc": ["query", "district"], "msg": f"unknown district {district}", "type": "unknown"})
    if street and street not in known.streets:
        problems.append({"loc": ["query", "street"], "msg": f"unknown street {street}", "type": "unknown"})
    if problems:
        raise ValidationFailed("a filter names something the directory does not have", errors=problems)
