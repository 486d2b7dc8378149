"""Covering index of visible listings by location; re-tokenize the search index (district/category tokens).

The index is partial and dialect-specific (INCLUDE on PostgreSQL), so it is built by hand and, like the search
tables, kept out of autogenerate by its `ix_search_` prefix.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:55:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VISIBLE = "status = 'published' AND deleted_at IS NULL"


def _rebuild_search_index() -> None:
    # Documents gained filter tokens (zzd310104 …); build them again from the listings.
    from api.listings import search_documents

    # The index's layout at this revision: no area field or grid (migrations 0008 and 0009 add them).
    search_documents.rebuild(op.get_bind(), with_area=False, with_grid=False)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE INDEX ix_search_place_visible_geo ON place (lat, lng, id) WHERE {VISIBLE}")
    else:
        op.execute(f"CREATE INDEX ix_search_place_visible_geo ON place (lat, lng) INCLUDE (id) WHERE {VISIBLE}")
    _rebuild_search_index()


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_search_place_visible_geo")
    _rebuild_search_index()
