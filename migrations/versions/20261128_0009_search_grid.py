"""The grid index for words searched near a point: every word of a visible listing scoped to its 0.02° map cell
(`api.textsearch.grid`); on PostgreSQL with the location, category, district and opening schedule the page and its
facets need beside them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 16:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from api.listings import search_documents

    if op.get_bind().dialect.name == "sqlite":
        # No prefix index: a pinyin prefix is read as a range of the (short) scoped terms. The location and the
        # rest are read from `place` by rowid: cheaper on SQLite than from FTS5's own content table.
        op.execute(
            "CREATE VIRTUAL TABLE search_place_grid USING fts5(grid, tokenize = 'unicode61 remove_diacritics 0')"
        )
    else:
        op.execute(
            "CREATE TABLE search_place_grid ("
            "place_id integer PRIMARY KEY REFERENCES place (id) ON DELETE CASCADE, "
            "lat double precision NOT NULL, lng double precision NOT NULL, "
            "category_code varchar(60) NOT NULL, district_code varchar(6) NOT NULL, "
            "schedule_id integer, grid_doc tsvector NOT NULL, name_doc tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_search_place_grid_doc ON search_place_grid USING gin (grid_doc)")
    # The index's layout at this revision: no name words in the area field (migration 0010 adds them).
    search_documents.rebuild(op.get_bind(), area_names=False)


def downgrade() -> None:
    op.execute("DROP TABLE search_place_grid")
