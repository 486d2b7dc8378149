"""`place.name_sort` (the name's pinyin, which `sort=name` orders by) with its index by status, key and id; the
search index rebuilt for the new tokens (initials of any length, pinyin kept apart from English words).

On PostgreSQL the index is in the "C" collation the ordering uses, so it is built by hand and kept out of
autogenerate by its `ix_search_` prefix, like 0003's.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 06:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000


def _fill_name_sort() -> None:
    from api.textsearch.tokens import name_sort_key

    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.text("SELECT id, name FROM place WHERE id > :last ORDER BY id LIMIT :batch"),
            {"last": last_id, "batch": BATCH},
        ).all()
        if not rows:
            return
        connection.execute(
            sa.text("UPDATE place SET name_sort = :key WHERE id = :id"),
            [{"id": row.id, "key": name_sort_key(row.name)} for row in rows],
        )
        last_id = rows[-1].id


def _rebuild_search_index() -> None:
    from api.listings import search_documents

    search_documents.rebuild(op.get_bind())


def upgrade() -> None:
    op.add_column("place", sa.Column("name_sort", sa.Text(), server_default="", nullable=False))
    _fill_name_sort()
    # Led by the status, as the other place indexes that pages walk (0004); not partial, as a partial index of the
    # visible listings would draw PostgreSQL's generic plans of the map's nearest-first read away from 0003's.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE INDEX ix_search_place_name_sort ON place (status, name_sort, id)")
    else:
        op.execute('CREATE INDEX ix_search_place_name_sort ON place (status, name_sort COLLATE "C", id)')
    _rebuild_search_index()


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_search_place_name_sort")
    # A plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy of the table would lose the partial index
    # of 0003.
    op.drop_column("place", "name_sort")
    # Rebuilt by the code that is running, as 0007 does.
    _rebuild_search_index()
