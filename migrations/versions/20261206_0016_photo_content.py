"""Residents' photos may be kept in the database (PHOTO_STORE=database): their bytes in a table of their own.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 17:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_photo_content",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["feedback_photo.id"],
            name=op.f("fk_feedback_photo_content_photo_id_feedback_photo"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("photo_id", name=op.f("pk_feedback_photo_content")),
    )


def downgrade() -> None:
    op.drop_table("feedback_photo_content")
