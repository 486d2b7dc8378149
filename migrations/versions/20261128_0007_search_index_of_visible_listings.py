"""Rebuild the search index with the visible listings only (published, not deleted).

A search narrowed only by district and category is then answered by the index table alone; no schema changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 11:55:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild_search_index() -> None:
    from api.listings import search_documents

    # The index's layout at this revision: no area field or grid (migrations 0008 and 0009 add them).
    search_documents.rebuild(op.get_bind(), with_area=False, with_grid=False)


def upgrade() -> None:
    _rebuild_search_index()


def downgrade() -> None:
    # Rebuilt by the code that is running; earlier versions check visibility on `place` themselves.
    _rebuild_search_index()
