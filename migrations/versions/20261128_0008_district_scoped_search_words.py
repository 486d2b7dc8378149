"""Rebuild the place search index with every word also scoped to the listing's district (`zzd310104w公园`).

A search narrowed to a district then reads the short posting lists of its words there instead of intersecting
city-wide lists with the district's token; no schema changes.

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


def _rebuild_search_index() -> None:
    from api.search import index

    index.rebuild(op.get_bind())


def upgrade() -> None:
    _rebuild_search_index()


def downgrade() -> None:
    # Rebuilt by the code that is running; earlier versions narrow by the district token, which stays.
    _rebuild_search_index()
