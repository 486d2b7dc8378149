"""Stores search documents, per dialect, and merges what bulk writes left in pieces.

The place index holds the listings residents may see (published, not deleted) and nothing else, so a search
narrowed only by district and category tokens is answered by the index table alone. Its area field holds every
word of a listing scoped to its district (`district_scoped`), so a search within a district reads short lists;
the grid table holds them scoped to the listing's map cell (`api.textsearch.grid`), for words searched near a point.

Documents are built from listings by api.listings.search_documents (with api.textsearch.tokens); this module only
stores them: SQLite FTS5 tables (`search_place` and `search_place_grid` with rowid = place id, `search_content`),
or PostgreSQL tables of tsvectors made with array_to_tsvector, so the database never re-tokenizes what Python built.
"""

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import ARRAY, Connection, Text, bindparam, text

from api.textsearch.grid import scoped_tokens


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


def clear_documents(connection: Connection, *, with_grid: bool = True) -> None:
    """Every document removed, before a rebuild. `with_grid=False`: the layout before migration 0009."""
    connection.execute(text("DELETE FROM search_place"))
    if with_grid:
        connection.execute(text("DELETE FROM search_place_grid"))
    connection.execute(text("DELETE FROM search_content"))


_SEARCH_TABLES = ("search_place", "search_content")


def compact(connection: Connection, *, with_grid: bool = True) -> None:
    """Merge what bulk writes left in pieces (after a rebuild, a seed, a bulk load), so that each word is read
    from one place again.

    SQLite: every transaction adds FTS5 segments, and a word is looked up in each of them: after a bulk load,
    searches near a point and within a district were markedly slower until the merge (bench/README.md).
    PostgreSQL: GIN puts new entries on a pending list that every search reads through until it is merged; VACUUM
    would merge it too, but cannot run inside a transaction."""
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
