"""A listing's version may come from a machine feed: a feed that reports a new capacity (total beds or spaces) edits
the listing, and that edit is kept in its history like any other.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = "source IN ('baseline', 'manual', 'import', 'correction', 'revert', 'feed')"
SOURCES_BEFORE = "source IN ('baseline', 'manual', 'import', 'correction', 'revert')"


def _sources(check: str) -> None:
    with op.batch_alter_table("listing_version", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_listing_version_source"), type_="check")
        batch_op.create_check_constraint(op.f("ck_listing_version_source"), sa.text(check))


def upgrade() -> None:
    _sources(SOURCES)


def downgrade() -> None:
    # The older schema knows no feed: those versions are kept as changes made by hand (their reason names the key).
    op.execute("UPDATE listing_version SET source = 'manual' WHERE source = 'feed'")
    _sources(SOURCES_BEFORE)
