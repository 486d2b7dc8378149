"""The holiday calendar as the project's own data (years, days) and provisional feedback deadlines.

Until now the calendar came from the chinese-calendar package, which knows no year after 2026 and counted the
days of later years as Monday to Friday. Deadlines already set on such days are marked provisional here, so
that they are recomputed when their year's schedule is loaded.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 06:00:00+00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 2027-01-01 00:00 in Shanghai: the first day chinese-calendar (the source before this revision) did not know.
FIRST_DAY_THE_PACKAGE_DID_NOT_KNOW = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


def upgrade() -> None:
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("loaded_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["loaded_by"],
            ["user_account.id"],
            name=op.f("fk_calendar_year_loaded_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_year")),
    )
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f("ck_calendar_day_kind")),
        sa.ForeignKeyConstraint(
            ["year"], ["calendar_year.year"], name=op.f("fk_calendar_day_year_calendar_year"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_day")),
    )
    with op.batch_alter_table("calendar_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_day_year"), ["year"], unique=False)
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_provisional", sa.Boolean(), server_default=sa.false(), nullable=False))
    feedback = sa.table("feedback", sa.column("due_at", models.base.UTCDateTime()), sa.column("due_provisional"))
    op.execute(
        feedback.update()
        .where(feedback.c.due_at >= FIRST_DAY_THE_PACKAGE_DID_NOT_KNOW)
        .values(due_provisional=sa.true())
    )


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("due_provisional")
    with op.batch_alter_table("calendar_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_day_year"))
    op.drop_table("calendar_day")
    op.drop_table("calendar_year")
