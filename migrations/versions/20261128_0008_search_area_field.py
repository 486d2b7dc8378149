"""The place search index gains an area field: every word of a listing scoped to its district
(`zzd310104w公园`), with the filter tokens, and on PostgreSQL its own GIN index.

A search within a district then reads the short posting lists of its words there instead of intersecting
city-wide lists with the district's thousands of listings, and the city-wide `doc` stays as small as before
(it is read row by row when a search is narrowed by place).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 15:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS5_OPTIONS = "tokenize = 'unicode61 remove_diacritics 0', prefix = '3 4 5'"


def _replace_fts5_table(columns: str) -> None:
    """FTS5 tables cannot gain a column: a new one takes the place of the old."""
    op.execute("DROP TABLE search_place")
    op.execute(f"CREATE VIRTUAL TABLE search_place USING fts5({columns}, {_FTS5_OPTIONS})")


def upgrade() -> None:
    from api.listings import search_documents

    if op.get_bind().dialect.name == "sqlite":
        _replace_fts5_table("name, body, area")
    else:
        op.execute("ALTER TABLE search_place ADD COLUMN area_doc tsvector NOT NULL DEFAULT ''::tsvector")
        op.execute("CREATE INDEX ix_search_place_area_doc ON search_place USING gin (area_doc)")
    # The index's layout at this revision: no grid (migration 0009 adds it), no name words in the area (0010).
    search_documents.rebuild(op.get_bind(), with_grid=False, area_names=False)


def downgrade() -> None:
    from api.listings import search_documents

    if op.get_bind().dialect.name == "sqlite":
        _replace_fts5_table("name, body")
        search_documents.rebuild(op.get_bind(), with_area=False, with_grid=False, area_names=False)
    else:
        op.execute("DROP INDEX ix_search_place_area_doc")
        op.execute("ALTER TABLE search_place DROP COLUMN area_doc")
