"""When the cluster's last upkeep round started and where, so that another instance does not repeat it at once.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 17:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "upkeep_round",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("started_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("instance", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_upkeep_round")),
    )


def downgrade() -> None:
    op.drop_table("upkeep_round")
