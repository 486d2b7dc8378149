"""Keeps the search index in step with every ORM write, inside the same transaction (after each flush).

The place index holds the listings residents may see (published, not deleted) and nothing else, so a search
narrowed only by district and category tokens is answered by the index table alone. Its area field holds every
word of a listing scoped to its district (`district_scoped`), so a search within a district reads short lists;
the grid table holds them scoped to the listing's map cell (`api.textsearch.grid`), for words searched near a point.

Documents are built by api.textsearch.tokens; this module only stores them, per dialect:
SQLite FTS5 tables (`search_place` and `search_place_grid` with rowid = place id, `search_content`), or
PostgreSQL tables of tsvectors made with array_to_tsvector, so the database never re-tokenizes what Python built.
"""

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import ARRAY, Connection, Text, bindparam, event, select, text
from sqlalchemy.orm import Session

from api.textsearch.grid import scoped_tokens
from api.textsearch.tokens import district_scoped, document, place_filter_tokens
from models import Article, Bundle, BundleMatter, Category, District, Event, Place, Street


class PlaceDocument(NamedTuple):
    """A listing's index entries (space-separated tokens) and what the grid table keeps of it beside them."""

    id: int
    name: str
    body: str
    area: str
    grid_words: str
    lat: float
    lng: float
    category_code: str
    district_code: str
    schedule_id: int | None


ContentDocument = tuple[str, str, str, str]  # (kind, key, name tokens, body tokens)


def reference_names(connection: Connection) -> dict[str, tuple[str, str | None]]:
    """Reference names by code: categories, districts and streets (small tables)."""
    names: dict[str, tuple[str, str | None]] = {}
    for code, name, name_en in connection.execute(select(Category.code, Category.name, Category.name_en)):
        names[code] = (name, name_en)
    for code, name, name_en in connection.execute(select(District.code, District.name, District.name_en)):
        names[code] = (name, name_en)
    for code, name in connection.execute(select(Street.code, Street.name)):
        names[code] = (name, None)
    return names


def _category_texts(code: str | None, names: dict) -> list[str | None]:
    texts: list[str | None] = []
    while code:
        texts += names.get(code, (None, None))
        code = code.rpartition(".")[0]
    return texts


def _flat_strings(values: Iterable[Any]) -> list[str]:
    strings = []
    for value in values:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, list):
            strings += [item for item in value if isinstance(item, str)]
    return strings


def place_document(place: Any, names: dict, *, area_names: bool = True) -> PlaceDocument:
    """`area_names=False`: the area field before migration 0010, without the name's words."""
    district = names.get(place.district_code, (None, None))
    street = names.get(place.street_code, (None, None)) if place.street_code else (None, None)
    body = [
        *_category_texts(place.category_code, names),
        *district,
        street[0],
        place.address,
        place.address_en,
        place.description,
        *(place.tags or []),
        *_flat_strings((place.attributes or {}).values()),
    ]
    name, body_tokens = document([place.name, place.name_en], body)
    # District and street names in pinyin too: residents type "xuhui" as often as 徐汇.
    places_pinyin, _ = document([district[0], street[0]], [])
    pinyin_only = " ".join(token for token in places_pinyin.split() if token.isascii())
    filters = " ".join(place_filter_tokens(place.category_code, place.district_code))
    # The area field: every word scoped to the district, the name's words again, and the filter tokens, so that a
    # search within a district is answered by this field alone, name matches included (its own index on
    # PostgreSQL: the city-wide `doc` stays small).
    words = dict.fromkeys(f"{name} {body_tokens} {pinyin_only}".split())
    name_words = district_scoped(place.district_code, name.split(), "n") if area_names else []
    area = " ".join((*district_scoped(place.district_code, list(words)), *name_words, filters))
    body = f"{body_tokens} {pinyin_only} {filters}".strip()
    # The grid holds exactly the tokens of `doc` (name and body), so it finds exactly what `doc` finds.
    grid_words = scoped_tokens(place.lat, place.lng, dict.fromkeys(f"{name} {body}".split()), "w")
    return PlaceDocument(
        place.id,
        name,
        body,
        area,
        grid_words,
        place.lat,
        place.lng,
        place.category_code,
        place.district_code,
        place.schedule_id,
    )


def event_document(event_row: Any, names: dict) -> ContentDocument:
    body = [
        event_row.summary,
        event_row.body,
        event_row.venue_name,
        event_row.address,
        event_row.organizer,
        *_category_texts(event_row.category_code, names),
        *names.get(event_row.district_code or "", ()),
    ]
    name, body_tokens = document([event_row.title, event_row.title_en], body)
    return "event", str(event_row.id), name, body_tokens


def article_document(article: Any) -> ContentDocument:
    expert = article.expert or {}
    body = [
        article.summary,
        article.body,
        article.topic.replace("_", " "),
        article.audience,
        expert.get("name"),
        expert.get("title"),
        expert.get("organization"),
    ]
    name, body_tokens = document([article.title, article.title_en], body)
    return "article", str(article.id), name, body_tokens


def bundle_document(bundle: Any, matters: Sequence[Any]) -> ContentDocument:
    body = [bundle.summary, bundle.lead_department]
    for matter in matters:
        body += [matter.name, matter.name_en, matter.department]
    name, body_tokens = document([bundle.name, bundle.name_en], body)
    return "bundle", bundle.code, name, body_tokens


_PG_TOKENS = dict(name=bindparam("name", type_=ARRAY(Text)), body=bindparam("body", type_=ARRAY(Text)))


_PG_PLACE = {
    True: text(
        "INSERT INTO search_place (place_id, name_doc, doc, area_doc) VALUES (:id, array_to_tsvector(:name), "
        "array_to_tsvector(:name || :body), array_to_tsvector(:area)) ON CONFLICT (place_id) DO UPDATE SET "
        "name_doc = excluded.name_doc, doc = excluded.doc, area_doc = excluded.area_doc"
    ).bindparams(**_PG_TOKENS, area=bindparam("area", type_=ARRAY(Text))),
    # The layout before migration 0008, for the migrations that rebuild the index at their own revision.
    False: text(
        "INSERT INTO search_place (place_id, name_doc, doc) "
        "VALUES (:id, array_to_tsvector(:name), array_to_tsvector(:name || :body)) "
        "ON CONFLICT (place_id) DO UPDATE SET name_doc = excluded.name_doc, doc = excluded.doc"
    ).bindparams(**_PG_TOKENS),
}
_SQLITE_PLACE = {
    True: text("INSERT INTO search_place (rowid, name, body, area) VALUES (:id, :name, :body, :area)"),
    False: text("INSERT INTO search_place (rowid, name, body) VALUES (:id, :name, :body)"),
}


def write_place_documents(
    connection: Connection, documents: Sequence[PlaceDocument], *, with_area: bool = True, with_grid: bool = True
) -> None:
    """`with_area` and `with_grid`: False writes the layouts before migrations 0008 and 0009."""
    if not documents:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(text("DELETE FROM search_place WHERE rowid = :id"), [{"id": doc.id} for doc in documents])
        connection.execute(
            _SQLITE_PLACE[with_area],
            [{"id": doc.id, "name": doc.name, "body": doc.body, "area": doc.area} for doc in documents],
        )
    else:
        connection.execute(
            _PG_PLACE[with_area],
            [
                {"id": doc.id, "name": doc.name.split(), "body": doc.body.split(), "area": doc.area.split()}
                for doc in documents
            ],
        )
    if with_grid:
        _write_grid_documents(connection, documents)


_GRID_COLUMNS = "lat, lng, category_code, district_code, schedule_id"
_SQLITE_GRID = text("INSERT INTO search_place_grid (rowid, grid) VALUES (:id, :grid)")
_PG_GRID = text(
    f"INSERT INTO search_place_grid (place_id, grid_doc, name_doc, {_GRID_COLUMNS}) "
    "VALUES (:id, array_to_tsvector(:grid), array_to_tsvector(:name), "
    ":lat, :lng, :category_code, :district_code, :schedule_id) "
    "ON CONFLICT (place_id) DO UPDATE SET grid_doc = excluded.grid_doc, name_doc = excluded.name_doc, "
    "lat = excluded.lat, lng = excluded.lng, category_code = excluded.category_code, "
    "district_code = excluded.district_code, schedule_id = excluded.schedule_id"
).bindparams(bindparam("grid", type_=ARRAY(Text)), bindparam("name", type_=ARRAY(Text)))


def _write_grid_documents(connection: Connection, documents: Sequence[PlaceDocument]) -> None:
    if connection.dialect.name == "sqlite":
        ids = [{"id": doc.id} for doc in documents]
        connection.execute(text("DELETE FROM search_place_grid WHERE rowid = :id"), ids)
        # FTS5 tells name matches by the name's words scoped again (`n`); PostgreSQL tests `name_doc` per row.
        rows = [
            {"id": doc.id, "grid": f"{doc.grid_words} {scoped_tokens(doc.lat, doc.lng, doc.name.split(), 'n')}"}
            for doc in documents
        ]
        connection.execute(_SQLITE_GRID, rows)
        return
    rows = [doc._asdict() | {"grid": doc.grid_words.split(), "name": doc.name.split()} for doc in documents]
    connection.execute(_PG_GRID, rows)


def is_visible(place: Any) -> bool:
    return place.status == "published" and place.deleted_at is None


def remove_place_documents(connection: Connection, place_ids: Sequence[int]) -> None:
    if place_ids:
        column = "rowid" if connection.dialect.name == "sqlite" else "place_id"
        for table in ("search_place", "search_place_grid"):
            connection.execute(text(f"DELETE FROM {table} WHERE {column} = :id"), [{"id": i} for i in place_ids])


def write_content_documents(connection: Connection, documents: Sequence[ContentDocument]) -> None:
    if not documents:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(
            text("DELETE FROM search_content WHERE kind = :kind AND key = :key"),
            [{"kind": kind, "key": key} for kind, key, _, _ in documents],
        )
        connection.execute(
            text("INSERT INTO search_content (kind, key, name, body) VALUES (:kind, :key, :name, :body)"),
            [{"kind": kind, "key": key, "name": name, "body": body} for kind, key, name, body in documents],
        )
        return
    statement = text(
        "INSERT INTO search_content (kind, key, name_doc, doc) "
        "VALUES (:kind, :key, array_to_tsvector(:name), array_to_tsvector(:name || :body)) "
        "ON CONFLICT (kind, key) DO UPDATE SET name_doc = excluded.name_doc, doc = excluded.doc"
    ).bindparams(**_PG_TOKENS)
    connection.execute(
        statement,
        [{"kind": k, "key": key, "name": n.split(), "body": b.split()} for k, key, n, b in documents],
    )


def _bundle_matters(connection: Connection, code: str) -> Sequence[Any]:
    return connection.execute(
        select(BundleMatter.name, BundleMatter.name_en, BundleMatter.department).where(BundleMatter.bundle_code == code)
    ).all()


def _content_documents(connection: Connection, objects: list[Any], names: dict) -> list[ContentDocument]:
    documents: list[ContentDocument] = []
    bundle_codes = {obj.code for obj in objects if isinstance(obj, Bundle)}
    bundle_codes |= {obj.bundle_code for obj in objects if isinstance(obj, BundleMatter)}
    for obj in objects:
        if isinstance(obj, Event):
            documents.append(event_document(obj, names))
        elif isinstance(obj, Article):
            documents.append(article_document(obj))
    for code in sorted(bundle_codes):
        bundle = connection.execute(select(Bundle).where(Bundle.code == code)).first()
        if bundle is not None:
            documents.append(bundle_document(bundle, _bundle_matters(connection, code)))
    return documents


@event.listens_for(Session, "after_flush")
def _index_after_flush(session: Session, _context: Any) -> None:
    indexed_types = (Place, Event, Article, Bundle, BundleMatter)
    written = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, indexed_types)]
    if not written:
        return
    connection = session.connection()
    names = reference_names(connection)
    places = [obj for obj in written if isinstance(obj, Place)]
    write_place_documents(connection, [place_document(place, names) for place in places if is_visible(place)])
    remove_place_documents(connection, [place.id for place in places if not is_visible(place)])
    write_content_documents(connection, _content_documents(connection, written, names))


# What a listing's documents are made of, named column by column: the migrations before a later `place` column
# (0012's `name_sort`) rebuild the index with this code too.
_INDEXED_PLACE_COLUMNS = (
    Place.id,
    Place.name,
    Place.name_en,
    Place.category_code,
    Place.district_code,
    Place.street_code,
    Place.address,
    Place.address_en,
    Place.description,
    Place.tags,
    Place.attributes,
    Place.lat,
    Place.lng,
    Place.schedule_id,
    Place.status,
    Place.deleted_at,
)


def rebuild(
    connection: Connection, *, with_area: bool = True, with_grid: bool = True, area_names: bool = True
) -> dict[str, int]:
    """Re-tokenize everything (`svcdir reindex`): after a tokenizer or vocabulary change.

    `with_area=False`, `with_grid=False` and `area_names=False` write the layouts before migrations 0008, 0009
    and 0010, for the migrations before them."""
    names = reference_names(connection)
    connection.execute(text("DELETE FROM search_place"))
    if with_grid:
        connection.execute(text("DELETE FROM search_place_grid"))
    connection.execute(text("DELETE FROM search_content"))
    counts = {"place": 0, "content": 0}
    last_id = 0
    while True:
        batch = connection.execute(
            select(*_INDEXED_PLACE_COLUMNS).where(Place.id > last_id).order_by(Place.id).limit(2000)
        ).all()
        if not batch:
            break
        visible = [place for place in batch if is_visible(place)]
        documents = [place_document(place, names, area_names=area_names) for place in visible]
        write_place_documents(connection, documents, with_area=with_area, with_grid=with_grid)
        counts["place"] += len(visible)
        last_id = batch[-1].id
    content: list[ContentDocument] = [event_document(e, names) for e in connection.execute(select(Event)).all()]
    content += [article_document(a) for a in connection.execute(select(Article)).all()]
    for bundle in connection.execute(select(Bundle)).all():
        content.append(bundle_document(bundle, _bundle_matters(connection, bundle.code)))
    write_content_documents(connection, content)
    counts["content"] = len(content)
    compact(connection, with_grid=with_grid)
    return counts


_SEARCH_TABLES = ("search_place", "search_content")


def compact(connection: Connection, *, with_grid: bool = True) -> None:
    """Merge what bulk writes left in pieces (after a rebuild, a seed, a bulk load), so that each word is read
    from one place again.

    SQLite: every transaction adds FTS5 segments, and a word is looked up in each of them. After loading 100,000
    listings, words near a point took 2.8 ms a statement before the merge and 1.5 ms after, words within a
    district 0.45 and 0.22 ms (bench/README.md). PostgreSQL: GIN puts new entries on a pending list that every
    search reads through until it is merged; VACUUM would merge it too, but cannot run inside a transaction."""
    tables = (*_SEARCH_TABLES, "search_place_grid") if with_grid else _SEARCH_TABLES
    if connection.dialect.name == "sqlite":
        for table in tables:
            connection.execute(text(f"INSERT INTO {table}({table}) VALUES ('optimize')"))
        return
    connection.execute(
        text(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE a.amname = 'gin' AND i.indrelid = ANY(CAST(:tables AS regclass[]))"
        ),
        {"tables": list(tables)},
    )
