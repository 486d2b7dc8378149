"""Turning a QueryPlan into SQL for each backend: the same tokens, the same rows."""

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    TextClause,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from api.prepared import PreparedRead, Reader, as_reader
from api.textsearch.tokens import QueryPlan, parse_phrase_query, parse_query, to_fts5, to_tsquery

_fts_place = table("search_place", column("rowid", Integer))
_pg_place = table("search_place", column("place_id", Integer), column("name_doc"), column("doc"), column("area_doc"))


def _fts_place_ids(plan: QueryPlan, *, names_only: bool = False) -> Select:
    """SQLite: SELECT of the ids of places whose document (or name alone) matches the plan."""
    expression = to_fts5(plan, "name" if names_only else None)
    return select(_fts_place.c.rowid).where(
        text("search_place MATCH :fts").bindparams(bindparam("fts", expression, unique=True))
    )


def tsquery_parameter(name: str, value: str | None = None) -> TextClause:
    """Every tsquery parameter of PostgreSQL's statements, typed as one: a text parameter cast to tsquery in SQL
    would be cast again for every row under the generic plan PostgreSQL adopts for a statement prepared once and
    run often, which made a common word's search within a district several times slower (bench/README.md)."""
    parameter = bindparam(name, value, type_=TSQUERY, unique=value is not None)
    return text(f"CAST(:{name} AS tsquery)").bindparams(parameter)


@dataclass(frozen=True)
class PlaceMatch:
    """How a place query meets the index: a table to join (PostgreSQL), the match, and the name hit (1 or 0)."""

    join: tuple[Any, ColumnElement[bool]] | None
    condition: ColumnElement[bool]
    name_hit: ColumnElement[int]


def place_match(
    id_column: Any, plan: QueryPlan, dialect: str, filters: list[str] | None = None, district: str | None = None
) -> PlaceMatch:
    """`filters` (filter tokens) and `district` narrow the match; the name hit is judged on the words alone."""
    narrowed = plan.narrowed(filters or [], district)
    if dialect == "sqlite":
        # FTS5 answers a MATCH with rowids; the name reading is a second MATCH on the name column.
        return PlaceMatch(
            join=None,
            condition=id_column.in_(_fts_place_ids(narrowed)),
            name_hit=case((id_column.in_(_fts_place_ids(plan, names_only=True)), literal(1)), else_=literal(0)),
        )
    # One join: the GIN index finds the documents, and the name test runs only on the rows found.
    tsquery = tsquery_parameter("tsq", to_tsquery(plan))
    narrowed_tsquery = tsquery_parameter("tsqf", to_tsquery(narrowed))
    index_row = _pg_place.alias("match")
    # Within a district the words are looked up in the area field (scoped to it), else city-wide.
    field = index_row.c.area_doc if district else index_row.c.doc
    return PlaceMatch(
        join=(index_row, index_row.c.place_id == id_column),
        condition=field.op("@@")(narrowed_tsquery),
        name_hit=case((index_row.c.name_doc.op("@@")(tsquery), literal(1)), else_=literal(0)),
    )


@dataclass(frozen=True)
class IndexedMatch:
    """Visible places matching a plan, answered by the index table alone: its id column, match and name hit.

    The words are named parameters (see `indexed_match_parameters`), so the statement is the same for every
    query of its shape and can be built once."""

    source: Any
    id_column: ColumnElement[int]
    condition: ColumnElement[bool]
    name_hit: ColumnElement[int]


@functools.cache
def indexed_match(dialect: str, in_district: bool = False) -> IndexedMatch:
    """For searches whose every filter is an index token (district, category): the index holds visible listings
    only, so no `place` lookup is needed per match, only for the page that is shown.

    Built once per dialect and field (`in_district`: the area field, where words are scoped to a district): its
    words are parameters, and SQL constructs can be shared between statements."""
    if dialect == "sqlite":
        condition = text("search_place MATCH :fts_page").bindparams(bindparam("fts_page", type_=String))
        by_name = select(_fts_place.c.rowid).where(
            text("search_place MATCH :fts_names").bindparams(bindparam("fts_names", type_=String))
        )
        hit = case((_fts_place.c.rowid.in_(by_name), literal(1)), else_=literal(0))
        return IndexedMatch(_fts_place, _fts_place.c.rowid, condition, hit)
    row = _pg_place.alias("match")
    page = tsquery_parameter("tsq_page")
    names = tsquery_parameter("tsq_names")
    return IndexedMatch(
        row,
        row.c.place_id,
        (row.c.area_doc if in_district else row.c.doc).op("@@")(page),
        case((row.c.name_doc.op("@@")(names), literal(1)), else_=literal(0)),
    )


def indexed_match_parameters(
    plan: QueryPlan, dialect: str, filters: list[str], district: str | None = None
) -> dict[str, str]:
    return dict(_match_parameters(plan, dialect, tuple(filters), district))  # a copy: the cached one is shared


# Residents search for the same few words again and again: rendering them, scoped, was a noticeable part of each
# search's Python time (bench/README.md).
@functools.lru_cache(maxsize=4096)
def _match_parameters(plan: QueryPlan, dialect: str, filters: tuple[str, ...], district: str | None) -> dict[str, str]:
    narrowed = plan.narrowed(filters, district)
    if dialect == "sqlite":
        # Name hits are only ever asked of the page's matches: narrowing them by the same filters keeps the
        # list FTS5 builds for them to the district or category, not the whole city. Within a district, the
        # names' words scoped to it are that list already, and the first page reads them apart from the others
        # (`indexed_first_page`).
        if district:
            page, names = to_fts5(narrowed), to_fts5(plan.narrowed(filters, district, "n"))
            return {"fts_page": page, "fts_names": names, "fts_area_others": f"({page}) NOT ({names})"}
        names = to_fts5(plan, "name")
        if filters:
            names = f"{names} AND {to_fts5(QueryPlan(()).narrowed(filters))}"
        return {"fts_page": to_fts5(narrowed), "fts_names": names}
    parameters = {"tsq_page": to_tsquery(narrowed), "tsq_names": to_tsquery(plan)}
    if district:
        # For the first page (`indexed_first_page`): the name matches, and the other matches.
        names_in_district = plan.narrowed(filters, district, "n")
        parameters["tsq_area_names"] = to_tsquery(names_in_district)
        parameters["tsq_area_others"] = f"({parameters['tsq_page']}) & !({to_tsquery(names_in_district)})"
    return parameters


@functools.cache
def indexed_first_page(dialect: str, in_district: bool = False) -> Select:
    """The first page of a search the index alone answers: `page_id`, `order_0` (the name hit) and `order_1`
    (the id), name matches first, then by id, `page_limit` rows (see `indexed_match_parameters`)."""
    if in_district:
        return _names_first_in_district(dialect)
    match = indexed_match(dialect, in_district)
    # Ordering by the label, not the expression again: SQLite would otherwise run the name match twice.
    name_hit = match.name_hit.label("order_0")
    return (
        select(match.id_column.label("page_id"), name_hit, match.id_column.label("order_1"))
        .select_from(match.source)
        .where(match.condition)
        .order_by(name_hit.desc(), match.id_column.asc())
        .limit(bindparam("page_limit", type_=Integer))
    )


def _names_first_in_district(dialect: str) -> Select:
    """Within a district: the first name matches by id, then, only if they do not fill the page, the first other
    matches; both lists from the area field's index.

    Ranking every match by a name test cost most of the statement for the many matches a common word has in a
    district (PostgreSQL: a test per row; SQLite: the name matches listed whole, then every match sorted). The area
    field holds the names' words scoped to the district too, so name matches come from the index, in id order,
    and as they fill most first pages the other matches are then not read at all (a LIMIT of 0 does not run its
    subquery). The benchmark's q + district requests run markedly faster this way on both databases
    (bench/README.md)."""
    page_limit = bindparam("page_limit", type_=Integer)
    if dialect == "sqlite":
        # FTS5 hands out rowids in order, so ordering by the rowid itself lets it stop at the limit.
        row = _fts_place
        page_id = by_id = row.c.rowid
        names_match = text("search_place MATCH :fts_names")
        others_match = text("search_place MATCH :fts_area_others")
    else:
        row = _pg_place.alias("match")
        page_id = row.c.place_id
        # "+ 0": ordered by the key itself, the planner would rather walk the primary key index and test each
        # row's words (hundreds of ms for a rare word) than sort the few matches the GIN index finds.
        by_id = row.c.place_id + literal_column("0")
        names_match = row.c.area_doc.op("@@")(tsquery_parameter("tsq_area_names"))
        others_match = row.c.area_doc.op("@@")(tsquery_parameter("tsq_area_others"))
    names = (
        select(by_id.label("place_id"))
        .select_from(row)
        .where(names_match)
        .order_by(by_id)
        .limit(page_limit)
        .cte("names")
        .prefix_with("MATERIALIZED")
    )
    name_matches = select(
        names.c.place_id.label("page_id"), literal_column("1").label("order_0"), names.c.place_id.label("order_1")
    )
    others = (
        select(page_id.label("page_id"), literal_column("0").label("order_0"), by_id.label("order_1"))
        .select_from(row)
        .where(others_match)
        .order_by(by_id)
        .limit(page_limit - select(func.count()).select_from(names).scalar_subquery())
    )
    if dialect == "sqlite":
        # SQLite takes no LIMIT on a member of a compound select, only on a subquery.
        others = select(*others.subquery("others").c)
    both = union_all(name_matches, others).subquery("both")
    return select(*both.c).order_by(both.c.order_0.desc(), both.c.order_1.asc()).limit(page_limit)


_fts_content = table("search_content", column("rowid", Integer), column("kind"), column("key"))
_pg_content = table(
    "search_content", column("id", Integer), column("kind"), column("key"), column("name_doc"), column("doc")
)


def content_matching(plan: QueryPlan, dialect: str, kind: str) -> Select:
    """SELECT (key, name_hit) of `kind` entries (event, article, bundle) matching the plan."""
    if dialect == "sqlite":
        matching = text("search_content MATCH :fts").bindparams(bindparam("fts", to_fts5(plan), unique=True))
        by_name = select(_fts_content.c.rowid).where(
            text("search_content MATCH :ftsn").bindparams(bindparam("ftsn", to_fts5(plan, "name"), unique=True))
        )
        hit = case((_fts_content.c.rowid.in_(by_name), literal(1)), else_=literal(0))
        return select(_fts_content.c.key, hit.label("hit")).where(matching, _fts_content.c.kind == kind)
    tsquery = tsquery_parameter("tsq", to_tsquery(plan))
    hit = case((_pg_content.c.name_doc.op("@@")(tsquery), literal(1)), else_=literal(0))
    return select(_pg_content.c.key, hit.label("hit")).where(
        _pg_content.c.doc.op("@@")(tsquery), _pg_content.c.kind == kind
    )


@functools.cache
def _probe(dialect: str, kind: str) -> PreparedRead:
    return PreparedRead(_probe_statement(dialect, kind))


def _probe_statement(dialect: str, kind: str) -> Select:
    """Whether anything of `kind` (place, event, article, bundle) matches a plan given as `probe`."""
    if kind == "place":
        if dialect == "sqlite":
            return select(_fts_place.c.rowid).where(text("search_place MATCH :probe")).limit(1)
        return select(_pg_place.c.place_id).where(_pg_place.c.doc.op("@@")(tsquery_parameter("probe"))).limit(1)
    if dialect == "sqlite":
        statement = select(_fts_content.c.key).where(text("search_content MATCH :probe"))
        return statement.where(_fts_content.c.kind == kind).limit(1)
    statement = select(_pg_content.c.key).where(_pg_content.c.doc.op("@@")(tsquery_parameter("probe")))
    return statement.where(_pg_content.c.kind == kind).limit(1)


async def best_plan(
    source: AsyncSession | Reader, text_query: str, *, kinds: tuple[str, ...] = ("place",)
) -> QueryPlan:
    """The phrase reading of the query when anything of `kinds` matches it, else the word-by-word reading.

    人民公园 then finds 人民公园 alone rather than every park on 人民路, while 徐汇养老 (no such phrase)
    still finds the elder-care listings of 徐汇. The probes are prepared reads: `source` may be a reader that
    holds no session.
    """
    words = parse_query(text_query)
    phrase = parse_phrase_query(text_query)
    if phrase is None:
        return words
    reader = as_reader(source)
    dialect = reader.dialect.name
    probe = to_fts5(phrase) if dialect == "sqlite" else to_tsquery(phrase)
    for kind in kinds:
        if await _probe(dialect, kind).first(reader, probe=probe) is not None:
            return phrase
    return words


async def matching_content(session: AsyncSession, q: str, kind: str, key_column: Any) -> ColumnElement[bool]:
    """The condition that `key_column` names an entry of `kind` (event, article: by id; bundle: by code) whose words
    match `q`, read as the search across kinds reads it."""
    plan = await best_plan(session, q, kinds=(kind,))
    if plan.empty:
        return key_column.in_([])
    found = content_matching(plan, session.get_bind().dialect.name, kind).subquery()
    return key_column.in_(select(found.c.key if kind == "bundle" else cast(found.c.key, Integer)))
