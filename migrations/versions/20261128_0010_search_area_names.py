"""The area field of the place search index gains the name's words scoped to the district (`zzd310104n公园`).

A search within a district then tells its name matches (which come first) from the area field's index, instead
of testing the name of every match in the district: on PostgreSQL that test was most of the statement.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 21:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from api.listings import search_documents

    search_documents.rebuild(op.get_bind())


def downgrade() -> None:
    from api.listings import search_documents

    search_documents.rebuild(op.get_bind(), area_names=False)
