"""Reference data reads: districts, streets and the category tree."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.reference.names import reference_names
from api.directory.reference.schemas import CategoryNode, DistrictPublic, LatLng, StreetPublic
from api.errors import NotFound, ValidationFailed
from api.http import Language, localized
from api.prepared import Reader
from models import Category, District, Street


async def list_districts(session: AsyncSession, language: Language) -> list[DistrictPublic]:
    rows = (await session.scalars(select(District).order_by(District.sort_order, District.code))).all()
    return [
        DistrictPublic(
            code=row.code,
            name=localized(language, row.name, row.name_en) or row.name,
            name_zh=row.name,
            name_en=row.name_en,
            center=LatLng(lat=row.center_lat, lng=row.center_lng),
        )
        for row in rows
    ]


async def get_district(session: AsyncSession, code: str) -> District:
    district = await session.get(District, code)
    if district is None:
        raise NotFound(f"there is no district {code}")
    return district


async def list_streets(session: AsyncSession, district_code: str) -> list[StreetPublic]:
    rows = (
        await session.scalars(select(Street).where(Street.district_code == district_code).order_by(Street.code))
    ).all()
    return [StreetPublic(code=r.code, name=r.name, kind=r.kind, is_special=r.is_special) for r in rows]


async def category_tree(session: AsyncSession, language: Language, kind: str | None = None) -> list[CategoryNode]:
    statement = select(Category).order_by(Category.sort_order, Category.code)
    if kind:
        statement = statement.where(Category.kind == kind)
    rows = (await session.scalars(statement)).all()
    nodes = {
        row.code: CategoryNode(
            code=row.code,
            name=localized(language, row.name, row.name_en) or row.name,
            name_zh=row.name,
            name_en=row.name_en,
            kind=row.kind,
            live_capacity_unit=row.live_capacity_unit,
            children=[],
        )
        for row in rows
    }
    roots = []
    for row in rows:
        parent = nodes.get(row.parent_code) if row.parent_code else None
        (parent.children if parent else roots).append(nodes[row.code])
    return roots


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
